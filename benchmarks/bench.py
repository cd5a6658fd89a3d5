"""Benchmark of the invoice files transfer (issue #4).

Run through benchmarks/run.sh; every sub-command runs in its own process
(Odoo's registry is per process, and peak RSS must be the worker's own).

    bench.py run [--sizes 1000,10000,100000] [--quick] [--sample M]
    bench.py template            build the template database once
    bench.py prepare --size N    clone N invoices into tal_bench_n<N>
    bench.py transfer ...        one transfer worker (used by `run`)
    bench.py xmlrpc ...          the old script's work over XML-RPC (used by `run`)
    bench.py commit ...          one-row INSERT + COMMIT loop (used by `run`)
"""

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, datetime

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
DATA_DIR = os.environ.get("TAL_BENCH_DATA_DIR", "/tmp/tal_bench_data")
# A scratch addons folder holding a snapshot of the addon (see snapshot_addons).
STOCK_ADDONS = os.path.join(DATA_DIR, "addons_stock")
TEMPLATE_DB = "tal_bench_tpl"
TEMPLATE_INVOICES = 40
PORT_BASE = 18210
CLONE_FIRST_DAY = date(2016, 1, 1)  # clones span 4 years: 48 month folders per journal
CLONE_DAYS = 4 * 365


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def psql(db, sql, fetch=False):
    out = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip() if fetch else None


def db_exists(db):
    return (
        psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'", True)
        == "1"
    )


def drop_db(db):
    if db_exists(db):
        psql(
            "postgres",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'",
        )
        psql("postgres", f'DROP DATABASE "{db}"')
    link = os.path.join(DATA_DIR, "filestore", db)
    if os.path.islink(link):
        os.unlink(link)
    elif os.path.isdir(link):
        shutil.rmtree(link)


def clone_db(src, dst):
    """createdb -T with FILE_COPY (no WAL for the copy); the filestore is shared
    through a symlink: the transfer never writes files."""
    drop_db(dst)
    psql("postgres", f'CREATE DATABASE "{dst}" TEMPLATE "{src}" STRATEGY FILE_COPY')
    store = os.path.join(DATA_DIR, "filestore")
    os.makedirs(store, exist_ok=True)
    src_store = os.path.realpath(os.path.join(store, src))
    os.makedirs(src_store, exist_ok=True)
    os.symlink(src_store, os.path.join(store, dst))


def ensure_stock_addons():
    if not os.path.isdir(os.path.join(STOCK_ADDONS, "tal_invoice_transfer")):
        snapshot_addons()
    return f"{STOCK_ADDONS},{REPO}/test_addons"


def _tree_hash(path):
    import hashlib

    digest = hashlib.sha1()
    for root, dirs, files in sorted(os.walk(path)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).encode())
            with open(full, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:16]


def snapshot_addons():
    """Copy the addons as they are now: a run measures one version even if
    the working tree changes meanwhile. Returns the addon's source hash."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    os.makedirs(STOCK_ADDONS, exist_ok=True)
    dst = os.path.join(STOCK_ADDONS, "tal_invoice_transfer")
    if os.path.islink(dst):
        os.unlink(dst)
    elif os.path.isdir(dst):
        shutil.rmtree(dst)
    shutil.copytree(os.path.join(REPO, "tal_invoice_transfer"), dst, ignore=ignore)
    return _tree_hash(os.path.join(STOCK_ADDONS, "tal_invoice_transfer"))


def set_addon_hash(db, value):
    psql(
        db,
        "DELETE FROM ir_config_parameter WHERE key = 'tal_bench.addon_hash';"
        "INSERT INTO ir_config_parameter (key, value) VALUES "
        f"('tal_bench.addon_hash', '{value}')",
    )


def db_addon_hash(db):
    try:
        return psql(
            db,
            "SELECT value FROM ir_config_parameter WHERE key = 'tal_bench.addon_hash'",
            True,
        )
    except subprocess.CalledProcessError:
        return None


def odoo_cmd(*args):
    return [
        sys.executable,
        "-m",
        "odoo",
        "--db_host=",
        f"--data-dir={DATA_DIR}",
        "--http-interface=127.0.0.1",
        *args,
    ]


def odoo_setup(db, addons_path, log_level="warn"):
    from odoo.tools import config

    config.parse_config(
        [
            "-d",
            db,
            "--db_host=",
            f"--addons-path={addons_path}",
            f"--data-dir={DATA_DIR}",
            f"--log-level={log_level}",
            "--http-interface=127.0.0.1",
        ]
    )
    from odoo.modules.registry import Registry

    return Registry(db)


def rss_kb(field="VmRSS"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def proc_cpu_s(pid):
    """User + system CPU seconds of a process (here: a PostgreSQL backend)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def set_target(db, target):
    """Point the company and the parameter at one target (plain SQL on a clone)."""
    folder = psql(
        db,
        "SELECT value FROM ir_config_parameter WHERE key = "
        f"'tal_bench.folder_{target}'",
        True,
    )
    psql(
        db,
        f"UPDATE res_company SET tal_transfer_folder_ref = '{folder}';"
        f"UPDATE ir_config_parameter SET value = '{target}' "
        "WHERE key = 'tal_invoice_transfer.target'",
    )


