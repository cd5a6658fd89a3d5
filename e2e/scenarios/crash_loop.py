"""A server killed in a loop (issue 13.3): the server running the
scheduled action is SIGKILLed six times in a row within the first second of
each job, restarted each time, then left alone. The backlog must be done
with no Run Manually and no direct call, and the scheduled action must still
be active.

Odoo counts a job whose process died three times in a row without reporting
progress as timed out: it postpones the action to its next interval (an
hour) and deactivates it after five such failures over a week. The addon
reports progress after the first invoice, and when the scheduler takes a job
for timed out with invoices pending, it adds a trigger two minutes later.

The harness never makes the job due after the start (the install made it
due): it only wakes the cron threads (`pg_notify('cron_trigger', db)`, what
Odoo does for a trigger that is due), since a freshly started server's cron
thread otherwise sleeps up to a minute before it first looks.

When each kill lands (the profile's `crash_plan`):
- "job start": the server's log says the job is starting (the addon's code
  may not have run yet);
- "before any work": the job committed its first progress (the count of
  pending invoices) and no invoice yet;
- "first invoice": the job reported its first invoice done, plus 0-0.3 s;
- "progress row": the scheduler committed the job's progress record, which
  it does just before it calls the action, so the kill lands in the first
  milliseconds of the addon's code, before its first commit.
`E2E_CRASH_PLAN=moment,moment,...` replaces the profile's plan (replays).
"""

import os
import re
import time

from harness_tools import addon
from harness_tools.db import q, q1
from harness_tools.procs import HarnessError, wait_until

from ..harness import log
from ..invariant import check_invariant, log_problems, not_done, run_history, snapshot
from ..steps import backend_states, classify, handled_count, pending_count

# A job is expected within this many seconds of the server's start: the
# rescue after a timeout is two minutes later, and a busy machine may take
# most of a minute to start a server.
JOB_WAIT = 210
# Then the backlog, left alone, is done within this.
FINISH_WAIT = 300
# Odoo counts a failure each time it takes the job for timed out (three
# progress-less kills in a row), and deactivates it after five over a week.
MAX_FAILURES = 2


def targets(profile):
    return profile["crash_targets"]


def _progress(db, cron_id):
    """(id, done, remaining) of the job's latest progress record."""
    rows = q(
        db,
        "SELECT id, done, remaining FROM ir_cron_progress WHERE cron_id = %s "
        "ORDER BY id DESC LIMIT 1",
        [cron_id],
    )
    return rows[0] if rows else (0, 0, 0)


def _cron_state(db, cron_id):
    return q(
        db,
        "SELECT active, failure_count, nextcall, "
        "(SELECT array_agg(call_at ORDER BY call_at) FROM ir_cron_trigger "
        " WHERE cron_id = c.id) FROM ir_cron c WHERE id = %s",
        [cron_id],
    )[0]


