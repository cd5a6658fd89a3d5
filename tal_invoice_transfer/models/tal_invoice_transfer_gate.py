# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import math
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The pause: who paused the workers (a user id) and when; no row, no pause.
# Kept as parameters: they survive restarts and upgrades, and every server's
# workers read the row itself (see _tal_paused), never a cached copy.
PAUSED_BY_PARAM = "tal_invoice_transfer.paused_by"
PAUSED_AT_PARAM = "tal_invoice_transfer.paused_at"
# At most this many invoices a minute over all workers; none or 0: no limit.
PACE_PARAM = "tal_invoice_transfer.pace_per_minute"
# A worker waiting for its pace slot looks for a pause this often.
PAUSE_POLL_SECONDS = 1.0
# What a worker keeps of its job's time when it waits for a slot.
JOB_MARGIN_SECONDS = 1.0
# A slot this close is waited for even past the job's ten seconds: the job
# then ends "partly done" and the scheduler starts the next one at once. A
# later slot ends the job with a trigger for it, which the scheduler takes at
# its next poll (up to a minute): fine for slow paces only.
SHORT_WAIT_SECONDS = 10.0
# Outside a scheduled job (a shell calling the scheduled method), the
# longest wait for a slot.
MAX_WAIT_OUTSIDE_JOB = 60.0


class WorkerGate:
    """What one call of a scheduled worker may take, and when it stops.

    The engine asks it before each invoice: the working hours may have moved
    (the invoices allowed change), a pace slot may have to be waited for. The
    pause is read with the invoice's lock, in the same statement (see
    tal.invoice.transfer._lock), and while waiting for a slot.
    """

    def __init__(self, env, commit):
        self.env = env
        self.commit = commit
        self.cron_end = env.context.get("cron_end_time")
        # The pace needs a transaction of its own per slot: only in runs
        # that commit (the scheduled action).
        self.pace = env["tal.invoice.transfer.gate"]._tal_pace() if commit else 0
        # Why the call stopped early: "paused" or "pace"; and for the pace,
        # when its next slot is free (UTC).
        self.stopped = None
        self.resume_at = None
        self.cutoffs = {}
        self.until = None
        self.refresh()

    def refresh(self):
        """Read the working hours again: {company id: cutoff} of the
        companies whose invoices may go (see tal.invoice.transfer.window)."""
        company_ids = self.env["tal.invoice.transfer"]._ready_company_ids()
        self.cutoffs, self.until = self.env["tal.invoice.transfer.window"]._tal_states(
            company_ids
        )

    @property
    def any_window(self):
        """Whether some company's invoices go only in part (its window is
        closed now): without, the engine filters by company as before."""
        return any(cutoff is not None for cutoff in self.cutoffs.values())

    def moved(self):
        """Whether the working hours changed what may go since the last
        refresh (a window opened or closed)."""
        return self.until is not None and fields.Datetime.now() >= self.until

    def _end_transaction(self):
        if self.commit:
            # Reads only: the next statement starts a fresh snapshot, so a
            # pause committed meanwhile by another server is seen.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def paused(self):
        """Whether the transfer is paused now (ends the transaction)."""
        paused = self.env["tal.invoice.transfer.gate"]._tal_paused()
        self._end_transaction()
        if paused:
            self.stopped = "paused"
        return paused

    def render_room(self):
        """How many invoices this call may still take at the pace limit
        (None: no limit), counting every slot as this worker's."""
        if not self.pace:
            return None
        return max(1, math.ceil(self._budget() * self.pace / 60))

    def _budget(self):
        """How long this call may wait for its next slot, in seconds."""
        if self.cron_end is None:
            return MAX_WAIT_OUTSIDE_JOB
        left = self.cron_end - time.monotonic() - JOB_MARGIN_SECONDS
        return max(left, SHORT_WAIT_SECONDS)

    def wait_for_slot(self):
        """Before an invoice, with no work in the transaction: reserve a
        pace slot and wait for it. False: stop this call (paused meanwhile,
        or the next slot is beyond this job's time)."""
        if not self.pace:
            return True
        pace = self.env["tal.invoice.transfer.pace"]
        reserved, wait = pace._tal_reserve(self.pace, self._budget())
        if not reserved:
            self.stopped = "pace"
            self.resume_at = fields.Datetime.now() + timedelta(seconds=wait)
            return False
        return self._wait(wait)

    def _wait(self, seconds):
        """Sleep `seconds` holding no transaction, looking for a pause every
        second. False: paused meanwhile."""
        while seconds > 0:
            step = min(seconds, PAUSE_POLL_SECONDS)
            time.sleep(step)
            seconds -= step
            if seconds > 0 and self.paused():
                return False
        return True


