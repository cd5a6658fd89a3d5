"""Workers at once on one backlog: the cron thread of a server, N processes
calling the scheduled action's method, and *Transfer Now* over JSON-RPC."""

import random
import re
import threading
import time
from collections import Counter

from harness_tools import addon
from harness_tools.db import q

from ..invariant import run_all_done, snapshot
from ..settings import MANAGER
from ..steps import drain, start_together


def targets(profile):
    return ("dms", "documents")


def run(h, target):
    db = h.clone(f"conc_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    server = h.server(db, "conc").start()
    n_workers = h.profile["cron_workers"]
    workers, go = start_together(
        h,
        db,
        "worker",
        [
            {
                "task": "cron_loop",
                "timeout": h.profile["timeout"],
                "limits": [3, 15],
                "seed": h.seed + i,
            }
            for i in range(n_workers)
        ],
    )
    rpc_stats = Counter()
    rpc_errors = []

    def transfer_now():
        rng = random.Random(h.seed + 7)
        deadline = time.time() + h.profile["timeout"]
        while time.time() < deadline:
            ids = [
                r[0]
                for r in q(
                    db,
                    "SELECT id FROM account_move WHERE tal_transfer_state = 'pending'",
                )
            ]
            if not ids:
                break
            chunk = rng.sample(ids, min(len(ids), rng.randint(5, 40)))
            try:
                server.rpc(MANAGER, "account.move", "action_tal_transfer_now", [chunk])
                rpc_stats["calls"] += 1
                rpc_stats["invoices"] += len(chunk)
            except Exception as error:  # noqa: BLE001
                rpc_errors.append(str(error)[:200])
                time.sleep(0.2)

    thread = threading.Thread(target=transfer_now, daemon=True)
    go()
    h.make_cron_ready(db)
    thread.start()
    t0 = time.time()
    drain(h, db, server, h.profile["timeout"])
    for worker in workers:
        h.wait_proc(worker, 120)
    thread.join(60)
    wall = time.time() - t0
    server.stop()
    text = server.log_text()
    worker_errors = []
    for worker in workers:
        result = h.task_result(worker)
        worker_errors += result["errors"]
        with open(worker.resfile.replace(".out", ""), errors="replace") as f:
            text += f.read()
    counts, violations = run_all_done(h, db, snap, text, killed=False)
    counts["error_log_lines"] = len(re.findall(r"^\S+ \S+ \d+ ERROR ", text, re.M))
    for error in worker_errors:
        violations.append(f"WORKER ERROR: a scheduled action call raised {error[:160]}")
    for error in rpc_errors:
        violations.append(f"TRANSFER NOW ERROR: {error}")
    cron_runs = len(
        re.findall(rf"Job '{re.escape(addon.CRON_NAME)}' \(\d+\) starting", text)
    )
    counts["workers"] = n_workers + 2
    counts["cron_jobs"] = cron_runs
    counts["transfer_now_calls"] = rpc_stats["calls"]
    h.figures["concurrent workers"] = max(
        h.figures["concurrent workers"], n_workers + 2
    )
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"{n_workers + 2} workers (cron thread, {n_workers} processes, "
            f"transfer now x{rpc_stats['calls']}), {wall:.0f}s"
        ),
    )
