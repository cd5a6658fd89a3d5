"""The data the benchmark measures on: a snapshot of the addon, the template
database (apps, folders, 40 invoices with real PDFs) and the backlogs
backlogs (<prefix>_n<N>) cloned from it by SQL."""

import hashlib
import os
import re
import shutil
import time

import psycopg2

from harness_tools import addon
from harness_tools import db as dbtools
from harness_tools.db import db_exists, q, q1
from harness_tools.in_odoo import open_registry, superuser_env
from harness_tools.odoo import odoo_cmd, run_odoo, run_task
from harness_tools.procs import ProcessGroup

from .settings import (
    CLONE_DAYS,
    CLONE_FIRST_DAY,
    DATA_DIR,
    DB_PREFIX,
    REPO,
    STOCK_ADDONS,
    TASK_MODULE,
    TEMPLATE_DB,
    TEMPLATE_PORT,
    TEMPLATE_VERSION,
    backlog_db,
    log,
    pdf_backlog_db,
)

ODOO_TIMEOUT = 3600  # an install or an upgrade of the template


def ensure_stock_addons():
    """The addons path of the snapshot (taken now if there is none)."""
    if not os.path.isdir(os.path.join(STOCK_ADDONS, "tal_invoice_transfer")):
        snapshot_addons()
    return STOCK_ADDONS


def tree_hash(path):
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


def snapshot_hash():
    """The snapshot's hash and the template's version: what the template and
    the backlogs were made from."""
    return f"{tree_hash(STOCK_ADDONS)}-t{TEMPLATE_VERSION}"


