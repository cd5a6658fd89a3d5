# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test-only stand-in for Enterprise ``documents.document``, 18.0 or 19.0
as the series it runs on (the differences: see the readme and compat.py).

Enterprise source is not public here. What is mirrored was checked on:

* Odoo 19.0 community: ``test_lint/tests/test_index.py`` names
  ``_attachment_unique`` as a unique btree index on
  ``documents.document.attachment_id``; ``account/tests/test_audit_trail.py``
  creates folders with ``{'name', 'type': 'folder'}``;
  ``account/models/ir_attachment.py`` lets a write of
  ``res_model='documents.document'`` through on audit-trail attachments.
* Public copies of the 18.0 and 19.0 modules on GitHub (third-party forks,
  found with the code search; not authoritative), read for behaviour and
  field names, never copied.

Mirrored behaviour:

* fields and options of ``attachment_id`` (ondelete cascade, unique), ``name``
  (from the attachment), ``type``, ``folder_id`` (``_parent_store``),
  ``owner_id`` (default: the current user; 19.0: only when active),
  ``partner_id``,
  ``tag_ids``, ``company_id``, ``active``, ``res_model``/``res_id`` (from the
  attachment; writing them MOVES the attachment), ``access_internal`` /
  ``access_via_link``, ``access_ids`` (members, ``documents.access``),
  ``shortcut_document_id``, ``previous_attachment_ids`` (versions);
* ``create`` copies the folder's ``access_internal``, ``access_via_link``,
  company and members (its owner as editor), makes the owner a member, and
  refuses an archived folder; a shortcut is never a parent folder;
