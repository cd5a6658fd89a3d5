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
