"""The target app missing: a database with neither Documents nor DMS.

- target 'auto': no app, so no folder can be set: the scheduled action
  leaves every invoice pending, with no error and no note (a quiet
  install: the companies wait for a folder); an explicit *Transfer Now* by
  a manager fails the invoices it was asked for, with a clear error;
- target 'dms' chosen, with a DMS folder set in a database that no longer
  has DMS: every invoice fails with a clear error.
"""

from collections import Counter

from harness_tools.db import q, q1

from ..invariant import check_invariant, snapshot
from ..settings import MANAGER

TRANSFER_NOW = 10


def targets(profile):
    return (None,)


def _states(db):
    return Counter(
        (state, error)
        for state, error in q(
            db,
            "SELECT tal_transfer_state, coalesce(tal_transfer_error, '') "
            "FROM account_move WHERE tal_transfer_state IS NOT NULL",
        )
    )


def run(h, target):
    db = h.clone("noapp", template=h.base)
    h.limit_backlog(db, 80)
    snap = snapshot(h, db)
    violations = []
    notes = (
        "SELECT count(*) FROM mail_message WHERE model = 'account.move' "
        "AND body ILIKE '%%transfer%%'"
    )
    for configured, text in (
        ("auto", "No document app is installed"),
        ("dms", "'dms' chosen in the settings is not installed"),
    ):
        q(
            db,
            "UPDATE account_move SET tal_transfer_state = 'pending', tal_transfer_error = NULL, "
            "tal_transfer_attempts = 0 WHERE tal_transfer_state IS NOT NULL",
        )
        # 'auto' without an app: no folder could be chosen; 'dms': the DMS
        # folders of the template, whose app is not installed here.
        h.configure(db, configured)
        notes_before = q1(db, notes)
        result = h.task(
            db,
            "cron_loop",
            {"timeout": h.profile["timeout"]},
            log_name=f"{db}.{configured}.log",
        )
        if result["errors"]:
            violations.append(f"WORKER ERROR ({configured}): {result['errors'][:3]}")
        states = _states(db)
        if configured == "auto":
            if set(states) != {("pending", "")}:
                violations.append(
                    f"NOT QUIET: target 'auto' without app nor folder: the scheduled "
                    f"action changed the invoices: {dict(states)}"
                )
            if q1(db, notes) != notes_before:
                violations.append("NOT QUIET: the scheduled action wrote notes")
            sample = [
                r[0]
                for r in q(
                    db,
                    "SELECT id FROM account_move WHERE tal_transfer_state = 'pending' "
                    "ORDER BY id LIMIT %s",
                    [TRANSFER_NOW],
                )
            ]
            answer = h.task(
                db,
                "transfer_now",
                {"ids": sample, "login": MANAGER[0]},
                log_name=f"{db}.transfer-now.log",
            )
            if answer.get("error"):
                violations.append(f"TRANSFER NOW raised: {answer['error'][:200]}")
            after = dict(
                q(
                    db,
                    "SELECT id, coalesce(tal_transfer_error, '') FROM account_move "
                    "WHERE id = ANY(%s) AND tal_transfer_state = 'failed'",
                    [sample],
                )
            )
            unclear = [i for i in sample if text not in after.get(i, "")]
            if unclear:
                violations.append(
                    f"TRANSFER NOW without app: {len(unclear)} of {len(sample)} invoices "
                    f"not failed with '{text}' ({answer})"
                )
        elif set(s for s, _e in states) != {"failed"} or any(
            text not in e for _s, e in states
        ):
            violations.append(
                f"target '{configured}': states {dict(states)}, expected all failed "
                f"with '{text}'"
            )
    counts, inv = check_invariant(h, db, snap)
    violations = inv + violations
    h.figures["bad inputs"] += 2
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            "target 'auto' without app: pending and quiet, Transfer Now fails with "
            "a clear error; 'dms' not installed: all failed with a clear error"
        ),
    )
