"""Every call of the addon's Python methods that the harness and the
benchmark make, by name, in one place: when the addon moves or renames one,
this file changes, not the scenarios or the workers.

The callers run inside Odoo (e2e/odoo_task.py, benchmarks/worker.py,
benchmarks/backlog.py and benchmarks/odoo_tasks.py). Not here: the UI
actions the e2e scenarios call over JSON-RPC on account.move
(action_tal_transfer_now, action_tal_transfer_retry,
action_tal_transfer_exclude, tal_transfer_dashboard), and the SQL on the
addon's fields and tables.
"""

MODULE = "tal_invoice_transfer"
CRON_XMLID = "tal_invoice_transfer.ir_cron_tal_invoice_transfer"
# the scheduled action's name, as the scheduler logs it ("Job '...' (id) starting")
CRON_NAME = "Invoice Files: Transfer to Documents"
# the Parallel workers setting: how many scheduled actions work the backlog
WORKERS_PARAM = "tal_invoice_transfer.parallel_workers"
# the engine's methods the profiling run times (wrapped on engine_class(registry))
CANDIDATES_METHOD = "_candidates"
PROCESS_METHOD = "_process"


def engine_class(registry):
    """The registry class holding the transfer engine's methods."""
    return registry["tal.invoice.transfer"]


def warm_up(env):
    """Load what a first transfer loads (target, caches), touching no invoice."""
    env["tal.transfer.target"]._tal_get_target()


def cron_transfer(env, limit=None):
    """What the scheduled action runs (the scheduler's context is `env`'s)."""
    return env["tal.invoice.transfer"]._cron_transfer(limit=limit)


def pending_for_scheduler(env):
    """Pending invoices the scheduled action can take now (those of the
    companies ready for it: a folder set, the transfer not off)."""
    return env["tal.invoice.transfer"]._pending_count()


def mark_in_scope(env):
    """The addon's set-based marking of the invoices in scope (as its install
    hook); the number marked."""
    return env["tal.invoice.transfer.scope"]._mark_in_scope()


def set_parallel_workers(env, count):
    """The Parallel workers setting set to `count`, and its scheduled actions
    made to match, as saving the setting does (without starting them).
    Returns {worker number: ir.cron id} of the `count` active ones."""
    env["ir.config_parameter"].sudo().set_param(WORKERS_PARAM, str(count))
    scheduler = env["tal.invoice.transfer.scheduler"]
    scheduler._tal_sync_workers()
    return {
        number: cron.id
        for number, cron in scheduler._tal_worker_crons().items()
        if number <= count and cron.active
    }


# The parallel workers (the addon's scheduler model): the setting, and the
# scheduled actions' code, "model._cron_transfer()" for the first worker and
# "model._cron_transfer(worker=K)" for the others.
WORKER_CODE_LIKE = "model._cron_transfer(%"


def run_history_figures(env):
    """What the run history and the dashboard show `env`'s user: per company
    the figures of the per-run-and-company view, the runs' own figures
    summed, and the dashboard's counts by state."""
    per_company = {
        company.id: {"done": done, "failed": failed}
        for company, done, failed in env[
            "tal.invoice.transfer.run.company"
        ]._read_group([], ["company_id"], ["done_count:sum", "failed_count:sum"])
    }
    runs = env["tal.invoice.transfer.run"].search([])
    return {
        "per_company": per_company,
        "runs": {
            "done": sum(runs.mapped("done_count")),
            "failed": sum(runs.mapped("failed_count")),
            "by_state": {
                state: len(runs.filtered(lambda r, s=state: r.state == s))
                for state in set(runs.mapped("state"))
            },
        },
        "dashboard": env["account.move"].tal_transfer_dashboard()["counts"],
    }


# The PDF maker (tal_invoice_transfer_pdf.py) and the engine
# (tal_invoice_transfer.py): module constants the PDF benchmark sets.
PDF_MODULE = "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer_pdf"
ENGINE_MODULE = "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer"
# invoices per wkhtmltopdf run, and invoices rendered ahead of their locks
PDF_BATCH_CONSTANTS = ((PDF_MODULE, "PDF_BATCH"), (ENGINE_MODULE, "PDF_CHUNK"))


def set_pdf_batch(size):
    """Render `size` invoices per wkhtmltopdf run (PDF_BATCH and PDF_CHUNK),
    in this process; returns the values it replaced."""
    import importlib

    before = {}
    for module, name in PDF_BATCH_CONSTANTS:
        mod = importlib.import_module(module)
        before[name] = getattr(mod, name)
        setattr(mod, name, size)
    return before


def pdf_batch():
    """{constant: value} of the PDF batch constants in this process."""
    import importlib

    return {
        name: getattr(importlib.import_module(module), name)
        for module, name in PDF_BATCH_CONSTANTS
    }


def wkhtmltopdf_info():
    """The wkhtmltopdf Odoo uses in this process: path, version, whether it
    renders several documents per run (patched Qt)."""
    from odoo.addons.base.models.ir_actions_report import _wkhtml

    info = _wkhtml()
    return {"bin": info.bin, "version": info.version, "patched": info.is_patched_qt}
