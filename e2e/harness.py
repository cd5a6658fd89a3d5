"""The run of the e2e harness: its work folder, databases, processes and
template databases, and what scenarios use to set up their clone.

The harness does not import Odoo: Odoo's own Python runs e2e/odoo_task.py
for what needs the ORM, and everything is checked with SQL.
"""

import json
import os
import random
import re
import shutil
import time
from collections import Counter

import psycopg2

from harness_tools import addon
from harness_tools import db as dbtools
from harness_tools.db import q, q1
from harness_tools.odoo import OdooServer, odoo_cmd, run_odoo, run_task, task_result
from harness_tools.procs import PortPool, ProcessGroup

from .settings import ADDONS_PATH, DB_PREFIX, PORTS, PROFILES, RUNS_DIR, TASK_MODULE


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Harness:
    def __init__(self, profile_name, seed, keep, reuse=None):
        self.profile_name = profile_name
        self.profile = PROFILES[profile_name]
        self.seed = seed
        self.rng = random.Random(seed)
        self.keep = keep
        self.run_id = f"{os.getpid()}"
        self.work = os.path.join(
            RUNS_DIR, time.strftime("%Y%m%d_%H%M%S") + f"_{self.run_id}"
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
        self.procs = ProcessGroup(cwd=self.work)
        self.ports = PortPool(PORTS)
        self.results = []
        self.meta = {}
        self.base = self.full = None
        self.figures = Counter()
        self.pg_restarted = False

    # --- naming, processes -------------------------------------------------

    def dbname(self, suffix):
        return f"{DB_PREFIX}{self.run_id}_{suffix}"[:63]

    def filestore(self, db):
        return dbtools.filestore(self.data_dir, db)

    def wait_proc(self, proc, timeout):
        return self.procs.wait(proc, timeout)

    def task(self, db, name, args=None, timeout=600, background=False, log_name=None):
        """Run e2e/odoo_task.py's task `name` on `db` (see harness_tools.odoo.run_task)."""
        return run_task(
            self.procs,
            TASK_MODULE,
            db,
            name,
            args,
            addons_path=ADDONS_PATH,
            data_dir=self.data_dir,
            logfile=os.path.join(self.work, log_name or f"{db}.task-{name}.log"),
            conf=self.conf,
            timeout=timeout,
            background=background,
        )

    @staticmethod
    def task_result(proc):
        return task_result(proc)

    def odoo(self, db, args, logfile, timeout):
        """`odoo ARGS --stop-after-init` on `db` (install, upgrade)."""
        cmd = odoo_cmd(
            db,
            ADDONS_PATH,
            self.data_dir,
            f"--http-port={self.ports.take()}",
            "--max-cron-threads=0",
            "--log-level=warn",
            "--stop-after-init",
            *args,
            conf=self.conf,
        )
        run_odoo(self.procs, cmd, os.path.join(self.work, logfile), timeout)

    def server(self, db, label, cron_threads=1):
        """A real Odoo server on `db`: threaded, `cron_threads` cron threads."""
        return OdooServer(
            self.procs,
            self.ports,
            db,
            ADDONS_PATH,
            self.data_dir,
            os.path.join(self.work, f"{db}.{label}.server.log"),
            conf=self.conf,
            cron_threads=cron_threads,
            extra_args=("--db_maxconn=16",),
        )

    # --- databases -----------------------------------------------------------

    def createdb(self, name, template=None):
        self.dbs.append(name)
        if template:
            dbtools.clone_db(template, name, self.data_dir, filestore_copy="hardlink")
        else:
            dbtools.create_db(name)

    def dropdb(self, name):
        if self.keep:
            return  # --keep: every database stays for debugging (cleanup lists them)
        try:
            dbtools.drop_db(name, self.data_dir)
        except psycopg2.Error as error:
            log(f"could not drop database {name}: {error}")
        if name in self.dbs:
            self.dbs.remove(name)

    def cleanup(self):
        self.procs.kill_all(wait=10)
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
        runs = sorted(os.listdir(RUNS_DIR))
        for old in runs[:-5]:
            shutil.rmtree(os.path.join(RUNS_DIR, old), ignore_errors=True)

    @staticmethod
    def drop_stale():
        """Databases of earlier runs whose harness died without cleaning up."""
        for name in dbtools.databases_like(DB_PREFIX.replace("_", "\\_") + "%"):
            match = re.match(rf"{DB_PREFIX}(\d+)_", name)
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
                try:
                    dbtools.drop_db(name)
                except psycopg2.Error as error:
                    log(f"could not drop database {name}: {error}")

    # --- templates -------------------------------------------------------------

    def build_templates(self):
        """`base`: account + the addon, three companies, users, the backlog;
        `full`: base + dms + the Documents stand-in, a folder per company."""
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
            # The scenarios file the invoices' own files, as the addon's
            # tests do: the PDF maker (issue 27) is switched on by the
            # scenarios that test it (kill_during_pdf_renders), which
            # render the PDFs of a backlog of their own.
            q(db, "UPDATE res_company SET tal_transfer_make_pdf = false")
        self.figures["template_seconds"] = round(time.time() - t0)
        log(f"templates ready in {time.time() - t0:.0f}s")

    # --- a scenario's clone ------------------------------------------------------

    def clone(self, suffix, template=None):
        name = self.dbname(suffix)
        self.createdb(name, template=template or self.full)
        return name

    def configure(self, db, target, folders=None, plan=None):
        """Target parameter, each company's folder and filing plan (None: the
        tree each target made before plans), set with SQL before any server
        starts (no cache to invalidate)."""
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
                "UPDATE res_company SET tal_transfer_folder_ref = %s, "
                "tal_transfer_filing_plan = %s WHERE id = %s",
                [ref, plan, company_id],
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
            addon.CRON_XMLID.split("."),
        )

    def worker_cron_ids(self, db):
        """The transfer's scheduled actions, one per parallel worker (active
        ones, the first worker's included)."""
        return [
            cron_id
            for (cron_id,) in q(
                db,
                "SELECT c.id FROM ir_cron c JOIN ir_act_server s "
                "ON s.id = c.ir_actions_server_id WHERE s.code LIKE %s AND c.active",
                [addon.WORKER_CODE_LIKE],
            )
        ]

    def set_parallel_workers(self, db, count):
        """The Parallel workers setting, saved as the settings do (a task run
        before any server starts): one scheduled action per worker."""
        self.task(db, "set_parallel_workers", {"count": count})

    def make_cron_ready(self, db):
        """nextcall = now in SQL for every worker's scheduled action (never
        re-activating one: an archived one must show), then wake the cron
        threads (what _trigger() does)."""
        q(
            db,
            "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') - interval '1 minute' "
            "WHERE id = ANY(%s)",
            [[self.cron_id(db), *self.worker_cron_ids(db)]],
        )
        self.wake_crons(db)

    @staticmethod
    def wake_crons(db):
        """Wake the cron threads of every server (they LISTEN on the
        'postgres' database, odoo/service/server.py): they look for the jobs
        that are due, and run none that is not."""
        q("postgres", "SELECT pg_notify('cron_trigger', %s)", [db])