class LogTail:
    """New lines of a growing log file."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0

    def read(self):
        if not os.path.exists(self.path):
            return ""
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            text = f.read()
        self.offset += len(text.encode(errors="replace"))
        return text


def _wait_job(h, db, cron_id, server, moment, before_id, tail):
    """Wait for the moment of a new job; return what its progress said."""
    started = re.compile(rf"Job '{re.escape(addon.CRON_NAME)}' \(\d+\) starting")
    seen = {"text": ""}

    def ready():
        if moment == "job start":
            seen["text"] += tail.read()
            return bool(started.search(seen["text"]))
        progress = _progress(db, cron_id)
        if progress[0] <= before_id:
            return False
        if moment == "progress row":
            return True
        if moment == "before any work":
            return progress[2] > 0 or progress[1] > 0
        return progress[1] > 0

    wait_until(
        ready,
        JOB_WAIT,
        f"a job of the scheduled action ({moment})",
        interval=0.003,
        on_idle=lambda: h.wake_crons(db),
        idle_every=1.0,
    )
    if moment == "first invoice":
        time.sleep(h.rng.uniform(0, 0.3))


def run(h, target):
    db = h.clone(f"crash_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    cron_id = h.cron_id(db)
    server = h.server(db, "crash")
    # Due now, as after the install; from here on nobody makes it due.
    q(
        db,
        "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') - interval '1 minute' "
        "WHERE id = %s",
        [cron_id],
    )
    total = pending_count(db)
    violations, kills = [], []
    max_failures = 0
    t0 = time.time()
    stalled = None
    plan = h.profile["crash_plan"]
    if os.environ.get("E2E_CRASH_PLAN"):
        plan = os.environ["E2E_CRASH_PLAN"].split(",")
    for number, moment in enumerate(plan, 1):
        before_id = _progress(db, cron_id)[0]
        tail = LogTail(server.logfile)
        server.start()
        t_start = time.time()
        try:
            _wait_job(h, db, cron_id, server, moment, before_id, tail)
        except HarnessError:
            stalled = (number, _cron_state(db, cron_id))
            break
        states = backend_states(db, server.proc.pid)
        progress = _progress(db, cron_id)
        server.kill()
        active, failures, nextcall, triggers = _cron_state(db, cron_id)
        max_failures = max(max_failures, failures)
        kills.append(
            {
                "moment": moment,
                "where": classify(states),
                "after_start_s": round(time.time() - t_start, 1),
                "done_reported": progress[1],
                "handled": handled_count(db),
            }
        )
        log(
            f"kill {number} ({moment}, {classify(states)}): job reported "
            f"{progress[1]} done; cron active={active} failures={failures} "
            f"nextcall={nextcall} triggers={triggers}"
        )
        if not active:
            violations.append(f"DEACTIVATED: the scheduled action after kill {number}")
    if stalled:
        number, (active, failures, nextcall, triggers) = stalled
        max_failures = max(max_failures, failures)
        violations.append(
            f"STALLED: no job of the scheduled action within {JOB_WAIT}s before kill "
            f"{number} (active={active}, failure_count={failures}, nextcall="
            f"{nextcall}, triggers={triggers}, {pending_count(db)} pending)"
        )
    # Left alone: only the cron threads are woken.
    t_last = time.time()
    finished = None
    if not stalled:
        if not server.alive():
            server.start()
        seen = {"failures": 0}

        def done():
            seen["failures"] = max(seen["failures"], _cron_state(db, cron_id)[1])
            return pending_count(db) == 0

        try:
            wait_until(
                done,
                FINISH_WAIT,
                "the backlog to be done with no help",
                on_idle=lambda: h.wake_crons(db),
                idle_every=1.0,
            )
            finished = time.time() - t_last
        except HarnessError:
            active, failures, nextcall, triggers = _cron_state(db, cron_id)
            violations.append(
                f"STALLED: {pending_count(db)} invoices still pending {FINISH_WAIT}s "
                f"after the last kill (active={active}, failure_count={failures}, "
                f"nextcall={nextcall}, triggers={triggers})"
            )
        max_failures = max(max_failures, seen["failures"])
    server.stop()
    wall = time.time() - t0

    counts, inv = check_invariant(h, db, snap)
    violations = inv + violations
    if finished is not None:
        violations += not_done(counts)
    active, failures, _nextcall, _triggers = _cron_state(db, cron_id)
    if max_failures > MAX_FAILURES:
        violations.append(
            f"FAILURES: Odoo counted {max_failures} failures of the scheduled action "
            f"in a row (it deactivates a job at 5)"
        )
    if not active:
        violations.append("DEACTIVATED: the scheduled action at the end")
    text = server.log_text()
    timed_out = len(re.findall(r"Job '[^']*' \(\d+\) timed out", text))
    if re.search(r"has been deactivated after failing", text):
        violations.append("DEACTIVATED: Odoo's log says the job was deactivated")
    violations += log_problems(text)
    violations += run_history(h, db, counts, killed=True)
    where = {}
    for kill in kills:
        where[kill["where"]] = where.get(kill["where"], 0) + 1
        h.figures[f"kills {kill['where']}"] += 1
    counts.update(
        kills=len(kills),
        backlog=total,
        timed_out_jobs=timed_out,
        max_failure_count=max_failures,
        failure_count_at_end=failures,
        seconds_to_finish_alone=round(finished) if finished is not None else -1,
        runs_interrupted=q1(
            db,
            "SELECT count(*) FROM tal_invoice_transfer_run WHERE state = 'interrupted'",
        ),
    )
    h.figures["kills"] += len(kills)
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    moments = ", ".join(f"{k['moment']} ({k['done_reported']} done)" for k in kills)
    return (
        counts,
        violations,
        (
            f"{len(kills)} kills in a row ({moments}); {timed_out} job(s) taken for "
            f"timed out, failure_count at most {max_failures}; done alone "
            f"{round(finished) if finished is not None else '-'}s after the last kill, "
            f"{wall:.0f}s"
        ),
    )
