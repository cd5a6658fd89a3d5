# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the takeover's check (tal.invoice.transfer.check._tal_check) on a
large set of transferred invoices, Documents target (the stand-in); with
`--preview`, the takeover preview's figures too (what its form computes,
tal.invoice.transfer.preview._tal_figures), with the plan *By customer*.

    . scripts/odoo_env.sh
    createdb tal_bench_check   # then install the addon and the stand-in:
    $ODOO_PYTHON -m odoo -d tal_bench_check --addons-path=.,test_addons \\
        -i tal_invoice_transfer,tal_documents_standin,dms --stop-after-init
    $ODOO_PYTHON benchmarks/takeover_check.py -d tal_bench_check --size 100000

The invoices are cloned by SQL from one invoice transferred through the
addon (its row, its file and the file's document): the check reads rows,
never contents, so clones sharing a filestore file measure what it does.
Each clone gets a content of its own; `--missing` of their documents are
deleted by SQL, and `--copies` are held by an upload's copy in the folder
instead of a document of their own. The data is committed once (a second
run reuses it); each measured check runs in a transaction of its own that
is rolled back, so the figures repeat. Prints one line per try.

`--preview --customers N`: the invoices are spread over N customers
(partners cloned by SQL); a quarter of them have a folder linked to them in
the company's folder, a quarter one named as the old script named it,
linked to nobody; the preview then counts N / 4 folders reused by their
link, N / 4 by their name and N / 2 to make.
"""

import argparse
import os
import time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL

BENCH = "TALBENCH"


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def clone(cr, table, source_sql, overrides):
    """INSERT INTO table SELECT every column from `source_sql` (aliased
    `src`), `overrides` {column: SQL} replacing some."""
    names = columns(cr, table)
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(name) for name in names),
            SQL(", ").join(
                overrides.get(name, SQL.identifier("src", name)) for name in names
            ),
            source_sql,
        )
    )
    return cr.rowcount


def template(env):
    """One invoice with one file, transferred to Documents."""
    company = env.company
    env["ir.config_parameter"].set_param("tal_invoice_transfer.target", "documents")
    company.tal_transfer_make_pdf = False
    folder = env["documents.document"].search(
        [("name", "=", BENCH), ("type", "=", "folder")], limit=1
    ) or env["documents.document"].create(
        {"name": BENCH, "type": "folder", "access_internal": "view"}
    )
    company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
    partner = env["res.partner"].create({"name": BENCH})
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": "2026-03-05",
            "invoice_line_ids": [Command.create({"name": BENCH, "price_unit": 10})],
        }
    )
    env["ir.attachment"].create(
        {
            "name": "template.pdf",
            "raw": b"%PDF-1.4\n% " + BENCH.encode() + b"\n%%EOF\n",
            "res_model": "account.move",
            "res_id": move.id,
        }
    )
    move.action_post()
    env["tal.invoice.transfer"]._run(move_ids=move.ids)
    assert move.tal_transfer_state == "done", move.tal_transfer_error
    return move, folder


def build(env, size, missing, copies):
    cr = env.cr
    cr.execute("SELECT count(*) FROM account_move WHERE name LIKE %s", [f"{BENCH}/%"])
    if cr.fetchone()[0] >= size:
        return
    move, folder = template(env)
    env.flush_all()
    document = env["documents.document"].search(
        [("attachment_id.res_id", "=", move.id)]
    )
    series = SQL("generate_series(1, %s) AS n", size)
    started = time.monotonic()
    clone(
        cr,
        "account_move",
        SQL("account_move src, %s WHERE src.id = %s", series, move.id),
        {
            "name": SQL("%s || '/' || n", BENCH),
            "tal_transfer_document_ref": SQL("NULL"),
        },
    )
    clone(
        cr,
        "ir_attachment",
        SQL(
            """ir_attachment src, account_move m
                WHERE src.id = %s AND m.name LIKE %s""",
            document.attachment_id.id,
            f"{BENCH}/%",
        ),
        {
            "res_id": SQL("m.id"),
            "name": SQL("'bench-' || m.id || '.pdf'"),
            "checksum": SQL("md5('bench' || m.id)"),
        },
    )
    # Documents of their own, but for the first `copies` invoices: an
    # upload's copy of their content in the folder, linked to no record.
    clone(
        cr,
        "ir_attachment",
        SQL(
            """ir_attachment src
                JOIN account_move m ON m.id = src.res_id
                WHERE src.name LIKE 'bench-%%' AND src.res_model = 'account.move'
                  AND m.name LIKE %s AND split_part(m.name, '/', 2)::int <= %s""",
            f"{BENCH}/%",
            copies,
        ),
        {
            "res_model": SQL("'documents.document'"),
            "res_id": SQL("NULL"),
            "name": SQL("'copy-' || src.name"),
        },
    )
    clone(
        cr,
        "documents_document",
        SQL(
            """documents_document src, ir_attachment a
                JOIN account_move m ON m.id = a.res_id
                WHERE src.id = %s AND a.name LIKE 'bench-%%'
                  AND a.res_model = 'account.move' AND m.name LIKE %s
                  AND split_part(m.name, '/', 2)::int > %s""",
            document.id,
            f"{BENCH}/%",
            copies,
        ),
        {"attachment_id": SQL("a.id"), "res_id": SQL("a.res_id")},
    )
    clone(
        cr,
        "documents_document",
        SQL(
            """documents_document src, ir_attachment a
                WHERE src.id = %s AND a.name LIKE 'copy-bench-%%'""",
            document.id,
        ),
        {
            "attachment_id": SQL("a.id"),
            "res_model": SQL("NULL"),
            "res_id": SQL("NULL"),
        },
    )
    # The planner's statistics, before joining what was just inserted.
    cr.execute("ANALYZE account_move, ir_attachment, documents_document")
    cr.execute(
        """UPDATE documents_document d SET parent_path = %s || d.id || '/'
            WHERE d.parent_path = %s""",
        [folder.parent_path, document.parent_path],
    )
    cr.execute(
        """UPDATE account_move m SET tal_transfer_document_ref =
                  'documents.document,' || d.id
             FROM ir_attachment a
             JOIN documents_document d ON d.attachment_id = a.id
            WHERE a.res_model = 'account.move' AND a.res_id = m.id
              AND a.name LIKE 'bench-%%'"""
    )
    cr.execute(
        """UPDATE account_move m SET tal_transfer_document_ref =
                  'documents.document,' || d.id
             FROM ir_attachment a
             JOIN documents_document d ON d.attachment_id = a.id
            WHERE a.name LIKE 'copy-bench-%%'
              AND m.id = substring(a.name from 'copy-bench-([0-9]+)')::int"""
    )
    cr.execute(
        """DELETE FROM documents_document WHERE id IN (
               SELECT d.id FROM documents_document d
                 JOIN ir_attachment a ON a.id = d.attachment_id
                WHERE a.name LIKE 'bench-%%' ORDER BY d.id DESC LIMIT %s)""",
        [missing],
    )
    cr.execute("ANALYZE")
    print(f"built {size} transferred invoices in {time.monotonic() - started:.0f} s")


def build_customers(env, count):
    """Spread the bench invoices over `count` customers, a quarter with a
    linked folder, a quarter with a folder named by the script's rule."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE %s", [f"{BENCH}-%"])
    if cr.fetchone()[0] >= count:
        return
    started = time.monotonic()
    cr.execute("SELECT id FROM res_partner WHERE name = %s LIMIT 1", [BENCH])
    source = cr.fetchone()[0]
    clone(
        cr,
        "res_partner",
        SQL(
            "res_partner src, generate_series(1, %s) AS n WHERE src.id = %s",
            count,
            source,
        ),
        {
            "name": SQL("%s || '-' || n || ': customer'", BENCH),
            "complete_name": SQL("%s || '-' || n || ': customer'", BENCH),
        },
    )
    cr.execute(
        """UPDATE res_partner SET commercial_partner_id = id
            WHERE name LIKE %s""",
        [f"{BENCH}-%"],
    )
    cr.execute(
        """WITH p AS (
               SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                 FROM res_partner WHERE name LIKE %(like)s),
                m AS (
               SELECT id, row_number() OVER (ORDER BY id) AS n
                 FROM account_move WHERE name LIKE %(moves)s)
           UPDATE account_move am SET partner_id = p.id, commercial_partner_id = p.id
             FROM m JOIN p ON p.k = m.n %% %(count)s
            WHERE am.id = m.id""",
        {"like": f"{BENCH}-%", "moves": f"{BENCH}/%", "count": count},
    )
    folder_record = env["documents.document"].search(
        [("name", "=", BENCH), ("type", "=", "folder")], limit=1
    )
    folder = folder_record.id
    clone(
        cr,
        "documents_document",
        SQL(
            """documents_document src,
                   (SELECT id, name, row_number() OVER (ORDER BY id) AS k
                      FROM res_partner WHERE name LIKE %s) p
                WHERE src.id = %s AND mod(p.k, 4) IN (0, 1)""",
            f"{BENCH}-%",
            folder,
        ),
        {
            "folder_id": SQL("%s", folder),
            # The script's name: ':' became '_'.
            "name": SQL("jsonb_build_object('en_US', replace(p.name, ':', '_'))"),
            "res_model": SQL("CASE WHEN mod(p.k, 4) = 0 THEN 'res.partner' END"),
            "res_id": SQL("CASE WHEN mod(p.k, 4) = 0 THEN p.id END"),
        },
    )
    cr.execute(
        """UPDATE documents_document SET parent_path = %s || id || '/'
            WHERE folder_id = %s AND type = 'folder'""",
        [folder_record.parent_path, folder],
    )
    cr.execute("ANALYZE")
    print(f"spread over {count} customers in {time.monotonic() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--missing", type=int, default=100)
    parser.add_argument("--copies", type=int, default=1000)
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--preview", action="store_true")
    parser.add_argument("--customers", type=int, default=10000)
    args = parser.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    odoo.tools.config.parse_config(
        [
            "-d",
            args.database,
            f"--addons-path={repo},{os.path.join(repo, 'test_addons')}",
        ]
    )
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        build(env, args.size, args.missing, args.copies)
        if args.preview:
            build_customers(env, args.customers)
            env.company.tal_transfer_filing_plan = "customer"
    for attempt in range(1, args.tries + 1):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started = time.monotonic()
            figures = env["tal.invoice.transfer.check"]._tal_check()
            elapsed = time.monotonic() - started
            print(
                f"try {attempt}: {figures['checked']} transferred invoices checked"
                f" in {elapsed:.1f} s, {figures['reopened']} back to pending"
            )
            cr.rollback()
    for attempt in range(1, (args.tries if args.preview else 0) + 1):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            target = env["tal.transfer.target"]._tal_get_target()
            started = time.monotonic()
            target._tal_customer_folder_counts(
                env.company, env.company._tal_transfer_folder_record()
            )
            folders = time.monotonic() - started
            started = time.monotonic()
            figures = env["tal.invoice.transfer.preview"]._tal_figures(env.company)
            elapsed = time.monotonic() - started
            print(
                f"preview {attempt}: {elapsed:.1f} s (its customer folders alone: "
                f"{folders:.1f} s), "
                + ", ".join(
                    f"{key} {figures[key]}"
                    for key in ("in_scope", "filed", "by_content", "to_file")
                )
                + f"; {figures['plan_note']}"
            )
            cr.rollback()


if __name__ == "__main__":
    main()
