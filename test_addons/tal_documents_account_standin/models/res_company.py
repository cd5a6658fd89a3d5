# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.tal_documents_standin import compat


class ResCompany(models.Model):
    _inherit = "res.company"

    # Documents' "Accounting" setting: nothing is filed while it is off.
    # 18.0: off until an administrator turns it on (Documents settings).
    # 19.0: on here by default, so that every company of the tests files as
    # before (Enterprise's own default is decided by its settings screen).
    documents_account_settings = fields.Boolean(default=not compat.IS_18)
    account_folder_id = fields.Many2one(
        "documents.document",
        string="Accounting Folder",
        compute="_compute_account_folder_id",
        precompute=True,
        store=True,
        readonly=False,
        domain="[('type', '=', 'folder'), ('shortcut_document_id', '=', False)]",
    )

    @api.depends(*(("documents_account_settings",) if compat.IS_18 else ()))
    def _compute_account_folder_id(self):
        finance = self.env.ref(
            "tal_documents_account_standin.document_finance_folder",
            raise_if_not_found=False,
        )
        for company in self:
            if compat.IS_18 and not company.documents_account_settings:
                # 18.0: the Finance folder comes with the Accounting setting,
                # when it is turned on.
                company.account_folder_id = company.account_folder_id
            else:
                # 19.0: every company files under the shared Finance folder
                # by default.
                company.account_folder_id = company.account_folder_id or finance

    @api.model
    def _standin_used_folders_domain(self, folder_ids):
        used = [("account_folder_id", "in", folder_ids)]
        if compat.IS_18:  # 18.0: only while the Accounting setting is on
            used.append(("documents_account_settings", "=", True))
        return compat.OR([super()._standin_used_folders_domain(folder_ids), used])
