"""What the DMS target costs per invoice, at a backlog size (issue 12 item 3).

A small measure, apart from bench.py: one worker, the engine's own loop with
its commits, the first invoices of a backlog in date order (the month folders
fill as they would).

    python benchmarks/dms_cost.py build --db DB --size N [--template tal_tpl]
    python benchmarks/dms_cost.py measure --db DB [--count 2000] [--addons-path ...]

`build` makes DB from a template database holding account and dms, installs
the addon, makes 40 invoices with real PDFs (scripts/invoice_factory.py) and
clones them by SQL into N invoices spread over 4 years (ids follow dates).
`measure` copies DB, transfers `count` invoices, prints ms and queries per
invoice as JSON, and drops the copy. Run it with Odoo's python.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DATA_DIR = os.environ.get("TAL_DMS_COST_DATA_DIR", "/tmp/tal_dms_cost_data")
TEMPLATE_INVOICES = 40
FIRST_DAY, DAYS = date(2016, 1, 1), 4 * 365


def psql(db, sql):
    return subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def copy_db(src, dst):
    subprocess.run(["dropdb", "--if-exists", dst], check=True)
    subprocess.run(["createdb", "-T", src, dst], check=True)
    store = os.path.join(DATA_DIR, "filestore")
    os.makedirs(store, exist_ok=True)
    link = os.path.join(store, dst)
    if os.path.lexists(link):
        os.unlink(link)
    # Attachments are only read: the copy shares the files.
    if os.path.isdir(os.path.join(store, src)):
        os.symlink(os.path.join(store, src), link)


def drop_db(db):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    link = os.path.join(DATA_DIR, "filestore", db)
    if os.path.islink(link):
        os.unlink(link)
    elif os.path.isdir(link):
        shutil.rmtree(link)


def backend_cpu_s(cr):
    """CPU seconds of every PostgreSQL backend on this database (the run's
    own connections: the transfer's and the batch preparation's)."""
    cr.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    total = 0.0
    for (pid,) in cr.fetchall():
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def registry(db, addons_path):
    from odoo.tools import config

    config.parse_config(
        [
            "-d",
            db,
            "--db_host=",
            f"--addons-path={addons_path}",
            f"--data-dir={DATA_DIR}",
            "--log-level=warn",
        ]
    )
    from odoo.modules.registry import Registry

    return Registry(db)


def clone(cr, size):
    """`size` invoices cloned from the template ones, dated over 4 years."""
    cr.execute(
        """
        CREATE TEMP TABLE tpl AS
        SELECT id AS tpl_id, (row_number() OVER (ORDER BY id) - 1)::int AS k
          FROM account_move WHERE tal_transfer_state = 'excluded';
        CREATE TEMP TABLE cmap AS
        SELECT s.n, s.new_id, tpl.tpl_id,
               (%(first)s::date + (s.n::bigint * %(days)s / %(size)s)::int) AS d
          FROM (SELECT g AS n, nextval('account_move_id_seq')::int AS new_id
                  FROM generate_series(0, %(size)s - 1) g ORDER BY g) s
          JOIN tpl ON tpl.k = s.n %% (SELECT count(*) FROM tpl);
        CREATE TEMP TABLE cnames AS
        SELECT c.*, j.code || '/' || extract(year FROM c.d)::int || '/' AS prefix,
               row_number() OVER (PARTITION BY m.journal_id, extract(year FROM c.d)
                                  ORDER BY c.n)::int AS seq
          FROM cmap c JOIN account_move m ON m.id = c.tpl_id
          JOIN account_journal j ON j.id = m.journal_id;
        ALTER TABLE cnames ADD COLUMN name varchar;
        UPDATE cnames SET name = prefix || lpad(seq::text, 6, '0');
        """,
        {"first": FIRST_DAY, "days": DAYS, "size": size},
    )

    def insert(table, alias, overrides, from_sql):
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        columns = [row[0] for row in cr.fetchall()]
        values = [
            overrides.get(
                column,
                "NULL" if column.startswith("tal_transfer_") else f"{alias}.{column}",
            )
            for column in columns
        ]
        cr.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} {from_sql}"
        )

    now = "now() at time zone 'UTC'"
    insert(
        "account_move",
        "t",
        {
            "id": "c.new_id",
            "name": "c.name",
            "sequence_prefix": "c.prefix",
            "sequence_number": "c.seq",
            "date": "c.d",
            "invoice_date": "c.d",
            "invoice_date_due": "c.d + 30",
            "payment_reference": "c.name",
            "ref": "CASE WHEN t.ref IS NULL THEN NULL ELSE 'REF-C-' || c.n END",
            "access_token": "NULL",
            "inalterable_hash": "NULL",
            "secure_sequence_number": "NULL",
            "message_main_attachment_id": "NULL",
            "create_date": now,
            "write_date": now,
        },
        "FROM cnames c JOIN account_move t ON t.id = c.tpl_id ORDER BY c.n",
    )
    insert(
        "account_move_line",
        "l",
        {
            "id": "nextval('account_move_line_id_seq')",
            "move_id": "c.new_id",
            "move_name": "c.name",
            "date": "c.d",
            "invoice_date": "c.d",
            "date_maturity": "CASE WHEN l.date_maturity IS NULL THEN NULL "
            "ELSE c.d + 30 END",
            "full_reconcile_id": "NULL",
            "matching_number": "NULL",
            "create_date": now,
            "write_date": now,
        },
        "FROM cnames c JOIN account_move_line l ON l.move_id = c.tpl_id "
        "ORDER BY c.n, l.id",
    )
    insert(
        "ir_attachment",
        "a",
        {
            "id": "nextval('ir_attachment_id_seq')",
            "res_id": "c.new_id",
            "access_token": "NULL",
            "create_date": now,
            "write_date": now,
        },
        "FROM cnames c JOIN ir_attachment a ON a.res_model = 'account.move' "
        "AND a.res_id = c.tpl_id ORDER BY c.n, a.id",
    )
    for sequence, table in (
        ("account_move_id_seq", "account_move"),
        ("account_move_line_id_seq", "account_move_line"),
        ("ir_attachment_id_seq", "ir_attachment"),
    ):
        cr.execute(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))")


def cmd_build(args):
    drop_db(args.db)
    subprocess.run(["createdb", "-T", args.template, args.db], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-d",
            args.db,
            "--db_host=",
            f"--addons-path={args.addons_path}",
            f"--data-dir={DATA_DIR}",
            "--log-level=warn",
            "-i",
            "tal_invoice_transfer",
            "--stop-after-init",
            "--http-port=0",
        ],
        check=True,
    )
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    import invoice_factory as factory

    from odoo import SUPERUSER_ID, api

    with registry(args.db, args.addons_path).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        factory.ensure_dms_root(env, env.company)
        env["ir.config_parameter"].set_param("tal_invoice_transfer.target", "dms")
        ids = factory.make_invoices(env, TEMPLATE_INVOICES, start=date(2026, 3, 1))
        # The templates are not part of the measured backlog.
        cr.execute(
            "UPDATE account_move SET tal_transfer_state = 'excluded' WHERE id = ANY(%s)",
            [ids],
        )
        clone(cr, args.size)
        env.invalidate_all()
        marked = env["tal.invoice.transfer.scope"]._mark_in_scope()
        print(f"{args.db}: {marked} invoices pending", file=sys.stderr)
    psql(args.db, "ANALYZE")


def cmd_measure(args):
    work_db = f"{args.db}_m"
    copy_db(args.db, work_db)
    try:
        import odoo.sql_db as sql_db
        from odoo import SUPERUSER_ID, api

        with registry(work_db, args.addons_path).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            transfer = env["tal.invoice.transfer"]
            # The time spent preparing batches, where the code has it.
            target_class = type(env["tal.transfer.target.dms"])
            prepare_s = [0.0]
            real_prepare = getattr(target_class, "_tal_prepare", None)

            def timed_prepare(target, *args, **kwargs):
                started = time.perf_counter()
                try:
                    return real_prepare(target, *args, **kwargs)
                finally:
                    prepare_s[0] += time.perf_counter() - started

            if real_prepare:
                target_class._tal_prepare = timed_prepare
            pg_cpu = backend_cpu_s(cr)
            queries, started = sql_db.sql_counter, time.perf_counter()
            cpu = time.process_time()
            stats = transfer._run(limit=args.count, commit=True)
            cpu = time.process_time() - cpu
            elapsed = time.perf_counter() - started
            queries = sql_db.sql_counter - queries
            pg_cpu = backend_cpu_s(cr) - pg_cpu
            cr.execute(
                """
                SELECT count(*), count(DISTINCT (parent_id, name))
                  FROM dms_directory WHERE parent_id IS NOT NULL
                """
            )
            directories, distinct = cr.fetchone()
        invoices = stats.total()
        print(
            json.dumps(
                {
                    "db": args.db,
                    "invoices": invoices,
                    "outcomes": dict(stats),
                    "ms_per_invoice": round(elapsed * 1000 / invoices, 2),
                    "odoo_cpu_ms_per_invoice": round(cpu * 1000 / invoices, 2),
                    "pg_cpu_ms_per_invoice": round(pg_cpu * 1000 / invoices, 2),
                    "queries_per_invoice": round(queries / invoices, 1),
                    "prepare_ms_per_invoice": round(prepare_s[0] * 1000 / invoices, 2),
                    "directories": directories,
                    "same_name_twins": directories - distinct,
                }
            )
        )
    finally:
        import odoo.sql_db as sql_db

        sql_db.close_db(work_db)
        drop_db(work_db)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    addons = f"{REPO},{REPO}/test_addons"
    build = sub.add_parser("build")
    build.add_argument("--db", required=True)
    build.add_argument("--size", type=int, required=True)
    build.add_argument("--template", default="tal_tpl")
    build.add_argument("--addons-path", default=addons)
    measure = sub.add_parser("measure")
    measure.add_argument("--db", required=True)
    measure.add_argument("--count", type=int, default=2000)
    measure.add_argument("--addons-path", default=addons)
    args = parser.parse_args()
    {"build": cmd_build, "measure": cmd_measure}[args.command](args)


if __name__ == "__main__":
    main()
