# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .account_move import STATE_PENDING

_logger = logging.getLogger(__name__)

# The plans whose folders are made ahead, and the run cache each fills.
PREPARED_PLANS = {
    "customer": "documents_customer_folders",
    "journal_period": "documents_period_folders",
}


class TalTransferTargetDocumentsBatch(models.AbstractModel):
    """The Documents adapter's batch preparation: the customer or journal /
    year / month folders a batch of pending invoices needs, found or made
    before the invoices' own transactions and committed apart, in a cursor
    of its own (see `tal.transfer.target.documents._tal_prepare`).

    Each parent's new folders are made with one Documents create, while the
    parent's right to add children is held (`_tal_lock_children`): workers on
    several servers preparing the same customers wait for each other, then
    find what the first made. The invoices then find their folder in the
    run's cache, and only take a key share of it.
    """

    _name = "tal.transfer.target.documents.batch"
    _description = "Invoice Files Transfer to Documents: Batch of Folders"

    @api.model
    def _tal_prepare_folders(self, move_ids):
        """Returns whether it committed anything, and {run cache name: {key:
        folder id}} of the folders found or made, all committed."""
        cr = self.env.cr
        documents = self.env["tal.transfer.target.documents"]
        documents._tal_begin_prepare_transaction()
        moves = (
            self.env["account.move"]
            .sudo()
            .search_fetch(
                [("id", "in", move_ids), ("tal_transfer_state", "=", STATE_PENDING)],
                [
                    "name",
                    "company_id",
                    "partner_id",
                    "journal_id",
                    "invoice_date",
                    "date",
                ],
            )
        )
        plans, roots = {}, {}
        for company in moves.company_id:
            try:
                plan = documents._tal_plan(company)
                if plan in PREPARED_PLANS:
                    roots[company] = documents._tal_folder(company)
                    plans[company] = plan
            except UserError:
                continue  # each invoice reports it
        moves = self._tal_moves_wanting_folder(
            moves.filtered(lambda move: move.company_id in roots)
        )
        caches = {name: {} for name in PREPARED_PLANS.values()}
        committed = False
        for company in moves.company_id:
            root = roots[company]
            company_moves = moves.filtered(lambda m, c=company: m.company_id == c)
            if plans[company] == "customer":
                company_moves = company_moves.filtered("partner_id")
                if not company_moves:
                    continue
                folders = documents._tal_customer_folders(root, company_moves)
                # This cursor's own transaction: the customers' folders,
                # before their invoices.
                cr.commit()  # pylint: disable=invalid-commit
                committed = True
                documents._tal_begin_prepare_transaction()
                cache = caches[PREPARED_PLANS["customer"]]
                usable = self._tal_usable_folders(company, folders.values())
                for customer, folder in folders.items():
                    if folder in usable:
                        cache[root.id, customer.id] = folder.id
                continue
            cache = caches[PREPARED_PLANS["journal_period"]]
            for move in company_moves:
                key = documents._tal_period_key(move, root)
                if key in cache:
                    continue
                try:
                    folder = documents._tal_period_folder(move, root)
                except UserError:
                    cr.rollback()
                    documents._tal_begin_prepare_transaction()
                    continue  # the invoice reports it
                # Each month's path in a transaction of its own (this
                # cursor's): a worker holds one parent's row at a time, so
                # two never wait for each other.
                cr.commit()  # pylint: disable=invalid-commit
                committed = True
                documents._tal_begin_prepare_transaction()
                cache[key] = folder.id
        return committed, caches

    @api.model
    def _tal_usable_folders(self, company, folders):
        """Those of `folders` the company's invoices may be filed in, as
        tal.transfer.target.documents._tal_check_plan_folder judges a
        folder, for the whole batch at once: out of the trash, a folder (not
        a shortcut), of the company or of none, seen by an accounting user.
        The others are left to their invoices' own path, which fails them
        with the reason."""
        documents = self.env["tal.transfer.target.documents"]
        candidates = (
            documents._tal_folders()
            .browse({folder.id for folder in folders})
            .filtered(
                lambda folder: folder.active
                and folder.type == "folder"
                and not folder.shortcut_document_id
                and folder.company_id in (company, company.browse())
            )
        )
        return candidates - documents._tal_hidden_folders(company, candidates)

    @api.model
    def _tal_moves_wanting_folder(self, moves):
        """The invoices that will file a new document: a file not yet in
        Documents, or a PDF to make."""
        if not moves:
            return moves
        scope = self.env["tal.invoice.transfer.scope"]
        pdf_ids = self.env["tal.invoice.transfer.pdf"]._tal_wanting_sql_ids(moves.ids)
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id FROM account_move m
                 WHERE m.id = ANY(%(ids)s)
                   AND (m.id = ANY(%(pdf_ids)s) OR EXISTS (
                       SELECT 1 FROM ir_attachment a
                        WHERE a.res_model = 'account.move' AND a.res_id = m.id
                          AND a.type = 'binary'
                          AND (a.res_field IS NULL OR a.res_field IN %(fields)s)
                          AND NOT EXISTS (
                              SELECT 1 FROM documents_document d
                               WHERE d.attachment_id = a.id)))
                """,
                ids=moves.ids,
                pdf_ids=pdf_ids,
                fields=tuple(scope._file_fields()),
            )
        )
        return moves.browse(row[0] for row in self.env.cr.fetchall())
