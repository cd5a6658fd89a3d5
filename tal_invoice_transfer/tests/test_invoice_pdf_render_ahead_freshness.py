# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from ..render_ahead import RenderAhead
from .common import TalRenderAheadCase


@tagged("post_install", "-at_install")
class TestInvoicePdfRenderAheadFreshness(TalRenderAheadCase):
    """A batch rendered ahead is stored only as a batch the run renders
    itself would be: for invoices the run still makes a PDF for, with the
    templates of the moment, soon after it was rendered."""

    def _first_run_ends_after_its_first_invoice(self):
        """The scheduler's window is spent at the first invoice: the run
        stores its batch and ends, the next batch under way in a thread."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=0
        ):
            self._worker()._run(move_ids=self.move_ids, commit=True)
        _first, second, _third = self._batches()
        self.assertIn(("ahead", second), self.events)
        # Rendered: what the test changes next comes after the render.
        ahead = RenderAhead.of(self._worker().env, True)
        if ahead._thread:
            ahead._thread.join()

    def test_a_pdf_copy_put_on_the_invoice_after_its_render_ahead_is_filed_alone(
        self,
    ):
        _first, second, _third = self._batches()
        copied = second[1]
        self._first_run_ends_after_its_first_invoice()
        # Meanwhile the old script puts the invoice's PDF on it: the target
        # files that copy, no PDF is to be made for it any more.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            move = env["account.move"].browse(copied)
            self._attach(env, copied, move._get_invoice_report_filename())

        self._worker()._run(move_ids=self.move_ids, commit=True)

        invoice = self._new_env()["account.move"].browse(copied)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(invoice.invoice_pdf_report_id)
        self.assertNotIn(copied, self.stores)

    def test_a_line_label_changed_after_its_render_ahead_is_rendered_again(self):
        _first, second, _third = self._batches()
        changed = second[0]
        self._first_run_ends_after_its_first_invoice()
        # A line's label may be edited on a posted invoice (its row is not
        # written): the PDF rendered ahead shows the old one.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            line = env["account.move"].browse(changed).invoice_line_ids[:1]
            line.name = "Service, as corrected"

        stats = self._worker()._run(move_ids=self.move_ids, commit=True)

        invoice = self._new_env()["account.move"].browse(changed)
        self.assertEqual(stats["skipped"], 1, dict(stats))
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertFalse(invoice.invoice_pdf_report_id)
        self._worker()._run(move_ids=self.move_ids, commit=True)
        self._check_each_made_and_filed_once()
        self.assertEqual(sum(changed in ids for ids, _thread in self.renders), 2)

    def test_a_company_that_stops_making_pdfs_gets_none_of_those_rendered(self):
        first, second, _third = self._batches()

        def stop_making_pdfs(move_id):
            if move_id == first[0]:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env.company.tal_transfer_make_pdf = False

        self.after_store = stop_making_pdfs
        self._worker()._run(move_ids=self.move_ids, commit=True)

        # Rendered before the setting changed (in the run's own batch, and
        # ahead), stored after: none.
        self.assertIn(("ahead", second), self.events)
        later = self._new_env()["account.move"].browse(self.move_ids[1:])
        self.assertFalse(later.invoice_pdf_report_id)
        self.assertEqual(set(later.mapped("tal_transfer_state")), {"no_attachment"})

    def test_a_rule_changed_after_a_render_ahead_renders_its_batch_again(self):
        _first, second, _third = self._batches()
        main = threading.get_ident()
        self._first_run_ends_after_its_first_invoice()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            rule = env["tal.invoice.transfer.pdf.rule"].create(
                {
                    "keyword": "a word no invoice holds",
                    "report_id": env.ref("account.account_invoices").id,
                }
            )
            rule_id = rule.id
        self.addCleanup(self._remove_rule, rule_id)

        self._worker()._run(move_ids=self.move_ids, commit=True)

        self._check_each_made_and_filed_once()
        # Rendered ahead before the change, then again by the run itself.
        self.assertEqual(sum(ids == second for ids, _thread in self.renders), 2)
        self.assertIn((second, main), self.renders)

    def _remove_rule(self, rule_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["tal.invoice.transfer.pdf.rule"].browse(rule_id).unlink()

    def test_a_batch_rendered_ahead_an_hour_before_is_rendered_again(self):
        _first, second, _third = self._batches()
        main = threading.get_ident()
        self._first_run_ends_after_its_first_invoice()
        real_monotonic = time.monotonic

        # The job's next run comes an hour later.
        with patch("time.monotonic", side_effect=lambda: real_monotonic() + 3600):
            self._worker()._run(move_ids=self.move_ids, commit=True)

        self._check_each_made_and_filed_once()
        self.assertIn((second, main), self.renders)

    def test_a_batch_rendered_ahead_belongs_to_the_job_not_to_its_thread(self):
        # The scheduler may run a job's next call in another of its threads,
        # or from Run Manually in a web request's thread.
        env = self._worker().with_context(cron_id=-42).env
        here = RenderAhead.of(env, True)
        there = []
        thread = threading.Thread(
            target=lambda: there.append(RenderAhead.of(env, True))
        )
        thread.start()
        thread.join()
        self.assertIsNotNone(here)
        self.assertIs(there[0], here)
        RenderAhead.drop(env)
        self.assertIsNot(RenderAhead.of(env, True), here)
        RenderAhead.drop(env)

    def test_a_worker_beyond_the_setting_drops_its_batch_rendered_ahead(self):
        # The Parallel workers setting was lowered: this job is archived, its
        # batch rendered ahead would wait in memory for good.
        env = self._worker().with_context(cron_id=-43).env
        ahead = RenderAhead.of(env, True)
        self.assertIs(RenderAhead.of(env, True), ahead)

        env["tal.invoice.transfer"]._cron_transfer(worker=99)

        self.assertIsNot(RenderAhead.of(env, True), ahead)
        RenderAhead.drop(env)
