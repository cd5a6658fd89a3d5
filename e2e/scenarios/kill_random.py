"""SIGKILL of the server running the real scheduled action at random
moments (during a COMMIT, during a query, mid-invoice), restart, until the
backlog is done; then every invoice is done, exactly once."""

import time
from collections import Counter

from harness_tools.db import connect

from ..harness import log
from ..invariant import check_invariant, log_problems, not_done, run_history, snapshot
from ..steps import (
    backend_states,
    classify,
    drain,
    handled_count,
    pending_count,
    tree_directories,
    wait_progress,
)


def targets(profile):
    return ("dms", "documents")


def run(h, target):
    db = h.clone(f"kill_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    # DMS: the run starts on an empty tree (no journal, year or month
    # directory yet): the first kills land while the tree is being made.
    roots = [int(f) for f in h.meta["folders"]["dms"].values()]
    tree_at_start = tree_directories(db, roots) if target == "dms" else 0
    server = h.server(db, "kill")
    kills, where = 0, Counter()
    wanted = h.profile["kills"]
    rate = None
    t_start = time.time()
    while kills < wanted and pending_count(db):
        before = handled_count(db)
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
            # poll the server's sessions until one is committing, then kill
            deadline = time.time() + max(budget, 0.3)
            conn = connect(db)
            states = []
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
                server.kill()
            conn.close()
        else:
            time.sleep(h.rng.uniform(0.02, max(budget, 0.05)))
            states = backend_states(db, server.proc.pid)
            server.kill()
        kills += 1
        where[classify(states)] += 1
        n_now = handled_count(db)
        if time.time() > t_progress and n_now > n_progress:
            rate = (n_now - n_progress) / (time.time() - t_progress)
    log(f"{kills} kills ({dict(where)}); finishing the backlog")
    server.start()
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    counts, violations = check_invariant(h, db, snap)
    violations += not_done(counts)
    violations += log_problems(server.log_text())
    # Killed runs included, the run history counts every invoice done.
    violations += run_history(h, db, counts, killed=True)
    if tree_at_start:
        violations.append(f"NOT EMPTY: the DMS tree held {tree_at_start} directories")
    counts["kills"] = kills
    counts["restarts"] = server.starts
    h.figures["kills"] += kills
    h.figures["invoices"] += counts.get("invoices", 0)
    for key, value in where.items():
        h.figures[f"kills {key}"] += value
    h.dropdb(db)
    detail = ", ".join(f"{v} {k}" for k, v in sorted(where.items()))
    return (
        counts,
        violations,
        f"{kills} kills ({detail}), {int(time.time() - t_start)}s",
    )
