# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

from .ir_cron import MANUAL_RUN_USER

_logger = logging.getLogger(__name__)

KEEP_DAYS_PARAM = "tal_invoice_transfer.run_keep_days"
KEEP_DAYS_DEFAULT = 90
MAX_ERRORS_KEPT = 10
# Consecutive scheduled runs closer than this are one run for a person.
CONTINUE_WITHIN = timedelta(minutes=2)
# A run not updated for this long died with its process.
STALE_AFTER = timedelta(hours=1)


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
    done_count = fields.Integer(string="Transferred", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    nothing_count = fields.Integer(string="Nothing to Transfer", readonly=True)
    skipped_count = fields.Integer(
        string="Skipped",
        readonly=True,
        help="Taken by another worker, or no longer pending when their turn came.",
    )
    retry_count = fields.Integer(
        string="To Retry",
        readonly=True,
        help="Met a busy database; they stay pending for the next run.",
    )
    duration = fields.Float(
        string="Duration (s)", compute="_compute_rate", store=True, digits=(16, 1)
    )
    rate = fields.Float(
        string="Invoices / Minute",
        compute="_compute_rate",
        store=True,
        digits=(16, 1),
        aggregator="avg",
    )
    first_errors = fields.Text(readonly=True)

    @api.depends(
        "date_start", "date_end", "done_count", "failed_count", "nothing_count"
    )
    def _compute_rate(self):
        for run in self:
            end = run.date_end or fields.Datetime.now()
            seconds = (end - run.date_start).total_seconds() if run.date_start else 0
            handled = run.done_count + run.failed_count + run.nothing_count
            run.duration = seconds
            run.rate = handled * 60 / seconds if seconds > 0 else 0

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
        """
        runs = self.sudo()
        now = fields.Datetime.now()
        cron_id = self.env.context.get("cron_id") if trigger == "cron" else False
        if cron_id:
            # A run of this action still 'running' died with its process.
            runs.search([("cron_id", "=", cron_id), ("state", "=", "running")]).write(
                {"state": "interrupted"}
            )
            previous = runs.search(
                [
                    ("cron_id", "=", cron_id),
                    ("state", "=", "done"),
                    ("date_end", ">=", now - CONTINUE_WITHIN),
                ],
                limit=1,
            )
            # A run someone asked for is a run of its own.
            if previous and not MANUAL_RUN_USER.get():
                previous.write({"state": "running", "date_end": False})
                return previous
        return runs.create(
            {
                "date_start": now,
                "trigger": trigger,
                # "Run Manually" runs the job as its user: name who clicked.
                "user_id": MANUAL_RUN_USER.get() or self.env.uid,
                "cron_id": cron_id,
            }
        )

    def _tal_add(self, stats, errors=(), final=False):
        """Add a batch of outcomes; with `final`, close the run."""
        self.ensure_one()
        kept = (self.first_errors or "").splitlines()
        kept += [e for e in errors if e not in kept][: MAX_ERRORS_KEPT - len(kept)]
        vals = {
            "done_count": self.done_count + stats.get("done", 0),
            "failed_count": self.failed_count + stats.get("failed", 0),
            "nothing_count": self.nothing_count + stats.get("no_attachment", 0),
            "skipped_count": self.skipped_count + stats.get("skipped", 0),
            "retry_count": self.retry_count + stats.get("pending", 0),
            "first_errors": "\n".join(kept) or False,
        }
        if final:
            vals.update(state="done", date_end=fields.Datetime.now())
        try:
            with self.env.cr.savepoint():
                self.write(vals)
        except Exception:  # noqa: BLE001 - the history must never stop a transfer
            _logger.warning("Could not update transfer run %s", self.id, exc_info=True)

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
