"""For code that runs inside Odoo (tasks, benchmark workers): open a
registry, the superuser environment, wait at the start line, a task's main().

Imports Odoo inside its functions: importing this module costs nothing."""

import argparse
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def open_registry(
    db, addons_path, data_dir, log_level="warn", logfile=None, config=None
):
    """Configure Odoo as a server would be (local socket, HTTP on 127.0.0.1
    only, no cron thread) and load the registry of `db`."""
    import odoo
    from odoo.modules.registry import Registry

    config_args = [
        "-d",
        db,
        "--db_host=",
        f"--addons-path={addons_path}",
        f"--data-dir={data_dir}",
        f"--log-level={log_level}",
        "--http-interface=127.0.0.1",
        "--max-cron-threads=0",
    ]
    if logfile:
        config_args.append(f"--logfile={logfile}")
    if config:  # an empty odoo.conf: keeps ~/.odoorc and $ODOO_RC out
        config_args[:0] = ["-c", config]
    odoo.tools.config.parse_config(config_args, setup_logging=True)
    return Registry(db)


def superuser_env(cr, context=None):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, context or {})


def user_groups_field(env):
    """The groups field of res.users: `group_ids` since 19.0, `groups_id` in
    18.0."""
    return "group_ids" if "group_ids" in env["res.users"]._fields else "groups_id"


def invoice_factory():
    """scripts/invoice_factory.py: charts, folders and posted invoices with PDFs."""
    scripts = os.path.join(REPO, "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import invoice_factory as factory

    return factory


def ready_then_wait(ready_file, go_file, poll=0.02, timeout=None):
    """Say this process is ready (its registry loaded), then wait for the go
    file: several processes start acting at the same moment (procs.StartLine)."""
    if ready_file:
        with open(ready_file, "w"):
            pass
    deadline = time.time() + timeout if timeout else None
    while go_file and not os.path.exists(go_file):
        if deadline and time.time() > deadline:
            break
        time.sleep(poll)


def task_main(tasks):
    """main() of a task module (odoo.run_task starts it):

        $ODOO_PYTHON -m MODULE --db DB --data-dir DIR --addons-path P TASK [--args JSON]

    Runs tasks[TASK](registry, args) and prints one line `RESULT <json>`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--log-level", default="warn")
    parser.add_argument("--logfile")
    parser.add_argument("--config", help="an empty odoo.conf: keeps ~/.odoorc out")
    parser.add_argument("task", choices=sorted(tasks))
    parser.add_argument("--args", default="{}")
    opts = parser.parse_args()
    registry = open_registry(
        opts.db,
        opts.addons_path,
        opts.data_dir,
        log_level=opts.log_level,
        logfile=opts.logfile,
        config=opts.config,
    )
    result = tasks[opts.task](registry, json.loads(opts.args))
    print("RESULT " + json.dumps(result), flush=True)
