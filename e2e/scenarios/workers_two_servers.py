"""Parallel workers through the scheduler across two Odoo servers (issue 12):
two server processes on one database, two cron threads each, the Parallel
workers setting at 4 (four scheduled actions sharing the backlog). One
server is SIGKILLed while it transfers and the other goes on alone; the
killed one is restarted or not (the seed decides). The backlog is done,
exactly once, with no invoice failed on a lock and every worker's scheduled
action still active."""

import re
import time

from harness_tools import addon
from harness_tools.db import q1
from harness_tools.procs import HarnessError, wait_until

from ..harness import log
from ..invariant import run_all_done, snapshot
from ..steps import (
    busy_server,
    classify,
    crons_started,
    drain,
    handled_count,
    jobs_started,
    pending_count,
    wait_handled,
)

WORKERS = 4
CRON_THREADS = 2


def targets(profile):
    return profile["two_servers_targets"]


def run(h, target):
    db = h.clone(f"two_{target}")
    h.configure(db, target)
    h.set_parallel_workers(db, WORKERS)
    snap = snapshot(h, db)
    servers = [
        h.server(db, name, cron_threads=CRON_THREADS).start() for name in ("a", "b")
    ]
    total = pending_count(db)
    t0 = time.time()
    h.make_cron_ready(db)
    # Early: four workers transfer this backlog in seconds; most of it is
    # left to the other server.
    wait_handled(h, db, min(10, total // 10), 120, "the first invoices")
    # SIGKILL a server while it holds a transaction of the transfer.
    deadline = time.time() + 10
    victim, states = busy_server(db, h.rng.sample(servers, 2))
    while victim is None and time.time() < deadline and pending_count(db):
        time.sleep(0.002)
        victim, states = busy_server(db, h.rng.sample(servers, 2))
    if victim is None:
        raise HarnessError("no server was working when the kill was due")
    survivor = servers[1 - servers.index(victim)]
    killed_at = handled_count(db)
    victim.kill()
    where = classify(states)
    log(
        f"SIGKILL of server {'ab'[servers.index(victim)]} ({where}) at {killed_at}/{total}"
    )
    # The other server goes on alone: its cron threads take the jobs the
    # killed one held once their rows are free.
    alone = None
    try:
        wait_until(
            lambda: handled_count(db) >= killed_at + 20 or pending_count(db) == 0,
            90,
            "the other server to go on alone",
            on_idle=lambda: h.make_cron_ready(db),
        )
        alone = handled_count(db) - killed_at
    except HarnessError as error:
        log(f"the other server did not go on: {error}")
    restarted = h.rng.random() < 0.5
    if restarted:
        victim.start()
        alone = handled_count(db) - killed_at if alone is not None else None
    drain(h, db, survivor, h.profile["timeout"])
    if not restarted and alone is not None:
        alone = handled_count(db) - killed_at
    wall = time.time() - t0
    for server in servers:
        server.stop()

    text = "".join(server.log_text() for server in servers)
    counts, violations = run_all_done(h, db, snap, text, killed=True)
    if alone is None:
        violations.append(
            "STALLED: the surviving server did not go on after the other was killed"
        )
    # Each worker's scheduled action ran, in one server or the other. Not
    # each transferred something: the kill may land while a worker prepares
    # its first batch, and the others finish this small backlog meanwhile.
    crons_ran = crons_started(text, addon.CRON_NAME)
    if len(crons_ran) < WORKERS:
        violations.append(
            f"WORKERS: {len(crons_ran)} of the {WORKERS} scheduled actions ran"
        )
    crons_transferred = q1(
        db,
        "SELECT count(DISTINCT cron_id) FROM tal_invoice_transfer_run "
        "WHERE cron_id IS NOT NULL",
    )
    jobs = [jobs_started(server.log_text(), addon.CRON_NAME) for server in servers]
    if not all(jobs):
        violations.append(f"SERVERS: jobs started per server {jobs}: one never worked")
    counts.update(
        kills=1,
        killed_at=killed_at,
        done_alone=alone or 0,
        restarted=int(restarted),
        workers=WORKERS,
        crons_ran=len(crons_ran),
        crons_transferred=crons_transferred,
        jobs_server_a=jobs[0],
        jobs_server_b=jobs[1],
        error_log_lines=len(re.findall(r"^\S+ \S+ \d+ ERROR ", text, re.M)),
    )
    h.figures["kills"] += 1
    h.figures[f"kills {where}"] += 1
    h.figures["invoices"] += counts.get("invoices", 0)
    h.figures["concurrent workers"] = max(h.figures["concurrent workers"], WORKERS)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"2 servers x {CRON_THREADS} cron threads, {WORKERS} workers, SIGKILL "
            f"({where}) at {killed_at}/{total}, {alone or 0} done by the other alone, "
            f"{'restarted' if restarted else 'not restarted'}, {wall:.0f}s"
        ),
    )
