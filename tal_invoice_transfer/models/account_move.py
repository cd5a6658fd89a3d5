# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
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
    "tal_transfer_run_id",
    "tal_transfer_failure_noted",
)
# "Transfer now" runs in the user's request; larger selections go to the cron.
SYNC_TRANSFER_LIMIT = 200


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
    # Written with the state, in the same statement: the run history counts
    # from the invoices, so its figures hold after any crash.
    tal_transfer_run_id = fields.Many2one(
        comodel_name="tal.invoice.transfer.run",
        string="Last Transfer Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    # The chatter gets a note on an invoice's first failure only.
    tal_transfer_failure_noted = fields.Boolean(readonly=True, copy=False)
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
    def _compute_tal_transfer_document(self):
        targets = self.env["tal.transfer.target"]
        refs = {
            move: targets._tal_record_from_ref(move.tal_transfer_document_ref)
            for move in self
        }
        # One existence query per model for the whole list, not one per row.
        ids_by_model = defaultdict(list)
        for document in refs.values():
            if document is not None:
                ids_by_model[document._name].append(document.id)
        existing = {
            (document._name, document.id): document
            for model, ids in ids_by_model.items()
            for document in self.env[model].sudo().browse(ids).exists()
        }
        for move, ref in refs.items():
            document = existing.get((ref._name, ref.id)) if ref is not None else None
            move.tal_transfer_document = document or False
            move.tal_transfer_document_name = (
                document.display_name if document else False
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        # Draft invoices are in scope for companies that do not wait for posting.
        if not all(moves.company_id.mapped("tal_transfer_posted_only")):
            self.env["tal.invoice.transfer.scope"]._mark_in_scope(moves.ids)
        return moves

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
            # Every parallel worker starts at once.
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers()
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
        run._tal_progress(final=True)
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
            # Every parallel worker starts at once.
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers()
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
        self.ensure_one()
        target = self.env["tal.transfer.target"]._tal_get_target()
        attachments = self.env["tal.invoice.transfer.scope"]._files(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Files of %s", self.display_name),
            "res_model": target._tal_document_model,
            "view_mode": "list,form",
            "domain": [("attachment_id", "in", attachments.ids)],
            "context": {"active_test": False, "create": False},
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
        # Pending invoices of a company without a folder, or with the
        # transfer off, wait for a person: they are not in the estimate.
        ready = set(self.env["tal.invoice.transfer"]._ready_company_ids())
        pending_ready, waiting = 0, []
        for company, count in self._read_group(
            [("tal_transfer_state", "=", STATE_PENDING)], ["company_id"], ["__count"]
        ):
            if company.id in ready:
                pending_ready += count
            else:
                waiting.append(
                    {
                        "company": company.name,
                        "count": count,
                        "off": company.sudo().tal_transfer_scope == "off",
                    }
                )
        progress = self.env["tal.invoice.transfer.run"]._tal_progress_figures(
            pending_ready
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
            "rate_per_minute": round(progress["rate"], 1),
            "eta": fields.Datetime.to_string(progress["eta"])
            if progress["eta"]
            else False,
            "next_run": fields.Datetime.to_string(progress["next_run"])
            if progress["next_run"]
            else False,
            "waiting_companies": waiting,
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
