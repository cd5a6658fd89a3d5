# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .. import _post_init_configure_journals

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
XML = b"<?xml version='1.0'?><Invoice/>"


@tagged("post_install", "-at_install")
class TestDocumentsAccountStandin(AccountTestInvoicingCommon):
    """documents_account's own filing, as the transfer meets it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Documents = cls.env["documents.document"].sudo()
        cls.Settings = cls.env["documents.account.folder.setting"].sudo()
        cls.invoice = cls.init_invoice("out_invoice", amounts=[100], post=True)
        cls.setting = cls.Settings.search(
            [("journal_id", "=", cls.invoice.journal_id.id)]
        )

    def _attach(self, name, raw, move=None):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": raw,
                "res_model": "account.move",
                "res_id": (move or self.invoice).id,
            }
        )

    def _document_of(self, attachment):
        return self.Documents.with_context(active_test=False).search(
            [("attachment_id", "=", attachment.id)]
        )

    def assertFiled(self, document, attachment):
        self.assertEqual(document.attachment_id, attachment)
        self.assertEqual(document.folder_id, self.setting.folder_id)
        self.assertEqual(document.owner_id, self.invoice.create_uid)
        self.assertEqual(document.partner_id, self.invoice.partner_id)
        self.assertEqual(document.tag_ids, self.setting.tag_ids)
        # Linked: the file stays the invoice's.
        self.assertEqual(attachment.res_model, "account.move")

    def test_every_journal_has_a_setting_in_finance_by_journal_type(self):
        journal = self.env["account.journal"].create(
            {"name": "Second Sales", "code": "SAL2", "type": "sale"}
        )

        settings = self.Settings.search([("company_id", "=", self.env.company.id)])
        self.assertEqual(
            settings.journal_id,
            self.env["account.journal"].search(
                [("company_id", "=", self.env.company.id)]
            ),
        )
        setting = settings.filtered(lambda s: s.journal_id == journal)
        finance = self.env.ref("tal_documents_account_standin.document_finance_folder")
        self.assertEqual(setting.folder_id.folder_id, finance)
        self.assertEqual(setting.folder_id.name, "Sales")
        # One folder per journal type, shared by the journals of that type.
        self.assertEqual(setting.folder_id, self.setting.folder_id)
        self.assertEqual(setting.folder_id.access_internal, "edit")
        self.assertEqual(setting.tag_ids.mapped("name"), ["Second Sales"])

    def test_xml_files_are_filed_when_created(self):
        xml = self._attach("invoice.xml", XML)
        pdf = self._attach("other.pdf", PDF)

        self.assertFiled(self._document_of(xml), xml)
        self.assertFalse(self._document_of(pdf))

    def test_the_main_file_is_filed_and_a_new_main_file_takes_its_document(self):
        first = self._attach("first.pdf", PDF)
        self.invoice._message_set_main_attachment_id(first, force=True)
        document = self._document_of(first)
        self.assertFiled(document, first)

        second = self._attach("second.pdf", PDF)
        self.invoice._message_set_main_attachment_id(second, force=True)

        self.assertEqual(self._document_of(second), document)
        self.assertEqual(document.previous_attachment_ids, first)
        # Switched before the invoice changed: the old main file stays on it.
        self.assertEqual(first.res_model, "account.move")
        self.assertFalse(self._document_of(first))

    def test_a_trashed_document_is_restored_when_filed(self):
        xml = self._attach("invoice.xml", XML)
        document = self._document_of(xml)
        document.active = False

        self.invoice._message_set_main_attachment_id(xml, force=True, filter_xml=False)

        self.assertTrue(document.active)

    def test_installing_files_nothing_of_existing_invoices(self):
        pdf = self._attach("old.pdf", PDF)
        self.invoice.with_context(no_document=True).message_main_attachment_id = pdf
        self.Settings.search([]).unlink()

        _post_init_configure_journals(self.env)

        self.assertTrue(
            self.Settings.search([("journal_id", "=", self.invoice.journal_id.id)])
        )
        self.assertFalse(self._document_of(pdf))
