"""Taking over from the old XML-RPC script (issue 29).

First the script as it really ran (e2e/old_script.py): over XML-RPC, as
its own user, in id order, company 1's customer invoices, each a fresh PDF
posted with `documents.document.create` (`datas`, linked to the invoice
through `res_model`/`res_id`) into Finance / Factures clients / <customer>,
folders it made itself; its progress saved every 5 invoices, SIGKILLed
three times part way and relaunched twice: each relaunch redoes the
invoices done since the last save (duplicates). The invoices it never
reached were sent (Send & Print stored their official PDF). The PDF maker
is off: every invoice the invariant counts has a PDF of its own (the
script's copies or the official one), so no render is needed.

Then the addon takes over, as the README says: the preview read (Documents:
its figures checked) and its *Give Internal Users Access* (the script's
tree is its user's alone), the plan *By customer* on the script's
*Factures clients* (DMS: on company 1's root), the real scheduled action
SIGKILLed at random moments and restarted until nothing is pending; then
the duplicates' clean-up over JSON-RPC as an accounting manager.

Invariant, counting per customer invoice only the live documents (DMS
files) of its own PDF (a PDF of the invoice named `<number>.pdf`, or its
official PDF), not its other files: after the transfer no invoice holds
more than before, except those that held none, which hold exactly one;
after the clean-up, exactly one each. Every invoice in scope is done, none
failed, the script's copies are still on their invoices until the
clean-up.
"""

import json
import os
import sys
import time

from harness_tools.db import q, q1
from harness_tools.procs import HarnessError, wait_until

from ..harness import log
from ..invariant import lock_failures, log_problems
from ..settings import MANAGER, REPO
from ..steps import drain, kill_at_random, pending_count

SCRIPT_USER = ("old_script", "old_script_pw")
IN_SCOPE = 40  # company 1's first invoices (three customer invoices in four)
SAVE_EVERY = 5  # the script's progress file, every 5 invoices
KILLS = 3  # of the addon's server

# The live documents (DMS files) of each customer invoice's own PDF.
OWN_PDF_DOCUMENTS = """
    SELECT m.id, count(d.id)
      FROM account_move m
      LEFT JOIN ir_attachment a
             ON a.res_model = 'account.move' AND a.res_id = m.id
            AND a.mimetype = 'application/pdf'
            AND (a.res_field = 'invoice_pdf_report_file'
                 OR (a.res_field IS NULL AND a.name = m.name || '.pdf'))
      LEFT JOIN ({documents}) d ON d.attachment_id = a.id
            AND (d.company_id IS NULL OR d.company_id = m.company_id)
     WHERE m.id = ANY(%s)
     GROUP BY m.id"""
LIVE_DOCUMENTS = {
    "documents": "SELECT id, attachment_id, company_id FROM documents_document "
    "WHERE active AND type = 'binary'",
    "dms": "SELECT id, attachment_id, NULL::int AS company_id FROM dms_file "
    "WHERE active",
}


def targets(profile):
    return ("documents", "dms")


def own_pdf_documents(db, target, move_ids):
    query = OWN_PDF_DOCUMENTS.format(documents=LIVE_DOCUMENTS[target])
    return dict(q(db, query, [move_ids]))


def script_documents(db, uid):
    """{invoice id: documents} the script made (live or not)."""
    return dict(
        q(
            db,
            "SELECT a.res_id, count(*) FROM documents_document d "
            "JOIN ir_attachment a ON a.id = d.attachment_id "
            "WHERE d.create_uid = %s AND d.type = 'binary' "
            "AND a.res_model = 'account.move' GROUP BY a.res_id",
            [uid],
        )
    )


def customers_of(db, move_ids):
    return [
        row[0]
        for row in q(
            db,
            "SELECT DISTINCT p.commercial_partner_id FROM account_move m "
            "JOIN res_partner p ON p.id = m.partner_id WHERE m.id = ANY(%s)",
            [move_ids],
        )
    ]


