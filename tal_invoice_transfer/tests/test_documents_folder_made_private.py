# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from .. import compat
from ..models.tal_transfer_target import TalTransferTarget
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestDocumentsFolderMadePrivate(TalTransferCommon):
    """The company's folder made private by someone while a batch runs: the
    batch's next invoices see it (the database's committed state, not what
    the batch read for its first invoice) and fail with the settings error."""

    target = "documents"

    def test_the_next_invoices_of_the_batch_fail_on_it(self):
        first = self._make_invoice()
        second = self._make_invoice()
        self.folder.sudo().access_internal = "edit"
        self.env.flush_all()
        folder_of = TalTransferTarget._tal_folder
        folder_id = self.folder.id
        seen = []

        def made_private_after_the_first(target, company):
            if seen:
                # Another user's transaction, committed meanwhile: the
                # batch's cache does not know of it.
                target.env.flush_all()
                target.env.cr.execute(
                    "UPDATE documents_document SET access_internal = 'none',"
                    " owner_id = %s WHERE id = %s",
                    [compat.documents_company_owner(target.env) or None, folder_id],
                )
                target.env.cr.execute(
                    "DELETE FROM documents_access WHERE document_id = %s",
                    [folder_id],
                )
            seen.append(company.id)
            return folder_of(target, company)

        with (
            self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"),
            patch.object(
                TalTransferTarget,
                "_tal_folder",
                autospec=True,
                side_effect=made_private_after_the_first,
            ),
        ):
            self.Transfer._run(move_ids=(first | second).ids)

        self.assertEqual(len(seen), 2, "one batch, the folder checked per invoice")
        self.assertEqual(first.tal_transfer_state, "done")
        self.assertEqual(second.tal_transfer_state, "failed")
        self.assertEqual(second.tal_transfer_error_kind, "settings")
        self.assertIn("No accounting user", second.tal_transfer_error)
        self.assertFalse(self._documents_of(self._files_of(second)))
