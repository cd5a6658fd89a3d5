# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.tal_documents_standin import compat


class DocumentsAccountFolderSetting(models.Model):
    """Where documents_account files a journal's invoice files: one folder and
    tags per journal."""

    _name = "documents.account.folder.setting"
    _description = "Journal and Folder settings"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
    # 18.0: a journal with a setting cannot be deleted; 19.0: its setting
    # goes with it.
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        ondelete="restrict" if compat.IS_18 else "cascade",
    )
    folder_id = fields.Many2one(
        "documents.document",
        string="Folder",
        required=True,
        domain="[('type', '=', 'folder'), ('shortcut_document_id', '=', False)]",
    )
    tag_ids = fields.Many2many("documents.tag", string="Tags")

    _journal_unique = compat.Constraint(
        "unique (journal_id)",
        "A setting already exists for this journal",
    )
