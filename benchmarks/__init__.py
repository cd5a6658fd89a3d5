"""Benchmark of the invoice files transfer (see benchmarks/README.md).

Entry point: `bash benchmarks/run.sh` (runs `python -m benchmarks run`).

    cli.py            the sub-commands and the plans of `run` (--quick, default, --full)
    settings.py       paths, databases, ports; how a sub-command is started
    backlog.py        the addon's snapshot, the template, the backlogs cloned by SQL
    odoo_tasks.py     tasks run inside Odoo (template data, XML-RPC user, N workers)
    scheduler.py      one measurement through Odoo's scheduler: N scheduled
                      actions run by real Odoo servers, end to end
    peer.py           the closest peer: the loop a developer types in `odoo shell`
    measure.py        the commit ceiling; the profiling run (`one`, a direct call)
    worker.py         the profiling run's process, the commit ceiling's client
    xmlrpc_client.py  the XML-RPC reference, server and client
    report.py         ratios, goals, results/latest.json and latest.md

Imports: every module may import harness_tools (the tools shared with the e2e
harness) and settings; cli.py imports the others; nothing here imports e2e/.
Odoo's code runs only in the Odoo servers, `odoo shell`, worker.py's
`transfer`, backlog.py's `prepare` and odoo_tasks.py, each in a process of
its own.
"""
