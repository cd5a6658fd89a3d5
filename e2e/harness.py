"""End-to-end harness for tal_invoice_transfer: exactly-once with real commits
in real processes (issue #3). Entry point: `bash e2e/run.sh [--full]`.

The harness does not import Odoo. It builds template databases with Odoo
processes (e2e/odoo_task.py), clones one per scenario (createdb -T and a
hard-linked filestore copy), runs real Odoo servers (threaded, one cron
thread) and worker processes against it, kills and restarts them, and checks
the result with SQL and the filestore (check_invariant).

Output: one `PASS|FAIL scenario (target): ...` line per scenario, a summary,
and the last line `N passed, N failed`.
"""

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections import Counter

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ADDONS_PATH = f"{REPO},{REPO}/test_addons"
PYTHON = os.environ.get("ODOO_PYTHON") or sys.executable
PORTS = range(18100, 18200)
LOCK_FILE = "/tmp/tal_e2e.lock"
DB_PREFIX = "tal_e2e_"

CRON_XMLID = "tal_invoice_transfer.ir_cron_tal_invoice_transfer"
FILE_FIELDS = ("invoice_pdf_report_file",)  # account.move._get_fields_to_detach()
LOCK_WORDS = re.compile(r"busy|lock|serializ|deadlock|concurrent", re.I)

MANAGER = ("e2e_manager", "e2e_manager_pw")
BILLING = ("e2e_billing", "e2e_billing_pw")
ADMIN = ("admin", "e2e_admin_pw")

