# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .. import compat
from ..models.tal_invoice_transfer_gate import PAUSED_AT_PARAM, PAUSED_BY_PARAM
from .common import TalTransferCommon

UI = "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer_ui"


@tagged("post_install", "-at_install")
class TestTransferPause(TalTransferCommon):
    """Pause and Resume: every scheduled worker stops after its current
    invoice, on every server; a person's explicit Transfer Now and Retry
    still work; Resume starts the workers at once."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.manager = new_test_user(
            cls.env,
            login="tal_pause_manager",
            groups="base.group_user,account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.billing_user = cls._billing_user("tal_pause_billing")
        cls.cron = cls.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")

    def setUp(self):
        super().setUp()
        self.Trigger = self.env["ir.cron.trigger"].sudo()
        self.Trigger.search([]).unlink()

    def _pause(self, user=None):
        return self.Move.with_user(user or self.manager).tal_transfer_pause()

    def _resume(self, user=None):
        return self.Move.with_user(user or self.manager).tal_transfer_resume()

    def _triggers_due(self):
        due = self.Trigger.search([("call_at", "<=", fields.Datetime.now())])
        return due.cron_id

    def test_a_pause_stops_the_worker_after_its_current_invoice(self):
        invoices = [self._make_invoice() for _ in range(3)]
        self.Trigger.search([]).unlink()
        real_process = type(self.Transfer)._process
        handled = []

        def process(model, move, **kwargs):
            handled.append(move)
            state = real_process(model, move, **kwargs)
            if len(handled) == 1:
                # Saved by a person (any server) while this invoice goes.
                self._pause()
            return state

        with (
            self._as_scheduled_action(),
            patch.object(type(self.Transfer), "_process", process),
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", return_value=60
            ) as commit_progress,
        ):
            self.Transfer._cron_transfer()

        self.assertEqual(
            [m.tal_transfer_state for m in invoices], ["done", "pending", "pending"]
        )
        self.assertEqual(len(handled), 1, "no invoice started after the pause")
        # The job ends (nothing left for it), and asks for no next run.
        self.assertEqual(commit_progress.call_args_list[-1].kwargs, {"remaining": 0})
        self.assertFalse(self._triggers_due())

    def test_a_pause_saved_by_another_server_is_seen_at_the_next_invoice(self):
        """The pause is read from the table with each invoice's lock, never
        from a server's cached parameters."""
        invoices = [self._make_invoice() for _ in range(2)]
        real_process = type(self.Transfer)._process

        def process(model, move, **kwargs):
            state = real_process(model, move, **kwargs)
            # Another server's pause: a row this server never cached.
            self.env.cr.execute(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
                [PAUSED_BY_PARAM, str(self.manager.id)],
            )
            return state

        with (
            self._as_scheduled_action(),
            patch.object(type(self.Transfer), "_process", process),
        ):
            self.Transfer._cron_transfer()

        self.assertEqual([m.tal_transfer_state for m in invoices], ["done", "pending"])

    def test_paused_workers_do_nothing_and_nothing_starts_them(self):
        invoice = self._make_invoice()
        self._pause()
        self.Trigger.search([]).unlink()

        with self._as_scheduled_action():
            stats = self.Transfer._cron_transfer()
            self.assertFalse(stats)
            # The settings saved, an invoice posted, a file added to a
            # transferred invoice, the rescue after a crash: no worker runs.
            self.env["res.config.settings"].create({}).execute()
            self._make_invoice()
            self.env["tal.invoice.transfer.scheduler"]._tal_rescue_after_timeout(
                self.cron
            )

        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertFalse(self.Trigger.search([("cron_id", "=", self.cron.id)]))

    def test_resume_starts_the_workers_at_once(self):
        self.env["res.config.settings"].create(
            {"tal_transfer_parallel_workers": 2}
        ).execute()
        workers = self.env["ir.cron"].search(
            [("model_id.model", "=", "tal.invoice.transfer")]
        )
        invoice = self._make_invoice()
        self._pause()
        self.Trigger.search([]).unlink()

        self._resume()

        self.assertEqual(self._triggers_due(), workers)
        with self._as_scheduled_action():
            self.Transfer._cron_transfer()
        self.assertEqual(invoice.tal_transfer_state, "done")

    def test_the_pause_is_kept_with_who_and_when_and_shown(self):
        self._make_invoice()
        self._pause()

        params = self.env["ir.config_parameter"].sudo()
        # Parameters: kept over restarts and upgrades, read by every server.
        self.assertEqual(params.get_param(PAUSED_BY_PARAM), str(self.manager.id))
        paused_at = fields.Datetime.to_datetime(params.get_param(PAUSED_AT_PARAM))
        self.assertAlmostEqual(
            (fields.Datetime.now() - paused_at).total_seconds(), 0, delta=5
        )
        data = self.Move.with_user(self.manager).tal_transfer_dashboard()
        self.assertEqual(
            data["paused"],
            {"by": self.manager.name, "at": fields.Datetime.to_string(paused_at)},
        )
        self.assertFalse(data["eta"], "no estimate while paused")
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.tal_transfer_paused)
        self.assertIn(self.manager.name, settings.tal_transfer_paused_note)

        self._resume()
        self.assertFalse(params.get_param(PAUSED_BY_PARAM))
        self.assertFalse(
            self.Move.with_user(self.manager).tal_transfer_dashboard()["paused"]
        )

    def test_transfer_now_and_retry_on_chosen_invoices_still_work(self):
        pending = self._make_invoice()
        failed = self._make_invoice()
        failed._tal_transfer_write({"tal_transfer_state": "failed"})
        self._pause()

        pending.with_user(self.manager).action_tal_transfer_now()
        failed.with_user(self.manager).action_tal_transfer_retry_now()

        self.assertEqual(pending.tal_transfer_state, "done")
        self.assertEqual(failed.tal_transfer_state, "done")
        # A selection too large for the request waits for Resume, and says so.
        queued = self._make_invoice()
        self.Trigger.search([]).unlink()
        with patch(f"{UI}.SYNC_TRANSFER_LIMIT", 0):
            action = queued.with_user(self.manager).action_tal_transfer_now()
        self.assertIn("paused", action["params"]["message"])
        self.assertEqual(queued.tal_transfer_state, "pending")
        self.assertFalse(self._triggers_due())

    def test_a_paused_worker_renders_no_pdf(self):
        invoice = self._make_invoice()
        with (
            self._as_scheduled_action(),
            patch.object(
                type(self.Transfer), "_pdf_wanting", return_value=[invoice.id]
            ),
            patch.object(type(self.Transfer), "_pdf_render") as render,
        ):
            gate = self.env["tal.invoice.transfer.gate"]._tal_worker_gate(True)
            self._pause()
            self.Transfer._run(commit=True, gate=gate)

        render.assert_not_called()
        self.assertEqual(gate.stopped, "paused")
        self.assertEqual(invoice.tal_transfer_state, "pending")

    def test_only_accounting_administrators_pause_and_resume(self):
        """As a billing user would try over RPC (call_kw)."""
        self._pause()
        billing = self.billing_user
        attempts = [
            ("account.move", "tal_transfer_resume", [], {}),
            ("account.move", "tal_transfer_pause", [], {}),
            ("res.config.settings", "action_tal_transfer_resume", [[]], {}),
            ("tal.invoice.transfer.gate", "_tal_resume", [], {}),
            (
                "ir.config_parameter",
                "set_param",
                [PAUSED_BY_PARAM, False],
                {},
            ),
            ("res.config.settings", "create", [{"tal_transfer_pace": 0}], {}),
        ]
        for model, method, args, kwargs in attempts:
            with (
                self.subTest(method=method),
                self.assertRaises(AccessError),
            ):
                compat.call_kw(self.env[model].with_user(billing), method, args, kwargs)
        self.assertTrue(self.env["tal.invoice.transfer.gate"]._tal_paused())
        # An accounting administrator may.
        compat.call_kw(
            self.env["account.move"].with_user(self.manager),
            "tal_transfer_resume",
            [],
            {},
        )
        self.assertFalse(self.env["tal.invoice.transfer.gate"]._tal_paused())
