"""Missing invoice PDFs made under SIGKILL (issue 27): a backlog of posted
customer invoices WITHOUT any file (invoices, refunds, receipts), a few
vendor bills without files and a few invoices of the template's backlog with
their files, for contrast. Two parallel workers (one server, two cron
threads, the real scheduler) render their batches in one wkhtmltopdf run
each before they lock the invoices; the server is SIGKILLed at random
moments while they render, store and file, restarted, until nothing is
pending.

A kill may lose the renders of the batches under way, never more: every
posted customer invoice ends done with exactly one official PDF
(`invoice_pdf_report_file`) filed by exactly one document, which shows its
own invoice; no vendor bill and no invoice out of scope gets one; nothing
is marked sent, no main attachment is set, no chatter message is posted.

When each kill lands, in turn (the profile's `pdf_kills` kills):
- "render": a wkhtmltopdf of the server is running, plus 0-3 s (a kill
  after its end hits the storing of that batch);
- "filing": the workers have committed 1-6 invoices since the server
  started (their batches rendered): mid-batch, between the invoices'
  transactions or inside one;
- "commit": as "filing", then as soon as a session of the server is
  committing (up to 2 s).

The servers render with the report's style sheets: `report.url` is the
server's own address (one port for all its starts). The harness makes the
jobs due without waiting for a running one (a job holds its ir_cron row for
its whole render). A scheduled action whose jobs keep saying "processed no
record" while no wkhtmltopdf ever starts and invoices wait for their PDF is
reported STALLED at once. Once the backlog is done, jobs still running (a
worker rendering invoices the other one filed) are waited for up to
END_WAIT s, then killed; the figures say how long they ran on, how many
renders failed on a concurrent update and how many ERROR lines the log has.
"""

import os
import re
import time
from collections import Counter

from harness_tools.db import q
from harness_tools.procs import HarnessError, PortPool, wait_until

from ..harness import log
from ..invariant import check_made_pdfs, pdf_snapshot, run_all_done, snapshot
from ..steps import (
    backend_states,
    classify,
    handled_count,
    kill_when_committing,
    pending_count,
)

WORKERS = 2
MOMENTS = ("render", "filing", "commit", "render")
# Customer invoices, refunds and receipts without files; every fifth a vendor bill.
MOVE_TYPES = ("out_invoice", "out_invoice", "out_refund", "out_receipt", "in_invoice")
# A render is expected within this of the server's start (a busy machine).
RENDER_WAIT = 120
# Once the backlog is done, jobs still running are waited for this long,
# then the server is killed (it has nothing left to lose).
END_WAIT = 30
# A wkhtmltopdf run of the transfer is stopped after 60 s + 1 s per invoice.
ORPHAN_LIMIT = 60 + 40 + 20
# Jobs of a server that say "processed no record" while invoices wait for
# their PDF and no wkhtmltopdf has started: the scheduled action is stuck.
STUCK_JOBS = 10


def targets(profile):
    return ("dms", "documents")


def render_pids(server, sessions=None):
    """The wkhtmltopdf processes of the server (its session; or of the
    sessions `sessions`, the server's earlier starts) that render (not
    Odoo's `wkhtmltopdf --version`)."""
    pids = []
    if sessions is None:
        sessions = {server.proc.pid} if server.proc else set()
    if not sessions:
        return pids
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            comm = stat[stat.find("(") + 1 : stat.rfind(")")]
            fields = stat[stat.rfind(")") + 2 :].split()
            if (
                not comm.startswith("wkhtmltopdf")
                or int(fields[3]) not in sessions
                or fields[0] == "Z"
            ):
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if len([a for a in args if a]) > 2 and b"--version" not in args:
            pids.append(int(entry))
    return pids


def waiting_for_pdf(db):
    """Pending invoices that still want their official PDF made."""
    return q(
        db,
        "SELECT count(*) FROM account_move m WHERE m.tal_transfer_state = 'pending' "
        "AND m.move_type IN ('out_invoice', 'out_refund', 'out_receipt') "
        "AND NOT EXISTS (SELECT 1 FROM ir_attachment a WHERE a.res_model = "
        "'account.move' AND a.res_id = m.id AND a.res_field = 'invoice_pdf_report_file')",
    )[0][0]


