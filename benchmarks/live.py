"""The live-database controls through the scheduler (issue 25): the pace
limit over a 2-minute run, and how fast a pause takes effect.

One clone of a backlog, the Parallel workers setting at N, real Odoo
servers whose cron threads run the N scheduled actions (as `scheduler.py`).

1. Pace: the limit set (a parameter, as the settings save it), the workers
   triggered; the invoices handled are sampled every second. The figure is
   the rate over the 2 minutes from the first invoice on, against the limit,
   and the most any 60-s window held; the dashboard's rate is read (as an
   accounting manager, over JSON-RPC) at the end.
2. Pause: the limit lifted; at full speed, an accounting manager pauses over
   JSON-RPC. The handled count is polled every 10 ms: the figure is the time
   from the pause being asked for to the last invoice handled, and how many
   invoices were handled after it (at most one per worker may be: the one it
   holds). Then Resume, and the time to the next invoice handled (the
   addon's own trigger wakes the workers; the benchmark does not). Repeated.
"""

import json
import os
import statistics
import time

from harness_tools.db import connect, q, q1
from harness_tools.odoo import OdooServer, run_task
from harness_tools.procs import HarnessError, PortPool, ProcessGroup

from .backlog import clone_backlog, drop_db, ensure_stock_addons, set_target
from .scheduler import READY_TIMEOUT, layout, park_crons, trigger
from .settings import DATA_DIR, PORTS, RESULTS, TASK_MODULE, db_name, log

PACE_PARAM = "tal_invoice_transfer.pace_per_minute"
PAUSED_PARAM = "tal_invoice_transfer.paused_by"
ADMIN = ("admin", "admin")
PACE_SECONDS = 120
# Full speed before each pause, and how long a stop must last to count.
RUN_BEFORE_PAUSE = 6.0
QUIET = 2.0


def handled(cr):
    cr.execute(
        "SELECT count(*) FROM account_move WHERE tal_transfer_state IN"
        " ('done', 'failed', 'no_attachment') AND tal_transfer_run_id IS NOT NULL"
    )
    return cr.fetchone()[0]


def pending(cr):
    cr.execute("SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'")
    return cr.fetchone()[0]


def measure_pace(cr, db, crons, pace, seconds):
    """Handled invoices sampled every second for `seconds` from the first
    one on; (samples [s, handled], first invoice s)."""
    t0 = time.time()
    trigger(db, crons)
    base = handled(cr)
    while handled(cr) == base:
        if time.time() - t0 > 120:
            raise HarnessError("no invoice handled within 2 minutes")
        time.sleep(0.05)
    t1 = time.time()
    samples = [[0.0, handled(cr) - base]]
    next_sample = t1 + 1
    while time.time() < t1 + seconds:
        time.sleep(max(next_sample - time.time(), 0))
        samples.append([round(time.time() - t1, 2), handled(cr) - base])
        next_sample += 1
    return samples, round(t1 - t0, 2)


def window_max(samples, width=60):
    """The most invoices any `width`-second window of the samples held."""
    best = 0
    for start_t, start_n in samples:
        end = [n for t, n in samples if t <= start_t + width]
        best = max(best, end[-1] - start_n)
    return best


def measure_pause(cr, server, workers):
    """One pause at full speed, then Resume; the figures. `server` serves
    the person's requests (no cron thread: the web side of a deployment)."""
    time.sleep(RUN_BEFORE_PAUSE)
    # What any request of a person costs now (same login check).
    sent = time.time()
    server.rpc(ADMIN, "res.users", "search_count", [[]])
    baseline_s = time.time() - sent
    before = handled(cr)
    asked = time.time()
    server.rpc(ADMIN, "account.move", "tal_transfer_pause", [])
    committed = time.time()
    at_commit = handled(cr)
    last, last_change = at_commit, committed
    while time.time() - last_change < QUIET:
        time.sleep(0.01)
        now = handled(cr)
        if now != last:
            last, last_change = now, time.time()
    # Resume: the first invoice handled, with nobody waking the workers.
    resumed = time.time()
    server.rpc(ADMIN, "account.move", "tal_transfer_resume", [])
    while handled(cr) == last:
        if time.time() - resumed > 90:
            raise HarnessError("no invoice handled within 90 s of Resume")
        time.sleep(0.01)
    return {
        "request_baseline_s": round(baseline_s, 3),
        "rpc_s": round(committed - asked, 3),
        # From the click to the last invoice handled; and from the pause
        # being saved (the request's end) to it.
        "effect_s": round(max(last_change, committed) - asked, 3),
        "after_commit_s": round(max(last_change - committed, 0.0), 3),
        "handled_during_request": at_commit - before,
        "handled_after_commit": last - at_commit,
        "at_most_allowed": workers,
        "resume_to_first_s": round(time.time() - resumed, 3),
    }


