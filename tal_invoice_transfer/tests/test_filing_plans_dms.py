# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TalTransferCommon


class TalDmsPlanCase(TalTransferCommon):
    """In attachment storage a DMS directory names a record and a file is
    its directory's record's: each invoice keeps its own directory (naming
    it) inside the plan's folder."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme: Export/Import", "is_company": True})
        cls.john = Partner.create({"name": "John", "parent_id": cls.acme.id})
        cls.beta = Partner.create({"name": "Beta", "is_company": True})
        cls.Directories = cls.env["dms.directory"].sudo()

    def _directory_of(self, invoice):
        directory = self._documents_of(self._files_of(invoice)).directory_id
        self.assertEqual(len(directory), 1)
        self.assertEqual(
            (directory.res_model, directory.res_id), ("account.move", invoice.id)
        )
        return directory

    def _run_committing(self, moves):
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            stats = self.env(cr=cr)["tal.invoice.transfer"]._run(
                move_ids=moves.ids, commit=True
            )
        self.env.invalidate_all()
        return stats


@tagged("post_install", "-at_install")
class TestDmsPlanSingle(TalDmsPlanCase):
    plan = "single"

    def test_every_invoice_directory_sits_in_the_root(self):
        first = self._make_invoice(invoice_date="2025-11-20")
        second = self._make_invoice(move_type="in_invoice", invoice_date="2024-01-02")

        self.Transfer._run()

        for invoice in (first, second):
            self.assertEqual(self._directory_of(invoice).parent_id, self.folder)
        self.assertEqual(
            self.Directories.search_count([("parent_id", "=", self.folder.id)]), 2
        )


@tagged("post_install", "-at_install")
class TestDmsPlanByCustomer(TalDmsPlanCase):
    plan = "customer"

    def test_invoice_directories_in_a_directory_naming_the_customer(self):
        by_company = self._make_invoice(partner_id=self.acme.id)
        by_contact = self._make_invoice(partner_id=self.john.id)
        other = self._make_invoice(partner_id=self.beta.id)

        self.Transfer._run()

        customer = self._directory_of(by_company).parent_id
        self.assertEqual(self._directory_of(by_contact).parent_id, customer)
        self.assertNotEqual(self._directory_of(other).parent_id, customer)
        self.assertEqual(customer.parent_id, self.folder)
        self.assertEqual(customer.name, "Acme_ Export_Import")
        self.assertEqual(
            (customer.res_model, customer.res_id), ("res.partner", self.acme.id)
        )

    def test_homonyms_and_a_prepared_batch(self):
        twin = self.env["res.partner"].create(
            {"name": "Beta", "is_company": True, "ref": "B-2"}
        )
        invoices = [
            self._make_invoice(partner_id=partner.id)
            for partner in (self.beta, twin, self.beta, twin)
        ]

        self._run_committing(self.Move.browse(invoice.id for invoice in invoices))

        parents = [self._directory_of(invoice).parent_id for invoice in invoices]
        self.assertEqual(parents[0], parents[2])
        self.assertEqual(parents[1], parents[3])
        self.assertEqual([parents[0].name, parents[1].name], ["Beta", "Beta (B-2)"])

    def test_a_merged_customers_invoices_are_filed_again_under_the_survivor(self):
        """DMS deletes the directories naming a deleted record, and Odoo's
        merge deletes the merged contact: its directory goes, the invoices'
        files stay on them, and the invoices are filed again, now under the
        surviving customer's directory."""
        old = self.env["res.partner"].create({"name": "Beta SA", "is_company": True})
        before = self._make_invoice(partner_id=old.id)
        kept = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()
        files = self._files_of(before)
        old_directory = self._directory_of(before).parent_id
        survivor = self._directory_of(kept).parent_id

        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((old | self.beta).ids, self.beta)

        self.assertFalse(old_directory.exists())
        self.assertEqual(self._files_of(before), files, "the files stay")
        self.assertEqual(before.tal_transfer_state, "pending")
        self.Transfer._run()
        self.assertEqual(before.tal_transfer_state, "done")
        self.assertEqual(self._directory_of(before).parent_id, survivor)


@tagged("post_install", "-at_install")
class TestDmsPlanAccountingRefused(TalDmsPlanCase):
    """Like Accounting files as Documents' Accounting app does: DMS has no
    such settings."""

    def test_refused_when_saved_and_failed_when_forced(self):
        with self.assertRaisesRegex(ValidationError, "Like Accounting"):
            self.env["res.config.settings"].create(
                {"tal_transfer_filing_plan": "accounting"}
            )
        # Set by a script: the invoices fail with the same reason.
        self.env.company.tal_transfer_filing_plan = "accounting"
        invoice = self._make_invoice()
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertEqual(invoice.tal_transfer_error_kind, "settings")
        self.assertIn("DMS has no such settings", invoice.tal_transfer_error)
