# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

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

    def test_an_administrator_of_another_company_sees_and_opens_nothing(self):
        """An accounting administrator of this company only asks for the
        preview of another company (its id given over RPC): its figures,
        its hidden folders' names and their opening are refused."""
        other = self.setup_other_company(name="Other Co")["company"]
        manager = new_test_user(
            self.env,
            login="tal_preview_other_manager",
            groups="base.group_user,account.group_account_manager",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        Preview = self.env["tal.invoice.transfer.preview"].with_user(manager)
        with self.assertRaises(AccessError):
            Preview._tal_figures(other)
        preview = Preview.sudo().create({"company_id": other.id}).sudo(False)
        with self.assertRaises(AccessError):
            preview.action_grant_access()
        self.assertTrue(Preview._tal_figures(self.env.company), "its own: shown")


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


@tagged("post_install", "-at_install")
class TestTakeoverPreviewCustomerFolders(TalScriptMixin, TalTransferCommon):
    """With the plan *By customer* on the script's folder, the preview says
    how many customer folders the first run reuses and how many it makes,
    as the run then does."""

    plan = "customer"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._script_setup()
        cls.env.company.tal_transfer_filing_plan = "customer"

    def _partner(self, name, **vals):
        return self.env["res.partner"].create({"name": name, **vals})

    def _folder(self, name, partner=None):
        vals = {"name": name, "type": "folder", "folder_id": self.folder.id}
        if partner:
            vals.update(res_model="res.partner", res_id=partner.id)
        return self.env["documents.document"].sudo().create(vals)

    def _counts(self):
        target = self.env["tal.transfer.target"]._tal_get_target()
        return target._tal_customer_folder_counts(self.env.company, self.folder)

    def test_reused_and_made_customer_folders_are_counted_as_the_run_does(self):
        before = self._counts()
        linked = self._partner("Linked Co", is_company=True)
        self._folder("Linked Co (renamed)", linked)
        by_contact = self._partner("Contact Co", is_company=True)
        contact = self._partner("Jane", parent_id=by_contact.id)
        self._folder("Jane's folder", contact)
        named = self._partner("Acme: Export/Import", is_company=True)
        self._folder("Acme_ Export_Import")
        via_contact = self._partner("Beta", is_company=True)
        john = self._partner("John", parent_id=via_contact.id)
        self._folder("Beta, John")
        homonym = self._partner("Gamma", is_company=True)
        other_gamma = self._partner("Gamma", is_company=True)
        self._folder("Gamma", other_gamma)
        new = self._partner("Delta", is_company=True)
        for partner in (linked, contact, named, john, homonym, new):
            self._make_invoice(files=("a.pdf",), partner_id=partner.id)

        customers, reused_linked, reused_named, to_make = self._counts()
        self.assertEqual(customers - before[0], 6)
        self.assertEqual(reused_linked - before[1], 2)
        self.assertEqual(reused_named - before[2], 2, "Acme's and Beta's by name")
        self.assertEqual(to_make - before[3], 2, "Gamma's homonym and Delta")
        note = self.env["tal.invoice.transfer.preview"].create({}).plan_note
        self.assertIn(f"{to_make} folders to make", note)

        Documents = self.env["documents.document"].sudo()
        count = Documents.search_count([("folder_id", "=", self.folder.id)])
        self.Transfer._run()
        made = Documents.search_count([("folder_id", "=", self.folder.id)]) - count
        self.assertEqual(made, to_make - before[3])
        after = self._counts()
        self.assertEqual(after[3], 0, "nothing left to make")
        self.assertEqual(after[1], customers, "every customer's folder is linked")

    def test_no_note_for_another_plan(self):
        self.env.company.tal_transfer_filing_plan = "single"
        self._make_invoice(files=("a.pdf",))
        self.assertFalse(self.env["tal.invoice.transfer.preview"].create({}).plan_note)
