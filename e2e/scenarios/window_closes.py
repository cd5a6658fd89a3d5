"""Working hours that close in the middle of a run (issue 25): company 1's
hours (UTC, no weekends) end at the next minute boundary at least 20 s
away, and the pace limit makes the backlog outlast them. When they close,
the worker stops after its current invoice; nothing of the backlog moves
afterwards, while invoices posted today still go; a trigger waits at the
next opening. Then the hours are lifted and the backlog ends done,
exactly once."""

import time
from datetime import datetime, timedelta, timezone

from harness_tools.db import q, q1
from harness_tools.procs import HarnessError, wait_until

from ..harness import log
from ..invariant import run_all_done, snapshot
from ..steps import drain, wait_handled

PACE = 180  # invoices a minute: the 266 invoices take about 90 s
RECENT = 6  # invoices "posted today" once the hours are closed


def targets(profile):
    return ("dms",)


def hours(moment):
    return moment.hour + moment.minute / 60


def run(h, target):
    db = h.clone(f"window_{target}")
    h.configure(db, target)
    c1 = h.meta["companies"][0]
    # The invoices' own files only: under the scheduler's 10-s jobs the PDF
    # maker renders nothing (its 10-s margin), a matter of its own.
    q(db, "UPDATE res_company SET tal_transfer_make_pdf = FALSE")
    # The whole backlog was posted long ago (the template posted it today).
    q(db, "UPDATE account_move SET tal_transfer_posted_date = NULL")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    close = (now + timedelta(seconds=80)).replace(second=0, microsecond=0)
    if close - now < timedelta(seconds=20):
        close += timedelta(minutes=1)
    opening = now - timedelta(hours=1)
    q(
        db,
        "UPDATE res_company SET tal_transfer_window = TRUE,"
        " tal_transfer_window_start = %s, tal_transfer_window_end = %s,"
        " tal_transfer_window_weekends = FALSE, tal_transfer_window_tz = 'UTC',"
        " tal_transfer_recent_days = 1 WHERE id = %s",
        [hours(opening), hours(close), c1],
    )
    q(
        db,
        "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
        ["tal_invoice_transfer.pace_per_minute", str(PACE)],
    )
    snap = snapshot(h, db)
    c1_moves = h.meta["moves"]["c1"]
    server = h.server(db, "window", cron_threads=1).start()
    violations = []
    t0 = time.time()
    h.make_cron_ready(db)
    wait_handled(h, db, 5, 120, "the first invoices")

    def c1_handled():
        return q1(
            db,
            "SELECT count(*) FROM account_move WHERE id = ANY(%s)"
            " AND tal_transfer_state IN ('done', 'failed', 'no_attachment')",
            [c1_moves],
        )

    # Until the hours close; the worker is kept awake meanwhile.
    close_ts = close.replace(tzinfo=timezone.utc).timestamp()
    wait_until(
        lambda: time.time() >= close_ts,
        150,
        "the working hours to close",
        interval=0.2,
        on_idle=lambda: h.make_cron_ready(db),
        idle_every=5.0,
    )
    at_close = c1_handled()
    left = q1(
        db,
        "SELECT count(*) FROM account_move WHERE id = ANY(%s)"
        " AND tal_transfer_state = 'pending'",
        [c1_moves],
    )
    log(f"hours closed at {close:%H:%M:%S} UTC: {at_close} of company 1 handled")
    if not left:
        raise HarnessError("company 1's backlog was done before its hours closed")
    # The scheduled action woken (its hourly call, a trigger) moves nothing.
    for _ in range(8):
        h.make_cron_ready(db)
        time.sleep(1)
    late = c1_handled() - at_close
    if late > 1:
        violations.append(
            f"WINDOW: {late} backlog invoices of company 1 handled after its hours "
            "closed (at most the one under way)"
        )
    # Invoices posted today still go, outside the hours.
    recent = [
        row[0]
        for row in q(
            db,
            "SELECT id FROM account_move WHERE id = ANY(%s)"
            " AND tal_transfer_state = 'pending' ORDER BY id DESC LIMIT %s",
            [c1_moves, RECENT],
        )
    ]
    q(
        db,
        "UPDATE account_move SET tal_transfer_posted_date = now() at time zone 'UTC'"
        " WHERE id = ANY(%s)",
        [recent],
    )
    h.make_cron_ready(db)
    try:
        wait_until(
            lambda: not q1(
                db,
                "SELECT count(*) FROM account_move WHERE id = ANY(%s)"
                " AND tal_transfer_state = 'pending'",
                [recent],
            ),
            60,
            "today's invoices to go outside the hours",
            on_idle=lambda: h.make_cron_ready(db),
        )
    except HarnessError as error:
        violations.append(f"RECENT: {error}")
    still = c1_handled() - at_close - late - len(recent)
    if still > 0:
        violations.append(f"WINDOW: {still} backlog invoices went with today's")
    # A trigger at the next opening (tomorrow, at the hours' start).
    next_opening = (opening + timedelta(days=1)).replace(second=0, microsecond=0)
    triggers = q1(
        db,
        "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND call_at = %s",
        [h.cron_id(db), next_opening],
    )
    if not triggers:
        violations.append(
            f"OPENING: no trigger of the scheduled action at {next_opening} UTC"
        )
    # The hours lifted: the rest goes, exactly once.
    q(db, "UPDATE res_company SET tal_transfer_window = FALSE")
    q(
        db,
        "DELETE FROM ir_config_parameter WHERE key = 'tal_invoice_transfer.pace_per_minute'",
    )
    drain(h, db, server, h.profile["timeout"])
    wall = time.time() - t0
    server.stop()
    counts, more = run_all_done(h, db, snap, server.log_text(), killed=False)
    violations += more
    counts.update(
        handled_at_close=at_close,
        backlog_after_close=late,
        recent_outside_hours=len(recent),
        opening_triggers=triggers,
    )
    h.figures["invoices"] += counts.get("invoices", 0)
    h.dropdb(db)
    return (
        counts,
        violations,
        (
            f"pace {PACE}/min, hours closed at {close:%H:%M:%S} UTC with {at_close} "
            f"of company 1 handled and {left} pending: {late} more after, "
            f"{len(recent)} posted today went, trigger at {next_opening:%H:%M} UTC "
            f"tomorrow, {wall:.0f}s"
        ),
    )
