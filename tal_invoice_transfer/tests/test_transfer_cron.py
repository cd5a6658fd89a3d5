# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.tests import tagged

from .. import compat
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferCron(TalTransferCommon):
    """The scheduled action as the scheduler runs it, commits included.

    In registry test mode a new cursor's commit only releases a savepoint, so
    the per-invoice commits really run; core's commit guard is lifted for it.
    """

    target = "dms"

    def _run_scheduled_action(self):
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        job = {
            **cron.read(load=None)[0],
            "done": 0,
            "remaining": 0,
            "timed_out_counter": 0,
        }
        move_class = type(self.env["account.move"])
        with (
            self.enter_registry_test_mode(),
            patch.object(move_class, "_can_commit", return_value=True),
            patch.object(
                type(self.env["ir.cron"]),
                "_commit_progress",
                autospec=True,
                side_effect=type(self.env["ir.cron"])._commit_progress,
            ) as commit_progress,
            self.registry.cursor() as cron_cr,
        ):
            compat.process_cron_job(self.registry, cron_cr, job)
        self.env.invalidate_all()
        return cron, commit_progress

    def test_scheduled_action_commits_each_invoice_and_reports_progress(self):
        invoices = [self._make_invoice(files=("a.pdf", "b.pdf")) for _ in range(3)]
        no_files = self._make_invoice(files=())
        no_files._tal_transfer_write({"tal_transfer_state": "pending"})

        cron, commit_progress = self._run_scheduled_action()

        self.assertEqual([m.tal_transfer_state for m in invoices], ["done"] * 3)
        self.assertEqual(no_files.tal_transfer_state, "no_attachment")
        # Announces the backlog, reports the first invoice at once, then the
        # others every few seconds (here: at the end; the invoices themselves
        # are committed one by one, see the next test).
        processed = [
            call.kwargs.get("processed") for call in commit_progress.call_args_list
        ]
        self.assertEqual(processed, [None, 1, 3])
        self.assertEqual(commit_progress.call_args_list[0].kwargs["remaining"], 4)
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)])
        self.assertEqual(sum(progress.mapped("done")), 4)
        self.assertEqual(sum(progress.mapped("remaining")), 0)
        for invoice in invoices:
            self.assertEqual(len(self._documents_of(self._files_of(invoice))), 2)

    def test_scheduled_action_commits_after_each_invoice(self):
        invoices = [self._make_invoice() for _ in range(3)]
        commits = []

        cr = self.env.cr

        def commit():
            # What each commit would save: the invoices done so far.
            cr.execute(
                "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'done'"
            )
            commits.append(cr.fetchone()[0])

        def commit_progress(*args, **kwargs):
            # As the real one does (the cursor's commit is patched above).
            cr.commit()  # pylint: disable=invalid-commit
            return 60

        done_before = self.Move.search_count([("tal_transfer_state", "=", "done")])
        with (
            patch.object(cr, "commit", commit),
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", commit_progress
            ),
            patch.object(
                type(self.env["account.move"]), "_can_commit", return_value=True
            ),
        ):
            self.Transfer._cron_transfer()

        # The run's start, then each invoice, then the last progress report.
        self.assertEqual([c - done_before for c in commits], [0, 1, 2, 3, 3])
        self.assertEqual([m.tal_transfer_state for m in invoices], ["done"] * 3)

    def test_scheduled_action_stops_when_its_time_is_spent(self):
        invoices = [self._make_invoice() for _ in range(3)]
        calls = []

        def out_of_time_after_first(cron, processed=0, **kwargs):
            calls.append(processed)
            return 0 if processed else 60

        with (
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", out_of_time_after_first
            ),
            patch.object(
                type(self.env["account.move"]), "_can_commit", return_value=True
            ),
        ):
            # The scheduler's window closes now: progress is reported each time.
            stats = self.Transfer.with_context(
                cron_end_time=time.monotonic()
            )._cron_transfer()

        self.assertEqual(stats["done"], 1)
        self.assertEqual(calls, [0, 1])
        self.assertEqual(
            [m.tal_transfer_state for m in invoices], ["done", "pending", "pending"]
        )

    def test_backlog_left_asks_for_the_next_run_at_once(self):
        self._make_invoice()
        left = self._make_invoice()
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search_count([("cron_id", "=", cron.id)])

        with self._as_scheduled_action():
            self.Transfer._cron_transfer(limit=1)
            self.assertEqual(
                triggers.search_count([("cron_id", "=", cron.id)]), before + 1
            )
            self.Transfer._cron_transfer()  # the rest: nothing left, no trigger
            self.assertEqual(
                triggers.search_count([("cron_id", "=", cron.id)]), before + 1
            )

        self.assertEqual(left.tal_transfer_state, "done")

    def test_lock_race_after_a_commit_skips_the_invoice_and_goes_on(self):
        first, raced, last = (self._make_invoice() for _ in range(3))
        real_lock = type(self.Transfer)._lock
        own_transactions, rollbacks = [], []

        def lock(model, move_id, states, own_transaction=False):
            own_transactions.append(own_transaction)
            if move_id != raced.id:
                return real_lock(model, move_id, states, own_transaction)
            # Another worker changed and committed the row since this
            # transaction's snapshot: PostgreSQL refuses the lock.
            cr = model.env.cr
            real_execute = cr.execute

            def execute(query, params=None, log_exceptions=True):
                if "SKIP LOCKED" in getattr(query, "code", str(query)):
                    raise pg_errors.SerializationFailure("could not serialize")
                return real_execute(query, params, log_exceptions)

            with (
                patch.object(cr, "execute", execute),
                patch.object(cr, "rollback", wraps=cr.rollback) as rollback,
            ):
                locked = real_lock(model, move_id, states, own_transaction)
            rollbacks.append(rollback.call_count)
            return locked

        with patch.object(type(self.Transfer), "_lock", lock):
            self._run_scheduled_action()

        # The DMS target's batch preparation commits before the first invoice;
        # after each commit the transaction is the invoice's own.
        self.assertEqual(own_transactions, [True, True, True])
        self.assertEqual(rollbacks, [1], "the aborted transaction is rolled back")
        self.assertEqual(
            [m.tal_transfer_state for m in (first, raced, last)],
            ["done", "pending", "done"],
        )
        self.assertFalse(self._documents_of(self._files_of(raced)))
        self.assertEqual(raced.tal_transfer_attempts, 0)
