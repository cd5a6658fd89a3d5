# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os
import socket
import stat
import tempfile
import threading
import time
from unittest.mock import patch

from odoo.tests import tagged

from .. import compat
from ..models import tal_invoice_transfer_pdf as pdf_module
from .common import TalPdfCommon


@tagged("post_install", "-at_install")
class TestInvoicePdfFailures(TalPdfCommon):
    """A render that fails or never ends fails its own invoice, with a
    reason a person can act on; the others are made and filed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.renderer = type(cls.env["tal.invoice.transfer.pdf"])

    def _use_template(self, body):
        report = self._make_report("Troublesome", body=body)
        self.env["tal.invoice.transfer.pdf.rule"].create(
            {"keyword": False, "report_id": report.id}
        )
        return report

    def _spy_renders(self):
        return patch.object(
            self.renderer,
            "_tal_render_chunk",
            autospec=True,
            side_effect=self.renderer._tal_render_chunk,
        )

    def _short_time_limit(self, seconds=3):
        return patch.multiple(
            pdf_module, RENDER_TIMEOUT=seconds, RENDER_TIMEOUT_PER_INVOICE=0
        )

    def test_a_template_that_raises_fails_its_invoice_only(self):
        report = self._use_template('<t t-if="o.ref == \'BOOM\'" t-out="1 / 0"/>')
        good = self._make_invoice(files=()) | self._make_invoice(files=())
        bad = self._make_invoice(files=(), ref="BOOM")
        good |= self._make_invoice(files=())

        with self._spy_renders() as render:
            stats = self.Transfer._run()

        self.assertEqual(stats["done"], 3)
        self.assertEqual(stats["failed"], 1)
        self.assertEqual(set(good.mapped("tal_transfer_state")), {"done"})
        self.assertEqual(len(good.mapped(self._official_pdf)), 3)
        self.assertEqual(bad.tal_transfer_state, "failed")
        self.assertEqual(bad.tal_transfer_error_kind, "pdf")
        self.assertIn("Troublesome", bad.tal_transfer_error)
        self.assertIn("division by zero", bad.tal_transfer_error)
        self.assertFalse(self._official_pdf(bad))
        self.assertFalse(bad.tal_transfer_document_count)
        if self.env["tal.invoice.transfer.pdf"]._tal_batches_possible():
            # The batch of four was split until the bad invoice was alone.
            sizes = [len(call.args[3]) for call in render.call_args_list]
            self.assertEqual(sizes[0], 4)
            self.assertEqual(sizes[-1], 1)
        self.assertEqual(good.tal_transfer_pdf_report_id, report)

    def test_an_image_that_never_comes_is_stopped_and_retried_then_failed(self):
        # A server on the loopback that accepts and never answers: wkhtmltopdf
        # waits for the image forever, as with a dead image host.
        server = socket.socket()
        self.addCleanup(server.close)
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/logo.png"
        self._use_template(
            '<img t-if="o.ref and o.ref.startswith(\'http\')" t-att-src="o.ref"/>'
        )
        good = self._make_invoice(files=())
        hanging = self._make_invoice(files=(), ref=url)

        with self._short_time_limit(), self._spy_renders() as render:
            started = time.monotonic()
            self.Transfer._run()
            elapsed = time.monotonic() - started

        self.assertEqual(good.tal_transfer_state, "done")
        self.assertTrue(self._official_pdf(good))
        self.assertEqual(hanging.tal_transfer_state, "pending")
        self.assertEqual(hanging.tal_transfer_error_kind, "pdf")
        self.assertIn("within 3 seconds", hanging.tal_transfer_error)
        self.assertIn("attempt 1 of 3", hanging.tal_transfer_error)
        self.assertLess(elapsed, 30, "wkhtmltopdf was stopped")
        if self.env["tal.invoice.transfer.pdf"]._tal_batches_possible():
            # The batch timed out; its invoices were then rendered alone.
            sizes = [len(call.args[3]) for call in render.call_args_list]
            self.assertEqual(sizes, [2, 1, 1])

        with self._short_time_limit():
            self.Transfer._run()
            self.Transfer._run()
        self.assertEqual(hanging.tal_transfer_state, "failed")
        self.assertIn("attempt 3 of 3", hanging.tal_transfer_error)
        self.assertFalse(self._official_pdf(hanging))

    def _stand_in_wkhtmltopdf(self, script):
        """A wkhtmltopdf program of our own, used as Odoo uses the real one."""
        handle, path = tempfile.mkstemp(prefix="wkhtmltopdf-stand-in-")
        with os.fdopen(handle, "w") as file:
            file.write(f"#!/bin/sh\n{script}\n")
        os.chmod(path, stat.S_IRWXU)
        self.addCleanup(os.unlink, path)
        return compat.use_wkhtmltopdf(path)

    def test_a_wkhtmltopdf_that_never_ends_is_stopped(self):
        invoice = self._make_invoice(files=())
        with self._stand_in_wkhtmltopdf("exec sleep 600"), self._short_time_limit(2):
            started = time.monotonic()
            self.Transfer._run()
            self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertIn("within 2 seconds", invoice.tal_transfer_error)

    def test_a_wkhtmltopdf_that_crashes_fails_the_invoice(self):
        invoice = self._make_invoice(files=())
        with self._stand_in_wkhtmltopdf("echo 'Segmentation fault' >&2; exit 139"):
            self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertEqual(invoice.tal_transfer_error_kind, "pdf")
        self.assertIn("Wkhtmltopdf failed", invoice.tal_transfer_error)
        self.assertFalse(self._official_pdf(invoice))

    def test_a_job_renders_nothing_it_could_not_finish_before_being_killed(self):
        invoices = self._make_invoice(files=()) | self._make_invoice(files=())
        # Less left before the server kills the job than the margin kept for
        # the invoices' own transactions.
        with (
            patch.object(
                self.renderer,
                "_tal_time_left",
                return_value=pdf_module.RENDER_MARGIN / 2,
            ),
            self._spy_renders() as render,
        ):
            stats = self.Transfer._run()
        render.assert_not_called()
        self.assertFalse(stats.total())
        self.assertEqual(set(invoices.mapped("tal_transfer_state")), {"pending"})
        self.assertFalse(invoices.mapped("tal_transfer_attempts")[0])

    def test_the_time_left_is_the_servers_limit_not_the_schedulers_window(self):
        renderer = self.env["tal.invoice.transfer.pdf"]
        self.assertIsNone(renderer._tal_time_left(), "not in a scheduled job")
        job = renderer.with_context(cron_end_time=time.monotonic() + 10)
        thread = threading.current_thread()
        with (
            patch.dict(compat.config_options(), {"limit_time_real_cron": 300}),
            patch.object(thread, "start_time", time.time() - 100, create=True),
        ):
            self.assertAlmostEqual(job._tal_time_left(), 200, delta=5)
        with (
            patch.dict(
                compat.config_options(),
                {"limit_time_real_cron": 0, "limit_time_real": 120},
            ),
            patch.object(thread, "start_time", time.time() - 30, create=True),
        ):
            self.assertAlmostEqual(job._tal_time_left(), 90, delta=5)

    def test_the_time_left_counts_from_the_jobs_start_in_a_prefork_worker(self):
        # A prefork cron worker's thread has no start time, and its watchdog
        # counts from before the job, which started 100 s ago here.
        renderer = self.env["tal.invoice.transfer.pdf"]
        job = renderer.with_context(cron_end_time=time.monotonic() + 10 - 100)
        thread = threading.current_thread()
        with (
            patch.dict(compat.config_options(), {"limit_time_real_cron": 300}),
            patch.object(thread, "start_time", None, create=True),
        ):
            self.assertAlmostEqual(job._tal_time_left(), 200, delta=5)