* ``create`` with ``datas`` or ``raw`` (what upload scripts send) and no
  ``attachment_id`` makes a new attachment holding the bytes, linked to the
  document; with ``res_model``/``res_id`` as well, that new attachment is
  moved onto the record; with an ``attachment_id``, the bytes replace that
  attachment's content. Folders keep the ``res_model``/``res_id`` they are
  created with (an upload script's customer folders);
* writing another ``attachment_id`` keeps the old file in
  ``previous_attachment_ids``;
* the trash (documents_trash_mixin.py): a folder goes with its content, and
  comes back with it; a restore (``active`` back to True) under an archived
  folder raises; 19.0 posts a message on the folder as the current user;
* record rules: reading needs a permission other than 'none'
  (``user_permission``: owner, member, ``access_internal``), writing needs
  'edit', and the company's root folders need a Documents administrator;
  internal users only read tags (``security/``);
* ``is_multipage`` is stored and computed by reading and parsing every PDF,
  so that creating a document costs what it costs with Enterprise;
* ``unlink`` deletes the documents' attachments, wherever they are linked.

Choice: we inherit ``mail.thread`` and ``mail.activity.mixin`` (not the cc
and alias mixins) so that creation cost, chatter side effects and the
mail-quiet context keys behave as with Enterprise.

The trash: archived documents are deleted by an autovacuum
(``_gc_clear_bin``) once unchanged for ``documents.deletion_delay`` days (30
by default), 1,000 per call, through ``unlink`` (so with their attachments).

Not reproduced: link sharing and access through the parent folder, the
"COMPANY"/"MY" drives, thumbnails, ``documents.mixin`` automation, the
``ir.attachment`` extension, and the parts of the trash listed in
documents_trash_mixin.py.
"""

import base64
import io
import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import clean_context
from odoo.tools.pdf import PdfFileReader

from .. import compat

_logger = logging.getLogger(__name__)

ACCESS_ROLES = [("view", "Viewer"), ("edit", "Editor"), ("none", "None")]
PDF_MIMETYPES = ("application/pdf", "application/pdf;base64")


class DocumentsDocument(models.Model):
    _name = "documents.document"
    _description = "Document"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "documents.standin.access.mixin",
        "documents.standin.trash.mixin",
    ]
    # Like Enterprise: whoever may read a document may post on it.
    _mail_post_access = "read"
    # 18.0 has no sequence on documents (folders are ordered in 19.0).
    _order = "id desc" if compat.IS_18 else "sequence, id desc"
    _parent_name = "folder_id"
    _parent_store = True

    name = fields.Char(
        compute="_compute_name",
        store=True,
        readonly=False,
        copy=True,
        # 19.0 translates and tracks the name (a jsonb column); 18.0 neither
        # (a varchar column: raw SQL reads it as it is).
        translate=not compat.IS_18,
        tracking=not compat.IS_18,
    )
    active = fields.Boolean(default=True)
    if not compat.IS_18:  # 19.0 only
        sequence = fields.Integer(default=10)
    type = fields.Selection(
        [("url", "URL"), ("binary", "File"), ("folder", "Folder")],
        default="binary",
        required=True,
        index=True,
    )
    url = fields.Char("Link URL", size=1024)

    attachment_id = fields.Many2one(
        "ir.attachment",
        ondelete="cascade",
        **compat.BYPASS_SEARCH_ACCESS,
        copy=False,
    )
    mimetype = fields.Char(related="attachment_id.mimetype")
    checksum = fields.Char(related="attachment_id.checksum")
    # Like Enterprise: the file's content through the document; given on
    # create without an attachment, they make a new one (see create).
    datas = fields.Binary(
        related="attachment_id.datas", related_sudo=True, readonly=False, prefetch=False
    )
    raw = fields.Binary(
        related="attachment_id.raw", related_sudo=True, readonly=False, prefetch=False
    )
    file_size = fields.Integer(compute="_compute_file_size", store=True)
    is_multipage = fields.Boolean(
        "Is considered multipage",
        compute="_compute_is_multipage",
        store=True,
        readonly=False,
    )
    previous_attachment_ids = fields.Many2many(
        "ir.attachment", string="History", **compat.BYPASS_SEARCH_ACCESS
    )
    res_model = fields.Char(
        "Resource Model",
        compute="_compute_res_record",
        inverse="_inverse_res_record",
        store=True,
    )
    res_id = fields.Many2oneReference(
        "Resource ID",
        model_field="res_model",
        compute="_compute_res_record",
        inverse="_inverse_res_record",
        store=True,
    )

    folder_id = fields.Many2one(
        "documents.document",
        string="Folder",
        ondelete="set null",
        domain="[('type', '=', 'folder'), ('shortcut_document_id', '=', False)]",
        index=True,
        tracking=True,
    )
    parent_path = fields.Char(index=True)
    children_ids = fields.One2many("documents.document", "folder_id")
    shortcut_document_id = fields.Many2one(
        "documents.document",
        "Source Document",
        ondelete="cascade",
        index="btree_not_null",
    )
    shortcut_ids = fields.One2many("documents.document", "shortcut_document_id")

    owner_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self._standin_default_owner(),
        # 18.0: every document has an owner (OdooBot for the company's
        # folders); 19.0: the owner is optional (none: the company's).
        required=compat.IS_18,
        copy=False,
        index=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index="btree_not_null", tracking=True
    )
    tag_ids = fields.Many2many("documents.tag", "document_tag_rel", string="Tags")
    company_id = fields.Many2one("res.company", string="Company", index=True)

    access_internal = fields.Selection(
        ACCESS_ROLES,
        string="Internal Users Rights",
        required=True,
        default="none",
        index=True,
    )
    access_via_link = fields.Selection(
        ACCESS_ROLES,
        string="Link Access Rights",
        required=True,
        default="none",
        index=True,
    )
    is_access_via_link_hidden = fields.Boolean("Link Access Hidden", index=True)
    access_ids = fields.One2many("documents.access", "document_id", "Members")
    user_permission = fields.Selection(
        [("edit", "Editor"), ("view", "Viewer"), ("none", "None")],
        compute="_compute_user_permission",
        search="_search_user_permission",
        compute_sudo=True,
    )

    _res_model_res_id_idx = compat.Index("(res_model, res_id)")
    _attachment_unique = compat.Constraint(
        "unique (attachment_id)",
        "This attachment is already a document",
    )
    _folder_id_not_id = compat.Constraint(
        "check(folder_id <> id)",
        "A folder cannot be included in itself",
    )
    _shortcut_document_id_not_id = compat.Constraint(
        "check(shortcut_document_id <> id)",
        "A shortcut cannot point to itself",
    )

    def init(self):
        res = super().init()
        compat.create_indexes(self)
        return res

    @api.constrains("folder_id", "shortcut_document_id")
    def _check_shortcut_parent(self):
        # A shortcut is a pointer: documents go in its target, never in it.
        parents = self.folder_id.sudo().filtered("shortcut_document_id")
        parents |= self.filtered(lambda d: d.shortcut_document_id and d.children_ids)
        if parents:
            raise ValidationError(
                self.env._(
                    "A shortcut cannot contain documents: %(names)s",
                    names=", ".join(parents.mapped("name")),
                )
            )

    @api.constrains("res_model")
    def _check_res_model(self):
        if self.filtered(lambda d: d.res_model == self._name):
            raise ValidationError(
                self.env._(
                    "A document can not be linked to itself or another document."
                )
            )

    @api.depends("attachment_id")
    def _compute_name(self):
        for document in self:
            if document.attachment_id:
                document.name = document.attachment_id.name
            elif not document.name and document.url:
                document.name = document.url
            else:
                document.name = document.name

    @api.depends("attachment_id.file_size")
    def _compute_file_size(self):
        for document in self:
            document.file_size = document.attachment_id.file_size

    @api.depends("checksum", "mimetype")
    def _compute_is_multipage(self):
        # Like Enterprise: every PDF is read and parsed when it becomes a
        # document, which is most of what creating a document costs.
        for document in self:
            document.is_multipage = document._standin_page_count() > 1

    def _standin_page_count(self):
        self.ensure_one()
        if self.mimetype not in PDF_MIMETYPES:
            return 0
        content = base64.b64decode(self.attachment_id.sudo().datas or b"")
        try:
            return len(PdfFileReader(io.BytesIO(content), strict=False).pages)
        except Exception as error:  # noqa: BLE001 - a bad PDF is only "not multipage"
            _logger.info("Cannot count the pages of %r: %s", self.name, error)
            return 0

    @api.depends("attachment_id", "attachment_id.res_model", "attachment_id.res_id")
    def _compute_res_record(self):
        # Like Enterprise: a document without attachment keeps what was
        # written on it; an attachment linked to the document itself means
        # "not linked to a record".
        for document in self:
            attachment = document.attachment_id
            if attachment:
                own = attachment.res_model == self._name
                document.res_model = (not own and attachment.res_model) or False
                document.res_id = (not own and attachment.res_id) or False

    def _inverse_res_record(self):
        # Like Enterprise: writing res_model/res_id on a document MOVES its
        # attachment to that record (or back onto the document when empty).
        # This is the behaviour that takes an invoice's file away from the
        # invoice: integrators must never write these fields.
        for document in self:
            attachment = document.attachment_id
            if not attachment:
                continue
            res_model, res_id = document.res_model, document.res_id
            if not res_model:
                res_model, res_id = self._name, document.id
            if (attachment.res_model, attachment.res_id) != (res_model, res_id):
                attachment.sudo().with_context(no_document=True).write(
                    {"res_model": res_model, "res_id": res_id}
                )

    @api.model_create_multi
    def create(self, vals_list):
        attachments = []
        for vals in vals_list:
            attachment = self._standin_attachment_from_vals(vals)
            if attachment and not vals.get("name"):
                # Enterprise seeds the name from the attachment at INSERT time.
                vals["name"] = attachment.name
            self._standin_inherit_from_folder(vals)
            attachments.append(attachment)
        documents = super().create(vals_list)
        if documents.filtered("standin_is_company_root") and not (
            self.env.is_admin()
            or self.env.user.has_group("tal_documents_standin.group_documents_manager")
        ):
            raise AccessError(
                self.env._("Only Documents administrators create company folders.")
            )
        for document, attachment in zip(documents, attachments, strict=True):
            # An attachment that belongs to no record is linked to the
            # document; one that belongs to a record stays on that record.
            if (
                attachment
                and not attachment.res_id
                and (not attachment.res_model or attachment.res_model == self._name)
            ):
                attachment.with_context(no_document=True).write(
                    {"res_model": self._name, "res_id": document.id}
                )
        return documents

    @api.model
    def _standin_attachment_from_vals(self, vals):
        """The attachment of a document being created, as Enterprise makes it.

        Values of fields related to the attachment (`datas`, `raw`,
        `mimetype`...) are taken out of `vals`: with an `attachment_id` they
        are written on that attachment (its content replaced); without one
        they make a new attachment, named after the document. That new
        attachment belongs to no record yet: `res_model`/`res_id` given with
        it then move it onto that record (see _inverse_res_record), else it
        is linked to the document after the create.
        """
        related = {
            name: vals.pop(name)
            for name in list(vals)
            if self._fields[name].related
            and self._fields[name].related.split(".")[0] == "attachment_id"
        }
        attachment = self.env["ir.attachment"].browse(vals.get("attachment_id"))
        if attachment and related:
            attachment.write(related)
        elif related:
            related.setdefault("name", vals.get("name") or "unnamed")
            # Without the caller's default_* keys: default_res_model and
            # default_res_id would link the new file to the caller's record.
            attachment = (
                self.env["ir.attachment"]
                .with_env(self.env(context=clean_context(self.env.context)))
                .create(related)
            )
            vals["attachment_id"] = attachment.id
        return attachment

    def write(self, vals):
        if "shortcut_document_id" in vals:
            raise UserError(self.env._("A shortcut cannot change its target."))
        folder = self.browse(vals.get("folder_id")).sudo()
        if folder.shortcut_document_id:
            # Like Enterprise: moving into a shortcut moves into its target.
            return self.write({**vals, "folder_id": folder.shortcut_document_id.id})
        moved = self._standin_check_move(folder, vals) if folder else self.browse()
        active_before = self._standin_active_before_write(vals)
        if vals.get("attachment_id"):
            self.ensure_one()
            self._standin_keep_version(
                self.env["ir.attachment"].browse(vals["attachment_id"])
            )
        result = super().write(vals)
        if moved:
            moved._standin_take_folder_access(folder)
        self._standin_active_after_write(vals, active_before)
        return result

    def _standin_check_move(self, folder, vals):
        if folder.type != "folder":
            raise UserError(self.env._("Documents can only be moved into a folder."))
        moved = self.filtered(lambda d: d.folder_id != folder)
        if moved and not folder.active:
            raise UserError(
                self.env._("Documents cannot be moved into an archived folder.")
            )
        if any(
            (not doc.active and not vals.get("active"))
            or (doc.folder_id and not doc.folder_id.active)
            for doc in moved
        ):
            raise UserError(self.env._("Archived documents cannot be moved."))
        return moved

    def _standin_keep_version(self, attachment):
        """A new file for a document: the previous one becomes a version."""
        for document in self:
            old = document.attachment_id
            if not old or old == attachment:
                continue
            res_model = document.res_model or self._name
            res_id = document.res_id if document.res_model else document.id
            if (attachment.res_model, attachment.res_id) != (res_model, res_id):
                attachment.with_context(no_document=True).write(
                    {"res_model": res_model, "res_id": res_id}
                )
            record = document.res_model and self.env[document.res_model].browse(
                document.res_id
            )
            # The record's main file stays on the record; another old file
            # now belongs to the document's history only.
            if getattr(record, "message_main_attachment_id", None) != old:
                old.with_context(no_document=True).write(
                    {"res_model": self._name, "res_id": document.id}
                )
            document.previous_attachment_ids = [
                Command.unlink(attachment.id),
                Command.link(old.id),
            ]

    def unlink(self):
        # Like Enterprise: the content of a folder goes with it, and so do
        # the documents' attachments, wherever they are linked.
        to_delete = (
            self.with_context(active_test=False).search([("id", "child_of", self.ids)])
            if self
            else self
        )
        attachments = to_delete.attachment_id.filtered(
            lambda a: a.res_model != self._name
        )
        res = super(DocumentsDocument, to_delete).unlink()
        # Those linked to the document are removed by the ORM with it.
        if attachments:
            attachments.unlink()
        return res

    def get_deletion_delay(self):
        """Days an archived document stays in the trash."""
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("documents.deletion_delay", "30")
        )

    @api.autovacuum
    def _gc_clear_bin(self):
        # Like Enterprise: empties the trash of documents left unchanged for
        # the deletion delay, by batches, through unlink.
        cutoff = fields.Datetime.now() - timedelta(days=self.get_deletion_delay())
        self.search(
            [("active", "=", False), ("write_date", "<=", cutoff)], limit=1000
        ).unlink()
