"""The exactly-once invariant, checked with SQL and the filestore after
every scenario, and the other checks scenarios share (lock failures, the run
history, problems in a server's log)."""

import hashlib
import os
import re
from collections import Counter

from harness_tools import addon
from harness_tools.db import q, q1, table_exists

from .settings import FILE_FIELDS, MANAGER

# documents.document.previous_attachment_ids (Many2many to ir.attachment)
VERSIONS_TABLE = "documents_document_ir_attachment_rel"
LOCK_WORDS = re.compile(r"busy|lock|serializ|deadlock|concurrent", re.I)
# What no run may log, killed or not.
RUN_LOG_PROBLEMS = (r"deadlock detected", r"server action #\d+ failed")


def sha1_file(path):
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def snapshot(h, db):
    """What the invariant compares against: the invoices' attachments, and the
    highest ids of attachments and documents before the scenario acts."""
    rows = q(
        db,
        "SELECT id, res_model, res_id, type, res_field, checksum, store_fname, file_size "
        "FROM ir_attachment WHERE res_model = 'account.move'",
    )
    snap = {
        "attachments": {r[0]: r[1:] for r in rows},
        "max_attachment": q1(db, "SELECT coalesce(max(id), 0) FROM ir_attachment"),
    }
    for table in ("documents_document", "dms_file", "dms_directory"):
        snap[f"max_{table}"] = (
            q1(db, f"SELECT coalesce(max(id), 0) FROM {table}")
            if table_exists(db, table)
            else 0  # noqa: S608
        )
    return snap


