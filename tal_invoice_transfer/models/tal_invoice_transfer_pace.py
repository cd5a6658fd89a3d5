# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL

# Tries of a reservation that met another worker's (see _tal_reserve).
RESERVE_TRIES = 20


class TalInvoiceTransferPace(models.Model):
    """The pace limit's one row, shared by every worker of every server.

    A virtual schedule (the token bucket of rate limiters, without a burst):
    `next_slot` is the first moment, on the database's clock, at which an
    invoice may start. A worker reserves the next slot with one UPDATE and
    moves it one interval on, then waits for its slot: N a minute over all
    workers, whatever the servers' clocks.
    """

    _name = "tal.invoice.transfer.pace"
    _description = "Invoice Files Transfer Pace"
    _log_access = False

    next_slot = fields.Float(
        string="Next Free Slot",
        digits=(16, 6),
        readonly=True,
        help="Seconds since 1970 on the database's clock.",
    )

    def init(self):
        # The one row, made once; upgrades keep it.
        self.env.cr.execute(
            """
            INSERT INTO tal_invoice_transfer_pace (id, next_slot)
            SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM tal_invoice_transfer_pace)
            """
        )

    @api.model
    def _tal_reserve(self, per_minute, max_wait):
        """Reserve the next slot if it comes within `max_wait` seconds.

        Returns (True, seconds to wait for it), or (False, seconds until the
        next free slot) when it comes later: nothing is reserved then.

        Runs in a transaction of its own, committed at once: the caller's
        transaction must hold nothing (the engine commits first). Odoo runs
        REPEATABLE READ: two workers reserving at the same moment make one of
        them fail on the row; it rolls back its empty transaction and tries
        again, now seeing the other's slot.
        """
        interval = 60.0 / per_minute
        cr = self.env.cr
        for _attempt in range(RESERVE_TRIES):
            waiting = None
            try:
                cr.execute(
                    SQL(
                        """
                        UPDATE tal_invoice_transfer_pace p
                           SET next_slot = GREATEST(p.next_slot, c.now) + %(interval)s
                          FROM (SELECT extract(epoch FROM clock_timestamp())::float8
                                       AS now) c
                         WHERE p.id = 1
                           AND GREATEST(p.next_slot, c.now) <= c.now + %(max_wait)s
                     RETURNING p.next_slot - %(interval)s - c.now
                        """,
                        interval=interval,
                        max_wait=max(max_wait, 0),
                    ),
                    log_exceptions=False,
                )
                row = cr.fetchone()
                if row is None:
                    cr.execute(
                        """
                        SELECT next_slot - extract(epoch FROM clock_timestamp())::float8
                          FROM tal_invoice_transfer_pace WHERE id = 1
                        """
                    )
                    waiting = cr.fetchone()
                # The slot is taken for good: another worker may reserve the next.
                cr.commit()  # pylint: disable=invalid-commit
            except pg_errors.SerializationFailure:
                # Only the reservation is lost: the transaction held nothing else.
                cr.rollback()
                continue
            # To the microsecond: float noise is no wait.
            if row is not None:
                return True, max(round(row[0], 6), 0.0)
            return False, max(round(waiting[0], 6), 0.0) if waiting else 0.0
        # Workers kept reserving at the very same moments: wait one interval.
        return False, interval
