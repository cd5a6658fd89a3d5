# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
import time
from contextlib import closing
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from ..models.tal_invoice_transfer_gate import PACE_PARAM, PAUSED_BY_PARAM
from .common import PATIENCE, TalTransferCommon, wait_for_lock

GATE = "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer_gate"


@tagged("post_install", "-at_install")
class TestTransferPace(TalTransferCommon):
    """The pace limit: at most N invoices a minute over all workers, one
    slot after the other on one row of the database."""

    target = "dms"

    def setUp(self):
        super().setUp()
        self.env.cr.execute("UPDATE tal_invoice_transfer_pace SET next_slot = 0")
        self.cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")

    def _set_pace(self, per_minute):
        self.env["res.config.settings"].create(
            {"tal_transfer_pace": per_minute}
        ).execute()

    def _next_slot(self):
        self.env.cr.execute("SELECT next_slot FROM tal_invoice_transfer_pace")
        return self.env.cr.fetchone()[0]

    def test_the_workers_wait_one_interval_per_invoice(self):
        invoices = [self._make_invoice() for _ in range(3)]
        self._set_pace(60)  # one invoice a second
        waits = []
        with (
            self._as_scheduled_action(),
            patch(f"{GATE}.time.sleep", side_effect=waits.append),
        ):
            self.env.cr.execute("SELECT extract(epoch FROM clock_timestamp())")
            start = self.env.cr.fetchone()[0]
            self.Transfer._cron_transfer()

        self.assertEqual([m.tal_transfer_state for m in invoices], ["done"] * 3)
        # Three slots reserved one second apart from the first invoice on:
        # the next is free 3 s after the start.
        self.assertAlmostEqual(self._next_slot() - start, 3.0, delta=0.3)
        # The test does not really sleep: the second invoice waited about a
        # second, the third about two (less the time the invoices took).
        self.assertGreater(sum(waits), 1.0)
        self.assertLessEqual(sum(waits), 3.0)

    def test_two_workers_share_the_pace(self):
        """Slots reserved by two workers (gates) interleave: each one
        interval after the last, whoever took it."""
        self._set_pace(60)  # one a second
        gates = [
            self.env["tal.invoice.transfer.gate"]
            .with_context(cron_end_time=time.monotonic() + 60)
            ._tal_worker_gate(True)
            for _ in range(2)
        ]
        waits = []
        with (
            self._as_scheduled_action(),
            patch(f"{GATE}.time.sleep", side_effect=waits.append),
        ):
            for gate in gates * 2:
                self.assertTrue(gate.wait_for_slot())
        # Slots at +0, +1, +2, +3 s: four reservations, 4 s reserved.
        self.env.cr.execute(
            "SELECT next_slot - extract(epoch FROM clock_timestamp())"
            " FROM tal_invoice_transfer_pace"
        )
        self.assertAlmostEqual(self.env.cr.fetchone()[0], 4.0, delta=0.5)

    def test_a_slot_a_little_past_the_job_is_waited_for(self):
        """A job whose next slot is a few seconds past its ten ends "partly
        done" after it, and the scheduler starts the next at once; ending it
        with a trigger would wait for the scheduler's next poll (a minute):
        a 300-a-minute limit measured 86 a minute that way."""
        invoices = [self._make_invoice() for _ in range(2)]
        self._set_pace(12)  # one every 5 s
        waits = []
        with (
            self._as_scheduled_action(),
            patch(f"{GATE}.time.sleep", side_effect=waits.append),
        ):
            self.Transfer.with_context(
                cron_end_time=time.monotonic() + 2
            )._cron_transfer()
        self.assertEqual([m.tal_transfer_state for m in invoices], ["done"] * 2)
        self.assertAlmostEqual(sum(waits), 5.0, delta=1.0)

    def test_a_slot_beyond_the_job_ends_it_and_the_worker_comes_back_then(self):
        invoices = [self._make_invoice() for _ in range(2)]
        self._set_pace(1)  # one a minute
        self.env["ir.cron.trigger"].search([]).unlink()
        with (
            self._as_scheduled_action(),
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", return_value=8
            ) as commit_progress,
        ):
            self.Transfer.with_context(
                cron_end_time=time.monotonic() + 8
            )._cron_transfer()

        self.assertEqual([m.tal_transfer_state for m in invoices], ["done", "pending"])
        # Ended as done (not "partly done", which the scheduler would start
        # again at once), with a trigger for the next slot, about a minute on.
        self.assertEqual(commit_progress.call_args_list[-1].kwargs, {"remaining": 0})
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        self.assertEqual(len(trigger), 1)
        self.assertAlmostEqual(
            (trigger.call_at - fields.Datetime.now()).total_seconds(), 60, delta=10
        )

    def test_a_pause_while_waiting_for_a_slot_stops_the_worker(self):
        invoices = [self._make_invoice() for _ in range(2)]
        self._set_pace(20)  # one every 3 s

        def sleep(seconds):
            if seconds < 0.5:
                return  # not the gate's wait for a slot of 3 s
            # A person pauses while the second invoice waits for its slot.
            self.env.cr.execute(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, '2')"
                " ON CONFLICT DO NOTHING",
                [PAUSED_BY_PARAM],
            )

        with (
            self._as_scheduled_action(),
            patch(f"{GATE}.time.sleep", side_effect=sleep),
        ):
            self.Transfer._cron_transfer()

        self.assertEqual([m.tal_transfer_state for m in invoices], ["done", "pending"])

    def test_under_a_pace_a_job_renders_no_more_pdfs_than_it_may_store(self):
        """40 invoices' PDFs rendered ahead, of which the pace lets a job
        store 5, were 35 renders thrown away, and made again next time."""
        ids = [self._make_invoice().id for _ in range(8)]
        self._set_pace(30)  # one every 2 s; a slot is waited for up to 10 s
        with (
            self._as_scheduled_action(),
            patch.object(type(self.Transfer), "_pdf_wanting", return_value=ids),
            patch.object(type(self.Transfer), "_pdf_render", return_value={}) as render,
        ):
            self.Transfer.with_context(
                cron_end_time=time.monotonic() + 5
            )._cron_transfer()
        # 10 s (the job's 5 s left, a slot waited for up to 10 s) at one
        # invoice every 2 s: 5.
        self.assertEqual(render.call_args.args[0], ids[:5])

    def test_transfer_now_is_not_held_back_by_the_pace(self):
        invoices = self.Move.browse([self._make_invoice().id for _ in range(3)])
        self._set_pace(1)
        with patch(f"{GATE}.time.sleep") as sleep:
            invoices.action_tal_transfer_now()
        sleep.assert_not_called()
        self.assertEqual(set(invoices.mapped("tal_transfer_state")), {"done"})

    def test_the_pace_is_read_from_the_table_and_shown(self):
        self._set_pace(120)
        self.assertEqual(self.Move.tal_transfer_dashboard()["pace_per_minute"], 120)
        # Saved by another server: this one's cached parameters say 120.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ir_config_parameter SET value = '30' WHERE key = %s", [PACE_PARAM]
        )
        self.assertEqual(self.env["tal.invoice.transfer.gate"]._tal_pace(), 30)
        self._set_pace(0)
        self.assertEqual(self.env["tal.invoice.transfer.gate"]._tal_pace(), 0)