def check_invariant(
    h,
    db,
    snap,
    *,
    deleted_attachments=(),
    deleted_moves=(),
    missing_files=(),
    added_attachments=(),
    linked_not_done=(),
    addon_installed=True,
    official_pdfs=False,
):
    """The exactly-once invariant. Returns (counts, violations).

    - every attachment an in-scope invoice transfers is linked by exactly one
      documents.document or dms.file (attachment_id, or a document's older
      versions), archived ones included, wherever it is filed (e.g. by
      documents_account in its own folders);
    - an invoice is 'done' iff all its attachments are linked; no document or
      file exists for an invoice that is not done (`linked_not_done`: invoices
      where the scenario allows it, e.g. a file added after the transfer);
    - no attachment was copied (no new attachment with an invoice file's
      checksum, the count of the invoices' attachments moves only by what the
      scenario added or deleted), moved (res_model/res_id), changed, or lost
      (row gone, file gone from the filestore or not matching its checksum);
    - failed invoices carry a non-empty tal_transfer_error;
    - (also) at most one DMS directory per invoice, no DMS parent directory
      holding two child directories of one name in the tree the transfer made,
      no document or file created without an invoice attachment;
    - (also) the transfer's scheduled actions, one per parallel worker, are
      still active.

    `official_pdfs`: the transfer made invoices' official PDFs (attachments
    of the field `invoice_pdf_report_file`) during the scenario: they count
    as the invoices' files (linked once, file and checksum verified) instead
    of unexpected new attachments; check_made_pdfs says which invoices may
    have one.
    """
    violations, counts = [], Counter()
    deleted_attachments, deleted_moves = set(deleted_attachments), set(deleted_moves)
    missing_files, added = set(missing_files), set(added_attachments)
    filestore = h.filestore(db)
    has_docs = table_exists(db, "documents_document")
    has_dms = table_exists(db, "dms_file")

    # 1. The invoices' attachments: not lost, not moved, not changed.
    snap_att = snap["attachments"]
    now = {
        r[0]: r[1:]
        for r in q(
            db,
            "SELECT id, res_model, res_id, type, res_field, checksum, store_fname, "
            "file_size FROM ir_attachment WHERE id = ANY(%s) OR res_model = 'account.move'",
            [list(snap_att)],
        )
    }
    for att_id, old in snap_att.items():
        if att_id in deleted_attachments or old[1] in deleted_moves:
            if att_id in now and old[1] in deleted_moves:
                violations.append(
                    f"attachment {att_id} of deleted invoice {old[1]} still exists"
                )
            continue
        counts["attachments"] += 1
        new = now.get(att_id)
        if new is None:
            violations.append(
                f"LOST: attachment {att_id} of invoice {old[1]} was deleted"
            )
            continue
        if new[:2] != old[:2]:
            violations.append(
                f"MOVED: attachment {att_id} from {old[0]},{old[1]} to {new[0]},{new[1]}"
            )
        if (new[4], new[5]) != (old[4], old[5]):
            violations.append(
                f"CHANGED: attachment {att_id} checksum/file {old[4:6]} -> {new[4:6]}"
            )
        if new[5] and att_id not in missing_files:
            path = os.path.join(filestore, new[5])
            if not os.path.isfile(path):
                violations.append(
                    f"LOST: file of attachment {att_id} (invoice {old[1]}) missing on disk"
                )
            elif sha1_file(path) != new[4]:
                violations.append(
                    f"CORRUPT: file of attachment {att_id} does not match its checksum"
                )
            else:
                counts["files_verified"] += 1
    expected_count = sum(
        1
        for a, old in snap_att.items()
        if a not in deleted_attachments and old[1] not in deleted_moves
    ) + sum(1 for a in added if a in now and a not in snap_att)
    made_pdfs = _made_pdfs(db, snap) if official_pdfs else {}
    expected_count += len(made_pdfs)
    for att_id, (res_id, checksum, store_fname) in made_pdfs.items():
        counts["official_pdfs_made"] += 1
        path = os.path.join(filestore, store_fname or "")
        if not store_fname or not os.path.isfile(path):
            violations.append(
                f"LOST: file of the official PDF {att_id} (invoice {res_id}) missing on disk"
            )
        elif sha1_file(path) != checksum:
            violations.append(
                f"CORRUPT: file of the official PDF {att_id} does not match its checksum"
            )
        else:
            counts["files_verified"] += 1
    actual_count = sum(1 for row in now.values() if row[0] == "account.move")
    if actual_count != expected_count:
        violations.append(
            f"COUNT: {actual_count} invoice attachments, expected {expected_count}"
        )

    # 2. No copy: a new attachment with an invoice file's content, or on a document.
    checksums = {old[4] for old in snap_att.values() if old[4]}
    for att_id, res_model, res_id, checksum, name in q(
        db,
        "SELECT id, res_model, res_id, checksum, name FROM ir_attachment WHERE id > %s",
        [snap["max_attachment"]],
    ):
        if att_id in added or att_id in made_pdfs:
            continue
        if checksum in checksums:
            violations.append(
                f"COPIED: new attachment {att_id} ({res_model},{res_id}) has the "
                f"content of an invoice file"
            )
        elif res_model in (
            "documents.document",
            "dms.file",
            "dms.directory",
            "account.move",
        ):
            violations.append(
                f"NEW: unexpected attachment {att_id} '{name}' on {res_model},{res_id}"
            )

    if not addon_installed:
        # After an uninstall only the documents and files are checked.
        links = _links(db, has_docs, has_dms)
        counts["links"] = sum(links.values())
        for att_id, n in links.items():
            if n > 1:
                violations.append(f"DUPLICATE: attachment {att_id} linked {n} times")
        return dict(counts), violations

    # 3. Links per invoice and state.
    links = _links(db, has_docs, has_dms)
    moves = {
        r[0]: r[1:]
        for r in q(
            db,
            "SELECT id, tal_transfer_state, tal_transfer_error FROM account_move "
            "WHERE tal_transfer_state IS NOT NULL",
        )
    }
    files = {}
    for att_id, res_id in q(
        db,
        "SELECT id, res_id FROM ir_attachment WHERE res_model = 'account.move' AND type = 'binary' "
        "AND (res_field IS NULL OR res_field = ANY(%s))",
        [list(FILE_FIELDS)],
    ):
        files.setdefault(res_id, []).append(att_id)
    counts["invoices"] = len(moves)
    states = Counter(state for state, _error in moves.values())
    for move_id, (state, error) in moves.items():
        move_files = files.get(move_id, [])
        linked = [a for a in move_files if links.get(a, 0) > 0]
        for att_id in move_files:
            if links.get(att_id, 0) > 1:
                violations.append(
                    f"DUPLICATE: attachment {att_id} of invoice {move_id} linked "
                    f"{links[att_id]} times"
                )
        if state == "done":
            if len(linked) != len(move_files) or not move_files:
                violations.append(
                    f"NOT LINKED: invoice {move_id} is done but {len(move_files) - len(linked)}"
                    f" of its {len(move_files)} files have no document"
                )
        elif linked and move_id not in linked_not_done:
            violations.append(
                f"LINKED BUT {state}: invoice {move_id} has {len(linked)} document(s)"
            )
        if state == "no_attachment" and move_files:
            violations.append(
                f"NO_ATTACHMENT WITH FILES: invoice {move_id} has {len(move_files)} files"
            )
        if state == "failed" and not (error or "").strip():
            violations.append(f"FAILED WITHOUT ERROR: invoice {move_id}")
        counts["links"] += len(linked)
    out_of_scope = set(files) - set(moves)
    for move_id in out_of_scope:
        if any(links.get(a, 0) for a in files[move_id]):
            violations.append(
                f"LINKED OUT OF SCOPE: invoice {move_id} (no transfer state) has documents"
            )
    for state in ("done", "failed", "pending", "no_attachment", "excluded"):
        counts[state] = states.get(state, 0)

    # 4. Documents/files created in the scenario must link an invoice's attachment.
    for table, has in (("documents_document", has_docs), ("dms_file", has_dms)):
        if not has:
            continue
        extra = "AND d.type = 'binary'" if table == "documents_document" else ""
        for doc_id, att_id, res_model in q(
            db,
            f"SELECT d.id, d.attachment_id, a.res_model FROM {table} d "  # noqa: S608
            f"LEFT JOIN ir_attachment a ON a.id = d.attachment_id WHERE d.id > %s {extra}",
            [snap[f"max_{table}"]],
        ):
            if res_model != "account.move":
                violations.append(
                    f"ORPHAN: {table} {doc_id} links attachment {att_id} ({res_model})"
                )
    # 5. One DMS directory per invoice.
    if has_dms:
        for res_id, n in q(
            db,
            "SELECT res_id, count(*) FROM dms_directory WHERE res_model = "
            "'account.move' AND res_id IS NOT NULL GROUP BY res_id HAVING count(*) > 1",
        ):
            violations.append(
                f"DUPLICATE DIRECTORY: invoice {res_id} has {n} DMS directories"
            )
        violations += twin_directories(db, snap)
    violations += inactive_workers(db)
    return dict(counts), violations


