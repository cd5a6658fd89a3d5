# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter, defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

STATE_PENDING = "pending"
STATE_DONE = "done"
STATE_FAILED = "failed"
STATE_NOTHING = "no_attachment"
STATE_EXCLUDED = "excluded"
TRANSFER_STATES = [
    (STATE_PENDING, "Pending"),
    (STATE_DONE, "Transferred"),
    (STATE_FAILED, "Failed"),
    (STATE_NOTHING, "Nothing to Transfer"),
    (STATE_EXCLUDED, "Excluded"),
]
# What went wrong, in groups a person fixes at once.
ERROR_KINDS = [
    ("no_target", "No document app"),
    ("settings", "Transfer settings"),
    ("file_missing", "File missing from the filestore"),
    ("file_empty", "Empty file"),
    ("busy", "Concurrent work"),
    ("refused", "Refused by the document app"),
    ("unexpected", "Unexpected error"),
]
# The fields the transfer owns; they are written with SQL (see _tal_transfer_write).
TRANSFER_FIELDS = (
    "tal_transfer_state",
    "tal_transfer_error",
    "tal_transfer_error_kind",
    "tal_transfer_attempts",
    "tal_transfer_date",
    "tal_transfer_document_ref",
    "tal_transfer_document_count",
)
# Computed from TRANSFER_FIELDS: never written either.
TRANSFER_COMPUTED_FIELDS = ("tal_transfer_document", "tal_transfer_document_name")
# "Transfer now" runs in the user's request; larger selections go to the cron.
SYNC_TRANSFER_LIMIT = 200
# The dashboard's rate: invoices transferred over the last minutes.
RATE_WINDOW_MINUTES = 10


