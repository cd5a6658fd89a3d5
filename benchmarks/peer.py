"""The closest peer: the loop an Odoo developer writes in `odoo shell` in ten
minutes. For each pending invoice: its attachments, a plain ORM `create` of
the document (or of the DMS directories and files), a plain ORM `write` of its
progress marker (a manual field: the addon refuses ORM writes of its own
state), a commit. Run through `odoo shell` itself (the loop on its stdin), on a
fresh clone of a backlog, for the first `sample` pending invoices."""

import json
import subprocess

from harness_tools.db import q
from harness_tools.odoo import PYTHON, odoo_cmd

from .backlog import clone_backlog, drop_db, ensure_stock_addons, set_target
from .settings import DATA_DIR, REFERENCE_DONE_FIELD, db_name, log

SHELL_TIMEOUT = 7200

# What is typed into `odoo shell` (env: the superuser's). The timing and the
# RESULT line are the benchmark's; the loop is the developer's.
LOOP = """
import json, time

TARGET, SAMPLE, DONE = {target!r}, {sample}, {done!r}
model, _sep, res_id = env.company.tal_transfer_folder_ref.partition(",")
root = env[model].browse(int(res_id))
moves = env["account.move"].search(
    [("tal_transfer_state", "=", "pending")], order="id", limit=SAMPLE
)
# The peer's loop starts on a clean transaction, as a shell session would.
env.cr.commit()  # pylint: disable=invalid-commit
folders = {{}}
t0, cpu0 = time.perf_counter(), time.process_time()
for move in moves:
    attachments = env["ir.attachment"].search(
        [("res_model", "=", "account.move"), ("res_id", "=", move.id)]
    )
    if TARGET == "dms":
        parent = root
        day = move.invoice_date or move.date
        for name in (move.journal_id.code, str(day.year), "%02d" % day.month):
            if (parent.id, name) not in folders:
                folders[parent.id, name] = env["dms.directory"].search(
                    [("parent_id", "=", parent.id), ("name", "=", name)], limit=1
                ) or env["dms.directory"].create({{
                    "name": name,
                    "parent_id": parent.id,
                    "model_id": env["ir.model"]._get_id("account.journal"),
                    "res_model": "account.journal",
                    "res_id": move.journal_id.id,
                }})
            parent = folders[parent.id, name]
        directory = env["dms.directory"].create({{
            "name": move.name.replace("/", "-"),
            "parent_id": parent.id,
            "model_id": env["ir.model"]._get_id("account.move"),
            "res_model": "account.move",
            "res_id": move.id,
        }})
        for attachment in attachments:
            env["dms.file"].create({{
                "name": attachment.name,
                "directory_id": directory.id,
                "attachment_id": attachment.id,
            }})
    else:
        for attachment in attachments:
            env["documents.document"].create({{
                "name": attachment.name,
                "attachment_id": attachment.id,
                "folder_id": root.id,
                "partner_id": move.partner_id.id,
            }})
    move.write({{DONE: True}})
    # The peer commits each invoice, as the loop it stands for does.
    env.cr.commit()  # pylint: disable=invalid-commit
seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
print("RESULT " + json.dumps({{
    "invoices": len(moves), "seconds": seconds, "odoo_cpu_s": cpu,
}}), flush=True)
"""


def marked(db, target):
    """Invoices the loop marked, the documents, the files of those invoices."""
    model = "dms_file" if target == "dms" else "documents_document"
    row = q(
        db,
        f"""
        SELECT (SELECT count(*) FROM account_move WHERE {REFERENCE_DONE_FIELD}),
               (SELECT count(*) FROM {model} WHERE attachment_id IS NOT NULL),
               (SELECT count(*) FROM ir_attachment a JOIN account_move m
                   ON a.res_model = 'account.move' AND a.res_id = m.id
                WHERE m.{REFERENCE_DONE_FIELD})
        """,  # noqa: S608 - names of ours
    )[0]
    return dict(zip(("done", "documents", "files_of_done"), row, strict=True))


def run_peer(src_db, target, sample, workdir):
    """The shell loop on `sample` invoices of a fresh clone of `src_db`."""
    db = db_name("p_", target)
    clone_backlog(src_db, db)
    set_target(db, target)
    script = f"{workdir}/peer_{target}.py"
    with open(script, "w") as f:
        f.write(LOOP.format(target=target, sample=sample, done=REFERENCE_DONE_FIELD))
    out = f"{workdir}/peer_{target}.log"
    cmd = odoo_cmd(db, ensure_stock_addons(), DATA_DIR, "--log-level=warn")
    cmd = [PYTHON, "-m", "odoo", "shell", *cmd[3:]]
    try:
        with open(script) as stdin, open(out, "w") as stdout:
            subprocess.run(
                cmd,
                stdin=stdin,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                timeout=SHELL_TIMEOUT,
                check=True,
            )
        with open(out, errors="replace") as f:
            lines = [x for x in f.read().splitlines() if x.startswith("RESULT ")]
        if not lines:
            raise RuntimeError(f"the shell loop printed no result, see {out}")
        result = json.loads(lines[-1][7:])
        found = marked(db, target)
    finally:
        drop_db(db)
    n, seconds = result["invoices"], result["seconds"]
    peer = {
        "target": target,
        "backlog": src_db,
        "sample": n,
        "seconds": round(seconds, 2),
        "ms_per_invoice": round(seconds * 1000 / n, 2),
        "invoices_per_s": round(n / seconds, 1),
        "odoo_cpu_ms_per_invoice": round(result["odoo_cpu_s"] * 1000 / n, 2),
        "done": found["done"],
        "documents": found["documents"],
        "files_of_done": found["files_of_done"],
    }
    log(
        f"peer (odoo shell loop), {target}: {n} invoices in {seconds:.1f} s = "
        f"{peer['ms_per_invoice']} ms/inv; done={found['done']} "
        f"docs={found['documents']} files={found['files_of_done']}"
    )
    return peer