class OpenGate:
    """The gate of a person's explicit request (Transfer Now, Retry): lets
    everything go, at once."""

    commit = False
    pace = 0
    stopped = None
    cutoffs = None

    def moved(self):
        return False

    def paused(self):
        return False

    def render_room(self):
        return None

    def refresh(self):
        pass


OPEN_GATE = OpenGate()


class TalInvoiceTransferGate(models.AbstractModel):
    """What lets the scheduled workers go: the pause, the pace limit (the
    working hours are tal.invoice.transfer.window's).

    Transfer Now and Retry on chosen invoices are a person's explicit
    request: they run in that person's request whatever these say.
    """

    _name = "tal.invoice.transfer.gate"
    _description = "Invoice Files Transfer Gate"

    @api.model
    def _tal_worker_gate(self, commit):
        return WorkerGate(self.env, commit)

    @api.model
    def _tal_paused(self):
        """Whether the workers are paused, read from the table: a pause
        saved by another server is seen at once, not when its caches are."""
        self.env["ir.config_parameter"].flush_model(["key"])
        self.env.cr.execute(
            "SELECT 1 FROM ir_config_parameter WHERE key = %s", [PAUSED_BY_PARAM]
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _tal_paused_sql(self):
        """The same as an expression, for the engine's lock statement."""
        return SQL(
            "EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = %s)",
            PAUSED_BY_PARAM,
        )

    @api.model
    def _tal_pause_info(self):
        """{"user": who paused, "date": when} or None."""
        params = self.env["ir.config_parameter"].sudo()
        by = params.get_param(PAUSED_BY_PARAM)
        if not by:
            return None
        return {
            "user": self.env["res.users"].sudo().browse(int(by)).exists(),
            "date": fields.Datetime.to_datetime(params.get_param(PAUSED_AT_PARAM)),
        }

    @api.model
    def _tal_pause(self):
        """Pause every worker after its current invoice (the caller checks
        the rights). Returns whether it was running."""
        if self._tal_paused():
            return False
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(
            PAUSED_AT_PARAM, fields.Datetime.to_string(fields.Datetime.now())
        )
        params.set_param(PAUSED_BY_PARAM, str(self.env.uid))
        _logger.info("Invoice files transfer paused by %s", self.env.user.login)
        return True

    @api.model
    def _tal_resume(self):
        """Let the workers go again, at once. Returns whether it was paused."""
        if not self._tal_paused():
            return False
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PAUSED_BY_PARAM, False)
        params.set_param(PAUSED_AT_PARAM, False)
        _logger.info("Invoice files transfer resumed by %s", self.env.user.login)
        self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers(by_user=True)
        return True

    @api.model
    def _tal_pace(self):
        """The pace limit (invoices a minute, over all workers), 0 for none;
        read from the table, as the pause."""
        self.env["ir.config_parameter"].flush_model(["key", "value"])
        self.env.cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s", [PACE_PARAM]
        )
        row = self.env.cr.fetchone()
        try:
            return max(int(row[0]), 0) if row and row[0] else 0
        except ValueError:
            return 0
