# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Test-only stand-in for Enterprise ``documents.tag`` (18.0 and 19.0). Since 18.0 tags
# are global (no facet/category, no folder); the tag name is unique.
from random import randint

from odoo import api, fields, models

from .. import compat


class DocumentsTag(models.Model):
    _name = "documents.tag"
    _description = "Tag"
    _order = "sequence, name"

    @api.model
    def _get_default_color(self):
        return randint(1, 11)

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer(default=lambda self: self._get_default_color())
    document_ids = fields.Many2many("documents.document", "document_tag_rel")

    _tag_name_unique = compat.Constraint(
        "unique (name)",
        "Tag name already used",
    )