def make_ready(h, db):
    """The workers' scheduled actions due now, then the cron threads woken;
    never waiting for a job that runs (it holds its ir_cron row: Harness.
    make_cron_ready would wait for the job to end, a render included)."""
    q(
        db,
        "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') - interval '1 minute' "
        "WHERE id IN (SELECT id FROM ir_cron WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED)",
        [[h.cron_id(db), *h.worker_cron_ids(db)]],
    )
    h.wake_crons(db)


class Stuck(HarnessError):
    """The scheduled action runs and makes no PDF."""


def _wait(h, db, server, what, ready, tail, timeout=RENDER_WAIT):
    """Until ready(); Stuck when the jobs keep processing nothing while no
    wkhtmltopdf ever started."""
    seen = {"render": False, "idle_jobs": 0}

    def check():
        if ready():
            return True
        seen["render"] = seen["render"] or bool(render_pids(server))
        seen["idle_jobs"] += len(re.findall(r"\) processed no record", tail.read()))
        if (
            not seen["render"]
            and seen["idle_jobs"] >= STUCK_JOBS
            and waiting_for_pdf(db)
        ):
            raise Stuck(
                f"{seen['idle_jobs']} jobs of the scheduled action 'processed no record' "
                f"and no wkhtmltopdf started, {pending_count(db)} invoices pending "
                f"({waiting_for_pdf(db)} waiting for their PDF), while waiting for {what}"
            )
        if not server.alive():
            raise HarnessError(f"server exited, see {server.logfile}")
        return False

    wait_until(
        check,
        timeout,
        what,
        interval=0.01,
        on_idle=lambda: make_ready(h, db),
        idle_every=2.0,
    )


class LogTail:
    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0

    def read(self):
        if not os.path.exists(self.path):
            return ""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        return data.decode(errors="replace")


def _jobs_ended(db, server, timeout):
    """Until the server runs no job (no render, no transaction open) for a
    second: a graceful stop closes the connections under a running job,
    which Odoo logs as a failed server action. HarnessError after
    `timeout` s."""
    quiet = {"since": None}

    def ended():
        busy = render_pids(server) or any(
            state in ("active", "idle in transaction")
            for state, _q in backend_states(db, server.proc.pid)
        )
        if busy:
            quiet["since"] = None
            return False
        quiet["since"] = quiet["since"] or time.time()
        return time.time() - quiet["since"] > 1

    wait_until(ended, timeout, "the jobs to end", interval=0.1)


def _kill_once(h, db, server, moment):
    """Start the server, wait for the moment, SIGKILL it; where it was."""
    before = handled_count(db)
    tail = LogTail(server.logfile)
    server.start()
    make_ready(h, db)
    if moment == "render":
        _wait(h, db, server, "a render", lambda: bool(render_pids(server)), tail)
        time.sleep(h.rng.uniform(0, 3))
    else:
        # a batch is filed in about a second: land inside it, after a few
        # of its invoices
        filed = before + h.rng.randint(1, 6)
        _wait(
            h,
            db,
            server,
            "invoices filed",
            lambda: handled_count(db) >= filed or not pending_count(db),
            tail,
        )
    states = backend_states(db, server.proc.pid)
    if moment == "commit":
        states, rendering = kill_when_committing(
            db, server, 2, lambda: bool(render_pids(server))
        )
    else:
        rendering = bool(render_pids(server))
        server.kill()
    return "during a render" if rendering else classify(states)


