"""The XML-RPC reference: the old external script's work over XML-RPC
against a local Odoo server (`xmlrpc` is the client; run_xmlrpc starts the
server on a clone and runs the client)."""

import json
import statistics
import subprocess
import time
import xmlrpc.client

from harness_tools.odoo import OdooServer, run_task
from harness_tools.procs import PortPool, ProcessGroup

from .backlog import clone_backlog, drop_db, ensure_stock_addons, set_target
from .settings import (
    DATA_DIR,
    PORTS,
    REFERENCE_DONE_FIELD,
    TASK_MODULE,
    bench_cmd,
    db_name,
)


def cmd_xmlrpc(args):
    """The old external script, over XML-RPC against a local Odoo server:
    authenticate, then per invoice: read it, read its attachments (content
    included), find or create its directory / folder, create the dms file or
    document per attachment, record the progress on the invoice."""

    url = f"http://127.0.0.1:{args.port}"
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", allow_none=True)
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
    db, pwd = args.db, "admin"
    t_auth = time.perf_counter()
    uid = common.authenticate(db, "admin", pwd, {})
    assert uid, "authentication failed"
    t_auth = time.perf_counter() - t_auth

    def call(model, method, *a, **kw):
        return models.execute_kw(db, uid, pwd, model, method, list(a), kw)

    ids = call(
        "account.move",
        "search",
        [("tal_transfer_state", "=", "pending")],
        limit=args.sample,
        order="id",
    )
    folder_ref = call("res.company", "read", [1], ["tal_transfer_folder_ref"])[0][
        "tal_transfer_folder_ref"
    ]
    root_id = int(folder_ref.split(",")[1])
    dir_cache = {}
    per_invoice = []
    t0 = time.perf_counter()
    for move_id in ids:
        ti = time.perf_counter()
        move = call(
            "account.move",
            "read",
            [move_id],
            ["name", "journal_id", "invoice_date", "date", "partner_id"],
        )[0]
        atts = call(
            "ir.attachment",
            "search_read",
            [("res_model", "=", "account.move"), ("res_id", "=", move_id)],
            fields=["name", "mimetype", "file_size", "datas"],
        )
        if args.target == "dms":
            parent = root_id
            day = move["invoice_date"] or move["date"]
            journal_code = move["journal_id"][1].split(" ")[0]
            for name in (journal_code, day[:4], day[5:7]):
                key = (parent, name)
                if key not in dir_cache:
                    found = call(
                        "dms.directory",
                        "search",
                        [("parent_id", "=", parent), ("name", "=", name)],
                        limit=1,
                    )
                    dir_cache[key] = (
                        found[0]
                        if found
                        else call(
                            "dms.directory",
                            "create",
                            {
                                "name": name,
                                "parent_id": parent,
                                "model_id": call(
                                    "ir.model",
                                    "search",
                                    [("model", "=", "account.journal")],
                                )[0],
                                "res_model": "account.journal",
                                "res_id": move["journal_id"][0],
                            },
                        )
                    )
                parent = dir_cache[key]
            directory = call(
                "dms.directory",
                "create",
                {
                    "name": move["name"].replace("/", "-"),
                    "parent_id": parent,
                    "model_id": call(
                        "ir.model", "search", [("model", "=", "account.move")]
                    )[0],
                    "res_model": "account.move",
                    "res_id": move_id,
                },
            )
            for att in atts:
                call(
                    "dms.file",
                    "create",
                    {
                        "name": att["name"],
                        "directory_id": directory,
                        "attachment_id": att["id"],
                    },
                )
        else:
            for att in atts:
                call(
                    "documents.document",
                    "create",
                    {
                        "name": att["name"],
                        "attachment_id": att["id"],
                        "folder_id": root_id,
                        "partner_id": move["partner_id"] and move["partner_id"][0],
                    },
                )
        call("account.move", "write", [move_id], {REFERENCE_DONE_FIELD: True})
        per_invoice.append(time.perf_counter() - ti)
    elapsed = time.perf_counter() - t0
    json.dump(
        {
            "target": args.target,
            "sample": len(ids),
            "seconds": elapsed,
            "auth_s": t_auth,
            "ms_per_invoice": elapsed * 1000 / len(ids),
            "median_ms": statistics.median(per_invoice) * 1000,
            "invoices_per_s": len(ids) / elapsed,
        },
        open(args.out, "w"),
    )


def run_xmlrpc(src_db, target, sample, workdir):
    db = db_name("x_", target)
    clone_backlog(src_db, db)
    set_target(db, target)
    procs = ProcessGroup()
    addons = ensure_stock_addons()
    run_task(
        procs,
        TASK_MODULE,
        db,
        "grant",
        addons_path=addons,
        data_dir=DATA_DIR,
        logfile=f"{workdir}/xmlrpc_grant_{target}.log",
    )
    server = OdooServer(
        procs,
        PortPool(PORTS),
        db,
        addons,
        DATA_DIR,
        f"{workdir}/xmlrpc_server_{target}.log",
        cron_threads=0,
        workers=0,
        log_level="warn",
    )
    try:
        server.start()
        out = f"{workdir}/xmlrpc_{target}.json"
        subprocess.run(
            bench_cmd(
                "xmlrpc",
                "--db",
                db,
                "--port",
                str(server.port),
                "--target",
                target,
                "--sample",
                str(sample),
                "--out",
                out,
            ),
            check=True,
        )
        with open(out) as f:
            return json.load(f)
    finally:
        server.stop()
        procs.kill_all(wait=10)
        drop_db(db)
