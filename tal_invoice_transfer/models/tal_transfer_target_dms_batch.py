# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, sql

from .account_move import STATE_PENDING

_logger = logging.getLogger(__name__)

# Named as the ORM names a field's index: a DMS version that indexes the field
# itself finds it there.
ALIAS_INDEX = sql.make_index_name("dms_directory", "alias_id")


class TalTransferTargetDmsBatch(models.AbstractModel):
    """The DMS adapter's batch preparation: the directories of a batch of
    pending invoices made with one DMS create, in a cursor of its own
    (see `tal.transfer.target.dms._tal_prepare`)."""

    _name = "tal.transfer.target.dms.batch"
    _description = "Invoice Files Transfer to DMS: Batch of Directories"

    def init(self):
        res = super().init()
        # At install; a DMS installed later gets it from the first batch.
        if "dms.directory" in self.env:
            self._tal_ensure_alias_index()
        return res

    @api.model
    def _tal_begin_prepare_transaction(self):
        """See tal.transfer.target._tal_begin_prepare_transaction."""
        self.env["tal.transfer.target"]._tal_begin_prepare_transaction()

    @api.model
    def _tal_prepare_directories(self, move_ids):
        """`_tal_prepare`'s work, in a cursor of its own. Returns whether it
        committed anything, and {run cache name: {(storage, invoice):
        directory id}} of the directories made.

        What this cursor cannot see (a caller's uncommitted invoices) is left
        to each invoice's own path.
        """
        cr = self.env.cr
        dms = self.env["tal.transfer.target.dms"]
        self._tal_begin_prepare_transaction()
        if self._tal_ensure_alias_index():
            # The index first, once, in this cursor of its own.
            cr.commit()  # pylint: disable=invalid-commit
            self._tal_begin_prepare_transaction()
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
        roots = {}
        for company in moves.company_id:
            try:
                roots[company] = dms._tal_folder(company)
                dms._tal_plan(company)
            except UserError:
                continue  # each invoice reports it
        moves = self._tal_moves_wanting_directory(
            moves.filtered(lambda move: move.company_id in roots), roots
        )
        if not moves:
            return False, {}
        plan_key = {
            move: dms._tal_plan_key(move, roots[move.company_id]) for move in moves
        }
        parents = {}
        for company in moves.company_id:
            root = roots[company]
            company_moves = moves.filtered(lambda m, c=company: m.company_id == c)
            if company.tal_transfer_filing_plan == "customer":
                # The customers' directories of the batch with one create.
                customers = dms._tal_customer_folders(
                    root, company_moves.filtered("partner_id")
                )
                # In a transaction of its own (this cursor's), before the
                # invoices' directories.
                cr.commit()  # pylint: disable=invalid-commit
                self._tal_begin_prepare_transaction()
                for move in company_moves:
                    customer = move.partner_id.commercial_partner_id
                    parents[plan_key[move]] = customers.get(customer, root)
                continue
            for move in company_moves:
                key = plan_key[move]
                if key not in parents:
                    parents[key] = dms._tal_plan_parent(move, root)
                    # The shared journal, year and month folders first, each
                    # path in a transaction of its own (this cursor's, not a
                    # caller's): a worker holds one parent's row at a time,
                    # so two never wait for each other.
                    cr.commit()  # pylint: disable=invalid-commit
                    self._tal_begin_prepare_transaction()
        # Then the invoices: locked (one a worker holds is left to it) and
        # checked again, since another worker may have done them meanwhile.
        cr.execute(
            """
            SELECT id FROM account_move
             WHERE id = ANY(%s) AND tal_transfer_state = %s
             ORDER BY id FOR NO KEY UPDATE SKIP LOCKED
            """,
            [moves.ids, STATE_PENDING],
        )
        moves = self._tal_moves_wanting_directory(
            moves.browse(row[0] for row in cr.fetchall()), roots
        )
        # A user may have deleted a plan's folder since it was committed.
        # Claimed: a request that began before this commit and deletes it is
        # then retried by Odoo and sees the new folders.
        held = dms._tal_hold_directories(
            sorted({parents[plan_key[move]].id for move in moves}), claim=True
        )
        moves = moves.filtered(lambda move: parents[plan_key[move]] in held)
        if not moves:
            return True, {}
        # A worker that took its snapshot before this commit would not see
        # these directories and make a second one: changing the invoices' rows
        # (to the same values) makes PostgreSQL refuse it their lock instead.
        cr.execute(
            "UPDATE account_move SET write_date = write_date WHERE id = ANY(%s)",
            [moves.ids],
        )
        moves_of_parent = defaultdict(list)
        for move in moves:
            moves_of_parent[parents[plan_key[move]]].append(move)
        vals_list = []
        for parent, parent_moves in moves_of_parent.items():
            names = [dms._tal_safe_name(move.name) for move in parent_moves]
            taken = dms._tal_taken_names(parent, names)
            for move in parent_moves:
                name = dms._tal_safe_name(move.name, taken)
                taken.add(name)
                vals_list.append(dms._tal_invoice_directory_vals(move, parent, name))
        directories = dms._tal_directories().create(vals_list)
        return True, {
            "dms_prepared_directories": {
                (directory.storage_id.id, directory.res_id): directory.id
                for directory in directories
            }
        }

    @api.model
    def _tal_ensure_alias_index(self):
        """Index DMS directories by their mail alias, once per database;
        return whether it was made now.

        Every DMS directory gets a mail alias, and mail's create then writes
        each new directory's alias; to find what depends on that alias, the
        ORM searches `dms_directory.alias_id IN (...)`, a column DMS does not
        index: a sequential scan of every directory, once per invoice, so the
        cost per invoice grows with the tree. An index changes nothing else.
        """
        cr = self.env.cr
        if sql.index_exists(cr, ALIAS_INDEX):
            return False
        # Workers that start together: one makes it, the others then find it.
        cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [ALIAS_INDEX])
        if sql.index_exists(cr, ALIAS_INDEX):
            return False
        sql.create_index(cr, ALIAS_INDEX, "dms_directory", ['"alias_id"'])
        _logger.info("Indexed the DMS directories by mail alias (%s).", ALIAS_INDEX)
        return True

    @api.model
    def _tal_moves_wanting_directory(self, moves, roots):
        """The invoices that `_tal_transfer` would give a directory: a file to
        transfer not yet in DMS, and no directory in their root's storage."""
        scope = self.env["tal.invoice.transfer.scope"]
        wanting = moves.browse()
        for company in moves.company_id:
            company_moves = moves.filtered(lambda move, c=company: move.company_id == c)
            files = SQL("TRUE")
            if company.tal_transfer_attachment_mode == "main":
                # Which file is the main one depends on each invoice.
                files = SQL(
                    "a.id = ANY(%s)",
                    [id_ for move in company_moves for id_ in scope._files(move).ids],
                )
            self.env.cr.execute(
                SQL(
                    """
                    SELECT m.id FROM account_move m
                     WHERE m.id = ANY(%(ids)s)
                       AND NOT EXISTS (
                           SELECT 1 FROM dms_directory d
                            WHERE d.res_model = 'account.move' AND d.res_id = m.id
                              AND d.storage_id = %(storage)s)
                       AND EXISTS (
                           SELECT 1 FROM ir_attachment a
                            WHERE a.res_model = 'account.move' AND a.res_id = m.id
                              AND a.type = 'binary'
                              AND (a.res_field IS NULL OR a.res_field IN %(fields)s)
                              AND %(files)s
                              AND NOT EXISTS (
                                  SELECT 1 FROM dms_file f
                                   WHERE f.attachment_id = a.id))
                    """,
                    ids=company_moves.ids,
                    storage=roots[company].storage_id.id,
                    fields=tuple(scope._file_fields()),
                    files=files,
                )
            )
            wanting |= moves.browse(row[0] for row in self.env.cr.fetchall())
        return wanting
