# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Documents' "Accounting" setting: nothing is filed while it is off. On
    # here by default, so that every company of the tests files as before
    # (Enterprise's own default is decided by its settings screen).
    documents_account_settings = fields.Boolean(default=True)
    account_folder_id = fields.Many2one(
        "documents.document",
        string="Accounting Folder",
        compute="_compute_account_folder_id",
        precompute=True,
        store=True,
        readonly=False,
        domain="[('type', '=', 'folder'), ('shortcut_document_id', '=', False)]",
    )

    def _compute_account_folder_id(self):
        # Every company files under the shared Finance folder by default.
        self.filtered(
            lambda c: not c.account_folder_id
        ).account_folder_id = self.env.ref(
            "tal_documents_account_standin.document_finance_folder",
            raise_if_not_found=False,
        )