# ----------------------------------------------------------------------
# Template and data
# ----------------------------------------------------------------------


def cmd_template(args):
    """Install the apps and make the template invoices (ORM, real PDFs)."""
    addon_hash = _tree_hash(os.path.join(STOCK_ADDONS, "tal_invoice_transfer"))
    if db_exists(TEMPLATE_DB) and not args.rebuild:
        if db_addon_hash(TEMPLATE_DB) == addon_hash:
            log(f"template {TEMPLATE_DB} is up to date (use --rebuild to rebuild)")
            return
        # The addon changed since: update it in the template, and forget the
        # databases cloned from the old one.
        log(f"addon changed: updating tal_invoice_transfer in {TEMPLATE_DB}")
        for db in psql(
            "postgres",
            "SELECT datname FROM pg_database WHERE datname LIKE 'tal\\_bench\\_n%'",
            True,
        ).split():
            drop_db(db)
        subprocess.run(
            odoo_cmd(
                "-d",
                TEMPLATE_DB,
                f"--addons-path={ensure_stock_addons()}",
                "--log-level=warn",
                "-u",
                "tal_invoice_transfer",
                "--stop-after-init",
                "--http-port=18299",
            ),
            check=True,
        )
        set_addon_hash(TEMPLATE_DB, addon_hash)
        return
    drop_db(TEMPLATE_DB)
    addons = ensure_stock_addons()
    log(
        "installing account, dms, tal_invoice_transfer, tal_documents_standin (~60-80 s)"
    )
    subprocess.run(
        odoo_cmd(
            "-d",
            TEMPLATE_DB,
            f"--addons-path={addons}",
            "--log-level=warn",
            "-i",
            "account,dms,tal_invoice_transfer,tal_documents_standin",
            "--stop-after-init",
            "--http-port=18299",
        ),
        check=True,
    )
    subprocess.run([sys.executable, __file__, "_seed", "--db", TEMPLATE_DB], check=True)
    set_addon_hash(TEMPLATE_DB, addon_hash)


def cmd_seed(args):
    registry = odoo_setup(args.db, ensure_stock_addons())
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    import invoice_factory as factory

    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        factory.ensure_chart(env, company)
        dms_root = factory.ensure_dms_root(env, company)
        folder = factory.ensure_documents_folder(env, company)
        icp = env["ir.config_parameter"]
        icp.set_param("tal_bench.folder_dms", f"dms.directory,{dms_root.id}")
        icp.set_param("tal_bench.folder_documents", f"documents.document,{folder.id}")
        icp.set_param("tal_invoice_transfer.target", "dms")
        t0 = time.perf_counter()
        ids = factory.make_invoices(env, TEMPLATE_INVOICES, start=date(2026, 3, 1))
        log(f"{len(ids)} template invoices in {time.perf_counter() - t0:.1f} s")
        # Templates are not part of the measured backlog.
        cr.execute(
            "UPDATE account_move SET tal_transfer_state = 'excluded' WHERE id = ANY(%s)",
            [ids],
        )


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [r[0] for r in cr.fetchall()]


def _insert_select(cr, table, source_alias, overrides, from_sql):
    cols = _columns(cr, table)
    exprs = [overrides.get(c, f"{source_alias}.{c}") for c in cols]
    cr.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} {from_sql}"
    )
    return cr.rowcount


