# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .. import compat
from ..messages import render_error

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
    ("pdf", "PDF rendering"),
    ("busy", "Concurrent work"),
    ("refused", "Refused by the document app"),
    ("unexpected", "Unexpected error"),
]
# The fields the transfer owns; they are written with SQL (see _tal_transfer_write).
TRANSFER_FIELDS = (
    "tal_transfer_state",
    "tal_transfer_error",
    "tal_transfer_error_kind",
    "tal_transfer_error_data",
    "tal_transfer_attempts",
    "tal_transfer_date",
    "tal_transfer_document_ref",
    "tal_transfer_document_count",
    "tal_transfer_run_id",
    "tal_transfer_failure_noted",
    "tal_transfer_pdf_report_id",
    "tal_transfer_pdf_rule_id",
    "tal_transfer_reset_date",
    "tal_transfer_posted_date",
    "tal_transfer_failure_reported",
)
# Computed from TRANSFER_FIELDS: never written either.
TRANSFER_COMPUTED_FIELDS = (
    "tal_transfer_document",
    "tal_transfer_document_name",
    "tal_transfer_error_display",
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
    # The error's kind and parts (see messages.py): said in each reader's
    # language, while tal_transfer_error keeps the English text for the log,
    # the search and the grouping.
    tal_transfer_error_data = fields.Json(
        string="Transfer Error Details",
        readonly=True,
        copy=False,
    )
    tal_transfer_error_display = fields.Text(
        string="Error",
        compute="_compute_tal_transfer_error_display",
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
    tal_transfer_failure_noted = fields.Boolean(
        string="Failure Noted", readonly=True, copy=False
    )
    # The official PDF the transfer made, with the template and the rule
    # that chose it (empty: the PDF came from Odoo or a person).
    tal_transfer_pdf_report_id = fields.Many2one(
        comodel_name="ir.actions.report",
        string="PDF Made With",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    tal_transfer_pdf_rule_id = fields.Many2one(
        comodel_name="tal.invoice.transfer.pdf.rule",
        string="PDF Template Rule",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    # A PDF filed before this shows a superseded invoice.
    tal_transfer_reset_date = fields.Datetime(
        string="Last Reset to Draft",
        readonly=True,
        copy=False,
    )
    # Outside a company's working hours only recently posted invoices go
    # (see tal.invoice.transfer.window); empty: posted before the addon knew.
    tal_transfer_posted_date = fields.Datetime(
        string="Posted On",
        readonly=True,
        copy=False,
    )
    # Failures are summed up once a day (tal.invoice.transfer.notice): set
    # once this failure was in a summary, cleared when the invoice goes again.
    tal_transfer_failure_reported = fields.Boolean(
        string="Failure Reported", readonly=True, copy=False
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
    _tal_transfer_pending_idx = compat.Index(
        "(id) WHERE tal_transfer_state = 'pending'"
    )

    def init(self):
        result = super().init()
        compat.create_indexes(self)
        return result

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

    @api.depends("tal_transfer_error", "tal_transfer_error_data")
    @api.depends_context("lang")
    def _compute_tal_transfer_error_display(self):
        lang = self.env.lang or "en_US"
        for move in self:
            move.tal_transfer_error_display = move.tal_transfer_error and (
                render_error(move.tal_transfer_error_data, lang)
                or move.tal_transfer_error
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

    @api.model
    def default_get(self, fields):
        # Users' own defaults (ir.default) must not reach the transfer's fields.
        protected = set(TRANSFER_FIELDS) | set(TRANSFER_COMPUTED_FIELDS)
        return super().default_get([name for name in fields if name not in protected])

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
        # When it was posted: outside working hours the recent ones still go.
        posted._tal_transfer_write({"tal_transfer_posted_date": fields.Datetime.now()})
        scope = self.env["tal.invoice.transfer.scope"]
        scope._mark_in_scope(posted.ids)
        # Posted (again): one filed while a draft, or without files, may now
        # want its PDF made (core detached the old one on reset).
        scope._tal_reopen_for_pdf(posted.ids)
        if posted.filtered(lambda move: move.tal_transfer_state == STATE_PENDING):
            # Today's invoices reach the document app at once, not at the
            # next hourly call (and outside working hours too).
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers_soon()
        return posted

    def button_draft(self):
        result = super().button_draft()
        # The transaction's time, to the microsecond, as documents' create_date.
        self._tal_transfer_write({"tal_transfer_reset_date": self.env.cr.now()})
        return result

    def _message_set_main_attachment_id(
        self, attachments, force=False, filter_xml=True
    ):
        # Documents' accounting bridge files the main file when it is set:
        # the target makes that safe beside a transfer of the same invoice.
        moves = self.env["tal.transfer.target.documents"]._tal_before_main_file(
            self, attachments, force, filter_xml
        )
        return super(AccountMove, moves)._message_set_main_attachment_id(
            attachments, force=force, filter_xml=filter_xml
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _tal_transfer_check_manager(self):
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._("Only accounting administrators can transfer invoice files.")
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
        return self.env["tal.invoice.transfer.ui"]._transfer_now(
            moves, skipped=len(self) - len(moves)
        )

    def action_tal_transfer_retry(self):
        """Give failed or excluded invoices another go, by the scheduled action."""
        self._tal_transfer_check_manager()
        moves = self.filtered(
            lambda m: m.tal_transfer_state in (STATE_FAILED, STATE_EXCLUDED)
        )
        return self.env["tal.invoice.transfer.ui"]._retry_queued(moves)

    def action_tal_transfer_retry_now(self):
        """The Retry button: failed or excluded invoices, transferred again now
        as Transfer Now does; a large selection goes to the scheduled action."""
        self._tal_transfer_check_manager()
        moves = self.filtered(
            lambda m: m.tal_transfer_state in (STATE_FAILED, STATE_EXCLUDED)
        )
        return self.env["tal.invoice.transfer.ui"]._retry_now(
            moves, skipped=len(self) - len(moves)
        )

    def action_tal_transfer_exclude_wizard(self):
        """The Exclude button: asks for a confirmation and a reason."""
        self._tal_transfer_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Exclude from the Files Transfer"),
            "res_model": "tal.invoice.transfer.exclude",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids},
        }

    def action_tal_transfer_exclude(self, reason=None):
        """Keep the selected invoices out of the transfer; a note says who
        excluded them, and why."""
        self._tal_transfer_check_manager()
        moves = self.filtered(
            lambda m: m.tal_transfer_state
            in (STATE_PENDING, STATE_FAILED, STATE_NOTHING)
        )
        return self.env["tal.invoice.transfer.ui"]._exclude(moves, reason)

    @api.model
    def action_tal_transfer_check(self):
        """The dashboard's Check: every transferred invoice of the user's
        companies still has its files in the target; those short of one go
        back to pending."""
        self._tal_transfer_check_manager()
        return self.env["tal.invoice.transfer.ui"]._check_now()

    def action_tal_transfer_open_documents(self):
        """The invoice's documents in the target app, or else its own files."""
        self.ensure_one()
        return self.env["tal.invoice.transfer.ui"]._open_files_action(self)

    @api.model
    def tal_transfer_pause(self):
        """Pause every worker after its current invoice (the progress view's
        and the settings' button)."""
        self._tal_transfer_check_manager()
        self.env["tal.invoice.transfer.gate"]._tal_pause()
        return True

    @api.model
    def tal_transfer_resume(self):
        """Start the workers again, at once."""
        self._tal_transfer_check_manager()
        self.env["tal.invoice.transfer.gate"]._tal_resume()
        return True

    @api.model
    def tal_transfer_dashboard(self):
        """Figures above the progress list, for the user's companies."""
        self._tal_transfer_check_manager()
        return self.env["tal.invoice.transfer.ui"]._dashboard()

    # ------------------------------------------------------------------
    # State bookkeeping
    # ------------------------------------------------------------------

    def _tal_transfer_log_failure(self, payload):
        """A note on the chatter, in the language of the invoice's people."""
        self.ensure_one()
        # An invoice made by OdooBot (an import) speaks the company's language.
        user = self.invoice_user_id
        user_lang = user.lang if user and not user._is_superuser() else None
        lang = user_lang or self.company_id.partner_id.lang or "en_US"
        env = self.with_context(lang=lang).env
        self._message_log(
            body=Markup("%s<br/>%s")
            % (
                env._(
                    "The transfer of this invoice's files failed: %s",
                    render_error(payload, lang),
                ),
                env._(
                    "An accounting administrator can retry it, or exclude the "
                    "invoice, from its Files Transfer tab."
                ),
            )
        )

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
