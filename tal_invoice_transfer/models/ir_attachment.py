# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        attachments = super().create(vals_list)
        attachments._tal_transfer_reopen_invoices()
        return attachments

    def write(self, vals):
        result = super().write(vals)
        # Mail attaches files to a record by moving them onto it.
        if {"res_model", "res_id", "res_field", "type"} & set(vals):
            self._tal_transfer_reopen_invoices()
        return result

    def _tal_transfer_reopen_invoices(self):
        """A new file on an already transferred invoice puts it back to pending."""
        file_fields = set(self.env["tal.invoice.transfer.scope"]._file_fields())
        move_ids = {
            attachment.res_id
            for attachment in self.sudo()
            if attachment.res_model == "account.move"
            and attachment.res_id
            and attachment.type == "binary"
            and (not attachment.res_field or attachment.res_field in file_fields)
        }
        if move_ids:
            self.env["tal.invoice.transfer.scope"]._reopen(move_ids)