def snapshot_addons():
    """Copy the addon and the test addons (the Documents stand-in and its
    glue) as they are now: a run measures one version even if the working
    tree changes meanwhile. Returns the snapshot's hash."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    if os.path.islink(STOCK_ADDONS):
        os.unlink(STOCK_ADDONS)
    elif os.path.isdir(STOCK_ADDONS):
        shutil.rmtree(STOCK_ADDONS)
    os.makedirs(STOCK_ADDONS)
    sources = [os.path.join(REPO, "tal_invoice_transfer")]
    test_addons = os.path.join(REPO, "test_addons")
    sources += sorted(
        os.path.join(test_addons, name)
        for name in os.listdir(test_addons)
        if os.path.isfile(os.path.join(test_addons, name, "__manifest__.py"))
    )
    for src in sources:
        dst = os.path.join(STOCK_ADDONS, os.path.basename(src))
        shutil.copytree(src, dst, ignore=ignore)
    return snapshot_hash()


def set_addon_hash(db, value):
    q(db, "DELETE FROM ir_config_parameter WHERE key = 'tal_bench.addon_hash'")
    q(
        db,
        "INSERT INTO ir_config_parameter (key, value) "
        "VALUES ('tal_bench.addon_hash', %s)",
        [value],
    )


def db_addon_hash(db):
    """The hash of the addon `db` was made with (None if unknown)."""
    try:
        return q1(
            db,
            "SELECT value FROM ir_config_parameter WHERE key = 'tal_bench.addon_hash'",
        )
    except psycopg2.Error:
        return None


def clone_backlog(src, dst, filestore_copy="symlink"):
    """`dst` afresh from `src`: CREATE DATABASE ... STRATEGY FILE_COPY (no WAL
    for the copy); the filestore is shared through a symlink: the transfer
    never writes files. A run that makes PDFs writes files: its clone gets a
    tree of hard links instead (filestore_copy="hardlink")."""
    dbtools.drop_db(dst, DATA_DIR)
    dbtools.clone_db(src, dst, DATA_DIR, filestore_copy=filestore_copy, file_copy=True)


def drop_db(db):
    dbtools.drop_db(db, DATA_DIR)


def set_target(db, target):
    """Point the company and the parameter at one target (plain SQL on a clone)."""
    folder = q1(
        db,
        "SELECT value FROM ir_config_parameter WHERE key = %s",
        [f"tal_bench.folder_{target}"],
    )
    # No filing plan: the tree each target made before plans (the figures'
    # reference); set_filing_plan sets one.
    q(
        db,
        "UPDATE res_company SET tal_transfer_folder_ref = %s, "
        "tal_transfer_filing_plan = NULL",
        [folder],
    )
    q(
        db,
        "UPDATE ir_config_parameter SET value = %s "
        "WHERE key = 'tal_invoice_transfer.target'",
        [target],
    )


def set_filing_plan(db, plan, size):
    """The company's filing plan (plain SQL on a clone). By customer spreads
    the backlog over one customer per 20 invoices (the template has 20):
    50 customers at 1,000, 500 at 10,000, 5,000 at 100,000, each a copy of a
    template customer, whose folder the transfer makes."""
    # Files only, as the rest of the benchmark measures: the PDF maker's
    # renders would dominate, and are the same under every plan.
    q(
        db,
        "UPDATE res_company SET tal_transfer_filing_plan = %s, "
        "tal_transfer_make_pdf = FALSE",
        [plan],
    )
    customers = size // 20
    if plan != "customer" or customers <= 20:
        return 0
    conn = dbtools.connect(db)
    try:
        cr = conn.cursor()
        source = q1(
            db,
            "SELECT partner_id FROM account_move WHERE partner_id IS NOT NULL "
            "ORDER BY id LIMIT 1",
        )
        cr.execute(
            "CREATE TEMP TABLE newp AS SELECT g AS k, "
            "nextval('res_partner_id_seq')::int AS id "
            "FROM generate_series(0, %s - 1) g",
            [customers],
        )
        _insert_select(
            cr,
            "res_partner",
            "p",
            {
                "id": "n.id",
                "name": "'Bench customer ' || n.k",
                "complete_name": "'Bench customer ' || n.k",
                "commercial_partner_id": "n.id",
                "parent_id": "NULL",
                "is_company": "TRUE",
                "email": "NULL",
                "ref": "NULL",
                "vat": "NULL",
            },
            f"FROM newp n, res_partner p WHERE p.id = {int(source)}",
        )
        cr.execute(
            """
            UPDATE account_move m
               SET partner_id = n.id, commercial_partner_id = n.id
              FROM newp n
             WHERE m.tal_transfer_state = 'pending'
               AND n.k = m.id %% %s
            """,
            [customers],
        )
    finally:
        conn.close()
    return customers


def cmd_template(args):
    """Install the apps and make the template invoices (ORM, real PDFs)."""
    addon_hash = snapshot_hash()
    procs = ProcessGroup()
    if db_exists(TEMPLATE_DB) and not args.rebuild:
        if db_addon_hash(TEMPLATE_DB) == addon_hash:
            log(f"template {TEMPLATE_DB} is up to date (use --rebuild to rebuild)")
            return
        # The addons changed since: a new template (an upgrade would miss a
        # new auto-installed module), and no backlog cloned from the old one.
        log(f"the addons changed: rebuilding {TEMPLATE_DB}")
        for db in dbtools.databases_like(DB_PREFIX.replace("_", "\\_") + "\\_n%"):
            drop_db(db)
    drop_db(TEMPLATE_DB)
    addons = ensure_stock_addons()
    log(
        "installing account, dms, tal_invoice_transfer, tal_documents_standin (~60-80 s)"
    )
    cmd = odoo_cmd(
        TEMPLATE_DB,
        addons,
        DATA_DIR,
        "--log-level=warn",
        "-i",
        "account,dms,tal_invoice_transfer,tal_documents_standin",
        "--stop-after-init",
        f"--http-port={TEMPLATE_PORT}",
    )
    run_odoo(procs, cmd, None, ODOO_TIMEOUT)
    result = run_task(
        procs,
        TASK_MODULE,
        TEMPLATE_DB,
        "seed",
        addons_path=addons,
        data_dir=DATA_DIR,
        logfile=os.path.join(DATA_DIR, f"{TEMPLATE_DB}.seed.log"),
        timeout=ODOO_TIMEOUT,
    )
    log(f"{result['invoices']} template invoices in {result['seconds']:.1f} s")
    set_addon_hash(TEMPLATE_DB, addon_hash)


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
    """The backlog of N invoices cloned by SQL from the templates, then pending.

    With --pdf (the PDF benchmark, benchmarks/pdf.py): N customer invoices
    cloned from the customer templates without their files, so each one
    wants its official PDF made; the report's assets are made once here."""
    n = args.size
    pdf = getattr(args, "pdf", False)
    db = pdf_backlog_db(n) if pdf else backlog_db(n)
    if db_exists(db) and not args.rebuild:
        if db_addon_hash(db) == db_addon_hash(TEMPLATE_DB):
            log(f"{db} exists")
            return
        log(f"{db} was made from another version of the addon: rebuilding it")
    # The PDF backlog's clones write files (the PDFs): a filestore of its own.
    clone_backlog(TEMPLATE_DB, db, filestore_copy="hardlink" if pdf else "symlink")
    # The template's hash marks a finished backlog: set again at the end, so
    # a backlog whose preparation was interrupted is made again.
    q(db, "DELETE FROM ir_config_parameter WHERE key = 'tal_bench.addon_hash'")
    t0 = time.perf_counter()
    registry = open_registry(db, ensure_stock_addons(), DATA_DIR)
    with registry.cursor() as cr:
        # The PDF backlog: customer invoices only (Odoo makes their PDF).
        kinds = "AND m.move_type = 'out_invoice'" if pdf else ""
        cr.execute(f"""
            CREATE TEMP TABLE tpl AS
            SELECT m.id AS tpl_id, (row_number() OVER (ORDER BY m.id) - 1)::int AS k
              FROM account_move m
             WHERE m.tal_transfer_state = 'excluded' {kinds}
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
        atts = 0
        if not pdf:  # the PDF backlog's invoices have no file
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
        if not pdf:
            # Files only: the transfer's own figures. Invoices without their
            # official PDF would else have it made (--pdf measures that).
            cr.execute("UPDATE res_company SET tal_transfer_make_pdf = FALSE")
        # The state last, through the addon's own set-based marking.
        marked = addon.mark_in_scope(superuser_env(cr))
        cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
        if pdf:
            assets = make_report_assets(superuser_env(cr))
            cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
            log(f"{db}: report assets made: {', '.join(assets)}")
        cr.execute("ANALYZE")
        set_addon_hash(db, db_addon_hash(TEMPLATE_DB))
        log(
            f"{db}: {moves} invoices, {lines} lines, {atts} attachments cloned, "
            f"{marked} marked pending, in {time.perf_counter() - t0:.1f} s"
        )


def make_report_assets(env):
    """Make the asset bundles the invoice report's HTML links to (its CSS),
    as Odoo's /web/assets route does on their first request: every clone of
    the PDF backlog has them, and no measurement pays their first build."""
    move = env["account.move"].search(
        [("move_type", "=", "out_invoice"), ("tal_transfer_state", "=", "pending")],
        limit=1,
    )
    report = env["account.move.send"]._get_default_pdf_report_id(move)
    html = env["ir.actions.report"]._render_qweb_html(report.report_name, move.ids)[0]
    # The pages wkhtmltopdf loads: the bodies, the header and the footer.
    bodies, _ids, header, footer, _args = report._prepare_html(
        html, report_model="account.move"
    )
    pages = "".join(str(page) for page in [*bodies, header, footer])
    made = []
    for filename in sorted(set(re.findall(r'/web/assets/[^/"]+/([^/"?]+)', pages))):
        name, rtl, asset_type, autoprefix = env["ir.asset"]._parse_bundle_name(
            filename, False
        )
        bundle = env["ir.qweb"]._get_asset_bundle(
            name,
            css=asset_type == "css",
            js=asset_type == "js",
            rtl=rtl,
            autoprefix=autoprefix,
        )
        if asset_type == "css" and bundle.stylesheets:
            bundle.css()
        elif asset_type == "js" and bundle.javascripts:
            bundle.js()
        made.append(filename)
    return made
