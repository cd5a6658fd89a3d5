"""Bad input, each on its own invoice among good ones: a file missing from
the filestore, an empty file, a big file, a 300-character name, an attachment
and an invoice deleted during the run, company 2's folder archived or deleted
during the run, company 3 misconfigured, a billing user calling every action,
a file added after the transfer; then recovery by a manager."""

import os
from collections import Counter

from harness_tools.db import q, q1
from harness_tools.odoo import RpcError

from ..harness import log
from ..invariant import check_invariant, log_problems, run_history, snapshot
from ..settings import BILLING, MANAGER
from ..steps import drain, handled_count, start_together, wait_progress


def targets(profile):
    return ("dms", "documents")


def run(h, target):
    db = h.clone(f"bad_{target}")
    c1, c2, c3 = h.meta["companies"]
    folders = h.meta["folders"][target]
    other_folder = folders[str(c2)]
    # company 3 misconfigured: its folder is company 1's
    h.configure(db, target, folders={c3: folders[str(c1)]})
    moves = h.meta["moves"]
    c1_moves = moves["c1"]
    files_of = {}
    for att_id, res_id, store in q(
        db,
        "SELECT id, res_id, store_fname FROM ir_attachment "
        "WHERE res_model = 'account.move' ORDER BY id",
    ):
        files_of.setdefault(res_id, []).append((att_id, store))
    multi = [m for m in c1_moves if len(files_of.get(m, [])) >= 2]
    picks = {}
    picks["missing_file"] = c1_moves[len(c1_moves) // 10]
    picks["empty_file"] = c1_moves[len(c1_moves) // 10 + 1]
    picks["big_file"] = c1_moves[len(c1_moves) // 10 + 2]
    picks["weird_name"] = c1_moves[len(c1_moves) // 10 + 3]
    # deleted during the run: near the end of company 1's backlog
    picks["attachment_deleted"] = multi[-1]
    # only the last invoice of a sequence may be deleted: the latest-numbered one
    picks["invoice_deleted"] = max(
        r[0]
        for r in q(
            db,
            "SELECT DISTINCT ON (sequence_prefix) id FROM account_move "
            "WHERE id = ANY(%s) ORDER BY sequence_prefix, sequence_number DESC",
            [c1_moves],
        )
        if r[0] != picks["attachment_deleted"]
    )
    picks["late_attachment"] = c1_moves[5]
    big = h.profile["big_file_mb"] << 20
    weird = ("Fäktûrà/Ñoël\\ 😀🧾 €/" * 20)[:296] + ".pdf"
    added = h.task(
        db,
        "add_attachments",
        {
            "attachments": [
                {"move_id": picks["empty_file"], "name": "empty.pdf", "empty": True},
                {"move_id": picks["big_file"], "name": "big scan.pdf", "size": big},
                {"move_id": picks["weird_name"], "name": weird, "size": 2048},
            ]
        },
    )["attachments"]
    missing_att, missing_store = files_of[picks["missing_file"]][0]
    os.unlink(os.path.join(h.filestore(db), missing_store))
    snap = snapshot(h, db)
    deleted_att = files_of[picks["attachment_deleted"]][-1][0]
    problems = []

    server = h.server(db, "bad").start()
    # A user without rights: every action refused, nothing changes.
    state_sql = (
        "SELECT id, tal_transfer_state, tal_transfer_error, tal_transfer_attempts "
        "FROM account_move ORDER BY id"
    )
    before = q(db, state_sql)
    sample = c1_moves[:3] + [picks["missing_file"]]
    for method, args in (
        ("action_tal_transfer_now", [sample]),
        ("action_tal_transfer_retry", [sample]),
        ("action_tal_transfer_exclude", [sample]),
        ("tal_transfer_dashboard", []),
    ):
        try:
            server.rpc(BILLING, "account.move", method, args)
            problems.append(f"NO ACCESS ERROR: billing user could call {method}")
        except RpcError as error:
            if error.name != "odoo.exceptions.AccessError":
                problems.append(f"WRONG ERROR for {method} by billing user: {error}")
    if q(db, state_sql) != before:
        problems.append("STATE CHANGED by a user without rights")

    # During the run: company 2's folder, an attachment, an invoice (a process
    # of its own, as superuser: DMS access rules would stop admin over RPC).
    if target == "documents":
        folder_op, folder_action = (
            ["archive", "documents.document", int(other_folder)],
            "archived",
        )
    else:
        folder_op, folder_action = (
            ["unlink", "dms.directory", int(other_folder)],
            "deleted",
        )
    (mutator,), go = start_together(
        h,
        db,
        "mutate",
        [
            {
                "task": "mutate",
                "ops": [
                    folder_op,
                    ["unlink", "ir.attachment", deleted_att],
                    ["draft_unlink", "account.move", picks["invoice_deleted"]],
                ],
            }
        ],
    )
    wait_progress(h, db, 0)
    states_at_go = dict(
        q(
            db,
            "SELECT id, tal_transfer_state FROM account_move WHERE id = ANY(%s)",
            [[picks["attachment_deleted"], picks["invoice_deleted"]]],
        )
    )
    go()
    h.wait_proc(mutator, 120)
    h.task_result(mutator)
    mid = handled_count(db)
    drain(h, db, server, h.profile["timeout"])

    # A file added to a transferred invoice: transferred too, once.
    late = h.task(
        db,
        "add_attachments",
        {
            "attachments": [
                {
                    "move_id": picks["late_attachment"],
                    "name": "late annex.pdf",
                    "size": 3000,
                }
            ]
        },
    )["attachments"]
    added += late
    # Back to pending, or already filed again: the new file starts the
    # workers, and this server's cron thread may be quicker than this check.
    late_state = q1(
        db,
        "SELECT tal_transfer_state FROM account_move WHERE id = %s",
        [picks["late_attachment"]],
    )
    table = "dms_file" if target == "dms" else "documents_document"
    late_linked = q1(
        db,
        f"SELECT count(*) FROM {table} WHERE attachment_id = ANY(%s)",  # noqa: S608
        [late],
    )
    if late_state != "pending" and not (late_state == "done" and late_linked):
        problems.append(
            f"LATE ATTACHMENT: its invoice is {late_state}, the file not filed"
        )
    drain(h, db, server, h.profile["timeout"])

    # Expected outcomes
    def state(move_id):
        return q(
            db,
            "SELECT tal_transfer_state, coalesce(tal_transfer_error, '') FROM account_move "
            "WHERE id = %s",
            [move_id],
        )

    expect = {
        "missing_file": ("failed", "missing from the filestore"),
        "empty_file": ("failed", "is empty"),
        "big_file": ("done", ""),
        "weird_name": ("done", ""),
        "attachment_deleted": ("done", ""),
        "late_attachment": ("done", ""),
    }
    for key, (want_state, want_text) in expect.items():
        rows = state(picks[key])
        got = rows[0] if rows else None
        if not got or got[0] != want_state or want_text not in got[1]:
            problems.append(
                f"UNEXPECTED {key} (invoice {picks[key]}): {got}, expected {want_state} "
                f"'{want_text}'"
            )
    if state(picks["invoice_deleted"]):
        problems.append("DELETED INVOICE still exists")
    c2_states = Counter(
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_state FROM account_move WHERE id = ANY(%s)",
            [moves["c2"]],
        )
    )
    c2_errors = {
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_error FROM account_move WHERE id = ANY(%s) "
            "AND tal_transfer_state = 'failed'",
            [moves["c2"]],
        )
    }
    if c2_states.get("failed", 0) == 0 or any(
        folder_action not in (e or "") for e in c2_errors
    ):
        problems.append(
            f"COMPANY 2 (folder {folder_action} during the run): {dict(c2_states)} {c2_errors}"
        )
    c3_errors = {
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_error FROM account_move WHERE id = ANY(%s)",
            [moves["c3"]],
        )
    }
    c3_states = Counter(
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_state FROM account_move WHERE id = ANY(%s)",
            [moves["c3"]],
        )
    )
    if set(c3_states) != {"failed"} or any(
        "belongs to company" not in (e or "") for e in c3_errors
    ):
        problems.append(
            f"COMPANY 3 (another company's folder): {dict(c3_states)} {c3_errors}"
        )
    bad_ids = {picks["missing_file"], picks["empty_file"], *moves["c2"], *moves["c3"]}
    other_failed = q(
        db,
        "SELECT id, tal_transfer_error FROM account_move WHERE tal_transfer_state = 'failed' "
        "AND NOT id = ANY(%s)",
        [list(bad_ids)],
    )
    for move_id, error in other_failed:
        problems.append(f"GOOD INVOICE FAILED: {move_id}: {error[:120]}")
    # the weird name reached the target in a usable form
    if target == "dms":
        name = q1(
            db, "SELECT f.name FROM dms_file f WHERE f.attachment_id = %s", [added[2]]
        )
    else:
        name = q1(
            db,
            "SELECT d.name FROM documents_document d WHERE d.attachment_id = %s",
            [added[2]],
        )
    if not name:
        problems.append("WEIRD NAME: no document for it")

    counts, violations = check_invariant(
        h,
        db,
        snap,
        deleted_attachments=[deleted_att],
        deleted_moves=[picks["invoice_deleted"]],
        missing_files=[missing_att],
        added_attachments=added,
    )
    after_run = dict(counts)

    # Recovery: fix the folders, retry the failed ones as a manager.
    server.stop()
    if target == "documents":
        q(
            db,
            "UPDATE documents_document SET active = true WHERE id = %s",
            [int(other_folder)],
        )
        h.configure(db, target)
    else:
        # the deleted root is gone: company 2 gets its spare one
        h.configure(db, target, folders={c2: h.meta["folders"]["dms_spare"][str(c2)]})
    server.start()
    failed = [
        r[0]
        for r in q(
            db, "SELECT id FROM account_move WHERE tal_transfer_state = 'failed'"
        )
    ]
    server.rpc(MANAGER, "account.move", "action_tal_transfer_retry", [failed])
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    counts2, violations2 = check_invariant(
        h,
        db,
        snap,
        deleted_attachments=[deleted_att],
        deleted_moves=[picks["invoice_deleted"]],
        missing_files=[missing_att],
        added_attachments=added,
    )
    still_failed = {
        r[0]: r[1]
        for r in q(
            db,
            "SELECT id, tal_transfer_error FROM account_move "
            "WHERE tal_transfer_state = 'failed'",
        )
    }
    expected_failed = {picks["missing_file"], picks["empty_file"]}
    if set(still_failed) != expected_failed:
        problems.append(
            f"AFTER RECOVERY failed {sorted(still_failed)[:10]}, expected {sorted(expected_failed)[:10]}"
        )
    violations += [f"(after recovery) {v}" for v in violations2]
    violations += problems
    violations += log_problems(server.log_text())
    violations += run_history(h, db, counts2, killed=False)
    if set(states_at_go.values()) != {"pending"}:
        log(
            f"note: invoices changed mid-run were not all pending when changed: {states_at_go}"
        )
    counts = dict(
        after_run,
        recovered_done=counts2.get("done", 0),
        recovered_failed=counts2.get("failed", 0),
    )
    tried = [
        "missing file",
        "empty file",
        f"{h.profile['big_file_mb']} MB file",
        "weird 300-char name",
        "attachment deleted mid-run",
        "invoice deleted mid-run",
        f"folder {folder_action} mid-run",
        "other company's folder",
        "user without rights (4 calls)",
        "file added after transfer",
    ]
    h.figures["bad inputs"] += len(tried)
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        f"{len(tried)} bad inputs ({', '.join(tried)}), deleted at {mid}",
    )