PROFILES = {
    # invoices per company (c1 good, c2 folder removed during the run, c3 misconfigured)
    "reduced": {
        "count": 250,
        "count_c2": 10,
        "count_c3": 6,
        "kills": 5,
        "big_file_mb": 5,
        "timeout": 150,
        "cron_workers": 2,
        "upgrade_targets": ("dms",),
    },
    "full": {
        "count": 2000,
        "count_c2": 40,
        "count_c3": 20,
        "kills": 20,
        "big_file_mb": 50,
        "timeout": 900,
        "cron_workers": 2,
        "upgrade_targets": ("dms", "documents"),
    },
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class ScenarioError(Exception):
    """A scenario could not run to its end (timeout, a process failed)."""


# ------------------------------------------------------------------ DB -----


def connect(db, retries=30):
    last = None
    for _ in range(retries):
        try:
            conn = psycopg2.connect(dbname=db, connect_timeout=5)
            conn.autocommit = True
            return conn
        except psycopg2.OperationalError as error:  # PostgreSQL restarting
            last = error
            time.sleep(0.5)
    raise last


def q(db, sql, params=None):
    """Run one statement in a short-lived autocommit connection."""
    conn = connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def q1(db, sql, params=None):
    rows = q(db, sql, params)
    return rows[0][0] if rows else None


def table_exists(db, table):
    return bool(q1(db, "SELECT to_regclass(%s) IS NOT NULL", [table]))


def pending_count(db):
    return q1(
        db, "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'"
    )


def handled_count(db):
    return q1(
        db,
        "SELECT count(*) FROM account_move WHERE tal_transfer_state IN "
        "('done', 'failed', 'no_attachment')",
    )


# ------------------------------------------------------------- harness -----


class Harness:
    def __init__(self, profile_name, seed, keep, reuse=None):
        self.profile_name = profile_name
        self.profile = PROFILES[profile_name]
        self.seed = seed
        self.rng = random.Random(seed)
        self.keep = keep
        self.run_id = f"{os.getpid()}"
        self.work = os.path.join(
            HERE, ".runs", time.strftime("%Y%m%d_%H%M%S") + f"_{self.run_id}"
        )
        self.data_dir = os.path.join(self.work, "data")
        self.reuse = reuse
        if reuse:  # development: the templates of a --keep run
            self.data_dir = os.path.join(os.path.abspath(reuse), "data")
        self.conf = os.path.join(self.work, "odoo.conf")
        os.makedirs(self.data_dir, exist_ok=True)
        os.makedirs(self.work, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("[options]\n")  # keeps ~/.odoorc and $ODOO_RC out
        self.dbs = []
        self.procs = []
        self.results = []
        self.meta = {}
        self.base = self.full = None
        self.figures = Counter()
        self.next_port = 0
        self.pg_restarted = False

    # --- naming, processes -------------------------------------------------

    def dbname(self, suffix):
        return f"{DB_PREFIX}{self.run_id}_{suffix}"[:63]

    def filestore(self, db):
        return os.path.join(self.data_dir, "filestore", db)

    def free_port(self):
        for _ in range(len(PORTS)):
            port = PORTS[self.next_port % len(PORTS)]
            self.next_port += 1
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise ScenarioError("no free port in 18100-18199")

    def spawn(self, cmd, logfile, env=None, append=True):
        """Start cmd in its own session, output to logfile; killed at cleanup.

        append=False starts the file afresh (a task's result file, parsed)."""
        out = open(logfile, "ab" if append else "wb")
        if append:
            out.write(f"\n===== {time.strftime('%H:%M:%S')} {' '.join(cmd)}\n".encode())
            out.flush()
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.work,
            start_new_session=True,
            env=env,
        )
        out.close()
        self.procs.append(proc)
        return proc

    def kill(self, proc, sig=signal.SIGKILL):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)  # its own session: pgid == pid

    def wait_proc(self, proc, timeout):
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
            proc.wait(10)
            raise ScenarioError(
                f"process {proc.args[:6]} timed out after {timeout}s"
            ) from None

    def task(self, db, name, args=None, timeout=600, background=False, log_name=None):
        logfile = os.path.join(self.work, log_name or f"{db}.task-{name}.log")
        cmd = [
            PYTHON,
            os.path.join(HERE, "odoo_task.py"),
            "--db",
            db,
            "--data-dir",
            self.data_dir,
            "--addons-path",
            ADDONS_PATH,
            "--config",
            self.conf,
            "--logfile",
            logfile,
            name,
            "--args",
            json.dumps(args or {}),
        ]
        resfile = logfile + ".out"
        proc = self.spawn(cmd, resfile, append=False)
        proc.resfile = resfile
        if background:
            return proc
        self.wait_proc(proc, timeout)
        return self.task_result(proc)

    def task_result(self, proc):
        with open(proc.resfile, errors="replace") as f:
            text = f.read()
        for line in text.splitlines():
            if line.startswith("RESULT "):
                return json.loads(line[7:])
        raise ScenarioError(f"task failed (rc {proc.returncode}): {text[-1500:]}")

    def odoo(self, db, args, logfile, timeout):
        cmd = [
            PYTHON,
            "-m",
            "odoo",
            "-c",
            self.conf,
            "-d",
            db,
            f"--addons-path={ADDONS_PATH}",
            f"--data-dir={self.data_dir}",
            "--db_host=",
            "--http-interface=127.0.0.1",
            f"--http-port={self.free_port()}",
            "--max-cron-threads=0",
            "--log-level=warn",
            "--stop-after-init",
            *args,
        ]
        proc = self.spawn(cmd, os.path.join(self.work, logfile))
        rc = self.wait_proc(proc, timeout)
        if rc:
            raise ScenarioError(
                f"odoo {' '.join(args)} on {db} exited {rc}, see {logfile}"
            )

    # --- databases -----------------------------------------------------------

    def createdb(self, name, template=None):
        cmd = ["createdb", name] + (["-T", template] if template else [])
        self.dbs.append(name)
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
        if template and os.path.isdir(self.filestore(template)):
            # Hard links: Odoo never rewrites a stored file, it only writes
            # new ones and unlinks; each clone unlinks its own links.
            subprocess.run(
                ["cp", "-al", self.filestore(template), self.filestore(name)],
                check=True,
            )

    def dropdb(self, name):
        subprocess.run(
            ["dropdb", "--if-exists", "--force", name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"),
        )
        shutil.rmtree(self.filestore(name), ignore_errors=True)
        if name in self.dbs:
            self.dbs.remove(name)

    def cleanup(self):
        for proc in self.procs:
            self.kill(proc)
        for proc in self.procs:
            with contextlib.suppress(Exception):
                proc.wait(10)
        if self.keep:
            log(f"--keep: databases kept: {', '.join(self.dbs)}; data {self.data_dir}")
            with open(os.path.join(self.work, "meta.json"), "w") as f:
                json.dump(dict(self.meta, base=self.base, full=self.full), f)
            return
        if self.reuse:
            for db in list(self.dbs):
                if db not in (self.base, self.full):
                    self.dropdb(db)
            return
        for db in list(self.dbs):
            self.dropdb(db)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        # keep the logs of the 5 newest runs
        runs = sorted(os.listdir(os.path.join(HERE, ".runs")))
        for old in runs[:-5]:
            shutil.rmtree(os.path.join(HERE, ".runs", old), ignore_errors=True)

    @staticmethod
    def drop_stale():
        """Databases of earlier runs whose harness died without cleaning up."""
        rows = q(
            "postgres",
            "SELECT datname FROM pg_database WHERE datname LIKE 'tal\\_e2e\\_%%'",
        )
        for (name,) in rows:
            match = re.match(r"tal_e2e_(\d+)_", name)
            if not match:
                continue
            pid = int(match.group(1))
            try:
                os.kill(pid, 0)
                alive = True
            except ProcessLookupError:
                alive = False
            except PermissionError:
                alive = True
            if not alive or pid == os.getpid():
                log(f"dropping stale database {name}")
                subprocess.run(
                    ["dropdb", "--if-exists", "--force", name], stdin=subprocess.DEVNULL
                )

    # --- templates -------------------------------------------------------------

    def build_templates(self):
        p = self.profile
        if self.reuse:
            with open(os.path.join(self.reuse, "meta.json")) as f:
                self.meta = json.load(f)
            self.reuse = os.path.abspath(self.reuse)
            self.base, self.full = self.meta["base"], self.meta["full"]
            self.dbs += [self.base, self.full]
            log(f"reusing templates {self.base}, {self.full}")
            return
        t0 = time.time()
        base = self.dbname("base")
        self.createdb(base)
        log(f"template: installing account + tal_invoice_transfer in {base}")
        self.odoo(
            base, ["-i", "account,tal_invoice_transfer"], f"{base}.install.log", 600
        )
        log(
            f"template: {p['count']}+{p['count_c2']}+{p['count_c3']} posted invoices with PDFs"
        )
        self.meta = self.task(
            base,
            "setup_base",
            {
                "count": p["count"],
                "count_c2": p["count_c2"],
                "count_c3": p["count_c3"],
                "seed": self.seed,
            },
            timeout=1200,
        )
        full = self.dbname("full")
        self.createdb(full, template=base)
        log(f"template: installing dms + Documents stand-in in {full}")
        self.odoo(full, ["-i", "dms,tal_documents_standin"], f"{full}.install.log", 600)
        self.meta["folders"] = self.task(
            full, "setup_targets", {"companies": self.meta["companies"]}
        )
        self.base, self.full = base, full
        for db in (base, full):
            # Nothing else runs in the servers started here: the other scheduled
            # actions wait; the transfer job is made ready on demand.
            q(
                db,
                "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') + interval '30 days'",
            )
            q(db, "DELETE FROM ir_cron_trigger")
        self.figures["template_seconds"] = round(time.time() - t0)
        log(f"templates ready in {time.time() - t0:.0f}s")

    def clone(self, suffix, template=None):
        name = self.dbname(suffix)
        self.createdb(name, template=template or self.full)
        return name

    def configure(self, db, target, folders=None):
        """Target parameter and each company's folder, set with SQL before any
        server starts (no cache to invalidate)."""
        q(
            db,
            "DELETE FROM ir_config_parameter WHERE key = 'tal_invoice_transfer.target'",
        )
        q(
            db,
            "INSERT INTO ir_config_parameter (key, value) VALUES ('tal_invoice_transfer.target', %s)",
            [target],
        )
        model = {"dms": "dms.directory", "documents": "documents.document"}.get(target)
        for company_id in self.meta["companies"]:
            ref = None
            if model:
                folder_id = (folders or {}).get(
                    company_id, self.meta["folders"][target][str(company_id)]
                )
                ref = f"{model},{folder_id}" if folder_id else None
            q(
                db,
                "UPDATE res_company SET tal_transfer_folder_ref = %s WHERE id = %s",
                [ref, company_id],
            )

    def limit_backlog(self, db, count):
        """Keep the first `count` invoices of company 1 in scope (NULL state: out of scope)."""
        c1 = self.meta["moves"]["c1"]
        if count < len(c1):
            q(
                db,
                "UPDATE account_move SET tal_transfer_state = NULL WHERE id = ANY(%s)",
                [c1[count:]],
            )

    def cron_id(self, db):
        return q1(
            db,
            "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s",
            CRON_XMLID.split("."),
        )

    def make_cron_ready(self, db):
        """nextcall = now in SQL, then wake the cron threads (what _trigger() does)."""
        cron_id = self.cron_id(db)
        q(
            db,
            "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') - interval '1 minute', "
            "active = true WHERE id = %s",
            [cron_id],
        )
        # the cron threads LISTEN on the 'postgres' database (odoo/service/server.py)
        q("postgres", "SELECT pg_notify('cron_trigger', %s)", [db])

    # --- scenarios ------------------------------------------------------------------

    def record(self, name, target, counts, violations, extra="", error=None):
        label = f"{name} ({target})" if target else name
        passed = not violations and error is None
        parts = [f"{counts.get('invoices', 0)} invoices"]
        if extra:
            parts.append(extra)
        parts.append(f"{len(violations)} violations")
        line = f"{'PASS' if passed else 'FAIL'} {label}: {', '.join(parts)}"
        if error:
            line += f" -- ERROR: {error}"
        print(line, flush=True)
        for violation in violations[:15]:
            print(f"    violation: {violation}", flush=True)
        if len(violations) > 15:
            print(f"    ... and {len(violations) - 15} more", flush=True)
        detail = ", ".join(f"{k}={v}" for k, v in counts.items())
        print(f"    checked: {detail}", flush=True)
        self.results.append(
            {"name": label, "passed": passed, "violations": len(violations)}
        )
        self.figures["violations"] += len(violations)

    def run_scenario(self, func, name, target, *args):
        t0 = time.time()
        log(f"--- {name} ({target or '-'})")
        try:
            counts, violations, extra = func(self, target, *args)
            error = None
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - a crashed scenario is a FAIL line
            traceback.print_exc()
            counts, violations, extra, error = (
                {},
                [],
                "",
                f"{type(exc).__name__}: {exc}",
            )
        finally:
            for proc in self.procs:
                self.kill(proc)
        counts["seconds"] = round(time.time() - t0)
        self.record(name, target, counts, violations, extra, error)


# --------------------------------------------------------------- servers -----


class OdooServer:
    """A real Odoo server: threaded, HTTP on 127.0.0.1, `cron_threads` cron threads."""

    def __init__(self, h, db, label, cron_threads=1, workers=0):
        self.h, self.db, self.label, self.cron_threads = h, db, label, cron_threads
        self.workers = workers
        self.proc = None
        self.port = None
        self.logfile = os.path.join(h.work, f"{db}.{label}.server.log")
        self.starts = 0
        self.uids = {}

    def start(self, wait=True):
        self.port = self.h.free_port()
        cmd = [
            PYTHON,
            "-m",
            "odoo",
            "-c",
            self.h.conf,
            "-d",
            self.db,
            f"--addons-path={ADDONS_PATH}",
            f"--data-dir={self.h.data_dir}",
            "--db_host=",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.cron_threads}",
            "--log-level=info",
            "--db_maxconn=16",
            f"--db-filter=^{self.db}$",
        ]
        self.proc = self.h.spawn(cmd, self.logfile)
        self.starts += 1
        self.uids = {}
        if wait:
            self.wait_ready()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise ScenarioError(
                    f"server exited ({self.proc.returncode}), see {self.logfile}"
                )
            try:
                self.call("common", "version", [])
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise ScenarioError(f"server not ready after {timeout}s, see {self.logfile}")

    def kill(self, sig=signal.SIGKILL):
        if self.proc:
            self.h.kill(self.proc, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(30)

    def stop(self):
        """Graceful stop (SIGTERM; SIGKILL after 30 s)."""
        if self.alive():
            self.h.kill(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def call(self, service, method, args, timeout=120):
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"service": service, "method": method, "args": args},
            }
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/jsonrpc",
            payload.encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
        if "error" in body:
            data = body["error"].get("data") or {}
            raise RpcError(
                data.get("name") or "", data.get("message") or str(body["error"])
            )
        return body["result"]

    def rpc(self, user, model, method, args, kwargs=None):
        login, password = user
        if login not in self.uids:
            self.uids[login] = self.call("common", "login", [self.db, login, password])
        return self.call(
            "object",
            "execute_kw",
            [self.db, self.uids[login], password, model, method, args, kwargs or {}],
        )

    def log_text(self):
        with open(self.logfile, errors="replace") as f:
            return f.read()


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


