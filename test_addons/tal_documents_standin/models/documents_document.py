# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test-only stand-in for Enterprise 19.0 ``documents.document``.

Enterprise source is not public. What is mirrored here was checked on:

* Odoo 19.0 community, /opt/odoo19:
  - ``test_lint/tests/test_index.py`` names ``_attachment_unique`` as a
    unique btree index on ``documents.document.attachment_id``;
  - ``account/tests/test_audit_trail.py`` creates folders with
    ``{'name', 'type': 'folder'}`` and searches documents on
    ``res_model``/``res_id``/``name``; ``documents.account.folder.setting``
    has ``journal_id``/``folder_id``;
  - ``account/models/ir_attachment.py`` lets a write of
    ``res_model='documents.document'`` through on audit-trail attachments
    (the document re-links its attachment to itself);
  - ``cloud_storage_migration`` joins ``documents_document.attachment_id``.
* Public copies of the 19.0 module on GitHub (third-party forks, found with
  the code search; not authoritative): field names and options of
  ``attachment_id`` (ondelete cascade), ``name`` (stored compute from the
  attachment, translate=True, tracking), ``type`` (url/binary/folder,
  default binary, required), ``folder_id`` (domain type=folder, index,
  ondelete set null, ``_parent_store``), ``children_ids``, ``owner_id``
  (not required; default current user when active), ``partner_id``,
  ``tag_ids`` (table ``document_tag_rel``), ``company_id``, ``active``,
  ``sequence``, ``url``, ``res_model``/``res_id`` (stored compute from the
  attachment with an inverse that writes them ON the attachment),
  ``access_internal``/``access_via_link`` (view/edit/none, default none),
  ``is_access_via_link_hidden``, ``file_size`` (stored compute),
  ``mimetype``/``checksum`` (related), constraints ``_attachment_unique``,
  ``_folder_id_not_id``, ``_check_res_model``; ``create`` links an orphan
  attachment to the document and leaves a record's attachment on its
  record; ``unlink`` deletes the attachments. Inherits ``mail.thread.cc``,
  ``mail.activity.mixin`` and ``mail.alias.mixin.optional``.

Choice: we inherit ``mail.thread`` and ``mail.activity.mixin`` (not the cc
and alias mixins) so that creation cost, chatter side effects and the
mail-quiet context keys behave as with Enterprise.

The trash: archived documents are deleted by an autovacuum
(``_gc_clear_bin``) once unchanged for ``documents.deletion_delay`` days (30
by default), 1,000 per call, through ``unlink`` (so with their attachments).

Not reproduced: access rules/sharing, shortcuts, versioning, thumbnails,
``documents.mixin`` automation, the ``ir.attachment`` extension of Enterprise.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

ACCESS_ROLES = [("view", "Viewer"), ("edit", "Editor"), ("none", "None")]


class DocumentsDocument(models.Model):
    _name = "documents.document"
    _description = "Document"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, id desc"
    _parent_name = "folder_id"
    _parent_store = True

    name = fields.Char(
        compute="_compute_name",
        store=True,
        readonly=False,
        copy=True,
        translate=True,
        tracking=True,
    )
    active = fields.Boolean(default=True)
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
        bypass_search_access=True,
        copy=False,
    )
    mimetype = fields.Char(related="attachment_id.mimetype")
    checksum = fields.Char(related="attachment_id.checksum")
    file_size = fields.Integer(compute="_compute_file_size", store=True)
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
        domain="[('type', '=', 'folder')]",
        index=True,
        tracking=True,
    )
    parent_path = fields.Char(index=True)
    children_ids = fields.One2many("documents.document", "folder_id")

    owner_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user.id if self.env.user.active else False,
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

    _res_model_res_id_idx = models.Index("(res_model, res_id)")
    _attachment_unique = models.Constraint(
        "unique (attachment_id)",
        "This attachment is already a document",
    )
    _folder_id_not_id = models.Constraint(
        "check(folder_id <> id)",
        "A folder cannot be included in itself",
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
            attachment = self.env["ir.attachment"].browse(vals.get("attachment_id"))
            if attachment and not vals.get("name"):
                # Enterprise seeds the name from the attachment at INSERT time.
                vals["name"] = attachment.name
            attachments.append(attachment)
        documents = super().create(vals_list)
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