def cmd_prepare(args):
    """tal_bench_n<N>: N invoices cloned by SQL from the templates, then pending."""
    n = args.size
    db = f"tal_bench_n{n}"
    if db_exists(db) and not args.rebuild:
        if db_addon_hash(db) == db_addon_hash(TEMPLATE_DB):
            log(f"{db} exists")
            return
        log(f"{db} was made from another version of the addon: rebuilding it")
    clone_db(TEMPLATE_DB, db)
    t0 = time.perf_counter()
    registry = odoo_setup(db, ensure_stock_addons())
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        cr.execute("""
            CREATE TEMP TABLE tpl AS
            SELECT m.id AS tpl_id, (row_number() OVER (ORDER BY m.id) - 1)::int AS k
              FROM account_move m
             WHERE m.tal_transfer_state = 'excluded'
        """)
        cr.execute("SELECT count(*) FROM tpl")
        t = cr.fetchone()[0]
        # Ids follow dates, as in real life: the transfer walks the backlog month
        # by month and each month folder fills up to its real size
        # (N * 3/4 / 48 invoices for the sales journal).
        cr.execute(
            f"""
            CREATE TEMP TABLE cmap AS
            SELECT s.n, s.new_id, tpl.tpl_id,
                   (DATE %s + (s.n::bigint * {CLONE_DAYS} / {n})::int) AS d
              FROM (SELECT g AS n, nextval('account_move_id_seq')::int AS new_id
                      FROM (SELECT g FROM generate_series(0, {n} - 1) g ORDER BY g) o) s
              JOIN tpl ON tpl.k = s.n %% {t}
        """,
            [CLONE_FIRST_DAY],
        )
        cr.execute("""
            CREATE TEMP TABLE cnames AS
            SELECT c.*, j.code || '/' || extract(year FROM c.d)::int || '/' AS prefix,
                   row_number() OVER (PARTITION BY m.journal_id, extract(year FROM c.d)
                                      ORDER BY c.n)::int AS seq
              FROM cmap c JOIN account_move m ON m.id = c.tpl_id
              JOIN account_journal j ON j.id = m.journal_id
        """)
        cr.execute(
            "ALTER TABLE cnames ADD COLUMN name varchar; "
            "UPDATE cnames SET name = prefix || lpad(seq::text, 6, '0'); "
            "CREATE INDEX ON cnames (tpl_id); ANALYZE cnames"
        )
        moves = _insert_select(
            cr,
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
                "tal_transfer_state": "NULL",
                "tal_transfer_error": "NULL",
                "tal_transfer_attempts": "NULL",
                "tal_transfer_date": "NULL",
                "tal_transfer_document_ref": "NULL",
                "tal_transfer_document_count": "NULL",
                "create_date": "now() at time zone 'UTC'",
                "write_date": "now() at time zone 'UTC'",
            },
            "FROM cnames c JOIN account_move t ON t.id = c.tpl_id ORDER BY c.n",
        )
        lines = _insert_select(
            cr,
            "account_move_line",
            "l",
            {
                "id": "nextval('account_move_line_id_seq')",
                "move_id": "c.new_id",
                "move_name": "c.name",
                "date": "c.d",
                "invoice_date": "c.d",
                "date_maturity": "CASE WHEN l.date_maturity IS NULL THEN NULL ELSE c.d + 30 END",
                "full_reconcile_id": "NULL",
                "matching_number": "NULL",
                "create_date": "now() at time zone 'UTC'",
                "write_date": "now() at time zone 'UTC'",
            },
            "FROM cnames c JOIN account_move_line l ON l.move_id = c.tpl_id ORDER BY c.n, l.id",
        )
        # Identical content shares one store_fname (what Odoo's checksum dedup does).
        atts = _insert_select(
            cr,
            "ir_attachment",
            "a",
            {
                "id": "nextval('ir_attachment_id_seq')",
                "res_id": "c.new_id",
                "name": "replace(a.name, '-' || a.res_id || '.pdf', '-' || c.new_id || '.pdf')",
                "access_token": "NULL",
                "create_date": "now() at time zone 'UTC'",
                "write_date": "now() at time zone 'UTC'",
            },
            "FROM cnames c JOIN ir_attachment a ON a.res_model = 'account.move' "
            "AND a.res_id = c.tpl_id ORDER BY c.n, a.id",
        )
        cr.execute("""
            UPDATE account_move m SET message_main_attachment_id = a.id
              FROM (SELECT res_id, min(id) AS id FROM ir_attachment
                     WHERE res_model = 'account.move' GROUP BY res_id) a
             WHERE a.res_id = m.id AND m.id IN (SELECT new_id FROM cmap)
        """)
        for seq, table in (
            ("account_move_id_seq", "account_move"),
            ("account_move_line_id_seq", "account_move_line"),
            ("ir_attachment_id_seq", "ir_attachment"),
        ):
            cr.execute(f"SELECT setval('{seq}', (SELECT max(id) FROM {table}))")
        # The state last, through the addon's own set-based marking.
        env = api.Environment(cr, SUPERUSER_ID, {})
        marked = env["account.move"]._tal_transfer_mark_in_scope()
        cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
        cr.execute("ANALYZE")
        log(
            f"{db}: {moves} invoices, {lines} lines, {atts} attachments cloned, "
            f"{marked} marked pending, in {time.perf_counter() - t0:.1f} s"
        )


# ----------------------------------------------------------------------
# The transfer worker
# ----------------------------------------------------------------------


