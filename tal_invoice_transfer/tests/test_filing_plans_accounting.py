# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest import SkipTest

from odoo.tests import new_test_user, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestFilingPlanLikeAccounting(TalTransferCommon):
    """Like Accounting: a backlog invoice is filed exactly where and how
    documents_account files a new invoice of its journal when its main file
    is set: the journal setting's folder and tags (with the company's own),
    the invoice's creator as owner, its partner.

    Needs the test-only `tal_documents_account_standin` (scripts/test.sh
    installs it in its second run); without it the plan files into the
    company's folder (test_filing_plans_settings shows it)."""

    target = "documents"
    plan = "accounting"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "documents.account.folder.setting" not in cls.env:
            raise SkipTest("documents_account (or its stand-in) is not installed")
        cls._documents_account_configured()
        cls.tag = cls.env["documents.tag"].sudo().create({"name": "Transferred"})
        cls.env.company.tal_transfer_tag_names = "Transferred"
        cls.clerk = new_test_user(
            cls.env,
            login="tal_plan_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.env.company.id,
            company_ids=[cls.env.company.id],
        )
        cls.Settings = cls.env["documents.account.folder.setting"]

    def _invoice(self, move_type="out_invoice"):
        """Made by the clerk (its creator), with a PDF that is not its main
        file: documents_account leaves it alone, as it left the backlog."""
        invoice = self._make_invoice(
            files=(), move_type=move_type, partner_id=self.partner_a.id
        )
        self.env.cr.execute(
            "UPDATE account_move SET create_uid = %s WHERE id = %s",
            [self.clerk.id, invoice.id],
        )
        invoice.invalidate_recordset(["create_uid"])
        self._attach_before_documents_account(invoice, name=f"{invoice.name}.pdf")
        return invoice

    def _filed_as(self, invoice):
        document = self._documents_of(self._files_of(invoice))
        self.assertEqual(len(document), 1)
        return (
            document.folder_id,
            document.tag_ids,
            document.owner_id,
            document.partner_id,
            document.company_id,
        )

    def test_the_backlog_is_filed_as_documents_account_files_a_new_invoice(self):
        for move_type in ("out_invoice", "in_invoice"):
            with self.subTest(move_type=move_type):
                backlog = self._invoice(move_type)
                self.assertFalse(self._documents_of(self._files_of(backlog)))
                self.Transfer._run(move_ids=backlog.ids)

                # A new invoice of the same journal, filed by the bridge when
                # its main file is set (Send & Print), then transferred.
                new = self._invoice(move_type)
                new._message_set_main_attachment_id(self._files_of(new), force=True)
                self.assertTrue(self._documents_of(self._files_of(new)))
                self.Transfer._run(move_ids=new.ids)

                self.assertEqual(backlog.tal_transfer_state, "done")
                self.assertEqual(new.tal_transfer_state, "done")
                setting = self.Settings.search(
                    [("journal_id", "=", backlog.journal_id.id)]
                )
                expected = (
                    setting.folder_id,
                    setting.tag_ids | self.tag,
                    self.clerk,
                    self.partner_a,
                    self.env.company,
                )
                self.assertEqual(self._filed_as(backlog), expected)
                self.assertEqual(self._filed_as(new), expected)

    def test_journals_without_a_setting_go_to_the_companys_folder(self):
        backlog = self._invoice()
        self.Settings.search([("journal_id", "=", backlog.journal_id.id)]).unlink()

        self.Transfer._run(move_ids=backlog.ids)

        folder, tags, owner, _partner, _company = self._filed_as(backlog)
        self.assertEqual(
            (folder, tags, owner), (self.folder, self.tag, self._company_owner())
        )

    def test_with_documents_accounting_setting_off_the_companys_folder(self):
        self.env.company.documents_account_settings = False
        backlog = self._invoice()
        new = self._invoice()
        new._message_set_main_attachment_id(self._files_of(new), force=True)
        self.assertFalse(self._documents_of(self._files_of(new)), "the bridge is off")

        self.Transfer._run(move_ids=(backlog | new).ids)

        self.assertEqual(self._filed_as(backlog)[0], self.folder)
        self.assertEqual(self._filed_as(new)[0], self.folder)

    def test_a_setting_folder_in_the_trash_fails_naming_the_journal(self):
        backlog = self._invoice()
        setting = self.Settings.search([("journal_id", "=", backlog.journal_id.id)])
        setting.folder_id.sudo().active = False

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=backlog.ids)

        self.assertEqual(backlog.tal_transfer_state, "failed")
        self.assertEqual(backlog.tal_transfer_error_kind, "settings")
        self.assertIn(
            f"journal {backlog.journal_id.display_name}", backlog.tal_transfer_error
        )
        self.assertIn("trash", backlog.tal_transfer_error)
