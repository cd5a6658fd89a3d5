# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat

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
        compat.try_lock_for_update(surplus, allow_referencing=True).write(
            {"active": False}
        )

    @api.model
    def _tal_active_workers(self):
        """The scheduled actions of the workers the setting asks for."""
        wanted = self._tal_parallel_workers()
        crons = self.env["ir.cron"].sudo()
        for number, cron in self._tal_worker_crons().items():
            if number <= wanted and cron.active:
                crons |= cron
        return crons

    @api.model
    def _tal_trigger_workers(self, pending=False, by_user=False):
        """Start every worker now, if the backlog holds work for them; when
        its work waits for working hours, at their opening.

        Never while paused: Resume starts them.

        :param pending: the caller knows invoices are pending that may go
            now (no count)
        :param by_user: a person asked for it (settings saved, Resume, a
            large selection queued): told when the backlog is done
        """
        if self.env["tal.invoice.transfer.gate"]._tal_paused():
            return
        engine = self.env["tal.invoice.transfer"]
        if not pending:
            cutoffs, _until = self.env["tal.invoice.transfer.window"]._tal_states(
                engine._ready_company_ids()
            )
            if not engine._pending_count(cutoffs=cutoffs):
                if engine._pending_count():
                    if by_user:
                        self.env["tal.invoice.transfer.backlog"]._tal_open(
                            self.env.user
                        )
                    self._tal_trigger_at_openings()
                return
        if by_user:
            self.env["tal.invoice.transfer.backlog"]._tal_open(self.env.user)
        for cron in self._tal_active_workers():
            cron._trigger()

    @api.model
    def _tal_trigger_workers_soon(self):
        """_tal_trigger_workers(pending=True), unless the workers are asked
        to run already: posting a thousand invoices one by one asks once."""
        crons = self._tal_active_workers()
        due = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count(
                [
                    ("cron_id", "in", crons.ids),
                    ("call_at", "<=", fields.Datetime.now()),
                ],
                limit=1,
            )
        )
        if not due:
            self._tal_trigger_workers(pending=True)

    @api.model
    def _tal_trigger_at_openings(self):
        """Ask the workers to run when the working hours of the companies
        whose invoices wait for them open, not at the next hourly call."""
        engine = self.env["tal.invoice.transfer"]
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT company_id FROM account_move
                 WHERE tal_transfer_state = 'pending' AND company_id = ANY(%s)
                """,
                engine._ready_company_ids(),
            )
        )
        waiting = [row[0] for row in self.env.cr.fetchall()]
        openings = self.env["tal.invoice.transfer.window"]._tal_next_openings(waiting)
        if not openings:
            return
        at = min(openings.values())
        triggers = self.env["ir.cron.trigger"].sudo()
        for cron in self._tal_active_workers():
            # Once: every call outside the hours would add the same one.
            if not triggers.search_count(
                [("cron_id", "=", cron.id), ("call_at", "=", at)], limit=1
            ):
                cron._trigger(at)

    @api.model
    def _tal_next_run(self):
        """When the next worker job is due (its next call or a trigger)."""
        crons = self._tal_active_workers()
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
        if self.env["tal.invoice.transfer.gate"]._tal_paused():
            return  # Resume starts it
        if self.env["tal.invoice.transfer"]._pending_count():
            cron.sudo()._trigger(fields.Datetime.now() + RESCUE_AFTER)