def cmd_transfer(args):
    registry = odoo_setup(args.db, ensure_stock_addons())
    import odoo.sql_db as sql_db
    from odoo import SUPERUSER_ID, api

    sqlstats = {}
    if args.sqlstats:
        import re

        orig_execute = sql_db.Cursor.execute
        norm = re.compile(r"\b\d+\b|'[^']*'")

        def execute(self, query, params=None, log_exceptions=True):
            t = time.perf_counter()
            try:
                return orig_execute(self, query, params, log_exceptions)
            finally:
                key = norm.sub("?", getattr(query, "code", None) or str(query))[:300]
                key = re.sub(r'SAVEPOINT "[^"]*"', "SAVEPOINT x", key)
                key = re.sub(
                    r'(RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) "[^"]*"', r"\1 x", key
                )
                n, total = sqlstats.get(key, (0, 0.0))
                sqlstats[key] = (n + 1, total + time.perf_counter() - t)

        sql_db.Cursor.execute = execute

    Move = registry["account.move"]
    marks, candidate_times = [], []
    orig_candidates = Move._tal_transfer_candidates
    orig_process = Move._tal_transfer_process

    def timed_candidates(self, *a, **kw):
        t0 = time.perf_counter()
        result = orig_candidates(self, *a, **kw)
        candidate_times.append((len(marks), (time.perf_counter() - t0) * 1000))
        return result

    def marked_process(self):
        marks.append((time.perf_counter(), sql_db.sql_counter))
        return orig_process(self)

    Move._tal_transfer_candidates = timed_candidates
    Move._tal_transfer_process = marked_process

    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    # Warm-up outside the measure: registry, caches; no invoice touched.
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["tal.transfer.target"]._tal_get_target()
        cron = env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        cron_id = cron.id
    rss_start = rss_kb()
    if args.start_file:  # parallel workers start together
        open(args.start_file + f".ready{args.worker}", "w").close()
        while not os.path.exists(args.start_file):
            time.sleep(0.005)
    q0 = sql_db.sql_counter
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # CPU time of this process and of its PostgreSQL backend: a cost that
        # other jobs on a shared machine disturb much less than wall time.
        backend_pid = cr._cnx.get_backend_pid()
        pg_cpu0 = proc_cpu_s(backend_pid)
        if args.profile:
            profiler.enable()
        if args.mode == "cron":
            # What ir.cron's _run_job gives the action: a progress record in the
            # context, so each _commit_progress writes it and commits.
            cron = (
                env["ir.cron"]
                .browse(cron_id)
                .with_context(
                    cron_id=cron_id,
                    lastcall=False,
                    cron_end_time=time.monotonic() + 10**7,
                )
            )
            cron, _progress = cron._add_progress()
            cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
            moves = env["account.move"].with_context(cron.env.context)
            stats = moves._cron_tal_transfer(limit=args.limit)
        else:
            # Two workers at once: ir.cron runs one job in one worker only, so
            # the parallel measure calls the transfer method directly.
            run = env["tal.invoice.transfer.run"]._tal_start("manual")
            cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
            stats = env["account.move"]._tal_transfer_run(
                limit=args.limit, commit=True, run=run
            )
            run._tal_add(type(stats)(), final=True)
            cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
        if args.profile:
            profiler.disable()
        pg_cpu = proc_cpu_s(backend_pid) - pg_cpu0
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    odoo_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    queries = sql_db.sql_counter - q0
    processed = sum(v for k, v in stats.items() if k != "skipped")
    # Per-window cost (ms/invoice) as the folders fill and the backlog shrinks.
    windows = []
    step = max(1, len(marks) // 10)
    for i in range(0, len(marks) - step + 1, step):
        (ta, qa), (tb, qb) = marks[i], marks[min(i + step, len(marks) - 1)]
        count = min(i + step, len(marks) - 1) - i
        if count:
            windows.append(
                {
                    "from": i,
                    "to": i + count,
                    "ms_per_invoice": round((tb - ta) * 1000 / count, 2),
                    "queries_per_invoice": round((qb - qa) / count, 1),
                }
            )
    result = {
        "db": args.db,
        "variant": args.variant,
        "mode": args.mode,
        "worker": args.worker,
        "stats": dict(stats),
        "processed": processed,
        "seconds": round(elapsed, 3),
        "t_start": t0,
        "t_end": t0 + elapsed,
        "epoch_start": time.time() - elapsed,
        "epoch_end": time.time(),
        "ms_per_invoice": round(elapsed * 1000 / processed, 2) if processed else None,
        "invoices_per_s": round(processed / elapsed, 1) if elapsed else None,
        "odoo_cpu_s": round(odoo_cpu, 3),
        "pg_cpu_s": round(pg_cpu, 3),
        "cpu_ms_per_invoice": round((odoo_cpu + pg_cpu) * 1000 / processed, 2)
        if processed
        else None,
        "odoo_cpu_ms_per_invoice": round(odoo_cpu * 1000 / processed, 2)
        if processed
        else None,
        "pg_cpu_ms_per_invoice": round(pg_cpu * 1000 / processed, 2)
        if processed
        else None,
        "queries": queries,
        "queries_per_invoice": round(queries / processed, 1) if processed else None,
        "rss_start_mb": round(rss_start / 1024, 1),
        "rss_end_mb": round(rss_kb() / 1024, 1),
        "rss_peak_mb": round(rss_kb("VmHWM") / 1024, 1),
        "candidate_ms": [(i, round(ms, 2)) for i, ms in candidate_times],
        "windows": windows,
    }
    if args.profile:
        import io
        import pstats

        buf = io.StringIO()
        ps = pstats.Stats(profiler, stream=buf)
        ps.sort_stats("cumulative").print_stats(60)
        ps.sort_stats("tottime").print_stats(40)
        with open(args.profile, "w") as f:
            f.write(buf.getvalue())
        profiler.dump_stats(args.profile + ".prof")
    if args.sqlstats:
        with open(args.sqlstats, "w") as f:
            for key, (n, total) in sorted(sqlstats.items(), key=lambda kv: -kv[1][1]):
                f.write(
                    f"{n:7d} {total * 1000:10.1f} ms {total * 1000 / n:7.2f} ms/q  "
                    f"{n / max(processed, 1):5.2f}/inv  {' '.join(key.split())}\n"
                )
    with open(args.out, "w") as f:
        json.dump(result, f)


# ----------------------------------------------------------------------
# References
# ----------------------------------------------------------------------


def cmd_commit(args):
    """The commit ceiling: one-row INSERT committed per transaction."""
    import psycopg2

    conn = psycopg2.connect(dbname=args.db)  # Unix socket
    cur = conn.cursor()
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS tal_bench_commit_{args.worker} (id serial, v text)"
    )
    conn.commit()
    if args.start_file:
        open(args.start_file + f".ready{args.worker}", "w").close()
        while not os.path.exists(args.start_file):
            time.sleep(0.002)
    t0 = time.perf_counter()
    for i in range(args.count):
        cur.execute(
            f"INSERT INTO tal_bench_commit_{args.worker} (v) VALUES (%s)", [str(i)]
        )
        conn.commit()
    elapsed = time.perf_counter() - t0
    cur.execute(f"DROP TABLE tal_bench_commit_{args.worker}")
    conn.commit()
    json.dump(
        {
            "count": args.count,
            "seconds": elapsed,
            "t_start": t0,
            "t_end": t0 + elapsed,
            "epoch_start": time.time() - elapsed,
            "epoch_end": time.time(),
            "ms_per_commit": elapsed * 1000 / args.count,
        },
        open(args.out, "w"),
    )


