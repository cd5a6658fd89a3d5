# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..models.tal_transfer_target import TARGET_PARAM
from .common import (
    TalCommittedDmsInvoiceCase,
    TalUserRequestMixin,
)


@tagged("post_install", "-at_install")
class TestReviewFindings6Concurrency(TalCommittedDmsInvoiceCase):
    """Sixth adversarial review: a user's transaction against a worker's."""

    committed_files = ("invoice.pdf", "draft.pdf")

    def setUp(self):
        super().setUp()
        self.kept_id, self.deleted_id = self.attachment_ids

    def test_a_file_deleted_while_a_worker_holds_its_invoice_is_no_deadlock(self):
        """A user deletes a file of the invoice a worker is transferring. The
        user's transaction must wait for the worker's invoice, then retry (a
        serialization failure Odoo retries). It deleted the file first, then
        waited for the invoice to reopen it, while the worker waited for the
        deleted file to link it: a deadlock (1 s stalled, 'deadlock detected'
        in PostgreSQL's log, one of the two transactions aborted)."""
        worker, outcome, failures = self._user_request_during_transfer(
            lambda user: user["ir.attachment"].browse(self.deleted_id).unlink()
        )
        self.assertNotIn("DeadlockDetected", failures)
        self.assertEqual(dict(outcome), {"done": 1})

        # The next run files what is left: the kept file, once.
        invoice = self._transfer_again(worker)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_document_count, 1)
        files = (
            worker["dms.file"]
            .with_context(active_test=False)
            .search([("directory_id.res_id", "=", self.invoice_id)])
        )
        self.assertEqual(files.attachment_id.ids, [self.kept_id])

    def test_an_empty_invoice_folder_deleted_while_its_worker_files_into_it(self):
        """A DMS user deletes an invoice's folder, still empty (a batch made
        it, or an earlier try), while the worker that holds the invoice files
        into it. The user's deletion must wait for the worker, then be retried
        (a serialization failure, which Odoo retries) and delete the folder
        with what the worker put in it. The worker held the folder with FOR
        KEY SHARE: once it committed, the deletion met the new file and
        failed on its foreign key, an error Odoo does not retry: the user was
        told the folder could not be deleted."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            dms = env["tal.transfer.target.dms"]
            invoice = env["account.move"].browse(self.invoice_id)
            root = dms._tal_folder(invoice.company_id)
            folder, _made = dms._tal_invoice_directory(invoice, root)
            folder_id = folder.id
        worker, outcome, failures = self._user_request_during_transfer(
            lambda user: user["dms.directory"].browse(folder_id).unlink(),
            type(self.env["tal.transfer.target.dms"]),
            "_tal_invoice_directory",
            lambda directory_made: directory_made[0].id == folder_id,
        )
        self.assertEqual(dict(outcome), {"done": 1})
        self.assertEqual(failures, ["SerializationFailure"], "retried once")
        self.assertFalse(worker["dms.directory"].browse(folder_id).exists())

        # The invoice, reopened by the deletion, is filed again: each file once.
        invoice = worker["account.move"].browse(self.invoice_id)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.tal_transfer_state, "pending")
        invoice = self._transfer_again(worker)
        self.assertEqual(invoice.tal_transfer_state, "done")
        files = (
            worker["dms.file"]
            .with_context(active_test=False)
            .search([("attachment_id.res_id", "=", self.invoice_id)])
        )
        self.assertEqual(
            sorted(files.attachment_id.ids), [self.kept_id, self.deleted_id]
        )

    def test_a_month_folder_deleted_by_a_request_begun_before_a_batch_filled_it(
        self,
    ):
        """A DMS user's request deletes a month folder; a worker's batch
        preparation made invoice folders in it after the request began (its
        snapshot). The deletion must fail with a serialization error, which
        Odoo retries, and then delete the new folders too. The batch held the
        month FOR KEY SHARE only: the deletion failed on its foreign key, an
        error Odoo does not retry (the user was told another record needs the
        folder). Seen on real servers: 2 of about 60 deletions of a month,
        year or journal folder during a run of 4 workers."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            dms = env["tal.transfer.target.dms"]
            invoice = env["account.move"].browse(self.invoice_id)
            root = dms._tal_folder(invoice.company_id)
            month_id = dms._tal_month_directory(invoice, root).id
        user = self._new_env()
        # The user's request reads the folder: its snapshot is taken now.
        self.assertTrue(user["dms.directory"].browse(month_id).name)
        worker = self._new_env()
        worker["tal.transfer.target.dms"]._tal_prepare([self.invoice_id])
        prepared = worker["dms.directory"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", self.invoice_id)]
        )
        self.assertEqual(prepared.parent_id.id, month_id, "committed by the batch")
        worker.cr.rollback()

        failures = self._user_request_now(
            lambda user: user["dms.directory"].browse(month_id).unlink(), user
        )
        self.assertEqual(failures, ["SerializationFailure"], "retried once")
        self.assertFalse(worker["dms.directory"].browse(month_id).exists())
        outcome = worker["tal.invoice.transfer"]._run(move_ids=[self.invoice_id])
        # A cursor of its own: the end of the worker's job.
        worker.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(dict(outcome), {"done": 1})


