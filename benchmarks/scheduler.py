"""One measurement through Odoo's scheduler, end to end: a fresh clone of a
backlog, the Parallel workers setting at N, real Odoo servers whose cron
threads run the N scheduled actions, and the wall time until no invoice is
pending. Nothing here calls the transfer: the servers' scheduler does."""

import os
import re
import subprocess
import time

import psycopg2

from harness_tools.db import connect, q, q1
from harness_tools.odoo import OdooServer, run_task
from harness_tools.procs import (
    START_HEADER,
    HarnessError,
    PortPool,
    ProcessGroup,
    proc_cpu_s,
    proc_status_kb,
)

from .backlog import (
    clone_backlog,
    drop_db,
    ensure_stock_addons,
    set_filing_plan,
    set_target,
)
from .settings import DATA_DIR, PORTS, TASK_MODULE, db_name, log

READY_TIMEOUT = 600  # servers loading their registry on a busy machine
STALL_TIMEOUT = 600  # no invoice finished for this long: the measurement failed
POLL = 0.25  # seconds between two looks for a pending invoice
RENOTIFY_EVERY = 5  # until the first invoice is done (a cron thread not listening yet)
# One server process per worker up to this (the machine's cores); more
# workers get more cron threads per server.
MAX_SERVERS = 2
# the scheduler's log line when it takes a job (ir.cron._run_job)
JOB_START = re.compile(r"Job '[^']*' \((\d+)\) starting")


def layout(workers, servers=None):
    """(servers, cron threads per server) that run `workers` jobs at once."""
    servers = servers or min(workers, MAX_SERVERS)
    return servers, -(-workers // servers)


def sample_every(invoices):
    """Seconds between two samples of the backlog's progress."""
    return 1 if invoices <= 1000 else 2 if invoices <= 10000 else 5


def retried(fn, *args, **kwargs):
    """fn(*args, **kwargs), tried again (3 times in all) if it fails, e.g.
    when someone else restarts PostgreSQL on a shared machine; each try
    starts from a fresh clone."""
    for attempt in range(3):
        try:
            return fn(*args, **kwargs)
        except (
            RuntimeError,
            HarnessError,
            psycopg2.Error,
            subprocess.CalledProcessError,
        ) as error:
            log(f"{fn.__name__} failed ({error}); attempt {attempt + 1} of 3")
            time.sleep(5)
    raise RuntimeError(f"{fn.__name__} failed 3 times")


def measure(*args, **kwargs):
    """One measurement through the scheduler (see _measure), retried."""
    return retried(_measure, *args, **kwargs)


def park_crons(db):
    """Every scheduled action of the clone waits (a day away, no trigger): the
    servers start idle, and only the transfer's jobs run once triggered."""
    q(
        db,
        "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') + interval '1 day'",
    )
    q(db, "DELETE FROM ir_cron_trigger")


def trigger(db, cron_ids):
    """What ir.cron._trigger() does: a trigger due now per job, and the
    NOTIFY that wakes the cron threads (on the `postgres` database, where
    they listen)."""
    q(
        db,
        "INSERT INTO ir_cron_trigger (cron_id, call_at) "
        "SELECT unnest(%s::int[]), now() at time zone 'UTC'",
        [list(cron_ids)],
    )
    notify(db)


def notify(db):
    q("postgres", "SELECT pg_notify('cron_trigger', %s)", [db])


def backend_pids(cr, db):
    cr.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [db],
    )
    return [pid for (pid,) in cr.fetchall()]


def cpu_snapshot(cr, db, servers):
    """CPU seconds of each server process and of each PostgreSQL backend of
    the database (the servers keep their connections in a pool)."""
    return (
        {s.proc.pid: proc_cpu_s(s.proc.pid) for s in servers},
        {pid: proc_cpu_s(pid) for pid in backend_pids(cr, db)},
    )


def cpu_used(before, after):
    odoo = sum(after[0][pid] - before[0].get(pid, 0.0) for pid in after[0])
    pg = sum(after[1][pid] - before[1].get(pid, 0.0) for pid in after[1])
    return odoo, pg


def progress(cr):
    """(pending, done, failed) invoices now."""
    cr.execute(
        """
        SELECT count(*) FILTER (WHERE tal_transfer_state = 'pending'),
               count(*) FILTER (WHERE tal_transfer_state = 'done'),
               count(*) FILTER (WHERE tal_transfer_state = 'failed')
          FROM account_move WHERE tal_transfer_state IS NOT NULL
        """
    )
    return cr.fetchone()


def any_pending(cr):
    cr.execute(
        "SELECT EXISTS (SELECT 1 FROM account_move WHERE tal_transfer_state = 'pending')"
    )
    return cr.fetchone()[0]


def any_processed(cr):
    cr.execute(
        "SELECT EXISTS (SELECT 1 FROM account_move"
        " WHERE tal_transfer_state IN ('done', 'failed', 'nothing'))"
    )
    return cr.fetchone()[0]