# ------------------------------------------------------------- invariant -----


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
    for table in ("documents_document", "dms_file"):
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
):
    """The exactly-once invariant. Returns (counts, violations).

    - every attachment an in-scope invoice transfers is linked by exactly one
      documents.document or dms.file (attachment_id), archived ones included;
    - an invoice is 'done' iff all its attachments are linked; no document or
      file exists for an invoice that is not done (`linked_not_done`: invoices
      where the scenario allows it, e.g. a file added after the transfer);
    - no attachment was copied (no new attachment with an invoice file's
      checksum, the count of the invoices' attachments moves only by what the
      scenario added or deleted), moved (res_model/res_id), changed, or lost
      (row gone, file gone from the filestore or not matching its checksum);
    - failed invoices carry a non-empty tal_transfer_error;
    - (also) at most one DMS directory per invoice, no document or file created
      without an invoice attachment.
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
        if att_id in added:
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
    return dict(counts), violations


def _links(db, has_docs, has_dms):
    parts = []
    if has_docs:
        parts.append(
            "SELECT attachment_id FROM documents_document WHERE attachment_id IS NOT NULL"
        )
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


def run_history(db, counts, killed):
    """The progress view's run records agree with the invoices: each invoice
    carries the last run that handled it, written with its state, so the runs
    count every invoice done, even runs that were killed."""
    problems = []
    runs = q(db, "SELECT state, count(*) FROM tal_invoice_transfer_run GROUP BY state")
    by_state = {r[0]: r[1] for r in runs}
    done = q1(
        db,
        "SELECT count(*) FROM account_move m"
        " JOIN tal_invoice_transfer_run r ON r.id = m.tal_transfer_run_id"
        " WHERE m.tal_transfer_state = 'done'",
    )
    counts["runs"] = sum(by_state.values())
    if not killed and (by_state.get("interrupted") or by_state.get("running")):
        problems.append(
            f"RUN HISTORY: runs {by_state} after a run where no worker died "
            f"(a live worker's run was marked interrupted)"
        )
    if done != counts.get("done", 0):
        problems.append(
            f"RUN HISTORY: the runs count {done} invoices done, the invoices say "
            f"{counts.get('done', 0)}"
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


# ------------------------------------------------------------ helpers ------


def wait_until(predicate, timeout, what, interval=0.3, on_idle=None, idle_every=3.0):
    deadline = time.time() + timeout
    last_idle = time.time()
    while time.time() < deadline:
        if predicate():
            return
        if on_idle and time.time() - last_idle > idle_every:
            on_idle()
            last_idle = time.time()
        time.sleep(interval)
    raise ScenarioError(f"timeout after {timeout}s waiting for {what}")


def drain(h, db, server, timeout):
    """Run the cron until nothing is pending (re-arming it when it idles)."""
    wait_until(
        lambda: pending_count(db) == 0,
        timeout,
        "the backlog to be done",
        on_idle=lambda: h.make_cron_ready(db),
    )
    # let the job end on its own (it is not killed here)
    time.sleep(0.5)


def start_together(h, db, name, procs_args, timeout=60):
    """Start task processes, wait until each has loaded its registry, return
    them and a function that lets them all go at once."""
    go_file = os.path.join(h.work, f"{db}.{name}.go")
    procs, ready = [], []
    for index, args in enumerate(procs_args):
        ready_file = os.path.join(h.work, f"{db}.{name}{index}.ready")
        ready.append(ready_file)
        procs.append(
            h.task(
                db,
                args.pop("task"),
                dict(args, go_file=go_file, ready_file=ready_file),
                background=True,
                log_name=f"{db}.{name}{index}.log",
            )
        )
    wait_until(
        lambda: all(os.path.exists(f) for f in ready),
        timeout,
        f"{name} processes to load",
    )

    def go():
        with open(go_file, "w"):
            pass

    return procs, go


def wait_progress(h, db, before, timeout=90):
    """Wake the cron until it transfers something."""
    h.make_cron_ready(db)
    wait_until(
        lambda: handled_count(db) > before or pending_count(db) == 0,
        timeout,
        "the cron to start transferring",
        interval=0.1,
        on_idle=lambda: h.make_cron_ready(db),
        idle_every=2.0,
    )


def backend_states(db, pid):
    """What the server's PostgreSQL sessions are doing (for the kill report)."""
    return q(
        db,
        "SELECT state, left(query, 40) FROM pg_stat_activity WHERE application_name = %s",
        [f"odoo-{pid}"],
    )


