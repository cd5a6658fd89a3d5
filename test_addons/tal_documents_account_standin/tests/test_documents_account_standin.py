# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest import skipIf

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.tal_documents_standin import compat

from .. import _post_init_configure_journals

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
XML = b"<?xml version='1.0'?><Invoice/>"


@tagged("post_install", "-at_install")
class TestDocumentsAccountStandin(AccountTestInvoicingCommon):
    """documents_account's own filing, as the transfer meets it (the same in
    18.0 and 19.0 unless a test is skipped on one of them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Documents = cls.env["documents.document"].sudo()
        cls.Settings = cls.env["documents.account.folder.setting"].sudo()
        if compat.IS_18:
            # What an administrator does on 18.0 before anything is filed:
            # turn the Accounting setting on, and give journals a folder.
            cls.env.company.sudo().documents_account_settings = True
            cls.env["account.journal"].sudo().search(
                [("company_id", "=", cls.env.company.id)]
            )._documents_configure_sync()
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

    def _odoobot_made(self, invoice):
        self.env.cr.execute(
            "UPDATE account_move SET create_uid = %s WHERE id = %s",
            (self.env.ref("base.user_root").id, invoice.id),
        )
        invoice.invalidate_recordset(["create_uid"])
        return invoice

    @skipIf(
        compat.IS_18,
        "18.0 makes no folder setting for a journal: an administrator does",
    )
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

    @skipIf(
        compat.IS_18, "18.0 does not restore a trashed document when filing its file"
    )
    def test_a_trashed_document_is_restored_when_filed(self):
        xml = self._attach("invoice.xml", XML)
        document = self._document_of(xml)
        document.active = False

        self.invoice._message_set_main_attachment_id(xml, force=True, filter_xml=False)

        self.assertTrue(document.active)

    @skipIf(compat.IS_18, "18.0 configures no journal at install")
    def test_installing_files_nothing_of_existing_invoices(self):
        pdf = self._attach("old.pdf", PDF)
        self.invoice.with_context(no_document=True).message_main_attachment_id = pdf
        self.Settings.search([]).unlink()

        _post_init_configure_journals(self.env)

        self.assertTrue(
            self.Settings.search([("journal_id", "=", self.invoice.journal_id.id)])
        )
        self.assertFalse(self._document_of(pdf))

    def test_a_folder_a_company_files_in_is_not_trashed(self):
        # Even by a Documents administrator (sudo() would not do: the trash
        # checks the rights of the user behind it).
        administrator = self.env.ref("base.user_root")
        folder = self.env.company.account_folder_id.with_user(administrator)
        with self.assertRaises(ValidationError):
            folder.action_archive()

    @skipIf(not compat.IS_18, "19.0 gives every journal a folder setting")
    def test_18_no_journal_gets_a_setting_by_itself(self):
        journal = self.env["account.journal"].create(
            {"name": "Second Sales", "code": "SAL2", "type": "sale"}
        )
        self.assertFalse(self.Settings.search([("journal_id", "=", journal.id)]))
        self.Settings.search([]).unlink()
        _post_init_configure_journals(self.env)
        self.assertFalse(self.Settings.search([]))

    @skipIf(
        not compat.IS_18,
        "19.0 (stand-in): the Accounting setting is on, with the Finance folder",
    )
    def test_18_the_accounting_setting_is_off_until_turned_on(self):
        company = self.env["res.company"].sudo().create({"name": "New Co"})
        self.assertFalse(company.documents_account_settings)
        self.assertFalse(company.account_folder_id)

        company.documents_account_settings = True

        self.assertEqual(
            company.account_folder_id,
            self.env.ref("tal_documents_account_standin.document_finance_folder"),
        )
        # Nothing is filed while it is off.
        self.env.company.sudo().documents_account_settings = False
        xml = self._attach("invoice.xml", XML)
        self.assertFalse(self._document_of(xml))

    @skipIf(compat.IS_18, "18.0: the Accounting setting is off until turned on")
    def test_19_the_accounting_setting_is_on_with_the_finance_folder(self):
        company = self.env["res.company"].sudo().create({"name": "New Co"})
        self.assertTrue(company.documents_account_settings)
        self.assertEqual(
            company.account_folder_id,
            self.env.ref("tal_documents_account_standin.document_finance_folder"),
        )

    @skipIf(not compat.IS_18, "19.0 files an invoice's PDF only as its main file")
    def test_18_the_first_file_of_an_invoice_is_filed(self):
        first = self._attach("first.pdf", PDF)
        second = self._attach("second.pdf", PDF)

        self.assertFiled(self._document_of(first), first)
        self.assertFalse(self._document_of(second))

    @skipIf(compat.IS_18, "18.0 files an invoice's first file when it is attached")
    def test_19_the_first_file_of_an_invoice_waits_to_be_the_main_file(self):
        first = self._attach("first.pdf", PDF)
        self.assertFalse(self._document_of(first))

    @skipIf(not compat.IS_18, "19.0 restores the trashed document")
    def test_18_filing_a_file_whose_document_is_trashed_fails(self):
        xml = self._attach("invoice.xml", XML)
        document = self._document_of(xml)
        document.action_archive()

        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.invoice._message_set_main_attachment_id(
                xml, force=True, filter_xml=False
            )
            self.env.flush_all()

    @skipIf(not compat.IS_18, "19.0 files what OdooBot created without owner")
    def test_18_odoobot_owns_what_it_created_filed(self):
        xml = self._attach("invoice.xml", XML, move=self._odoobot_made(self.invoice))
        self.assertEqual(
            self._document_of(xml).owner_id, self.env.ref("base.user_root")
        )

    @skipIf(compat.IS_18, "18.0 makes OdooBot the owner")
    def test_19_what_odoobot_created_is_filed_without_owner(self):
        xml = self._attach("invoice.xml", XML, move=self._odoobot_made(self.invoice))
        self.assertFalse(self._document_of(xml).owner_id)

    @skipIf(not compat.IS_18, "19.0 deletes a journal's setting with it")
    def test_18_a_journal_with_a_setting_is_not_deleted(self):
        journal = self.env["account.journal"].create(
            {"name": "Extra", "code": "EXT", "type": "general"}
        )
        journal.sudo()._documents_configure_sync()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            journal.unlink()
            self.env.flush_all()

    @skipIf(compat.IS_18, "18.0 refuses to delete a journal with a setting")
    def test_19_a_journals_setting_goes_with_it(self):
        journal = self.env["account.journal"].create(
            {"name": "Extra", "code": "EXT", "type": "general"}
        )
        setting = self.Settings.search([("journal_id", "=", journal.id)])
        self.assertTrue(setting)
        journal.unlink()
        self.assertFalse(setting.exists())
