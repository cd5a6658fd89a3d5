# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TalScriptMixin, TalTransferCommon, pdf_bytes


@tagged("post_install", "-at_install")
class TestTakeoverPreview(TalScriptMixin, TalTransferCommon):
    """Before the first run, per company: what the script left and what the
    transfer will do, counted with SQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._script_setup()

    FIGURES = (
        "in_scope",
        "filed",
        "pdf_held",
        "by_content",
        "duplicates",
        "ambiguous",
        "pdfs_to_make",
        "to_file",
    )

    def _preview(self):
        """The preview's figures, read at once (they are computed)."""
        preview = self.env["tal.invoice.transfer.preview"].create({})
        return {name: preview[name] for name in (*self.FIGURES, "target_name")}

    def test_the_preview_counts_what_the_script_left(self):
        self.env.company.tal_transfer_make_pdf = True
        before = self._preview()
        # The script's PDF; a restarted one; a file with its copy in the
        # folder; a file with nothing; an invoice with nothing; a content
        # two invoices hold, copied once into the folder.
        held = self._make_invoice(files=())
        self._script_upload(held, days_ago=30)
        twice = self._make_invoice(files=())
        self._script_upload(twice, days_ago=30)
        self._script_upload(twice, days_ago=29)
        copied = self._make_invoice(files=("order.pdf",))
        self._script_upload(copied, raw=self._files_of(copied).raw, linked=False)
        self._make_invoice(files=("scan.pdf",))
        self._make_invoice(files=())
        raw = pdf_bytes("terms")
        first, second = self._make_invoice(files=()), self._make_invoice(files=())
        self._attach(first, "terms.pdf", raw=raw)
        self._attach(second, "terms.pdf", raw=raw)
        self._script_upload(first, raw=raw, linked=False, folder=self.folder)

        preview = self._preview()

        self.assertEqual(preview["target_name"], "Documents")
        self.assertEqual(preview["in_scope"] - before["in_scope"], 7)
        self.assertEqual(preview["pdf_held"] - before["pdf_held"], 2)
        self.assertEqual(preview["filed"] - before["filed"], 2, "the script's PDFs")
        self.assertEqual(preview["by_content"] - before["by_content"], 1)
        self.assertEqual(preview["duplicates"] - before["duplicates"], 1)
        self.assertEqual(preview["ambiguous"] - before["ambiguous"], 1)
        # Every posted invoice without its own PDF but the two the script
        # did; the scan, the two terms files.
        self.assertEqual(preview["pdfs_to_make"] - before["pdfs_to_make"], 5)
        self.assertEqual(preview["to_file"] - before["to_file"], 3)
        self.assertFalse(
            self.env["tal.invoice.transfer.preview"].create({}).hidden_folder_count
        )

    def test_only_accounting_administrators_see_it(self):
        billing = self._billing_user("tal_preview_billing")
        with self.assertRaises(AccessError):
            self.env["tal.invoice.transfer.preview"].with_user(billing).create({})


@tagged("post_install", "-at_install")
class TestTakeoverPreviewHiddenFolders(TalScriptMixin, TalTransferCommon):
    """The script made its tree as its own user, no accountant: the preview
    names the folders nobody in accounting may read, and an accounting
    administrator opens them to internal users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._script_setup(groups="base.group_user", private=True)

    def test_hidden_folders_are_named_and_opened(self):
        invoice = self._make_invoice(files=())
        document = self._script_upload(invoice, days_ago=30)
        invoice_with_file = self._make_invoice()
        preview = self.env["tal.invoice.transfer.preview"].create({})
        self.assertEqual(preview.hidden_folder_count, 2)
        self.assertIn(self.folder.name, preview.hidden_folder_names)
        self.assertIn(document.folder_id.name, preview.hidden_folder_names)
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=invoice_with_file.ids)
        self.assertIn(
            "No accounting user could see", invoice_with_file.tal_transfer_error
        )

        billing = self._billing_user("tal_grant_billing")
        with self.assertRaises(AccessError):
            preview.with_user(billing).action_grant_access()
        preview.action_grant_access()

        self.assertEqual(self.folder.access_internal, "view")
        self.assertEqual(document.folder_id.access_internal, "view")
        self.assertEqual(document.access_internal, "view", "what they hold too")
        self.assertEqual(self.finance.access_internal, "none", "not above the plan")
        self.assertFalse(
            self.env["tal.invoice.transfer.preview"].create({}).hidden_folder_count
        )
        invoice_with_file._tal_transfer_write({"tal_transfer_state": "pending"})
        self.Transfer._run(move_ids=(invoice | invoice_with_file).ids)
        self.assertEqual(invoice_with_file.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_state, "done")
