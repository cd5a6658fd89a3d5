# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The scheduled action's record is noupdate: point it at the engine model,
    which now holds the transfer (it was a method of account.move)."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer", False)
    if cron:
        cron.write(
            {
                "model_id": env["ir.model"]._get_id("tal.invoice.transfer"),
                "code": "model._cron_transfer()",
            }
        )
