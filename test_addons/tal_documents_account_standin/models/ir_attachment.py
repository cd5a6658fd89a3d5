# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.tal_documents_standin import compat


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        attachments = super().create(vals_list)
        if self.env.context.get("no_document"):
            return attachments
        for vals, attachment in zip(vals_list, attachments, strict=True):
            if vals.get("res_model") != "account.move" or not vals.get("res_id"):
                continue
            move = self.env["account.move"].browse(vals["res_id"])
            # Filed at once: an e-invoice XML, or any file of a journal entry.
            if (
                move.move_type == "entry"
                or attachment.mimetype == "application/xml"
                or (compat.IS_18 and move._standin_first_file_is(attachment))
            ):
                move._update_or_create_document(attachment.id)
        return attachments
