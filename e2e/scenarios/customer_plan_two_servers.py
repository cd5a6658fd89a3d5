"""The filing plan *By customer* with parallel workers on two Odoo servers
(issue 28.1): every company files by customer, from an empty tree; two
server processes, two cron threads each, *Parallel workers* at 4, so that
the four workers meet the same new customers at once. One server is
SIGKILLed while it transfers, then restarted.

At the end, besides the invariant (every file once, every invoice done):
no customer has two folders in a company's folder, and every document sits
in the folder of its invoice's customer (DMS: its invoice's directory does).
"""

import time

from harness_tools.db import q, q1
from harness_tools.procs import HarnessError

from ..harness import log
from ..invariant import run_all_done, snapshot
from ..steps import busy_server, classify, drain, handled_count, pending_count

WORKERS = 4
CRON_THREADS = 2

TWINS = {
    "documents": """
        SELECT folder_id, res_id, count(*) FROM documents_document
         WHERE type = 'folder' AND res_model = 'res.partner'
         GROUP BY 1, 2 HAVING count(*) > 1""",
    "dms": """
        SELECT parent_id, res_id, count(*) FROM dms_directory
         WHERE res_model = 'res.partner'
         GROUP BY 1, 2 HAVING count(*) > 1""",
}
ELSEWHERE = {
    "documents": """
        SELECT count(*) FROM documents_document d
          JOIN ir_attachment a ON a.id = d.attachment_id
          JOIN account_move m ON a.res_model = 'account.move' AND m.id = a.res_id
          LEFT JOIN documents_document f ON f.id = d.folder_id
         WHERE m.tal_transfer_state = 'done'
           AND (f.id IS NULL OR f.res_model IS DISTINCT FROM 'res.partner'
                OR f.res_id IS DISTINCT FROM m.commercial_partner_id)""",
    "dms": """
        SELECT count(*) FROM dms_file d
          JOIN ir_attachment a ON a.id = d.attachment_id
          JOIN account_move m ON a.res_model = 'account.move' AND m.id = a.res_id
          JOIN dms_directory i ON i.id = d.directory_id
          LEFT JOIN dms_directory c ON c.id = i.parent_id
         WHERE m.tal_transfer_state = 'done'
           AND (c.id IS NULL OR c.res_model IS DISTINCT FROM 'res.partner'
                OR c.res_id IS DISTINCT FROM m.commercial_partner_id)""",
}
FOLDERS = {
    "documents": "SELECT count(*) FROM documents_document "
    "WHERE type = 'folder' AND res_model = 'res.partner'",
    "dms": "SELECT count(*) FROM dms_directory WHERE res_model = 'res.partner'",
}


def targets(profile):
    return ("documents", "dms")


def run(h, target):
    db = h.clone(f"cust_{target}")
    h.configure(db, target, plan="customer")
    # Files only: the PDF maker (issue 27) is not what this scenario proves.
    q(db, "UPDATE res_company SET tal_transfer_make_pdf = FALSE")
    h.set_parallel_workers(db, WORKERS)
    snap = snapshot(h, db)
    total = pending_count(db)
    servers = [
        h.server(db, name, cron_threads=CRON_THREADS).start() for name in ("a", "b")
    ]
    t0 = time.time()
    h.make_cron_ready(db)
    # As soon as a server holds a transaction of the transfer: the first
    # batches, while customer folders are being made.
    deadline = time.time() + 60
    victim, states = busy_server(db, h.rng.sample(servers, 2))
    while victim is None and time.time() < deadline and pending_count(db):
        time.sleep(0.002)
        victim, states = busy_server(db, h.rng.sample(servers, 2))
    if victim is None:
        raise HarnessError("no server was working when the kill was due")
    killed_at = handled_count(db)
    victim.kill()
    where = classify(states)
    log(f"SIGKILL ({where}) at {killed_at}/{total}")
    victim.start()
    drain(h, db, servers[1 - servers.index(victim)], h.profile["timeout"])
    wall = time.time() - t0
    for server in servers:
        server.stop()

    text = "".join(server.log_text() for server in servers)
    counts, violations = run_all_done(h, db, snap, text, killed=True)
    for folder_id, partner_id, count in q(db, TWINS[target]):
        violations.append(
            f"TWIN FOLDERS: customer {partner_id} has {count} folders in {folder_id}"
        )
    elsewhere = q1(db, ELSEWHERE[target])
    if elsewhere:
        violations.append(
            f"NOT BY CUSTOMER: {elsewhere} documents outside their customer's folder"
        )
    folders = q1(db, FOLDERS[target])
    counts.update(kills=1, killed_at=killed_at, customer_folders=folders)
    h.figures["kills"] += 1
    h.figures[f"kills {where}"] += 1
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"By customer, 2 servers x {CRON_THREADS} cron threads, {WORKERS} "
            f"workers from an empty tree: {folders} customer folders; SIGKILL "
            f"({where}) at {killed_at}/{total}, restarted; {wall:.0f}s"
        ),
    )
