"""The scenarios, one module each, run in the order of SCENARIOS.

A scenario module has:

    targets(profile)  the targets it runs on, a tuple ("dms", "documents"...);
                      (None,) for a scenario without a target
    run(h, target)    -> (counts, violations, extra); `h` is the run
                      (e2e.harness.Harness); a violation is a line saying what
                      broke; an exception is a FAIL line with the error

Its name is its module's name (`--only name` or `--only name:target`).
To add a scenario: a module in this folder and its name in SCENARIOS.
"""

import importlib

SCENARIOS = [
    "kill_random",
    "concurrent",
    "workers_two_servers",
    "pause_two_servers",
    "window_closes",
    "empty_tree_workers",
    "crash_loop",
    "kill_during_pdf_renders",
    "delete_documents",
    "uploads_during_run",
    "documents_account",
    "accounting_plan",
    "customer_plan_two_servers",
    "takeover",
    "bad_input",
    "target_missing",
    "pg_restart",
    "upgrade_uninstall",
]


def load():
    """The scenario modules, in run order."""
    return [importlib.import_module(f"{__name__}.{name}") for name in SCENARIOS]


def name_of(module):
    return module.__name__.rsplit(".", 1)[-1]
