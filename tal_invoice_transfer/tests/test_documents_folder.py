# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .. import compat
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestDocumentsFolder(TalTransferCommon):
    """Folders Documents would accept but nobody in accounting could use, and
    documents it refuses to take out of the trash: a settings error each."""

    target = "documents"

    def _run_failing(self):
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

    def assertSettingsError(self, invoice, text):
        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertEqual(invoice.tal_transfer_error_kind, "settings")
        self.assertIn(text, invoice.tal_transfer_error)
        self.assertFalse(self._documents_of(self._files_of(invoice)).filtered("active"))

    def test_a_shortcut_is_refused_as_the_folder(self):
        invoice = self._make_invoice()
        shortcut = (
            self.env["documents.document"]
            .sudo()
            .create(
                {
                    "name": "Invoices (shortcut)",
                    "type": "folder",
                    "shortcut_document_id": self.folder.id,
                    "company_id": self.env.company.id,
                }
            )
        )
        self.env.company.tal_transfer_folder_ref = f"documents.document,{shortcut.id}"

        self._run_failing()

        self.assertSettingsError(invoice, "is a shortcut to")
        self.assertIn(self.folder.name, invoice.tal_transfer_error)

    def test_a_folder_no_accountant_can_see_is_refused(self):
        invoice = self._make_invoice()
        private = (
            self.env["documents.document"]
            .sudo()
            .create(
                {
                    "name": "Private",
                    "type": "folder",
                    "owner_id": compat.documents_company_owner(self.env),
                    "access_internal": "none",
                    "company_id": self.env.company.id,
                }
            )
        )
        self.env.company.tal_transfer_folder_ref = f"documents.document,{private.id}"
        clerk = new_test_user(self.env, login="tal_clerk", groups="base.group_user")
        accountant = self.env.user
        private.access_ids = [
            Command.create({"partner_id": clerk.partner_id.id, "role": "edit"}),
            Command.create(
                {
                    "partner_id": accountant.partner_id.id,
                    "role": "view",
                    "expiration_date": fields.Datetime.now() - timedelta(days=1),
                }
            ),
        ]

        self._run_failing()

        # A member who is no accounting user, an expired one: nobody.
        self.assertSettingsError(invoice, "No accounting user could see")
        self.assertIn("Private", invoice.tal_transfer_error)

        private.access_ids.filtered(
            lambda a: a.partner_id == accountant.partner_id
        ).expiration_date = False
        self.Transfer._run(move_ids=invoice.ids, states=("failed",))

        self.assertEqual(invoice.tal_transfer_state, "done")
        document = self._documents_of(self._files_of(invoice))
        self.assertEqual(document.with_user(accountant).user_permission, "view")

    def test_a_trashed_document_in_an_archived_folder_is_a_settings_error(self):
        invoice = self._make_invoice()
        attachment = self._files_of(invoice)
        Documents = self.env["documents.document"].sudo()
        old_year = Documents.create(
            {"name": "2025", "type": "folder", "access_internal": "edit"}
        )
        trashed = Documents.create(
            {"attachment_id": attachment.id, "folder_id": old_year.id}
        )
        trashed.active = False
        old_year.active = False

        self._run_failing()

        self.assertSettingsError(invoice, "inside the trashed folders")
        self.assertIn("2025", invoice.tal_transfer_error)
        self.assertEqual(self._documents_of(attachment), trashed)
        self.assertFalse(trashed.active)

    def test_a_restore_documents_refuses_to_the_user_is_a_settings_error(self):
        if not compat.V19:
            self.skipTest(
                "18.0's Documents posts nothing on the folder of a restored "
                "document: it refuses no restore to a user who cannot read it"
            )
        invoice = self._make_invoice()
        attachment = self._files_of(invoice)
        owner = new_test_user(
            self.env, login="tal_private_owner", groups="base.group_user"
        )
        Documents = self.env["documents.document"].sudo()
        private = Documents.create(
            {"name": "Private", "type": "folder", "owner_id": owner.id}
        )
        trashed = Documents.create(
            {
                "attachment_id": attachment.id,
                "folder_id": private.id,
                "owner_id": owner.id,
            }
        )
        trashed.active = False

        # A restore posts on the folder as the user, who cannot read it.
        self._run_failing()

        self.assertSettingsError(invoice, "could not be restored")
        self.assertFalse(trashed.active)
