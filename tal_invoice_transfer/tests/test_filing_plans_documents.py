# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import new_test_user, tagged

from .. import compat
from .common import TalTransferCommon


class TalPlanCase(TalTransferCommon):
    """Invoices of customers, a company and its contact, in Documents."""

    target = "documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme: Export/Import", "is_company": True})
        cls.john = Partner.create({"name": "John", "parent_id": cls.acme.id})
        cls.beta = Partner.create({"name": "Beta", "is_company": True})
        cls.Folders = (
            cls.env["documents.document"].sudo().with_context(active_test=False)
        )

    def _run_committing(self, moves):
        """The engine as the scheduled action runs it, commits included (in
        registry test mode a new cursor's commit only releases a savepoint):
        the batch's folders are prepared first."""
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            stats = self.env(cr=cr)["tal.invoice.transfer"]._run(
                move_ids=moves.ids, commit=True
            )
        self.env.invalidate_all()
        return stats

    def _set_plan(self, plan):
        self.env.company.tal_transfer_filing_plan = plan

    def _folder_of(self, invoice):
        documents = self._documents_of(self._files_of(invoice))
        self.assertEqual(len(documents.folder_id), 1, documents.folder_id)
        return documents.folder_id

    def _children(self, parent=None):
        return self.Folders.search(
            [("folder_id", "=", (parent or self.folder).id), ("type", "=", "folder")]
        )


