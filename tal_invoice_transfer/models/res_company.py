# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

# The journals an invoice of the transfer's scope is posted in.
JOURNAL_TYPES = ("sale", "purchase")
# Move types each scope covers; the keys are the values of tal_transfer_scope.
TRANSFER_SCOPES = {
    "all": ("out_invoice", "out_refund", "in_invoice", "in_refund"),
    "customer": ("out_invoice", "out_refund"),
    "vendor": ("in_invoice", "in_refund"),
    "off": (),
}
# The filing plans: where in the company's folder an invoice's files go. The
# keys are stored (scripts set them); tal.transfer.target documents each.
FILING_PLANS = [
    ("customer", "By customer"),
    ("accounting", "Like Accounting"),
    ("journal_period", "By journal / year / month"),
    ("single", "One folder"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    # The folder is stored as "model,id" text, not as a Reference: the target
    # app may be uninstalled later, and a Reference to a missing model breaks
    # every read of the company.
    tal_transfer_folder_ref = fields.Char(
        string="Transfer Folder Reference",
        help="Technical: 'documents.document,ID' or 'dms.directory,ID'.",
    )
    tal_transfer_folder = fields.Reference(
        selection="_selection_tal_transfer_folder",
        string="Invoice Files Folder",
        compute="_compute_tal_transfer_folder",
        inverse="_inverse_tal_transfer_folder",
        help="Documents folder or DMS root directory that receives this "
        "company's invoice files.",
    )
    tal_transfer_filing_plan = fields.Selection(
        selection=FILING_PLANS,
        string="Filing Plan",
        help="Where in the folder each invoice's files go. Chosen when the "
        "folder is first saved (By customer where the folder already holds "
        "customer folders, else Like Accounting where Documents' Accounting "
        "settings exist, else One folder); change it at will. Files already "
        "transferred stay where they are.",
    )
    tal_transfer_tag_names = fields.Char(
        string="Invoice Files Tags",
        help="Comma-separated names of existing tags put on every transferred file.",
    )
    tal_transfer_scope = fields.Selection(
        selection=[
            ("all", "Customer invoices, vendor bills and their credit notes"),
            ("customer", "Customer invoices and credit notes"),
            ("vendor", "Vendor bills and refunds"),
            ("off", "None: the transfer is off"),
        ],
        string="Invoices to Transfer",
        default="all",
        required=True,
    )
    tal_transfer_journal_ids = fields.Many2many(
        comodel_name="account.journal",
        relation="res_company_tal_transfer_journal_rel",
        string="Transfer Journals",
        # The company's own journals, and its parents' ones that a branch posts in.
        domain="[('type', 'in', ('sale', 'purchase')), "
        "('company_id', 'parent_of', id)]",
        help="Only invoices of these journals; empty means every journal.",
    )
    tal_transfer_posted_only = fields.Boolean(
        string="Posted Invoices Only",
        default=True,
    )
    tal_transfer_date_from = fields.Date(
        string="Transfer Invoices From",
        help="Only invoices dated on or after this day; empty means all.",
    )
    tal_transfer_attachment_mode = fields.Selection(
        selection=[
            ("all", "All files of the invoice"),
            ("main", "The main file only"),
        ],
        string="Files to Transfer",
        default="all",
        required=True,
    )

    tal_transfer_make_pdf = fields.Boolean(
        string="Make Missing Invoice PDFs",
        default=True,
        help="A posted customer invoice without its official PDF gets one, as "
        "Send & Print would store it, with the template its lines call for "
        "(PDF template rules), then it is filed. Never sent, never marked as "
        "sent.",
    )

    # Working hours: the backlog runs inside them; outside them only invoices
    # posted in the last days go (see tal.invoice.transfer.window).
    tal_transfer_window = fields.Boolean(
        string="Transfer Working Hours",
        help="The backlog is transferred only in these hours (and at weekends, "
        "if ticked). Outside them, only the invoices posted in the last days "
        "are transferred, at once.",
    )
    tal_transfer_window_start = fields.Float(string="Backlog From", default=19.0)
    tal_transfer_window_end = fields.Float(
        string="Backlog Until",
        default=7.0,
        help="Earlier than the start: the window runs overnight. Equal to the "
        "start: no hours on weekdays (weekends only).",
    )
    tal_transfer_window_weekends = fields.Boolean(
        string="And All Weekend", default=True
    )
    tal_transfer_window_tz = fields.Selection(
        selection=_tz_get,
        string="Working Hours Time Zone",
        help="Empty: the time zone of the company's address, else UTC.",
    )
    tal_transfer_recent_days = fields.Integer(
        string="Recent Invoices (Days)",
        default=1,
        help="Outside working hours, invoices posted in the last N days (today "
        "counts as one) are still transferred at once. 0: none.",
    )

    @api.constrains(
        "tal_transfer_window_start",
        "tal_transfer_window_end",
        "tal_transfer_recent_days",
    )
    def _check_tal_transfer_window(self):
        for company in self:
            hours = (company.tal_transfer_window_start, company.tal_transfer_window_end)
            if any(not 0 <= hour < 24 for hour in hours):
                raise ValidationError(
                    self.env._(
                        "Working hours of %(company)s: from 00:00 to 23:59.",
                        company=company.name,
                    )
                )
            if company.tal_transfer_recent_days < 0:
                raise ValidationError(
                    self.env._(
                        "Recent invoices of %(company)s: a number of days, 0 or more.",
                        company=company.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies.filtered("tal_transfer_folder_ref")._tal_transfer_default_plan()
        return companies

    def write(self, vals):
        switched_on = (
            self.filtered(lambda company: not company.tal_transfer_make_pdf)
            if vals.get("tal_transfer_make_pdf")
            else self.browse()
        )
        result = super().write(vals)
        if vals.get("tal_transfer_folder_ref") or vals.get("tal_transfer_folder"):
            self._tal_transfer_default_plan()
        if switched_on:
            # PDFs switched on: finished invoices without one are taken again.
            self.env["tal.invoice.transfer.scope"]._tal_reopen_for_pdf(
                company_ids=switched_on.ids
            )
        return result

    @api.constrains("tal_transfer_journal_ids")
    def _check_tal_transfer_journal_ids(self):
        for company in self:
            wrong = company.tal_transfer_journal_ids.filtered(
                lambda journal, company=company: journal.type not in JOURNAL_TYPES
                or journal.company_id not in company.parent_ids
            )
            if wrong:
                raise ValidationError(
                    self.env._(
                        "The files transfer of %(company)s can only filter on its own "
                        "sales and purchase journals, not on %(journals)s.",
                        company=company.name,
                        journals=", ".join(
                            f"{journal.name} ({journal.company_id.name})"
                            for journal in wrong
                        ),
                    )
                )

    @api.model
    def _selection_tal_transfer_folder(self):
        return self.env["tal.transfer.target"]._selection_folder_models()

    @api.depends("tal_transfer_folder_ref")
    def _compute_tal_transfer_folder(self):
        available = {model for model, _label in self._selection_tal_transfer_folder()}
        for company in self:
            folder = company._tal_transfer_folder_record()
            usable = (
                folder is not None and folder._name in available and folder.exists()
            )
            company.tal_transfer_folder = folder if usable else False

    def _inverse_tal_transfer_folder(self):
        for company in self:
            folder = company.tal_transfer_folder
            company.tal_transfer_folder_ref = (
                f"{folder._name},{folder.id}" if folder else False
            )

    def _tal_transfer_folder_record(self):
        """Return the configured folder record, even archived, or None."""
        self.ensure_one()
        return self.env["tal.transfer.target"]._tal_record_from_ref(
            self.tal_transfer_folder_ref
        )

    def _tal_transfer_default_plan(self):
        """Choose the filing plan of companies whose folder is saved for the
        first time (no plan yet): see the field's help."""
        for company in self.filtered(lambda c: not c.tal_transfer_filing_plan):
            folder = company._tal_transfer_folder_record()
            if folder is None or not folder.exists():
                continue
            plan = (
                self.env["tal.transfer.target"]
                ._tal_target_of_folder(folder)
                ._tal_default_plan(company, folder)
            )
            if plan:
                company.tal_transfer_filing_plan = plan

    def _tal_transfer_move_types(self):
        self.ensure_one()
        return TRANSFER_SCOPES[self.tal_transfer_scope or "all"]