def classify(states):
    if any(
        s == "active" and (qry or "").strip().upper().startswith("COMMIT")
        for s, qry in states
    ):
        return "during COMMIT"
    if any(s == "active" for s, _qry in states):
        return "during a query"
    if sum(1 for s, _qry in states if s == "idle in transaction") > 1:
        return "mid-transaction"
    return "between transactions"


# ------------------------------------------------------------ scenarios -----


def scenario_kill_random(h, target):
    """1. SIGKILL the server running the real cron at random moments."""
    db = h.clone(f"kill_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    server = OdooServer(h, db, "kill")
    kills, where = 0, Counter()
    wanted = h.profile["kills"]
    rate = None
    t_start = time.time()
    while kills < wanted and pending_count(db):
        before = handled_count(db)
        server.start()
        wait_progress(h, db, before)
        t_progress, n_progress = time.time(), handled_count(db)
        pending = pending_count(db)
        # spread the kills over what is left of the backlog
        budget = (
            2.0 if rate is None else min(2.0, pending / rate / (wanted - kills + 1))
        )
        hunt_commit = kills % 3 == 2
        if hunt_commit:
            # poll the server's sessions until one is committing, then kill
            deadline = time.time() + max(budget, 0.3)
            conn = connect(db)
            states = []
            with conn.cursor() as cr:
                while time.time() < deadline:
                    cr.execute(
                        "SELECT state, left(query, 40) FROM pg_stat_activity "
                        "WHERE application_name = %s",
                        [f"odoo-{server.proc.pid}"],
                    )
                    states = cr.fetchall()
                    if classify(states) == "during COMMIT":
                        break
                server.kill()
            conn.close()
        else:
            time.sleep(h.rng.uniform(0.02, max(budget, 0.05)))
            states = backend_states(db, server.proc.pid)
            server.kill()
        kills += 1
        where[classify(states)] += 1
        n_now = handled_count(db)
        if time.time() > t_progress and n_now > n_progress:
            rate = (n_now - n_progress) / (time.time() - t_progress)
    log(f"{kills} kills ({dict(where)}); finishing the backlog")
    server.start()
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    counts, violations = check_invariant(h, db, snap)
    if counts.get("failed") or counts.get("pending"):
        violations.append(
            f"NOT DONE: {counts.get('failed')} failed, {counts.get('pending')} pending "
            f"(all invoices are good here)"
        )
    violations += log_problems(server.log_text())
    counts["kills"] = kills
    counts["restarts"] = server.starts
    h.figures["kills"] += kills
    h.figures["invoices"] += counts.get("invoices", 0)
    for key, value in where.items():
        h.figures[f"kills {key}"] += value
    h.dropdb(db)
    detail = ", ".join(f"{v} {k}" for k, v in sorted(where.items()))
    return (
        counts,
        violations,
        f"{kills} kills ({detail}), {int(time.time() - t_start)}s",
    )


def scenario_concurrent(h, target):
    """2. The cron, N processes calling _cron_tal_transfer() and 'Transfer now'
    over JSON-RPC, all at once on one backlog."""
    db = h.clone(f"conc_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    server = OdooServer(h, db, "conc").start()
    n_workers = h.profile["cron_workers"]
    workers, go = start_together(
        h,
        db,
        "worker",
        [
            {
                "task": "cron_loop",
                "timeout": h.profile["timeout"],
                "limits": [3, 15],
                "seed": h.seed + i,
            }
            for i in range(n_workers)
        ],
    )
    rpc_stats = Counter()
    rpc_errors = []

    def transfer_now():
        rng = random.Random(h.seed + 7)
        deadline = time.time() + h.profile["timeout"]
        while time.time() < deadline:
            ids = [
                r[0]
                for r in q(
                    db,
                    "SELECT id FROM account_move WHERE tal_transfer_state = 'pending'",
                )
            ]
            if not ids:
                break
            chunk = rng.sample(ids, min(len(ids), rng.randint(5, 40)))
            try:
                server.rpc(MANAGER, "account.move", "action_tal_transfer_now", [chunk])
                rpc_stats["calls"] += 1
                rpc_stats["invoices"] += len(chunk)
            except Exception as error:  # noqa: BLE001
                rpc_errors.append(str(error)[:200])
                time.sleep(0.2)

    thread = threading.Thread(target=transfer_now, daemon=True)
    go()
    h.make_cron_ready(db)
    thread.start()
    t0 = time.time()
    drain(h, db, server, h.profile["timeout"])
    for worker in workers:
        h.wait_proc(worker, 120)
    thread.join(60)
    wall = time.time() - t0
    server.stop()
    counts, violations = check_invariant(h, db, snap)
    violations += lock_failures(db)
    if counts.get("failed") or counts.get("pending"):
        violations.append(
            f"NOT DONE: {counts.get('failed')} failed, {counts.get('pending')} pending"
        )
    text = server.log_text()
    worker_errors = []
    for worker in workers:
        result = h.task_result(worker)
        worker_errors += result["errors"]
        with open(worker.resfile.replace(".out", ""), errors="replace") as f:
            text += f.read()
    violations += log_problems(
        text, (r"deadlock detected", r"server action #\d+ failed")
    )
    violations += run_history(db, counts, killed=False)
    counts["error_log_lines"] = len(re.findall(r"^\S+ \S+ \d+ ERROR ", text, re.M))
    for error in worker_errors:
        violations.append(
            f"WORKER ERROR: a _cron_tal_transfer() call raised {error[:160]}"
        )
    for error in rpc_errors:
        violations.append(f"TRANSFER NOW ERROR: {error}")
    cron_runs = len(
        re.findall(r"Job 'Invoice Files: Transfer to Documents' \(\d+\) starting", text)
    )
    counts["workers"] = n_workers + 2
    counts["cron_jobs"] = cron_runs
    counts["transfer_now_calls"] = rpc_stats["calls"]
    h.figures["concurrent workers"] = max(
        h.figures["concurrent workers"], n_workers + 2
    )
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"{n_workers + 2} workers (cron thread, {n_workers} processes, "
            f"transfer now x{rpc_stats['calls']}), {wall:.0f}s"
        ),
    )


