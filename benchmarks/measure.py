"""One measurement: a fresh clone of a backlog, 1 or 2 transfer workers
started together (worker.py), their figures added up, and the result
checked; the commit ceiling's clients likewise."""

import json
import subprocess
import time

from harness_tools.db import q
from harness_tools.procs import HarnessError, ProcessGroup, StartLine

from .backlog import clone_backlog, drop_db, set_target
from .settings import bench_cmd, log

READY_TIMEOUT = 600  # workers loading their registry on a busy machine


def run_workers(*args, **kwargs):
    """One measurement; tried again (fresh clone) if a worker fails, e.g.
    when PostgreSQL is restarted by someone else on a shared machine."""
    for attempt in range(3):
        try:
            return _run_workers(*args, **kwargs)
        except (RuntimeError, HarnessError, subprocess.CalledProcessError) as error:
            log(f"measurement failed ({error}); attempt {attempt + 1} of 3")
            time.sleep(5)
    raise RuntimeError("measurement failed 3 times")


def _run_workers(
    src_db,
    target,
    variant,
    limit,
    workers,
    mode,
    workdir,
    label,
    profile=False,
    keep=False,
    sqlstats=False,
):
    db = f"tal_bench_r_{label}"[:63]
    clone_backlog(src_db, db)
    set_target(db, target)
    line = StartLine(f"{workdir}/{label}.start", workers) if workers > 1 else None
    procs, outs = ProcessGroup(), []
    # Each worker gets the whole limit: the transfer counts the invoices it
    # skips (locked by the other worker) against its limit.
    per_worker = limit
    for w in range(workers):
        out = f"{workdir}/{label}.w{w}.json"
        outs.append(out)
        cmd = bench_cmd(
            "transfer",
            "--db",
            db,
            "--variant",
            variant,
            "--limit",
            str(per_worker),
            "--mode",
            mode,
            "--worker",
            str(w),
            "--out",
            out,
        )
        if line:
            cmd += ["--start-file", line.go_file]
        if profile:
            cmd += ["--profile", f"{workdir}/{label}.profile.txt"]
        if sqlstats:
            cmd += ["--sqlstats", f"{workdir}/{label}.w{w}.sql.txt"]
        procs.spawn(cmd)
    try:
        if line:
            line.wait_ready(READY_TIMEOUT, procs.procs, "the transfer workers to load")
            line.go()
        for p in procs.procs:
            if p.wait() != 0:
                raise RuntimeError(f"transfer worker failed ({label})")
    finally:
        procs.kill_all(wait=10)
    results = []
    for out in outs:
        with open(out) as f:
            results.append(json.load(f))
    # Correctness: every processed invoice is done and has its documents.
    model = "dms_file" if target == "dms" else "documents_document"
    check = q(
        db,
        f"""
        SELECT (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'done'),
               (SELECT count(*) FROM {model} WHERE attachment_id IS NOT NULL),
               (SELECT count(*) FROM ir_attachment a JOIN account_move m
                   ON a.res_model = 'account.move' AND a.res_id = m.id
                WHERE m.tal_transfer_state = 'done'),
               (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'failed')
        """,  # noqa: S608 - a table name of ours
    )[0]
    if not keep:
        drop_db(db)
    processed = sum(r["processed"] for r in results)
    wall = max(r["epoch_end"] for r in results) - min(r["epoch_start"] for r in results)
    queries = sum(r["queries"] for r in results)
    cpu = sum(r.get("odoo_cpu_s", 0) + r.get("pg_cpu_s", 0) for r in results)
    agg = {
        "cpu_ms_per_invoice": round(cpu * 1000 / processed, 2),
        "odoo_cpu_ms_per_invoice": round(
            sum(r.get("odoo_cpu_s", 0) for r in results) * 1000 / processed, 2
        ),
        "pg_cpu_ms_per_invoice": round(
            sum(r.get("pg_cpu_s", 0) for r in results) * 1000 / processed, 2
        ),
        "label": label,
        "target": target,
        "variant": variant,
        "mode": mode,
        "workers": workers,
        "processed": processed,
        "seconds": round(wall, 2),
        "invoices_per_s": round(processed / wall, 1),
        "ms_per_invoice": round(wall * 1000 / processed, 2),
        "queries_per_invoice": round(queries / processed, 1),
        "rss_start_mb": max(r["rss_start_mb"] for r in results),
        "rss_peak_mb": max(r["rss_peak_mb"] for r in results),
        "rss_growth_mb": round(
            max(r["rss_peak_mb"] - r["rss_start_mb"] for r in results), 1
        ),
        "done": int(check[0]),
        "documents": int(check[1]),
        "files_of_done": int(check[2]),
        "failed": int(check[3]),
        "workers_detail": results,
    }
    if workers == 1:
        r = results[0]
        agg["candidate_ms"] = r["candidate_ms"]
        agg["windows"] = r["windows"]
    log(
        f"{label}: {processed} invoices in {wall:.1f} s = {agg['invoices_per_s']}/s, "
        f"{agg['ms_per_invoice']} ms, CPU {agg['odoo_cpu_ms_per_invoice']}+{agg['pg_cpu_ms_per_invoice']} ms, "
        f"{agg['queries_per_invoice']} q/inv, "
        f"RSS {agg['rss_start_mb']}->{agg['rss_peak_mb']} MB; done={check[0]} "
        f"docs={check[1]} files={check[2]} failed={check[3]}"
    )
    return agg


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