class AccountMove(models.Model):
    _inherit = "account.move"

    tal_transfer_state = fields.Selection(
        selection=TRANSFER_STATES,
        string="File Transfer",
        readonly=True,
        copy=False,
        index=True,
        help="Where the invoice's files stand in their transfer to Documents. "
        "Empty: the invoice is not in the transfer's scope.",
    )
    tal_transfer_error = fields.Text(
        string="Transfer Error",
        readonly=True,
        copy=False,
    )
    tal_transfer_error_kind = fields.Selection(
        selection=ERROR_KINDS,
        string="Error Kind",
        readonly=True,
        copy=False,
    )
    tal_transfer_attempts = fields.Integer(
        string="Transfer Attempts",
        readonly=True,
        copy=False,
        aggregator=None,
    )
    tal_transfer_date = fields.Datetime(
        string="Transferred On",
        readonly=True,
        copy=False,
        index=True,  # the dashboard's rate counts the last minutes' transfers
    )
    # "model,id" of the first document: a Reference would break every read of
    # the invoice once the target app is uninstalled.
    tal_transfer_document_ref = fields.Char(
        string="Transferred Document Reference",
        readonly=True,
        copy=False,
    )
    tal_transfer_document_count = fields.Integer(
        string="Transferred Documents",
        readonly=True,
        copy=False,
        aggregator=None,
    )
    tal_transfer_document = fields.Reference(
        selection="_selection_tal_transfer_document",
        string="Transferred Document",
        compute="_compute_tal_transfer_document",
    )
    # Accountants may have no right on the document app: show its name anyway.
    tal_transfer_document_name = fields.Char(
        string="Document",
        compute="_compute_tal_transfer_document",
    )

    # The cron picks the next pending invoices through this small index
    # instead of scanning the invoices.
    _tal_transfer_pending_idx = models.Index(
        "(id) WHERE tal_transfer_state = 'pending'"
    )

    @api.model
    def _selection_tal_transfer_document(self):
        targets = self.env["tal.transfer.target"]._tal_available_targets()
        return [(t._tal_document_model, t._description) for t in targets]

    @api.depends("tal_transfer_document_ref")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_tal_transfer_document(self):
        """The first document, as the reader may see it.

        Only the target apps' document models are followed, whatever the
        stored text says. A document the reader may not read shows that it
        exists, not its name.
        """
        targets = self.env["tal.transfer.target"]
        document_models = {
            target._tal_document_model for target in targets._tal_available_targets()
        }
        refs = {}
        for move in self:
            document = targets._tal_record_from_ref(move.tal_transfer_document_ref)
            if document is not None and document._name in document_models:
                refs[move] = (document._name, document.id)
        # One existence query and one access check per model for the whole
        # list, not one per row.
        ids_by_model = defaultdict(list)
        for model, res_id in refs.values():
            ids_by_model[model].append(res_id)
        existing, readable = set(), {}
        for model, ids in ids_by_model.items():
            found = self.env[model].sudo().with_context(active_test=False).browse(ids)
            found = found.exists()
            existing.update((model, res_id) for res_id in found.ids)
            mine = self.env[model].with_context(active_test=False)
            if not found or not mine.browse().has_access("read"):
                continue
            # A search applies the record rules in SQL, as the app's own
            # screens do (dms's _filtered_access lets every record through).
            for document in mine.search([("id", "in", found.ids)]):
                readable[(model, document.id)] = document
        restricted = self.env._("Restricted document")
        for move in self:
            key = refs.get(move)
            document = readable.get(key)
            move.tal_transfer_document = document or False
            if document:
                move.tal_transfer_document_name = document.display_name
            else:
                move.tal_transfer_document_name = (
                    restricted if key in existing else False
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def _tal_transfer_check_vals(self, field_names):
        """Refuse an ORM write of the transfer's own fields, from anyone.

        The transfer writes them with SQL (_tal_transfer_write); over the ORM
        they would let a user mark an invoice done, or point its document
        link at any record.
        """
        protected = set(TRANSFER_FIELDS) | set(TRANSFER_COMPUTED_FIELDS)
        forbidden = sorted(protected.intersection(field_names))
        if forbidden:
            raise AccessError(
                self.env._(
                    "The files transfer sets %(fields)s itself: use Transfer Now, "
                    "Retry or Exclude instead.",
                    fields=", ".join(forbidden),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._tal_transfer_check_vals(
            [
                *(name for vals in vals_list for name in vals),
                *(
                    key.removeprefix("default_")
                    for key in self.env.context
                    if key.startswith("default_")
                ),
            ]
        )
        moves = super().create(vals_list)
        # Draft invoices are in scope for companies that do not wait for posting.
        if not all(moves.company_id.mapped("tal_transfer_posted_only")):
            self.env["tal.invoice.transfer.scope"]._mark_in_scope(moves.ids)
        return moves

    def write(self, vals):
        self._tal_transfer_check_vals(vals)
        return super().write(vals)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["tal.invoice.transfer.scope"]._mark_in_scope(posted.ids)
        return posted

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _tal_transfer_check_manager(self):
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._("Only accounting managers can transfer invoice files.")
            )

    def action_tal_transfer_now(self):
        """Transfer the selected invoices now, each in its own savepoint.

        No intermediate commit in a user's request: the request commits at its
        end, documents and states together.
        """
        self._tal_transfer_check_manager()
        moves = self.filtered(
            lambda m: m.tal_transfer_state in (STATE_PENDING, STATE_FAILED)
        )
        if len(moves) > SYNC_TRANSFER_LIMIT:
            moves._tal_transfer_write({"tal_transfer_state": STATE_PENDING})
            self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")._trigger()
            return self._tal_transfer_notify(
                self.env._(
                    "%(count)s invoices queued: the scheduled action transfers them "
                    "in the background.",
                    count=len(moves),
                )
            )
        run = self.env["tal.invoice.transfer.run"]._tal_start("manual")
        stats = (
            self.env["tal.invoice.transfer"]
            .sudo()
            ._run(move_ids=moves.ids, states=(STATE_PENDING, STATE_FAILED), run=run)
        )
        run._tal_add(Counter(), final=True)
        return self._tal_transfer_notify(
            self.env._(
                "%(done)s transferred, %(failed)s failed, %(nothing)s without "
                "files, %(skipped)s skipped (being transferred elsewhere or not "
                "pending).",
                done=stats[STATE_DONE],
                failed=stats[STATE_FAILED] + stats[STATE_PENDING],
                nothing=stats[STATE_NOTHING],
                skipped=stats["skipped"] + len(self) - len(moves),
            ),
            sticky=bool(stats[STATE_FAILED]),
        )

    def action_tal_transfer_retry(self):
        """Give failed or excluded invoices another go, by the scheduled action."""
        self._tal_transfer_check_manager()
        moves = self.filtered(
            lambda m: m.tal_transfer_state in (STATE_FAILED, STATE_EXCLUDED)
        )
        moves._tal_transfer_write(
            {
                "tal_transfer_state": STATE_PENDING,
                "tal_transfer_error": None,
                "tal_transfer_error_kind": None,
                "tal_transfer_attempts": 0,
            }
        )
        for move in moves:
            move._message_log(
                body=self.env._("Files transfer retried by %s.", self.env.user.name)
            )
        if moves:
            self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")._trigger()
        return self._tal_transfer_notify(
            self.env._("%(count)s invoices queued for transfer.", count=len(moves))
        )

    def action_tal_transfer_exclude(self):
        """Keep the selected invoices out of the transfer."""
        self._tal_transfer_check_manager()
        moves = self.filtered(
            lambda m: m.tal_transfer_state
            in (STATE_PENDING, STATE_FAILED, STATE_NOTHING)
        )
        moves._tal_transfer_write({"tal_transfer_state": STATE_EXCLUDED})
        return self._tal_transfer_notify(
            self.env._(
                "%(count)s invoices excluded from the transfer.", count=len(moves)
            )
        )

    def action_tal_transfer_open_documents(self):
        """The invoice's documents in the target app, or else its own files.

        The files stay the invoice's attachments: whoever may read the invoice
        may download them, even without a right on the document app.
        """
        self.ensure_one()
        attachments = self.env["tal.invoice.transfer.scope"]._files(self)
        return self._tal_transfer_documents_action(
            attachments
        ) or self._tal_transfer_attachments_action(attachments)

    def _tal_transfer_documents_action(self, attachments):
        """The documents of `attachments` the user may open in the target app,
        or None."""
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            return None
        documents = self.env[target._tal_document_model].with_context(
            active_test=False
        )
        if not attachments or not self._tal_transfer_can_browse(documents):
            return None
        documents = documents.search([("attachment_id", "in", attachments.ids)])
        if not documents:
            return None
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Files of %s", self.display_name),
            "res_model": documents._name,
            "view_mode": "list,form",
            "domain": [("id", "in", documents.ids)],
            "context": {"active_test": False, "create": False},
        }

    @api.model
    def _tal_transfer_can_browse(self, model):
        """Whether the user can show `model`'s default list and form views.

        The app's views show related records (DMS categories and tags...)
        its users may read, and others may not: a read of the documents alone
        succeeds where their screen fails.
        """
        if not model.browse().has_access("read"):
            return False
        views = model.get_views([(False, "list"), (False, "form")])
        for name, description in views["models"].items():
            comodels = {name}
            comodels.update(
                field["relation"]
                for field in description["fields"].values()
                if field.get("relation")
            )
            for comodel in comodels:
                if comodel in self.env and not (
                    self.env[comodel].browse().has_access("read")
                ):
                    return False
        return True

    def _tal_transfer_attachments_action(self, attachments):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Files of %s", self.display_name),
            "res_model": "ir.attachment",
            "view_mode": "list,form",
            "views": [
                (
                    self.env.ref(
                        "tal_invoice_transfer.ir_attachment_view_list_transfer"
                    ).id,
                    "list",
                ),
                (False, "form"),
            ],
            "domain": [("id", "in", attachments.ids)],
            "context": {"create": False},
        }

    @api.model
    def tal_transfer_dashboard(self):
        """Figures above the progress list, for the user's companies."""
        self._tal_transfer_check_manager()
        counts = dict(
            self._read_group(
                [("tal_transfer_state", "!=", False)],
                ["tal_transfer_state"],
                ["__count"],
            )
        )
        total = sum(counts.values())
        finished = counts.get(STATE_DONE, 0) + counts.get(STATE_NOTHING, 0)
        to_do = total - counts.get(STATE_EXCLUDED, 0)
        since = fields.Datetime.now() - timedelta(minutes=RATE_WINDOW_MINUTES)
        recent = self.search_count([("tal_transfer_date", ">=", since)])
        rate = recent / RATE_WINDOW_MINUTES  # invoices per minute
        pending = counts.get(STATE_PENDING, 0)
        eta = (
            fields.Datetime.now() + timedelta(minutes=pending / rate)
            if rate and pending
            else False
        )
        kind_labels = dict(
            self._fields["tal_transfer_error_kind"]._description_selection(self.env)
        )
        failed_groups = [
            {
                "kind": kind or "",
                "label": kind_labels.get(kind, self.env._("Other")),
                "count": count,
                "example": example or "",
            }
            for kind, count, example in self._read_group(
                [("tal_transfer_state", "=", STATE_FAILED)],
                ["tal_transfer_error_kind"],
                ["__count", "tal_transfer_error:max"],
                order="__count desc",
            )
        ]
        return {
            "counts": {
                state: counts.get(state, 0) for state, _label in TRANSFER_STATES
            },
            "labels": dict(
                self._fields["tal_transfer_state"]._description_selection(self.env)
            ),
            "total": total,
            "percent_done": round(100 * finished / to_do, 1) if to_do else 100.0,
            "rate_per_minute": round(rate, 1),
            "eta": fields.Datetime.to_string(eta) if eta else False,
            "failed_groups": failed_groups,
        }

    def _tal_transfer_notify(self, message, sticky=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Invoice Files Transfer"),
                "message": message,
                "sticky": sticky,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # State bookkeeping
    # ------------------------------------------------------------------

    def _tal_transfer_write(self, vals):
        """Write transfer fields with SQL.

        An ORM write on a posted invoice re-syncs its lines (about 17 ms and 11
        queries) and flags it as manually modified; these fields are no
        accounting data, so the invoice, its lines and its chatter must stay
        exactly as they were.
        """
        assert set(vals) <= set(TRANSFER_FIELDS), set(vals) - set(TRANSFER_FIELDS)
        if not self:
            return
        assignments = SQL(", ").join(
            SQL("%s = %s", SQL.identifier(name), value) for name, value in vals.items()
        )
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET %s WHERE id IN %s",
                assignments,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(list(vals))