def twin_directories(db, snap):
    """No DMS parent holds two child directories of one name, among those the
    scenario made (journal, year, month and invoice directories): a second
    worker must find the folder the first one made."""
    rows = q(
        db,
        "SELECT parent_id, name, array_agg(id ORDER BY id) FROM dms_directory "
        "WHERE parent_id IS NOT NULL GROUP BY parent_id, name "
        "HAVING count(*) > 1 AND max(id) > %s",
        [snap.get("max_dms_directory", 0)],
    )
    return [
        f"TWIN DIRECTORIES: directory {parent} holds {len(ids)} directories "
        f"named {name!r} ({ids})"
        for parent, name, ids in rows
    ]


def worker_crons(db):
    """{worker number: (cron id, active, failure_count)} of the transfer's
    scheduled actions, archived ones included."""
    out = {}
    for cron_id, code, active, failures in q(
        db,
        "SELECT c.id, s.code, c.active, c.failure_count FROM ir_cron c "
        "JOIN ir_act_server s ON s.id = c.ir_actions_server_id "
        "WHERE s.code LIKE %s ORDER BY c.id",
        [addon.WORKER_CODE_LIKE],
    ):
        match = re.search(r"worker=(\d+)", code)
        out.setdefault(int(match.group(1)) if match else 1, (cron_id, active, failures))
    return out


def parallel_workers(db):
    value = q1(
        db,
        "SELECT value FROM ir_config_parameter WHERE key = %s",
        [addon.WORKERS_PARAM],
    )
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


def inactive_workers(db):
    """The scheduled action of every parallel worker the setting asks for is
    still active (a crash, a kill or a lock must never archive one)."""
    if not table_exists(db, "tal_invoice_transfer_run"):
        return []
    crons = worker_crons(db)
    problems = []
    for number in range(1, parallel_workers(db) + 1):
        cron = crons.get(number)
        if cron is None:
            problems.append(
                f"WORKER CRON MISSING: no scheduled action for worker {number}"
            )
        elif not cron[1]:
            problems.append(
                f"WORKER CRON INACTIVE: the scheduled action of worker {number} "
                f"(ir.cron {cron[0]}) was deactivated"
            )
    return problems


