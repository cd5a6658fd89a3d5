"""The PDF benchmark (`bash benchmarks/run.sh --pdf [--quick | --full]`): the
addon making the missing official PDFs of a backlog of customer invoices
without files, through Odoo's scheduler, against Odoo's own batch render of
the same invoices (the floor) and one render per invoice, with the patched
wkhtmltopdf and Debian's unpatched one; and the memory per PDF batch size.
See benchmarks/README.md ("PDF benchmark").

wkhtmltopdf loads the report's CSS from Odoo (`report.url`): the servers of
a scheduler run serve it themselves (the first server's address); the
references and the direct runs, which have no HTTP server, get it from one
"asset server" (a clone of the PDF backlog served by an Odoo server without
cron threads) for the whole run."""

import json
import os
import re
import shutil
import subprocess
import threading
import time
from datetime import datetime

import psycopg2

from harness_tools import addon
from harness_tools.db import q, q1
from harness_tools.odoo import OdooServer, run_task
from harness_tools.procs import (
    START_HEADER,
    HarnessError,
    PortPool,
    ProcessGroup,
    proc_children_cpu_s,
)

from .backlog import (
    clone_backlog,
    drop_db,
    ensure_stock_addons,
    set_target,
    snapshot_addons,
)
from .pdf_report import ratios, render_markdown, save
from .pdf_tasks import styled, styled_text
from .scheduler import _measure
from .settings import DATA_DIR, HERE, PORTS, bench_cmd, db_name, log, pdf_backlog_db

PDF_TASK_MODULE = "benchmarks.pdf_tasks"
TARGETS = ("documents", "dms")
# Per profile: worker counts through the scheduler at each backlog size; the
# invoices of the one-render-per-invoice references and of the unpatched
# runs (`sample`), and of each direct run of the memory part (`memory`).
PLANS = {
    "quick": {"runs": {1000: (1, 2)}, "sample": 200, "memory": 240},
    "default": {"runs": {1000: (1, 2)}, "sample": 200, "memory": 240},
    "full": {"runs": {1000: (1, 2), 10000: (1, 2)}, "sample": 200, "memory": 480},
}
# PDF batch sizes of the memory part (invoices per wkhtmltopdf run).
BATCHES = (10, 20, 40, 80)
# The parts of a run (--pdf-parts picks some): the addon through the
# scheduler, Odoo's batch render (the floor), one render per invoice, the
# unpatched wkhtmltopdf, the memory per batch size.
PARTS = ("scheduler", "floor", "single", "unpatched", "memory")
# Odoo's own batch for Send (account.pdf_generation_batch): the floor's.
FLOOR_BATCH = 80
UNPATCHED = "/usr/bin/wkhtmltopdf"
# A scheduler run where no invoice moves for this long has stalled (a batch
# of 80 renders in about 10 s here, one invoice alone in 2-3 s).
STALL_TIMEOUT = 180
# With --pdf-set, one run of the addon as shipped first: its first batch is
# done in 10-20 s here.
SHIPPED_STALL_TIMEOUT = 90
TASK_TIMEOUT = 4 * 3600
ASSET_SERVER_DB = "a_pdf_assets"
# Python reads it at start-up when its folder leads PYTHONPATH (--pdf-set).
SITE_DIR = os.path.join(HERE, "pdf_site")
BINARY_LINE = re.compile(r"Will use the Wkhtmltopdf binary at (\S+)")


# ----------------------------------------------------------------------
# Which wkhtmltopdf, which constants: the processes' environment
# ----------------------------------------------------------------------


