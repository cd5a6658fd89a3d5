# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import operator
import time
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

from .ir_cron import MANUAL_RUN_USER

_logger = logging.getLogger(__name__)

KEEP_DAYS_PARAM = "tal_invoice_transfer.run_keep_days"
KEEP_DAYS_DEFAULT = 90
# Consecutive scheduled runs closer than this are one run for a person.
CONTINUE_WITHIN = timedelta(minutes=2)
# A run not updated for this long died with its process.
STALE_AFTER = timedelta(hours=1)
# The dashboard's rate: the runs active in the last hour, else the latest.
RATE_WINDOW = timedelta(hours=1)
RATE_LAST_RUNS = 10
# A running run updated this recently is transferring now.
ALIVE_WITHIN = timedelta(minutes=2)
COMPARATORS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "!=": operator.ne,
}


class TalInvoiceTransferRun(models.Model):
    """One run of the transfer: the scheduled action, or a manual 'Transfer now'.

    The scheduler calls the action every few seconds while a backlog lasts;
    those back-to-back calls extend one run instead of leaving hundreds.
    """

    _name = "tal.invoice.transfer.run"
    _description = "Invoice Files Transfer Run"
    _order = "date_start desc, id desc"
    _rec_name = "date_start"

    date_start = fields.Datetime(string="Started", required=True, readonly=True)
    date_end = fields.Datetime(string="Ended", readonly=True)
    state = fields.Selection(
        selection=[
            ("running", "Running"),
            ("done", "Finished"),
            ("interrupted", "Interrupted"),
        ],
        required=True,
        readonly=True,
        default="running",
        index=True,
    )
    trigger = fields.Selection(
        selection=[("cron", "Scheduled action"), ("manual", "Transfer now")],
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Started By",
        readonly=True,
    )
    cron_id = fields.Many2one(
        comodel_name="ir.cron",
        string="Scheduled Action",
        readonly=True,
        ondelete="set null",
    )
    company_line_ids = fields.One2many(
        comodel_name="tal.invoice.transfer.run.company",
        inverse_name="run_id",
        string="Per Company",
        readonly=True,
    )
    # Counted from the invoices (each carries the last run that handled it),
    # over the companies the user may see: exact after any crash.
    done_count = fields.Integer(string="Transferred", compute="_compute_counts")
    failed_count = fields.Integer(
        string="Failed", compute="_compute_counts", search="_search_failed_count"
    )
    nothing_count = fields.Integer(
        string="Nothing to Transfer", compute="_compute_counts"
    )
    retry_count = fields.Integer(
        string="To Retry",
        compute="_compute_counts",
        help="Met a busy database; they stay pending for the next run.",
    )
    duration = fields.Float(
        string="Duration (s)",
        readonly=True,
        digits=(16, 3),
        help="Time spent transferring, in seconds: the scheduled action's calls "
        "that this run groups, without the waits between them.",
    )
    rate = fields.Float(
        string="Invoices / Minute", compute="_compute_counts", digits=(16, 1)
    )
    first_errors = fields.Text(compute="_compute_counts")

    def _compute_counts(self):
        figures = ("done_count", "failed_count", "nothing_count", "retry_count")
        # One grouped query for the whole list; the record rule keeps the
        # companies the user may not see out of it.
        lines = self.env["tal.invoice.transfer.run.company"].search(
            [("run_id", "in", self.ids)]
        )
        for run in self:
            own = lines.filtered(lambda line, run=run: line.run_id == run)
            for name in figures:
                run[name] = sum(own.mapped(name))
            handled = sum(own.mapped("handled_count"))
            run.rate = handled * 60 / run.duration if run.duration > 0 else 0
            run.first_errors = (
                "\n".join(line.first_errors for line in own if line.first_errors)
                or False
            )

    def _search_failed_count(self, operator, value):
        compare = COMPARATORS.get(operator)
        if compare is None or not isinstance(value, int):
            return NotImplemented
        # Failed invoices are few and indexed by state: count them per run
        # (over the user's companies, as the figures shown).
        counts = dict(
            self.env["account.move"]._read_group(
                [
                    ("tal_transfer_state", "=", "failed"),
                    ("tal_transfer_run_id", "!=", False),
                ],
                ["tal_transfer_run_id"],
                ["__count"],
            )
        )
        matching = [run.id for run, count in counts.items() if compare(count, value)]
        if compare(0, value):
            # Runs without failed invoices match too.
            excluded = [run.id for run in counts if run.id not in matching]
            return [("id", "not in", excluded)]
        return [("id", "in", matching)]

    @api.depends("date_start", "trigger")
    @api.depends_context("lang", "tz")
    def _compute_display_name(self):
        # "Scheduled action, 30/11/2026 20:33:12", not a raw timestamp.
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            run.display_name = ", ".join(
                part
                for part in (
                    triggers.get(run.trigger),
                    format_datetime(self.env, run.date_start) if run.date_start else "",
                )
                if part
            )

    @api.model
    def _tal_start(self, trigger):
        """Open a run, or continue the one this scheduled action just ended.

        Only the scheduler's own job continues or closes a run: it runs one job
        of an action at a time, so no other process writes that run. Other
        callers (a shell, a second worker) get a run of their own.

        The run comes back with its clock in its context: the time spent
        before this call, and when this call started.
        """
        runs = self.sudo()
        now = fields.Datetime.now()
        cron_id = self.env.context.get("cron_id") if trigger == "cron" else False
        run = runs.browse()
        if cron_id:
            runs._tal_close_interrupted(cron_id)
            run = runs.search(
                [
                    ("cron_id", "=", cron_id),
                    ("state", "=", "done"),
                    ("date_end", ">=", now - CONTINUE_WITHIN),
                ],
                limit=1,
            )
            # A run someone asked for is a run of its own.
            if run and not MANUAL_RUN_USER.get():
                run.write({"state": "running", "date_end": False})
            else:
                run = runs.browse()
        if not run:
            run = runs.create(
                {
                    "date_start": now,
                    "trigger": trigger,
                    # "Run Manually" runs the job as its user: name who clicked.
                    "user_id": MANUAL_RUN_USER.get() or self.env.uid,
                    "cron_id": cron_id,
                }
            )
        return run.with_context(tal_run_clock=(run.duration, time.monotonic()))

    @api.model
    def _tal_close_interrupted(self, cron_id):
        """A run of this action still 'running' died with its process."""
        self.sudo().search(
            [("cron_id", "=", cron_id), ("state", "=", "running")]
        ).write({"state": "interrupted"})

    def _tal_seconds(self):
        """Seconds spent in this run so far, this call included."""
        before, started = self.env.context.get("tal_run_clock") or (
            self.duration,
            time.monotonic(),
        )
        return before + time.monotonic() - started

    def _tal_progress(self, final=False):
        """Record the time spent (every few seconds, and at the end).

        The counts need no update: they are read from the invoices. With
        `final`, close the run.
        """
        self.ensure_one()
        vals = {"duration": self._tal_seconds()}
        if final:
            vals.update(state="done", date_end=fields.Datetime.now())
        try:
            with self.env.cr.savepoint():
                self.write(vals)
        except Exception:  # noqa: BLE001 - the history must never stop a transfer
            _logger.warning("Could not update transfer run %s", self.id, exc_info=True)

    @api.model
    def _tal_progress_figures(self, pending, pending_by_company=None):
        """Rate, estimated end and next run for the dashboard.

        The rate counts the invoices the recent runs handled (from the
        invoices, over the user's companies) over the time those runs spent
        transferring: idle time between runs does not dilute it. Each
        scheduled action is a worker: their rates add up. The estimate is
        given while work goes on, or waits for working hours; it counts the
        working hours and the pace limit. When the work waits for the
        scheduler, the next run's time is given. Paused: neither.

        :param pending_by_company: {company id: (pending invoices that go at
            any time, pending invoices that wait for its working hours)}
        """
        now = fields.Datetime.now()
        runs = self.sudo().search(
            [("write_date", ">=", now - RATE_WINDOW), ("duration", ">", 0)]
        ) or self.sudo().search([("duration", ">", 0)], limit=RATE_LAST_RUNS)
        totals = self.env["tal.invoice.transfer.run.company"]._tal_totals(runs)
        per_worker = defaultdict(lambda: [0, 0.0])
        for run in runs:
            worker = per_worker[run.cron_id.id or "manual"]
            worker[0] += totals[run.id]["handled_count"]
            worker[1] += run.duration
        scheduled = [key for key in per_worker if key != "manual"] or list(per_worker)
        rate = sum(
            per_worker[key][0] * 60 / per_worker[key][1]
            for key in scheduled
            if per_worker[key][1]
        )
        gate = self.env["tal.invoice.transfer.gate"]
        if gate._tal_paused():
            return {"rate": rate, "eta": False, "next_run": False}
        pace = gate._tal_pace()
        # The estimate goes no faster than the pace limit allows.
        speed = min(rate, pace) if pace and rate else rate
        next_run = self.env["tal.invoice.transfer.scheduler"]._tal_next_run()
        working = bool(
            self.sudo().search_count(
                [("state", "=", "running"), ("write_date", ">=", now - ALIVE_WITHIN)],
                limit=1,
            )
        ) or (next_run and next_run <= now)
        # Work that waits for working hours to open: it has a known start.
        window_model = self.env["tal.invoice.transfer.window"]
        windows = window_model._tal_windows(list(pending_by_company or {}))
        held = any(
            waiting and windows[company_id] and not windows[company_id].is_open(now)
            for company_id, (_anytime, waiting) in (pending_by_company or {}).items()
        )
        eta = False
        if pending and speed and (working or held):
            if pending_by_company is None:
                eta = now + timedelta(minutes=pending / speed)
            else:
                eta = window_model._tal_eta(speed, pending_by_company, now=now)
        return {
            "rate": rate,
            "eta": eta or False,
            "next_run": next_run if pending and not working else False,
        }

    @api.autovacuum
    def _gc_old_runs(self):
        self.env.cr.execute(
            SQL(
                """UPDATE tal_invoice_transfer_run SET state = 'interrupted'
                    WHERE state = 'running' AND write_date < %s""",
                fields.Datetime.now() - STALE_AFTER,
            )
        )
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(KEEP_DAYS_PARAM)
            or KEEP_DAYS_DEFAULT
        )
        self.env.cr.execute(
            SQL(
                """DELETE FROM tal_invoice_transfer_run
                    WHERE date_start < %s AND state != 'running'""",
                fields.Datetime.now() - timedelta(days=days),
            )
        )