def cmd_xmlrpc(args):
    """The old external script, over XML-RPC against a local Odoo server:
    authenticate, then per invoice: read it, read its attachments (content
    included), find or create its directory / folder, create the dms file or
    document per attachment, record the progress on the invoice."""
    import xmlrpc.client

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
        call("account.move", "write", [move_id], {"tal_transfer_state": "done"})
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


def cmd_grant(args):
    """The old script ran as a DMS manager with create rights on the root."""
    registry = odoo_setup(args.db, ensure_stock_addons())
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        admin.group_ids = [(4, env.ref("dms.group_dms_manager").id)]
        group = env["dms.access.group"].create(
            {
                "name": "Invoice transfer",
                "perm_create": True,
                "perm_write": True,
                "perm_unlink": True,
                "explicit_user_ids": [(6, 0, admin.ids)],
            }
        )
        model, _sep, res_id = env.company.tal_transfer_folder_ref.partition(",")
        if model == "dms.directory":
            env["dms.directory"].browse(int(res_id)).group_ids = [(4, group.id)]


def free_port():
    for port in range(PORT_BASE, 18299):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 18210-18298")


def run_xmlrpc(src_db, target, sample, workdir):
    db = f"tal_bench_x_{target}"
    clone_db(src_db, db)
    set_target(db, target)
    subprocess.run([sys.executable, __file__, "_grant", "--db", db], check=True)
    port = free_port()
    server = subprocess.Popen(
        odoo_cmd(
            "-d",
            db,
            f"--addons-path={ensure_stock_addons()}",
            f"--http-port={port}",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
            f"--logfile={workdir}/xmlrpc_server_{target}.log",
            "--db-filter=^" + db + "$",
        ),
        start_new_session=True,
    )
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.5)
        out = f"{workdir}/xmlrpc_{target}.json"
        subprocess.run(
            [
                sys.executable,
                __file__,
                "xmlrpc",
                "--db",
                db,
                "--port",
                str(port),
                "--target",
                target,
                "--sample",
                str(sample),
                "--out",
                out,
            ],
            check=True,
        )
        return json.load(open(out))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        drop_db(db)


# ----------------------------------------------------------------------
# Orchestration
# ----------------------------------------------------------------------


def run_workers(*args, **kwargs):
    """One measurement; tried again (fresh clone) if a worker fails, e.g.
    when PostgreSQL is restarted by someone else on a shared machine."""
    for attempt in range(3):
        try:
            return _run_workers(*args, **kwargs)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            log(f"measurement failed ({error}); attempt {attempt + 1} of 3")
            time.sleep(5)
    raise RuntimeError("measurement failed 3 times")


