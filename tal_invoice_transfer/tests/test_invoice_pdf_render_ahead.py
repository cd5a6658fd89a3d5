# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import sys
import threading
from unittest.mock import patch

from psycopg2.pool import PoolError

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import tagged

from .. import render_ahead
from ..models.tal_invoice_transfer_pdf import TalInvoiceTransferPdf
from .common import CHUNK, TalRenderAheadCase


@tagged("post_install", "-at_install")
class TestInvoicePdfRenderAhead(TalRenderAheadCase):
    """A scheduled run renders the next batch of PDFs in a thread of its own
    while it stores the current one: every invoice still ends with one
    official PDF, filed once, checked under its lock."""

    def test_the_next_batch_renders_in_its_own_thread_while_one_is_stored(self):
        main = threading.get_ident()
        stats = self._worker()._run(move_ids=self.move_ids, commit=True)

        self.assertEqual(stats["done"], len(self.move_ids), dict(stats))
        self._check_each_made_and_filed_once()
        first, second, third = self._batches()
        # The run rendered its first batch itself, the others were rendered
        # in another thread, each once.
        self.assertEqual(self.renders[0], (first, main))
        self.assertEqual([ids for ids, _thread in self.renders], [first, second, third])
        self.assertTrue(all(thread != main for _ids, thread in self.renders[1:]))
        # The second batch was under way before the first was stored.
        self.assertLess(
            self.events.index(("ahead", second)),
            self.events.index(("store", first[0])),
        )
        self.assertLess(
            self.events.index(("ahead", third)),
            self.events.index(("store", second[0])),
        )
        # Nothing rendered ahead outlives the run when nothing is left.
        self.assertFalse(self._render_ahead_threads())

    def test_a_batch_rendered_ahead_is_taken_by_the_jobs_next_run(self):
        first, second, third = self._batches()
        # The scheduler's window is spent at the first invoice: the run
        # stores its batch and ends, its next batch still under way.
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=0
        ):
            stats = self._worker()._run(move_ids=self.move_ids, commit=True)
        self.assertEqual(stats["done"], CHUNK, dict(stats))
        self.assertEqual(sorted(self.stores), list(first))
        self.assertIn(("ahead", second), self.events)

        main = threading.get_ident()
        stats = self._worker()._run(move_ids=self.move_ids, commit=True)

        self.assertEqual(stats["done"], len(self.move_ids) - CHUNK, dict(stats))
        self._check_each_made_and_filed_once()
        # The second run rendered nothing itself: the batch the first run
        # started, then the one after it, in its thread.
        self.assertEqual([ids for ids, _thread in self.renders], [first, second, third])
        self.assertTrue(all(thread != main for _ids, thread in self.renders[1:]))

    def test_an_invoice_changed_after_its_render_ahead_is_rendered_again(self):
        first, second, _third = self._batches()
        changed = second[0]
        real_take = render_ahead.RenderAhead.take

        def take_then_a_person_edits(ahead, env, move_id, wanting):
            renders = real_take(ahead, env, move_id, wanting)
            if move_id == changed:
                # Rendered, not yet locked: a person changes the invoice.
                with self.registry.cursor() as cr:
                    user = api.Environment(cr, SUPERUSER_ID, {})
                    user["account.move"].browse(changed).ref = "Changed after render"
            return renders

        with patch.object(
            render_ahead.RenderAhead,
            "take",
            autospec=True,
            side_effect=take_then_a_person_edits,
        ):
            stats = self._worker()._run(move_ids=self.move_ids, commit=True)

        check = self._new_env()
        invoice = check["account.move"].browse(changed)
        # Its render was older than the invoice: not stored, left pending.
        self.assertEqual(stats["skipped"], 1, dict(stats))
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertFalse(invoice.invoice_pdf_report_id)

        self._worker()._run(move_ids=self.move_ids, commit=True)
        self._check_each_made_and_filed_once()
        rendered = [ids for ids, _thread in self.renders]
        self.assertEqual(sum(changed in ids for ids in rendered), 2)

    def test_a_render_ahead_without_a_connection_leaves_its_batch_to_the_run(self):
        main = threading.get_ident()
        real_cursor = Registry.cursor

        def cursor(registry, *args, **kwargs):
            # The connection pool is full when the batch ahead would start.
            if sys._getframe(1).f_code.co_name == "start":
                raise PoolError("The Connection Pool Is Full")
            return real_cursor(registry, *args, **kwargs)

        with (
            patch.object(Registry, "cursor", cursor),
            self.assertLogs(render_ahead.__name__, "WARNING") as logs,
        ):
            stats = self._worker()._run(move_ids=self.move_ids, commit=True)

        self.assertEqual(stats["done"], len(self.move_ids), dict(stats))
        self._check_each_made_and_filed_once()
        self.assertIn("Could not start rendering", logs.output[0])
        self.assertEqual(self.renders, [(batch, main) for batch in self._batches()])

    def test_a_render_ahead_that_fails_leaves_its_batch_to_the_run(self):
        main = threading.get_ident()
        real_wanting = TalInvoiceTransferPdf._tal_wanting_sql_ids

        def wanting(maker, move_ids):
            if threading.get_ident() != main:
                raise ConnectionError("no connection left")
            return real_wanting(maker, move_ids)

        with (
            patch.object(
                TalInvoiceTransferPdf,
                "_tal_wanting_sql_ids",
                autospec=True,
                side_effect=wanting,
            ),
            self.assertLogs(render_ahead.__name__, "WARNING") as logs,
        ):
            stats = self._worker()._run(move_ids=self.move_ids, commit=True)

        self.assertEqual(stats["done"], len(self.move_ids), dict(stats))
        self._check_each_made_and_filed_once()
        self.assertIn("rendered when their turn comes", logs.output[0])
        # Each batch rendered once, by the run itself.
        self.assertEqual(self.renders, [(batch, main) for batch in self._batches()])

    def test_a_pause_stores_nothing_rendered_ahead(self):
        first, second, _third = self._batches()

        def pause_after_the_first(move_id):
            if move_id == first[0]:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["tal.invoice.transfer.gate"]._tal_pause()
                self.addCleanup(self._resume)

        self.after_store = pause_after_the_first
        # As the scheduled action runs it.
        worker = self._worker().with_context(tal_transfer_pausable=True)
        gate = worker.env["tal.invoice.transfer.gate"]._tal_worker_gate(True)
        stats = worker._run(move_ids=self.move_ids, commit=True, gate=gate)

        # The worker stopped after its invoice under way; the batch rendered
        # ahead meanwhile was not stored.
        self.assertEqual(gate.stopped, "paused")
        self.assertEqual(stats["done"], 1, dict(stats))
        self.assertIn(("ahead", second), self.events)
        check = self._new_env()
        waiting = check["account.move"].browse(self.move_ids[1:])
        self.assertEqual(set(waiting.mapped("tal_transfer_state")), {"pending"})
        self.assertFalse(waiting.invoice_pdf_report_id)

        self._resume()
        self._worker()._run(move_ids=self.move_ids, commit=True)
        self._check_each_made_and_filed_once()

    def _resume(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["tal.invoice.transfer.gate"]._tal_resume()

    def test_a_persons_request_renders_nothing_ahead(self):
        main = threading.get_ident()
        worker = self._worker()
        # Transfer Now: one transaction, committed at the request's end.
        stats = worker._run(move_ids=self.move_ids)
        worker.env.cr.commit()  # pylint: disable=invalid-commit

        self.assertEqual(stats["done"], len(self.move_ids), dict(stats))
        self._check_each_made_and_filed_once()
        self.assertEqual(self.renders, [(batch, main) for batch in self._batches()])
        self.assertFalse(self._render_ahead_threads())
