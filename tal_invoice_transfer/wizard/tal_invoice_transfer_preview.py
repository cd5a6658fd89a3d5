# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL


class TalInvoiceTransferPreview(models.TransientModel):
    """Before the first run, per company: what the transfer will find in the
    target (what an upload script left there) and what it will do. Every
    figure is one set-based query."""

    _name = "tal.invoice.transfer.preview"
    _description = "Invoice Files Transfer: Takeover Preview"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    target_name = fields.Char(string="Document App", compute="_compute_figures")
    in_scope = fields.Integer(string="Invoices in Scope", compute="_compute_figures")
    filed = fields.Integer(
        string="Files All Filed Already",
        compute="_compute_figures",
        help="Invoices each of whose files has its document already (e.g. "
        "filed by the Accounting bridge or linked by a script).",
    )
    pdf_held = fields.Integer(
        string="PDF Filed by a Script",
        compute="_compute_figures",
        help="Invoices whose PDF an upload script filed (named as the invoice's "
        "PDF, linked to it): no PDF is made for them.",
    )
    by_content = fields.Integer(
        string="Files Held by Copies",
        compute="_compute_figures",
        help="Invoices with a file whose bytes a script posted as a document of "
        "its own: that document is taken as the file's.",
    )
    duplicates = fields.Integer(
        string="Invoices with Duplicates", compute="_compute_figures"
    )
    ambiguous = fields.Integer(string="Ambiguous Contents", compute="_compute_figures")
    pdfs_to_make = fields.Integer(string="PDFs to Make", compute="_compute_figures")
    to_file = fields.Integer(string="Files to File", compute="_compute_figures")
    hidden_folder_count = fields.Integer(
        string="Folders Accountants Cannot See", compute="_compute_figures"
    )
    hidden_folder_names = fields.Text(
        string="Hidden Folders", compute="_compute_figures"
    )
    plan_note = fields.Text(string="Filing Plan", compute="_compute_figures")

    @api.depends("company_id")
    def _compute_figures(self):
        for preview in self:
            values = (
                preview._tal_figures(preview.company_id) if preview.company_id else {}
            )
            for name in (
                "target_name",
                "in_scope",
                "filed",
                "pdf_held",
                "by_content",
                "duplicates",
                "ambiguous",
                "pdfs_to_make",
                "to_file",
                "hidden_folder_count",
                "hidden_folder_names",
                "plan_note",
            ):
                preview[name] = values.get(name, False)

    @api.model
    def _tal_check_company(self, company):
        """Accounting administrators of the company only: the figures, the
        hidden folders' names and their opening are read and done as
        superuser, and a company id comes from the caller."""
        self.env["account.move"]._tal_transfer_check_manager()
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You are not an accounting administrator of company %s.",
                    company.sudo().name,
                )
            )

    @api.model
    def _tal_figures(self, company):
        self._tal_check_company(company)
        company = company.sudo()
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            target = None
        found = (
            target._tal_preview(company)
            if target is not None and hasattr(target, "_tal_preview")
            else {}
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*),
                       count(*) FILTER (WHERE %(needs_pdf)s
                                          AND NOT m.id = ANY(%(held)s))
                  FROM account_move m
                  JOIN res_company c ON c.id = m.company_id
                 WHERE m.company_id = %(company)s
                   AND m.tal_transfer_state IS NOT NULL
                   AND m.tal_transfer_state != 'excluded'
                """,
                needs_pdf=self.env["tal.invoice.transfer.pdf"]._tal_needs_pdf_sql(
                    "m", "c"
                ),
                held=sorted(found.get("held_pdf_ids", ())),
                company=company.id,
            )
        )
        in_scope, pdfs_to_make = self.env.cr.fetchone()
        hidden = found.get("hidden_folders")
        plan = (
            target._tal_preview_plan(company)
            if target is not None and hasattr(target, "_tal_preview_plan")
            else ""
        )
        return {
            "target_name": target._tal_target_name() if target is not None else False,
            "in_scope": in_scope,
            "pdfs_to_make": pdfs_to_make,
            **{
                key: found.get(key, 0)
                for key in (
                    "filed",
                    "pdf_held",
                    "by_content",
                    "duplicates",
                    "ambiguous",
                    "to_file",
                )
            },
            "hidden_folder_count": len(hidden) if hidden else 0,
            "hidden_folder_names": "\n".join(hidden.mapped("display_name"))
            if hidden
            else False,
            "plan_note": plan or False,
        }

    def action_grant_access(self):
        """Give internal users read access to the plan's folders no
        accounting user may read (accounting administrators only)."""
        self.ensure_one()
        self._tal_check_company(self.company_id)
        target = self.env["tal.transfer.target"]._tal_get_target()
        if not hasattr(target, "_tal_grant_access"):
            raise UserError(self.env._("This document app has no folders to open."))
        folders = target.sudo()._tal_grant_access(self.company_id.sudo())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Invoice Files Transfer"),
                "message": self.env._(
                    "Internal users may now read %(count)s folders: %(names)s",
                    count=len(folders),
                    names=", ".join(folders.mapped("display_name")),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_duplicates(self):
        self.ensure_one()
        return self.env["tal.invoice.transfer.duplicate"].action_tal_open_duplicates()
