# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test-only stand-in for Enterprise ``documents.access`` (18.0 and 19.0
alike): the members of a document (a partner and a role), which is how
Documents shares a document with a person.

Mirrored behaviour (from public copies of the 18.0 and 19.0 modules): one
line per document and partner; a line has a role (viewer or editor) or only
a last access date (the owner's line); a membership may expire; the
superuser and the public user are never members (19.0 only: 18.0 does not check).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import compat


class DocumentsAccess(models.Model):
    _name = "documents.access"
    _description = "Document Member"
    _log_access = False

    document_id = fields.Many2one(
        "documents.document",
        required=True,
        **compat.BYPASS_SEARCH_ACCESS,
        index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade"
    )
    role = fields.Selection([("view", "Viewer"), ("edit", "Editor")], index=True)
    last_access_date = fields.Datetime()
    expiration_date = fields.Datetime(index=True)

    _document_partner_unique = compat.Constraint(
        "unique (document_id, partner_id)",
        "This partner is already a member of this document.",
    )
    _role_or_last_access = compat.Constraint(
        "check (role IS NOT NULL OR last_access_date IS NOT NULL)",
        "A member without a role must have a last access date.",
    )

    @api.constrains("partner_id")
    def _check_partner_id(self):
        if compat.IS_18:
            # 18.0 has no such check.
            return
        # 19.0: the superuser and the public user are never members.
        forbidden = self.env.ref("base.user_root") | self.env.ref("base.public_user")
        users = self.partner_id.sudo().with_context(active_test=False).user_ids
        if users & forbidden:
            raise ValidationError(self.env._("This user cannot be a member."))