def scenario_pg_restart(h, target):
    """3. Restart PostgreSQL in the middle of a run."""
    db = h.clone(f"pg_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    # Threaded mode. Odoo 19 core: when PostgreSQL goes away the cron thread
    # dies ("Exception in thread odoo.service.cron.cron0", HTTP goes on) and
    # only a restart of Odoo brings the cron back; in multi-process mode the
    # master stops ("Stopping forcefully"). The harness then plays the
    # supervisor and restarts Odoo: "the next run completes".
    server = OdooServer(h, db, "pg").start()
    total = pending_count(db)
    wait_progress(h, db, 0)
    wait_until(lambda: handled_count(db) >= total // 5, 120, "20% of the backlog")
    mid = handled_count(db)
    log(f"restarting PostgreSQL (pg_ctlcluster 15 main restart) at {mid}/{total}")
    subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True, timeout=120)
    h.pg_restarted = True
    t_restart = time.time()
    # Does it carry on by itself?
    how = None
    after = handled_count(db)  # reconnects (retries while PostgreSQL starts)
    try:
        wait_until(
            lambda: handled_count(db) > after + 2 or pending_count(db) == 0,
            8,
            "progress without help",
        )
        how = "carried on by itself"
    except ScenarioError:
        try:
            if "Exception in thread odoo.service.cron" in server.log_text():
                raise ScenarioError("cron thread dead")
            wait_progress(h, db, handled_count(db), timeout=15)
            how = "resumed when the cron was made ready again"
        except ScenarioError:
            dead = "Exception in thread odoo.service.cron" in server.log_text()
            server.stop()
            server.start()
            wait_progress(h, db, handled_count(db), timeout=60)
            how = (
                "cron thread died (Odoo core), resumed after an Odoo restart"
                if dead
                else "resumed after an Odoo restart"
            )
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    text = server.log_text()
    clear = [
        line
        for line in text.splitlines()
        if re.search(
            r"server action #\d+ failed|terminating connection|server closed the connection|"
            r"Connection to the database failed|could not connect",
            line,
        )
    ]
    counts, violations = check_invariant(h, db, snap)
    if counts.get("failed") or counts.get("pending"):
        violations.append(
            f"NOT DONE: {counts.get('failed')} failed, {counts.get('pending')} pending"
        )
    violations += lock_failures(db)
    if not clear and how != "carried on by itself":
        violations.append(
            "NO CLEAR LOG LINE about the lost connection in the server log"
        )
    counts["restart_at"] = mid
    counts["runs_interrupted"] = q1(
        db, "SELECT count(*) FROM tal_invoice_transfer_run WHERE state = 'interrupted'"
    )
    log(
        f"after the restart: {how} ({time.time() - t_restart:.0f}s); log: {clear[0][:160] if clear else '-'}"
    )
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        f"restart at {mid}/{total}, {how}, log line: {'yes' if clear else 'no'}",
    )