def follow(cr, db, servers, t0, pending0, every, stall_timeout=STALL_TIMEOUT):
    """Sample the progress every `every` seconds until no invoice is pending;
    the samples [seconds since t0, invoices processed, done], the time of the
    first invoice processed, and the end."""
    samples = [[0.0, 0, progress(cr)[1]]]
    first = None
    next_sample = t0 + every
    last_change, last_processed = time.time(), 0
    next_notify = t0 + RENOTIFY_EVERY
    while True:
        time.sleep(POLL)
        now = time.time()
        if first is None and any_processed(cr):
            first = round(now - t0, 2)
        if not any_pending(cr):
            t_end = time.time()
            pending, done, _failed = progress(cr)
            samples.append([round(t_end - t0, 2), pending0 - pending, done])
            return samples, first, t_end
        if now >= next_sample:
            pending, done, _failed = progress(cr)
            processed = pending0 - pending
            samples.append([round(now - t0, 2), processed, done])
            next_sample += every
            if processed != last_processed:
                last_change, last_processed = now, processed
        if first is None and now >= next_notify:
            notify(db)
            next_notify = now + RENOTIFY_EVERY
        if now - last_change > stall_timeout:
            raise HarnessError(f"no invoice finished for {stall_timeout} s")
        dead = [s for s in servers if not s.alive()]
        if dead:
            raise HarnessError(f"server exited, see {dead[0].logfile}")


def rate_windows(samples, count=10):
    """Invoices per second over `count` successive slices of the run's time."""
    if len(samples) < 2:
        return []
    total = samples[-1][0]
    out, start = [], samples[0]
    for k in range(1, count + 1):
        edge = total * k / count
        end = next((s for s in samples if s[0] >= edge), samples[-1])
        if end[0] > start[0]:
            out.append(round((end[1] - start[1]) / (end[0] - start[0]), 1))
            start = end
    return out


def checks(db, target):
    """What the transfer left: states, lock failures, documents."""
    model = "dms_file" if target == "dms" else "documents_document"
    row = q(
        db,
        f"""
        SELECT (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'done'),
               (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'failed'),
               (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'),
               (SELECT count(*) FROM account_move
                 WHERE tal_transfer_state = 'failed' AND tal_transfer_error_kind = 'busy'),
               (SELECT count(*) FROM account_move WHERE tal_transfer_error_kind = 'busy'),
               (SELECT count(*) FROM {model} WHERE attachment_id IS NOT NULL),
               (SELECT count(*) FROM ir_attachment a JOIN account_move m
                   ON a.res_model = 'account.move' AND a.res_id = m.id
                WHERE m.tal_transfer_state = 'done')
        """,  # noqa: S608 - a table name of ours
    )[0]
    keys = (
        "done",
        "failed",
        "pending_left",
        "busy_failed",
        "busy_any",
        "documents",
        "files_of_done",
    )
    return dict(zip(keys, (int(v) for v in row), strict=True))


def plan_folders(db, target):
    """How many folders the transfer made (those holding no file of an
    invoice's attachment are the plan's)."""
    if target == "dms":
        return q1(
            db,
            "SELECT count(*) FROM dms_directory WHERE res_model != 'account.move' "
            "AND NOT is_root_directory",
        )
    return q1(
        db,
        "SELECT count(*) FROM documents_document WHERE type = 'folder' "
        "AND folder_id IS NOT NULL",
    )


def jobs_per_server(servers):
    """How many scheduler jobs of the transfer each server ran (its log)."""
    counts = []
    for server in servers:
        with open(server.logfile, errors="replace") as f:
            # The log is appended to: only this start of the server counts.
            this_start = f.read().rsplit(START_HEADER, 1)[-1]
        counts.append(len(JOB_START.findall(this_start)))
    return counts


class TakenPorts:
    """Ports chosen before the servers start, handed out in turn."""

    def __init__(self, ports):
        self.ports = list(ports)

    def take(self):
        return self.ports.pop(0)


def leave_first_pending(db, count):
    """Leave only the first `count` pending invoices (by id) pending, the
    rest of the backlog excluded (plain SQL on a clone): the transfer on a
    database holding the whole backlog, for part of it."""
    q(
        db,
        """
        UPDATE account_move SET tal_transfer_state = 'excluded'
         WHERE tal_transfer_state = 'pending'
           AND id > (SELECT max(id) FROM (
                   SELECT id FROM account_move WHERE tal_transfer_state = 'pending'
                    ORDER BY id LIMIT %s) head)
        """,
        [count],
    )