def run(h, target):
    p = h.profile
    db = h.clone(f"pdfkill_{target}")
    h.configure(db, target)
    c1 = h.meta["companies"][0]
    # A few invoices of the template's backlog, with their files, stay in
    # scope (customer ones get their official PDF too); companies 2 and 3
    # are out of scope (no PDF may be made for them).
    h.limit_backlog(db, p["pdf_with_files"])
    q(
        db,
        "UPDATE account_move SET tal_transfer_state = NULL WHERE company_id != %s",
        [c1],
    )
    q(db, "UPDATE res_company SET tal_transfer_make_pdf = true")
    port = h.ports.take()
    q(db, "DELETE FROM ir_config_parameter WHERE key = 'report.url'")
    q(
        db,
        "INSERT INTO ir_config_parameter (key, value) VALUES ('report.url', %s)",
        [f"http://127.0.0.1:{port}"],
    )
    made = h.task(
        db,
        "invoices_without_files",
        {
            "count": p["pdf_backlog"],
            "company_id": c1,
            "seed": h.seed + 27,
            "move_types": MOVE_TYPES,
            "workers": WORKERS,
        },
    )
    snap = snapshot(h, db)
    before = pdf_snapshot(db)
    total = pending_count(db)
    in_scope = handled_count(db) + total
    to_render = waiting_for_pdf(db)
    log(
        f"{len(made['moves'])} invoices without files added; {total} pending, "
        f"{to_render} of them waiting for their PDF"
    )
    server = h.server(db, "pdfkill", cron_threads=WORKERS)
    server.ports = PortPool([port])  # report.url: the server's own address
    t0 = time.time()
    where, stuck = Counter(), None
    # wkhtmltopdf runs left by a killed server (the addon runs them under
    # coreutils' timeout, in a process group of their own: they end at
    # their time limit at the latest)
    orphans, sessions = set(), set()
    after_done, killed_after_done = 0.0, 0
    try:
        for number in range(p["pdf_kills"]):
            if not pending_count(db):
                break
            moment = MOMENTS[number % len(MOMENTS)]
            at = handled_count(db)
            where[_kill_once(h, db, server, moment)] += 1
            sessions.add(server.proc.pid)
            time.sleep(0.3)
            orphans.update(render_pids(server, sessions))
            log(
                f"kill {number + 1} ({moment}): handled {at} -> {handled_count(db)} "
                f"of {in_scope}, {waiting_for_pdf(db)} waiting for their PDF"
            )
        log(f"{where.total()} kills ({dict(where)}); finishing the backlog")
        tail = LogTail(server.logfile)
        server.start()
        _wait(
            h,
            db,
            server,
            "the backlog to be done",
            lambda: not pending_count(db),
            tail,
            timeout=p["timeout"],
        )
        done_at = time.time()
        try:
            _jobs_ended(db, server, END_WAIT)
        except HarnessError:
            # A job still renders invoices that are done: killed, it loses
            # nothing (counted apart from the kills above).
            server.kill()
            sessions.add(server.proc.pid)
            killed_after_done = 1
        after_done = time.time() - done_at
    except Stuck as error:
        stuck = str(error)
        log(f"STUCK: {stuck}")
    server.stop()
    wall = time.time() - t0
    text = server.log_text()
    counts, violations = run_all_done(
        h, db, snap, text, killed=True, official_pdfs=True
    )
    if stuck:
        violations.insert(0, f"STALLED: {stuck}")
    pdf_counts, pdf_violations = check_made_pdfs(h, db, snap, before, target)
    violations += pdf_violations
    # Orphans end at their time limit (60 s + 1 s per invoice at most).
    orphans_end = time.time()
    try:
        wait_until(
            lambda: not render_pids(server, sessions),
            ORPHAN_LIMIT,
            "the killed servers' renders to end",
        )
    except HarnessError:
        violations.append(
            f"ORPHAN RENDERS: wkhtmltopdf {render_pids(server, sessions)} of killed "
            f"servers still running {ORPHAN_LIMIT}s after the backlog was done"
        )
    orphans_end = time.time() - orphans_end
    counts.update(pdf_counts)
    counts.update(
        jobs_running_after_done_s=round(after_done),
        orphan_renders=len(orphans),
        orphan_wait_at_end_s=round(orphans_end),
        killed_after_done=killed_after_done,
        renders_failed_on_concurrent_update=len(
            re.findall(r"not rendered: SerializationFailure", text)
        ),
        error_log_lines=len(re.findall(r"^\S+ \S+ \d+ ERROR ", text, re.M)),
        kills=where.total(),
        restarts=server.starts,
        backlog=total,
        pdfs_to_make=to_render,
    )
    h.figures["kills"] += where.total()
    h.figures["invoices"] += counts.get("invoices", 0)
    h.figures["pdfs made"] += counts.get("pdfs_made", 0)
    for key, value in where.items():
        h.figures[f"kills {key}"] += value
    h.dropdb(db)
    detail = ", ".join(f"{v} {k}" for k, v in sorted(where.items()))
    return (
        counts,
        violations,
        (
            f"{where.total()} kills ({detail}), {counts.get('pdfs_made', 0)} of "
            f"{to_render} PDFs made, {wall:.0f}s"
        ),
    )
