# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextvars

from odoo import api, models

from odoo.addons.base.models.ir_cron import CONSECUTIVE_TIMEOUT_FOR_FAILURE

from .. import compat

# Who clicked "Run Manually": the job then runs in the same thread, as the
# scheduled action's own user (OdooBot) and in a new environment.
MANUAL_RUN_USER = contextvars.ContextVar("tal_transfer_manual_run_user", default=None)


class IrCron(models.Model):
    _inherit = "ir.cron"

    @classmethod
    def _run_job(cls, job):
        # 18.0: the job's start, for its calls' time budget (compat.cron_job).
        with compat.cron_job():
            return super()._run_job(job)

    def _commit_progress(self, processed=0, *, remaining=None, deactivate=False):
        """19.0's own (core's); 18.0 has none: the same contract built on
        its _notify_progress (compat.commit_progress)."""
        if compat.V19:
            return super()._commit_progress(
                processed, remaining=remaining, deactivate=deactivate
            )
        return compat.commit_progress(
            self.env, processed, remaining=remaining, deactivate=deactivate
        )

    def method_direct_trigger(self):
        token = MANUAL_RUN_USER.set(self.env.uid)
        try:
            return super().method_direct_trigger()
        finally:
            MANUAL_RUN_USER.reset(token)

    @api.model
    def _reschedule_later(self, job):
        result = super()._reschedule_later(job)
        # Odoo's own test for a job whose process died three times in a row
        # before reporting progress: it postpones the action to its interval.
        # Only the scheduler's transaction is sure to reach this point, so the
        # rescue is decided here, not by a job that may be killed first.
        if (
            job["timed_out_counter"] >= CONSECUTIVE_TIMEOUT_FOR_FAILURE
            and not job["done"]
        ):
            self.env["tal.invoice.transfer.scheduler"]._tal_rescue_after_timeout(
                self.browse(job["id"])
            )
        return result