def _run_workers(
    src_db,
    target,
    variant,
    limit,
    workers,
    mode,
    workdir,
    label,
    profile=False,
    keep=False,
    sqlstats=False,
):
    db = f"tal_bench_r_{label}"[:63]
    clone_db(src_db, db)
    set_target(db, target)
    start_file = f"{workdir}/{label}.start" if workers > 1 else None
    procs, outs = [], []
    # Each worker gets the whole limit: the transfer counts the invoices it
    # skips (locked by the other worker) against its limit.
    per_worker = limit
    for w in range(workers):
        out = f"{workdir}/{label}.w{w}.json"
        outs.append(out)
        cmd = [
            sys.executable,
            __file__,
            "transfer",
            "--db",
            db,
            "--variant",
            variant,
            "--limit",
            str(per_worker),
            "--mode",
            mode,
            "--worker",
            str(w),
            "--out",
            out,
        ]
        if start_file:
            cmd += ["--start-file", start_file]
        if profile:
            cmd += ["--profile", f"{workdir}/{label}.profile.txt"]
        if sqlstats:
            cmd += ["--sqlstats", f"{workdir}/{label}.w{w}.sql.txt"]
        procs.append(subprocess.Popen(cmd))
    if start_file:
        while not all(os.path.exists(f"{start_file}.ready{w}") for w in range(workers)):
            if any(p.poll() not in (None, 0) for p in procs):
                break
            time.sleep(0.05)
        open(start_file, "w").close()
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError(f"transfer worker failed ({label})")
    results = [json.load(open(o)) for o in outs]
    # Correctness: every processed invoice is done and has its documents.
    model = "dms_file" if target == "dms" else "documents_document"
    check = psql(
        db,
        f"""
        SELECT (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'done')
               || ' ' || (SELECT count(*) FROM {model} WHERE attachment_id IS NOT NULL)
               || ' ' || (SELECT count(*) FROM ir_attachment a JOIN account_move m
                          ON a.res_model = 'account.move' AND a.res_id = m.id
                          WHERE m.tal_transfer_state = 'done')
               || ' ' || (SELECT count(*) FROM account_move WHERE tal_transfer_state = 'failed')
    """,
        True,
    ).split()
    if not keep:
        drop_db(db)
    processed = sum(r["processed"] for r in results)
    wall = max(r["epoch_end"] for r in results) - min(r["epoch_start"] for r in results)
    queries = sum(r["queries"] for r in results)
    cpu = sum(r.get("odoo_cpu_s", 0) + r.get("pg_cpu_s", 0) for r in results)
    agg = {
        "cpu_ms_per_invoice": round(cpu * 1000 / processed, 2),
        "odoo_cpu_ms_per_invoice": round(
            sum(r.get("odoo_cpu_s", 0) for r in results) * 1000 / processed, 2
        ),
        "pg_cpu_ms_per_invoice": round(
            sum(r.get("pg_cpu_s", 0) for r in results) * 1000 / processed, 2
        ),
        "label": label,
        "target": target,
        "variant": variant,
        "mode": mode,
        "workers": workers,
        "processed": processed,
        "seconds": round(wall, 2),
        "invoices_per_s": round(processed / wall, 1),
        "ms_per_invoice": round(wall * 1000 / processed, 2),
        "queries_per_invoice": round(queries / processed, 1),
        "rss_start_mb": max(r["rss_start_mb"] for r in results),
        "rss_peak_mb": max(r["rss_peak_mb"] for r in results),
        "rss_growth_mb": round(
            max(r["rss_peak_mb"] - r["rss_start_mb"] for r in results), 1
        ),
        "done": int(check[0]),
        "documents": int(check[1]),
        "files_of_done": int(check[2]),
        "failed": int(check[3]),
        "workers_detail": results,
    }
    if workers == 1:
        r = results[0]
        agg["candidate_ms"] = r["candidate_ms"]
        agg["windows"] = r["windows"]
    log(
        f"{label}: {processed} invoices in {wall:.1f} s = {agg['invoices_per_s']}/s, "
        f"{agg['ms_per_invoice']} ms, CPU {agg['odoo_cpu_ms_per_invoice']}+{agg['pg_cpu_ms_per_invoice']} ms, "
        f"{agg['queries_per_invoice']} q/inv, "
        f"RSS {agg['rss_start_mb']}->{agg['rss_peak_mb']} MB; done={check[0]} "
        f"docs={check[1]} files={check[2]} failed={check[3]}"
    )
    return agg


def commit_ceiling(db, workdir, count, clients):
    start_file = f"{workdir}/commit{clients}.start"
    procs, outs = [], []
    for w in range(clients):
        out = f"{workdir}/commit{clients}.w{w}.json"
        outs.append(out)
        cmd = [
            sys.executable,
            __file__,
            "commit",
            "--db",
            db,
            "--count",
            str(count),
            "--worker",
            str(w),
            "--out",
            out,
        ]
        if clients > 1:
            cmd += ["--start-file", start_file]
        procs.append(subprocess.Popen(cmd))
    if clients > 1:
        while not all(os.path.exists(f"{start_file}.ready{w}") for w in range(clients)):
            time.sleep(0.01)
        open(start_file, "w").close()
    for p in procs:
        p.wait()
    rs = [json.load(open(o)) for o in outs]
    wall = max(r["epoch_end"] for r in rs) - min(r["epoch_start"] for r in rs)
    total = count * clients
    return {
        "clients": clients,
        "commits": total,
        "seconds": round(wall, 3),
        "commits_per_s": round(total / wall),
        "ms_per_commit": round(wall * 1000 / total, 3),
    }


