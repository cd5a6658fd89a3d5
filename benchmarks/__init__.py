"""Benchmark of the invoice files transfer (see benchmarks/README.md).

Entry point: `bash benchmarks/run.sh` (runs `python -m benchmarks run`).

    cli.py            the sub-commands, `run` and `one`
    settings.py       paths, databases, ports; how a sub-command is started
    backlog.py        the addon's snapshot, the template, the backlogs cloned by SQL
    odoo_tasks.py     tasks run inside Odoo (the template's data, the XML-RPC user)
    measure.py        one measurement: a fresh clone, workers started together
    worker.py         the measured processes: a transfer worker, a commit client
    xmlrpc_client.py  the XML-RPC reference, server and client
    report.py         ratios, results/latest.json and latest.md

Imports: every module may import harness_tools (the tools shared with the e2e
harness) and settings; cli.py imports the others; nothing here imports e2e/.
Odoo's code runs only in worker.py's `transfer`, backlog.py's `prepare` and
odoo_tasks.py, each in a process of its own.
"""
