"""PostgreSQL restarted in the middle of a run (`pg_ctlcluster 15 main
restart`, the machine's cluster: skipped with --no-pg-restart); the next run
completes.

With E2E_PG_RESTART_LOCK set (scripts/test.sh, whose other Odoo series runs
its tests beside this harness), the scenario first waits for that file's
lock, held by whatever must not see PostgreSQL go away, and holds it until
it ends."""

import contextlib
import fcntl
import os
import re
import subprocess
import time

from harness_tools.db import q1
from harness_tools.procs import HarnessError, wait_until

from ..harness import log
from ..invariant import check_invariant, lock_failures, not_done, run_history, snapshot
from ..steps import drain, handled_count, pending_count, wait_progress

LOCK_WAIT = 1800  # seconds


def targets(profile):
    return ("dms",)


@contextlib.contextmanager
def restart_allowed():
    """Holds E2E_PG_RESTART_LOCK's lock, if it is set; waits at most
    LOCK_WAIT seconds for it."""
    path = os.environ.get("E2E_PG_RESTART_LOCK")
    if not path:
        yield
        return
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for {path} (a run that PostgreSQL's restart would disturb)")
            t0 = time.time()
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.time() - t0 > LOCK_WAIT:
                        raise HarnessError(
                            f"{path} still locked after {LOCK_WAIT}s"
                        ) from None
                    time.sleep(2)
            log(f"{path} free after {time.time() - t0:.0f}s")
        yield


def run(h, target):
    with restart_allowed():
        return _run(h, target)


def _run(h, target):
    db = h.clone(f"pg_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    # Threaded mode. Odoo 19 core: when PostgreSQL goes away the cron thread
    # dies ("Exception in thread odoo.service.cron.cron0", HTTP goes on) and
    # only a restart of Odoo brings the cron back; in multi-process mode the
    # master stops ("Stopping forcefully"). The harness then plays the
    # supervisor and restarts Odoo: "the next run completes".
    server = h.server(db, "pg").start()
    total = pending_count(db)
    wait_progress(h, db, 0)
    wait_until(lambda: handled_count(db) >= total // 5, 120, "20% of the backlog")
    mid = handled_count(db)
    log(f"restarting PostgreSQL (pg_ctlcluster 15 main restart) at {mid}/{total}")
    subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True, timeout=120)
    h.pg_restarted = True
    t_restart = time.time()
    # Does it carry on by itself?
    how = None
    after = handled_count(db)  # reconnects (retries while PostgreSQL starts)
    try:
        wait_until(
            lambda: handled_count(db) > after + 2 or pending_count(db) == 0,
            8,
            "progress without help",
        )
        how = "carried on by itself"
    except HarnessError:
        try:
            if "Exception in thread odoo.service.cron" in server.log_text():
                raise HarnessError("cron thread dead")
            wait_progress(h, db, handled_count(db), timeout=15)
            how = "resumed when the cron was made ready again"
        except HarnessError:
            dead = "Exception in thread odoo.service.cron" in server.log_text()
            server.stop()
            server.start()
            wait_progress(h, db, handled_count(db), timeout=60)
            how = (
                "cron thread died (Odoo core), resumed after an Odoo restart"
                if dead
                else "resumed after an Odoo restart"
            )
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    text = server.log_text()
    clear = [
        line
        for line in text.splitlines()
        if re.search(
            r"server action #\d+ failed|terminating connection|server closed the connection|"
            r"Connection to the database failed|could not connect",
            line,
        )
    ]
    counts, violations = check_invariant(h, db, snap)
    violations += not_done(counts)
    violations += lock_failures(db)
    # the cron thread died with its connection: its run is interrupted
    violations += run_history(h, db, counts, killed=True)
    if not clear and how != "carried on by itself":
        violations.append(
            "NO CLEAR LOG LINE about the lost connection in the server log"
        )
    counts["restart_at"] = mid
    counts["runs_interrupted"] = q1(
        db, "SELECT count(*) FROM tal_invoice_transfer_run WHERE state = 'interrupted'"
    )
    log(
        f"after the restart: {how} ({time.time() - t_restart:.0f}s); log: {clear[0][:160] if clear else '-'}"
    )
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        f"restart at {mid}/{total}, {how}, log line: {'yes' if clear else 'no'}",
    )
