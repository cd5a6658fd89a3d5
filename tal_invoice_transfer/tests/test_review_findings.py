# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, freeze_time, tagged

from .common import PATIENCE, TalTransferCommon, wait_for_lock
from .test_transfer_scheduler import TestTransferScheduler


@tagged("post_install", "-at_install")
class TestReviewFindings(TalTransferCommon):
    """Defects found by an adversarial review, reproduced as a plain user."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = cls._billing_user("tal_review_billing")

    def test_user_defaults_do_not_set_the_transfer_fields(self):
        """Any user may store defaults for themselves (ir.default, as the
        form's "Set Default" does): they must not reach the transfer's own
        fields, or a billing user takes their invoices out of the transfer
        and makes the run history count invoices that were never moved."""
        run = (
            self.env["tal.invoice.transfer.run"]
            .sudo()
            .create({"date_start": "2026-01-01 00:00:00", "trigger": "manual"})
        )
        defaults = self.env["ir.default"].with_user(self.billing_user)
        defaults.set("account.move", "tal_transfer_state", "done", user_id=True)
        defaults.set("account.move", "tal_transfer_run_id", run.id, user_id=True)
        defaults.set(
            "account.move", "tal_transfer_document_ref", "dms.file,1", user_id=True
        )
        invoice = (
            self.env["account.move"]
            .with_user(self.billing_user)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        (0, 0, {"name": "Service", "price_unit": 100.0})
                    ],
                }
            )
        )
        self._attach(invoice.sudo())
        invoice.action_post()
        self.assertFalse(invoice.tal_transfer_run_id)
        self.assertFalse(invoice.tal_transfer_document_ref)
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 1)


@tagged("post_install", "-at_install")
class TestReviewTwinFolders(TransactionCase):
    """Two workers that reach a missing journal, year or month folder at once
    must end with one folder, as a second worker on an empty tree does
    (issue 13, point 1; seen again over RPC with two cron threads)."""

    def setUp(self):
        super().setUp()
        if "dms.file" not in self.env:
            self.skipTest("dms is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            storage = env["dms.storage"].create(
                {"name": "Review twins", "save_type": "attachment"}
            )
            root = env["dms.directory"].create(
                {
                    "name": "Review twins",
                    "is_root_directory": True,
                    "storage_id": storage.id,
                    "model_id": env["ir.model"]._get_id("account.move"),
                }
            )
            self.storage_id, self.root_id = storage.id, root.id
            self.journal_id = env["account.journal"].search([], limit=1).id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            storage = env["dms.storage"].browse(self.storage_id)
            storage.root_directory_ids.unlink()
            storage.unlink()

    def _worker_env(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _child(self, env):
        target = env["tal.transfer.target.dms"]
        root = env["dms.directory"].browse(self.root_id)
        journal = env["account.journal"].browse(self.journal_id)
        return target._tal_child_directory(root, "2026", journal)

    def test_two_workers_make_one_folder(self):
        first, second = self._worker_env(), self._worker_env()
        # The second worker is in the middle of its transaction already (it
        # locked its invoice): its snapshot predates the first one's folder.
        second.cr.execute("SELECT count(*) FROM dms_directory")
        second.cr.execute("SELECT pg_backend_pid()")
        pid = second.cr.fetchone()[0]
        self._child(first)
        errors = []

        def work():
            try:
                self._child(second)
            except Exception as error:  # noqa: BLE001 - a retry is allowed
                errors.append(error)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        wait_for_lock(self.registry, thread, pid)
        # A cursor of its own: the first worker's invoice ends, which lets the
        # waiting second worker go on.
        first.cr.commit()  # pylint: disable=invalid-commit
        thread.join(PATIENCE)
        self.assertFalse(thread.is_alive(), "the second worker never ended")
        if errors:
            # The engine retries an invoice that met concurrent work.
            second.cr.rollback()
            self._child(second)
        # A cursor of its own: the second worker's invoice ends.
        second.cr.commit()  # pylint: disable=invalid-commit
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT count(*) FROM dms_directory WHERE parent_id = %s AND name = %s",
                [self.root_id, "2026"],
            )
            self.assertEqual(cr.fetchone()[0], 1, "twin folders under one parent")


@tagged("post_install", "-at_install")
class TestReviewCrashLoop(TalTransferCommon):
    """A server killed in a loop: the backlog must not wait an hour."""

    target = "dms"

    _job = TestTransferScheduler._job
    _process_job = TestTransferScheduler._process_job
    _kill_bookkeeping = TestTransferScheduler._kill_bookkeeping
    _next_call = TestTransferScheduler._next_call
    _cron = TestTransferScheduler._cron

    def _take_for_timed_out(self, at):
        """The scheduler's next job after three progress-less kills."""
        with (
            freeze_time(at),
            self.assertLogs("odoo.addons.base.models.ir_cron", "ERROR"),
        ):
            self._process_job(self._cron)

    def _assert_rescued(self, at, invoices):
        """The action comes back within minutes and does the backlog."""
        self.assertTrue(self._cron.active)
        self.assertLessEqual(
            self._next_call(self._cron),
            at + timedelta(minutes=3),
            "the backlog waits an hour after a crash loop",
        )
        with freeze_time(at + timedelta(minutes=3)):
            self._process_job(self._cron)
        self.assertEqual(
            [m.tal_transfer_state for m in invoices], ["done"] * len(invoices)
        )

    def _kill_right_after_the_progress_record(self, at):
        with freeze_time(at):
            for _ in range(3):
                self._process_job(self._cron, kill_at_start=True)
        self._kill_bookkeeping(self._cron)

    def test_timeout_after_the_rescue_trigger_came_due_is_rescued(self):
        """Seen over a real server (2 cron threads, 12 SIGKILLs within the
        first seconds of each job): the action's first job made the rescue
        trigger, the next ones saw it waiting and made none, and when it came
        due the scheduler took the next job for a timed out one, deleted the
        due trigger and moved the next call an hour away, with 536 invoices
        pending."""
        invoices = [self._make_invoice() for _ in range(2)]
        start = fields.Datetime.now()
        self._cron.nextcall = start
        with freeze_time(start):
            self._process_job(self._cron, kill_after=0)  # makes the rescue
        # Restarts of a few seconds each, every job killed before its first
        # invoice; the last one starts 110 s after the first.
        with freeze_time(start + timedelta(seconds=110)):
            self._process_job(self._cron, kill_after=0)
        self._kill_bookkeeping(self._cron)
        # 15 s later the server is up again: the scheduler's timeout rule.
        later = start + timedelta(seconds=125)
        self._take_for_timed_out(later)
        self._assert_rescued(later, invoices)

    def test_jobs_killed_before_the_engine_ran_are_rescued(self):
        """Seen over a real server (e2e crash_loop, kill plan "progress row"):
        the server was killed three times right after the scheduler committed
        the job's progress record, before the engine's first commit could
        leave anything. The scheduler then took the job for a timed out one
        and moved its next call an hour away, with invoices pending."""
        invoices = [self._make_invoice() for _ in range(2)]
        start = fields.Datetime.now()
        self._cron.nextcall = start
        self._kill_right_after_the_progress_record(start)
        self.assertFalse(
            self.env["ir.cron.trigger"]
            .search([("cron_id", "=", self._cron.id)])
            .filtered(lambda trigger: trigger.call_at > start),
            "the kills left no trigger: only the scheduler can bring it back",
        )
        later = start + timedelta(seconds=20)
        self._take_for_timed_out(later)
        self.assertEqual(self._cron.failure_count, 1)
        self._assert_rescued(later, invoices)
        self.assertEqual(self._cron.failure_count, 0)

    def test_a_timeout_with_nothing_pending_keeps_the_interval(self):
        """The rescue is for a backlog: an idle action keeps Odoo's rule."""
        start = fields.Datetime.now()
        self._cron.nextcall = start
        self._kill_right_after_the_progress_record(start)
        self._take_for_timed_out(start)
        self.assertGreater(self._next_call(self._cron), start + timedelta(minutes=30))

    def test_an_action_that_raises_is_not_retried_every_two_minutes(self):
        """A code error is no crash: Odoo's hourly retry and its failure count
        stay, or a broken action would fill the log every two minutes."""
        self._make_invoice()
        start = fields.Datetime.now()
        self._cron.nextcall = start

        def broken(model, *args, **kwargs):
            raise ValueError("broken")

        with (
            freeze_time(start),
            patch.object(type(self.Transfer), "_cron_transfer", broken),
            self.assertLogs("odoo.addons.base.models.ir_cron", "ERROR"),
        ):
            self._process_job(self._cron)
        self.assertEqual(self._cron.failure_count, 1)
        self.assertGreater(self._next_call(self._cron), start + timedelta(minutes=30))


@tagged("post_install", "-at_install")
class TestReviewWorkersSetting(TalTransferCommon):
    target = "dms"

    def test_an_absurd_number_of_workers_is_refused(self):
        """10000 parallel workers was saved silently and would make 9999
        scheduled actions, each waiting for a cron thread (Odoo has 2 by
        default): a typo must get a clear error instead."""
        crons_before = self.env["ir.cron"].search_count([])
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create(
                {"tal_transfer_parallel_workers": 10000}
            ).execute()
        self.assertEqual(self.env["ir.cron"].search_count([]), crons_before)
