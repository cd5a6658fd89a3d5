# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta

from odoo import api, fields, models

MAIN_CRON = "tal_invoice_transfer.ir_cron_tal_invoice_transfer"
# Each worker is a scheduled action waiting for a cron thread, and the
# workers share one PostgreSQL: more than this is a typo, not a deployment.
MAX_PARALLEL_WORKERS = 16
WORKERS_PARAM = "tal_invoice_transfer.parallel_workers"
# The scheduled action of worker K > 1 calls the engine with worker=K.
WORKER_CODE = "model._cron_transfer(worker=%d)"
WORKER_RE = re.compile(r"worker=(\d+)")
# See _tal_rescue_after_timeout.
RESCUE_AFTER = timedelta(minutes=2)


class TalInvoiceTransferScheduler(models.AbstractModel):
    """The transfer's scheduled actions: one per parallel worker.

    Odoo runs one job of a scheduled action at a time, wherever it runs (it
    locks the action's row), so N workers are N scheduled actions calling the
    engine. They share the backlog: each invoice is locked with SKIP LOCKED.
    Any Odoo server of the database runs them, in its cron threads.
    """

    _name = "tal.invoice.transfer.scheduler"
    _description = "Invoice Files Transfer Scheduled Actions"

    @api.model
    def _tal_main_cron(self):
        cron = self.env.ref(MAIN_CRON, raise_if_not_found=False)
        return (cron or self.env["ir.cron"]).sudo()

    @api.model
    def _tal_current_cron(self):
        """The scheduled action running this call, if the scheduler runs it."""
        return self.env["ir.cron"].sudo().browse(self.env.context.get("cron_id"))

    @api.model
    def _tal_parallel_workers(self):
        # Read from the table, not the cached parameters: a worker that wrongly
        # believed itself surplus would archive itself.
        self.env["ir.config_parameter"].flush_model(["key", "value"])
        self.env.cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s", [WORKERS_PARAM]
        )
        row = self.env.cr.fetchone()
        value = row and row[0]
        try:
            return min(max(int(value or 1), 1), MAX_PARALLEL_WORKERS)
        except ValueError:
            return 1

    @api.model
    def _tal_worker_crons(self):
        """{worker number: scheduled action}, archived ones included."""
        crons = (
            self.env["ir.cron"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("model_id.model", "=", "tal.invoice.transfer"),
                    ("code", "=like", "model._cron_transfer(%"),
                ]
            )
        )
        workers = {}
        for cron in crons:
            match = WORKER_RE.search(cron.code)
            workers.setdefault(int(match.group(1)) if match else 1, cron)
        return workers

    @api.model
    def _tal_sync_workers(self):
        """Keep one active scheduled action per parallel worker.

        The first one is the addon's own; the others copy it. Surplus ones are
        archived, except one running now: the engine sees it is surplus at its
        next call and the scheduler archives it then.
        """
        main = self._tal_main_cron()
        if not main:
            return
        wanted = self._tal_parallel_workers()
        crons = self._tal_worker_crons()
        for number in range(2, wanted + 1):
            cron = crons.get(number)
            if not cron:
                crons[number] = main.copy(
                    {
                        "name": self.env._(
                            "%(name)s (worker %(number)s)",
                            name=main.name,
                            number=number,
                        ),
                        "code": WORKER_CODE % number,
                        "active": main.active,
                        "nextcall": fields.Datetime.now(),
                    }
                )
            elif not cron.active and main.active:
                cron.active = True
        surplus = self.env["ir.cron"].sudo()
        for number, cron in crons.items():
            if number > wanted and cron.active:
                surplus |= cron
        surplus.try_lock_for_update(allow_referencing=True).write({"active": False})

    @api.model
    def _tal_trigger_workers(self, pending=False):
        """Start every worker now, if the backlog holds work for them.

        :param pending: the caller knows invoices are pending (no count)
        """
        if not pending and not self.env["tal.invoice.transfer"]._pending_count():
            return
        wanted = self._tal_parallel_workers()
        for number, cron in self._tal_worker_crons().items():
            if number <= wanted and cron.active:
                cron._trigger()

    @api.model
    def _tal_next_run(self):
        """When the next worker job is due (its next call or a trigger)."""
        wanted = self._tal_parallel_workers()
        crons = self.env["ir.cron"].sudo()
        for number, cron in self._tal_worker_crons().items():
            if number <= wanted and cron.active:
                crons |= cron
        if not crons:
            return False
        trigger = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search([("cron_id", "in", crons.ids)], order="call_at", limit=1)
        )
        dates = [*crons.mapped("nextcall"), *trigger.mapped("call_at")]
        return min(dates)

    @api.model
    def _tal_rescue_after_timeout(self, cron):
        """Bring a worker back soon after Odoo took its job for a timed out one.

        That is a server killed three times in a row before the job reported
        any progress (OOM, a supervisor restarting it in a loop): Odoo counts
        a failure and postpones the action an interval (an hour). With
        invoices pending, a trigger a little later brings it back instead.
        A code error is not a timeout: Odoo's hourly retry stays for it.
        """
        if cron not in self._tal_worker_crons().values():
            return
        if self.env["tal.invoice.transfer"]._pending_count():
            cron.sudo()._trigger(fields.Datetime.now() + RESCUE_AFTER)
