# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat
from .account_move import STATE_DONE, STATE_FAILED, STATE_NOTHING

_logger = logging.getLogger(__name__)

THRESHOLD_PARAM = "tal_invoice_transfer.notify_threshold"
# A backlog of more invoices than this is worth a message when it is done.
THRESHOLD_DEFAULT = 1000


class TalInvoiceTransferBacklog(models.Model):
    """A backlog: the work from the moment the workers find invoices to
    transfer until none is pending any more (paused or waiting for working
    hours, it is not done). Whoever started it (or the accounting
    administrators) hears when a large one is done.

    At most one is open; several workers on several servers may find it done
    at once: the first one that closes it sends the message.
    """

    _name = "tal.invoice.transfer.backlog"
    _description = "Invoice Files Transfer Backlog"
    _order = "date_start desc, id desc"
    _rec_name = "date_start"

    date_start = fields.Datetime(string="Started", required=True, readonly=True)
    date_end = fields.Datetime(string="Done", readonly=True)
    state = fields.Selection(
        selection=[("running", "Running"), ("done", "Done")],
        required=True,
        readonly=True,
        default="running",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Started By",
        readonly=True,
        ondelete="set null",
        help="The accounting administrator who started it (settings saved, "
        "Resume, a large selection queued); empty: the scheduled action.",
    )
    # Counted from the invoices when it is done (its runs' invoices).
    done_count = fields.Integer(string="Transferred", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    nothing_count = fields.Integer(string="Nothing to Transfer", readonly=True)
    notified = fields.Boolean(readonly=True)

    _one_running = compat.UniqueIndex(
        "(state) WHERE state = 'running'",
        "Only one backlog runs at a time.",
    )

    def init(self):
        result = super().init()
        compat.create_indexes(self)
        return result

    @api.model
    def _tal_threshold(self):
        value = self.env["ir.config_parameter"].sudo().get_param(THRESHOLD_PARAM)
        try:
            return max(int(value), 0) if value else THRESHOLD_DEFAULT
        except ValueError:
            return THRESHOLD_DEFAULT

    @api.model
    def _tal_open(self, user=None):
        """The open backlog, opened now if none is: started by `user` when a
        person (an accounting administrator) asked for the work."""
        starter = (
            user
            if user
            and not user._is_superuser()
            and user.has_group("account.group_account_manager")
            else None
        )
        self.env.cr.execute(
            "SELECT id, user_id FROM tal_invoice_transfer_backlog"
            " WHERE state = 'running'"
        )
        row = self.env.cr.fetchone()
        if row:
            if starter and not row[1]:
                self.env.cr.execute(
                    "UPDATE tal_invoice_transfer_backlog SET user_id = %s"
                    " WHERE id = %s AND user_id IS NULL",
                    [starter.id, row[0]],
                )
            return self.browse(row[0])
        now = fields.Datetime.now()
        try:
            # Another worker may open one at the same moment: one wins, the
            # other reads it next time.
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """
                        INSERT INTO tal_invoice_transfer_backlog
                               (date_start, state, user_id, notified, create_uid,
                                create_date, write_uid, write_date)
                        VALUES (%(now)s, 'running', %(user)s, FALSE, %(uid)s,
                                %(now)s, %(uid)s, %(now)s)
                        ON CONFLICT DO NOTHING
                        RETURNING id
                        """,
                        now=now,
                        user=starter.id if starter else None,
                        uid=self.env.uid,
                    ),
                    log_exceptions=False,
                )
                row = self.env.cr.fetchone()
        except (pg_errors.SerializationFailure, pg_errors.UniqueViolation):
            row = None
        return self.browse(row[0] if row else [])

    @api.model
    def _tal_close(self):
        """Nothing is pending any more: close the open backlog, count what
        it did, and tell people if it was large. Returns the backlog closed
        here (empty if none was open, or another worker closed it)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """
                        UPDATE tal_invoice_transfer_backlog
                           SET state = 'done', date_end = %s
                         WHERE state = 'running'
                     RETURNING id
                        """,
                        fields.Datetime.now(),
                    ),
                    log_exceptions=False,
                )
                row = self.env.cr.fetchone()
        except pg_errors.SerializationFailure:
            # Another worker closed it at the same moment: it tells.
            return self.browse()
        if not row:
            return self.browse()
        backlog = self.browse(row[0])
        backlog.invalidate_recordset()
        figures = backlog._tal_figures()
        totals = {STATE_DONE: 0, STATE_FAILED: 0, STATE_NOTHING: 0}
        for (_company_id, state, _kind), count in figures.items():
            totals[state] += count
        handled = sum(totals.values())
        notify = handled > self._tal_threshold()
        backlog.sudo().write(
            {
                "done_count": totals[STATE_DONE],
                "failed_count": totals[STATE_FAILED],
                "nothing_count": totals[STATE_NOTHING],
                "notified": notify,
            }
        )
        if notify:
            try:
                with self.env.cr.savepoint():
                    self.env["tal.invoice.transfer.notice"]._tal_backlog_done(
                        backlog, figures
                    )
            except Exception:  # noqa: BLE001 - a message must never fail the workers
                _logger.exception("Could not tell that backlog %s is done", backlog.id)
        return backlog

    def _tal_figures(self):
        """{(company id, state, error kind): invoices} that this backlog's
        runs handled, counted from the invoices (each carries its last run)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.company_id, m.tal_transfer_state,
                       COALESCE(m.tal_transfer_error_kind, ''), count(*)
                  FROM account_move m
                  JOIN tal_invoice_transfer_run r ON r.id = m.tal_transfer_run_id
                 WHERE m.tal_transfer_state IN %s
                   AND (r.date_end IS NULL OR r.date_end >= %s)
                   AND r.date_start <= %s
                 GROUP BY 1, 2, 3
                """,
                (STATE_DONE, STATE_FAILED, STATE_NOTHING),
                self.date_start,
                self.date_end or fields.Datetime.now(),
            )
        )
        return {
            (company_id, state, kind): count
            for company_id, state, kind, count in self.env.cr.fetchall()
        }
