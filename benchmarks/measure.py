"""Measurements outside the scheduler: the commit ceiling's clients, and a
profiling run (one process calling the scheduled action's method, not the
scheduler path; the benchmark's figures come from scheduler.py)."""

import json

from harness_tools.procs import ProcessGroup, StartLine

from .backlog import clone_backlog, drop_db, set_filing_plan, set_target
from .scheduler import checks
from .settings import bench_cmd, db_name, log

READY_TIMEOUT = 600  # clients starting on a busy machine
TRANSFER_TIMEOUT = 7200


def profile_run(
    src_db,
    target,
    limit,
    workdir,
    label,
    profile=False,
    keep=False,
    sqlstats=False,
    filing_plan=None,
    size=0,
):
    """PROFILING ONLY, not the scheduler path: one process calls the scheduled
    action's method directly, with the context the scheduler gives it, for
    `limit` invoices of a fresh clone, under cProfile or per-query SQL
    statistics if asked, under the company's `filing_plan` if given (set as
    the filing plans' mode sets it for a backlog of `size`). The
    benchmark's figures come from scheduler.py."""
    db = db_name("r_", label)
    clone_backlog(src_db, db)
    set_target(db, target)
    if filing_plan:
        set_filing_plan(db, filing_plan, size)
    out = f"{workdir}/{label}.json"
    cmd = bench_cmd("transfer", "--db", db, "--limit", str(limit), "--out", out)
    if profile:
        cmd += ["--profile", f"{workdir}/{label}.profile.txt"]
    if sqlstats:
        cmd += ["--sqlstats", f"{workdir}/{label}.sql.txt"]
    procs = ProcessGroup()
    try:
        if procs.wait(procs.spawn(cmd), TRANSFER_TIMEOUT) != 0:
            raise RuntimeError(f"transfer worker failed ({label})")
    finally:
        procs.kill_all(wait=10)
    with open(out) as f:
        result = json.load(f)
    result.update(checks(db, target), label=label, target=target)
    if not keep:
        drop_db(db)
    log(
        f"{label} (direct call, profiling): {result['processed']} invoices in "
        f"{result['seconds']:.1f} s = {result['ms_per_invoice']} ms/inv, CPU "
        f"{result['odoo_cpu_ms_per_invoice']}+{result['pg_cpu_ms_per_invoice']} ms, "
        f"{result['queries_per_invoice']} q/inv, RSS {result['rss_start_mb']}->"
        f"{result['rss_peak_mb']} MB; done={result['done']} failed={result['failed']}"
    )
    return result


def commit_ceiling(db, workdir, count, clients):
    line = (
        StartLine(f"{workdir}/commit{clients}.start", clients) if clients > 1 else None
    )
    procs, outs = ProcessGroup(), []
    for w in range(clients):
        out = f"{workdir}/commit{clients}.w{w}.json"
        outs.append(out)
        cmd = bench_cmd(
            "commit",
            "--db",
            db,
            "--count",
            str(count),
            "--worker",
            str(w),
            "--out",
            out,
        )
        if line:
            cmd += ["--start-file", line.go_file]
        procs.spawn(cmd)
    try:
        if line:
            line.wait_ready(READY_TIMEOUT, procs.procs, "the commit clients to start")
            line.go()
        for p in procs.procs:
            p.wait()
    finally:
        procs.kill_all(wait=10)
    rs = []
    for out in outs:
        with open(out) as f:
            rs.append(json.load(f))
    wall = max(r["epoch_end"] for r in rs) - min(r["epoch_start"] for r in rs)
    total = count * clients
    return {
        "clients": clients,
        "commits": total,
        "seconds": round(wall, 3),
        "commits_per_s": round(total / wall),
        "ms_per_commit": round(wall * 1000 / total, 3),
    }
