# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from contextlib import ExitStack
from unittest.mock import patch

from odoo.service.model import retrying
from odoo.tests import tagged

from .common import PATIENCE, TalCommittedDmsInvoiceCase


@tagged("post_install", "-at_install")
class TestConcurrentUpload(TalCommittedDmsInvoiceCase):
    """A file attached while a worker holds its invoice is transferred too.

    The upload runs through `odoo.service.model.retrying`, the loop Odoo's
    HTTP layer wraps each request in.
    """

    def _upload_in_thread(self, name):
        """A thread that uploads `name` onto the invoice as a request would.

        Returns the thread (not started), the uploader's backend pid, and the
        list of errors the thread met.
        """
        env = self._new_env()
        env.cr.execute("SELECT pg_backend_pid()")
        pid = env.cr.fetchone()[0]
        env.cr.rollback()
        errors = []

        def upload():
            try:
                retrying(lambda: self._attach(env, self.invoice_id, name), env)
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        return threading.Thread(target=upload, daemon=True), pid, errors

    def _upload_while_held(self, work):
        """Run `work(env)` in a worker transaction; once the worker has locked
        the invoice, another transaction uploads late.pdf onto it.

        Returns whether the upload had to wait for the worker.
        """
        thread, pid, errors = self._upload_in_thread("late.pdf")
        worker = self._new_env(uid=self.env.ref("base.user_admin").id)
        with ExitStack() as stack:
            waited = stack.enter_context(
                self._user_waits_in(
                    thread,
                    pid,
                    type(self.env["tal.invoice.transfer"]),
                    "_lock",
                    lambda move: move and move.id == self.invoice_id,
                )
            )
            stack.enter_context(
                patch.object(
                    type(self.env["account.move"]), "_can_commit", return_value=True
                )
            )
            try:
                work(worker)
                # A cursor of its own: the end of the request or of the job.
                worker.cr.commit()  # pylint: disable=invalid-commit
            finally:
                worker.cr.rollback()  # releases the invoice if `work` failed
            thread.join(PATIENCE)
        self.assertFalse(thread.is_alive(), "the upload never ended")
        self.assertEqual(errors, [], "the upload must succeed, after a retry")
        self.assertEqual(len(waited), 1, "the worker locked the invoice")
        return waited[0]

    def _next_scheduled_run(self):
        env = self._new_env()
        with patch.object(
            type(self.env["account.move"]), "_can_commit", return_value=True
        ):
            env["tal.invoice.transfer"]._cron_transfer()
        # A cursor of its own: the end of the scheduled job.
        env.cr.commit()  # pylint: disable=invalid-commit

    def _assert_every_file_transferred_once(self):
        env = self._new_env()
        invoice = env["account.move"].browse(self.invoice_id)
        attachments = env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(
            sorted(attachments.mapped("name")), ["invoice.pdf", "late.pdf"]
        )
        files = (
            env["dms.file"]
            .with_context(active_test=False)
            .search([("attachment_id", "in", attachments.ids)])
        )
        self.assertEqual(files.attachment_id, attachments, "each file transferred")
        self.assertEqual(len(files), 2, "each file exactly once")
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_document_count, 2)

    def _state(self):
        env = self._new_env()
        return env["account.move"].browse(self.invoice_id).tal_transfer_state

    def test_upload_during_a_scheduled_run_is_transferred_by_the_next(self):
        waited = self._upload_while_held(
            lambda env: env["tal.invoice.transfer"]._cron_transfer()
        )

        state_after_upload = self._state()
        self._next_scheduled_run()

        self._assert_every_file_transferred_once()
        self.assertEqual(
            state_after_upload, "pending", "the retried upload reopened it"
        )
        self.assertTrue(waited, "the upload waited for the worker's invoice")

    def test_upload_during_transfer_now_is_transferred_by_the_next_run(self):
        waited = self._upload_while_held(
            lambda env: env["account.move"]
            .browse(self.invoice_id)
            .action_tal_transfer_now()
        )

        state_after_upload = self._state()
        self._next_scheduled_run()

        self._assert_every_file_transferred_once()
        self.assertEqual(
            state_after_upload, "pending", "the retried upload reopened it"
        )
        self.assertTrue(waited, "the upload waited for the worker's invoice")

    def test_upload_committed_after_transfer_now_began_leaves_it_to_the_next_run(
        self,
    ):
        worker = self._new_env(uid=self.env.ref("base.user_admin").id)
        invoice = worker["account.move"].browse(self.invoice_id)
        # The request reads the invoice: its snapshot is taken now.
        self.assertEqual(invoice.tal_transfer_state, "pending")
        uploader = self._new_env()
        self._attach(uploader, self.invoice_id, "late.pdf")
        # A cursor of its own: the upload's request ends (no lock is held
        # yet, so nothing waits for it).
        uploader.cr.commit()  # pylint: disable=invalid-commit

        invoice.action_tal_transfer_now()
        # A cursor of its own: the end of the Transfer Now request.
        worker.cr.commit()  # pylint: disable=invalid-commit

        state_after_request = self._state()
        self._next_scheduled_run()

        self._assert_every_file_transferred_once()
        self.assertEqual(state_after_request, "pending", "left to the next run")


@tagged("post_install", "-at_install")
class TestConcurrentFileDeletion(TalCommittedDmsInvoiceCase):
    """A file deleted while a worker holds its invoice: the user's deletion
    waits for the worker, and the next run files what is left."""

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
