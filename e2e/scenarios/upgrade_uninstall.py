"""`-u tal_invoice_transfer` mid-backlog keeps every state; uninstall keeps
invoices, attachments and documents."""

from harness_tools.db import q, q1
from harness_tools.procs import wait_until

from ..harness import log
from ..invariant import check_invariant, not_done, snapshot
from ..steps import drain, handled_count, pending_count, wait_progress


def targets(profile):
    return profile["upgrade_targets"]


def run(h, target):
    db = h.clone(f"upg_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    server = h.server(db, "upg").start()
    total = pending_count(db)
    wait_progress(h, db, 0)
    wait_until(lambda: handled_count(db) >= total // 3, 120, "a third of the backlog")
    server.stop()
    state_sql = (
        "SELECT id, tal_transfer_state, tal_transfer_error, tal_transfer_attempts, "
        "tal_transfer_date, tal_transfer_document_ref, tal_transfer_document_count, "
        "write_date FROM account_move ORDER BY id"
    )
    before = q(db, state_sql)
    doc_table = "dms_file" if target == "dms" else "documents_document"
    docs_sql = f"SELECT id, attachment_id, active FROM {doc_table} ORDER BY id"  # noqa: S608
    docs_before = q(db, docs_sql)
    cron_sql = (
        "SELECT c.active, c.interval_number, c.interval_type, s.code FROM ir_cron c "
        "JOIN ir_act_server s ON s.id = c.ir_actions_server_id WHERE c.id = %s"
    )
    cron_before = q(db, cron_sql, [h.cron_id(db)])
    upgraded_at = handled_count(db)
    log(f"upgrading tal_invoice_transfer at {upgraded_at}/{total}")
    h.odoo(db, ["-u", "tal_invoice_transfer"], f"{db}.upgrade.log", 600)
    violations = []
    after = q(db, state_sql)
    if after != before:
        changed = sum(1 for a, b in zip(after, before, strict=False) if a != b)
        violations.append(
            f"UPGRADE CHANGED {changed} invoices' transfer fields or write_date"
        )
    if q(db, docs_sql) != docs_before:
        violations.append("UPGRADE CHANGED the documents")
    cron_after = q(db, cron_sql, [h.cron_id(db)])
    if cron_after != cron_before:
        violations.append(f"UPGRADE CHANGED the cron: {cron_before} -> {cron_after}")
    server.start()
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    counts, inv = check_invariant(h, db, snap)
    violations += inv
    violations += not_done(counts)
    moves_before = q1(db, "SELECT count(*) FROM account_move")
    docs_before = q(db, docs_sql)
    log("uninstalling tal_invoice_transfer")
    h.task(db, "uninstall", {}, timeout=600)
    if (
        q1(db, "SELECT state FROM ir_module_module WHERE name = 'tal_invoice_transfer'")
        != "uninstalled"
    ):
        violations.append("UNINSTALL did not uninstall the module")
    if q1(db, "SELECT count(*) FROM account_move") != moves_before:
        violations.append("UNINSTALL deleted invoices")
    if q(db, docs_sql) != docs_before:
        violations.append(f"UNINSTALL changed the {doc_table} rows")
    counts_u, inv_u = check_invariant(h, db, snap, addon_installed=False)
    violations += [f"(after uninstall) {v}" for v in inv_u]
    counts["after_uninstall_links"] = counts_u.get("links", 0)
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"-u at {upgraded_at}/{total} kept every state, uninstall kept "
            f"{len(docs_before)} {doc_table} rows and every attachment"
        ),
    )
