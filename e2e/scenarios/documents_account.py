"""Documents beside documents_account (issue 9.2), with its test-only
stand-in `tal_documents_account_standin` installed as on a real database
(a folder setting per journal, under Finance). documents_account files
invoice files by itself, in its own folders: an e-invoice XML when it is
attached, the main file when one is set, and when the main file changes it
switches the previous main file's document to the new file.

Two workers through the scheduler transfer the backlog; meanwhile
- a process posts new invoices, each with its PDF and an e-invoice XML
  (filed by documents_account as it is created);
- a billing user, over JSON-RPC, attaches e-invoice XML files and sets an
  invoice's main file (the chatter's action), in turn on the invoice the
  workers are taking, on one further on and on one already transferred;
- the server is SIGKILLed once and restarted.
At the end: every invoice done, every file in Documents exactly once (its
own document, wherever filed, or as an older version of one), no user
action refused, no invoice failed on a lock.
"""

import base64
import time
from collections import Counter

from harness_tools.db import q, q1
from harness_tools.odoo import RpcError

from ..files import invoice_xml
from ..invariant import run_all_done, snapshot
from ..settings import BILLING
from ..steps import (
    backend_states,
    classify,
    drain,
    handled_count,
    pending_count,
    start_together,
    wait_handled,
)

MIMIC = "tal_documents_account_standin"
KINDS = ("front", "pending", "done")
ACTIONS = 30


def targets(profile):
    return ("documents",)


def _pick(db, kind, rng, with_second_pdf=False):
    """An invoice of the kind asked for (with two PDF files at least when
    asked: a main file to switch to), or None."""
    extra = (
        "AND (SELECT count(*) FROM ir_attachment a WHERE a.res_model = 'account.move' "
        "AND a.res_id = m.id AND a.mimetype = 'application/pdf') >= 2"
        if with_second_pdf
        else ""
    )
    state = "done" if kind == "done" else "pending"
    rows = q(
        db,
        f"SELECT m.id FROM account_move m WHERE m.tal_transfer_state = %s {extra} "  # noqa: S608
        "ORDER BY m.id",
        [state],
    )
    if kind == "front":
        rows = rows[:3]
    elif kind == "pending":
        rows = rows[len(rows) // 3 :]
    return rng.choice(rows)[0] if rows else None


def _user_action(h, db, server, number, stats, errors, added):
    """One billing user's action: an XML attached, or the main file set."""
    kind = KINDS[number % len(KINDS)]
    if number % 2:
        move_id = _pick(db, kind, h.rng)
        if move_id is None:
            kind, move_id = "done", _pick(db, "done", h.rng)
        if move_id is None:
            return
        try:
            att_id = server.rpc(
                BILLING,
                "ir.attachment",
                "create",
                [
                    {
                        "name": f"e-invoice-{move_id}-{number}.xml",
                        "datas": base64.b64encode(
                            invoice_xml(number, move_id)
                        ).decode(),
                        "mimetype": "application/xml",
                        "res_model": "account.move",
                        "res_id": move_id,
                    }
                ],
            )
            added.append(att_id[0] if isinstance(att_id, list) else att_id)
            stats[f"xml to {kind}"] += 1
        except RpcError as error:
            errors.append(f"XML attached to invoice {move_id} ({kind}): {error}")
        return
    move_id = _pick(db, kind, h.rng, with_second_pdf=True)
    if move_id is None:
        kind, move_id = "done", _pick(db, "done", h.rng, with_second_pdf=True)
    if move_id is None:
        return
    main = q1(
        db,
        "SELECT message_main_attachment_id FROM account_move WHERE id = %s",
        [move_id],
    )
    candidates = [
        r[0]
        for r in q(
            db,
            "SELECT id FROM ir_attachment WHERE res_model = 'account.move' AND res_id = %s "
            "AND mimetype = 'application/pdf' AND id IS DISTINCT FROM %s ORDER BY id",
            [move_id, main],
        )
    ]
    # Without a main file yet: one is set (documents_account files it), then
    # another takes its place (documents_account switches its document).
    steps = candidates[:2] if not main else [h.rng.choice(candidates)]
    for step, att_id in enumerate(steps):
        switched = bool(main or step)
        try:
            server.rpc(
                BILLING,
                "ir.attachment",
                "register_as_main_attachment",
                [[att_id]],
                {"force": True},
            )
            stats[f"main file {'switched' if switched else 'set'} on {kind}"] += 1
        except RpcError as error:
            errors.append(f"main file set on invoice {move_id} ({kind}): {error}")


def run(h, target):
    db = h.clone("docacc")
    h.configure(db, "documents")
    # documents_account's stand-in, as installed on a real database.
    h.odoo(db, ["-i", MIMIC], f"{db}.install.log", 600)
    q(
        db,
        "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') + interval '30 days' "
        "WHERE id != %s",
        [h.cron_id(db)],
    )
    h.set_parallel_workers(db, 2)
    snap = snapshot(h, db)
    server = h.server(db, "docacc", cron_threads=2).start()
    c1 = h.meta["companies"][0]
    (maker,), go = start_together(
        h,
        db,
        "new-invoices",
        [
            {
                "task": "new_invoices",
                "company_id": c1,
                "count": 5,
                "batches": 3,
                "seed": h.seed + 100,
                "pause": 0.5,
            }
        ],
    )
    total = pending_count(db)
    t0 = time.time()
    h.make_cron_ready(db)
    wait_handled(h, db, 10, 60, "the transfer to start")
    go()
    stats, errors, added = Counter(), [], []
    number = 0
    killed = None
    # While the backlog lasts, and at least ACTIONS in all.
    while (pending_count(db) or number < ACTIONS) and number < 3 * ACTIONS:
        _user_action(h, db, server, number, stats, errors, added)
        number += 1
        if killed is None and pending_count(db) and handled_count(db) >= total // 3:
            states = backend_states(db, server.proc.pid)
            server.kill()
            killed = (classify(states), handled_count(db))
            server.start()
            h.make_cron_ready(db)
    h.wait_proc(maker, 300)
    made = h.task_result(maker)
    added += made["attachments"]
    drain(h, db, server, h.profile["timeout"])
    wall = time.time() - t0
    server.stop()

    counts, violations = run_all_done(
        h,
        db,
        snap,
        server.log_text(),
        killed=killed is not None,
        added_attachments=added,
    )
    for error in errors:
        violations.append(f"USER ACTION REFUSED: {error[:240]}")
    folders = [int(f) for f in h.meta["folders"]["documents"].values()]
    elsewhere = q1(
        db,
        "SELECT count(*) FROM documents_document WHERE type = 'binary' "
        "AND attachment_id IS NOT NULL AND (folder_id IS NULL OR NOT folder_id = ANY(%s))",
        [folders],
    )
    versions = q1(db, "SELECT count(*) FROM documents_document_ir_attachment_rel")
    counts.update(
        new_invoices=len(made["moves"]),
        user_actions=sum(stats.values()),
        documents_elsewhere=elsewhere,
        older_versions=versions,
        kills=1 if killed else 0,
    )
    if killed:
        h.figures["kills"] += 1
        h.figures[f"kills {killed[0]}"] += 1
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"documents_account stand-in: {len(made['moves'])} new invoices with an "
            f"XML, {sum(stats.values())} user actions ({', '.join(f'{v} {k}' for k, v in sorted(stats.items()))}), "
            f"{elsewhere} documents filed in documents_account's folders, "
            f"{versions} older versions; SIGKILL "
            f"{f'({killed[0]}) at {killed[1]}/{total}' if killed else 'none'}; {wall:.0f}s"
        ),
    )
