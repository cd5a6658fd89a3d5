"""Transferred documents deleted in the document app (issue 9.4), during
the run and after it, by hand: a user with document rights (admin, a DMS
manager) unlinks documents or DMS files of done invoices through the ORM,
each in its own transaction (retried on a busy database, as Odoo retries an
RPC call). On Documents some go to the trash instead, and after the run the
trash's scheduled cleanup (`_gc_clear_bin`) deletes them once their
deletion delay has passed; on DMS some deletions take the invoice's whole
directory.

Then the scheduled action finishes: every invoice file still exists with
its checksum (never lost), every invoice is done, each file linked by
exactly one document again (the invoice filed again)."""

import time

from harness_tools.db import q

from ..invariant import run_all_done, snapshot
from ..settings import ADMIN
from ..steps import drain, handled_count, pending_count, start_together, wait_handled

OPS = {
    "documents": ("unlink", "archive"),
    "dms": ("unlink", "unlink", "unlink_directory"),
}
TABLE = {"documents": "documents_document", "dms": "dms_file"}


def targets(profile):
    return ("dms", "documents")


def run(h, target):
    db = h.clone(f"del_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    table = TABLE[target]
    during, after = h.profile["deletions"]
    server = h.server(db, "del").start()
    total = pending_count(db)
    (deleter,), go = start_together(
        h,
        db,
        "deleter",
        [
            {
                "task": "delete_documents",
                "target": target,
                "count": during,
                "ops": OPS[target],
                "login": ADMIN[0],
                "seed": h.seed,
            }
        ],
    )
    t0 = time.time()
    h.make_cron_ready(db)
    # Deleting starts early: Documents transfers the backlog in seconds.
    wait_handled(h, db, total // 20, 120, "the first invoices")
    started_at = handled_count(db)
    go()
    h.wait_proc(deleter, 180)
    result_during = h.task_result(deleter)
    during_until = handled_count(db)
    drain(h, db, server, h.profile["timeout"])
    # After the run, by hand again.
    result_after = h.task(
        db,
        "delete_documents",
        {
            "target": target,
            "count": after,
            "ops": OPS[target],
            "login": ADMIN[0],
            "seed": h.seed + 1,
        },
        log_name=f"{db}.delete-after.log",
    )
    trash = 0
    if target == "documents":
        # The trash: its deletion delay (30 days by default) has passed for
        # every document archived in this scenario; then its cleanup runs.
        q(
            db,
            "UPDATE documents_document SET write_date = write_date - interval '31 days' "
            "WHERE active = false AND type = 'binary'",
        )
        trash = h.task(db, "empty_trash", {})["deleted"]
    drain(h, db, server, h.profile["timeout"])
    wall = time.time() - t0
    server.stop()

    counts, violations = run_all_done(h, db, snap, server.log_text(), killed=False)
    ops = result_during["done"] + result_after["done"]
    for error in result_during["errors"] + result_after["errors"]:
        violations.append(f"DELETION REFUSED: {error[:200]}")
    # Each deleted or trashed document is gone and its file filed again.
    documents_now = dict(
        q(
            db,
            f"SELECT attachment_id, id FROM {table} WHERE attachment_id = ANY(%s)",
            [[o[2] for o in ops]],
        )  # noqa: S608
    )
    still = dict(
        q(
            db,
            f"SELECT id, active FROM {table} WHERE id = ANY(%s)",  # noqa: S608
            [[o[1] for o in ops]],
        )
    )
    refiled = 0
    # deleted while the first run still had invoices to take
    in_run = sum(1 for o in result_during["done"] if o[4])
    for op, doc_id, att_id, move_id, _untouched in ops:
        if op == "archive" and still.get(doc_id) is False:
            violations.append(
                f"TRASH KEPT: archived document {doc_id} was not emptied by the cleanup"
            )
        elif op != "archive" and doc_id in still:
            violations.append(f"NOT DELETED: {op} of {table} {doc_id} left it")
        if documents_now.get(att_id) not in (None, doc_id):
            refiled += 1
        elif documents_now.get(att_id) is None:
            violations.append(
                f"NOT FILED AGAIN: attachment {att_id} of invoice {move_id} has no "
                f"document after its document {doc_id} was deleted ({op})"
            )
    counts.update(
        deleted_during=len(result_during["done"]),
        deleted_while_running=in_run,
        deleted_after=len(result_after["done"]),
        trash_emptied=trash,
        refiled=refiled,
        busy_retries=result_during["retries"] + result_after["retries"],
    )
    h.figures["deletions"] += len(ops)
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    kinds = {}
    for op, *_rest in ops:
        kinds[op] = kinds.get(op, 0) + 1
    return (
        counts,
        violations,
        (
            f"{len(result_during['done'])} deleted during the run ({in_run} before its "
            f"last invoice; invoices {started_at}-{during_until}/{total}), "
            f"{len(result_after['done'])} after "
            f"({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}), "
            f"{trash} emptied from the trash, {refiled} files filed again, {wall:.0f}s"
        ),
    )
