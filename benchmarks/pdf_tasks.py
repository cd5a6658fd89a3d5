"""Tasks of the PDF benchmark (benchmarks/pdf.py) run inside Odoo, a process
of their own each (harness_tools.odoo.run_task starts them). Not the
scheduler path: the references, and the memory per batch size.

    render     Odoo's own batch render: account.move.send's
               _prepare_invoice_pdf_report over the pending invoices,
               `batch` invoices per call (1: one render per invoice),
               nothing stored
    transfer   the addon's scheduled action called directly, its PDF batch
               (PDF_BATCH and PDF_CHUNK) set to `batch` in this process

Each reports its wall time, the CPU time of this process, of its
wkhtmltopdf runs (its children) and of its PostgreSQL backend, the peak RSS
of this process and of its largest wkhtmltopdf run."""

import resource
import time

from harness_tools import addon
from harness_tools.in_odoo import superuser_env, task_main
from harness_tools.procs import proc_cpu_s, proc_status_kb

# A PDF whose report CSS was loaded names the report's font (Lato).
STYLED_MARK = b"Lato"


def styled(raw):
    """Whether the PDF is styled (the report's CSS loaded, its font named);
    None when it names no font at all: Debian's wkhtmltopdf (unpatched Qt)
    draws the text as outlines."""
    if b"/BaseFont" not in raw:
        return None
    return STYLED_MARK in raw


def styled_text(values):
    """`values`: styled() of each PDF, as the report says it."""
    named = [v for v in values if v is not None]
    if not named and values:
        return f"text as outlines ({len(values)})"
    return f"{sum(named)}/{len(values)}"


class Meter:
    """Wall time, CPU of this process, of its children and of a PostgreSQL
    backend, between start() and stop()."""

    def __init__(self, backend_pid):
        self.backend_pid = backend_pid

    @staticmethod
    def _cpu(who):
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    def start(self):
        self.rss_start = proc_status_kb()
        self.t0 = time.perf_counter()
        self.own0 = self._cpu(resource.RUSAGE_SELF)
        self.children0 = self._cpu(resource.RUSAGE_CHILDREN)
        self.pg0 = proc_cpu_s(self.backend_pid)

    def stop(self, invoices):
        seconds = time.perf_counter() - self.t0
        own = self._cpu(resource.RUSAGE_SELF) - self.own0
        children = self._cpu(resource.RUSAGE_CHILDREN) - self.children0
        pg = proc_cpu_s(self.backend_pid) - self.pg0
        per = 1000 / invoices if invoices else 0

        return {
            "invoices": invoices,
            "seconds": round(seconds, 2),
            "ms_per_invoice": round(seconds * per, 1),
            "invoices_per_s": round(invoices / seconds, 2) if seconds else None,
            "odoo_cpu_ms_per_invoice": round(own * per, 1),
            "wkhtmltopdf_cpu_ms_per_invoice": round(children * per, 1),
            "pg_cpu_ms_per_invoice": round(pg * per, 1),
            "cpu_ms_per_invoice": round((own + children + pg) * per, 1),
            "rss_start_mb": round(self.rss_start / 1024, 1),
            "rss_peak_mb": round(proc_status_kb("self", "VmHWM") / 1024, 1),
            # ru_maxrss of the children: the largest wkhtmltopdf run (kB),
            # also under coreutils' timeout (Linux passes it up the waits)
            "wkhtmltopdf_peak_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
            ),
        }


def _pending_ids(cr, limit):
    cr.execute(
        "SELECT id FROM account_move WHERE tal_transfer_state = 'pending' "
        "ORDER BY id LIMIT %s",
        [limit],
    )
    return [row[0] for row in cr.fetchall()]


def task_render(registry, args):
    """Odoo's own batch render of the first `limit` pending invoices (all of
    them by default), `batch` per call of _prepare_invoice_pdf_report, as
    Send batches them (account.pdf_generation_batch); nothing stored: each
    batch's transaction is rolled back. With `send_hook`, also Send's step
    after the render, per invoice (_hook_invoice_document_after_pdf_report_render:
    the Factur-X XML made and embedded in the PDF), as the addon does before
    storing the PDF."""
    batch = args["batch"]
    send_hook = args.get("send_hook")
    with registry.cursor() as cr:
        env = superuser_env(cr)
        ids = _pending_ids(cr, args.get("limit"))
        sender = env["account.move.send"]
        meter = Meter(cr._cnx.get_backend_pid())
        wkhtmltopdf = addon.wkhtmltopdf_info()
        made = pdf_bytes = 0
        looks = []
        meter.start()
        for start in range(0, len(ids), batch):
            moves = env["account.move"].browse(ids[start : start + batch])
            invoices_data = {
                move: {"pdf_report": sender._get_default_pdf_report_id(move)}
                for move in moves
            }
            sender.with_company(moves[0].company_id)._prepare_invoice_pdf_report(
                invoices_data
            )
            for move, data in invoices_data.items():
                if send_hook and data.get("pdf_attachment_values"):
                    sender._hook_invoice_document_after_pdf_report_render(move, data)
                raw = data.get("pdf_attachment_values", {}).get("raw") or b""
                made += bool(raw)
                looks.append(styled(raw))
                pdf_bytes += len(raw)
            # Nothing stored (what the render wrote, the cache): the floor.
            cr.rollback()
        result = meter.stop(len(ids))
    return {
        **result,
        "batch": batch,
        "send_hook": bool(send_hook),
        "made": made,
        "styled": styled_text(looks),
        "kb_per_pdf": round(pdf_bytes / 1024 / max(made, 1), 1),
        "wkhtmltopdf": wkhtmltopdf,
    }


def task_transfer(registry, args):
    """The addon's scheduled action called directly (no scheduler: no job
    time budget), its PDF batch set to `batch` in this process, for the first
    `limit` pending invoices: PDFs made, stored, filed, one commit each.
    `profile`: a path for cProfile's figures (by hand only)."""
    before = addon.set_pdf_batch(args["batch"])
    with registry.cursor() as cr:
        env = superuser_env(cr)
        # Outside the measure: what a first transfer loads, touching no invoice.
        addon.warm_up(env)
        wkhtmltopdf = addon.wkhtmltopdf_info()
        cr.commit()  # pylint: disable=invalid-commit - a benchmark script
    with registry.cursor() as cr:
        env = superuser_env(cr)
        meter = Meter(cr._cnx.get_backend_pid())
        profiler = None
        if args.get("profile"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        meter.start()
        stats = addon.cron_transfer(env, args["limit"])
        invoices = sum(v for k, v in stats.items() if k != "skipped")
        result = meter.stop(invoices)
        if profiler:
            import pstats

            profiler.disable()
            with open(args["profile"], "w") as f:
                ps = pstats.Stats(profiler, stream=f)
                ps.sort_stats("cumulative").print_stats(70)
                ps.sort_stats("tottime").print_stats(30)
    return {
        **result,
        "batch": args["batch"],
        "constants_before": before,
        "constants": addon.pdf_batch(),
        "stats": dict(stats),
        "wkhtmltopdf": wkhtmltopdf,
    }


TASKS = {"render": task_render, "transfer": task_transfer}


if __name__ == "__main__":
    task_main(TASKS)