def _links(db, has_docs, has_dms):
    parts = []
    if has_docs:
        parts.append(
            "SELECT attachment_id FROM documents_document WHERE attachment_id IS NOT NULL"
        )
        if table_exists(db, VERSIONS_TABLE):
            # An older version of a document's file (Documents keeps the
            # previous file when a document gets a new one, as documents_account
            # does when an invoice's main file changes) is in Documents through
            # that document.
            parts.append(f"SELECT ir_attachment_id FROM {VERSIONS_TABLE}")  # noqa: S608
    if has_dms:
        parts.append(
            "SELECT attachment_id FROM dms_file WHERE attachment_id IS NOT NULL"
        )
    if not parts:
        return {}
    rows = q(
        db,
        "SELECT attachment_id, count(*) FROM ("
        + " UNION ALL ".join(parts)
        + ") l GROUP BY attachment_id",
    )
    return dict(rows)


# ------------------------------------------------------------------ PDFs ---
# Sale documents: the PDF maker makes the official PDF of posted ones.
SALE_TYPES = ("out_invoice", "out_refund", "out_receipt")
DOCUMENT_MODELS = {
    "dms": ("dms_file", "dms.file"),
    "documents": ("documents_document", "documents.document"),
}
# An invoice's number as the standard template prints it (INV/2026/00012,
# RINV/2026/00003...).
INVOICE_NUMBER = re.compile(r"\b[A-Z]+/\d{4}(?:/\d{2})?/\d+\b")


def _made_pdfs(db, snap):
    """{attachment id: (invoice id, checksum, store_fname)}: official PDFs
    (attachments of the invoice PDF field) created during the scenario."""
    return {
        r[0]: r[1:]
        for r in q(
            db,
            "SELECT id, res_id, checksum, store_fname FROM ir_attachment "
            "WHERE res_model = 'account.move' AND res_field = ANY(%s) AND id > %s",
            [list(FILE_FIELDS), snap["max_attachment"]],
        )
    }


def pdf_snapshot(db):
    """Before the PDF maker runs: each invoice's main attachment and Sent
    flag, and the newest chatter message."""
    return {
        "moves": {
            r[0]: (r[1], r[2])
            for r in q(
                db,
                "SELECT id, message_main_attachment_id, is_move_sent FROM account_move",
            )
        },
        "max_message": q1(db, "SELECT coalesce(max(id), 0) FROM mail_message"),
    }