def run_script(h, db, server, uid, stops, max_id):
    """The script's runs: each SIGKILLed once `stops[i]` invoices have a
    document of it, then relaunched (its progress file read again); none goes
    past invoice `max_id` (the kill lands a request or two after the count
    is seen). Returns the runs' count."""
    progress = os.path.join(h.work, f"{db}.script-progress.json")
    cmd = [
        sys.executable,
        "-m",
        "e2e.old_script",
        f"--url=http://127.0.0.1:{server.port}",
        f"--db={db}",
        f"--login={SCRIPT_USER[0]}",
        f"--password={SCRIPT_USER[1]}",
        f"--progress={progress}",
        f"--save-every={SAVE_EVERY}",
        f"--max-id={max_id}",
    ]
    env = dict(os.environ, PYTHONPATH=REPO)
    for stop in stops:
        proc = h.procs.spawn(cmd, os.path.join(h.work, f"{db}.script.log"), env=env)
        wait_until(
            lambda stop=stop, proc=proc: len(script_documents(db, uid)) >= stop
            or proc.poll() is not None,
            120,
            f"the script to reach {stop} invoices",
            interval=0.01,
        )
        h.procs.kill(proc)
        proc.wait(10)
    # A request the script died in still ends on the server: let it commit.
    time.sleep(1)
    with open(progress) as f:
        return json.load(f)


