# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The trash of the ``documents.document`` stand-in (see
documents_document.py), in a mixin of its own to keep each file short.
Enterprise has all of it in ``documents.document`` itself.

Mirrored behaviour, the same in 18.0 and 19.0 unless a line says otherwise:

* ``action_archive`` (Move to Trash) trashes the documents and everything
  inside them, after checking the right to delete them, that the user owns
  them or edits their folder, and that no company uses a trashed folder
  (the accounting folder...); it logs a note on each trashed document;
* ``action_unarchive`` (Restore) refuses documents inside a trashed folder
  (the folder must be restored), restores the documents and their trashed
  content, and logs a note on each restored document;
* writing ``active`` directly is refused when it would leave a restored
  document in a trashed folder;
* 19.0 only: restoring documents posts a message on each folder that holds
  them, as the current user (18.0 posts nothing on the folder).

Not reproduced, though both series do it (the tests of tal_invoice_transfer
do not expect it yet; see issue 24):

* ``action_archive`` and ``action_unarchive`` drop ``sudo()``: Enterprise
  checks the rights of the user behind a sudo environment (as the
  superuser, OdooBot's: a company OdooBot does not belong to is refused);
  the stand-in checks those of the environment it is called with;
* writing ``active=False`` on a folder with live content is refused
  (``action_archive`` must be used);
* 19.0 posts on the folder when documents are trashed as well, as the
  current user (who must read the folder).
"""

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import compat


class DocumentsStandinTrashMixin(models.AbstractModel):
    _name = "documents.standin.trash.mixin"
    _description = "Documents Stand-in: Trash"

    def action_archive(self):
        if not self:
            return
        trashed = (
            self.sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", self.ids)])
            .filtered("active")
            .with_env(self.env)
        )
        if not trashed:
            return
        try:
            # The trash deletes them after the delay.
            trashed.check_access("unlink")
        except UserError as error:
            raise AccessError(
                self.env._("You may not delete these documents.")
            ) from error
        trashed._standin_check_trash_rights()
        trashed._standin_check_used_folders()
        until = fields.Date.today() + relativedelta(days=self.get_deletion_delay())
        note = self.env._(
            "Moved to the trash; deleted for good on %(date)s.",
            date=fields.Date.to_string(until),
        )
        trashed._message_log_batch(bodies=dict.fromkeys(trashed.ids, note))
        return super(DocumentsStandinTrashMixin, trashed).action_archive()

    def action_unarchive(self):
        archived = self.filtered(lambda d: not d.active)
        if not archived:
            return
        blocking = (
            self.env["documents.document"]
            .sudo()
            .search(
                [
                    ("id", "parent_of", archived.ids),
                    ("id", "not in", archived.ids),
                    ("active", "=", False),
                    "|",
                    ("folder_id", "=", False),
                    ("folder_id.active", "=", True),
                ]
            )
        )
        if blocking:
            raise UserError(
                self.env._(
                    "These documents are in an archived folder: restore the "
                    "folder instead: %(folders)s",
                    folders=", ".join(blocking.sudo(False).mapped("display_name")),
                )
            )
        # Their trashed content comes back with them (what the user can see).
        candidates = self.with_context(active_test=False).search(
            [("id", "child_of", archived.ids)]
        )
        restorable = {}

        def can_restore(document):
            if document.id not in restorable:
                folder = document.folder_id
                restorable[document.id] = (
                    not folder
                    or folder.sudo().active
                    or (folder in candidates and can_restore(folder))
                )
            return restorable[document.id]

        restored = candidates.filtered(can_restore)
        note = self.env._("Restored from the trash.")
        restored._message_log_batch(bodies=dict.fromkeys(restored.ids, note))
        return super(DocumentsStandinTrashMixin, restored).action_unarchive()

    def _standin_check_trash_rights(self):
        """Only the owner, or whoever edits the folder, trashes a document
        (the stand-in lets sudo() through, see the module's docstring)."""
        if self.env.su:
            return
        unowned = self.filtered(lambda d: d.active and d.owner_id != self.env.user)
        if any(folder.user_permission != "edit" for folder in unowned.folder_id):
            raise UserError(
                self.env._("You may not move these documents to the trash.")
            )

    def _standin_check_used_folders(self):
        folder_ids = self.filtered(lambda d: d.type == "folder").ids
        if folder_ids and self.env["res.company"].sudo().search_count(
            self.env["res.company"]._standin_used_folders_domain(folder_ids), limit=1
        ):
            raise ValidationError(
                self.env._("Folders used by other applications cannot be deleted.")
            )

    def _standin_active_before_write(self, vals):
        """{False: documents being restored, True: others} of a write."""
        if "active" not in vals:
            return {}
        return self.grouped("active")

    def _standin_active_after_write(self, vals, before):
        if "active" not in vals:
            return
        Documents = self.env["documents.document"].sudo()
        if not vals["active"]:
            return
        if Documents.search(
            [("id", "parent_of", self.ids), ("active", "=", False)], limit=1
        ):
            raise UserError(
                self.env._(
                    "These documents are in an archived folder: restore the "
                    "folder instead (action_unarchive, Restore)."
                )
            )
        changed = before.get(False, self.browse())
        if compat.IS_18:
            # 18.0 posts nothing on the folder (only action_archive and
            # action_unarchive log a note on each document).
            return
        # 19.0: a message on each folder, posted as the current user, on the
        # user's own rights unless the user owns one of the documents.
        for folder, documents in (
            changed.filtered("folder_id").grouped("folder_id").items()
        ):
            names = ", ".join(documents.mapped("name"))
            folder.sudo(self.env.user in documents.owner_id).message_post(
                body=self.env._("Restored from the trash: %(names)s", names=names)
            )