@tagged("post_install", "-at_install")
class TestFilingPlanByCustomer(TalPlanCase):
    plan = "customer"

    def test_one_folder_per_customer_its_contacts_included(self):
        by_company = self._make_invoice(partner_id=self.acme.id)
        by_contact = self._make_invoice(partner_id=self.john.id)
        other = self._make_invoice(partner_id=self.beta.id)

        self.Transfer._run()

        folder = self._folder_of(by_company)
        self.assertEqual(self._folder_of(by_contact), folder)
        self.assertNotEqual(self._folder_of(other), folder)
        # Named as the old script named it, linked to the commercial partner.
        self.assertEqual(folder.name, "Acme_ Export_Import")
        self.assertEqual(
            (folder.res_model, folder.res_id), ("res.partner", self.acme.id)
        )
        self.assertEqual(folder.folder_id, self.folder)
        self.assertEqual(len(self._children()), 2)
        documents = self._documents_of(self._files_of(by_contact))
        self.assertEqual(documents.partner_id, self.john)
        self.assertEqual(documents.owner_id, self._company_owner())

    def test_a_folder_linked_to_a_contact_is_the_customer_folder(self):
        """The old script linked its folders to the invoice's partner, a
        contact when the invoice was addressed to one."""
        script_folder = self.Folders.create(
            {
                "name": "Anything",
                "type": "folder",
                "folder_id": self.folder.id,
                "res_model": "res.partner",
                "res_id": self.john.id,
            }
        )
        invoice = self._make_invoice(partner_id=self.acme.id)

        self.Transfer._run()

        self.assertEqual(self._folder_of(invoice), script_folder)
        self.assertEqual(self._children(), script_folder)

    def test_the_folder_linked_to_the_customer_itself_comes_first(self):
        contact_folder, own = self.Folders.create(
            [
                {
                    "name": name,
                    "type": "folder",
                    "folder_id": self.folder.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                }
                for name, partner in (("Acme, John", self.john), ("Acme", self.acme))
            ]
        )
        invoice = self._make_invoice(partner_id=self.john.id)

        self.Transfer._run()

        self.assertEqual(self._folder_of(invoice), own)
        self.assertTrue(contact_folder.exists())

    def test_the_old_scripts_named_folder_is_reused_and_linked(self):
        """The script named the folder after the invoice's partner's display
        name (a contact: "Company, Contact"), `:` and `/` replaced by `_`."""
        named = self.Folders.create(
            {
                "name": "Acme_ Export_Import, John",
                "type": "folder",
                "folder_id": self.folder.id,
            }
        )
        invoice = self._make_invoice(partner_id=self.john.id)

        self.Transfer._run()

        self.assertEqual(self._folder_of(invoice), named)
        self.assertEqual((named.res_model, named.res_id), ("res.partner", self.acme.id))
        # The next invoice of the company itself finds it by its link.
        second = self._make_invoice(partner_id=self.acme.id)
        self.Transfer._run()
        self.assertEqual(self._folder_of(second), named)
        self.assertEqual(self._children(), named)

    def test_homonyms_get_two_folders_told_apart_by_reference(self):
        twin = self.env["res.partner"].create(
            {"name": "Beta", "is_company": True, "ref": "B-2"}
        )
        third = self.env["res.partner"].create(
            {"name": "Beta", "is_company": True, "vat": "FR23334175221"}
        )
        fourth = self.env["res.partner"].create({"name": "Beta", "is_company": True})
        invoices = [
            self._make_invoice(partner_id=partner.id)
            for partner in (self.beta, twin, third, fourth)
        ]

        self.Transfer._run()

        folders = [self._folder_of(invoice) for invoice in invoices]
        self.assertEqual(
            [folder.name for folder in folders],
            ["Beta", "Beta (B-2)", "Beta (FR23334175221)", f"Beta (#{fourth.id})"],
        )
        self.assertEqual(
            [folder.res_id for folder in folders],
            [self.beta.id, twin.id, third.id, fourth.id],
        )

    def test_a_customer_whose_names_are_all_taken_gets_the_next_number(self):
        # Folders of other customers hold every name the customer's folder
        # could take, and the first numbered one: the next number is used.
        Partner = self.env["res.partner"]
        for name in ("Beta", f"Beta (#{self.beta.id})", "Beta (2)", "Betamax"):
            self.Folders.create(
                {
                    "name": name,
                    "type": "folder",
                    "folder_id": self.folder.id,
                    "res_model": "res.partner",
                    "res_id": Partner.create({"name": name}).id,
                }
            )
        invoice = self._make_invoice(partner_id=self.beta.id)

        self.Transfer._run()

        folder = self._folder_of(invoice)
        self.assertEqual(folder.name, "Beta (3)")
        self.assertEqual(
            (folder.res_model, folder.res_id), ("res.partner", self.beta.id)
        )

    def test_a_folder_linked_to_another_customer_is_not_taken_by_name(self):
        other = self.env["res.partner"].create({"name": "Beta", "is_company": True})
        taken = self.Folders.create(
            {
                "name": "Beta",
                "type": "folder",
                "folder_id": self.folder.id,
                "res_model": "res.partner",
                "res_id": other.id,
            }
        )
        invoice = self._make_invoice(partner_id=self.beta.id)

        self.Transfer._run()

        folder = self._folder_of(invoice)
        self.assertNotEqual(folder, taken)
        self.assertEqual(folder.name, f"Beta (#{self.beta.id})")

    def test_a_renamed_customer_keeps_its_folder(self):
        first = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()
        folder = self._folder_of(first)

        self.beta.name = "Beta Renamed"
        second = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()

        self.assertEqual(self._folder_of(second), folder)
        self.assertEqual(folder.name, "Beta", "left as it was named")

    def test_a_renamed_folder_stays_the_customer_folder(self):
        first = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()
        folder = self._folder_of(first)
        folder.name = "Beta (our best customer)"

        second = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()

        self.assertEqual(self._folder_of(second), folder)

    def test_merged_customers_file_into_the_surviving_customers_folder(self):
        """Odoo's merge deletes the merged contact; its folder's link then
        names nobody, and the folder stays where it is with its files."""
        old = self.env["res.partner"].create({"name": "Beta SA", "is_company": True})
        before = self._make_invoice(partner_id=old.id)
        kept = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()
        old_folder, beta_folder = self._folder_of(before), self._folder_of(kept)

        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((old | self.beta).ids, self.beta)
        after = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()

        self.assertFalse(old.exists())
        self.assertEqual(self._folder_of(after), beta_folder)
        self.assertEqual(self._folder_of(before), old_folder)

    def test_a_merged_customers_folder_is_taken_over_by_name(self):
        """Merged into a customer without a folder yet: the merged one's
        folder, named alike and linked to nobody left, becomes its folder."""
        old = self.env["res.partner"].create({"name": "Beta", "is_company": True})
        before = self._make_invoice(partner_id=old.id)
        self.Transfer._run()
        folder = self._folder_of(before)

        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((old | self.beta).ids, self.beta)
        after = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()

        self.assertEqual(self._folder_of(after), folder)
        self.assertEqual(folder.res_id, self.beta.id)

    def test_a_customer_folder_in_the_trash_fails_its_invoices_clearly(self):
        first = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()
        folder = self._folder_of(first)
        folder.active = False

        second = self._make_invoice(partner_id=self.beta.id)
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

        self.assertEqual(second.tal_transfer_state, "failed")
        self.assertEqual(second.tal_transfer_error_kind, "settings")
        self.assertIn("customer Beta", second.tal_transfer_error)
        self.assertIn("trash", second.tal_transfer_error)
        self.assertEqual(len(self._children()), 1, "no second folder made")

    def test_a_customer_folder_no_accountant_sees_fails_its_invoices_in_a_batch(self):
        # The old script's folder of the customer, made private since the
        # settings were saved: the batch's preparation finds it, and its
        # invoices fail on it as the invoice's own path fails them, instead
        # of filing files no accounting user could see.
        hidden = self.Folders.create(
            {
                "name": "Beta",
                "type": "folder",
                "folder_id": self.folder.id,
                "res_model": "res.partner",
                "res_id": self.beta.id,
                "owner_id": compat.documents_company_owner(self.env),
            }
        )
        self.env.cr.execute(
            "UPDATE documents_document SET access_internal = 'none' WHERE id = %s",
            [hidden.id],
        )
        self.env["documents.access"].sudo().search(
            [("document_id", "=", hidden.id)]
        ).unlink()
        self.env.invalidate_all()
        invoice = self._make_invoice(partner_id=self.beta.id)

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self._run_committing(invoice)

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertEqual(invoice.tal_transfer_error_kind, "settings")
        self.assertIn("customer Beta", invoice.tal_transfer_error)
        self.assertIn("no accounting user", invoice.tal_transfer_error)
        self.assertFalse(self._documents_of(self._files_of(invoice)))

    def test_new_folders_take_the_company_folders_access(self):
        clerk = new_test_user(
            self.env, login="tal_plan_clerk", groups="base.group_user"
        )
        self.folder.write(
            {
                "access_internal": "view",
                "access_ids": [
                    Command.create({"partner_id": clerk.partner_id.id, "role": "edit"})
                ],
            }
        )
        invoice = self._make_invoice(partner_id=self.beta.id)

        self.Transfer._run()

        folder = self._folder_of(invoice)
        self.assertEqual(folder.access_internal, "view")
        self.assertIn(clerk.partner_id, folder.access_ids.partner_id)
        self.assertEqual(folder.owner_id, self._company_owner())
        documents = self._documents_of(self._files_of(invoice))
        self.assertEqual(set(documents.mapped("access_internal")), {"view"})
        for document in documents:
            self.assertIn(clerk.partner_id, document.access_ids.partner_id)

    def test_documents_take_their_folders_access_as_it_is_now(self):
        # A person changes the customer folder's access after it was made
        # (and after the run read it): the next invoice's documents take the
        # folder's access as it is when they are filed.
        self.folder.access_internal = "view"
        first = self._make_invoice(partner_id=self.beta.id)
        self._run_committing(first)
        folder = self._folder_of(first)
        self.assertEqual(folder.access_internal, "view")
        self.env.cr.execute(
            "UPDATE documents_document SET access_internal = 'edit' WHERE id = %s",
            [folder.id],
        )
        self.env.invalidate_all()
        second = self._make_invoice(partner_id=self.beta.id)

        self._run_committing(second)

        self.assertEqual(self._folder_of(second), folder)
        documents = self._documents_of(self._files_of(second))
        self.assertEqual(set(documents.mapped("access_internal")), {"edit"})

    def test_a_prepared_batch_makes_each_customer_folder_once(self):
        """Through the scheduled action's path: the batch's folders are made
        before the invoices, with one create for the batch."""
        customers = self.env["res.partner"].create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(5)]
        )
        invoices = [
            self._make_invoice(partner_id=customer.id)
            for customer in customers
            for _copy in range(2)
        ]
        Documents = type(self.env["documents.document"])
        real_create = Documents.create
        folder_creates = []

        def create(records, vals_list):
            vals_list = vals_list if isinstance(vals_list, list) else [vals_list]
            folders = [vals for vals in vals_list if vals.get("type") == "folder"]
            if folders:
                folder_creates.append(len(folders))
            return real_create(records, vals_list)

        self.patch(Documents, "create", create)
        self._run_committing(self.Move.browse(invoice.id for invoice in invoices))

        self.assertEqual(folder_creates, [5])
        for invoice in invoices:
            self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._children()), 5)


