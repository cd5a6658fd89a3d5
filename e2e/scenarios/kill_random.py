"""SIGKILL of the server running the real scheduled action at random
moments (during a COMMIT, during a query, mid-invoice), restart, until the
backlog is done; then every invoice is done, exactly once."""

import time

from ..harness import log
from ..invariant import check_invariant, log_problems, not_done, run_history, snapshot
from ..steps import drain, kill_at_random, tree_directories


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
    t_start = time.time()
    kills, where = kill_at_random(h, db, server, h.profile["kills"])
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
