# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferHistory(TalTransferCommon):
    target = "documents"

    def setUp(self):
        super().setUp()
        self.Run = self.env["tal.invoice.transfer.run"].sudo()
        self.Run.search([]).unlink()

    def test_scheduled_run_is_recorded_with_its_counts_and_first_errors(self):
        self._make_invoice()
        no_files = self._make_invoice(files=())
        no_files._tal_transfer_write({"tal_transfer_state": "pending"})
        other_company = self.setup_other_company(name="Lost Folder Co")["company"]
        other_company.tal_transfer_folder_ref = "documents.document,999999999"
        bad = self._make_invoice(company_id=other_company)

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._cron_transfer()

        run = self.Run.search([])
        self.assertEqual(len(run), 1)
        self.assertEqual(
            (
                run.trigger,
                run.state,
                run.done_count,
                run.failed_count,
                run.nothing_count,
            ),
            ("cron", "done", 1, 1, 1),
        )
        self.assertTrue(run.date_end)
        self.assertIn(bad.name, run.first_errors)
        self.assertIn("Lost Folder Co", run.first_errors)

    @property
    def _cron(self):
        return self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")

    def _as_scheduler(self):
        return self.Transfer.with_context(cron_id=self._cron.id)

    def test_back_to_back_scheduled_calls_extend_one_run(self):
        self._make_invoice()
        self._as_scheduler()._cron_transfer()
        self._make_invoice()
        self._as_scheduler()._cron_transfer()

        run = self.Run.search([])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.done_count, 2)

    def test_killed_run_is_marked_interrupted_by_the_next_one(self):
        killed = self.Run.with_context(cron_id=self._cron.id)._tal_start("cron")
        self._make_invoice()
        self._as_scheduler()._cron_transfer()
        self.assertEqual(killed.state, "interrupted")
        self.assertEqual(len(self.Run.search([])), 2)

    def test_a_call_with_nothing_to_do_leaves_no_run(self):
        killed = self.Run.with_context(cron_id=self._cron.id)._tal_start("cron")
        self._as_scheduler()._cron_transfer()
        self.assertEqual(killed.state, "interrupted")
        self.assertEqual(self.Run.search([]), killed)

    def test_other_workers_never_touch_a_live_run(self):
        live = self.Run.with_context(cron_id=self._cron.id)._tal_start("cron")
        self._make_invoice()
        # A second worker (a shell, another process) runs the transfer meanwhile.
        self.Transfer._cron_transfer()
        self._make_invoice()
        self.Transfer._cron_transfer()

        self.assertEqual((live.state, live.done_count), ("running", 0))
        others = self.Run.search([]) - live
        self.assertEqual(len(others), 2, "a run each, never merged into the live one")
        self.assertEqual(others.mapped("done_count"), [1, 1])

    def test_a_run_not_updated_for_long_is_marked_interrupted(self):
        stale = self.Run._tal_start("cron")
        fresh = self.Run._tal_start("cron")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE tal_invoice_transfer_run"
            " SET write_date = now() - interval '2 hours' WHERE id = %s",
            [stale.id],
        )
        self.Run._gc_old_runs()
        self.Run.invalidate_model()
        self.assertEqual((stale.state, fresh.state), ("interrupted", "running"))

    def test_a_failing_history_update_never_stops_the_transfer(self):
        invoices = [self._make_invoice() for _ in range(2)]
        run_class = type(self.env["tal.invoice.transfer.run"])
        real_write = run_class.write

        def broken_write(run, vals):
            if "duration" in vals:
                raise ValueError("history table on fire")
            return real_write(run, vals)

        with (
            patch.object(run_class, "write", broken_write),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"),
        ):
            self.Transfer._cron_transfer()

        self.assertEqual([m.tal_transfer_state for m in invoices], ["done", "done"])

    def test_transfer_now_is_recorded_as_manual(self):
        invoice = self._make_invoice()
        invoice.action_tal_transfer_now()
        run = self.Run.search([])
        self.assertEqual(
            (run.trigger, run.user_id, run.done_count), ("manual", self.env.user, 1)
        )

    def test_old_runs_are_deleted_after_the_configured_delay(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "tal_invoice_transfer.run_keep_days", 10
        )
        old = self.Run.create(
            {
                "date_start": fields.Datetime.now() - timedelta(days=11),
                "trigger": "cron",
                "state": "done",
            }
        )
        recent = self.Run.create(
            {
                "date_start": fields.Datetime.now() - timedelta(days=9),
                "trigger": "cron",
                "state": "done",
            }
        )
        self.Run._gc_old_runs()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_failure_leaves_a_chatter_note_success_does_not(self):
        good = self._make_invoice()
        bad = self._make_invoice()
        messages = {m: m.message_ids for m in (good, bad)}
        real = type(self.env["tal.transfer.target.documents"])._tal_transfer

        def fail_bad(target, move, attachments):
            if move == bad:
                raise ValueError("broken")
            return real(target, move, attachments)

        with (
            patch.object(
                type(self.env["tal.transfer.target.documents"]),
                "_tal_transfer",
                fail_bad,
            ),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "ERROR"),
        ):
            self.Transfer._run()

        self.assertEqual(good.message_ids, messages[good])
        new = bad.message_ids - messages[bad]
        self.assertEqual(len(new), 1)
        self.assertIn("failed", new.body)
        self.assertIn("broken", new.body)

    def test_dashboard_counts_and_failed_groups(self):
        done = [self._make_invoice() for _ in range(3)]
        self.Transfer._run()
        pending = [self._make_invoice() for _ in range(6)]
        failed = self._make_invoice()
        failed._tal_transfer_write(
            {
                "tal_transfer_state": "failed",
                "tal_transfer_error": "Folder gone",
                "tal_transfer_error_kind": "settings",
            }
        )

        data = self.Move.tal_transfer_dashboard()

        self.assertEqual(data["counts"]["done"], 3)
        self.assertEqual(data["counts"]["pending"], 6)
        self.assertEqual(data["counts"]["failed"], 1)
        self.assertEqual(data["percent_done"], 30.0)
        self.assertEqual(
            data["failed_groups"],
            [
                {
                    "kind": "settings",
                    "label": "Transfer settings",
                    "count": 1,
                    "example": "Folder gone",
                }
            ],
        )
        self.assertEqual(data["labels"]["done"], "Transferred")
        self.assertTrue(done and pending)

    def test_dashboard_is_for_accounting_managers(self):
        billing = new_test_user(
            self.env, login="tal_billing2", groups="account.group_account_invoice"
        )
        with self.assertRaises(AccessError):
            self.Move.with_user(billing).tal_transfer_dashboard()