def scenario_bad_input(h, target):
    """4. Bad input, each on its own invoice among good ones."""
    db = h.clone(f"bad_{target}")
    c1, c2, c3 = h.meta["companies"]
    folders = h.meta["folders"][target]
    other_folder = folders[str(c2)]
    # company 3 misconfigured: its folder is company 1's
    h.configure(db, target, folders={c3: folders[str(c1)]})
    moves = h.meta["moves"]
    c1_moves = moves["c1"]
    files_of = {}
    for att_id, res_id, store in q(
        db,
        "SELECT id, res_id, store_fname FROM ir_attachment "
        "WHERE res_model = 'account.move' ORDER BY id",
    ):
        files_of.setdefault(res_id, []).append((att_id, store))
    multi = [m for m in c1_moves if len(files_of.get(m, [])) >= 2]
    picks = {}
    picks["missing_file"] = c1_moves[len(c1_moves) // 10]
    picks["empty_file"] = c1_moves[len(c1_moves) // 10 + 1]
    picks["big_file"] = c1_moves[len(c1_moves) // 10 + 2]
    picks["weird_name"] = c1_moves[len(c1_moves) // 10 + 3]
    # deleted during the run: near the end of company 1's backlog
    picks["attachment_deleted"] = multi[-1]
    # only the last invoice of a sequence may be deleted: the latest-numbered one
    picks["invoice_deleted"] = max(
        r[0]
        for r in q(
            db,
            "SELECT DISTINCT ON (sequence_prefix) id FROM account_move "
            "WHERE id = ANY(%s) ORDER BY sequence_prefix, sequence_number DESC",
            [c1_moves],
        )
        if r[0] != picks["attachment_deleted"]
    )
    picks["late_attachment"] = c1_moves[5]
    big = h.profile["big_file_mb"] << 20
    weird = ("Fäktûrà/Ñoël\\ 😀🧾 €/" * 20)[:296] + ".pdf"
    added = h.task(
        db,
        "add_attachments",
        {
            "attachments": [
                {"move_id": picks["empty_file"], "name": "empty.pdf", "empty": True},
                {"move_id": picks["big_file"], "name": "big scan.pdf", "size": big},
                {"move_id": picks["weird_name"], "name": weird, "size": 2048},
            ]
        },
    )["attachments"]
    missing_att, missing_store = files_of[picks["missing_file"]][0]
    os.unlink(os.path.join(h.filestore(db), missing_store))
    snap = snapshot(h, db)
    deleted_att = files_of[picks["attachment_deleted"]][-1][0]
    problems = []

    server = OdooServer(h, db, "bad").start()
    # A user without rights: every action refused, nothing changes.
    state_sql = (
        "SELECT id, tal_transfer_state, tal_transfer_error, tal_transfer_attempts "
        "FROM account_move ORDER BY id"
    )
    before = q(db, state_sql)
    sample = c1_moves[:3] + [picks["missing_file"]]
    for method, args in (
        ("action_tal_transfer_now", [sample]),
        ("action_tal_transfer_retry", [sample]),
        ("action_tal_transfer_exclude", [sample]),
        ("tal_transfer_dashboard", []),
    ):
        try:
            server.rpc(BILLING, "account.move", method, args)
            problems.append(f"NO ACCESS ERROR: billing user could call {method}")
        except RpcError as error:
            if error.name != "odoo.exceptions.AccessError":
                problems.append(f"WRONG ERROR for {method} by billing user: {error}")
    if q(db, state_sql) != before:
        problems.append("STATE CHANGED by a user without rights")

    # During the run: company 2's folder, an attachment, an invoice (a process
    # of its own, as superuser: DMS access rules would stop admin over RPC).
    if target == "documents":
        folder_op, folder_action = (
            ["archive", "documents.document", int(other_folder)],
            "archived",
        )
    else:
        folder_op, folder_action = (
            ["unlink", "dms.directory", int(other_folder)],
            "deleted",
        )
    (mutator,), go = start_together(
        h,
        db,
        "mutate",
        [
            {
                "task": "mutate",
                "ops": [
                    folder_op,
                    ["unlink", "ir.attachment", deleted_att],
                    ["draft_unlink", "account.move", picks["invoice_deleted"]],
                ],
            }
        ],
    )
    wait_progress(h, db, 0)
    states_at_go = dict(
        q(
            db,
            "SELECT id, tal_transfer_state FROM account_move WHERE id = ANY(%s)",
            [[picks["attachment_deleted"], picks["invoice_deleted"]]],
        )
    )
    go()
    h.wait_proc(mutator, 120)
    h.task_result(mutator)
    mid = handled_count(db)
    drain(h, db, server, h.profile["timeout"])

    # A file added to a transferred invoice: transferred too, once.
    late = h.task(
        db,
        "add_attachments",
        {
            "attachments": [
                {
                    "move_id": picks["late_attachment"],
                    "name": "late annex.pdf",
                    "size": 3000,
                }
            ]
        },
    )["attachments"]
    added += late
    if (
        q1(
            db,
            "SELECT tal_transfer_state FROM account_move WHERE id = %s",
            [picks["late_attachment"]],
        )
        != "pending"
    ):
        problems.append("LATE ATTACHMENT did not put its invoice back to pending")
    drain(h, db, server, h.profile["timeout"])

    # Expected outcomes
    def state(move_id):
        return q(
            db,
            "SELECT tal_transfer_state, coalesce(tal_transfer_error, '') FROM account_move "
            "WHERE id = %s",
            [move_id],
        )

    expect = {
        "missing_file": ("failed", "missing from the filestore"),
        "empty_file": ("failed", "is empty"),
        "big_file": ("done", ""),
        "weird_name": ("done", ""),
        "attachment_deleted": ("done", ""),
        "late_attachment": ("done", ""),
    }
    for key, (want_state, want_text) in expect.items():
        rows = state(picks[key])
        got = rows[0] if rows else None
        if not got or got[0] != want_state or want_text not in got[1]:
            problems.append(
                f"UNEXPECTED {key} (invoice {picks[key]}): {got}, expected {want_state} "
                f"'{want_text}'"
            )
    if state(picks["invoice_deleted"]):
        problems.append("DELETED INVOICE still exists")
    c2_states = Counter(
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_state FROM account_move WHERE id = ANY(%s)",
            [moves["c2"]],
        )
    )
    c2_errors = {
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_error FROM account_move WHERE id = ANY(%s) "
            "AND tal_transfer_state = 'failed'",
            [moves["c2"]],
        )
    }
    if c2_states.get("failed", 0) == 0 or any(
        folder_action not in (e or "") for e in c2_errors
    ):
        problems.append(
            f"COMPANY 2 (folder {folder_action} during the run): {dict(c2_states)} {c2_errors}"
        )
    c3_errors = {
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_error FROM account_move WHERE id = ANY(%s)",
            [moves["c3"]],
        )
    }
    c3_states = Counter(
        r[0]
        for r in q(
            db,
            "SELECT tal_transfer_state FROM account_move WHERE id = ANY(%s)",
            [moves["c3"]],
        )
    )
    if set(c3_states) != {"failed"} or any(
        "belongs to company" not in (e or "") for e in c3_errors
    ):
        problems.append(
            f"COMPANY 3 (another company's folder): {dict(c3_states)} {c3_errors}"
        )
    bad_ids = {picks["missing_file"], picks["empty_file"], *moves["c2"], *moves["c3"]}
    other_failed = q(
        db,
        "SELECT id, tal_transfer_error FROM account_move WHERE tal_transfer_state = 'failed' "
        "AND NOT id = ANY(%s)",
        [list(bad_ids)],
    )
    for move_id, error in other_failed:
        problems.append(f"GOOD INVOICE FAILED: {move_id}: {error[:120]}")
    # the weird name reached the target in a usable form
    if target == "dms":
        name = q1(
            db, "SELECT f.name FROM dms_file f WHERE f.attachment_id = %s", [added[2]]
        )
    else:
        name = q1(
            db,
            "SELECT d.name FROM documents_document d WHERE d.attachment_id = %s",
            [added[2]],
        )
    if not name:
        problems.append("WEIRD NAME: no document for it")

    counts, violations = check_invariant(
        h,
        db,
        snap,
        deleted_attachments=[deleted_att],
        deleted_moves=[picks["invoice_deleted"]],
        missing_files=[missing_att],
        added_attachments=added,
    )
    after_run = dict(counts)

    # Recovery: fix the folders, retry the failed ones as a manager.
    server.stop()
    if target == "documents":
        q(
            db,
            "UPDATE documents_document SET active = true WHERE id = %s",
            [int(other_folder)],
        )
        h.configure(db, target)
    else:
        # the deleted root is gone: company 2 gets its spare one
        h.configure(db, target, folders={c2: h.meta["folders"]["dms_spare"][str(c2)]})
    server.start()
    failed = [
        r[0]
        for r in q(
            db, "SELECT id FROM account_move WHERE tal_transfer_state = 'failed'"
        )
    ]
    server.rpc(MANAGER, "account.move", "action_tal_transfer_retry", [failed])
    drain(h, db, server, h.profile["timeout"])
    server.stop()
    counts2, violations2 = check_invariant(
        h,
        db,
        snap,
        deleted_attachments=[deleted_att],
        deleted_moves=[picks["invoice_deleted"]],
        missing_files=[missing_att],
        added_attachments=added,
    )
    still_failed = {
        r[0]: r[1]
        for r in q(
            db,
            "SELECT id, tal_transfer_error FROM account_move "
            "WHERE tal_transfer_state = 'failed'",
        )
    }
    expected_failed = {picks["missing_file"], picks["empty_file"]}
    if set(still_failed) != expected_failed:
        problems.append(
            f"AFTER RECOVERY failed {sorted(still_failed)[:10]}, expected {sorted(expected_failed)[:10]}"
        )
    violations += [f"(after recovery) {v}" for v in violations2]
    violations += problems
    violations += log_problems(server.log_text())
    if set(states_at_go.values()) != {"pending"}:
        log(
            f"note: invoices changed mid-run were not all pending when changed: {states_at_go}"
        )
    counts = dict(
        after_run,
        recovered_done=counts2.get("done", 0),
        recovered_failed=counts2.get("failed", 0),
    )
    tried = [
        "missing file",
        "empty file",
        f"{h.profile['big_file_mb']} MB file",
        "weird 300-char name",
        "attachment deleted mid-run",
        "invoice deleted mid-run",
        f"folder {folder_action} mid-run",
        "other company's folder",
        "user without rights (4 calls)",
        "file added after transfer",
    ]
    h.figures["bad inputs"] += len(tried)
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        f"{len(tried)} bad inputs ({', '.join(tried)}), deleted at {mid}",
    )


