# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class TalInvoiceTransferExclude(models.TransientModel):
    """Exclude invoices from the transfer: a confirmation, and the reason kept
    on each invoice's chatter."""

    _name = "tal.invoice.transfer.exclude"
    _description = "Exclude Invoices from the Files Transfer"

    move_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        required=True,
    )
    excludable_count = fields.Integer(compute="_compute_excludable_count")
    unchanged_count = fields.Integer(compute="_compute_excludable_count")
    reason = fields.Text(required=True)

    @api.depends("move_ids")
    def _compute_excludable_count(self):
        for wizard in self:
            excludable = wizard.move_ids.filtered(
                lambda move: move.tal_transfer_state
                in ("pending", "failed", "no_attachment")
            )
            wizard.excludable_count = len(excludable)
            wizard.unchanged_count = len(wizard.move_ids - excludable)

    def action_confirm(self):
        self.ensure_one()
        action = self.move_ids.action_tal_transfer_exclude(reason=self.reason)
        # Close the dialog once the list shows the excluded invoices.
        action["params"]["next"]["params"]["close"] = True
        return action
