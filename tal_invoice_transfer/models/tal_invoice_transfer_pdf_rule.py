# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import unicodedata

from odoo import api, fields, models
from odoo.exceptions import ValidationError


def normalize_keyword(text):
    """Text as rules compare it: case and accents ignored."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class TalInvoiceTransferPdfRule(models.Model):
    """Which PDF template an invoice's lines call for.

    The first rule in sequence whose keyword appears in a line's label or in
    its product's name picks the template; an empty keyword matches every
    invoice. With no match, Odoo's own choice applies (the customer's, then
    the journal's template, then the standard invoice).
    """

    _name = "tal.invoice.transfer.pdf.rule"
    _description = "Invoice PDF Template Rule"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    keyword = fields.Char(
        help="Looked for in every line's label and product name, case and "
        "accents ignored. Empty: every invoice (a catch-all).",
    )
    report_id = fields.Many2one(
        comodel_name="ir.actions.report",
        string="Template",
        required=True,
        ondelete="cascade",
        domain="[('model', '=', 'account.move'), ('report_type', '=', 'qweb-pdf'),"
        " ('is_invoice_report', '=', True)]",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        help="Empty: every company.",
    )
    active = fields.Boolean(default=True)
    # Learnt by rendering: Odoo cuts a batch's PDF into invoices by the marks
    # web.external_layout puts in the HTML (data-oe-model / data-oe-id).
    batch_render = fields.Boolean(
        string="Renders in Batches",
        compute="_compute_batch_render",
        help="Whether Odoo can cut one rendering of many invoices into one PDF "
        "per invoice with this template. A template whose HTML does not mark "
        "each invoice (data-oe-model / data-oe-id, as the standard layout "
        "does) renders its invoices one at a time: slower, still correct.",
    )

    @api.constrains("report_id")
    def _check_report_id(self):
        for rule in self:
            report = rule.report_id
            problem = None
            if report.model != "account.move":
                problem = self.env._(
                    "it prints %(model)s, not invoices", model=report.model
                )
            elif report.report_type != "qweb-pdf":
                problem = self.env._("it is not a PDF report")
            elif not report.is_invoice_report:
                problem = self.env._(
                    "it is not marked as an invoice report (Odoo requires it of "
                    "invoice templates: Settings > Technical > Reports)"
                )
            if problem:
                raise ValidationError(
                    self.env._(
                        "The report '%(report)s' cannot be an invoice PDF template: "
                        "%(problem)s.",
                        report=report.name,
                        problem=problem,
                    )
                )

    @api.depends("report_id")
    def _compute_batch_render(self):
        renderer = self.env["tal.invoice.transfer.pdf"]
        for rule in self:
            rule.batch_render = renderer._tal_report_splits(rule.report_id)

    def _tal_matches(self, text):
        """Whether this rule's keyword is in `text` (already normalized)."""
        self.ensure_one()
        keyword = normalize_keyword(self.keyword).strip()
        return not keyword or keyword in text