def cmd_run(args):
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([1000] if args.quick else [1000, 10000, 100000])
    )
    sample = args.sample if args.sample is not None else (1000 if args.quick else 3000)
    variants = args.variants.split(",")
    xml_sample = args.xmlrpc_sample or (30 if args.quick else 100)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = os.path.join(DATA_DIR, "runs", stamp)
    os.makedirs(workdir, exist_ok=True)
    t_run = time.perf_counter()
    addon_hash = snapshot_addons()
    subprocess.run(
        [sys.executable, __file__, "template"]
        + (["--rebuild"] if args.rebuild else []),
        check=True,
    )
    report = {
        "started": stamp,
        "addon_hash": addon_hash,
        "machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()},
        "args": vars(args),
        "sample": sample,
        "sizes": sizes,
        "runs": [],
        "references": {},
    }

    def rec(agg, size):
        agg["size"] = size
        report["runs"].append(agg)
        save(report)

    for size in sizes:
        subprocess.run(
            [sys.executable, __file__, "prepare", "--size", str(size)]
            + (["--rebuild"] if args.rebuild else []),
            check=True,
        )
        src = f"tal_bench_n{size}"
        limit = size if sample == 0 else min(size, sample)
        for variant in variants:
            for target in ("dms", "documents"):
                rec(
                    run_workers(
                        src,
                        target,
                        variant,
                        limit,
                        1,
                        "cron",
                        workdir,
                        f"{target}_{variant}_{size}_cron",
                    ),
                    size,
                )
        if size == sizes[-1] or args.quick:
            for variant in variants:
                for workers in (1, 2):
                    rec(
                        run_workers(
                            src,
                            "dms",
                            variant,
                            limit,
                            workers,
                            "direct",
                            workdir,
                            f"dms_{variant}_{size}_direct_w{workers}",
                        ),
                        size,
                    )
    ref_db = f"tal_bench_n{sizes[0]}"
    log("reference: commit ceiling")
    report["references"]["commit_1"] = commit_ceiling(ref_db, workdir, 3000, 1)
    report["references"]["commit_2"] = commit_ceiling(ref_db, workdir, 3000, 2)
    for target in ("dms", "documents"):
        log(f"reference: XML-RPC client, {target}, {xml_sample} invoices")
        report["references"][f"xmlrpc_{target}"] = run_xmlrpc(
            ref_db, target, xml_sample, workdir
        )
    report["seconds_total"] = round(time.perf_counter() - t_run, 1)
    report["machine"]["load_avg_end"] = os.getloadavg()
    report["ratios"] = ratios(report)
    save(report)
    print(render_markdown(report))


def ratios(report):
    out = {}
    refs = report["references"]
    commit_ms = refs["commit_1"]["ms_per_commit"]
    sizes = report["sizes"]

    def find(target, variant, size, mode="cron", workers=1):
        for r in report["runs"]:
            if (r["target"], r["variant"], r["size"], r["mode"], r["workers"]) == (
                target,
                variant,
                size,
                mode,
                workers,
            ):
                return r
        return None

    for variant in {r["variant"] for r in report["runs"]}:
        for target in ("dms", "documents"):
            for size in sizes:
                r = find(target, variant, size)
                if not r:
                    continue
                key = f"{target}/{variant}/{size}"
                x = refs.get(f"xmlrpc_{target}")
                out[key] = {
                    "ms_per_invoice": r["ms_per_invoice"],
                    "x_vs_xmlrpc": round(x["ms_per_invoice"] / r["ms_per_invoice"], 1)
                    if x
                    else None,
                    "cost_vs_commit": round(r["ms_per_invoice"] / commit_ms, 1),
                }
            first, last = (
                find(target, variant, sizes[0]),
                find(target, variant, sizes[-1]),
            )
            if first and last and len(sizes) > 1:
                out[f"{target}/{variant}/cost_{sizes[-1]}_vs_{sizes[0]}"] = round(
                    last["ms_per_invoice"] / first["ms_per_invoice"], 2
                )
                if first.get("cpu_ms_per_invoice") and last.get("cpu_ms_per_invoice"):
                    out[f"{target}/{variant}/cpu_cost_{sizes[-1]}_vs_{sizes[0]}"] = (
                        round(
                            last["cpu_ms_per_invoice"] / first["cpu_ms_per_invoice"], 2
                        )
                    )
            stock = find(target, "stock", sizes[-1])
            mine = find(target, variant, sizes[-1])
            if (
                variant != "stock"
                and stock
                and mine
                and stock.get("cpu_ms_per_invoice")
            ):
                out[f"{target}/{variant}_vs_stock/{sizes[-1]}"] = {
                    "wall": round(mine["ms_per_invoice"] / stock["ms_per_invoice"], 2),
                    "cpu": round(
                        mine["cpu_ms_per_invoice"] / stock["cpu_ms_per_invoice"], 2
                    ),
                    "queries": round(
                        mine["queries_per_invoice"] / stock["queries_per_invoice"], 2
                    ),
                }
        for size in sizes:
            w1, w2 = (
                find("dms", variant, size, "direct", 1),
                find("dms", variant, size, "direct", 2),
            )
            if w1 and w2:
                out[f"dms/{variant}/{size}/2_workers_vs_1"] = round(
                    w2["invoices_per_s"] / w1["invoices_per_s"], 2
                )
    return out


def save(report):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(render_markdown(report))


