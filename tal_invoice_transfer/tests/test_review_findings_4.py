# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.tests import tagged

from ..models.tal_invoice_transfer import MAX_TRANSIENT_ATTEMPTS
from .common import TalTransferCommon

DMS_TARGET = (
    "odoo.addons.tal_invoice_transfer.models.tal_transfer_target_dms"
    ".TalTransferTargetDms"
)


@tagged("post_install", "-at_install")
class TestReviewFindings4Dms(TalTransferCommon):
    """Fourth adversarial review: DMS users at work during a run."""

    target = "dms"

    def test_a_refiled_invoice_gets_all_its_retries_on_a_race(self):
        """An invoice filed again (a DMS user deleted its file, a new file was
        attached) meets a race on its new transfer: a user deletes its fresh
        DMS folder while a worker is on it. Measured on a real database: it
        failed at once, 'attempt 3 of 3', its earlier successful transfers
        counted as tries of this one."""
        invoice = self._make_invoice()
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self._documents_of(self._files_of(invoice)).unlink()
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self._attach(invoice, name="annex.pdf")
        self.assertEqual(invoice.tal_transfer_state, "pending")

        def folder_deleted_meanwhile(target, move, attachments):
            raise pg_errors.ForeignKeyViolation("dms_file_directory_id_fkey")

        with (
            patch(f"{DMS_TARGET}._tal_transfer", folder_deleted_meanwhile),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"),
        ):
            self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(
            invoice.tal_transfer_state, "pending", invoice.tal_transfer_error
        )
        self.assertIn(
            f"attempt 1 of {MAX_TRANSIENT_ATTEMPTS}", invoice.tal_transfer_error
        )
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 2)