def scenario_target_missing(h, target):
    """4. The target app missing: a database without Documents nor DMS."""
    db = h.clone("noapp", template=h.base)
    h.limit_backlog(db, 80)
    snap = snapshot(h, db)
    results = {}
    violations = []
    for configured, text in (
        ("auto", "No document app is installed"),
        ("dms", "'dms' chosen in the settings is not installed"),
    ):
        q(
            db,
            "UPDATE account_move SET tal_transfer_state = 'pending', tal_transfer_error = NULL, "
            "tal_transfer_attempts = 0 WHERE tal_transfer_state IS NOT NULL",
        )
        h.configure(db, configured)
        result = h.task(
            db,
            "cron_loop",
            {"timeout": h.profile["timeout"]},
            log_name=f"{db}.{configured}.log",
        )
        results[configured] = result
        if result["errors"]:
            violations.append(f"WORKER ERROR ({configured}): {result['errors'][:3]}")
        errors = Counter(
            r[0]
            for r in q(
                db,
                "SELECT tal_transfer_error FROM account_move "
                "WHERE tal_transfer_state IS NOT NULL",
            )
        )
        states = Counter(
            r[0]
            for r in q(
                db,
                "SELECT tal_transfer_state FROM account_move "
                "WHERE tal_transfer_state IS NOT NULL",
            )
        )
        if set(states) != {"failed"} or any(text not in (e or "") for e in errors):
            violations.append(
                f"target '{configured}': states {dict(states)}, errors {list(errors)[:3]}"
            )
    counts, inv = check_invariant(h, db, snap)
    violations = inv + violations
    h.figures["bad inputs"] += 2
    h.dropdb(db)
    return (
        counts,
        violations,
        "target 'auto' without app and 'dms' not installed: all failed with a clear error",
    )