def render_markdown(report):
    lines = [
        f"# Transfer benchmark, run {report['started']}",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, load average at start "
        f"{report['machine']['load_avg_start'][0]:.2f}"
        + (
            f", at end {report['machine']['load_avg_end'][0]:.2f}"
            if "load_avg_end" in report["machine"]
            else ""
        )
        + f". Invoices measured per size: {report['sample'] or 'all'} "
        "(the first ones of the backlog, in date order).",
        "",
        "| run | size | workers | invoices | s | inv/s | ms/inv (wall) | CPU ms/inv Odoo+PG | queries/inv | "
        "RSS start→peak MB | candidates ms (first/last) | done/docs/files/failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        cands = r.get("candidate_ms") or []
        cand = f"{cands[0][1]}/{cands[-1][1]}" if cands else "-"
        lines.append(
            f"| {r['target']} {r['variant']} {r['mode']} | {r['size']} | {r['workers']} | "
            f"{r['processed']} | {r['seconds']} | {r['invoices_per_s']} | {r['ms_per_invoice']} | "
            f"{r.get('odoo_cpu_ms_per_invoice', '-')}+{r.get('pg_cpu_ms_per_invoice', '-')} | "
            f"{r['queries_per_invoice']} | {r['rss_start_mb']}→{r['rss_peak_mb']} | {cand} | "
            f"{r['done']}/{r['documents']}/{r['files_of_done']}/{r['failed']} |"
        )
    refs = report.get("references", {})
    if refs:
        lines += ["", "References (same DB server, same run):", ""]
        for k in ("commit_1", "commit_2"):
            if k in refs:
                c = refs[k]
                lines.append(
                    f"- one-row INSERT + COMMIT, {c['clients']} client(s): "
                    f"{c['commits_per_s']}/s, {c['ms_per_commit']} ms each"
                )
        for k in ("xmlrpc_dms", "xmlrpc_documents"):
            if k in refs:
                x = refs[k]
                lines.append(
                    f"- XML-RPC client ({x['target']}), {x['sample']} invoices: "
                    f"{x['ms_per_invoice']:.1f} ms/invoice (median {x['median_ms']:.1f}), "
                    f"{x['invoices_per_s']:.1f}/s"
                )
    if report.get("ratios"):
        lines += ["", "Ratios:", ""]
        for k, v in report["ratios"].items():
            lines.append(f"- {k}: {v}")
    lines += [
        "",
        "Per-window cost (ms/invoice, queries/invoice) over the measured invoices:",
        "",
    ]
    for r in report["runs"]:
        if r.get("windows"):
            w = ", ".join(
                f"{x['ms_per_invoice']}/{x['queries_per_invoice']}"
                for x in r["windows"]
            )
            lines.append(f"- {r['label']}: {w}")
    lines += ["", "Candidate query (ms) by invoices already processed:", ""]
    for r in report["runs"]:
        c = r.get("candidate_ms")
        if c:
            picks = c if len(c) <= 8 else [c[i * (len(c) - 1) // 7] for i in range(8)]
            lines.append(
                f"- {r['label']}: " + ", ".join(f"@{i}: {ms}" for i, ms in picks)
            )
    if "seconds_total" in report:
        lines += ["", f"Total run time: {report['seconds_total']} s"]
    return "\n".join(lines) + "\n"


def cmd_render(args):
    """Recompute the ratios and the Markdown of results/latest.json."""
    report = json.load(open(os.path.join(RESULTS, "latest.json")))
    report["ratios"] = ratios(report)
    save(report)
    print(render_markdown(report))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--sizes")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--sample", type=int, help="invoices measured per size (0: all)")
    p.add_argument("--variants", default="stock", choices=["stock"])
    p.add_argument("--xmlrpc-sample", type=int)
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("render")
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("template")
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("_seed")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_seed)
    p = sub.add_parser("_grant")
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_grant)
    p = sub.add_parser("prepare")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_prepare)
    p = sub.add_parser("transfer")
    p.add_argument("--db", required=True)
    p.add_argument("--variant", default="stock", choices=["stock"])
    p.add_argument("--limit", type=int)
    p.add_argument("--mode", choices=["cron", "direct"], default="cron")
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--start-file")
    p.add_argument("--profile")
    p.add_argument("--sqlstats")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_transfer)
    p = sub.add_parser("commit")
    p.add_argument("--db", required=True)
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--start-file")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_commit)
    p = sub.add_parser("xmlrpc")
    p.add_argument("--db", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--sample", type=int, default=50)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_xmlrpc)
    p = sub.add_parser("one")  # one measurement, for profiling by hand
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--target", default="dms")
    p.add_argument("--variant", default="stock", choices=["stock"])
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--mode", default="cron")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--sqlstats", action="store_true")
    p.add_argument("--keep", action="store_true")
    p.set_defaults(func=cmd_one)
    args = parser.parse_args()
    args.func(args)


def cmd_one(args):
    snapshot_addons()
    subprocess.run([sys.executable, __file__, "template"], check=True)
    subprocess.run(
        [sys.executable, __file__, "prepare", "--size", str(args.size)], check=True
    )
    workdir = os.path.join(DATA_DIR, "runs", "one")
    os.makedirs(workdir, exist_ok=True)
    label = f"{args.target}_{args.variant}_{args.size}_{args.mode}_w{args.workers}"
    agg = run_workers(
        f"tal_bench_n{args.size}",
        args.target,
        args.variant,
        args.limit,
        args.workers,
        args.mode,
        workdir,
        label,
        profile=args.profile,
        keep=args.keep,
        sqlstats=args.sqlstats,
    )
    agg.pop("workers_detail")
    print(json.dumps(agg))


if __name__ == "__main__":
    main()
