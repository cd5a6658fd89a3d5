# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferDashboard(TalTransferCommon):
    """The dashboard's rate, estimate and next run tell the truth."""

    target = "documents"

    def setUp(self):
        super().setUp()
        self.Run = self.env["tal.invoice.transfer.run"].sudo()
        self.Run.search([]).unlink()
        self.cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()
        self.cron.nextcall = fields.Datetime.now() + timedelta(minutes=50)

    def _transferred(self, count, seconds, cron=None, state="done"):
        """`count` invoices transferred by one run that took `seconds`."""
        moves = self.env["account.move"].create(
            [{"move_type": "out_invoice", "partner_id": self.partner_a.id}] * count
        )
        run = self.Run.create(
            {
                "date_start": fields.Datetime.now() - timedelta(seconds=seconds),
                "trigger": "cron",
                "cron_id": cron and cron.id,
                "state": state,
                "duration": seconds,
            }
        )
        moves._tal_transfer_write(
            {
                "tal_transfer_state": "done",
                "tal_transfer_date": fields.Datetime.now(),
                "tal_transfer_run_id": run.id,
            }
        )
        return run

    def test_the_demo_case_300_invoices_in_15_seconds(self):
        self._transferred(300, 15.0, cron=self.cron)

        data = self.Move.tal_transfer_dashboard()

        # Not 30 a minute (300 spread over a ten-minute window).
        self.assertEqual(data["rate_per_minute"], 1200.0)

    def test_estimate_agrees_with_the_rate_while_a_run_works(self):
        self._transferred(300, 15.0, cron=self.cron, state="running")
        pending = [self._make_invoice() for _ in range(2)]

        data = self.Move.tal_transfer_dashboard()

        eta = fields.Datetime.to_datetime(data["eta"])
        expected = fields.Datetime.now() + timedelta(minutes=len(pending) / 1200)
        self.assertAlmostEqual((eta - expected).total_seconds(), 0, delta=2)
        self.assertFalse(data["next_run"])

    def test_work_waiting_for_the_scheduler_shows_the_next_run(self):
        self._transferred(300, 15.0, cron=self.cron)
        self._make_invoice()
        # Posting asks the workers to run: here they have not come.
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()

        data = self.Move.tal_transfer_dashboard()

        self.assertFalse(data["eta"], "no guessed end while nothing runs")
        self.assertEqual(
            fields.Datetime.to_datetime(data["next_run"]), self.cron.nextcall
        )

    def test_parallel_workers_rates_add_up(self):
        self.env["ir.config_parameter"].set_param(
            "tal_invoice_transfer.parallel_workers", 2
        )
        self.env["tal.invoice.transfer.scheduler"]._tal_sync_workers()
        second = self.env["ir.cron"].search(
            [("code", "=", "model._cron_transfer(worker=2)")]
        )
        self._transferred(100, 10.0, cron=self.cron)
        self._transferred(50, 10.0, cron=second)

        data = self.Move.tal_transfer_dashboard()

        self.assertEqual(data["rate_per_minute"], 900.0)

    def test_short_run_is_timed_in_milliseconds(self):
        self._make_invoice()
        self.Transfer._cron_transfer()

        run = self.Run.search([])
        self.assertGreater(run.duration, 0)
        self.assertLess(run.duration, 5)
        self.assertGreater(run.rate, 0)