@tagged("post_install", "-at_install")
class TestTransferPaceServers(TransactionCase):
    """Two servers reserving at the same moment, each on a connection of its
    own (committed rows): one waits for the other's row, fails on it
    (REPEATABLE READ), tries again and gets the next slot."""

    def setUp(self):
        super().setUp()
        self.addCleanup(self._reset_pace)

    def _reset_pace(self):
        with self.registry.cursor() as cr:
            cr.execute("UPDATE tal_invoice_transfer_pace SET next_slot = 0")

    def test_two_servers_never_take_the_same_slot(self):
        first = self.registry.cursor()
        self.addCleanup(first.close)
        second = self.registry.cursor()
        self.addCleanup(second.close)
        second.execute("SELECT pg_backend_pid()")
        pid = second.fetchone()[0]
        second.rollback()
        env_second = api.Environment(second, SUPERUSER_ID, {})
        # The first server's reservation, not committed yet.
        first.execute(
            "UPDATE tal_invoice_transfer_pace"
            " SET next_slot = extract(epoch FROM clock_timestamp()) + 10"
        )
        results = []

        def reserve():
            results.append(env_second["tal.invoice.transfer.pace"]._tal_reserve(60, 30))

        thread = threading.Thread(target=reserve, daemon=True)
        with patch.object(second, "rollback", wraps=second.rollback) as rollback:
            thread.start()
            self.assertTrue(wait_for_lock(self.registry, thread, pid))
            # The first server's reservation ends: a cursor of its own.
            first.commit()  # pylint: disable=invalid-commit
            thread.join(PATIENCE)

        self.assertFalse(thread.is_alive())
        [(reserved, wait)] = results
        self.assertTrue(reserved)
        self.assertEqual(
            rollback.call_count, 1, "the second met the first's row and tried again"
        )
        # Its slot is the one after the first's (10 s on), not the same.
        self.assertAlmostEqual(wait, 10.0, delta=1.0)
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT next_slot - extract(epoch FROM clock_timestamp())"
                " FROM tal_invoice_transfer_pace"
            )
            self.assertAlmostEqual(cr.fetchone()[0], 11.0, delta=1.0)
