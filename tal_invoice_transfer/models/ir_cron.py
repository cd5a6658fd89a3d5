# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextvars

from odoo import models

# Who clicked "Run Manually": the job then runs in the same thread, as the
# scheduled action's own user (OdooBot) and in a new environment.
MANUAL_RUN_USER = contextvars.ContextVar("tal_transfer_manual_run_user", default=None)


class IrCron(models.Model):
    _inherit = "ir.cron"

    def method_direct_trigger(self):
        token = MANUAL_RUN_USER.set(self.env.uid)
        try:
            return super().method_direct_trigger()
        finally:
            MANUAL_RUN_USER.reset(token)
