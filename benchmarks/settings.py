"""Paths, databases and ports of the benchmark, and how it runs its own
sub-commands (each in a process of its own)."""

import os
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
DATA_DIR = os.environ.get("TAL_BENCH_DATA_DIR", "/tmp/tal_bench_data")
# A scratch addons folder holding a snapshot of the addon (see backlog.snapshot_addons).
STOCK_ADDONS = os.path.join(DATA_DIR, "addons_stock")
# Every database of the benchmark starts with this (another prefix keeps two
# runs on one PostgreSQL server apart).
DB_PREFIX = os.environ.get("TAL_BENCH_DB_PREFIX", "tal_bench")
TEMPLATE_DB = f"{DB_PREFIX}_tpl"
TEMPLATE_INVOICES = 40
# Bumped when the template's data changes (odoo_tasks.task_seed): part of
# the hash that decides whether the template is rebuilt.
TEMPLATE_VERSION = 2
# The references' own progress field on invoices (a manual field of the
# template): the addon refuses ORM writes of its transfer state.
REFERENCE_DONE_FIELD = "x_bench_done"
# The servers' ports: PORT_BASE+10 .. PORT_BASE+98 (the servers of a run, the
# XML-RPC reference's server) and PORT_BASE+99 (install and upgrade of the
# template). Another base keeps two runs on one machine apart.
PORT_BASE = int(os.environ.get("TAL_BENCH_PORT_BASE", "18200"))
PORTS = range(PORT_BASE + 10, PORT_BASE + 99)
TEMPLATE_PORT = PORT_BASE + 99
CLONE_FIRST_DAY = date(2016, 1, 1)  # clones span 4 years: 48 month folders per journal
CLONE_DAYS = 4 * 365
TASK_MODULE = "benchmarks.odoo_tasks"


def db_name(kind, suffix):
    """A database of the run: backlog `n`, scheduler measurement `s`, profiling
    run `r`, peer `p`, XML-RPC reference `x`."""
    return f"{DB_PREFIX}_{kind}{suffix}"[:63]


def backlog_db(size):
    return db_name("n", size)


def pdf_backlog_db(size):
    """The PDF benchmark's backlog: customer invoices without files (named
    like the others' backlogs: dropped with them when the template changes)."""
    return db_name("n", f"pdf{size}")


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def bench_cmd(*args):
    """The command line of one of the benchmark's sub-commands."""
    return [sys.executable, "-m", "benchmarks", *args]
