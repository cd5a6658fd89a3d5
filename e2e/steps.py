"""Steps the scenarios share: the backlog's progress, the scheduled action
woken until the backlog is done, processes started together, and where a
killed server was."""

import os
import re
import time
from collections import Counter

from harness_tools.db import connect, q, q1
from harness_tools.procs import StartLine, wait_until


def pending_count(db):
    return q1(
        db, "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'"
    )


def handled_count(db):
    return q1(
        db,
        "SELECT count(*) FROM account_move WHERE tal_transfer_state IN "
        "('done', 'failed', 'no_attachment')",
    )


def drain(h, db, server, timeout):
    """Run the cron until nothing is pending (re-arming it when it idles)."""
    wait_until(
        lambda: pending_count(db) == 0,
        timeout,
        "the backlog to be done",
        on_idle=lambda: h.make_cron_ready(db),
    )
    # let the job end on its own (it is not killed here)
    time.sleep(0.5)


def start_together(h, db, name, procs_args, timeout=60):
    """Start task processes, wait until each has loaded its registry, return
    them and a function that lets them all go at once."""
    line = StartLine(os.path.join(h.work, f"{db}.{name}.go"), len(procs_args))
    procs = [
        h.task(
            db,
            args.pop("task"),
            dict(args, go_file=line.go_file, ready_file=line.ready_file(index)),
            background=True,
            log_name=f"{db}.{name}{index}.log",
        )
        for index, args in enumerate(procs_args)
    ]
    line.wait_ready(timeout, procs, f"{name} processes to load")
    return procs, line.go


def wait_progress(h, db, before, timeout=90):
    """Wake the cron until it transfers something."""
    h.make_cron_ready(db)
    wait_until(
        lambda: handled_count(db) > before or pending_count(db) == 0,
        timeout,
        "the cron to start transferring",
        interval=0.1,
        on_idle=lambda: h.make_cron_ready(db),
        idle_every=2.0,
    )


def backend_states(db, pid):
    """What the server's PostgreSQL sessions are doing (for the kill report)."""
    return q(
        db,
        "SELECT state, left(query, 40) FROM pg_stat_activity WHERE application_name = %s",
        [f"odoo-{pid}"],
    )


def classify(states):
    if any(
        s == "active" and (qry or "").strip().upper().startswith("COMMIT")
        for s, qry in states
    ):
        return "during COMMIT"
    if any(s == "active" for s, _qry in states):
        return "during a query"
    if sum(1 for s, _qry in states if s == "idle in transaction") > 1:
        return "mid-transaction"
    return "between transactions"


def kill_when_committing(db, server, seconds, before_kill=lambda: None):
    """Poll the server's PostgreSQL sessions until one is committing (at most
    `seconds`), then SIGKILL the server. Returns the sessions last seen and
    what `before_kill()` said just before the kill."""
    deadline = time.time() + seconds
    states = []
    conn = connect(db)
    try:
        with conn.cursor() as cr:
            while time.time() < deadline:
                cr.execute(
                    "SELECT state, left(query, 40) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    [f"odoo-{server.proc.pid}"],
                )
                states = cr.fetchall()
                if classify(states) == "during COMMIT":
                    break
            seen = before_kill()
            server.kill()
    finally:
        conn.close()
    return states, seen


def wait_handled(h, db, count, timeout, what=None):
    """Until `count` invoices are handled (or nothing is pending), waking the
    scheduled actions when they idle."""
    wait_until(
        lambda: handled_count(db) >= count or pending_count(db) == 0,
        timeout,
        what or f"{count} invoices handled",
        interval=0.05,
        on_idle=lambda: h.make_cron_ready(db),
    )


def busy_server(db, servers):
    """Among `servers`, one whose PostgreSQL sessions are working (a
    transaction open or a query running), else None."""
    for server in servers:
        if server.alive():
            states = backend_states(db, server.proc.pid)
            if any(s in ("active", "idle in transaction") for s, _q in states):
                return server, states
    return None, []


def tree_directories(db, roots):
    """How many DMS directories the tree under `roots` holds (the transfer's
    journal / year / month / invoice directories)."""
    return q1(
        db,
        "SELECT count(*) FROM dms_directory d JOIN dms_directory r "
        "ON d.parent_path LIKE r.parent_path || '%%' AND d.id != r.id "
        "WHERE r.id = ANY(%s)",
        [list(roots)],
    )


def jobs_started(text, cron_name):
    """How many jobs of the transfer's scheduled actions a server log shows
    starting (the first worker's and the others', named '<name> (worker N)')."""
    return len(_job_starts(text, cron_name))


def crons_started(text, cron_name):
    """The ids of the transfer's scheduled actions a server log shows starting."""
    return {int(cron_id) for cron_id in _job_starts(text, cron_name)}


def _job_starts(text, cron_name):
    return re.findall(rf"Job '{re.escape(cron_name)}[^']*' \((\d+)\) starting", text)


def kill_at_random(h, db, server, wanted, running=False):
    """SIGKILL `server` (started here each time, but the first if
    `running`) `wanted` times at random moments while it transfers, every
    third one while a session of it commits, the kills spread over the
    backlog left; it is left stopped. Returns (kills, Counter of where each
    landed)."""
    kills, where = 0, Counter()
    rate = None
    while kills < wanted and pending_count(db):
        before = handled_count(db)
        if not (running and kills == 0):
            server.start()
        wait_progress(h, db, before)
        t_progress, n_progress = time.time(), handled_count(db)
        pending = pending_count(db)
        # spread the kills over what is left of the backlog
        # (the first kill comes early: Documents may transfer the whole
        # reduced backlog in a few seconds)
        budget = (
            0.5 if rate is None else min(2.0, pending / rate / (wanted - kills + 1))
        )
        hunt_commit = kills % 3 == 2
        if hunt_commit:
            states, _seen = kill_when_committing(db, server, max(budget, 0.3))
        else:
            time.sleep(h.rng.uniform(0.02, max(budget, 0.05)))
            states = backend_states(db, server.proc.pid)
            server.kill()
        kills += 1
        where[classify(states)] += 1
        n_now = handled_count(db)
        if time.time() > t_progress and n_now > n_progress:
            rate = (n_now - n_progress) / (time.time() - t_progress)
    return kills, where
