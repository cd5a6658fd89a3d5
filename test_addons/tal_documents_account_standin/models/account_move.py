# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, models

from odoo.addons.tal_documents_standin import compat


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        """Like documents_account: a new main file is filed, or takes the place
        of the previous main file in that file's document (which keeps the
        previous file as a version). Nothing is filed under `no_document`."""
        main_id = vals.get("message_main_attachment_id")
        Documents = self.env["documents.document"].sudo()
        to_file = self.browse()
        if main_id and not self.env.context.get("no_document"):
            for move in self.filtered(lambda m: m.move_type != "entry"):
                previous = move.message_main_attachment_id
                if previous.id == main_id:
                    continue
                document = previous and Documents.search(
                    [
                        "|",
                        ("attachment_id", "=", previous.id),
                        ("previous_attachment_ids", "in", previous.id),
                    ],
                    limit=1,
                )
                if document:
                    # Before the invoice changes: its old main file stays on it.
                    document.attachment_id = main_id
                else:
                    to_file |= move
        journal_changed = self.filtered(
            lambda m: "journal_id" in vals and m.journal_id.id != vals["journal_id"]
        )
        partner_changed = self.filtered(
            lambda m: "partner_id" in vals and m.partner_id.id != vals["partner_id"]
        )
        result = super().write(vals)
        for move in to_file | journal_changed:
            if move.message_main_attachment_id:
                move._update_or_create_document(move.message_main_attachment_id.id)
        for move in partner_changed.filtered("message_main_attachment_id"):
            document = Documents.search(
                [("attachment_id", "=", move.message_main_attachment_id.id)], limit=1
            )
            if document and document.partner_id != move.partner_id:
                document.partner_id = move.partner_id
        return result

    def _standin_first_file_is(self, attachment):
        """18.0 files an invoice's first file when it is attached: whether
        `attachment` is the only file of the invoice."""
        files = self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "=", self.id)], limit=2
        )
        return files == attachment

    def _update_or_create_document(self, attachment_id):
        """File an attachment of the invoice in its journal's folder: the
        document (created if missing; 19.0: restored if in the trash) gets the
        setting's folder and tags, the invoice's partner, and the invoice's
        creator as owner."""
        if not self.company_id.documents_account_settings:
            return
        setting = (
            self.env["documents.account.folder.setting"]
            .sudo()
            .search(
                [
                    ("journal_id", "=", self.journal_id.id),
                    ("company_id", "=", self.company_id.id),
                ],
                limit=1,
            )
        )
        if not setting:
            return
        Documents = self.env["documents.document"].sudo()
        if compat.IS_18:
            # 18.0 looks among live documents only: for a file whose document
            # is in the trash it creates a second document, which the
            # database refuses (one document per attachment). The owner is
            # the invoice's creator, OdooBot included.
            document = Documents.search(
                [("attachment_id", "=", attachment_id)], limit=1
            )
            vals = {"owner_id": self.create_uid.id}
        else:
            # 19.0 restores a trashed document; the owner is the invoice's
            # creator if active (none for OdooBot).
            document = Documents.with_context(active_test=False).search(
                [("attachment_id", "=", attachment_id)], limit=1
            )
            vals = {
                "active": True,
                "owner_id": self.create_uid.active and self.create_uid.id,
            }
        vals |= {
            "folder_id": setting.folder_id.id,
            "partner_id": self.partner_id.id or document.partner_id.id,
            "tag_ids": [Command.link(tag.id) for tag in setting.tag_ids],
        }
        if document:
            document.write(vals)
        else:
            Documents.create(
                {
                    **vals,
                    "attachment_id": attachment_id,
                    "company_id": self.company_id.id,
                }
            )
