# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferSettings(TalTransferCommon):
    """The settings refuse what would make the transfer fail or skip invoices."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Company B")["company"]
        cls.Journal = cls.env["account.journal"]

    def _settings(self, **vals):
        return self.env["res.config.settings"].create(vals)

    def test_journal_filter_offers_the_company_sale_and_purchase_journals(self):
        company = self.env.company
        description = self.env["res.config.settings"].fields_get(
            ["tal_transfer_journal_ids"], ["domain"]
        )["tal_transfer_journal_ids"]
        domain = description.get("domain") or []
        if isinstance(domain, str):
            domain = safe_eval(domain, {"company_id": company.id})
        offered = self.Journal.search(domain)

        own = self.Journal.search(
            [("company_id", "=", company.id), ("type", "in", ("sale", "purchase"))]
        )
        self.assertTrue(own)
        self.assertEqual(offered, own)

    def test_journal_of_another_company_is_refused_when_saved(self):
        company = self.env.company
        foreign = self.Journal.search(
            [("company_id", "=", self.other_company.id), ("type", "=", "sale")],
            limit=1,
        )
        self.assertTrue(foreign)
        with self.assertRaisesRegex(ValidationError, "Company B"):
            company.tal_transfer_journal_ids = foreign
        with self.assertRaises(ValidationError):
            self._settings(tal_transfer_journal_ids=foreign.ids).execute()
        bank = self.Journal.search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        with self.assertRaises(ValidationError):
            company.tal_transfer_journal_ids = bank
        company.tal_transfer_journal_ids = self.company_data["default_journal_sale"]
        self.assertEqual(
            company.tal_transfer_journal_ids, self.company_data["default_journal_sale"]
        )

    def _dms_directory(self, name, company=None, save_type="attachment", parent=None):
        company = company or self.env.company
        if parent:
            return (
                self.env["dms.directory"]
                .sudo()
                .create(
                    {
                        "name": name,
                        "parent_id": parent.id,
                        "storage_id": parent.storage_id.id,
                        "model_id": self.env["ir.model"]._get_id("account.move"),
                        "res_model": "account.move",
                        "res_id": self._make_invoice(files=()).id,
                    }
                )
            )
        storage = (
            self.env["dms.storage"]
            .sudo()
            .create({"name": name, "save_type": save_type, "company_id": company.id})
        )
        return (
            self.env["dms.directory"]
            .sudo()
            .create(
                {
                    "name": name,
                    "is_root_directory": True,
                    "storage_id": storage.id,
                    "model_id": self.env["ir.model"]._get_id("account.move"),
                }
            )
        )

    def test_folder_picker_offers_root_directories_of_attachment_storages(self):
        root = self.folder
        child = self._dms_directory("INV", parent=root)
        database_root = self._dms_directory("Database", save_type="database")
        foreign_root = self._dms_directory("B", company=self.other_company)

        settings = self._settings()
        self.assertEqual(settings.tal_transfer_folder_model_id.model, "dms.directory")
        offered = (
            self.env["dms.directory"].sudo().search(settings.tal_transfer_folder_domain)
        )

        self.assertIn(root, offered)
        self.assertNotIn(child, offered)
        self.assertNotIn(database_root, offered)
        self.assertNotIn(foreign_root, offered)
        self.assertEqual(self.env.company.tal_transfer_folder, root)

    def test_unknown_tags_and_unusable_folders_are_refused_when_saved(self):
        company = self.env.company
        with self.assertRaisesRegex(ValidationError, "Nope"), self.cr.savepoint():
            self._settings(tal_transfer_tag_names="Nope")
        self.assertFalse(company.tal_transfer_tag_names)
        child = self._dms_directory("INV", parent=self.folder)
        for folder in (child, self._dms_directory("DB", save_type="database")):
            with (
                self.subTest(folder=folder.name),
                self.assertRaises(ValidationError),
                self.cr.savepoint(),
            ):
                self._settings(tal_transfer_folder=f"dms.directory,{folder.id}")
        self.assertEqual(company.tal_transfer_folder, self.folder)

        self.env["dms.tag"].sudo().create({"name": "Invoices"})
        other_root = self._dms_directory("Other root")
        self._settings(
            tal_transfer_tag_names="Invoices",
            tal_transfer_folder=f"dms.directory,{other_root.id}",
        ).execute()
        self.assertEqual(company.tal_transfer_tag_names, "Invoices")
        self.assertEqual(company.tal_transfer_folder, other_root)

    def test_no_folder_yet_is_accepted(self):
        self.env.company.tal_transfer_folder_ref = False
        self._settings(tal_transfer_scope="customer").execute()
        self.assertEqual(self.env.company.tal_transfer_scope, "customer")

    def test_an_absurd_number_of_workers_is_refused(self):
        """10000 parallel workers was saved silently and would make 9999
        scheduled actions, each waiting for a cron thread (Odoo has 2 by
        default): a typo must get a clear error instead."""
        crons_before = self.env["ir.cron"].search_count([])
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create(
                {"tal_transfer_parallel_workers": 10000}
            ).execute()
        self.assertEqual(self.env["ir.cron"].search_count([]), crons_before)
