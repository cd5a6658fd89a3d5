"""Paths, ports, users and the run profiles of the e2e harness."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# Odoo's own addons first when they live outside the odoo package (18.0;
# ODOO_CORE_ADDONS, set by scripts/odoo_env.sh), then the repository's
ADDONS_PATH = ",".join(
    path
    for path in (os.environ.get("ODOO_CORE_ADDONS"), REPO, f"{REPO}/test_addons")
    if path
)
RUNS_DIR = os.path.join(HERE, ".runs")
PORTS = range(18100, 18200)
LOCK_FILE = "/tmp/tal_e2e.lock"
DB_PREFIX = "tal_e2e_"
TASK_MODULE = "e2e.odoo_task"

FILE_FIELDS = ("invoice_pdf_report_file",)  # account.move._get_fields_to_detach()

# (login, password); created by odoo_task.task_setup_base
MANAGER = ("e2e_manager", "e2e_manager_pw")
BILLING = ("e2e_billing", "e2e_billing_pw")
ADMIN = ("admin", "e2e_admin_pw")

# See scenarios/crash_loop.py: the first three kills leave the engine no time
# to commit, so Odoo takes the next job for timed out.
CRASH_PLAN = (
    "progress row",
    "progress row",
    "progress row",
    "job start",
    "before any work",
    "first invoice",
)

PROFILES = {
    # invoices per company (c1 good, c2 folder removed during the run, c3 misconfigured)
    "reduced": {
        "count": 250,
        "count_c2": 10,
        "count_c3": 6,
        "kills": 5,
        "big_file_mb": 5,
        "timeout": 150,
        "cron_workers": 2,
        "upgrade_targets": ("dms",),
        "two_servers_targets": ("dms",),
        "crash_targets": ("dms",),
        "uploads_targets": ("dms", "documents"),
        "deletions": (12, 8),  # documents deleted during the run, after it
        "uploads": 40,
        "empty_tree_rounds": ("cron threads",),
        # see scenarios/crash_loop.py; Odoo takes the job for timed out after
        # the third kill (none of the three left the engine time to commit),
        # so the wait for the rescue trigger is paid once
        "crash_plan": CRASH_PLAN,
        # kill_during_pdf_renders: invoices without files added (customer
        # ones want their PDF made), template invoices with files kept in
        # scope, SIGKILLs
        "pdf_backlog": 48,
        "pdf_with_files": 8,
        "pdf_kills": 3,
    },
    "full": {
        "count": 2000,
        "count_c2": 40,
        "count_c3": 20,
        "kills": 20,
        "big_file_mb": 50,
        "timeout": 900,
        "cron_workers": 2,
        "upgrade_targets": ("dms", "documents"),
        "two_servers_targets": ("dms", "documents"),
        "crash_targets": ("dms", "documents"),
        "uploads_targets": ("dms", "documents"),
        "deletions": (60, 30),
        "uploads": 150,
        "empty_tree_rounds": ("cron threads", "cron and a process"),
        "crash_plan": CRASH_PLAN,
        "pdf_backlog": 400,
        "pdf_with_files": 40,
        "pdf_kills": 12,
    },
}