def _measure(
    src_db,
    target,
    workers,
    workdir,
    label,
    servers=None,
    keep=False,
    size=None,
    filing_plan=None,
    filestore_copy="symlink",
    server_env=None,
    before_start=None,
    watcher=None,
    more_checks=None,
    stall_timeout=STALL_TIMEOUT,
    only_first=None,
):
    """One measurement through the scheduler. The PDF benchmark's (pdf.py)
    options: `filestore_copy` (its clones write files), `server_env` (the
    servers' environment: which wkhtmltopdf), `before_start(db, ports)` (once
    the servers' ports are chosen, before they start), `watcher` (start(pids)
    at t0, stop() at the end: its figures go under "watch"), `more_checks(db)`
    (figures of the clone before it is dropped), `stall_timeout`."""
    db = db_name("s_", label)
    clone_backlog(src_db, db, filestore_copy=filestore_copy)
    set_target(db, target)
    customers = set_filing_plan(db, filing_plan, size or 0) if filing_plan else None
    if only_first:
        leave_first_pending(db, only_first)
    procs = ProcessGroup()
    addons = ensure_stock_addons()
    crons = run_task(
        procs,
        TASK_MODULE,
        db,
        "workers",
        {"count": workers},
        addons_path=addons,
        data_dir=DATA_DIR,
        logfile=f"{workdir}/{label}.setup.log",
    )["crons"]
    if len(crons) != workers:
        raise RuntimeError(f"{len(crons)} scheduled actions for {workers} workers")
    park_crons(db)
    pending0 = q1(
        db, "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'"
    )
    n_servers, threads = layout(workers, servers)
    ports = PortPool(PORTS)
    if before_start:
        ports = TakenPorts([ports.take() for _ in range(n_servers)])
        before_start(db, list(ports.ports))
    odoo = [
        OdooServer(
            procs,
            ports,
            db,
            addons,
            DATA_DIR,
            f"{workdir}/{label}.server{i}.log",
            cron_threads=threads,
            workers=0,
            log_level="info",
            # the deprecation warning of /jsonrpc, used once to load the registry
            extra_args=["--log-handler=odoo.addons.rpc.controllers.jsonrpc:ERROR"],
            env=server_env,
        )
        for i in range(n_servers)
    ]
    conn = None
    watched = {}
    try:
        for server in odoo:
            server.start(wait=False)
        for server in odoo:
            server.wait_ready(READY_TIMEOUT)
            # Loads the registry, which the cron threads share, before t0.
            server.call("common", "login", [db, "admin", "admin"])
        rss_start = [proc_status_kb(s.proc.pid) for s in odoo]
        conn = connect(db)
        cr = conn.cursor()
        cpu0 = cpu_snapshot(cr, db, odoo)
        if watcher:
            watcher.start([s.proc.pid for s in odoo])
        t0 = time.time()
        trigger(db, crons.values())
        try:
            samples, first, t_end = follow(
                cr, db, odoo, t0, pending0, sample_every(pending0), stall_timeout
            )
        finally:
            if watcher:
                watched = watcher.stop()
        cpu1 = cpu_snapshot(cr, db, odoo)
        rss = [
            {
                "start_mb": round(start / 1024, 1),
                "end_mb": round(proc_status_kb(s.proc.pid) / 1024, 1),
                "peak_mb": round(proc_status_kb(s.proc.pid, "VmHWM") / 1024, 1),
            }
            for s, start in zip(odoo, rss_start, strict=True)
        ]
    finally:
        if conn:
            conn.close()
        for server in odoo:
            server.stop()
        procs.kill_all(wait=10)
    result = checks(db, target)
    folders = plan_folders(db, target) if filing_plan else None
    if more_checks:
        result.update(more_checks(db))
    if not keep:
        drop_db(db)
    wall = t_end - t0
    processed = samples[-1][1]
    odoo_cpu, pg_cpu = cpu_used(cpu0, cpu1)
    agg = {
        "label": label,
        "target": target,
        "filing_plan": filing_plan,
        "customers": customers,
        "folders": folders,
        "size": size,
        "only_first": only_first,
        "workers": workers,
        "servers": n_servers,
        "cron_threads": threads,
        "invoices": pending0,
        "processed": processed,
        "seconds": round(wall, 2),
        "invoices_per_s": round(processed / wall, 1),
        "ms_per_invoice": round(wall * 1000 / processed, 2),
        "first_invoice_s": first,
        "odoo_cpu_ms_per_invoice": round(odoo_cpu * 1000 / processed, 2),
        "pg_cpu_ms_per_invoice": round(pg_cpu * 1000 / processed, 2),
        "cpu_ms_per_invoice": round((odoo_cpu + pg_cpu) * 1000 / processed, 2),
        "rss": rss,
        "jobs_per_server": jobs_per_server(odoo),
        "sample_every_s": sample_every(pending0),
        "samples": samples,
        "rate_windows": rate_windows(samples),
        "load_avg": os.getloadavg(),
        **result,
    }
    if watcher:
        agg["watch"] = watched
    agg["ok"] = (
        result["pending_left"] == 0
        and result["failed"] == 0
        and result["busy_failed"] == 0
        and result["documents"] == result["files_of_done"]
    )
    log(
        f"{label}: {processed} invoices in {wall:.1f} s = {agg['invoices_per_s']}/s, "
        f"{agg['ms_per_invoice']} ms/inv, CPU {agg['odoo_cpu_ms_per_invoice']}+"
        f"{agg['pg_cpu_ms_per_invoice']} ms, {n_servers} server(s) x {threads} "
        f"thread(s), jobs {agg['jobs_per_server']}, RSS end "
        f"{[r['end_mb'] for r in rss]} MB; done={result['done']} "
        f"failed={result['failed']} busy={result['busy_failed']}/{result['busy_any']} "
        f"docs={result['documents']} files={result['files_of_done']}"
    )
    return agg
