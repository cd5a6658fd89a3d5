# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .. import compat
from ..hooks import post_init_hook
from .common import TalTransferCommon


class Killed(BaseException):
    """A SIGKILL seen from inside: the job stops where it is."""


@tagged("post_install", "-at_install")
class TestTransferScheduler(TalTransferCommon):
    """The scheduled action under Odoo's scheduler: progress, crashes, workers,
    and invoices left pending looked at again soon.

    Jobs run through ir.cron's own `_process_job` in registry test mode, where
    a commit only releases a savepoint; core's commit guard is lifted for it.
    """

    target = "dms"

    @property
    def _cron(self):
        return self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")

    def _job(self, cron):
        """The job as `_acquire_one_job` gives it to `_process_job`."""
        self.env.flush_all()
        progress = self.env["ir.cron.progress"].search(
            [("cron_id", "=", cron.id)], order="id desc", limit=1
        )
        last = progress.read(["done", "remaining", "timed_out_counter"], load=None)
        return {
            **(last[0] if last else {"done": 0, "remaining": 0}),
            "timed_out_counter": progress.timed_out_counter,
            "progress_id": progress.id,
            **cron.read(load=None)[0],
        }

    def _process_job(self, cron, kill_after=None, kill_at_start=False):
        """Run one job of `cron` as the scheduler does; optionally die in it
        after `kill_after` invoices, or as soon as the scheduler has committed
        the job's progress record, before the engine's first line
        (`kill_at_start`). What the `finally` of the scheduler's loop resets,
        which a real kill never reaches, _kill_bookkeeping sets back."""
        real_process = type(self.Transfer)._process
        real_cron_transfer = type(self.Transfer)._cron_transfer
        handled = []

        def cron_transfer(model, *args, **kwargs):
            if kill_at_start:
                raise Killed()
            return real_cron_transfer(model, *args, **kwargs)

        def process(model, move, run=None, **kwargs):
            if kill_after is not None and len(handled) == kill_after:
                raise Killed()
            handled.append(move)
            return real_process(model, move, **({"run": run} if run else {}), **kwargs)

        job = self._job(cron)
        with (
            self.enter_registry_test_mode(),
            patch.object(
                type(self.env["account.move"]), "_can_commit", return_value=True
            ),
            patch.object(type(self.Transfer), "_process", process),
            patch.object(type(self.Transfer), "_cron_transfer", cron_transfer),
        ):
            if kill_after is None and not kill_at_start:
                with self.registry.cursor() as cron_cr:
                    compat.process_cron_job(self.registry, cron_cr, job)
            else:
                # A kill also ends the scheduler's own transaction: only what
                # the job committed stays.
                # Not assertRaises: Odoo's rolls back, a kill keeps what
                # was committed.
                killed = False
                try:
                    self.registry["ir.cron"]._run_job(job)
                except Killed:
                    killed = True
                self.assertTrue(killed, "the job was not killed")
        self.env.invalidate_all()

    def _kill_bookkeeping(self, cron, kills=3):
        """What `kills` jobs killed in a row leave on the last progress row."""
        progress = self.env["ir.cron.progress"].search(
            [("cron_id", "=", cron.id)], order="id desc", limit=1
        )
        progress.timed_out_counter = kills
        return progress

    def _next_call(self, cron):
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        return min([cron.nextcall, *triggers.mapped("call_at")])

    def test_progress_is_reported_after_the_first_invoice_then_by_time(self):
        for _ in range(3):
            self._make_invoice()
        reports = []
        real = type(self.env["ir.cron"])._commit_progress

        def spy(cron, processed=0, **kwargs):
            reports.append(processed)
            return real(cron, processed, **kwargs)

        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", spy),
            patch(
                "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer"
                ".PROGRESS_EVERY_SECONDS",
                0,
            ),
        ):
            self._process_job(self._cron)
        # The start (no invoice yet), then each invoice: here the interval
        # is 0 s, so every invoice is reported.
        self.assertEqual(reports[:4], [0, 1, 1, 1])

    def test_job_killed_after_its_first_invoice_is_not_a_timeout(self):
        invoices = [self._make_invoice() for _ in range(3)]
        self._cron.write(
            {"failure_count": 2, "first_failure_date": fields.Datetime.now()}
        )

        self._process_job(self._cron, kill_after=1)
        progress = self._kill_bookkeeping(self._cron)
        self.assertEqual(progress.done, 1, "the first invoice was reported")

        with self.assertNoLogs("odoo.addons.base.models.ir_cron", "ERROR"):
            self._process_job(self._cron)

        self.assertEqual(self._cron.failure_count, 0)
        self.assertTrue(self._cron.active)
        self.assertEqual([m.tal_transfer_state for m in invoices], ["done"] * 3)

    def test_job_killed_before_any_work_stays_active_and_comes_back_soon(self):
        invoices = [self._make_invoice() for _ in range(2)]
        # Four failures already, the first one a day ago.
        self._cron.write(
            {
                "failure_count": 4,
                "first_failure_date": fields.Datetime.now() - timedelta(days=1),
                "nextcall": fields.Datetime.now(),
            }
        )
        self._process_job(self._cron, kill_after=0)
        self._kill_bookkeeping(self._cron)

        # The scheduler takes it for a job that timed out: a failure, and its
        # next call an interval (an hour) away.
        with self.assertLogs("odoo.addons.base.models.ir_cron", "ERROR"):
            self._process_job(self._cron)
        self.assertEqual(self._cron.failure_count, 5)
        self.assertGreater(
            self._cron.nextcall, fields.Datetime.now() + timedelta(minutes=30)
        )

        self.assertTrue(self._cron.active)
        self.assertLessEqual(
            self._next_call(self._cron),
            fields.Datetime.now() + timedelta(minutes=3),
            "the job comes back within minutes, not in an hour",
        )
        self._process_job(self._cron)  # the rescue call
        self.assertEqual(self._cron.failure_count, 0)
        self.assertEqual([m.tal_transfer_state for m in invoices], ["done"] * 2)

    def test_parallel_workers_setting_keeps_one_scheduled_action_per_worker(self):
        def active_workers():
            crons = self.env["ir.cron"].search(
                [("model_id.model", "=", "tal.invoice.transfer")]
            )
            return sorted(crons.mapped("code"))

        def save(workers):
            self.env["res.config.settings"].create(
                {"tal_transfer_parallel_workers": workers}
            ).execute()

        save(4)
        self.assertEqual(
            active_workers(),
            ["model._cron_transfer()"]
            + [f"model._cron_transfer(worker={n})" for n in (2, 3, 4)],
        )
        save(1)
        self.assertEqual(active_workers(), ["model._cron_transfer()"])
        save(2)
        self.assertEqual(len(active_workers()), 2)
        self.assertEqual(
            self.env["ir.cron"]
            .with_context(active_test=False)
            .search_count([("model_id.model", "=", "tal.invoice.transfer")]),
            4,
            "archived workers are brought back, not created again",
        )

    def test_a_worker_beyond_the_setting_archives_itself(self):
        self.env["res.config.settings"].create(
            {"tal_transfer_parallel_workers": 3}
        ).execute()
        third = self.env["ir.cron"].search(
            [("code", "=", "model._cron_transfer(worker=3)")]
        )
        self._make_invoice()
        # Lowered while the third worker was running: it could not be archived.
        self.env["ir.config_parameter"].set_param(
            "tal_invoice_transfer.parallel_workers", 2
        )
        self._process_job(third)
        self.assertFalse(third.active)
        self.assertEqual(
            self.Move.search_count([("tal_transfer_state", "=", "pending")]),
            1,
            "it left the work to the others",
        )

    def test_the_workers_setting_is_read_from_the_table_not_a_stale_cache(self):
        params = self.env["ir.config_parameter"]
        params.set_param("tal_invoice_transfer.parallel_workers", 3)
        self.assertEqual(params.get_param("tal_invoice_transfer.parallel_workers"), "3")
        # Saved by another server process: this one's cache still says 3.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = '2'"
            " WHERE key = 'tal_invoice_transfer.parallel_workers'"
        )
        self.assertEqual(
            self.env["tal.invoice.transfer.scheduler"]._tal_parallel_workers(), 2
        )

    def test_two_workers_have_a_run_each(self):
        self.env["res.config.settings"].create(
            {"tal_transfer_parallel_workers": 2}
        ).execute()
        second = self.env["ir.cron"].search(
            [("code", "=", "model._cron_transfer(worker=2)")]
        )
        invoices = [self._make_invoice() for _ in range(3)]
        Run = self.env["tal.invoice.transfer.run"].sudo()
        Run.search([]).unlink()

        self.Transfer.with_context(cron_id=self._cron.id)._cron_transfer(limit=1)
        self.Transfer.with_context(cron_id=second.id)._cron_transfer(limit=1, worker=2)
        self.Transfer.with_context(cron_id=self._cron.id)._cron_transfer()

        runs = Run.search([])
        self.assertEqual(len(runs), 2, "the first worker continues its own run")
        self.assertEqual(
            {run.cron_id: run.done_count for run in runs},
            {self._cron: 2, second: 1},
        )
        self.assertEqual(
            {m.tal_transfer_run_id.cron_id for m in invoices}, {self._cron, second}
        )

    def test_parallel_workers_take_their_own_share_first(self):
        """Four workers walking the same ids in the same order each tried, and
        skipped, about three invoices held or done by the others for every
        invoice they transferred (benchmark, 10,000 invoices): each now takes
        its own share first, then helps with the rest from the other end."""
        self.env["res.config.settings"].create(
            {"tal_transfer_parallel_workers": 2}
        ).execute()
        ids = [self._make_invoice().id for _ in range(6)]
        handled = []
        real_process = type(self.Transfer)._process

        def process(model, move, run=None, **kwargs):
            handled.append(move.id)
            return real_process(model, move, run=run, **kwargs)

        with patch.object(type(self.Transfer), "_process", process):
            self.Transfer._cron_transfer(worker=2)
        mine = [i for i in ids if i % 2 == 1]
        others = [i for i in ids if i % 2 == 0]
        self.assertEqual([i for i in handled if i in ids], mine + others[::-1])
        moves = self.env["account.move"].browse(ids)
        self.assertEqual(set(moves.mapped("tal_transfer_state")), {"done"})

    def test_work_starts_at_once_after_install_settings_and_transfer_now(self):
        Trigger = self.env["ir.cron.trigger"]
        self.env["res.config.settings"].create(
            {"tal_transfer_parallel_workers": 2}
        ).execute()
        workers = self.env["ir.cron"].search(
            [("model_id.model", "=", "tal.invoice.transfer")]
        )
        Trigger.search([("cron_id", "in", workers.ids)]).unlink()

        def triggered():
            due = Trigger.search(
                [
                    ("cron_id", "in", workers.ids),
                    ("call_at", "<=", fields.Datetime.now()),
                ]
            )
            crons = sorted(due.cron_id.ids)
            due.unlink()
            return crons

        post_init_hook(self.env)
        self.assertEqual(triggered(), [], "nothing pending: nothing to start")

        invoice = self._make_invoice()
        post_init_hook(self.env)
        self.assertEqual(triggered(), workers.ids)

        self.env.company.tal_transfer_folder_ref = False
        self.env["res.config.settings"].create({}).execute()
        self.assertEqual(triggered(), [], "no folder: nothing can start")
        self.env["res.config.settings"].create(
            {"tal_transfer_folder": f"{self.folder._name},{self.folder.id}"}
        ).execute()
        self.assertEqual(triggered(), workers.ids, "a folder set: start now")

        with patch(
            "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer_ui.SYNC_TRANSFER_LIMIT",
            0,
        ):
            invoice.action_tal_transfer_now()
        self.assertEqual(triggered(), workers.ids)

    def test_an_invoice_reopened_by_a_deleted_document_is_filed_again_soon(self):
        """A DMS user deletes a transferred invoice's file after the workers
        stopped: the invoice is pending again, and waited for the next hourly
        call of the scheduled action."""
        invoice = self._make_invoice()
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        cron.nextcall = fields.Datetime.now() + timedelta(hours=1)
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search([("cron_id", "=", cron.id)])

        self._documents_of(self._files_of(invoice)).unlink()

        self.assertEqual(invoice.tal_transfer_state, "pending")
        asked = triggers.search([("cron_id", "=", cron.id)]) - before
        self.assertTrue(asked, "the scheduled action is asked to run")
        self.assertLessEqual(max(asked.mapped("call_at")), fields.Datetime.now())

    def test_a_new_file_on_a_pending_invoice_asks_for_no_extra_run(self):
        """Only a finished invoice filed again asks the workers to run: a
        file added to an invoice still waiting is taken by the run due."""
        invoice = self._make_invoice()
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search([("cron_id", "=", cron.id)])
        self._attach(invoice, name="annex.pdf")
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertFalse(triggers.search([("cron_id", "=", cron.id)]) - before)

    def test_an_invoice_another_transaction_held_is_looked_at_again_soon(self):
        """Workers skip an invoice another transaction holds (SKIP LOCKED).
        Measured on a real database: a user's transaction held one for 45 s
        while two workers passed; the jobs ended 'fully done' and the invoice
        stayed pending once released, until the next hourly call."""
        done = self._make_invoice()
        held = self._make_invoice()
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        triggers = self.env["ir.cron.trigger"].sudo()
        real_lock = type(self.Transfer)._lock

        def lock(model, move_id, states, own_transaction=False):
            if move_id == held.id:
                return None  # what SKIP LOCKED gives while it is held
            return real_lock(model, move_id, states, own_transaction)

        with (
            self._as_scheduled_action(),
            patch.object(type(self.Transfer), "_lock", lock),
        ):
            self.Transfer._cron_transfer()
            before = triggers.search([("cron_id", "=", cron.id)])
            # The next call finds only the held invoice: nothing moves.
            stats = self.Transfer._cron_transfer()
            asked = triggers.search([("cron_id", "=", cron.id)]) - before

        self.assertEqual(dict(stats), {"skipped": 1})
        self.assertEqual(done.tal_transfer_state, "done")
        self.assertEqual(held.tal_transfer_state, "pending")
        self.assertTrue(asked, "a later look at the held invoice is asked for")
        self.assertLessEqual(
            max(asked.mapped("call_at")),
            fields.Datetime.now() + timedelta(minutes=5),
            "sooner than the hourly call",
        )
