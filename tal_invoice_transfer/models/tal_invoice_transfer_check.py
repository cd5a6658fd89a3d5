# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import time

from markupsafe import escape
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .account_move import STATE_DONE, STATE_PENDING

_logger = logging.getLogger(__name__)

LAST_CHECK_PARAM = "tal_invoice_transfer.last_check"


class TalInvoiceTransferCheck(models.AbstractModel):
    """The check that keeps the count true: every transferred invoice still
    has what the transfer filed, held by a live document in the target.

    Documents go missing by paths no hook sees: SQL, a module bypassing the
    ORM, the trash, a folder moved to another company. An invoice found
    short goes back to pending, with a note naming what was missing, and the
    transfer files it again. Set-based: one query per target finds them.
    """

    _name = "tal.invoice.transfer.check"
    _description = "Invoice Files Transfer: Check"

    @api.model
    def _cron_check(self):
        """Scheduled action (weekly)."""
        self._tal_check()

    @api.model
    def _tal_check(self, company_ids=None):
        """Check the transferred invoices; return the figures, also kept for
        the dashboard."""
        started = time.monotonic()
        figures = {
            "date": fields.Datetime.to_string(fields.Datetime.now()),
            "checked": self._tal_done_count(company_ids),
            "reopened": 0,
            "missing": 0,
            "seconds": 0.0,
        }
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            target = None
        missing = target._tal_check_missing(company_ids) if target is not None else {}
        # The document an invoice points to is usually a file's: named once.
        missing = {
            move_id: [name for name in names if name is not None] or [None]
            for move_id, names in missing.items()
        }
        reopened = self._tal_reopen(missing, target)
        figures.update(
            reopened=len(reopened),
            missing=sum(len(missing[move_id]) for move_id in reopened),
            seconds=round(time.monotonic() - started, 1),
        )
        self.env["ir.config_parameter"].sudo().set_param(
            LAST_CHECK_PARAM, json.dumps(figures)
        )
        _logger.info(
            "Invoice files check: %(checked)s transferred invoices checked, "
            "%(reopened)s back to pending (%(missing)s missing), %(seconds)s s",
            figures,
        )
        return figures

    @api.model
    def _tal_done_count(self, company_ids=None):
        self.env["account.move"].flush_model(["tal_transfer_state", "company_id"])
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM account_move WHERE tal_transfer_state = %s %s",
                STATE_DONE,
                SQL("AND company_id = ANY(%s)", list(company_ids))
                if company_ids is not None
                else SQL(),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _tal_reopen(self, missing, target):
        """Put the invoices of `missing` back to pending, each on its own: one
        a worker or a person changed since this check began is left as it is
        (it is being handled). Returns the ids reopened."""
        reopened = []
        for move_id in sorted(missing):
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL(
                            """UPDATE account_move
                                  SET tal_transfer_state = %s,
                                      tal_transfer_attempts = 0
                                WHERE id = %s AND tal_transfer_state = %s""",
                            STATE_PENDING,
                            move_id,
                            STATE_DONE,
                        ),
                        log_exceptions=False,
                    )
                    if self.env.cr.rowcount:
                        reopened.append(move_id)
            except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
                continue
        if not reopened:
            return reopened
        moves = self.env["account.move"].browse(reopened)
        moves.invalidate_recordset(["tal_transfer_state", "tal_transfer_attempts"])
        self._tal_note(moves, missing, target)
        self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers(pending=True)
        return reopened

    @api.model
    def _tal_note(self, moves, missing, target):
        """A note on each reopened invoice naming what was missing, in the
        language of its people."""
        app = target._tal_target_name()
        for move in moves.sudo():
            user = move.invoice_user_id
            lang = (
                (user.lang if user and not user._is_superuser() else None)
                or move.company_id.partner_id.lang
                or "en_US"
            )
            env = self.with_context(lang=lang).env
            names = [
                name if name is not None else env._("its document")
                for name in missing[move.id]
            ]
            move._message_log(
                body=escape(
                    env._(
                        "The files check found missing from %(app)s: %(missing)s "
                        "(deleted, in the trash, or moved to another company). "
                        "The invoice's files are transferred again.",
                        app=app,
                        missing=", ".join(names),
                    )
                )
            )

    @api.model
    def _tal_last_check(self):
        """The last check's figures, for the dashboard, or None."""
        value = self.env["ir.config_parameter"].sudo().get_param(LAST_CHECK_PARAM)
        try:
            return json.loads(value) if value else None
        except ValueError:
            return None
