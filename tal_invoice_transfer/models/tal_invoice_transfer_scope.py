# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL, Query

from .account_move import STATE_DONE, STATE_NOTHING

# What the targets and their documents read of each file.
ATTACHMENT_FIELDS_READ = [
    "name",
    "type",
    "store_fname",
    "file_size",
    "checksum",
    "mimetype",
    "res_model",
    "res_id",
    "res_field",
    "company_id",
    "description",
]


class TalInvoiceTransferScope(models.AbstractModel):
    """Which invoices are in the transfer, and which of their files.

    Set-based: the install hook and the settings mark any number of invoices
    in one statement; a file added later reopens its invoice.
    """

    _name = "tal.invoice.transfer.scope"
    _description = "Invoice Files Transfer Scope"

    @api.model
    def _files_sql(self, move_alias):
        """SQL condition: the move has at least one file to transfer."""
        return SQL(
            """EXISTS (
                SELECT 1 FROM ir_attachment a
                 WHERE a.res_model = 'account.move'
                   AND a.res_id = %(move)s.id
                   AND a.type = 'binary'
                   AND (a.res_field IS NULL OR a.res_field IN %(fields)s)
            )""",
            move=SQL.identifier(move_alias),
            fields=tuple(self._file_fields()),
        )

    @api.model
    def _file_fields(self):
        # The invoice's legal documents (its PDF, e-invoice XML) are binary
        # fields' attachments; the list is the one core detaches on reset.
        return self.env["account.move"]._get_fields_to_detach()

    @api.model
    def _mark_in_scope(self, move_ids=None, company_ids=None):
        """Set pending / nothing-to-transfer on in-scope invoices without a state.

        One set-based statement for any number of invoices: the install hook
        runs it on the whole backlog.
        """
        if move_ids is not None and not move_ids:
            return
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("id", "in", company_ids)] if company_ids else [])
        )
        if move_ids is not None:
            self.env["account.move"].browse(move_ids).flush_recordset(
                ["move_type", "state", "company_id", "date", "journal_id"]
            )
        # The statement reads the setting (needs_pdf) as pending writes left it.
        self.env["res.company"].flush_model(["tal_transfer_make_pdf"])
        scopes = SQL(", ").join(
            SQL(
                "(%s, %s::varchar[], %s::date, %s, %s::int[])",
                company.id,
                list(company._tal_transfer_move_types()),
                company.tal_transfer_date_from or None,
                company.tal_transfer_posted_only,
                company.tal_transfer_journal_ids.ids,
            )
            for company in companies
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move m
                   SET tal_transfer_state = CASE WHEN %(has_files)s
                                                   OR %(needs_pdf)s
                                                 THEN 'pending'
                                                 ELSE 'no_attachment' END
                  FROM (VALUES %(scopes)s)
                       AS scope(company_id, move_types, date_from, posted_only,
                                journal_ids),
                       res_company c
                 WHERE m.company_id = scope.company_id
                   AND c.id = m.company_id
                   AND m.tal_transfer_state IS NULL
                   AND m.move_type = ANY(scope.move_types)
                   AND (m.state = 'posted'
                        OR (NOT scope.posted_only AND m.state = 'draft'))
                   AND (scope.date_from IS NULL OR m.date >= scope.date_from)
                   AND (cardinality(scope.journal_ids) = 0
                        OR m.journal_id = ANY(scope.journal_ids))
                   AND (%(all)s OR m.id = ANY(%(ids)s))
                """,
                has_files=self._files_sql("m"),
                needs_pdf=self.env["tal.invoice.transfer.pdf"]._tal_needs_pdf_sql(
                    "m", "c"
                ),
                scopes=scopes,
                all=move_ids is None,
                ids=list(move_ids or []),
            )
        )
        if self.env.cr.rowcount:
            self.env["account.move"].invalidate_model(["tal_transfer_state"])
        return self.env.cr.rowcount

    @api.model
    def _tal_reopen_for_pdf(self, move_ids=None, company_ids=None):
        """Finished invoices that now want a PDF made go back to pending:
        posted (again), found without files, or filed while a draft; the
        setting switched on; the upgrade that brought the PDF maker. Whether
        the target already holds their PDF is decided when they are taken."""
        if move_ids is not None and not move_ids:
            return 0
        self.env["account.move"].flush_model(["state", "move_type"])
        self.env["res.company"].flush_model(["tal_transfer_make_pdf"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move m
                   SET tal_transfer_state = 'pending', tal_transfer_attempts = 0
                  FROM res_company c
                 WHERE c.id = m.company_id
                   AND m.tal_transfer_state IN %(finished)s
                   AND %(needs_pdf)s
                   AND (%(all_moves)s OR m.id = ANY(%(ids)s))
                   AND (%(all_companies)s OR m.company_id = ANY(%(companies)s))
                """,
                finished=(STATE_DONE, STATE_NOTHING),
                needs_pdf=self.env["tal.invoice.transfer.pdf"]._tal_needs_pdf_sql(
                    "m", "c"
                ),
                all_moves=move_ids is None,
                ids=list(move_ids or []),
                all_companies=company_ids is None,
                companies=list(company_ids or []),
            )
        )
        count = self.env.cr.rowcount
        if count:
            self.env["account.move"].invalidate_model(
                ["tal_transfer_state", "tal_transfer_attempts"]
            )
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers(
                pending=True
            )
        return count

    @api.model
    def _reopen(self, move_ids):
        """Invoices gained or lost a file: a finished one is transferred again.

        Every invoice row is written, whatever its state. Odoo runs REPEATABLE
        READ, and a worker reads an invoice's files from the snapshot its
        transaction began with. Writing the row makes PostgreSQL order the two
        transactions: if a worker holds the invoice, this statement waits for
        it, then fails with a serialization error that Odoo retries (HTTP
        requests) once the worker has committed, and the retry reopens what
        the worker marked done. If this transaction commits first, the
        worker's lock on the row fails the same way and it leaves the invoice
        for the next run. An UPDATE limited to finished invoices matched no
        row of a pending invoice, and the worker marked it done without the
        new file. Out-of-scope rows are written too: posting puts an invoice
        in scope from its own snapshot of the files.
        """
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move
                   SET tal_transfer_state = CASE
                           WHEN account_move.tal_transfer_state IN %(finished)s
                           THEN 'pending'
                           ELSE account_move.tal_transfer_state
                       END,
                       -- A new transfer: its retries on a busy database
                       -- do not count the transfers that succeeded before.
                       tal_transfer_attempts = CASE
                           WHEN account_move.tal_transfer_state IN %(finished)s
                           THEN 0
                           ELSE account_move.tal_transfer_attempts
                       END
                  FROM (SELECT id, tal_transfer_state AS state
                          FROM account_move WHERE id = ANY(%(ids)s)) AS before
                 WHERE account_move.id = before.id
             RETURNING before.state IN %(finished)s
                """,
                finished=(STATE_DONE, STATE_NOTHING),
                ids=list(move_ids),
            ),
            # The serialization failure above is expected and retried: no
            # ERROR line for it in the log.
            log_exceptions=False,
        )
        reopened = any(row[0] for row in self.env.cr.fetchall())
        self.env["account.move"].invalidate_model(
            ["tal_transfer_state", "tal_transfer_attempts"]
        )
        if reopened:
            # Filed again soon, not at the next hourly call.
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers(
                pending=True
            )

    @api.model
    def _tal_shared_contents(self, checksums):
        """The contents among `checksums` that files of several invoices of
        the transfer hold: a copy of such a content found apart from any
        invoice cannot be told to be one invoice's."""
        if not checksums:
            return set()
        self.env["ir.attachment"].flush_model(
            ["res_model", "res_id", "res_field", "checksum", "type"]
        )
        self.env.cr.execute(
            self._tal_shared_contents_sql(
                SQL("SELECT unnest(%s::varchar[])", sorted(checksums))
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _tal_shared_contents_sql(self, checksums):
        """SQL: the contents among those `checksums` (a query) selects that
        files of several invoices of the transfer hold."""
        return SQL(
            """
            SELECT a.checksum
              FROM ir_attachment a
              JOIN account_move m ON m.id = a.res_id
             WHERE a.res_model = 'account.move'
               AND a.checksum IN (%s)
               AND a.type = 'binary'
               AND (a.res_field IS NULL OR a.res_field IN %s)
               AND m.tal_transfer_state IS NOT NULL
             GROUP BY a.checksum
            HAVING count(DISTINCT a.res_id) > 1
            """,
            checksums,
            tuple(self._file_fields()),
        )

    @api.model
    def _files(self, move):
        """The attachments an invoice transfers, per its company's settings."""
        move.ensure_one()
        attachments = self.env["ir.attachment"].sudo()
        # A plain query rather than a search: the domain machinery costs more
        # than the query, once per invoice, and sudo skips the access rules.
        query = Query(attachments.env, attachments._table, attachments._table_sql)
        query.add_where(
            SQL(
                """ir_attachment.res_model = 'account.move'
                   AND ir_attachment.res_id = %s
                   AND ir_attachment.type = 'binary'
                   AND (ir_attachment.res_field IS NULL
                        OR ir_attachment.res_field IN %s)""",
                move.id,
                tuple(self._file_fields()),
            )
        )
        query.order = SQL("ir_attachment.id")
        # What the targets and their documents read, in the same query.
        files = attachments._fetch_query(
            query, [attachments._fields[name] for name in ATTACHMENT_FIELDS_READ]
        )
        if move.company_id.tal_transfer_attachment_mode == "main" and files:
            main = move.sudo().message_main_attachment_id
            if main not in files:
                main = move.sudo().invoice_pdf_report_id
            files = main if main in files else files[0]
        return files
