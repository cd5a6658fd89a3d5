# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferTour(TalTransferCommon, HttpCase):
    target = "dms"

    def _failing_invoice(self):
        partner = self.env["res.partner"].create({"name": "Tour Failing Partner"})
        invoice = self._make_invoice(partner_id=partner)
        folder_ref = self.env.company.tal_transfer_folder_ref
        self.env.company.tal_transfer_folder_ref = False
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            # Asked for explicitly: a company without a folder fails with a
            # message (the scheduled action leaves it pending).
            self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.env.company.tal_transfer_folder_ref = folder_ref
        return invoice

    def test_accountant_retries_a_failed_invoice_and_transfers_it(self):
        invoice = self._failing_invoice()
        vendor = self.env["res.partner"].create({"name": "Tour Vendor"})
        bill = self._make_invoice(move_type="in_invoice", partner_id=vendor)

        self.start_tour(
            "/odoo/invoice-files-transfer",
            "tal_invoice_transfer_tour",
            login=self.env.user.login,
        )

        invoice.invalidate_recordset()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 1)
        self.assertIn("after a retry by", invoice.message_ids[0].body)
        self.assertEqual(bill.tal_transfer_state, "pending")

    def test_accounting_administrator_walks_through_in_french(self):
        """Exactly the accounting administrator's group, in French, from the
        apps menu (no home action)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_tal_invoice_transfer")._update_translations(["fr_FR"])
        accountant = new_test_user(
            self.env,
            login="tal_accountant_fr",
            groups="account.group_account_manager",
            lang="fr_FR",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        self.assertFalse(accountant.action_id)
        self.folder.storage_id.sudo().inherit_access_from_parent_record = True
        failing = self._failing_invoice()
        waiting = self._make_invoice(
            partner_id=self.env["res.partner"].create({"name": "Tour Waiting Partner"})
        )

        self.start_tour(
            "/odoo", "tal_invoice_transfer_accountant_fr_tour", login=accountant.login
        )

        (failing | waiting).invalidate_recordset()
        self.assertEqual(failing.tal_transfer_state, "done")
        self.assertEqual(waiting.tal_transfer_state, "excluded")
        self.assertIn("Doublon de la facture 12", waiting.message_ids[0].body)
        self.assertIn(accountant.name, waiting.message_ids[0].body)
