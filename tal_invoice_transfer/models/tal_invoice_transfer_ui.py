# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .. import compat
from .account_move import (
    STATE_DONE,
    STATE_EXCLUDED,
    STATE_FAILED,
    STATE_NOTHING,
    STATE_PENDING,
    SYNC_TRANSFER_LIMIT,
    TRANSFER_FIELDS,
    TRANSFER_STATES,
)

# A user's Transfer Now renders PDFs in the request up to about this long;
# more go to the scheduled action (requests are cut at 120 s by default).
SYNC_RENDER_SECONDS = 30


class TalInvoiceTransferUi(models.AbstractModel):
    """What the transfer's screens show: the figures above the progress list
    and the files of an invoice."""

    _name = "tal.invoice.transfer.ui"
    _description = "Invoice Files Transfer Screens"

    @api.model
    def tal_transfer_counts(self, domain=None):
        """The cards above the progress list, under the list's own search.

        Every state is counted under the list's other filters: the state
        filters (a clicked card) only say which card is active.

        :param domain: the list's domain, as the search panel builds it
        """
        moves = self.env["account.move"]
        moves._tal_transfer_check_manager()
        domain = compat.domain_and(
            compat.domain_without(domain, "tal_transfer_state"),
            [("tal_transfer_state", "!=", False)],
        )
        counts = dict(moves._read_group(domain, ["tal_transfer_state"], ["__count"]))
        total = sum(counts.values())
        finished = counts.get(STATE_DONE, 0) + counts.get(STATE_NOTHING, 0)
        to_do = total - counts.get(STATE_EXCLUDED, 0)
        kinds = dict(
            moves._fields["tal_transfer_error_kind"]._description_selection(self.env)
        )
        groups = moves._read_group(
            compat.domain_and(domain, [("tal_transfer_state", "=", STATE_FAILED)]),
            ["tal_transfer_error_kind"],
            ["__count", "id:max"],
            order="__count desc",
        )
        # The latest invoice of each group gives its example, in the reader's
        # language.
        examples = moves.browse([last_id for _kind, _count, last_id in groups])
        return {
            "counts": {
                state: counts.get(state, 0)
                for state, _label in moves._fields[
                    "tal_transfer_state"
                ]._description_selection(self.env)
            },
            "labels": dict(
                moves._fields["tal_transfer_state"]._description_selection(self.env)
            ),
            "total": total,
            "percent_done": round(100 * finished / to_do, 1) if to_do else 100.0,
            "failed_groups": [
                {
                    "kind": kind or "",
                    "label": kinds.get(kind, self.env._("Other")),
                    "count": count,
                    "example": example.tal_transfer_error_display or "",
                }
                for (kind, count, _last_id), example in zip(
                    groups, examples, strict=True
                )
            ],
        }

    # ------------------------------------------------------------------
    # The buttons (account.move's action_tal_transfer_* check the rights)
    # ------------------------------------------------------------------

    @api.model
    def _dashboard(self):
        """What account.move.tal_transfer_dashboard shows (its caller checks
        the user is an accounting manager)."""
        moves = self.env["account.move"]
        counts = dict(
            moves._read_group(
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
        pending_ready, waiting, pending_by_company = 0, [], {}
        for company, count in moves._read_group(
            [("tal_transfer_state", "=", STATE_PENDING)], ["company_id"], ["__count"]
        ):
            if company.id in ready:
                pending_ready += count
                pending_by_company[company.id] = count
            else:
                waiting.append(
                    {
                        "company": company.name,
                        "count": count,
                        "off": company.sudo().tal_transfer_scope == "off",
                    }
                )
        windows = self._tal_windows(pending_by_company)
        progress = self.env["tal.invoice.transfer.run"]._tal_progress_figures(
            pending_ready,
            pending_by_company={
                company_id: windows["split"].get(company_id, (count, 0))
                for company_id, count in pending_by_company.items()
            },
        )
        gate = self.env["tal.invoice.transfer.gate"]
        pause = gate._tal_pause_info()
        kind_labels = dict(
            moves._fields["tal_transfer_error_kind"]._description_selection(self.env)
        )
        failed_groups = [
            {
                "kind": kind or "",
                "label": kind_labels.get(kind, self.env._("Other")),
                "count": count,
                "example": example or "",
            }
            for kind, count, example in moves._read_group(
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
                moves._fields["tal_transfer_state"]._description_selection(self.env)
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
            "paused": {
                "by": pause["user"].name or "",
                "at": fields.Datetime.to_string(pause["date"]),
            }
            if pause
            else False,
            "pace_per_minute": gate._tal_pace(),
            "windows": windows["shown"],
            "pdf": self._pdf_summary(),
            "check": self._check_summary(),
        }

    @api.model
    def _tal_windows(self, pending_by_company):
        """The working hours of the companies with pending invoices: what
        the dashboard says of them ("shown"), and per company the invoices
        that go at any time (recent) and those that wait for its hours
        ("split")."""
        window_model = self.env["tal.invoice.transfer.window"]
        now = fields.Datetime.now()
        shown, split = [], {}
        companies = self.env["res.company"].sudo().browse(list(pending_by_company))
        windows = window_model._tal_windows(companies.ids)
        for company in companies:
            window = windows[company.id]
            if window is None:
                continue
            cutoff = window.recent_cutoff(now)
            recent = 0
            if cutoff is not None:
                recent = self.env["account.move"].search_count(
                    [
                        ("company_id", "=", company.id),
                        ("tal_transfer_state", "=", STATE_PENDING),
                        ("tal_transfer_posted_date", ">=", cutoff),
                    ]
                )
            count = pending_by_company[company.id]
            split[company.id] = (recent, count - recent)
            is_open = window.is_open(now)
            change = window.next_change(now)
            shown.append(
                {
                    "company": company.name,
                    "open": is_open,
                    "next_change": fields.Datetime.to_string(change)
                    if change
                    else False,
                    "waiting": 0 if is_open else count - recent,
                }
            )
        return {"shown": shown, "split": split}

    @api.model
    def _check_summary(self):
        """The last check's date and figures, and a line saying them."""
        last = self.env["tal.invoice.transfer.check"]._tal_last_check()
        if not last:
            return {"summary": self.env._("Never checked")}
        return {
            **last,
            "summary": self.env._(
                "Last check %(date)s: %(checked)s transferred invoices checked, "
                "%(reopened)s back to pending (%(missing)s missing)",
                date=fields.Datetime.context_timestamp(
                    self, fields.Datetime.from_string(last["date"])
                ).strftime("%Y-%m-%d %H:%M"),
                checked=last.get("checked", 0),
                reopened=last.get("reopened", 0),
                missing=last.get("missing", 0),
            ),
        }

    @api.model
    def _check_now(self):
        """Check the user's companies now (their caller checks the rights)."""
        figures = (
            self.env["tal.invoice.transfer.check"]
            .sudo()
            ._tal_check(company_ids=self.env.companies.ids)
        )
        return self._notify(
            self.env._(
                "%(checked)s transferred invoices checked: %(reopened)s back to "
                "pending, their missing files are transferred again.",
                checked=figures["checked"],
                reopened=figures["reopened"],
            ),
            show_states=[],
        )

    @api.model
    def _pdf_summary(self):
        """The PDF maker's figures, and a line saying them."""
        pdf = self.env["tal.invoice.transfer.pdf"]._tal_pdf_figures()
        if pdf["to_make"] or pdf["made"]:
            how = (
                self.env._("rendered in batches")
                if pdf["batches"]
                else self.env._(
                    "rendered one at a time: this wkhtmltopdf cannot do batches"
                )
            )
            pdf["summary"] = self.env._(
                "Invoice PDFs: %(to_make)s to make, %(made)s made (%(how)s)",
                to_make=pdf["to_make"],
                made=pdf["made"],
                how=how,
            )
        return pdf

    @api.model
    def _too_long_for_a_request(self, moves):
        """Whether transferring `moves` in the user's request would take too
        long: too many invoices, or too many PDFs to render."""
        if len(moves) > SYNC_TRANSFER_LIMIT:
            return True
        renderer = self.env["tal.invoice.transfer.pdf"]
        return renderer._tal_render_estimate(moves.ids) > SYNC_RENDER_SECONDS

    @api.model
    def _transfer_now(self, moves, skipped=0):
        if self._too_long_for_a_request(moves):
            return self._queue(moves)
        stats = self._run_now(moves)
        return self._notify(
            self._outcome(stats, skipped),
            sticky=bool(stats[STATE_FAILED]),
            show_states=[],
        )

    @api.model
    def _retry_queued(self, moves):
        self._reset(moves)
        self._log(
            moves, self.env._("Files transfer retried by %s.", self.env.user.name)
        )
        if moves:
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers(
                by_user=True
            )
        return self._notify(
            self.env._(
                "%(count)s invoices queued: the transfer is paused, they go "
                "once it is resumed.",
                count=len(moves),
            )
            if self.env["tal.invoice.transfer.gate"]._tal_paused()
            else self.env._(
                "%(count)s invoices queued for transfer.", count=len(moves)
            ),
            show_states=[STATE_PENDING],
        )

    @api.model
    def _retry_now(self, moves, skipped=0):
        if self._too_long_for_a_request(moves):
            return self._retry_queued(moves)
        self._reset(moves)
        stats = self._run_now(moves)
        user = self.env.user.name
        done = moves.filtered(lambda move: move.tal_transfer_state == STATE_DONE)
        self._log(done, self.env._("Files transferred after a retry by %s.", user))
        self._log(moves - done, self.env._("Files transfer retried by %s.", user))
        return self._notify(
            self._outcome(stats, skipped),
            sticky=bool(stats[STATE_FAILED]),
            show_states=[],
        )

    @api.model
    def _exclude(self, moves, reason=None):
        moves._tal_transfer_write({"tal_transfer_state": STATE_EXCLUDED})
        user = self.env.user.name
        self._log(
            moves,
            self.env._(
                "Excluded from the files transfer by %(user)s: %(reason)s",
                user=user,
                reason=reason,
            )
            if reason
            else self.env._("Excluded from the files transfer by %s.", user),
        )
        return self._notify(
            self.env._(
                "%(count)s invoices excluded from the transfer.", count=len(moves)
            ),
            show_states=[STATE_EXCLUDED],
        )

    @api.model
    def _queue(self, moves):
        """Leave a large selection to the scheduled action, at once."""
        moves._tal_transfer_write({"tal_transfer_state": STATE_PENDING})
        self.env["tal.invoice.transfer.scheduler"]._tal_trigger_workers(by_user=True)
        return self._notify(
            self.env._(
                "%(count)s invoices queued: the transfer is paused, they go "
                "once it is resumed.",
                count=len(moves),
            )
            if self.env["tal.invoice.transfer.gate"]._tal_paused()
            else self.env._(
                "%(count)s invoices queued: the scheduled action transfers them "
                "in the background.",
                count=len(moves),
            ),
            show_states=[STATE_PENDING],
        )

    @api.model
    def _run_now(self, moves):
        """Transfer `moves` in the user's request, as a run of its own."""
        run = self.env["tal.invoice.transfer.run"]._tal_start("manual")
        stats = (
            self.env["tal.invoice.transfer"]
            .sudo()
            ._run(move_ids=moves.ids, states=(STATE_PENDING, STATE_FAILED), run=run)
        )
        run._tal_progress(final=True)
        moves.invalidate_recordset(list(TRANSFER_FIELDS))
        return stats

    @api.model
    def _reset(self, moves):
        moves._tal_transfer_write(
            {
                "tal_transfer_state": STATE_PENDING,
                "tal_transfer_error": None,
                "tal_transfer_error_kind": None,
                "tal_transfer_error_data": None,
                "tal_transfer_attempts": 0,
            }
        )

    @api.model
    def _log(self, moves, body):
        if moves:
            moves._message_log_batch(bodies=dict.fromkeys(moves.ids, body))

    @api.model
    def _notify(self, message, sticky=False, show_states=None):
        """A notification; then the progress list shows the invoices' new
        states (`show_states`, [] for all), keeping the user's other filters,
        and any other screen reloads."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Invoice Files Transfer"),
                "message": message,
                "sticky": sticky,
                "next": {
                    "type": "ir.actions.client",
                    "tag": "tal_transfer_show_states",
                    "params": {"states": show_states},
                },
            },
        }

    @api.model
    def _outcome(self, stats, skipped=0):
        return self.env._(
            "%(done)s transferred, %(failed)s failed, %(nothing)s without "
            "files, %(skipped)s skipped (being transferred elsewhere or not "
            "pending).",
            done=stats[STATE_DONE],
            failed=stats[STATE_FAILED] + stats[STATE_PENDING],
            nothing=stats[STATE_NOTHING],
            skipped=stats["skipped"] + skipped,
        )

    # ------------------------------------------------------------------
    # An invoice's files
    # ------------------------------------------------------------------

    @api.model
    def _open_files_action(self, move):
        """The invoice's documents in the target app, or else its own files.

        The files stay the invoice's attachments: whoever may read the invoice
        may download them, even without a right on the document app.
        """
        attachments = self.env["tal.invoice.transfer.scope"]._files(move)
        return self._documents_action(move, attachments) or self._attachments_action(
            move, attachments
        )

    @api.model
    def _documents_action(self, move, attachments):
        """The documents of `attachments` the user may open in the target
        app, or None."""
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            return None
        documents = self.env[target._tal_document_model].with_context(active_test=False)
        if not attachments or not self._can_browse(documents):
            return None
        documents = documents.search([("attachment_id", "in", attachments.ids)])
        if not documents:
            return None
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Files of %s", move.display_name),
            "res_model": documents._name,
            "view_mode": "list,form",
            "domain": [("id", "in", documents.ids)],
            "context": {"active_test": False, "create": False},
        }

    @api.model
    def _can_browse(self, model):
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

    @api.model
    def _attachments_action(self, move, attachments):
        view = self.env.ref("tal_invoice_transfer.ir_attachment_view_list_transfer")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Files of %s", move.display_name),
            "res_model": "ir.attachment",
            "view_mode": "list,form",
            "views": [(view.id, "list"), (False, "form")],
            "domain": [("id", "in", attachments.ids)],
            "context": {"create": False},
        }

    @api.model
    def _tal_restrict_action(self, action_xmlid, group_xmlids):
        """XML data: only `group_xmlids` may run the action (its groups
        field is named differently on 18.0 and 19.0: compat.py)."""
        self.env.ref(action_xmlid).write(
            {
                compat.ACTION_GROUPS_FIELD: [
                    Command.link(self.env.ref(xmlid).id) for xmlid in group_xmlids
                ]
            }
        )
