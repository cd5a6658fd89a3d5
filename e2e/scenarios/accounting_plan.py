"""The filing plan *Like Accounting* beside documents_account (issue 28.4),
with its test-only stand-in installed (a folder setting per journal, under
Finance, tagged with the journal's name).

Company 1 files its backlog (customer invoices and vendor bills: two
journals) *Like Accounting*, a third of it made by the billing user (an
active creator, so the owner rule shows). Two workers through the scheduler
transfer it; meanwhile a process posts new invoices, each with an e-invoice
XML that documents_account files itself as it is created; the server is
SIGKILLed once and restarted.

At the end, besides the invariant (every file once, every invoice done):
every document of company 1's invoices, whoever filed it, is where and as
documents_account files it: the folder of its invoice's journal's setting,
that setting's tags, the invoice's creator as owner (none when the creator
is inactive, as OdooBot is), the invoice's partner; and both kinds are
there: the backlog's, filed by the transfer, in both journals, and the new
invoices' (their XML filed by the bridge, their PDF by the transfer).
"""

import time

from harness_tools.db import q, q1

from ..invariant import run_all_done, snapshot
from ..settings import BILLING
from ..steps import (
    busy_server,
    classify,
    drain,
    handled_count,
    pending_count,
    start_together,
    wait_handled,
)

MIMIC = "tal_documents_account_standin"


def targets(profile):
    return ("documents",)


def run(h, target):
    db = h.clone("accplan")
    h.configure(db, "documents")
    c1 = h.meta["companies"][0]
    h.odoo(db, ["-i", MIMIC], f"{db}.install.log", 600)
    q(
        db,
        "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') + interval '30 days' "
        "WHERE id != %s",
        [h.cron_id(db)],
    )
    q(
        db,
        "UPDATE res_company SET tal_transfer_filing_plan = 'accounting' WHERE id = %s",
        [c1],
    )
    # Files only: the PDF maker (issue 27) is not what this scenario proves.
    q(db, "UPDATE res_company SET tal_transfer_make_pdf = FALSE")
    billing = q1(db, "SELECT id FROM res_users WHERE login = %s", [BILLING[0]])
    q(
        db,
        "UPDATE account_move SET create_uid = %s WHERE company_id = %s AND id %% 3 = 0",
        [billing, c1],
    )
    last_attachment = q1(db, "SELECT coalesce(max(id), 0) FROM ir_attachment")
    h.set_parallel_workers(db, 2)
    snap = snapshot(h, db)
    server = h.server(db, "accplan", cron_threads=2).start()
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
                "seed": h.seed + 200,
                "pause": 0.5,
            }
        ],
    )
    total = pending_count(db)
    t0 = time.time()
    h.make_cron_ready(db)
    wait_handled(h, db, 10, 60, "the transfer to start")
    go()
    # SIGKILL as soon as the server holds a transaction of the transfer.
    killed = None
    deadline = time.time() + 30
    while killed is None and pending_count(db) and time.time() < deadline:
        victim, states = busy_server(db, [server])
        if victim is None:
            time.sleep(0.002)
            continue
        server.kill()
        killed = (classify(states), handled_count(db))
        server.start()
        h.make_cron_ready(db)
    h.wait_proc(maker, 300)
    made = h.task_result(maker)
    drain(h, db, server, h.profile["timeout"])
    wall = time.time() - t0
    server.stop()

    counts, violations = run_all_done(
        h,
        db,
        snap,
        server.log_text(),
        killed=killed is not None,
        added_attachments=made["attachments"],
    )
    rows = q(
        db,
        """
        SELECT d.id, d.attachment_id > %s, j.type,
               d.folder_id = s.folder_id,
               d.owner_id IS NOT DISTINCT FROM
                   (CASE WHEN u.active THEN m.create_uid END),
               d.partner_id IS NOT DISTINCT FROM m.partner_id,
               u.active
          FROM documents_document d
          JOIN ir_attachment a ON a.id = d.attachment_id
          JOIN account_move m ON a.res_model = 'account.move' AND m.id = a.res_id
          JOIN account_journal j ON j.id = m.journal_id
          JOIN res_users u ON u.id = m.create_uid
          JOIN documents_account_folder_setting s ON s.journal_id = m.journal_id
         WHERE m.company_id = %s
        """,
        [last_attachment, c1],
    )
    missing_tags = q1(
        db,
        """
        SELECT count(*) FROM documents_document d
          JOIN ir_attachment a ON a.id = d.attachment_id
          JOIN account_move m ON a.res_model = 'account.move' AND m.id = a.res_id
          JOIN documents_account_folder_setting s ON s.journal_id = m.journal_id
          JOIN documents_account_folder_setting_documents_tag_rel st
            ON st.documents_account_folder_setting_id = s.id
         WHERE m.company_id = %s
           AND NOT EXISTS (SELECT 1 FROM document_tag_rel dt
                            WHERE dt.documents_document_id = d.id
                              AND dt.documents_tag_id = st.documents_tag_id)
        """,
        [c1],
    )
    kinds = {}
    for doc_id, is_new, journal_type, folder_ok, owner_ok, partner_ok, active in rows:
        key = ("new" if is_new else "backlog", journal_type)
        kinds[key] = kinds.get(key, 0) + 1
        kinds["active creator"] = kinds.get("active creator", 0) + bool(active)
        for ok, what in (
            (folder_ok, "folder"),
            (owner_ok, "owner"),
            (partner_ok, "partner"),
        ):
            if not ok:
                violations.append(
                    f"NOT FILED LIKE ACCOUNTING: document {doc_id} ({key[0]}, "
                    f"{journal_type}): its {what}"
                )
    if missing_tags:
        violations.append(
            f"NOT FILED LIKE ACCOUNTING: {missing_tags} setting tags missing"
        )
    for key in (
        ("backlog", "sale"),
        ("backlog", "purchase"),
        ("new", "sale"),
    ):
        if not kinds.get(key):
            violations.append(f"NOTHING TO COMPARE: no document {key}")
    if not kinds.get("active creator"):
        violations.append("NOTHING TO COMPARE: no invoice with an active creator")
    counts.update(
        new_invoices=len(made["moves"]),
        documents_compared=len(rows),
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
            f"Like Accounting beside documents_account: {len(rows)} documents of "
            f"company 1 compared ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items(), key=str))}); "
            f"SIGKILL {f'({killed[0]}) at {killed[1]}/{total}' if killed else 'none'}; "
            f"{wall:.0f}s"
        ),
    )
