# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestDocumentsReuse(TalTransferCommon):
    """A file that is in Documents already, as a document or as an older
    version of one, gets no second document."""

    target = "documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Documents = cls.env["documents.document"].sudo()
        cls.elsewhere = Documents.create(
            {"name": "Elsewhere", "type": "folder", "access_internal": "edit"}
        )
        cls.tag = cls.env["documents.tag"].sudo().create({"name": "Invoices"})
        cls.env.company.tal_transfer_tag_names = "Invoices"

    def test_a_document_filed_elsewhere_gets_tags_and_partner_and_stays(self):
        invoice = self._make_invoice()
        attachment = self._files_of(invoice)
        other_tag = self.env["documents.tag"].sudo().create({"name": "Scanned"})
        filed = (
            self.env["documents.document"]
            .sudo()
            .create(
                {
                    "attachment_id": attachment.id,
                    "folder_id": self.elsewhere.id,
                    "tag_ids": other_tag.ids,
                }
            )
        )

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._documents_of(attachment), filed)
        self.assertEqual(filed.folder_id, self.elsewhere)
        self.assertEqual(filed.tag_ids, self.tag | other_tag)
        self.assertEqual(filed.partner_id, invoice.partner_id)
        self.assertEqual(invoice.tal_transfer_document, filed)

    def test_an_older_version_of_a_document_is_transferred_through_it(self):
        invoice = self._make_invoice(files=("v1.pdf",))
        first = self._files_of(invoice)
        # As documents_account does when the main file changes: the main
        # file's document takes the new file, the old one stays on the
        # invoice as the document's previous version.
        invoice.with_context(no_document=True).message_main_attachment_id = first
        document = (
            self.env["documents.document"]
            .sudo()
            .create({"attachment_id": first.id, "folder_id": self.elsewhere.id})
        )
        second = self._attach(invoice, name="v2.pdf")
        document.attachment_id = second
        self.assertEqual(document.previous_attachment_ids, first)
        self.assertEqual(self._files_of(invoice), first | second)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(first))
        self.assertEqual(self._documents_of(second), document)
        self.assertEqual(invoice.tal_transfer_document_count, 1)
