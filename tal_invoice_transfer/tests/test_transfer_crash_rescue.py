# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import TalTransferCommon
from .test_transfer_scheduler import TestTransferScheduler


@tagged("post_install", "-at_install")
class TestTransferCrashRescue(TalTransferCommon):
    """A server killed in a loop: the backlog must not wait an hour.

    The jobs run, and are killed, with TestTransferScheduler's steps.
    """

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
