"""Runs the e2e harness: options, the lock, the templates, the plan of
scenarios, one PASS|FAIL line each, the summary, and the last line
`N passed, N failed`."""

import argparse
import fcntl
import os
import signal
import time
import traceback

from . import scenarios
from .harness import Harness, log
from .settings import LOCK_FILE


def parse_args():
    parser = argparse.ArgumentParser(
        prog="e2e/run.sh", description="tal_invoice_transfer end-to-end harness"
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="the full run (2,000+ invoices, 20 kills per target)",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--keep", action="store_true", help="keep databases and data (debugging)"
    )
    parser.add_argument(
        "--only", help="comma-separated scenario names to run (name or name:target)"
    )
    parser.add_argument(
        "--reuse", help=argparse.SUPPRESS
    )  # development: a --keep run's folder
    parser.add_argument(
        "--no-pg-restart",
        action="store_true",
        help="skip the PostgreSQL restart (it disturbs everyone on the machine)",
    )
    args = parser.parse_args()
    if os.environ.get("E2E_NO_PG_RESTART") == "1":
        args.no_pg_restart = True
    return args


def take_lock():
    """The lock file keeps two runs apart; waits up to 30 min for it."""
    lock = open(LOCK_FILE, "w")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return lock
    except BlockingIOError:
        log(f"another e2e run holds {LOCK_FILE}; waiting (up to 30 min)")
    deadline = time.time() + 1800
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.time() > deadline:
                return None
            time.sleep(5)


def make_plan(profile, args):
    """(scenario module, name, target) in run order, as the options select."""
    plan = [
        (module, scenarios.name_of(module), target)
        for module in scenarios.load()
        for target in module.targets(profile)
    ]
    if args.no_pg_restart:
        plan = [p for p in plan if p[1] != "pg_restart"]
    if args.only:
        only = set(args.only.split(","))
        plan = [p for p in plan if p[1] in only or f"{p[1]}:{p[2]}" in only]
    return plan


def record(h, name, target, counts, violations, extra="", error=None):
    label = f"{name} ({target})" if target else name
    passed = not violations and error is None
    parts = [f"{counts.get('invoices', 0)} invoices"]
    if extra:
        parts.append(extra)
    parts.append(f"{len(violations)} violations")
    line = f"{'PASS' if passed else 'FAIL'} {label}: {', '.join(parts)}"
    if error:
        line += f" -- ERROR: {error}"
    print(line, flush=True)
    for violation in violations[:15]:
        print(f"    violation: {violation}", flush=True)
    if len(violations) > 15:
        print(f"    ... and {len(violations) - 15} more", flush=True)
    detail = ", ".join(f"{k}={v}" for k, v in counts.items())
    print(f"    checked: {detail}", flush=True)
    h.results.append({"name": label, "passed": passed, "violations": len(violations)})
    h.figures["violations"] += len(violations)


def run_scenario(h, module, name, target):
    t0 = time.time()
    log(f"--- {name} ({target or '-'})")
    try:
        counts, violations, extra = module.run(h, target)
        error = None
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - a crashed scenario is a FAIL line
        traceback.print_exc()
        counts, violations, extra, error = (
            {},
            [],
            "",
            f"{type(exc).__name__}: {exc}",
        )
    finally:
        h.procs.kill_all()
    counts["seconds"] = round(time.time() - t0)
    record(h, name, target, counts, violations, extra, error)


def print_summary(h, profile, seed, wall):
    passed = sum(1 for r in h.results if r["passed"])
    failed = len(h.results) - passed
    f = h.figures
    print(f"\n=== e2e {profile} summary (seed {seed}) ===")
    print(f"scenarios: {len(h.results)} ({passed} passed, {failed} failed)")
    print(
        f"invoices checked: {f['invoices']} (template backlog {h.profile['count']}+"
        f"{h.profile['count_c2']}+{h.profile['count_c3']})"
    )
    kill_where = ", ".join(
        f"{v} {k[6:]}" for k, v in sorted(f.items()) if k.startswith("kills ")
    )
    print(f"SIGKILLs: {f['kills']} ({kill_where})")
    print(f"concurrent workers: {f['concurrent workers']}")
    print(f"bad inputs tried: {f['bad inputs']}")
    print(
        f"documents deleted by hand or from the trash: {f['deletions']}; "
        f"files uploaded during runs: {f['uploads']}"
    )
    print(f"PostgreSQL restarts: {1 if h.pg_restarted else 0}")
    print(f"official invoice PDFs made under SIGKILL: {f['pdfs made']}")
    print(f"violations found: {f['violations']}")
    print(f"wall time: {wall:.0f}s (templates {f['template_seconds']}s)")
    print(f"{passed} passed, {failed} failed")
    return failed


def main():
    args = parse_args()
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    profile = "full" if args.full else "reduced"
    lock = take_lock()
    if lock is None:
        print("FAIL e2e: another run kept the lock for 30 min\n0 passed, 1 failed")
        return 1

    h = Harness(profile, seed, args.keep, args.reuse)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    t0 = time.time()
    log(f"e2e {profile} run, seed {seed}, logs in {h.work}")
    plan = make_plan(h.profile, args)
    interrupted = False
    try:
        if not args.reuse:
            h.drop_stale()
        try:
            h.build_templates()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            print(f"FAIL setup: could not build the template databases: {exc}")
            h.results.append({"name": "setup", "passed": False, "violations": 0})
            plan = []
        for module, name, target in plan:
            run_scenario(h, module, name, target)
    except KeyboardInterrupt as exc:
        interrupted = True
        print(f"FAIL e2e: interrupted ({exc}); cleaning up", flush=True)
        h.results.append({"name": "interrupted", "passed": False, "violations": 0})
    finally:
        h.cleanup()
    failed = print_summary(h, profile, seed, time.time() - t0)
    return 0 if failed == 0 and not interrupted else 1