@tagged("post_install", "-at_install")
class TestReviewFindings6Documents(TalUserRequestMixin, TransactionCase):
    """Sixth adversarial review, Documents: a user's deletion against a
    worker, on committed rows removed after the test."""

    def setUp(self):
        super().setUp()
        if "documents.document" not in self.env:
            self.skipTest("Documents (or its stand-in) is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            icp = env["ir.config_parameter"]
            saved = (company.tal_transfer_folder_ref, icp.get_param(TARGET_PARAM))
            folder = env["documents.document"].create(
                {
                    "name": "Review 6",
                    "type": "folder",
                    "access_internal": "edit",
                    "company_id": company.id,
                }
            )
            company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
            icp.set_param(TARGET_PARAM, "documents")
            invoice, (filed, _late) = self._invoice_with_files(
                env, ("invoice.pdf", "late.pdf")
            )
            invoice.action_post()
            # Filed earlier, then a user cleared its contact: the next
            # transfer of the invoice completes it (a write on the document).
            document = env["documents.document"].create(
                {"attachment_id": filed.id, "folder_id": folder.id, "partner_id": False}
            )
            self.assertEqual(invoice.tal_transfer_state, "pending")
            self.invoice_id, self.folder_id = invoice.id, folder.id
            self.document_id, self.filed_id = document.id, filed.id
        self.addCleanup(self._remove_committed_data, saved)

    def _remove_committed_data(self, saved):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            documents = env["documents.document"].with_context(active_test=False)
            attachments = env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
            )
            documents.search([("attachment_id", "in", attachments.ids)]).unlink()
            attachments.exists().unlink()
            documents.browse(self.folder_id).unlink()
            invoice.button_draft()
            invoice.posted_before = False
            invoice.with_context(force_delete=True).unlink()
            env.company.tal_transfer_folder_ref = saved[0]
            env["ir.config_parameter"].set_param(TARGET_PARAM, saved[1] or False)

    def test_a_document_deleted_while_a_worker_completes_it_is_no_deadlock(self):
        """A user deletes an invoice's document while the worker that holds
        the invoice completes that document (its contact). The deletion must
        wait for the invoice, then be retried. It deleted the document first,
        then waited for the invoice to reopen it, while the worker waited for
        the deleted document: a deadlock."""
        worker, outcome, failures = self._user_request_during_transfer(
            lambda user: user["documents.document"].browse(self.document_id).unlink()
        )
        self.assertNotIn("DeadlockDetected", failures)
        self.assertEqual(dict(outcome), {"done": 1})

        # The next run files the invoice's file again: each file once.
        invoice = self._transfer_again(worker)
        self.assertEqual(invoice.tal_transfer_state, "done")
        documents = (
            worker["documents.document"]
            .with_context(active_test=False)
            .search([("res_model", "=", "account.move"), ("res_id", "=", invoice.id)])
        )
        self.assertEqual(len(documents), 2)
        self.assertNotIn(self.document_id, documents.ids)