def pdf_text(path):
    """The text of a PDF file (pypdf or PyPDF2, which Odoo requires); None
    when neither can be imported."""
    try:
        from pypdf import PdfReader
    except ImportError:
        try:
            from PyPDF2 import PdfReader
        except ImportError:
            return None
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def check_made_pdfs(h, db, snap, before, target):
    """What the PDF maker promises (issue 27), after the run. Returns
    (counts, violations).

    - every posted customer invoice in scope (out_invoice, out_refund,
      out_receipt with a transfer state) is done, with exactly one official
      PDF (`res_field='invoice_pdf_report_file'`), linked by exactly one
      document of the target (and none elsewhere), which is the invoice's
      document (`tal_transfer_document_ref`); a PDF made during the scenario
      is recorded (`tal_transfer_pdf_report_id`), is a PDF and shows the
      invoice's number and no other invoice's;
    - no vendor bill has an official PDF, and none was made for an invoice
      out of scope;
    - never Send's side effects: no invoice became sent (`is_move_sent`), no
      main attachment changed (`message_main_attachment_id`), no chatter
      message on an invoice that is done;
    - `before`: pdf_snapshot() taken before the run.
    """
    violations, counts = [], Counter()
    table, model = DOCUMENT_MODELS[target]
    links = _links(
        db, table_exists(db, "documents_document"), table_exists(db, "dms_file")
    )
    target_docs = {}
    for doc_id, att_id in q(
        db,
        f"SELECT id, attachment_id FROM {table} WHERE attachment_id IS NOT NULL",  # noqa: S608
    ):
        target_docs.setdefault(att_id, []).append(doc_id)
    official = {}
    for att_id, res_id, store_fname in q(
        db,
        "SELECT id, res_id, store_fname FROM ir_attachment "
        "WHERE res_model = 'account.move' AND res_field = ANY(%s) ORDER BY id",
        [list(FILE_FIELDS)],
    ):
        official.setdefault(res_id, []).append((att_id, store_fname))
    chatter = dict(
        q(
            db,
            "SELECT res_id, count(*) FROM mail_message WHERE model = 'account.move' "
            "AND id > %s GROUP BY res_id",
            [before["max_message"]],
        )
    )
    moves = q(
        db,
        "SELECT id, name, move_type, state, tal_transfer_state, "
        "tal_transfer_pdf_report_id, tal_transfer_document_ref, is_move_sent, "
        "message_main_attachment_id FROM account_move ORDER BY id",
    )
    names = {row[0]: row[1] for row in moves if row[4] is not None}
    filestore = h.filestore(db)
    for (
        move_id,
        name,
        move_type,
        state,
        t_state,
        report_id,
        doc_ref,
        sent,
        main,
    ) in moves:
        pdfs = official.get(move_id, [])
        made = [att for att, _f in pdfs if att > snap["max_attachment"]]
        was_main, was_sent = before["moves"].get(move_id, (None, False))
        if sent and not was_sent:
            violations.append(f"SENT: invoice {move_id} was marked as sent")
        if main != was_main:
            violations.append(
                f"MAIN ATTACHMENT: invoice {move_id}'s main attachment went from "
                f"{was_main} to {main}"
            )
        if move_type.startswith("in_") and pdfs:
            violations.append(
                f"VENDOR BILL WITH PDF: vendor bill {move_id} has official PDF(s) "
                f"{[att for att, _f in pdfs]}"
            )
            continue
        if t_state is None or move_type not in SALE_TYPES or state != "posted":
            if made:
                violations.append(
                    f"PDF OUT OF SCOPE: official PDF(s) {made} made for invoice "
                    f"{move_id} ({move_type}, {state}, transfer state {t_state})"
                )
            if move_type.startswith("in_") and t_state is not None:
                counts["vendor_bills"] += 1
            continue
        counts["customer_invoices"] += 1
        if t_state != "done":
            violations.append(f"NOT DONE: customer invoice {move_id} is {t_state}")
        if chatter.get(move_id) and t_state == "done":
            violations.append(
                f"CHATTER: {chatter[move_id]} new message(s) on invoice {move_id}"
            )
        if len(pdfs) != 1:
            violations.append(
                f"OFFICIAL PDFS: invoice {move_id} has {len(pdfs)} official PDFs "
                f"{[att for att, _f in pdfs]}"
            )
            continue
        att_id, store_fname = pdfs[0]
        docs = target_docs.get(att_id, [])
        if len(docs) != 1 or links.get(att_id, 0) != 1:
            violations.append(
                f"PDF DOCUMENTS: the official PDF {att_id} of invoice {move_id} is "
                f"linked by {len(docs)} {model} ({docs}), {links.get(att_id, 0)} "
                f"document(s) in all"
            )
        elif doc_ref != f"{model},{docs[0]}":
            violations.append(
                f"DOCUMENT REF: invoice {move_id} points to {doc_ref}, its PDF's "
                f"document is {model},{docs[0]}"
            )
        else:
            counts["pdfs_filed_once"] += 1
        if not made:
            continue
        counts["pdfs_made"] += 1
        if not report_id:
            violations.append(
                f"NOT RECORDED: invoice {move_id}'s official PDF {att_id} was made "
                f"but tal_transfer_pdf_report_id is empty"
            )
        path = os.path.join(filestore, store_fname or "")
        if not os.path.isfile(path):
            continue  # check_invariant says so
        with open(path, "rb") as f:
            if f.read(5) != b"%PDF-":
                violations.append(
                    f"NOT A PDF: official PDF {att_id} of invoice {move_id}"
                )
                continue
        text = pdf_text(path)
        if text is None:
            counts["pdfs_content_unchecked"] += 1
            continue
        shown = set(INVOICE_NUMBER.findall(text))
        others = sorted(n for n in shown if n != name and n in names.values())
        if name not in shown or others:
            violations.append(
                f"WRONG PDF: the official PDF {att_id} of invoice {move_id} ({name}) "
                f"shows the numbers {sorted(shown)}"
            )
        else:
            counts["pdfs_showing_their_invoice"] += 1
    return dict(counts), violations


