# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .tal_invoice_transfer_scheduler import WORKERS_PARAM
from .tal_transfer_target import TARGET_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    tal_transfer_target = fields.Selection(
        selection=[
            ("auto", "Automatic"),
            ("documents", "Documents"),
            ("dms", "DMS (OCA)"),
        ],
        string="Transfer Target",
        default="auto",
        config_parameter=TARGET_PARAM,
        help="Automatic uses Documents when installed, else DMS.",
    )
    tal_transfer_target_detected = fields.Char(
        string="Target In Use",
        compute="_compute_tal_transfer_target_detected",
    )
    tal_transfer_folder = fields.Reference(
        related="company_id.tal_transfer_folder",
        readonly=False,
    )
    tal_transfer_tag_names = fields.Char(
        related="company_id.tal_transfer_tag_names",
        readonly=False,
    )
    tal_transfer_scope = fields.Selection(
        related="company_id.tal_transfer_scope",
        readonly=False,
    )
    tal_transfer_journal_ids = fields.Many2many(
        related="company_id.tal_transfer_journal_ids",
        readonly=False,
    )
    tal_transfer_posted_only = fields.Boolean(
        related="company_id.tal_transfer_posted_only",
        readonly=False,
    )
    tal_transfer_date_from = fields.Date(
        related="company_id.tal_transfer_date_from",
        readonly=False,
    )
    tal_transfer_attachment_mode = fields.Selection(
        related="company_id.tal_transfer_attachment_mode",
        readonly=False,
    )

    tal_transfer_parallel_workers = fields.Integer(
        string="Parallel Workers",
        default=1,
        config_parameter=WORKERS_PARAM,
        help="Scheduled jobs working the backlog at once. Each needs a free cron "
        "thread on one of the database's Odoo servers (--max-cron-threads).",
    )

    @api.constrains("tal_transfer_parallel_workers")
    def _check_tal_transfer_parallel_workers(self):
        for settings in self:
            if settings.tal_transfer_parallel_workers < 1:
                raise ValidationError(self.env._("Parallel workers: at least 1."))

    @api.depends("tal_transfer_target")
    def _compute_tal_transfer_target_detected(self):
        targets = self.env["tal.transfer.target"]
        for settings in self:
            available = targets._tal_available_targets()
            wanted = settings.tal_transfer_target or "auto"
            chosen = [t for t in available if wanted in ("auto", t._tal_target_key)][:1]
            settings.tal_transfer_target_detected = (
                chosen[0]._tal_target_name() if chosen else self.env._("None installed")
            )

    def set_values(self):
        result = super().set_values()
        # A widened scope brings older invoices in: mark them in one statement.
        self.env["tal.invoice.transfer.scope"]._mark_in_scope(
            company_ids=self.company_id.ids
        )
        scheduler = self.env["tal.invoice.transfer.scheduler"]
        scheduler._tal_sync_workers()
        # A new folder or scope lets invoices go: start now, not at the next
        # scheduled call.
        scheduler._tal_trigger_workers()
        return result
