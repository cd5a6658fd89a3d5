# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestFilingPlanSettings(TalTransferCommon):
    """The plan chosen when the folder is first saved, the settings' preview
    of where the files will go, and the folders a plan cannot use, refused
    when saved. Run with and without the documents_account stand-in."""

    target = "documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accounting = "documents.account.folder.setting" in cls.env
        if cls.accounting:
            cls._documents_account_configured()
        cls.beta = cls.env["res.partner"].create({"name": "Beta", "is_company": True})
        cls.Folders = cls.env["documents.document"].sudo()
        cls.company = cls.env.company

    def _new_folder(self, name="Invoices"):
        return self.Folders.create(
            {"name": name, "type": "folder", "access_internal": "edit"}
        )

    def _first_save(self, folder):
        self.company.tal_transfer_filing_plan = False
        self.company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
        return self.company.tal_transfer_filing_plan

    def _settings(self, **vals):
        return self.env["res.config.settings"].create(vals)

    def test_the_plan_is_chosen_when_the_folder_is_first_saved(self):
        self._make_invoice(partner_id=self.beta.id)
        empty = self._new_folder()
        self.assertEqual(
            self._first_save(empty), "accounting" if self.accounting else "single"
        )

        linked = self._new_folder("Factures clients")
        self.Folders.create(
            {
                "name": "Someone",
                "type": "folder",
                "folder_id": linked.id,
                "res_model": "res.partner",
                "res_id": self.env.ref("base.partner_admin").id,
            }
        )
        self.assertEqual(self._first_save(linked), "customer")

        named = self._new_folder("Factures clients 2")
        self.Folders.create({"name": "Beta", "type": "folder", "folder_id": named.id})
        self.assertEqual(self._first_save(named), "customer")

        # Saved again later: the plan a person chose stays.
        self.company.tal_transfer_filing_plan = "journal_period"
        self.company.tal_transfer_folder_ref = f"documents.document,{empty.id}"
        self.assertEqual(self.company.tal_transfer_filing_plan, "journal_period")

    def test_the_settings_show_the_plan_before_saving(self):
        self._make_invoice(partner_id=self.beta.id)
        folder = self._new_folder("Factures clients")
        self.Folders.create({"name": "Beta", "type": "folder", "folder_id": folder.id})
        self.company.tal_transfer_filing_plan = False
        settings = self.env["res.config.settings"].new(
            {"tal_transfer_folder": f"documents.document,{folder.id}"}
        )
        settings._onchange_tal_transfer_folder_plan()
        self.assertEqual(settings.tal_transfer_filing_plan, "customer")
        self.assertIn(
            "Beta: Factures clients / Beta (the old script's folder",
            settings.tal_transfer_plan_preview,
        )
        # A person picks another plan before saving: it is saved.
        settings.tal_transfer_filing_plan = "single"
        self.assertEqual(
            settings.tal_transfer_plan_preview, "Every invoice: Factures clients"
        )

    def test_the_preview_says_where_each_journal_or_customer_goes(self):
        invoice = self._make_invoice(partner_id=self.beta.id)
        journal = invoice.journal_id
        settings = self._settings(tal_transfer_filing_plan="journal_period")
        self.assertIn(
            f"{journal.display_name}: {self.folder.name} / {journal.code} / "
            "<year> / <month>",
            settings.tal_transfer_plan_preview,
        )
        settings = self._settings(tal_transfer_filing_plan="customer")
        self.assertIn(
            f"Beta: {self.folder.name} / Beta (a new folder)",
            settings.tal_transfer_plan_preview,
        )
        settings = self._settings(tal_transfer_filing_plan="accounting")
        if self.accounting:
            setting = self.env["documents.account.folder.setting"].search(
                [("journal_id", "=", journal.id)]
            )
            self.assertIn(
                f"{journal.display_name}: Finance / {setting.folder_id.name}, tags "
                f"{journal.name}, owned by the invoice's creator",
                settings.tal_transfer_plan_preview,
            )
        else:
            self.assertIn("not installed", settings.tal_transfer_plan_preview)

    def test_a_customer_folder_in_the_trash_is_refused_by_name(self):
        self._make_invoice(partner_id=self.beta.id)
        trashed = self.Folders.create(
            {
                "name": "Beta",
                "type": "folder",
                "folder_id": self.folder.id,
                "res_model": "res.partner",
                "res_id": self.beta.id,
            }
        )
        trashed.active = False
        with self.assertRaisesRegex(ValidationError, "customer Beta.*trash"):
            self._settings(tal_transfer_filing_plan="customer")
        trashed.active = True
        self._settings(tal_transfer_filing_plan="customer").execute()
        self.assertEqual(self.company.tal_transfer_filing_plan, "customer")

    def test_a_journal_folder_of_another_company_is_refused_by_name(self):
        invoice = self._make_invoice()
        other = self.setup_other_company(name="Company B")["company"]
        self.Folders.create(
            {
                "name": invoice.journal_id.code,
                "type": "folder",
                "folder_id": self.folder.id,
                "company_id": other.id,
            }
        )
        with self.assertRaisesRegex(
            ValidationError,
            f"journal {invoice.journal_id.display_name}.*belongs to company Company B",
        ):
            self._settings(tal_transfer_filing_plan="journal_period")

    def test_an_accounting_folder_no_accountant_sees_is_refused_by_journal(self):
        if not self.accounting:
            self.skipTest("documents_account (or its stand-in) is not installed")
        invoice = self._make_invoice()
        setting = self.env["documents.account.folder.setting"].search(
            [("journal_id", "=", invoice.journal_id.id)]
        )
        setting.folder_id.sudo().access_internal = "none"
        with self.assertRaisesRegex(
            ValidationError,
            f"journal {invoice.journal_id.display_name}.*no accounting user",
        ):
            self._settings(tal_transfer_filing_plan="accounting")

    def test_a_billing_user_cannot_change_the_plan(self):
        clerk = self._billing_user("tal_plan_settings_clerk")
        with self.assertRaises(AccessError):
            self.company.with_user(clerk).tal_transfer_filing_plan = "customer"
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(clerk).create(
                {"tal_transfer_filing_plan": "customer"}
            )
        self.assertEqual(self.company.tal_transfer_filing_plan, "single")