def run(h, target):
    t0 = time.time()
    db = h.clone(f"takeover_{target}")
    c1 = h.meta["companies"][0]
    scope = sorted(h.meta["moves"]["c1"])[:IN_SCOPE]
    q(
        db,
        "UPDATE account_move SET tal_transfer_state = NULL "
        "WHERE tal_transfer_state IS NOT NULL AND NOT id = ANY(%s)",
        [scope],
    )
    customer = [
        move_id
        for (move_id,) in q(
            db,
            "SELECT id FROM account_move WHERE id = ANY(%s) "
            "AND move_type = 'out_invoice' ORDER BY id",
            [scope],
        )
    ]
    # The script is killed for good two thirds of the way; three runs.
    reach = len(customer) * 2 // 3
    stops = sorted(h.rng.sample(range(SAVE_EVERY + 1, reach), 2)) + [reach]
    # The script's server loads while its user is made.
    script_server = h.server(db, "script", cron_threads=0).start(wait=False)
    setup = h.task(
        db,
        "takeover_setup",
        {"company_id": c1, "user": list(SCRIPT_USER), "sent": customer[reach:]},
    )
    uid = setup["user_id"]
    script_server.wait_ready()
    progress = run_script(h, db, script_server, uid, stops, customer[reach - 1])
    script_server.stop()
    # Stopped for good, its user archived: nobody in accounting may read
    # the tree it made as that user (the preview names it).
    q(db, "UPDATE res_users SET active = FALSE WHERE id = %s", [uid])
    made = script_documents(db, uid)
    if set(made) - set(customer[:reach]) or len(made) < reach:
        raise HarnessError(
            f"the script did {sorted(made)}, not the first {reach} invoices"
        )
    twice = sum(1 for count in made.values() if count > 1)
    log(
        f"the old script: {sum(made.values())} documents for {len(made)} invoices "
        f"({twice} twice or more), {len(stops)} runs killed at {stops}, "
        f"progress file at {progress['last_id']}"
    )
    before = own_pdf_documents(db, target, customer)
    attachments_before = q1(
        db,
        "SELECT count(*) FROM ir_attachment WHERE res_model = 'account.move' "
        "AND res_id = ANY(%s)",
        [scope],
    )

    if target == "documents":
        # The script's Factures clients: its folder in a folder, linked to
        # no customer.
        clients = q1(
            db,
            "SELECT id FROM documents_document WHERE create_uid = %s "
            "AND type = 'folder' AND folder_id IS NOT NULL AND res_model IS NULL",
            [uid],
        )
        h.configure(db, target, folders={c1: clients}, plan="customer")
    else:
        h.configure(db, target, plan="customer")
    server = h.server(db, "addon", cron_threads=2)
    violations = []
    preview = {}
    to_make = None
    if target == "documents":
        # The preview and its access, as an accounting manager reads them.
        server.start()
        wizard = server.rpc(
            MANAGER, "tal.invoice.transfer.preview", "create", [{"company_id": c1}]
        )
        preview = server.rpc(
            MANAGER,
            "tal.invoice.transfer.preview",
            "read",
            [
                [wizard],
                [
                    "in_scope",
                    "pdf_held",
                    "duplicates",
                    "hidden_folder_count",
                    "plan_note",
                ],
            ],
        )[0]
        expected = {
            "in_scope": len(scope),
            "pdf_held": reach,
            "duplicates": twice,
        }
        for key, value in expected.items():
            if preview[key] != value:
                violations.append(f"PREVIEW: {key} {preview[key]}, expected {value}")
        if not preview["hidden_folder_count"]:
            violations.append("PREVIEW: the script's tree not shown as hidden")
        # The script's customer folders are linked to their customer: reused
        # by their link; the other customers' folders are to make.
        plan_note = preview["plan_note"] or ""
        reused = len(customers_of(db, list(made)))
        to_make = len(customers_of(db, scope)) - reused
        for words in (
            f"{reused} folders reused (linked",
            f"{to_make} folders to make",
        ):
            if words not in plan_note:
                violations.append(f"PREVIEW: not '{words}': {plan_note}")
        server.rpc(
            MANAGER, "tal.invoice.transfer.preview", "action_grant_access", [[wizard]]
        )
    t_addon = time.time()
    # The server that showed the preview transfers first.
    kills, where = kill_at_random(h, db, server, KILLS, running=server.alive())
    server.start()
    drain(h, db, server, h.profile["timeout"])
    addon_seconds = time.time() - t_addon
    if to_make is not None:
        made_folders = q1(
            db,
            "SELECT count(*) FROM documents_document WHERE type = 'folder' "
            "AND folder_id = %s AND create_uid != %s",
            [clients, uid],
        )
        if made_folders != to_make:
            violations.append(
                f"CUSTOMER FOLDERS: {made_folders} made, the preview said {to_make}"
            )
    after = own_pdf_documents(db, target, customer)
    for move_id in customer:
        had, has = before.get(move_id, 0), after.get(move_id, 0)
        if (had and has > had) or (not had and has != 1):
            violations.append(f"PDF DOCUMENTS: invoice {move_id} held {had}, now {has}")
    states = dict(
        q(
            db,
            "SELECT tal_transfer_state, count(*) FROM account_move "
            "WHERE id = ANY(%s) GROUP BY 1",
            [scope],
        )
    )
    if states.get("done", 0) != len(scope):
        violations.append(f"NOT DONE: {states}")
    attachments_after = q1(
        db,
        "SELECT count(*) FROM ir_attachment WHERE res_model = 'account.move' "
        "AND res_id = ANY(%s)",
        [scope],
    )
    if attachments_after != attachments_before:
        violations.append(
            f"FILES: the invoices held {attachments_before} files, now "
            f"{attachments_after}"
        )

    # The duplicates' clean-up, as an accounting manager.
    cleanup = server.rpc(
        MANAGER, "tal.invoice.transfer.duplicate.cleanup", "create", [{}]
    )
    counts = server.rpc(
        MANAGER,
        "tal.invoice.transfer.duplicate.cleanup",
        "read",
        [[cleanup], ["invoice_count", "trash_count", "copy_count"]],
    )[0]
    server.rpc(
        MANAGER,
        "tal.invoice.transfer.duplicate.cleanup",
        "action_clean_up",
        [[cleanup]],
    )
    if pending_count(db):
        drain(h, db, server, h.profile["timeout"])
    server.stop()
    cleaned = own_pdf_documents(db, target, customer)
    for move_id in customer:
        if cleaned.get(move_id, 0) != 1:
            violations.append(
                f"AFTER CLEAN-UP: invoice {move_id} holds {cleaned.get(move_id, 0)} "
                "documents of its PDF"
            )
    expected_trash = sum(count - 1 for count in before.values() if count > 1)
    if target == "documents" and counts["trash_count"] != expected_trash:
        violations.append(
            f"CLEAN-UP: {counts['trash_count']} documents to the trash, "
            f"expected {expected_trash}"
        )
    violations += lock_failures(db)
    violations += log_problems(server.log_text())
    h.figures["kills"] += kills
    h.figures["invoices"] += len(scope)
    for key, value in where.items():
        h.figures[f"kills {key}"] += value
    h.dropdb(db)
    result = {
        "invoices": len(scope),
        "script_documents": sum(made.values()),
        "script_twice": twice,
        "kills": kills,
        "trashed": counts["trash_count"],
    }
    detail = ", ".join(f"{v} {k}" for k, v in sorted(where.items()))
    return (
        result,
        violations,
        (
            f"the script: {sum(made.values())} documents for {len(made)} of "
            f"{len(customer)} customer invoices ({twice} twice or more), killed "
            f"at {stops}; the addon: {kills} kills ({detail}), {addon_seconds:.0f}s; "
            f"clean-up: {counts['trash_count']} to the trash, "
            f"{counts['copy_count']} copies off; {time.time() - t0:.0f}s"
        ),
    )
