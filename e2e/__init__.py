"""End-to-end harness of tal_invoice_transfer (see e2e/README.md).

Entry point: `bash e2e/run.sh` (runs `python -m e2e`).

    runner.py       options, the plan of scenarios, PASS/FAIL lines, summary
    harness.py      the run: work folder, databases, processes, templates
    settings.py     paths, ports, users, the reduced and full profiles
    steps.py        steps the scenarios share (drain the backlog, start together)
    invariant.py    the exactly-once invariant and the other checks
    scenarios/      one module per scenario, listed in scenarios/__init__.py
    odoo_task.py    tasks run inside Odoo, each in a process of its own

Imports: every module may import harness_tools (the tools shared with the
benchmark) and settings; scenarios import harness, steps and invariant;
nothing imports a scenario but scenarios/__init__.py. Only odoo_task.py runs
Odoo's code: the harness checks everything with SQL.
"""
