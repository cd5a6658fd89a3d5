"""Pause during a run on two servers, a kill while paused, then Resume
(issue 25): two Odoo servers (one cron thread each), Parallel workers = 2,
a pace of 600 a minute (the backlog lasts long enough for a JSON-RPC call).
An accounting manager pauses over JSON-RPC while both transfer; each
worker may finish the invoice it holds, then nothing moves: not while the
harness wakes the scheduled actions again and again, not after one server
is SIGKILLed and restarted. A billing user's Resume is refused. The
manager's Resume starts the workers at once (the harness does not wake
them), and the backlog ends done, exactly once."""

import re
import time

from harness_tools import addon
from harness_tools.db import q, q1
from harness_tools.odoo import RpcError
from harness_tools.procs import HarnessError, wait_until

from ..harness import log
from ..invariant import run_all_done, snapshot
from ..settings import BILLING, MANAGER
from ..steps import drain, handled_count, pending_count, wait_handled

WORKERS = 2
# Invoices a minute while the pause is checked: at full speed the backlog is
# done before a JSON-RPC call returns on a busy machine. Lifted for Resume.
PACE = 600
PACE_PARAM = "tal_invoice_transfer.pace_per_minute"
# How long the paused database is watched, in each phase.
WATCH_SECONDS = 8


def targets(profile):
    return ("dms",)


def settled(db, since, quiet=1.0, timeout=30):
    """Wait until the handled count has not changed for `quiet` seconds;
    (count, seconds from `since` to its last change)."""
    last, changed = handled_count(db), time.time()
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.02)
        now = handled_count(db)
        if now != last:
            last, changed = now, time.time()
        elif time.time() - changed >= quiet:
            return last, max(changed - since, 0.0)
    raise HarnessError("the transfer did not stop after the pause")


def watch(h, db, seconds):
    """The handled count over `seconds`, the scheduled actions woken every
    second (as their hourly call or a trigger would): what changed."""
    before = handled_count(db)
    runs = q1(db, "SELECT count(*) FROM tal_invoice_transfer_run")
    end = time.time() + seconds
    while time.time() < end:
        h.make_cron_ready(db)
        time.sleep(1)
    return (
        handled_count(db) - before,
        q1(db, "SELECT count(*) FROM tal_invoice_transfer_run") - runs,
    )


def run(h, target):
    db = h.clone(f"pause_{target}")
    h.configure(db, target)
    h.set_parallel_workers(db, WORKERS)
    # The invoices' own files only: under the scheduler's 10-s jobs the PDF
    # maker renders nothing (its 10-s margin), a matter of its own.
    q(db, "UPDATE res_company SET tal_transfer_make_pdf = FALSE")
    q(
        db,
        "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
        [PACE_PARAM, str(PACE)],
    )
    snap = snapshot(h, db)
    servers = [h.server(db, name, cron_threads=1).start() for name in ("a", "b")]
    total = pending_count(db)
    violations = []
    t0 = time.time()
    h.make_cron_ready(db)
    wait_handled(h, db, min(20, total // 10), 120, "the first invoices")

    # The pause, while both servers transfer. The workers go on until the
    # pause is saved: the request's end (its commit).
    asked = handled_count(db)
    asked_at = time.time()
    servers[0].rpc(MANAGER, "account.move", "tal_transfer_pause", [])
    saved_at = time.time()
    at_pause = handled_count(db)
    after_pause, effect = settled(db, saved_at)
    late = after_pause - at_pause
    log(
        f"pause asked at {asked}/{total}, saved {saved_at - asked_at:.2f}s later at "
        f"{at_pause}: {late} more handled, the last {effect:.2f}s after it was saved"
    )
    if late > WORKERS:
        violations.append(
            f"PAUSE: {late} invoices handled after the pause was saved; at most "
            f"{WORKERS} (one per worker, the one it held) may be"
        )
    if pending_count(db) == 0:
        raise HarnessError("the backlog was done before the pause: nothing to check")

    # Paused: the scheduled actions woken again and again move nothing.
    moved, runs = watch(h, db, WATCH_SECONDS)
    if moved or runs:
        violations.append(f"PAUSED: {moved} invoices handled, {runs} runs while paused")

    # A kill while paused, and a restart: still nothing.
    victim = servers[h.rng.randrange(2)]
    victim.kill()
    log(f"SIGKILL of server {'ab'[servers.index(victim)]} while paused")
    victim.start()
    moved_after_kill, runs_after_kill = watch(h, db, WATCH_SECONDS)
    if moved_after_kill or runs_after_kill:
        violations.append(
            f"PAUSED AFTER KILL: {moved_after_kill} invoices handled, "
            f"{runs_after_kill} runs after the restart"
        )

    # A billing user cannot resume.
    refused = False
    try:
        servers[0].rpc(BILLING, "account.move", "tal_transfer_resume", [])
    except RpcError:
        refused = True
    if not refused:
        violations.append("RIGHTS: a billing user resumed the transfer")
    if not q1(
        db,
        "SELECT count(*) FROM ir_config_parameter WHERE key = %s",
        ["tal_invoice_transfer.paused_by"],
    ):
        violations.append("RIGHTS: the pause is gone after a billing user's call")

    # Resume: the workers start at once, woken by the addon's own trigger;
    # at full speed from now on.
    q(db, "DELETE FROM ir_config_parameter WHERE key = %s", [PACE_PARAM])
    before = handled_count(db)
    resumed_at = time.time()
    servers[1].rpc(MANAGER, "account.move", "tal_transfer_resume", [])
    try:
        wait_until(
            lambda: handled_count(db) > before or pending_count(db) == 0,
            30,
            "the workers to start after Resume",
            interval=0.02,
        )
        restart = time.time() - resumed_at
    except HarnessError:
        restart = None
        violations.append("RESUME: no worker started within 30 s of Resume")
    drain(h, db, servers[1], h.profile["timeout"])
    wall = time.time() - t0
    for server in servers:
        server.stop()

    text = "".join(server.log_text() for server in servers)
    counts, more = run_all_done(h, db, snap, text, killed=True)
    violations += more
    counts.update(
        paused_at=at_pause,
        pause_request_ms=round((saved_at - asked_at) * 1000),
        handled_after_pause=late,
        pause_effect_ms=round(effect * 1000),
        moved_while_paused=moved + moved_after_kill,
        runs_while_paused=runs + runs_after_kill,
        resume_to_first_ms=round(restart * 1000) if restart is not None else -1,
        kills=1,
        error_log_lines=len(re.findall(r"^\S+ \S+ \d+ ERROR ", text, re.M)),
    )
    crons = q1(
        db,
        "SELECT count(*) FROM ir_cron c JOIN ir_act_server s"
        " ON s.id = c.ir_actions_server_id WHERE s.code LIKE %s AND c.active",
        [addon.WORKER_CODE_LIKE],
    )
    if crons != WORKERS:
        violations.append(f"WORKERS: {crons} active scheduled actions, not {WORKERS}")
    h.figures["kills"] += 1
    h.figures["kills while paused"] += 1
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"2 servers, {WORKERS} workers, pace {PACE}/min, paused at {at_pause}/{total}: {late} more "
            f"(last {effect:.2f}s after), 0 while paused ({2 * WATCH_SECONDS}s, "
            f"SIGKILL + restart), resumed: first invoice "
            f"{restart if restart is None else round(restart, 2)}s later, {wall:.0f}s"
        ),
    )
