# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_datetime

from .tal_invoice_transfer_backlog import THRESHOLD_PARAM
from .tal_invoice_transfer_gate import PACE_PARAM
from .tal_invoice_transfer_scheduler import MAX_PARALLEL_WORKERS, WORKERS_PARAM
from .tal_transfer_target import TARGET_PARAM

# The tags of each target's files.
TAG_MODELS = {"documents": "documents.tag", "dms": "dms.tag"}


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
    # The folder picker offers the target's valid folders only (see the view).
    tal_transfer_folder_model_id = fields.Many2one(
        comodel_name="ir.model",
        string="Folder Model",
        compute="_compute_tal_transfer_folder_picker",
    )
    tal_transfer_folder_domain = fields.Binary(
        string="Folders Offered",
        compute="_compute_tal_transfer_folder_picker",
    )
    tal_transfer_tag_names = fields.Char(
        related="company_id.tal_transfer_tag_names",
        readonly=False,
    )
    tal_transfer_filing_plan = fields.Selection(
        related="company_id.tal_transfer_filing_plan",
        readonly=False,
    )
    tal_transfer_plan_preview = fields.Text(
        string="Where the Files Will Go",
        compute="_compute_tal_transfer_plan_preview",
    )
    tal_transfer_scope = fields.Selection(
        related="company_id.tal_transfer_scope",
        readonly=False,
    )
    tal_transfer_journal_ids = fields.Many2many(
        related="company_id.tal_transfer_journal_ids",
        readonly=False,
        domain="[('type', 'in', ('sale', 'purchase')), "
        "('company_id', 'parent_of', company_id)]",
    )
    tal_transfer_make_pdf = fields.Boolean(
        related="company_id.tal_transfer_make_pdf",
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

    tal_transfer_pace = fields.Integer(
        string="Pace Limit",
        config_parameter=PACE_PARAM,
        help="At most this many invoices a minute, over all workers and "
        "servers; empty: no limit. Transfer Now and Retry on chosen invoices "
        "are not held back.",
    )
    tal_transfer_notify_threshold = fields.Integer(
        string="Tell When a Backlog Of More Than",
        help="When a backlog of more invoices than this is done, the "
        "accounting administrator who started it (or all of them) gets a "
        "message with its figures.",
    )
    tal_transfer_window = fields.Boolean(
        related="company_id.tal_transfer_window",
        readonly=False,
    )
    tal_transfer_window_start = fields.Float(
        related="company_id.tal_transfer_window_start",
        readonly=False,
    )
    tal_transfer_window_end = fields.Float(
        related="company_id.tal_transfer_window_end",
        readonly=False,
    )
    tal_transfer_window_weekends = fields.Boolean(
        related="company_id.tal_transfer_window_weekends",
        readonly=False,
    )
    tal_transfer_window_tz = fields.Selection(
        related="company_id.tal_transfer_window_tz",
        readonly=False,
    )
    tal_transfer_recent_days = fields.Integer(
        related="company_id.tal_transfer_recent_days",
        readonly=False,
    )
    tal_transfer_paused = fields.Boolean(
        string="Transfer Paused",
        compute="_compute_tal_transfer_paused",
    )
    tal_transfer_paused_note = fields.Char(
        string="Paused By",
        compute="_compute_tal_transfer_paused",
    )

    @api.constrains("tal_transfer_pace", "tal_transfer_notify_threshold")
    def _check_tal_transfer_pace(self):
        for settings in self:
            if (
                settings.tal_transfer_pace < 0
                or settings.tal_transfer_notify_threshold < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The pace limit and the backlog size to tell about are "
                        "numbers of invoices: 0 or more."
                    )
                )

    @api.depends("company_id")
    @api.depends_context("lang", "tz")
    def _compute_tal_transfer_paused(self):
        info = self.env["tal.invoice.transfer.gate"]._tal_pause_info()
        for settings in self:
            settings.tal_transfer_paused = bool(info)
            settings.tal_transfer_paused_note = (
                self.env._(
                    "Paused by %(user)s on %(date)s",
                    user=info["user"].name or "?",
                    date=format_datetime(self.env, info["date"])
                    if info["date"]
                    else "?",
                )
                if info
                else False
            )

    @api.model
    def get_values(self):
        values = super().get_values()
        values["tal_transfer_notify_threshold"] = self.env[
            "tal.invoice.transfer.backlog"
        ]._tal_threshold()
        return values

    def action_tal_transfer_pause(self):
        self.env["account.move"].tal_transfer_pause()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_tal_transfer_resume(self):
        self.env["account.move"].tal_transfer_resume()
        return {"type": "ir.actions.client", "tag": "reload"}

    @api.constrains("tal_transfer_parallel_workers")
    def _check_tal_transfer_parallel_workers(self):
        for settings in self:
            workers = settings.tal_transfer_parallel_workers
            if not 1 <= workers <= MAX_PARALLEL_WORKERS:
                raise ValidationError(
                    self.env._(
                        "Parallel workers: from 1 to %(max)s. Each worker needs a "
                        "free cron thread on one of the database's Odoo servers.",
                        max=MAX_PARALLEL_WORKERS,
                    )
                )

    def _tal_transfer_chosen_target(self):
        """The target these settings choose (saved or not), or None."""
        self.ensure_one()
        wanted = self.tal_transfer_target or "auto"
        available = self.env["tal.transfer.target"]._tal_available_targets()
        chosen = [t for t in available if wanted in ("auto", t._tal_target_key)]
        return chosen[0] if chosen else None

    @api.depends("tal_transfer_target", "company_id")
    def _compute_tal_transfer_folder_picker(self):
        for settings in self:
            target = settings._tal_transfer_chosen_target()
            if target is None:
                settings.tal_transfer_folder_model_id = False
                settings.tal_transfer_folder_domain = [("id", "=", False)]
                continue
            settings.tal_transfer_folder_model_id = self.env["ir.model"]._get(
                target._tal_folder_model
            )
            settings.tal_transfer_folder_domain = settings._tal_transfer_folder_domain(
                target
            )

    def _tal_transfer_folder_domain(self, target):
        """The folders a company may choose: roots its files may go under."""
        company_ids = [self.company_id.id, False]
        if target._tal_target_key == "dms":
            # Root directories of attachment storages: sub-directories belong
            # to the tree the transfer builds (journal / year / month / invoice).
            return [
                ("is_root_directory", "=", True),
                ("storage_id.save_type", "=", "attachment"),
                ("company_id", "in", company_ids),
            ]
        domain = [("type", "=", "folder"), ("company_id", "in", company_ids)]
        if "shortcut_document_id" in self.env[target._tal_folder_model]._fields:
            domain.append(("shortcut_document_id", "=", False))
        return domain

    @api.onchange("tal_transfer_folder")
    def _onchange_tal_transfer_folder_plan(self):
        """A company's first folder gets the plan it calls for, shown before
        saving so that a person can change it (the company does the same when
        its folder is saved otherwise)."""
        for settings in self:
            folder = settings.tal_transfer_folder
            if not folder or settings.company_id.tal_transfer_filing_plan:
                continue
            target = self.env["tal.transfer.target"]._tal_target_of_folder(folder)
            plan = target.sudo()._tal_default_plan(settings.company_id, folder)
            if plan:
                settings.tal_transfer_filing_plan = plan

    @api.depends(
        "tal_transfer_filing_plan",
        "tal_transfer_folder",
        "tal_transfer_target",
        "company_id",
    )
    def _compute_tal_transfer_plan_preview(self):
        for settings in self:
            target = settings._tal_transfer_chosen_target()
            folder = settings.tal_transfer_folder
            if target is None or not folder or folder._name != target._tal_folder_model:
                settings.tal_transfer_plan_preview = False
                continue
            settings.tal_transfer_plan_preview = "\n".join(
                target.sudo()._tal_plan_preview(
                    settings.company_id,
                    settings.tal_transfer_filing_plan or target._tal_legacy_plan,
                    folder,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        settings = super().create(vals_list)
        # The related fields are written through to the company by the create
        # (the Save button saves, then calls execute): check them now.
        checked = {
            "tal_transfer_folder",
            "tal_transfer_tag_names",
            "tal_transfer_target",
            "tal_transfer_filing_plan",
        }
        if any(checked.intersection(vals) for vals in vals_list):
            settings._check_tal_transfer_folder_and_tags()
        return settings

    def _check_tal_transfer_folder_and_tags(self):
        """Refuse, when saved, what would make every invoice fail: a folder
        the target cannot use, tags it does not have. No folder is fine: the
        company's invoices wait until one is set."""
        for settings in self:
            target = settings._tal_transfer_chosen_target()
            company = settings.company_id
            if target is None:
                continue
            try:
                if company.tal_transfer_folder_ref:
                    folder = target.sudo()._tal_folder(company)
                    settings._tal_transfer_check_folder_offered(target, folder)
                    # Every folder the plan can file into, by its journal or
                    # customer.
                    target.sudo()._tal_check_plan(company, folder)
                target.sudo()._tal_tags(company, TAG_MODELS[target._tal_target_key])
            except UserError as error:
                lazy = getattr(error, "lazy_message", None)
                raise ValidationError(
                    lazy._translate(self.env.lang or "en_US") if lazy else error.args[0]
                ) from error

    def _tal_transfer_check_folder_offered(self, target, folder):
        domain = self._tal_transfer_folder_domain(target) + [("id", "=", folder.id)]
        if not folder.search_count(domain):
            raise ValidationError(
                self.env._(
                    "'%(folder)s' cannot receive the invoice files of %(company)s: "
                    "choose one of the folders offered (in DMS, a root directory of "
                    "an 'Attachment' storage; in Documents, a folder), of this "
                    "company or shared.",
                    folder=folder.display_name,
                    company=self.company_id.name,
                )
            )

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
        # Kept as given, 0 included (a config_parameter field drops a 0).
        self.env["ir.config_parameter"].sudo().set_param(
            THRESHOLD_PARAM, str(self.tal_transfer_notify_threshold)
        )
        # A widened scope brings older invoices in: mark them in one statement.
        scope = self.env["tal.invoice.transfer.scope"]
        scope._mark_in_scope(company_ids=self.company_id.ids)
        scheduler = self.env["tal.invoice.transfer.scheduler"]
        scheduler._tal_sync_workers()
        # A new folder or scope lets invoices go: start now, not at the next
        # scheduled call.
        scheduler._tal_trigger_workers(by_user=True)
        return result
