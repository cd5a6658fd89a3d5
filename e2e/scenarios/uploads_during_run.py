"""Files attached to invoices while the scheduled action transfers them
(issue 14.2). Two workers through the scheduler (Parallel workers = 2, one
server with two cron threads) work the backlog; meanwhile a billing user
attaches new PDF files over JSON-RPC, in turn to:
- an invoice at the front of the backlog, the one the workers are taking
  (they go in id order), often locked by one at that moment;
- a pending invoice further on;
- an invoice already transferred.
Then the scheduled action finishes: every file of every invoice in scope is
linked exactly once, the uploaded ones included."""

import base64
import time
from collections import Counter

from harness_tools.db import q
from harness_tools.odoo import RpcError

from ..files import pdf
from ..invariant import run_all_done, snapshot
from ..settings import BILLING
from ..steps import drain, pending_count, wait_handled

KINDS = ("front", "pending", "done")


def targets(profile):
    return profile["uploads_targets"]


def pick(db, kind, rng):
    """An invoice of company 1 of the kind asked for, or None."""
    if kind == "front":
        rows = q(
            db,
            "SELECT id FROM account_move WHERE tal_transfer_state = 'pending' "
            "ORDER BY id LIMIT 3",
        )
    else:
        rows = q(
            db,
            "SELECT id FROM account_move WHERE tal_transfer_state = %s ORDER BY id",
            ["pending" if kind == "pending" else "done"],
        )
        if kind == "pending":
            rows = rows[len(rows) // 3 :]
    return rng.choice(rows)[0] if rows else None


def run(h, target):
    db = h.clone(f"upl_{target}")
    h.configure(db, target)
    h.set_parallel_workers(db, 2)
    snap = snapshot(h, db)
    server = h.server(db, "upl", cron_threads=2).start()
    total = pending_count(db)
    wanted = h.profile["uploads"]
    t0 = time.time()
    h.make_cron_ready(db)
    wait_handled(h, db, 10, 60, "the transfer to start")
    added, kinds, states_then, errors = [], Counter(), Counter(), []
    while len(added) < wanted:
        kind = KINDS[len(added) % len(KINDS)]
        move_id = pick(db, kind, h.rng)
        if move_id is None:
            kind, move_id = "done", pick(db, "done", h.rng)
        state = q(
            db, "SELECT tal_transfer_state FROM account_move WHERE id = %s", [move_id]
        )[0][0]
        number = len(added) + 1
        raw = pdf(f"Signed delivery note {number}", [f"Invoice {move_id}"])
        try:
            att_id = server.rpc(
                BILLING,
                "ir.attachment",
                "create",
                [
                    {
                        "name": f"delivery-note-{number}.pdf",
                        "datas": base64.b64encode(raw).decode(),
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move_id,
                    }
                ],
            )
        except RpcError as error:
            errors.append(f"upload to invoice {move_id} ({state}): {error}")
            continue
        added.append(att_id[0] if isinstance(att_id, list) else att_id)
        kinds[kind] += 1
        states_then[state] += 1
    during = pending_count(db) > 0
    drain(h, db, server, h.profile["timeout"])
    wall = time.time() - t0
    server.stop()

    counts, violations = run_all_done(
        h, db, snap, server.log_text(), killed=False, added_attachments=added
    )
    for error in errors:
        violations.append(f"UPLOAD REFUSED: {error[:200]}")
    table = "dms_file" if target == "dms" else "documents_document"
    linked = dict(
        q(
            db,
            f"SELECT attachment_id, count(*) FROM {table} "  # noqa: S608
            "WHERE attachment_id = ANY(%s) GROUP BY attachment_id",
            [added],
        )
    )
    missing = [a for a in added if linked.get(a, 0) != 1]
    if missing:
        violations.append(
            f"UPLOADS NOT LINKED ONCE: {len(missing)} of {len(added)} ({missing[:10]})"
        )
    counts.update(
        uploads=len(added),
        **{f"uploads_{k}": v for k, v in sorted(kinds.items())},
        **{f"uploaded_while_{k}": v for k, v in sorted(states_then.items())},
    )
    h.figures["uploads"] += len(added)
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"{len(added)} files uploaded over JSON-RPC during a run of 2 workers "
            f"({', '.join(f'{v} to {k}' for k, v in sorted(kinds.items()))}; invoices "
            f"then {dict(states_then)}; backlog {total}"
            f"{'' if during else ', uploads outlasted the backlog'}), {wall:.0f}s"
        ),
    )