def run_live(src_db, target, workers, pace, workdir, pauses=3, keep=False):
    db = db_name("l_", f"{target}_w{workers}")
    clone_backlog(src_db, db)
    set_target(db, target)
    # The invoices' own files only: under the scheduler's 10-s jobs the PDF
    # maker renders nothing (its 10-s margin), a matter of its own.
    q(db, "UPDATE res_company SET tal_transfer_make_pdf = FALSE")
    q(
        db,
        "DELETE FROM ir_config_parameter WHERE key IN (%s, %s)",
        [PACE_PARAM, PAUSED_PARAM],
    )
    q(
        db,
        "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
        [PACE_PARAM, str(pace)],
    )
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
        logfile=f"{workdir}/live.setup.log",
    )["crons"]
    park_crons(db)
    backlog = q1(
        db, "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'"
    )
    n_servers, threads = layout(workers)
    ports = PortPool(PORTS)
    servers = [
        OdooServer(
            procs,
            ports,
            db,
            addons,
            DATA_DIR,
            f"{workdir}/live.server{i}.log",
            cron_threads=threads,
            workers=0,
            log_level="info",
            extra_args=["--log-handler=odoo.addons.rpc.controllers.jsonrpc:ERROR"],
        )
        for i in range(n_servers)
    ]
    # A person's requests go to a server of their own, without cron threads.
    web = OdooServer(
        procs,
        ports,
        db,
        addons,
        DATA_DIR,
        f"{workdir}/live.web.log",
        cron_threads=0,
        workers=0,
        log_level="info",
        extra_args=["--log-handler=odoo.addons.rpc.controllers.jsonrpc:ERROR"],
    )
    servers.append(web)
    conn = None
    try:
        for server in servers:
            server.start(wait=False)
        for server in servers:
            server.wait_ready(READY_TIMEOUT)
            server.call("common", "login", [db, "admin", "admin"])
        conn = connect(db)
        conn.autocommit = True
        cr = conn.cursor()
        log(f"pace: {pace} a minute, {workers} workers, {PACE_SECONDS} s")
        samples, first_s = measure_pace(cr, db, crons.values(), pace, PACE_SECONDS)
        dashboard = web.rpc(ADMIN, "account.move", "tal_transfer_dashboard", [])
        done = samples[-1][1]
        rate = done * 60 / samples[-1][0]
        log(
            f"pace: {done} invoices in {samples[-1][0]} s = {rate:.1f}/min (limit {pace})"
        )
        # Full speed, then pauses.
        cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", [PACE_PARAM])
        trigger(db, crons.values())
        measured = []
        for attempt in range(pauses):
            if pending(cr) < 200:
                log("pause: too few invoices left for another pause")
                break
            figures = measure_pause(cr, web, workers)
            log(f"pause {attempt + 1}: {figures}")
            measured.append(figures)
    finally:
        if conn:
            conn.close()
        for server in servers:
            server.stop()
        procs.kill_all(wait=10)
    if not keep:
        drop_db(db)
    effects = [m["effect_s"] for m in measured]
    after_commit = [m["after_commit_s"] for m in measured]
    return {
        "target": target,
        "workers": workers,
        "servers": n_servers,
        "cron_threads": threads,
        "backlog": backlog,
        "pace": {
            "limit_per_minute": pace,
            "seconds": samples[-1][0],
            "handled": done,
            "rate_per_minute": round(rate, 1),
            "rate_vs_limit": round(rate / pace, 3),
            "max_in_any_60s": window_max(samples),
            "first_invoice_s": first_s,
            "dashboard_rate_per_minute": dashboard["rate_per_minute"],
            "dashboard_pace_per_minute": dashboard["pace_per_minute"],
            "samples": samples,
        },
        "pauses": measured,
        "pause_effect_s": {
            "min": min(effects),
            "median": statistics.median(effects),
            "max": max(effects),
        }
        if effects
        else None,
        "pause_after_commit_s": {
            "min": min(after_commit),
            "median": statistics.median(after_commit),
            "max": max(after_commit),
        }
        if after_commit
        else None,
        "load_avg": os.getloadavg(),
    }


def save_live(result):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "live.json"), "w") as f:
        json.dump(result, f, indent=1)
    pace = result["pace"]
    lines = [
        "# Live controls (issue 25): pace limit and pause",
        "",
        f"{result['workers']} workers ({result['servers']} servers x "
        f"{result['cron_threads']} cron threads), {result['target']}, a backlog of "
        f"{result['backlog']} invoices; load average {result['load_avg']}.",
        "",
        "| | |",
        "|---|---|",
        f"| pace limit | {pace['limit_per_minute']} invoices / minute |",
        f"| measured over {pace['seconds']:.0f} s from the first invoice | "
        f"{pace['handled']} invoices = {pace['rate_per_minute']} / minute "
        f"({pace['rate_vs_limit']:.3f} of the limit) |",
        f"| most in any 60 s | {pace['max_in_any_60s']} |",
        f"| dashboard's rate at the end | {pace['dashboard_rate_per_minute']} / minute "
        f"(limit shown: {pace['dashboard_pace_per_minute']}) |",
    ]
    for i, pause in enumerate(result["pauses"], 1):
        lines.append(
            f"| pause {i} at full speed | the last invoice {pause['effect_s']} s after "
            f"the click (the request {pause['rpc_s']} s, a plain request "
            f"{pause['request_baseline_s']} s); {pause['handled_after_commit']} "
            f"handled after the pause was saved (at most "
            f"{pause['at_most_allowed']}), {pause['after_commit_s']} s after it; "
            f"Resume: the first invoice {pause['resume_to_first_s']} s later |"
        )
    text = "\n".join(lines) + "\n"
    with open(os.path.join(RESULTS, "live.md"), "w") as f:
        f.write(text)
    return text
