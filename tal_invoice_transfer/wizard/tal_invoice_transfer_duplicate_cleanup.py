# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class TalInvoiceTransferDuplicateCleanup(models.TransientModel):
    """Clean up the duplicates upload scripts left: the counts first, then
    the clean-up (accounting administrators only)."""

    _name = "tal.invoice.transfer.duplicate.cleanup"
    _description = "Clean Up Duplicate Documents"

    invoice_count = fields.Integer(string="Invoices", readonly=True)
    trash_count = fields.Integer(string="Documents to the Trash", readonly=True)
    copy_count = fields.Integer(string="Copies Taken Off", readonly=True)
    audit_count = fields.Integer(string="Invoices Under Audit Trail", readonly=True)
    worked_count = fields.Integer(string="Invoices Left to a Person", readonly=True)
    ambiguous_count = fields.Integer(string="Ambiguous Contents", readonly=True)

    @api.model
    def default_get(self, fields_list):
        self.env["account.move"]._tal_transfer_check_manager()
        values = super().default_get(fields_list)
        # Looked again: the counts are what the clean-up then does.
        rows = (
            self.env["tal.invoice.transfer.duplicate"]
            .sudo()
            ._tal_scan(company_ids=self.env.companies.ids)
            .sudo(False)
        )
        summary = self.env["tal.invoice.transfer.duplicate"]._tal_summary(rows)
        values.update({k: v for k, v in summary.items() if k in fields_list})
        return values

    def action_clean_up(self):
        self.ensure_one()
        self.env["account.move"]._tal_transfer_check_manager()
        Duplicate = self.env["tal.invoice.transfer.duplicate"]
        rows = Duplicate.search([("kind", "!=", "ambiguous"), ("keep", "=", False)])
        counts = Duplicate.sudo()._tal_clean_up(rows.move_id)
        message = self.env._(
            "%(invoices)s invoices cleaned up: %(trashed)s documents moved to the "
            "trash, %(copies)s copies taken off their invoices.",
            invoices=counts["invoices"],
            trashed=counts["trashed"],
            copies=counts["copies"],
        )
        if counts["audit"]:
            message += " " + self.env._(
                "%s invoices keep their copies (restricted audit trail).",
                counts["audit"],
            )
        if counts["failed"]:
            message += " " + self.env._(
                "%s invoices could not be cleaned up (see the server log): "
                "nothing of them was changed.",
                counts["failed"],
            )
        if counts["busy"]:
            message += " " + self.env._(
                "%s invoices were being edited by someone: run the clean-up "
                "again later.",
                counts["busy"],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Duplicate Documents"),
                "message": message,
                "sticky": bool(counts["busy"] or counts["failed"]),
                "next": Duplicate.action_tal_open_duplicates(rescan=False),
            },
        }
