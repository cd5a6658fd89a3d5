# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# Set in the context while a document app deletes documents (see the bridge
# addon of Documents): the invoices' own files those documents link are kept.
# OCA dms marks the deletions that come from a DMS file with `dms_file`.
KEEP_INVOICE_FILES = "tal_transfer_keep_invoice_files"


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        attachments = super().create(vals_list)
        attachments._tal_transfer_reopen_invoices()
        return attachments

    def write(self, vals):
        moving = bool({"res_model", "res_id"} & set(vals))
        owners = self._tal_transfer_owners() if moving else {}
        result = super().write(vals)
        # Mail attaches files to a record by moving them onto it.
        if {"res_model", "res_id", "res_field", "type"} & set(vals):
            self._tal_transfer_reopen_invoices()
        if owners:
            self._tal_transfer_moved(owners)
        if "name" in vals:
            self._tal_transfer_rename_documents()
        return result

    def unlink(self):
        """An invoice's file outlives the deletion of its document.

        Documents and OCA dms delete the attachment of a document or DMS file
        they delete, i.e. the invoice's own file: the legal file would go with
        whoever may delete documents, and with the trash's cleanup. Those files
        stay on their invoice; deleting a file from the invoice itself still
        deletes its documents, as the apps do. Either way the invoice is
        transferred again, so its documents and counts follow.
        """
        kept = self._tal_transfer_kept_files()
        deleted = self - kept
        move_ids = set(deleted._tal_transfer_owners().values())
        move_ids |= set(kept.sudo().mapped("res_id"))
        if kept:
            _logger.info(
                "Kept %s invoice file(s) whose documents were deleted: %s",
                len(kept),
                kept.ids,
            )
        # The invoices first: a worker holding one waits for nothing of ours.
        # Deleted first, a file its worker was linking made each transaction
        # wait for the other (a deadlock).
        if move_ids:
            self.env["tal.invoice.transfer.scope"]._reopen(move_ids)
        return super(IrAttachment, deleted).unlink() if deleted else True

    def _tal_transfer_reopen_invoices(self):
        """A new file on an already transferred invoice puts it back to pending."""
        file_fields = set(self.env["tal.invoice.transfer.scope"]._file_fields())
        move_ids = {
            attachment.res_id
            for attachment in self.sudo()
            if attachment.res_model == "account.move"
            and attachment.res_id
            and attachment.type == "binary"
            and (not attachment.res_field or attachment.res_field in file_fields)
        }
        if move_ids:
            self.env["tal.invoice.transfer.scope"]._reopen(move_ids)

    def _tal_transfer_owners(self):
        """{attachment id: invoice id} of the attachments that belong to one."""
        return {
            attachment.id: attachment.res_id
            for attachment in self.sudo()
            if attachment.res_model == "account.move" and attachment.res_id
        }

    def _tal_transfer_kept_files(self):
        """The invoices' files among `self` that a document app is deleting
        along with their documents."""
        context = self.env.context
        if not (context.get(KEEP_INVOICE_FILES) or context.get("dms_file")):
            return self.browse()
        return self.browse(list(self._tal_transfer_owners()))

    def _tal_transfer_moved(self, owners):
        """Files that left an invoice (`owners`: where they were).

        Both invoices are transferred again. A file now on another invoice
        loses the documents filed for the first one, the file itself staying,
        and the next run files it under its new invoice: its folder, name and
        access follow the invoice it belongs to. A file moved to another kind
        of record (e.g. an older version kept by its document) keeps them.
        """
        left = self.sudo().filtered(
            lambda a: a.id in owners
            and (a.res_model, a.res_id) != ("account.move", owners[a.id])
        )
        if not left:
            return
        self.env["tal.invoice.transfer.scope"]._reopen({owners[a.id] for a in left})
        moved = left.filtered(lambda a: a.res_model == "account.move" and a.res_id)
        if not moved:
            return
        for target in self.env["tal.transfer.target"]._tal_available_targets():
            documents = (
                self.env[target._tal_document_model]
                .sudo()
                .with_context(active_test=False)
                .search([("attachment_id", "in", moved.ids)])
            )
            if not documents:
                continue
            try:
                with self.env.cr.savepoint():
                    documents.with_context(**{KEEP_INVOICE_FILES: True}).unlink()
            except UserError as error:
                # The user's change goes on; the document stays where it was.
                _logger.warning(
                    "Could not delete %s of files moved to another invoice: %s",
                    documents,
                    error,
                )

    def _tal_transfer_rename_documents(self):
        """A renamed invoice file renames its documents."""
        files = self.browse(list(self._tal_transfer_owners())).sudo()
        if files:
            for target in self.env["tal.transfer.target"]._tal_available_targets():
                target._tal_rename_documents(files)

    @api.model
    def _tal_transfer_unlink_documents(self, documents, unlink):
        """Delete `documents` through `unlink(documents)` but keep the invoices'
        files they link; their invoices are transferred again.

        For the bridge addons of document apps that give no sign of their
        deletions (Documents); a folder's content is deleted with it.
        """
        linked = documents.sudo().with_context(active_test=False)
        if linked._parent_store:
            linked = linked.search([("id", "child_of", documents.ids)])
        move_ids = set(linked.attachment_id._tal_transfer_owners().values())
        # The invoices first, as unlink does: no deadlock with their workers.
        if move_ids:
            self.env["tal.invoice.transfer.scope"]._reopen(move_ids)
        return unlink(documents.with_context(**{KEEP_INVOICE_FILES: True}))

    @api.model
    def _tal_transfer_write_documents(self, documents, vals, write):
        """Write `vals` on `documents` through `write(vals)`, keeping on their
        invoices the files a new version replaces.

        Documents keeps a replaced file as a version of its document, moved
        off the record it belonged to: an invoice's legal file would leave the
        invoice for whoever may edit the document. It goes back to its
        invoice, still a version of the document, which the transfer counts.
        """
        if "attachment_id" not in vals:
            return write(vals)
        owners = documents.sudo().attachment_id._tal_transfer_owners()
        result = write(vals)
        for attachment in self.sudo().browse(list(owners)).exists():
            move_id = owners[attachment.id]
            if (attachment.res_model, attachment.res_id) != ("account.move", move_id):
                attachment.write({"res_model": "account.move", "res_id": move_id})
        return result
