# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest import SkipTest

from odoo.tests import tagged

from .. import compat
from .common import PDF, TalTransferCommon

XML = b"<?xml version='1.0'?><Invoice/>"


@tagged("post_install", "-at_install")
class TestDocumentsAccount(TalTransferCommon):
    """Beside documents_account, which files invoice files by itself.

    Needs the test-only `tal_documents_account_standin` (scripts/test.sh
    installs it in a second run); skipped without it.
    """

    target = "documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "documents.account.folder.setting" not in cls.env:
            raise SkipTest("documents_account (or its stand-in) is not installed")
        cls._documents_account_configured()
        cls.tag = cls.env["documents.tag"].sudo().create({"name": "Invoices"})
        cls.env.company.tal_transfer_tag_names = "Invoices"

    def _setting(self, invoice):
        return self.env["documents.account.folder.setting"].search(
            [("journal_id", "=", invoice.journal_id.id)]
        )

    def test_files_documents_account_filed_are_reused_where_they_are(self):
        if compat.V19:
            invoice = self._make_invoice(files=("invoice.pdf",))
            xml = self._attach(invoice, name="invoice.xml", raw=XML)
        else:
            # 18.0 also files an invoice's first file when it is attached:
            # the XML file comes first, the PDF is left to the transfer.
            invoice = self._make_invoice(files=())
            xml = self._attach(invoice, name="invoice.xml", raw=XML)
            self._attach(invoice, name="invoice.pdf")
        filed = self._documents_of(xml)
        self.assertTrue(filed, "documents_account files XML files at once")

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        documents = self._documents_of(self._files_of(invoice))
        self.assertEqual(len(documents), 2)
        self.assertEqual(self._documents_of(xml), filed)
        self.assertEqual(filed.folder_id, self._setting(invoice).folder_id)
        self.assertEqual(filed.owner_id, invoice.create_uid)
        self.assertIn(self.tag, filed.tag_ids)
        self.assertEqual((documents - filed).folder_id, self.folder)

    def test_a_transferred_file_becomes_the_main_file_without_error(self):
        invoice = self._make_invoice(files=("a.pdf", "b.pdf"))
        first, second = self._files_of(invoice).sorted("id")
        invoice._message_set_main_attachment_id(first, force=True)
        filed = self._documents_of(first)
        self.Transfer._run()
        own = self._documents_of(second)
        self.assertEqual(invoice.tal_transfer_state, "done")

        # documents_account would move the main file's document onto the new
        # main file, which has its own document since the transfer.
        second.register_as_main_attachment()
        self.env.flush_all()

        self.assertEqual(invoice.message_main_attachment_id, second)
        self.assertEqual(self._documents_of(first), filed)
        self.assertEqual(self._documents_of(second), own)

    def test_the_previous_main_file_stays_transferred_through_its_document(self):
        invoice = self._make_invoice(files=("v1.pdf",))
        first = self._files_of(invoice)
        invoice._message_set_main_attachment_id(first, force=True)
        self.Transfer._run()
        document = self._documents_of(first)
        self.assertEqual(invoice.tal_transfer_state, "done")

        # A new main file (Send & Print): the document takes it, the old file
        # stays on the invoice as its previous version.
        second = self._attach(invoice, name="v2.pdf", raw=PDF)
        invoice._message_set_main_attachment_id(second, force=True)
        self.assertEqual(self._documents_of(second), document)
        self.assertEqual(invoice.tal_transfer_state, "pending")

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(first))
        self.assertEqual(self._documents_of(self._files_of(invoice)), document)
