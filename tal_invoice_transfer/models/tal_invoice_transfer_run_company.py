# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .account_move import STATE_DONE, STATE_FAILED, STATE_NOTHING, STATE_PENDING

MAX_ERRORS_SHOWN = 10


class TalInvoiceTransferRunCompany(models.Model):
    """What one run did for one company, counted from the invoices themselves.

    Each invoice carries the last run that handled it, written in the same
    statement as its state: these figures survive any kill, need no write
    during the run, and a multi-company rule shows each company's figures and
    errors only to the people who may see that company.
    """

    _name = "tal.invoice.transfer.run.company"
    _description = "Invoice Files Transfer Run per Company"
    _auto = False
    _order = "run_id desc, company_id"
    _rec_name = "company_id"

    run_id = fields.Many2one(
        comodel_name="tal.invoice.transfer.run", string="Run", readonly=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", string="Company", readonly=True
    )
    done_count = fields.Integer(string="Transferred", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    nothing_count = fields.Integer(string="Nothing to Transfer", readonly=True)
    retry_count = fields.Integer(
        string="To Retry",
        readonly=True,
        help="Met a busy database; they stay pending for the next run.",
    )
    handled_count = fields.Integer(
        string="Handled",
        readonly=True,
        help="Transferred, failed or found without files.",
    )
    first_errors = fields.Text(readonly=True)

    @property
    def _table_query(self):
        # Filters on run_id and company_id (the record rule's) are pushed down
        # by PostgreSQL into the grouped query: only those runs' invoices are
        # read, through the index on tal_transfer_run_id.
        return SQL(
            """
            SELECT min(m.id) AS id,
                   m.tal_transfer_run_id AS run_id,
                   m.company_id AS company_id,
                   count(*) FILTER (WHERE m.tal_transfer_state = %(done)s)
                       AS done_count,
                   count(*) FILTER (WHERE m.tal_transfer_state = %(failed)s)
                       AS failed_count,
                   count(*) FILTER (WHERE m.tal_transfer_state = %(nothing)s)
                       AS nothing_count,
                   count(*) FILTER (WHERE m.tal_transfer_state = %(pending)s
                                      AND m.tal_transfer_error_kind = 'busy')
                       AS retry_count,
                   count(*) FILTER (WHERE m.tal_transfer_state IN
                                    (%(done)s, %(failed)s, %(nothing)s))
                       AS handled_count,
                   array_to_string(
                       (array_agg(m.name || ': ' || m.tal_transfer_error ORDER BY m.id)
                            FILTER (WHERE m.tal_transfer_state = %(failed)s)
                       )[1:%(shown)s],
                       E'\\n'
                   ) AS first_errors
              FROM account_move m
             WHERE m.tal_transfer_run_id IS NOT NULL
             GROUP BY m.tal_transfer_run_id, m.company_id
            """,
            done=STATE_DONE,
            failed=STATE_FAILED,
            nothing=STATE_NOTHING,
            pending=STATE_PENDING,
            shown=MAX_ERRORS_SHOWN,
        )

    @api.model
    def _tal_totals(self, runs):
        """{run id: {field: sum}} over the companies the user may see."""
        figures = ["done_count", "failed_count", "nothing_count", "retry_count"]
        totals = {run.id: dict.fromkeys([*figures, "handled_count"], 0) for run in runs}
        for run, *sums in self._read_group(
            [("run_id", "in", runs.ids)],
            ["run_id"],
            [f"{name}:sum" for name in [*figures, "handled_count"]],
        ):
            totals[run.id] = dict(zip([*figures, "handled_count"], sums, strict=True))
        return totals
