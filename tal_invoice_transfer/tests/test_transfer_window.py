# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .. import compat
from ..models.tal_invoice_transfer_window import Window
from .common import TalTransferCommon

# Tuesday 8 December 2026; Paris is UTC+1 in winter.
TUESDAY_10H_PARIS = datetime(2026, 12, 8, 9, 0)
TUESDAY_19H_PARIS = datetime(2026, 12, 8, 18, 0)


@tagged("post_install", "-at_install")
class TestTransferWindow(TalTransferCommon):
    """Working hours: the backlog runs inside them; outside them only the
    invoices posted in the last days go; workers stop when they close and
    start when they open; the estimate counts them."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "tal_transfer_window": True,
                "tal_transfer_window_start": 19.0,
                "tal_transfer_window_end": 7.0,
                "tal_transfer_window_weekends": True,
                "tal_transfer_window_tz": "Europe/Paris",
                "tal_transfer_recent_days": 1,
            }
        )
        cls.cron = cls.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        cls.window = Window.of(cls.env.company)

    def setUp(self):
        super().setUp()
        self.Trigger = self.env["ir.cron.trigger"].sudo()

    def _backlog(self, count):
        """Invoices posted long ago (the addon marked them at install)."""
        invoices = [self._make_invoice() for _ in range(count)]
        self.Move.browse([i.id for i in invoices])._tal_transfer_write(
            {"tal_transfer_posted_date": None}
        )
        return invoices

    def _opening_triggers(self, at):
        return self.Trigger.search(
            [("cron_id", "=", self.cron.id), ("call_at", "=", at)]
        )

    def test_the_window_in_the_company_time_zone(self):
        window = self.window
        self.assertFalse(window.is_open(TUESDAY_10H_PARIS))
        self.assertTrue(window.is_open(TUESDAY_19H_PARIS))
        self.assertTrue(window.is_open(datetime(2026, 12, 9, 5, 59)), "06:59 Paris")
        self.assertFalse(window.is_open(datetime(2026, 12, 9, 6, 0)), "07:00 Paris")
        self.assertTrue(window.is_open(datetime(2026, 12, 12, 12, 0)), "Saturday")
        self.assertEqual(window.next_change(TUESDAY_10H_PARIS), TUESDAY_19H_PARIS)
        self.assertEqual(
            window.next_change(TUESDAY_19H_PARIS), datetime(2026, 12, 9, 6, 0)
        )
        # Friday evening runs through the weekend to Monday 07:00.
        friday_20h = datetime(2026, 12, 11, 19, 0)
        self.assertEqual(window.next_change(friday_20h), datetime(2026, 12, 14, 6, 0))
        self.assertEqual(window.next_opening(friday_20h), datetime(2026, 12, 14, 18, 0))
        # Summer time: 19:00 Paris is 17:00 UTC.
        self.assertEqual(
            window.next_change(datetime(2026, 7, 7, 9, 0)), datetime(2026, 7, 7, 17, 0)
        )

    def test_posting_records_when_the_invoice_was_posted(self):
        with freeze_time(TUESDAY_10H_PARIS):
            invoice = self._make_invoice()
        self.assertEqual(invoice.tal_transfer_posted_date, TUESDAY_10H_PARIS)

    def test_outside_working_hours_only_recent_invoices_go(self):
        with freeze_time(TUESDAY_10H_PARIS):
            old = self._backlog(2)
            today = self._make_invoice()
            self.Trigger.search([]).unlink()
            with self._as_scheduled_action():
                stats = self.Transfer._cron_transfer()

            self.assertEqual(stats["done"], 1)
            self.assertEqual(today.tal_transfer_state, "done")
            self.assertEqual([m.tal_transfer_state for m in old], ["pending"] * 2)
            # The backlog starts when the hours open, not at the hourly call.
            self.assertTrue(self._opening_triggers(TUESDAY_19H_PARIS))
            # The hourly call meanwhile finds nothing and asks for no twin.
            with self._as_scheduled_action():
                self.assertFalse(self.Transfer._cron_transfer())
            self.assertEqual(len(self._opening_triggers(TUESDAY_19H_PARIS)), 1)

        with freeze_time(TUESDAY_19H_PARIS), self._as_scheduled_action():
            self.Transfer._cron_transfer()
        self.assertEqual([m.tal_transfer_state for m in old], ["done"] * 2)

    def test_without_recent_days_nothing_goes_outside_working_hours(self):
        self.env.company.tal_transfer_recent_days = 0
        with freeze_time(TUESDAY_10H_PARIS):
            today = self._make_invoice()
            with self._as_scheduled_action():
                self.Transfer._cron_transfer()
        self.assertEqual(today.tal_transfer_state, "pending")

    def test_workers_stop_when_the_window_closes_after_their_current_invoice(self):
        before_close = datetime(2026, 12, 8, 5, 59)  # Tuesday 06:59 Paris
        with freeze_time(before_close) as clock:
            invoices = self._backlog(3)
            self.Trigger.search([]).unlink()
            real_process = type(self.Transfer)._process
            handled = []

            def process(model, move, **kwargs):
                handled.append(move)
                state = real_process(model, move, **kwargs)
                # 07:00 Paris passes while the first invoice goes.
                clock.move_to(before_close + timedelta(minutes=1, seconds=30))
                return state

            with (
                self._as_scheduled_action(),
                patch.object(type(self.Transfer), "_process", process),
            ):
                self.Transfer._cron_transfer()

        self.assertEqual(len(handled), 1)
        self.assertEqual(
            [m.tal_transfer_state for m in invoices], ["done", "pending", "pending"]
        )
        self.assertTrue(self._opening_triggers(TUESDAY_19H_PARIS))

    def test_saving_settings_outside_working_hours_starts_the_workers_at_opening(self):
        with freeze_time(TUESDAY_10H_PARIS):
            self._backlog(1)
            self.Trigger.search([]).unlink()
            self.env["res.config.settings"].create({}).execute()
            due = self.Trigger.search([("call_at", "<=", fields.Datetime.now())])
        self.assertFalse(due, "nothing may go now")
        self.assertTrue(self._opening_triggers(TUESDAY_19H_PARIS))

    def test_the_estimate_counts_the_working_hours(self):
        company = self.env.company.id
        windows = self.env["tal.invoice.transfer.window"]
        # 1,000 invoices at 10 a minute: 100 minutes of work.
        at_18h = datetime(2026, 12, 8, 17, 0)  # 18:00 Paris, closed
        self.assertEqual(
            windows._tal_eta(10, {company: (0, 1000)}, now=at_18h),
            datetime(2026, 12, 8, 19, 40),  # opens 19:00, done 20:40 Paris
        )
        # At 06:30, 300 go before 07:00; the other 700 from 19:00.
        at_6h30 = datetime(2026, 12, 8, 5, 30)
        self.assertEqual(
            windows._tal_eta(10, {company: (0, 1000)}, now=at_6h30),
            datetime(2026, 12, 8, 19, 10),
        )
        # Recent invoices go at any time.
        self.assertEqual(
            windows._tal_eta(10, {company: (50, 0)}, now=at_18h),
            at_18h + timedelta(minutes=5),
        )

    def test_the_dashboard_shows_the_hours_and_an_estimate_through_them(self):
        with freeze_time(datetime(2026, 12, 8, 17, 0)):
            run = (
                self.env["tal.invoice.transfer.run"]
                .sudo()
                .create(
                    {
                        "date_start": fields.Datetime.now() - timedelta(minutes=10),
                        "trigger": "cron",
                        "cron_id": self.cron.id,
                        "state": "done",
                        "duration": 600.0,
                    }
                )
            )
            done = self._backlog(100)
            self.Move.browse([m.id for m in done])._tal_transfer_write(
                {
                    "tal_transfer_state": "done",
                    "tal_transfer_run_id": run.id,
                    "tal_transfer_date": fields.Datetime.now(),
                }
            )
            self._backlog(20)
            data = self.Move.tal_transfer_dashboard()

        self.assertEqual(data["rate_per_minute"], 10.0)
        # 20 invoices at 10 a minute from the opening at 19:00 Paris.
        self.assertEqual(data["eta"], "2026-12-08 18:02:00")
        [window] = data["windows"]
        self.assertFalse(window["open"])
        self.assertEqual(window["next_change"], "2026-12-08 18:00:00")
        self.assertEqual(window["waiting"], 20)

    def test_working_hours_are_checked_and_kept_from_billing_users(self):
        with self.assertRaises(ValidationError):
            self.env.company.tal_transfer_window_end = 24.5
        billing = self._billing_user("tal_window_billing")
        with self.assertRaises(AccessError):
            compat.call_kw(
                self.env["res.company"].with_user(billing),
                "write",
                [[self.env.company.id], {"tal_transfer_window": False}],
                {},
            )