def lock_failures(db):
    """Invoices failed (or with an error) because of a busy database."""
    rows = q(
        db,
        "SELECT id, tal_transfer_state, tal_transfer_error, tal_transfer_error_kind"
        " FROM account_move WHERE tal_transfer_error IS NOT NULL"
        " AND tal_transfer_state IN ('failed', 'pending')",
    )
    return [
        f"LOCK FAILURE: invoice {r[0]} {r[1]}: {r[2][:120]}"
        for r in rows
        if r[3] == "busy" or LOCK_WORDS.search(r[2])
    ]


def not_done(counts):
    """A violation when the backlog is not all done: every scenario's invoices
    are good, or fail only where the scenario says so before calling this."""
    if counts.get("failed") or counts.get("pending"):
        return [
            f"NOT DONE: {counts.get('failed')} failed, {counts.get('pending')} pending"
        ]
    return []


def run_history(h, db, counts, killed):
    """The run history agrees with the invoices, killed runs included, as an
    accounting manager of every company reads it (an Odoo task):

    - per company, what the per-run-and-company figures
      (`tal.invoice.transfer.run.company`) say was transferred or failed
      equals the invoices done or failed by a run;
    - the runs' own figures, summed, and the dashboard's counts say the same;
    - no run is left interrupted or running when no worker died.
    """
    problems = []
    shown = h.task(db, "run_history", {"login": MANAGER[0]})
    by_state = shown["runs"]["by_state"]
    counts["runs"] = sum(by_state.values())
    if not killed and (by_state.get("interrupted") or by_state.get("running")):
        problems.append(
            f"RUN HISTORY: runs {by_state} after a run where no worker died "
            f"(a live worker's run was marked interrupted)"
        )
    actual = {
        company: {"done": done, "failed": failed}
        for company, done, failed in q(
            db,
            "SELECT company_id, count(*) FILTER (WHERE tal_transfer_state = 'done'), "
            "count(*) FILTER (WHERE tal_transfer_state = 'failed') FROM account_move "
            "WHERE tal_transfer_state IN ('done', 'failed') GROUP BY company_id",
        )
    }
    per_company = {int(k): v for k, v in shown["per_company"].items()}
    zero = {"done": 0, "failed": 0}
    for company in sorted(set(per_company) | set(actual)):
        if per_company.get(company, zero) != actual.get(company, zero):
            problems.append(
                f"RUN HISTORY: company {company}: the runs show "
                f"{per_company.get(company, zero)}, the invoices say "
                f"{actual.get(company, zero)}"
            )
    done = sum(v["done"] for v in actual.values())
    failed = sum(v["failed"] for v in actual.values())
    if (shown["runs"]["done"], shown["runs"]["failed"]) != (done, failed):
        problems.append(
            f"RUN HISTORY: the runs' figures add up to {shown['runs']['done']} done, "
            f"{shown['runs']['failed']} failed; the invoices say {done}, {failed}"
        )
    dashboard = shown["dashboard"]
    if (dashboard.get("done"), dashboard.get("failed")) != (done, failed):
        problems.append(
            f"DASHBOARD: {dashboard.get('done')} done, {dashboard.get('failed')} "
            f"failed; the invoices say {done}, {failed}"
        )
    return problems


def log_problems(text, patterns=(r"deadlock detected",)):
    found = []
    for pattern in patterns:
        for match in re.finditer(pattern, text, re.I):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            found.append(text[line_start : line_end if line_end > 0 else None][:200])
    return found


def run_all_done(h, db, snap, log_text, *, killed, **invariant_args):
    """The checks of a run that must end with every invoice done: exactly
    once, nothing failed or pending, none failed on a lock, no deadlock or
    failed scheduled action in the log, and a run history that agrees.
    Returns (counts, violations)."""
    counts, violations = check_invariant(h, db, snap, **invariant_args)
    violations += not_done(counts)
    violations += lock_failures(db)
    violations += log_problems(log_text, RUN_LOG_PROBLEMS)
    violations += run_history(h, db, counts, killed=killed)
    return counts, violations
