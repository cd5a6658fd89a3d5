"""Two workers start together on an EMPTY DMS tree (issue 13.1): no
journal, year or month directory exists yet under the companies' roots, and
both workers make them as they go. A second worker must find the folder the
first one made: at the end no parent holds two directories of one name (the
invariant), and every invoice is done exactly once.

Rounds (the profile's `empty_tree_rounds`), each on a fresh clone:
- "cron threads": Parallel workers = 2, one server with two cron threads,
  both jobs due at the same moment;
- "cron and a process": the scheduled action in a server's cron thread and
  a process calling it, let go together.
"""

import re
import time
from datetime import datetime

from harness_tools import addon
from harness_tools.db import q

from ..invariant import run_all_done, snapshot
from ..steps import drain, start_together, tree_directories


def targets(profile):
    return ("dms",)


def job_starts(text):
    """When the transfer's jobs started, from a server log."""
    return [
        datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        for stamp in re.findall(
            rf"^(\S+ \S+) \d+ INFO \S+ \S+: Job '{re.escape(addon.CRON_NAME)}[^']*' "
            r"\(\d+\) starting",
            text,
            re.M,
        )
    ]


def run_round(h, index, variant):
    db = h.clone(f"empty_{index}")
    h.configure(db, "dms")
    roots = [int(folder) for folder in h.meta["folders"]["dms"].values()]
    at_start = tree_directories(db, roots)
    snap = snapshot(h, db)
    workers = []
    if variant == "cron threads":
        h.set_parallel_workers(db, 2)
        server = h.server(db, f"empty{index}", cron_threads=2).start()
        t0 = time.time()
        h.make_cron_ready(db)  # both jobs due at once: both threads wake
    else:
        server = h.server(db, f"empty{index}", cron_threads=1).start()
        workers, go = start_together(
            h,
            db,
            f"worker{index}_",
            [{"task": "cron_loop", "timeout": h.profile["timeout"], "limits": [3, 15]}],
        )
        t0 = time.time()
        go()
        h.make_cron_ready(db)
    drain(h, db, server, h.profile["timeout"])
    for worker in workers:
        h.wait_proc(worker, 120)
    wall = time.time() - t0
    server.stop()

    text = server.log_text()
    worker_errors = []
    for worker in workers:
        worker_errors += h.task_result(worker)["errors"]
        with open(worker.resfile.replace(".out", ""), errors="replace") as f:
            text += f.read()
    counts, violations = run_all_done(h, db, snap, text, killed=False)
    if at_start:
        violations.append(
            f"NOT EMPTY: the tree held {at_start} directories before the run"
        )
    for error in worker_errors:
        violations.append(f"WORKER ERROR: {error[:160]}")
    # Both workers transferred invoices (else nothing raced).
    runs = {
        run_id
        for (run_id,) in q(
            db,
            "SELECT DISTINCT tal_transfer_run_id FROM account_move "
            "WHERE tal_transfer_state = 'done'",
        )
    }
    starts = job_starts(server.log_text())
    gap = (
        round(abs((starts[1] - starts[0]).total_seconds()) * 1000)
        if variant == "cron threads" and len(starts) >= 2
        else None
    )
    if len(runs) < 2:
        violations.append(f"ONE WORKER: only {len(runs)} run(s) transferred invoices")
    counts.update(
        tree_at_start=at_start,
        directories=tree_directories(db, roots),
        runs_that_transferred=len(runs),
    )
    if gap is not None:
        counts["start_gap_ms"] = gap
    h.dropdb(db)
    return counts, violations, wall


def run(h, target):
    total, violations, parts = {}, [], []
    for index, variant in enumerate(h.profile["empty_tree_rounds"]):
        counts, round_violations, wall = run_round(h, index, variant)
        violations += [f"({variant}) {v}" for v in round_violations]
        for key, value in counts.items():
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
        gap = counts.get("start_gap_ms")
        parts.append(
            f"{variant}: {counts.get('directories')} directories made"
            + (f", jobs started {gap} ms apart" if gap is not None else "")
            + f", {wall:.0f}s"
        )
        h.figures["invoices"] += counts.get("invoices", 0)
    return total, violations, "empty tree, 2 workers at once; " + "; ".join(parts)
