# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import Command, api, models
from odoo.tools.translate import LazyTranslate

from ..exceptions import TransferError
from .tal_transfer_target import MAIL_QUIET_CONTEXT

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)


class TalTransferTargetDocuments(models.AbstractModel):
    """Odoo Documents (Enterprise `documents`): one document per attachment.

    The document links the invoice's own attachment: the attachment stays on
    the invoice. `res_model`/`res_id` are never written on a document, since
    that moves the attachment away from the invoice.
    """

    _name = "tal.transfer.target.documents"
    _inherit = "tal.transfer.target"
    _description = "Invoice Files Transfer to Documents"

    _tal_target_key = "documents"
    _tal_document_model = "documents.document"
    _tal_folder_model = "documents.document"

    @api.model
    def _tal_target_name(self):
        return self.env._("Documents")

    @api.model
    def _tal_folder_label(self):
        return self.env._("Documents folder")

    @api.model
    def _tal_folder_fields(self):
        return [*super()._tal_folder_fields(), "type"]

    @api.model
    def _tal_check_folder(self, folder, company):
        if folder.type != "folder":
            raise TransferError(
                _lt(
                    "'%(name)s' set for company %(company)s is a file, not a "
                    "Documents folder: choose a folder.",
                    name=folder.display_name,
                    company=company.name,
                ),
                kind="settings",
            )

    @api.model
    def _tal_transfer(self, move, attachments):
        company = move.company_id
        folder = self._tal_folder(company)
        tags = self._tal_tags(company, "documents.tag")
        self._tal_check_files(attachments)
        documents = (
            self.env["documents.document"]
            .sudo()
            .with_company(company)
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
        )
        # One document per attachment (a database constraint): reuse any,
        # archived ones included.
        existing = documents.search([("attachment_id", "in", attachments.ids)])
        trashed = existing.filtered(lambda document: not document.active)
        if trashed:
            # The trash deletes a document with its attachment after a delay:
            # the invoice's file would be lost.
            _logger.info(
                "Invoice %s: restoring %s trashed document(s) of its files",
                move.name,
                len(trashed),
            )
            trashed.write({"active": True})
        new_attachments = attachments - existing.attachment_id
        created = documents.create(
            [
                {
                    "attachment_id": attachment.id,
                    "name": attachment.name,
                    "folder_id": folder.id,
                    "tag_ids": [Command.set(tags.ids)],
                    "partner_id": move.partner_id.id,
                    # Owned by the company, not by whoever ran the transfer.
                    "owner_id": False,
                    "company_id": company.id,
                }
                for attachment in new_attachments
            ]
        )
        return existing | created

    @api.model
    def _tal_rename_documents(self, attachments):
        """Give the documents of `attachments` their attachment's new name
        (Documents names a document after its file only when it is created)."""
        documents = (
            self.env["documents.document"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
            .search([("attachment_id", "in", attachments.ids)])
        )
        for document in documents:
            if document.name != document.attachment_id.name:
                document.name = document.attachment_id.name
