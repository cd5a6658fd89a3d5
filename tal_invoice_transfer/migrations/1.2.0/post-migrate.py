# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The transfer now makes missing invoice PDFs: invoices it found without
    any file, and that want one, go back to pending."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["tal.invoice.transfer.scope"]._tal_reopen_for_pdf()
