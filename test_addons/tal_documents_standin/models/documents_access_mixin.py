# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The access side of the ``documents.document`` stand-in (see
documents_document.py), in a mixin of its own to keep each file short:
members, the permission the record rules read, and what a document takes
from its folder. Enterprise has all of it in ``documents.document`` itself.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .. import compat

# Permissions from the weakest to the strongest.
PERMISSIONS = ["none", "view", "edit"]


class DocumentsStandinAccessMixin(models.AbstractModel):
    _name = "documents.standin.access.mixin"
    _description = "Documents Stand-in: Access"

    # The company's root folders, which only Documents administrators
    # change (record rules) or create. Enterprise 18.0 calls them "pinned"
    # (is_pinned_folder); 19.0 tells them by their missing owner.
    standin_is_company_root = fields.Boolean(
        "Company Root Folder",
        compute="_compute_standin_is_company_root",
        search="_search_standin_is_company_root",
    )

    @api.model
    def _standin_company_owner(self):
        """The owner of the company's root folders: OdooBot in 18.0, nobody
        in 19.0."""
        if compat.IS_18:
            return self.env.ref("base.user_root")
        return self.env["res.users"]

    @api.depends("type", "folder_id", "owner_id")
    def _compute_standin_is_company_root(self):
        company_owner = self._standin_company_owner()
        for document in self:
            document.standin_is_company_root = (
                document.type == "folder"
                and not document.folder_id
                and document.owner_id == company_owner
            )

    def _search_standin_is_company_root(self, operator, value):
        if operator in ("=", "!="):
            # 18.0 hands the operator as written; 19.0 gives 'in' / 'not in'.
            operator, value = ("in" if operator == "=" else "not in"), [value]
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = {bool(v) for v in value}
        if operator == "not in":
            wanted = {True, False} - wanted
        owner_id = self._standin_company_owner().id
        if wanted == {True}:
            return [
                ("type", "=", "folder"),
                ("folder_id", "=", False),
                ("owner_id", "=", owner_id),
            ]
        if wanted == {False}:
            return compat.OR(
                [
                    [("type", "!=", "folder")],
                    [("folder_id", "!=", False)],
                    [("owner_id", "!=", owner_id)],
                ]
            )
        return [] if wanted else compat.FALSE_DOMAIN

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
                document.owner_id == user
                # 18.0: the owner of a shortcut edits it; 19.0: a shortcut's
                # owner gets nothing from owning it.
                and (compat.IS_18 or not document.shortcut_document_id)
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
        owner = compat.FALSE_DOMAIN
        if "edit" in roles:
            owner = [("owner_id", "=", user.id)]
            if not compat.IS_18:  # 19.0: not through owning a shortcut
                owner.append(("shortcut_document_id", "=", False))
        internal = compat.FALSE_DOMAIN
        if not user.share:
            if user.has_group("tal_documents_standin.group_documents_manager"):
                internal = [("access_internal", "!=", "none")]
            else:
                internal = [("access_internal", "in", list(roles))]
        return compat.AND([companies, compat.OR([member, owner, internal])])

    @api.model
    def _standin_default_owner(self):
        if compat.IS_18:
            # 18.0: the current user, whoever it is: OdooBot for the superuser
            # (data files, scripts run as superuser).
            return self.env.user.id
        # 19.0: the current user if active: none for the superuser.
        return self.env.user.id if self.env.user.active else False

    @api.model
    def _standin_person(self, user):
        """`user` as a person owning documents: 18.0 counts OdooBot as nobody
        (the owner of the company's folders gets no member line and is not
        made an editor of their content); 19.0 has no owner there."""
        if compat.IS_18 and user == self.env.ref("base.user_root"):
            return user.browse()
        return user

    @api.model
    def _standin_inherit_from_folder(self, vals):
        """Complete `vals` as Enterprise does: the folder's access, company
        and members, and the owner as a member."""
        if compat.IS_18:
            # 18.0: the owner given, else the current user (even OdooBot).
            owner = self.env["res.users"].browse(
                vals.setdefault("owner_id", self._standin_default_owner())
            )
        else:
            owner = self.env["res.users"].browse(
                vals["owner_id"]
                if "owner_id" in vals
                else self._standin_default_owner()
            )
            if owner and not owner.active:  # the superuser or an archived user
                owner = self.env["res.users"]
                vals["owner_id"] = False
        owner = self._standin_person(owner)
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
            if vals.get("access_ids") not in (False, [], [Command.set([])]) and (
                # 18.0: a shortcut takes its folder's members too; 19.0: not.
                compat.IS_18 or "shortcut_document_id" not in vals
            ):
                given = {cmd[2]["partner_id"] for cmd in members if cmd[0] == 0}
                members += [
                    Command.create(member)
                    for member in folder._standin_members_to_inherit()
                    if member["partner_id"] not in given
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
        """Member values a folder's new documents get: its members with a
        role (with their expiry), and the folder's owner as editor."""
        self.ensure_one()
        owner_partner = self._standin_person(self.owner_id).partner_id
        members = [
            {
                "partner_id": access.partner_id.id,
                "role": access.role,
                "expiration_date": access.expiration_date,
            }
            for access in self.access_ids
            if access.role and access.partner_id != self.owner_id.partner_id
        ]
        if owner_partner:
            members.append({"partner_id": owner_partner.id, "role": "edit"})
        return members

    def _standin_take_folder_access(self, folder):
        """Moved documents get their new folder's access, members and company."""
        for document in self.sudo():
            document.write(
                {
                    "access_internal": folder.access_internal,
                    "access_via_link": folder.access_via_link,
                    "access_ids": [
                        Command.create(member)
                        for member in folder._standin_members_to_inherit()
                        if member["partner_id"]
                        not in document.access_ids.partner_id.ids
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
