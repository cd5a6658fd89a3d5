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
