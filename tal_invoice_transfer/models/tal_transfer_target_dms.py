# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
import re

from odoo import Command, api, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

from ..exceptions import TransferError
from .tal_transfer_target import MAIL_QUIET_CONTEXT

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)


class TalTransferTargetDms(models.AbstractModel):
    """OCA DMS: files linked to the invoice's attachment, in a directory per invoice.

    The directory tree under the configured root is journal / year / month /
    invoice. DMS compares a new directory's name with all its siblings, so a
    flat root slows down with every invoice; this tree keeps every folder
    small (an invoice folder per invoice of one journal and month), which is
    also how an accountant looks for an invoice.
    """

    _name = "tal.transfer.target.dms"
    _inherit = "tal.transfer.target"
    _description = "Invoice Files Transfer to DMS"

    _tal_target_key = "dms"
    _tal_document_model = "dms.file"
    _tal_folder_model = "dms.directory"

    @api.model
    def _tal_target_name(self):
        return self.env._("DMS")

    @api.model
    def _tal_folder_label(self):
        return self.env._("DMS directory")

    @api.model
    def _tal_folder_fields(self):
        return [*super()._tal_folder_fields(), "storage_id"]

    @api.model
    def _tal_check_folder(self, folder, company):
        if folder.storage_id.save_type != "attachment":
            raise TransferError(
                _lt(
                    "The DMS directory '%(name)s' of company %(company)s is not in a "
                    "storage of type 'Attachment': choose a directory of such a "
                    "storage, so files stay the invoices' own attachments.",
                    name=folder.display_name,
                    company=company.name,
                ),
                kind="settings",
            )

    @api.model
    def _tal_directories(self):
        return (
            self.env["dms.directory"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
        )

    @api.model
    def _tal_child_directory(self, parent, name, record):
        """Find or create `parent`/`name`, bound to `record` (attachment storage
        requires every directory to name a record)."""
        directories = self._tal_directories()
        # Journal, year and month directories serve many invoices: looked up
        # once per run, not three searches per invoice.
        cache = self._tal_run_cache("dms_directories")
        key = (parent.id, name)
        if key in cache:
            return directories.browse(cache[key])
        child = directories.search(
            [("parent_id", "=", parent.id), ("name", "=", name)], limit=1
        )
        if not child:
            child = directories.create(
                {
                    "name": name,
                    "parent_id": parent.id,
                    "storage_id": parent.storage_id.id,
                    "model_id": self.env["ir.model"]._get_id(record._name),
                    "res_model": record._name,
                    "res_id": record.id,
                }
            )
        # Cached once committed: a rolled back invoice takes its directory along.
        self.env.cr.postcommit.add(lambda: cache.__setitem__(key, child.id))
        return child

    @api.model
    def _tal_month_directory(self, move, root):
        """root / journal / year / month of the invoice, made when missing."""
        day = move.invoice_date or move.date
        # Found once per run: the next invoices of the month need neither the
        # journal's name nor three lookups.
        cache = self._tal_run_cache("dms_month_directories")
        key = (root.id, move.journal_id.id, f"{day:%Y-%m}")
        if key in cache:
            return self._tal_directories().browse(cache[key])
        journal = move.journal_id
        parent = root
        for name in (journal.code or journal.name, f"{day:%Y}", f"{day:%m}"):
            parent = self._tal_child_directory(
                parent, self._tal_safe_name(name), journal
            )
        self.env.cr.postcommit.add(lambda: cache.__setitem__(key, parent.id))
        return parent

    @api.model
    def _tal_invoice_directory(self, move, root):
        """The invoice's own directory and whether it was made just now."""
        directories = self._tal_directories()
        # An invoice directory may already exist, made by an earlier run or by
        # DMS itself when its storage lists invoices: never make a second one.
        existing = directories.search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("storage_id", "=", root.storage_id.id),
            ],
            limit=1,
        )
        if existing:
            return existing, False
        parent = self._tal_month_directory(move, root)
        # Only the names that could clash (this name, bare or with a suffix),
        # through the index on the name: a month folder holds thousands.
        stem = os.path.splitext(self._tal_safe_name(move.name))[0]
        like = re.sub(r"([\\%_])", r"\\\1", stem) + "%"
        taken = set(
            directories.search_fetch(
                [("parent_id", "=", parent.id), ("name", "=like", like)], ["name"]
            ).mapped("name")
        )
        directory = directories.create(
            {
                "name": self._tal_safe_name(move.name, taken),
                "parent_id": parent.id,
                "storage_id": root.storage_id.id,
                "model_id": self.env["ir.model"]._get_id("account.move"),
                "res_model": "account.move",
                "res_id": move.id,
            }
        )
        return directory, True

    @api.model
    def _tal_transfer(self, move, attachments):
        company = move.company_id
        root = self._tal_folder(company)
        tags = self._tal_tags(company, "dms.tag")
        self._tal_check_files(attachments)
        files = (
            self.env["dms.file"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
        )
        existing = files.search([("attachment_id", "in", attachments.ids)])
        new_attachments = attachments - existing.attachment_id
        if not new_attachments:
            return existing
        directory, is_new = self._tal_invoice_directory(move, root)
        taken = set() if is_new else set(directory.file_ids.mapped("name"))
        vals_list = []
        for attachment in new_attachments:
            name = self._tal_safe_name(attachment.name, taken)
            taken.add(name)
            vals_list.append(
                {
                    "name": name,
                    "directory_id": directory.id,
                    "attachment_id": attachment.id,
                    "tag_ids": [Command.set(tags.ids)],
                }
            )
        return existing | files.create(vals_list)

    @api.model
    def _tal_rename_documents(self, attachments):
        """Give the DMS files of `attachments` their attachment's new name.

        Unique in the directory, as DMS requires; a name DMS refuses (e.g. a
        forbidden extension) leaves the file's name as it was.
        """
        files = (
            self.env["dms.file"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
            .search([("attachment_id", "in", attachments.ids)])
        )
        for file in files:
            taken = set(file.directory_id.file_ids.mapped("name")) - {file.name}
            name = self._tal_safe_name(file.attachment_id.name, taken)
            if name == file.name:
                continue
            try:
                with self.env.cr.savepoint():
                    file.name = name
            except ValidationError as error:
                _logger.warning(
                    "DMS file %s keeps its name %r, %r is refused: %s",
                    file.id,
                    file.name,
                    name,
                    error,
                )
