# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The access side of the ``documents.document`` stand-in (see
documents_document.py), in a mixin of its own to keep each file short:
members, the permission the record rules read, and what a document takes
from its folder. Enterprise has all of it in ``documents.document`` itself.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.tal_documents_standin import compat

# Permissions from the weakest to the strongest.
PERMISSIONS = ["none", "view", "edit"]


class DocumentsStandinAccessMixin(models.AbstractModel):
    _name = "documents.standin.access.mixin"
    _description = "Documents Stand-in: Access"

    @api.depends_context("uid", "allowed_company_ids")
    @api.depends(
        "owner_id",
        "company_id",
        "access_internal",
        "access_ids.role",
        "access_ids.partner_id",
        "access_ids.expiration_date",
        "shortcut_document_id",
    )
    def _compute_user_permission(self):
        user = self.env.user
        system = user.has_group("tal_documents_standin.group_documents_system")
        manager = user.has_group("tal_documents_standin.group_documents_manager")
        now = fields.Datetime.now()
        for document in self:
            if document.company_id and document.company_id not in self.env.companies:
                document.user_permission = "none"
            elif system or (
                document.owner_id == user and not document.shortcut_document_id
            ):
                document.user_permission = "edit"
            else:
                roles = {
                    access.role
                    for access in document.access_ids
                    if access.partner_id == user.partner_id
                    and access.role
                    and (not access.expiration_date or access.expiration_date > now)
                }
                if not user.share and document.access_internal != "none":
                    roles.add("edit" if manager else document.access_internal)
                document.user_permission = max(roles | {"none"}, key=PERMISSIONS.index)

    def _search_user_permission(self, operator, value):
        if operator in ("=", "!=") and isinstance(value, str):
            # 18.0 hands the operator of the domain as written; 19.0 has
            # turned it into 'in' / 'not in' already.
            operator, value = ("in" if operator == "=" else "not in"), [value]
        if operator not in ("in", "not in"):
            return NotImplemented
        roles = set(value) if operator == "in" else set(PERMISSIONS) - set(value)
        # Like Enterprise: 'none' is never searched (it would be everything).
        roles.discard("none")
        user = self.env.user
        if not roles or user._is_public():
            return compat.FALSE_DOMAIN
        companies = [("company_id", "in", [False, *self.env.companies.ids])]
        if user.has_group("tal_documents_standin.group_documents_system"):
            return companies if "edit" in roles else compat.FALSE_DOMAIN
        now = fields.Datetime.now()
        member = [
            (
                "access_ids",
                "any",
                [
                    ("partner_id", "=", user.partner_id.id),
                    ("role", "in", list(roles)),
                    "|",
                    ("expiration_date", "=", False),
                    ("expiration_date", ">", now),
                ],
            )
        ]
        owner = (
            [("owner_id", "=", user.id), ("shortcut_document_id", "=", False)]
            if "edit" in roles
            else compat.FALSE_DOMAIN
        )
        internal = compat.FALSE_DOMAIN
        if not user.share:
            if user.has_group("tal_documents_standin.group_documents_manager"):
                internal = [("access_internal", "!=", "none")]
            else:
                internal = [("access_internal", "in", list(roles))]
        return compat.AND([companies, compat.OR([member, owner, internal])])

    @api.model
    def _standin_inherit_from_folder(self, vals):
        """Complete `vals` as Enterprise does: the folder's access, company
        and members, and the owner as a member."""
        owner = self.env["res.users"].browse(
            vals["owner_id"]
            if "owner_id" in vals
            else (self.env.user.active and self.env.uid)
        )
        if owner and not owner.active:  # the superuser or an archived user
            owner = self.env["res.users"]
            vals["owner_id"] = False
        folder = self.browse(vals.get("folder_id")).sudo()
        members = list(vals.get("access_ids") or [])
        if folder:
            if not folder.active:
                raise UserError(
                    self.env._("Documents cannot be created in an archived folder.")
                )
            vals.setdefault("access_internal", folder.access_internal)
            vals.setdefault("access_via_link", folder.access_via_link)
            if folder.company_id:
                vals.setdefault("company_id", folder.company_id.id)
            if vals.get("access_ids") not in (False, [], [Command.set([])]):
                given = {cmd[2]["partner_id"] for cmd in members if cmd[0] == 0}
                members += [
                    Command.create({"partner_id": partner.id, "role": role})
                    for partner, role in folder._standin_members_to_inherit()
                    if partner.id not in given
                ]
        if owner:
            own = [
                c
                for c in members
                if c[0] == 0 and c[2]["partner_id"] == owner.partner_id.id
            ]
            if own:
                own[0][2]["last_access_date"] = fields.Datetime.now()
            else:
                members.append(
                    Command.create(
                        {
                            "partner_id": owner.partner_id.id,
                            "last_access_date": fields.Datetime.now(),
                        }
                    )
                )
        if members:
            vals["access_ids"] = members

    def _standin_members_to_inherit(self):
        """(partner, role) of a folder's members its new documents get: those
        with a role, and the folder's owner as editor."""
        self.ensure_one()
        owner_partner = self.owner_id.partner_id
        members = [
            (access.partner_id, access.role)
            for access in self.access_ids
            if access.role and access.partner_id != owner_partner
        ]
        if owner_partner:
            members.append((owner_partner, "edit"))
        return members

    def _standin_take_folder_access(self, folder):
        """Moved documents get their new folder's access, members and company."""
        for document in self.sudo():
            document.write(
                {
                    "access_internal": folder.access_internal,
                    "access_via_link": folder.access_via_link,
                    "access_ids": [
                        Command.create({"partner_id": partner.id, "role": role})
                        for partner, role in folder._standin_members_to_inherit()
                        if partner not in document.access_ids.partner_id
                    ],
                    **(
                        {"company_id": folder.company_id.id}
                        if folder.company_id
                        else {}
                    ),
                }
            )

    def action_update_access_rights(self, access_internal=None, access_via_link=None):
        """Like Enterprise (internal and link access only): set the access
        on these documents and down their content, stopping where a
        document has the value already; the editor's right is checked."""
        self.check_access("write")
        if self.filtered("shortcut_document_id"):
            raise UserError(
                self.env._(
                    "You can not update the access of a shortcut, update its "
                    "target instead."
                )
            )
        for field, value in (
            ("access_internal", access_internal),
            ("access_via_link", access_via_link),
        ):
            if value is None:
                continue
            todo = self.sudo().with_context(active_test=False)
            while todo:
                todo = todo.filtered(lambda d, f=field, v=value: d[f] != v)
                todo.write({field: value})
                todo = todo.children_ids
        return self.mapped("user_permission")
