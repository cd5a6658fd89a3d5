# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferTour(TalTransferCommon, HttpCase):
    target = "dms"

    def test_accountant_retries_a_failed_invoice_and_transfers_it(self):
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

        self.start_tour(
            "/odoo/invoice-files-transfer",
            "tal_invoice_transfer_tour",
            login=self.env.user.login,
        )

        invoice.invalidate_recordset()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 1)
        self.assertIn("retried by", invoice.message_ids[0].body)