def scenario_upgrade_uninstall(h, target):
    """5. -u mid-backlog keeps every state; uninstall keeps invoices,
    attachments and documents."""
    db = h.clone(f"upg_{target}")
    h.configure(db, target)
    snap = snapshot(h, db)
    server = OdooServer(h, db, "upg").start()
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
    if counts.get("failed") or counts.get("pending"):
        violations.append(
            f"NOT DONE: {counts.get('failed')} failed, {counts.get('pending')} pending"
        )
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


# ------------------------------------------------------------------ main -----


def main():
    parser = argparse.ArgumentParser(
        description="tal_invoice_transfer end-to-end harness"
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="the full run (2,000+ invoices, 20 kills per target)",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--keep", action="store_true", help="keep databases and data (debugging)"
    )
    parser.add_argument(
        "--only", help="comma-separated scenario names to run (name or name:target)"
    )
    parser.add_argument(
        "--reuse", help=argparse.SUPPRESS
    )  # development: a --keep run's folder
    parser.add_argument(
        "--no-pg-restart",
        action="store_true",
        help="skip the PostgreSQL restart (it disturbs everyone on the machine)",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    profile = "full" if args.full else "reduced"
    if os.environ.get("E2E_NO_PG_RESTART") == "1":
        args.no_pg_restart = True

    lock = open(LOCK_FILE, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another e2e run holds {LOCK_FILE}; waiting (up to 30 min)")
        deadline = time.time() + 1800
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.time() > deadline:
                    print(
                        "FAIL e2e: another run kept the lock for 30 min\n0 passed, 1 failed"
                    )
                    return 1
                time.sleep(5)

    h = Harness(profile, seed, args.keep, args.reuse)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    t0 = time.time()
    log(f"e2e {profile} run, seed {seed}, logs in {h.work}")
    plan = [
        (scenario_kill_random, "kill_random", "dms"),
        (scenario_kill_random, "kill_random", "documents"),
        (scenario_concurrent, "concurrent", "dms"),
        (scenario_concurrent, "concurrent", "documents"),
        (scenario_bad_input, "bad_input", "dms"),
        (scenario_bad_input, "bad_input", "documents"),
        (scenario_target_missing, "target_missing", None),
        (scenario_pg_restart, "pg_restart", "dms"),
    ]
    plan += [
        (scenario_upgrade_uninstall, "upgrade_uninstall", t)
        for t in h.profile["upgrade_targets"]
    ]
    if args.no_pg_restart:
        plan = [p for p in plan if p[1] != "pg_restart"]
    if args.only:
        only = set(args.only.split(","))
        plan = [p for p in plan if p[1] in only or f"{p[1]}:{p[2]}" in only]
    interrupted = False
    try:
        if not args.reuse:
            h.drop_stale()
        try:
            h.build_templates()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            print(f"FAIL setup: could not build the template databases: {exc}")
            h.results.append({"name": "setup", "passed": False, "violations": 0})
            plan = []
        for func, name, target in plan:
            h.run_scenario(func, name, target)
    except KeyboardInterrupt as exc:
        interrupted = True
        print(f"FAIL e2e: interrupted ({exc}); cleaning up", flush=True)
        h.results.append({"name": "interrupted", "passed": False, "violations": 0})
    finally:
        h.cleanup()
    wall = time.time() - t0
    passed = sum(1 for r in h.results if r["passed"])
    failed = len(h.results) - passed
    f = h.figures
    print(f"\n=== e2e {profile} summary (seed {seed}) ===")
    print(f"scenarios: {len(h.results)} ({passed} passed, {failed} failed)")
    print(
        f"invoices checked: {f['invoices']} (template backlog {h.profile['count']}+"
        f"{h.profile['count_c2']}+{h.profile['count_c3']})"
    )
    kill_where = ", ".join(
        f"{v} {k[6:]}" for k, v in sorted(f.items()) if k.startswith("kills ")
    )
    print(f"SIGKILLs: {f['kills']} ({kill_where})")
    print(f"concurrent workers: {f['concurrent workers']}")
    print(f"bad inputs tried: {f['bad inputs']}")
    print(f"PostgreSQL restarts: {1 if h.pg_restarted else 0}")
    print(f"violations found: {f['violations']}")
    print(f"wall time: {wall:.0f}s (templates {f['template_seconds']}s)")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and not interrupted else 1


if __name__ == "__main__":
    sys.exit(main())
