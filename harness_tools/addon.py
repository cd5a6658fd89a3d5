"""Every call of the addon's Python methods that the harness and the
benchmark make, by name, in one place: when the addon moves or renames one,
this file changes, not the scenarios or the workers.

The callers run inside Odoo (e2e/odoo_task.py, benchmarks/worker.py and
benchmarks/backlog.py). Not here: the UI actions the e2e scenarios call over
JSON-RPC on account.move (action_tal_transfer_now, action_tal_transfer_retry,
action_tal_transfer_exclude, tal_transfer_dashboard), and the SQL on the
addon's fields and tables.
"""

MODULE = "tal_invoice_transfer"
CRON_XMLID = "tal_invoice_transfer.ir_cron_tal_invoice_transfer"
# the scheduled action's name, as the scheduler logs it ("Job '...' (id) starting")
CRON_NAME = "Invoice Files: Transfer to Documents"
# the engine's methods the benchmark times (wrapped on engine_class(registry))
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


def start_run(env, trigger):
    """A run record of the transfer history (trigger: 'cron', 'manual')."""
    return env["tal.invoice.transfer.run"]._tal_start(trigger)


def transfer_run(env, run, limit=None):
    """The transfer loop with a commit per invoice, reporting to `run`."""
    return env["tal.invoice.transfer"]._run(limit=limit, commit=True, run=run)


def close_run(run, stats):
    """Close the run record (its figures are counted from the invoices)."""
    run._tal_progress(final=True)


def mark_in_scope(env):
    """The addon's set-based marking of the invoices in scope (as its install
    hook); the number marked."""
    return env["tal.invoice.transfer.scope"]._mark_in_scope()


# The parallel workers (the addon's scheduler model): the setting, and the
# scheduled actions' code, "model._cron_transfer()" for the first worker and
# "model._cron_transfer(worker=K)" for the others.
WORKERS_PARAM = "tal_invoice_transfer.parallel_workers"
WORKER_CODE_LIKE = "model._cron_transfer(%"


def set_parallel_workers(env, count):
    """The Parallel workers setting, saved as the settings do: one active
    scheduled action per worker."""
    env["ir.config_parameter"].sudo().set_param(WORKERS_PARAM, str(count))
    env["tal.invoice.transfer.scheduler"]._tal_sync_workers()


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
