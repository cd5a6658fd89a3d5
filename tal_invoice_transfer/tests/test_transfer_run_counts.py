# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from .common import TalTransferCommon


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


@tagged("post_install", "-at_install")
class TestTransferRunCounts(TalTransferCommon):
    """The run history counts from the invoices: exact after any crash."""

    target = "documents"

    def setUp(self):
        super().setUp()
        self.Run = self.env["tal.invoice.transfer.run"].sudo()
        self.Run.search([]).unlink()

    def _killed_after(self, count):
        """Patch the engine so that the process dies after `count` invoices."""
        real_process = type(self.Transfer)._process
        handled = []

        def process(model, move, run=None, **kwargs):
            if len(handled) == count:
                raise Killed()
            handled.append(move)
            return real_process(model, move, **({"run": run} if run else {}), **kwargs)

        return patch.object(type(self.Transfer), "_process", process)

    def _run_until_killed(self, run):
        # Not assertRaises: Odoo's rolls back, a kill keeps what was done.
        try:
            self.Transfer._run(run=run)
        except Killed as kill:
            return kill
        self.fail("not killed")

    def test_runs_killed_midway_count_every_invoice_they_transferred(self):
        invoices = [self._make_invoice() for _ in range(7)]
        for killed_after in (2, 3):
            run = self.Run._tal_start("manual")
            with self._killed_after(killed_after):
                self._run_until_killed(run)
        last = self.Run._tal_start("manual")
        self.Transfer._run(run=last)
        last._tal_progress(final=True)

        runs = self.Run.search([])
        self.assertEqual(len(runs), 3)
        self.assertEqual(sorted(runs.mapped("done_count")), [2, 2, 3])
        self.assertEqual(
            sum(runs.mapped("done_count")),
            self.Move.search_count(
                [
                    ("id", "in", [m.id for m in invoices]),
                    ("tal_transfer_state", "=", "done"),
                ]
            ),
        )
        self.assertEqual(
            {m.tal_transfer_run_id for m in invoices}, set(runs), "each carries its run"
        )

    def test_run_id_goes_with_the_state_and_the_run_is_not_written_per_invoice(self):
        invoices = [self._make_invoice() for _ in range(3)]
        run = self.Run._tal_start("manual")
        self.env.flush_all()
        statements = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(str(getattr(query, "code", query)))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            self.Transfer._run(run=run)
            self.env.flush_all()

        state_writes = [
            s for s in statements if s.lstrip().startswith("UPDATE account_move SET")
        ]
        self.assertEqual(len(state_writes), 3, "one state write per invoice")
        self.assertTrue(all('"tal_transfer_run_id"' in s for s in state_writes))
        self.assertFalse(
            [s for s in statements if "tal_invoice_transfer_run" in s],
            "the counts need no write on the run",
        )
        self.assertEqual([m.tal_transfer_run_id for m in invoices], [run] * 3)
        self.assertEqual(run.done_count, 3)

    def test_first_errors_and_failures_come_from_the_invoices(self):
        good = self._make_invoice()
        bad = self._make_invoice()
        real = type(self.env["tal.transfer.target.documents"])._tal_transfer

        def fail_bad(target, move, attachments):
            if move == bad:
                raise ValueError("broken")
            return real(target, move, attachments)

        run = self.Run._tal_start("manual")
        with (
            patch.object(
                type(self.env["tal.transfer.target.documents"]),
                "_tal_transfer",
                fail_bad,
            ),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "ERROR"),
        ):
            self.Transfer._run(run=run)

        self.assertEqual((run.done_count, run.failed_count), (1, 1))
        self.assertIn(f"{bad.name}: ", run.first_errors)
        self.assertIn("broken", run.first_errors)
        self.assertNotIn(good.name, run.first_errors)
        self.assertEqual(self.Run.search([("failed_count", ">", 0)]), run)


@tagged("post_install", "-at_install")
class TestTransferRunCompanies(TalTransferCommon):
    """A run that handled two companies shows each only to whom may see it."""

    target = "documents"

    def test_manager_of_one_company_sees_only_its_figures_and_errors(self):
        company_a = self.env.company
        company_b = self.setup_other_company(name="Company B")["company"]
        self._make_folder(company_b)
        mine = [self._make_invoice() for _ in range(2)]
        theirs_ok = self._make_invoice(company_id=company_b)
        theirs_bad = self._make_invoice(company_id=company_b)
        real = type(self.env["tal.transfer.target.documents"])._tal_transfer

        def fail_theirs(target, move, attachments):
            if move == theirs_bad:
                raise ValueError("salary review of the CEO")
            return real(target, move, attachments)

        run = self.env["tal.invoice.transfer.run"].sudo()._tal_start("manual")
        with (
            patch.object(
                type(self.env["tal.transfer.target.documents"]),
                "_tal_transfer",
                fail_theirs,
            ),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "ERROR"),
        ):
            self.Transfer._run(run=run)
        run._tal_progress(final=True)
        self.assertEqual((run.done_count, run.failed_count), (3, 1), "all companies")

        manager_a = new_test_user(
            self.env,
            login="tal_manager_a",
            groups="account.group_account_manager",
            company_id=company_a.id,
            company_ids=[(6, 0, company_a.ids)],
        )
        seen = run.with_user(manager_a).with_context(allowed_company_ids=company_a.ids)
        seen.invalidate_recordset()
        self.assertEqual((seen.done_count, seen.failed_count), (2, 0))
        self.assertFalse(seen.first_errors)
        self.assertEqual(seen.company_line_ids.company_id, company_a)
        lines = (
            self.env["tal.invoice.transfer.run.company"].with_user(manager_a).search([])
        )
        self.assertEqual(lines.company_id, company_a)
        self.assertEqual(lines.done_count, 2)
        self.assertNotIn(
            theirs_bad.name,
            "".join(seen.read(["first_errors"])[0]["first_errors"] or ""),
        )
        self.assertFalse(
            self.env["tal.invoice.transfer.run"]
            .with_user(manager_a)
            .search([("failed_count", ">", 0)])
        )
        self.assertTrue(mine and theirs_ok)
