# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .. import compat
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferDocuments(TalTransferCommon):
    """Run twice by scripts/test.sh: with the Documents stand-in alone, and
    beside the documents_account stand-in, which files XML files itself."""

    target = "documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.filing = "documents.account.folder.setting" in cls.env

    def test_invoice_files_become_documents_in_the_folder(self):
        if self.filing:
            # 18.0: an administrator turned documents_account on (19.0 is).
            self._documents_account_configured()
        tag = self.env["documents.tag"].sudo().create({"name": "Invoices"})
        self.env.company.tal_transfer_tag_names = "Invoices"
        # 18.0's documents_account also files an invoice's first file when it
        # is attached: the XML file comes first, the PDF is left to the
        # transfer, as on 19.0.
        files = ("a.pdf", "b.xml") if compat.V19 else ("b.xml", "a.pdf")
        invoice = self._make_invoice(files=files)
        attachments = self._files_of(invoice)

        stats = self.Transfer._run()

        self.assertEqual(stats["done"], 1)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(invoice.tal_transfer_error)
        self.assertEqual(invoice.tal_transfer_attempts, 1)
        self.assertTrue(invoice.tal_transfer_date)
        documents = self._documents_of(attachments)
        self.assertEqual(len(documents), 2)
        self.assertEqual(documents.attachment_id, attachments)
        pdf, xml = documents.sorted("name")
        self.assertEqual(pdf.folder_id, self.folder)
        if self.filing:
            # documents_account filed the XML file when it was attached: it
            # stays in the journal's folder.
            setting = self.env["documents.account.folder.setting"].search(
                [("journal_id", "=", invoice.journal_id.id)]
            )
            self.assertEqual(xml.folder_id, setting.folder_id)
            self.assertEqual(xml.tag_ids, tag | setting.tag_ids)
        else:
            self.assertEqual(xml.folder_id, self.folder)
            self.assertEqual(xml.tag_ids, tag)
        self.assertEqual(pdf.tag_ids, tag)
        self.assertEqual(documents.partner_id, invoice.partner_id)
        self.assertEqual(invoice.tal_transfer_document_count, 2)
        self.assertEqual(invoice.tal_transfer_document, documents.sorted("id")[0])
        self.assertEqual(
            invoice.tal_transfer_document_name, documents.sorted("id")[0].display_name
        )
        # The files stay the invoice's own attachments: linked, not moved.
        self.assertEqual(self._files_of(invoice), attachments)
        self.assertEqual(set(attachments.mapped("res_model")), {"account.move"})

    def test_attachment_with_archived_document_gets_no_second_one(self):
        invoice = self._make_invoice()
        attachment = self._files_of(invoice)
        trashed = self.env["documents.document"].create(
            {"attachment_id": attachment.id, "folder_id": self.folder.id}
        )
        trashed.active = False

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._documents_of(attachment), trashed)
        # Restored: the trash would delete the invoice's file with it.
        self.assertTrue(trashed.active)

    def test_archived_folder_fails_with_a_clear_message(self):
        invoice = self._make_invoice()
        self.folder.active = False

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertIn("is archived", invoice.tal_transfer_error)
        self.assertEqual(invoice.tal_transfer_error_kind, "settings")
        self.assertFalse(self._documents_of(self._files_of(invoice)))

    def test_missing_folder_or_tag_fails_with_a_clear_message(self):
        no_folder = self._make_invoice()
        self.env.company.tal_transfer_folder_ref = False
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            # Asked for explicitly (the scheduled action leaves it pending).
            self.Transfer._run(move_ids=no_folder.ids)
        self.assertEqual(no_folder.tal_transfer_state, "failed")
        self.assertIn("No Documents folder is set", no_folder.tal_transfer_error)

        self.env.company.tal_transfer_folder_ref = (
            f"documents.document,{self.folder.id}"
        )
        self.env.company.tal_transfer_tag_names = "Nope"
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=no_folder.ids, states=("failed",))
        self.assertIn("Nope", no_folder.tal_transfer_error)
        self.assertEqual(no_folder.tal_transfer_attempts, 2)

    def test_file_missing_from_filestore_or_empty_fails(self):
        missing = self._make_invoice(files=("gone.pdf",))
        empty = self._make_invoice(files=())
        self._attach(empty, name="empty.pdf", raw=b"")
        attachment = self._files_of(missing)
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = 'ab/not-there' WHERE id = %s",
            [attachment.id],
        )
        attachment.invalidate_recordset()

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

        self.assertEqual(missing.tal_transfer_state, "failed")
        self.assertIn("missing from the filestore", missing.tal_transfer_error)
        self.assertEqual(missing.tal_transfer_error_kind, "file_missing")
        self.assertEqual(empty.tal_transfer_state, "failed")
        self.assertIn("is empty", empty.tal_transfer_error)
        self.assertEqual(empty.tal_transfer_error_kind, "file_empty")

    def test_document_link_of_many_invoices_and_of_a_deleted_document(self):
        invoices = self.env["account.move"]
        for _ in range(3):
            invoices |= self._make_invoice()
        self.Transfer._run()
        gone = invoices[1]
        self._documents_of(self._files_of(gone)).unlink()
        invoices.invalidate_recordset()

        names = invoices.mapped("tal_transfer_document_name")

        self.assertEqual(
            [bool(name) for name in names], [True, False, True], "deleted: no link"
        )
        self.assertEqual(
            invoices[0].tal_transfer_document,
            self._documents_of(self._files_of(invoices[0])),
        )
        self.assertFalse(gone.tal_transfer_document)
