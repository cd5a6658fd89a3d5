"""Tools shared by the end-to-end harness (e2e/) and the benchmark (benchmarks/).

    db.py       PostgreSQL: short autocommit connections, q/q1, databases cloned
                from a template with their filestore, dropped with it
    procs.py    processes in their own session, killed as a group; free ports;
                bounded waits; a start line for processes that must start together;
                a process's size and CPU time from /proc
    odoo.py     Odoo's command line, a real Odoo server (start, ready, stop,
                kill, JSON-RPC), one-shot `--stop-after-init` runs, tasks run
                inside Odoo in a process of their own (the `RESULT <json>` protocol)
    in_odoo.py  the other side, for code that runs inside Odoo: open a
                registry, the superuser environment, wait at the start line,
                a task's main()
    addon.py    every call of the addon's Python methods by name (one place to
                adapt when the addon moves them)

Imports: this package imports nothing from e2e/ or benchmarks/. Only in_odoo.py
and addon.py use Odoo, and only from processes that run Odoo's code: the
harness and the benchmark's orchestrator never import Odoo.
"""