def _version(binary):
    out = subprocess.run([binary, "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def wkhtmltopdf_envs(constants):
    """{"patched": env, "unpatched": env or None}: the environments of the
    Odoo processes (Odoo takes the first wkhtmltopdf on PATH, once per
    process), with the constants of --pdf-set."""
    path = os.environ.get("PATH", "").split(os.pathsep)
    patched = shutil.which("wkhtmltopdf")
    if not patched or "patched qt" not in _version(patched):
        raise SystemExit(
            "the first wkhtmltopdf on PATH is not the patched build "
            "(scripts/odoo_env.sh puts $ODOO_HOME/wkhtmltox/bin first)"
        )
    base = dict(os.environ)
    if constants:
        base["TAL_BENCH_CONSTANTS"] = json.dumps(constants)
        old = base.get("PYTHONPATH")
        base["PYTHONPATH"] = SITE_DIR + (os.pathsep + old if old else "")
    envs = {
        "patched": dict(base, PATH=os.pathsep.join([os.path.dirname(patched), *path])),
        "unpatched": None,
    }
    if os.path.exists(UNPATCHED):
        # Without the folders of any other wkhtmltopdf.
        keep = [
            d
            for d in path
            if not os.path.exists(os.path.join(d, "wkhtmltopdf"))
            or os.path.realpath(os.path.join(d, "wkhtmltopdf"))
            == os.path.realpath(UNPATCHED)
        ]
        if os.path.dirname(UNPATCHED) not in keep:
            keep.append(os.path.dirname(UNPATCHED))
        env = dict(base, PATH=os.pathsep.join(keep))
        if shutil.which("wkhtmltopdf", path=env["PATH"]) == UNPATCHED:
            envs["unpatched"] = env
    return envs


def parse_constants(text):
    """--pdf-set NAME=VALUE,...: {module: {NAME: value}} (the engine's
    PDF_CHUNK and CANDIDATE_BATCH, else the PDF maker's)."""
    out = {}
    for item in filter(None, (text or "").split(",")):
        name, _sep, value = item.partition("=")
        module = (
            addon.ENGINE_MODULE
            if name in ("PDF_CHUNK", "CANDIDATE_BATCH")
            else addon.PDF_MODULE
        )
        out.setdefault(module, {})[name.strip()] = json.loads(value)
    return out


def set_report_url(db, url):
    """Where wkhtmltopdf loads the report's CSS from (plain SQL on a clone,
    before any Odoo process reads it)."""
    q(
        db,
        "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, "
        "create_date, write_date) VALUES ('report.url', %s, 1, 1, "
        "now() at time zone 'UTC', now() at time zone 'UTC') "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [url],
    )


def addon_pdf_batch():
    """PDF_BATCH of the addon's snapshot (what the scheduler runs use)."""
    path = os.path.join(
        ensure_stock_addons(),
        "tal_invoice_transfer",
        "models",
        "tal_invoice_transfer_pdf.py",
    )
    with open(path) as f:
        return int(re.search(r"^PDF_BATCH = (\d+)", f.read(), re.M).group(1))


# ----------------------------------------------------------------------
# What a scheduler run adds: wkhtmltopdf's memory and CPU, the PDFs made
# ----------------------------------------------------------------------


class WkhtmltopdfWatch:
    """During a scheduler run: every 0.25 s, the wkhtmltopdf processes the
    servers started, directly or under coreutils' timeout (the largest one,
    all at once; the invoices of each run, from its command line); at the
    end, the CPU time of the servers' finished children (their wkhtmltopdf
    runs, counted through `timeout` once it has waited for them)."""

    INTERVAL = 0.25

    def start(self, pids):
        self.pids = set(pids)
        self.cpu0 = {pid: proc_children_cpu_s(pid) for pid in self.pids}
        self.peak_kb = self.peak_total_kb = 0
        self.seen = set()
        self.batches = {}  # invoices per run: runs seen
        self.others = set()
        self.figures = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping.wait(self.INTERVAL):
            total = 0
            for entry in os.listdir("/proc"):
                if not entry.isdigit() or entry in self.others:
                    continue
                try:
                    with open(f"/proc/{entry}/comm") as f:
                        comm = f.read().strip()
                    if comm != "wkhtmltopdf":
                        # A python may be about to exec wkhtmltopdf.
                        if not comm.startswith(("python", "timeout")):
                            self.others.add(entry)
                        continue
                    with open(f"/proc/{entry}/status") as f:
                        status = dict(
                            line.split(":", 1) for line in f.read().splitlines()
                        )
                except (OSError, ValueError):
                    continue
                if not self._from_servers(int(status["PPid"])):
                    continue
                rss = int(status.get("VmRSS", "0 kB").split()[0])
                if entry not in self.seen:
                    # Its invoices: one HTML body file each on its command line.
                    try:
                        with open(f"/proc/{entry}/cmdline", "rb") as f:
                            bodies = f.read().count(b"report.body.tmp.")
                        self.batches[bodies] = self.batches.get(bodies, 0) + 1
                    except OSError:
                        pass
                self.seen.add(entry)
                self.peak_kb = max(self.peak_kb, rss)
                total += rss
            self.peak_total_kb = max(self.peak_total_kb, total)

    def _from_servers(self, ppid, depth=3):
        """Whether `ppid` is a server or, up to `depth` levels, one of its
        descendants (the addon runs wkhtmltopdf under coreutils' timeout)."""
        for _level in range(depth):
            if ppid in self.pids:
                return True
            try:
                with open(f"/proc/{ppid}/status") as f:
                    ppid = int(
                        next(line for line in f if line.startswith("PPid:")).split()[1]
                    )
            except (OSError, StopIteration, ValueError):
                return False
        return ppid in self.pids

    def stop(self):
        self.stopping.set()
        self.thread.join()
        cpu = sum(proc_children_cpu_s(pid) - self.cpu0[pid] for pid in self.pids)
        self.figures = {
            "wkhtmltopdf_peak_mb": round(self.peak_kb / 1024, 1),
            "wkhtmltopdf_peak_all_mb": round(self.peak_total_kb / 1024, 1),
            "wkhtmltopdf_runs_seen": len(self.seen),
            "invoices_per_run_seen": dict(sorted(self.batches.items())),
            "wkhtmltopdf_cpu_s": round(cpu, 2),
        }
        return self.figures


def pdf_checks(db, sample=20):
    """The PDFs the run made: invoices with an official PDF, made by the
    addon, failed on their PDF; whether a sample of them is styled (the
    report's CSS loaded: its font is named in the PDF)."""
    made, official, pdf_failed = q(
        db,
        """
        SELECT count(*) FILTER (WHERE m.tal_transfer_pdf_report_id IS NOT NULL),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM ir_attachment a WHERE a.res_model = 'account.move'
                      AND a.res_id = m.id AND a.res_field = 'invoice_pdf_report_file')),
               count(*) FILTER (WHERE m.tal_transfer_error_kind = 'pdf')
          FROM account_move m WHERE m.tal_transfer_state IS NOT NULL
        """,
    )[0]
    files = q(
        db,
        "SELECT store_fname FROM ir_attachment WHERE res_model = 'account.move' "
        "AND res_field = 'invoice_pdf_report_file' ORDER BY id LIMIT %s",
        [sample],
    )
    looks = []
    store = os.path.join(DATA_DIR, "filestore", db)
    for (fname,) in files:
        try:
            with open(os.path.join(store, fname), "rb") as f:
                looks.append(styled(f.read()))
        except OSError:
            looks.append(False)
    return {
        "pdfs_made": made,
        "official_pdfs": official,
        "pdf_errors": pdf_failed,
        "styled_sample": styled_text(looks),
    }


def stalled_figures(db):
    """What a stalled run did before it stalled: invoices done, failed (on
    their PDF), and the rate between its first and its last invoice done."""
    done, failed, pdf_errors, first, last = q(
        db,
        """
        SELECT count(*) FILTER (WHERE tal_transfer_state = 'done'),
               count(*) FILTER (WHERE tal_transfer_state = 'failed'),
               count(*) FILTER (WHERE tal_transfer_error_kind = 'pdf'),
               min(tal_transfer_date), max(tal_transfer_date)
          FROM account_move WHERE tal_transfer_state IS NOT NULL
        """,
    )[0]
    span = (last - first).total_seconds() if first and last else 0
    return {
        "done_before_stall": done,
        "failed_before_stall": failed,
        "pdf_errors": pdf_errors,
        "ms_per_invoice_while_moving": round(span * 1000 / (done - 1), 1)
        if done > 1 and span
        else None,
    }


def binaries_used(workdir, label, servers):
    """The wkhtmltopdf each server said it uses (its log, this start only)."""
    used = []
    for i in range(servers):
        try:
            with open(f"{workdir}/{label}.server{i}.log", errors="replace") as f:
                text = f.read().rsplit(START_HEADER, 1)[-1]
        except OSError:
            text = ""
        match = BINARY_LINE.search(text)
        used.append(match.group(1) if match else None)
    return used


def scheduler_run(
    src_db, target, workers, workdir, label, size, env, stall_timeout=STALL_TIMEOUT
):
    """One PDF run through the scheduler (scheduler._measure): the report's
    CSS from the first server, the servers' wkhtmltopdf by their PATH.
    Tried again (3 times in all) if it fails, not if it stalls: a stall is
    the addon's, and is reported with what was done before it."""
    watcher = WkhtmltopdfWatch()
    for attempt in range(3):
        try:
            run = _measure(
                src_db,
                target,
                workers,
                workdir,
                label,
                size=size,
                filestore_copy="hardlink",
                server_env=env,
                before_start=lambda db, ports: set_report_url(
                    db, f"http://127.0.0.1:{ports[0]}"
                ),
                watcher=watcher,
                more_checks=pdf_checks,
                stall_timeout=stall_timeout,
            )
            break
        except (
            RuntimeError,
            HarnessError,
            psycopg2.Error,
            subprocess.CalledProcessError,
        ) as error:
            db = db_name("s_", label)
            if "no invoice finished" in str(error):
                run = {
                    "label": label,
                    "target": target,
                    "size": size,
                    "workers": workers,
                    "stalled": str(error),
                    **stalled_figures(db),
                    "watch": getattr(watcher, "figures", {}),
                    "binaries": binaries_used(workdir, label, min(workers, 2)),
                    "load_avg": os.getloadavg(),
                }
                drop_db(db)
                log(f"{label}: STALLED ({error}): {run}")
                return run
            drop_db(db)
            log(f"{label} failed ({error}); attempt {attempt + 1} of 3")
            time.sleep(5)
    else:
        raise RuntimeError(f"{label} failed 3 times")
    run.pop("samples", None)
    run["binaries"] = binaries_used(workdir, label, run["servers"])
    watch = run.get("watch", {})
    if run["processed"]:
        run["wkhtmltopdf_cpu_ms_per_invoice"] = round(
            watch.get("wkhtmltopdf_cpu_s", 0) * 1000 / run["processed"], 1
        )
        run["cpu_all_ms_per_invoice"] = round(
            run["cpu_ms_per_invoice"] + run["wkhtmltopdf_cpu_ms_per_invoice"], 1
        )
    run["ok"] = (
        run["ok"]
        and run["pdfs_made"] == run["invoices"]
        and run["official_pdfs"] == run["invoices"]
    )
    log(
        f"{label}: PDFs made {run['pdfs_made']}, styled {run['styled_sample']}, "
        f"wkhtmltopdf {run['binaries']}, runs seen {watch.get('wkhtmltopdf_runs_seen')} "
        f"{watch.get('invoices_per_run_seen')}, peak {watch.get('wkhtmltopdf_peak_mb')} "
        f"MB (all {watch.get('wkhtmltopdf_peak_all_mb')})"
    )
    return run


# ----------------------------------------------------------------------
# Direct runs: the references and the memory per batch size
# ----------------------------------------------------------------------


class AssetServer:
    """An Odoo server without cron threads on a clone of the PDF backlog:
    serves the report's CSS to the runs that have no HTTP server."""

    def __init__(self, src_db, workdir):
        self.src_db, self.workdir = src_db, workdir
        self.db = db_name(ASSET_SERVER_DB, "")
        self.procs = ProcessGroup()
        self.server = None

    def __enter__(self):
        clone_backlog(self.src_db, self.db, filestore_copy="hardlink")
        self.server = OdooServer(
            self.procs,
            PortPool(PORTS),
            self.db,
            ensure_stock_addons(),
            DATA_DIR,
            f"{self.workdir}/asset_server.log",
            cron_threads=0,
            workers=0,
            log_level="warn",
        )
        self.server.start(wait=False)
        self.server.wait_ready(600)
        self.url = f"http://127.0.0.1:{self.server.port}"
        log(f"asset server for the direct runs: {self.url} ({self.db})")
        return self

    def __exit__(self, *exc):
        if self.server:
            self.server.stop()
        self.procs.kill_all(wait=10)
        drop_db(self.db)


def direct_run(task, src_db, label, args, env, assets, workdir):
    """A task of pdf_tasks.py on a fresh clone of `src_db`, the report's CSS
    from the asset server; the transfer's checks too for `transfer`."""
    db = db_name("d_", label)
    for attempt in range(3):
        try:
            clone_backlog(src_db, db, filestore_copy="hardlink")
            set_target(db, "documents")
            set_report_url(db, assets.url)
            procs = ProcessGroup()
            try:
                result = run_task(
                    procs,
                    PDF_TASK_MODULE,
                    db,
                    task,
                    args,
                    addons_path=ensure_stock_addons(),
                    data_dir=DATA_DIR,
                    logfile=f"{workdir}/{label}.log",
                    timeout=TASK_TIMEOUT,
                    env=env,
                )
            finally:
                procs.kill_all(wait=10)
            break
        except (HarnessError, psycopg2.Error, subprocess.CalledProcessError) as error:
            log(f"{label} failed ({error}); attempt {attempt + 1} of 3")
            time.sleep(5)
    else:
        raise RuntimeError(f"{label} failed 3 times")
    if task == "transfer":
        result.update(pdf_checks(db))
        result["done"] = q1(
            db, "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'done'"
        )
    drop_db(db)
    result.update(label=label, load_avg=os.getloadavg())
    log(
        f"{label}: {result['invoices']} invoices, {result['ms_per_invoice']} ms/inv, CPU "
        f"Odoo {result['odoo_cpu_ms_per_invoice']} + wkhtmltopdf "
        f"{result['wkhtmltopdf_cpu_ms_per_invoice']} + PG {result['pg_cpu_ms_per_invoice']} "
        f"ms/inv; RSS {result['rss_start_mb']}->{result['rss_peak_mb']} MB, wkhtmltopdf "
        f"peak {result['wkhtmltopdf_peak_mb']} MB; {result['wkhtmltopdf']['bin']}"
    )
    return result


# ----------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------


def plan_of(args):
    name = "quick" if args.quick else "full" if args.full else "default"
    plan = {"name": name, **PLANS[name]}
    if args.sizes or args.workers:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
        workers = (
            tuple(int(w) for w in args.workers.split(",")) if args.workers else (1, 2)
        )
        plan["runs"] = {size: workers for size in (sizes or plan["runs"])}
        plan["name"] += " (custom)"
    plan["parts"] = tuple(args.pdf_parts.split(",")) if args.pdf_parts else PARTS
    unknown = set(plan["parts"]) - set(PARTS)
    if unknown:
        raise SystemExit(f"--pdf-parts: unknown {sorted(unknown)}; parts: {PARTS}")
    # The floor at 10,000 costs as long as the addon's own run: by default
    # measured at every size, --pdf-floor-sizes limits it.
    plan["floor_sizes"] = (
        tuple(int(s) for s in args.pdf_floor_sizes.split(","))
        if args.pdf_floor_sizes
        else tuple(plan["runs"])
    )
    if args.pdf_sample:
        plan["sample"] = args.pdf_sample
    if args.pdf_memory_sample:
        plan["memory"] = args.pdf_memory_sample
    plan["targets"] = (
        tuple(args.pdf_targets.split(",")) if args.pdf_targets else TARGETS
    )
    plan["batches"] = (
        tuple(int(b) for b in args.pdf_batches.split(","))
        if args.pdf_batches
        else BATCHES
    )
    return plan


def prepare_pdf(size, rebuild=False):
    subprocess.run(
        bench_cmd("prepare", "--size", str(size), "--pdf")
        + (["--rebuild"] if rebuild else []),
        check=True,
    )
    return pdf_backlog_db(size)


def cmd_pdf(args):
    plan = plan_of(args)
    sizes = sorted(plan["runs"])
    t_run = time.perf_counter()
    addon_hash = snapshot_addons()
    subprocess.run(
        bench_cmd("template") + (["--rebuild"] if args.rebuild else []), check=True
    )
    constants = parse_constants(args.pdf_set)
    envs = wkhtmltopdf_envs(constants)
    shipped = wkhtmltopdf_envs({}) if constants else envs
    # The scheduler runs' PDF batch: the addon's, or the one --pdf-set gives.
    batch = constants.get(addon.PDF_MODULE, {}).get("PDF_BATCH") or addon_pdf_batch()
    patched = shutil.which("wkhtmltopdf", path=envs["patched"]["PATH"])
    report = {
        "started": datetime.now().strftime("%Y%m%d-%H%M%S"),
        "addon_hash": addon_hash,
        "machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()},
        "args": vars(args),
        "plan": json.loads(
            json.dumps({**plan, "runs": {str(k): v for k, v in plan["runs"].items()}})
        ),
        "sizes": sizes,
        "addon_pdf_batch": batch,
        "floor_batch": FLOOR_BATCH,
        "constants_set": constants,
        "wkhtmltopdf": {
            "patched": patched,
            "patched_version": _version(patched),
            "unpatched": UNPATCHED if envs["unpatched"] else None,
            "unpatched_version": _version(UNPATCHED) if envs["unpatched"] else None,
        },
        "runs": [],
        "direct": {},
    }
    workdir = os.path.join(DATA_DIR, "runs", "pdf-" + report["started"])
    os.makedirs(workdir, exist_ok=True)
    sample = plan["sample"]
    backlogs = {n: prepare_pdf(n, args.rebuild) for n in sorted({*sizes, sample})}
    direct = report["direct"]
    if constants:
        # The addon as shipped, once, to say whether the constants were needed.
        target = plan["targets"][0]
        label = f"pdf_{target}_{sample}_w1_as_shipped"
        log(f"scheduler: PDFs, the addon as shipped, {target}, {sample} invoices")
        run = scheduler_run(
            backlogs[sample],
            target,
            1,
            workdir,
            label,
            sample,
            shipped["patched"],
            stall_timeout=SHIPPED_STALL_TIMEOUT,
        )
        run["as_shipped"] = True
        report["runs"].append(run)
        save(report)
    parts = plan["parts"]
    with AssetServer(backlogs[sample], workdir) as assets:
        for size in sizes:
            for target in plan["targets"] if "scheduler" in parts else ():
                for workers in plan["runs"][size]:
                    label = f"pdf_{target}_{size}_w{workers}"
                    log(
                        f"scheduler: PDFs, {target}, {size} invoices, "
                        f"{workers} worker(s)"
                    )
                    report["runs"].append(
                        scheduler_run(
                            backlogs[size],
                            target,
                            workers,
                            workdir,
                            label,
                            size,
                            envs["patched"],
                        )
                    )
                    save(report)
            if "floor" in parts and size in plan["floor_sizes"]:
                # Odoo's batch render of the same invoices: at Odoo's batch,
                # at the addon's, and with Send's step after the render.
                floors = [(FLOOR_BATCH, False), (batch, False), (FLOOR_BATCH, True)]
                for b, hook in dict.fromkeys(floors):
                    key = f"floor_{size}_b{b}" + ("_send" if hook else "")
                    log(
                        f"floor: Odoo's batch render, {size} invoices, {b} per run"
                        + (", and Send's step after it" if hook else "")
                    )
                    direct[key] = direct_run(
                        "render",
                        backlogs[size],
                        key,
                        {"batch": b, "send_hook": hook},
                        envs["patched"],
                        assets,
                        workdir,
                    )
                    save(report)
            if size != sizes[0]:
                continue
            # The references right after the smallest backlog: a run killed
            # during a larger one still has every ratio of the smaller.
            if "single" in parts:
                log(f"one render per invoice (patched), {sample} invoices")
                direct["single_patched"] = direct_run(
                    "render",
                    backlogs[sample],
                    "single_patched",
                    {"batch": 1, "limit": sample},
                    envs["patched"],
                    assets,
                    workdir,
                )
                save(report)
            if "unpatched" in parts and not envs["unpatched"]:
                log(f"no {UNPATCHED}: the unpatched runs are skipped")
            elif "unpatched" in parts:
                target = plan["targets"][0]
                label = f"pdf_{target}_{sample}_w1_unpatched"
                log(f"scheduler: PDFs with {UNPATCHED}, {target}, {sample} invoices")
                run = scheduler_run(
                    backlogs[sample],
                    target,
                    1,
                    workdir,
                    label,
                    sample,
                    envs["unpatched"],
                )
                run["unpatched"] = True
                report["runs"].append(run)
                save(report)
                log(f"one render per invoice ({UNPATCHED}), {sample} invoices")
                direct["single_unpatched"] = direct_run(
                    "render",
                    backlogs[sample],
                    "single_unpatched",
                    {"batch": 1, "limit": sample},
                    envs["unpatched"],
                    assets,
                    workdir,
                )
                save(report)
        for b in plan["batches"] if "memory" in parts else ():
            key = f"memory_b{b}"
            log(
                f"memory: the addon called directly, PDF batch {b}, "
                f"{plan['memory']} invoices"
            )
            direct[key] = direct_run(
                "transfer",
                backlogs[sizes[0]],
                key,
                {"batch": b, "limit": plan["memory"]},
                envs["patched"],
                assets,
                workdir,
            )
            save(report)
    report["seconds_total"] = round(time.perf_counter() - t_run, 1)
    report["machine"]["load_avg_end"] = os.getloadavg()
    report["ratios"] = ratios(report)
    save(report)
    print(render_markdown(report))
