# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestReviewFindings(TalTransferCommon):
    """Defects found by an adversarial review, reproduced as a plain user."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.billing_user = new_test_user(
            cls.env,
            login="tal_review_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=company.id,
            company_ids=[company.id],
        )

    def test_user_defaults_do_not_set_the_transfer_fields(self):
        """Any user may store defaults for themselves (ir.default, as the
        form's "Set Default" does): they must not reach the transfer's own
        fields, or a billing user takes their invoices out of the transfer
        and makes the run history count invoices that were never moved."""
        run = self.env["tal.invoice.transfer.run"].sudo().create(
            {"date_start": "2026-01-01 00:00:00", "trigger": "manual"}
        )
        defaults = self.env["ir.default"].with_user(self.billing_user)
        defaults.set("account.move", "tal_transfer_state", "done", user_id=True)
        defaults.set("account.move", "tal_transfer_run_id", run.id, user_id=True)
        defaults.set(
            "account.move", "tal_transfer_document_ref", "dms.file,1", user_id=True
        )
        invoice = (
            self.env["account.move"]
            .with_user(self.billing_user)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        (0, 0, {"name": "Service", "price_unit": 100.0})
                    ],
                }
            )
        )
        self._attach(invoice.sudo())
        invoice.action_post()
        self.assertFalse(invoice.tal_transfer_run_id)
        self.assertFalse(invoice.tal_transfer_document_ref)
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 1)
