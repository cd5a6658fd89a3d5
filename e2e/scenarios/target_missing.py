"""The target app missing: a database with neither Documents nor DMS,
with the target 'auto' and with 'dms' chosen; every invoice fails with a
clear error."""

from collections import Counter

from harness_tools.db import q

from ..invariant import check_invariant, snapshot


def targets(profile):
    return (None,)


def run(h, target):
    db = h.clone("noapp", template=h.base)
    h.limit_backlog(db, 80)
    snap = snapshot(h, db)
    results = {}
    violations = []
    for configured, text in (
        ("auto", "No document app is installed"),
        ("dms", "'dms' chosen in the settings is not installed"),
    ):
        q(
            db,
            "UPDATE account_move SET tal_transfer_state = 'pending', tal_transfer_error = NULL, "
            "tal_transfer_attempts = 0 WHERE tal_transfer_state IS NOT NULL",
        )
        h.configure(db, configured)
        result = h.task(
            db,
            "cron_loop",
            {"timeout": h.profile["timeout"]},
            log_name=f"{db}.{configured}.log",
        )
        results[configured] = result
        if result["errors"]:
            violations.append(f"WORKER ERROR ({configured}): {result['errors'][:3]}")
        errors = Counter(
            r[0]
            for r in q(
                db,
                "SELECT tal_transfer_error FROM account_move "
                "WHERE tal_transfer_state IS NOT NULL",
            )
        )
        states = Counter(
            r[0]
            for r in q(
                db,
                "SELECT tal_transfer_state FROM account_move "
                "WHERE tal_transfer_state IS NOT NULL",
            )
        )
        if set(states) != {"failed"} or any(text not in (e or "") for e in errors):
            violations.append(
                f"target '{configured}': states {dict(states)}, errors {list(errors)[:3]}"
            )
    counts, inv = check_invariant(h, db, snap)
    violations = inv + violations
    h.figures["bad inputs"] += 2
    h.dropdb(db)
    return (
        counts,
        violations,
        "target 'auto' without app and 'dms' not installed: all failed with a clear error",
    )