@tagged("post_install", "-at_install")
class TestFilingPlanByPeriod(TalPlanCase):
    plan = "journal_period"

    def test_journal_year_month_folders_under_the_company_folder(self):
        first = self._make_invoice(invoice_date="2025-11-20")
        second = self._make_invoice(invoice_date="2025-11-21")
        december = self._make_invoice(invoice_date="2025-12-01")

        self.Transfer._run()

        month = self._folder_of(first)
        self.assertEqual(self._folder_of(second), month)
        self.assertEqual(
            self.env["tal.transfer.target.documents"]._tal_folder_path(month),
            " / ".join([self.folder.name, first.journal_id.code, "2025", "11"]),
        )
        self.assertEqual(self._folder_of(december).folder_id, month.folder_id)
        self.assertEqual(len(self._children()), 1, "one journal folder")

    def test_a_prepared_batch_makes_each_month_once(self):
        invoices = [
            self._make_invoice(invoice_date=f"2025-0{month}-1{day}")
            for month in (3, 4)
            for day in range(3)
        ]
        self._run_committing(self.Move.browse(invoice.id for invoice in invoices))
        months = {self._folder_of(invoice) for invoice in invoices}
        self.assertEqual(len(months), 2)
        self.assertEqual(len(self._children()), 1)
        self.assertEqual(len(self._children(self._children())), 1, "one year")


@tagged("post_install", "-at_install")
class TestFilingPlanChange(TalPlanCase):
    """A plan changed later moves nothing: what was transferred stays where
    it is; what is filed from then on follows the new plan."""

    def test_transferred_documents_stay_new_ones_follow_the_new_plan(self):
        old = self._make_invoice(partner_id=self.beta.id)
        self.Transfer._run()
        self.assertEqual(self._folder_of(old), self.folder)

        self._set_plan("customer")
        new = self._make_invoice(partner_id=self.beta.id)
        # A file added later to the transferred invoice reopens it.
        late = self._attach(old, name="late.pdf")
        self.Transfer._run()

        self.assertEqual(old.tal_transfer_state, "done")
        customer_folder = self._folder_of(new)
        self.assertEqual(customer_folder.res_id, self.beta.id)
        self.assertEqual(
            self._documents_of(self._files_of(old) - late).folder_id, self.folder
        )
        self.assertEqual(self._documents_of(late).folder_id, customer_folder)
