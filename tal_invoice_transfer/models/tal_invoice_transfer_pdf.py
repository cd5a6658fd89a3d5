# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from psycopg2 import errors as pg_errors

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config
from odoo.tools.translate import LazyTranslate

from .. import compat
from ..compat import MIN_TIME_PER_JOB
from ..render_deadline import RenderTimeout, render_deadline
from .tal_invoice_transfer_pdf_rule import normalize_keyword

_logger = logging.getLogger(__name__)
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

OFFICIAL_PDF_FIELD = "invoice_pdf_report_file"

# Odoo's name template of an invoice's PDF: its display name, which holds
# the number.
STOCK_NAME_TEMPLATE = "(object._get_report_base_filename())"

# Invoices rendered in one wkhtmltopdf run: Odoo's own batch for Send
# (account.pdf_generation_batch). wkhtmltopdf's memory grows by about 9 MB per
# invoice of a run (733 MB at 80) while its fixed cost per run (about 2 s)
# shrinks per invoice; see benchmarks/README.md, "PDF benchmark".
PDF_BATCH = 80
# One wkhtmltopdf run may take this long, plus a second per invoice it holds,
# and never longer than the scheduler's job has left. The standard invoice
# renders in 1-3 s alone here: a run past a minute is a page waiting for
# something that will not come (an image on a server that never answers).
RENDER_TIMEOUT = 60
RENDER_TIMEOUT_PER_INVOICE = 1
# Time kept back from the job's budget for the invoices' own transactions.
RENDER_MARGIN = 10
# First guesses of the seconds per invoice, then learnt from the runs; an
# estimate never exceeds MAX_GUESS, so that a job always tries one invoice.
FIRST_GUESS = {True: 0.4, False: 2.5}
MAX_GUESS = 5.0
# Errors of another transaction met while rendering: tried again later.
BUSY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)


@dataclass
class PdfRender:
    """One invoice's render, made before its row is locked."""

    report: object
    rule: object
    write_date: object
    raw: bytes = None
    # The file name Send gives it (computed by its render).
    name: str = None
    error: object = None
    # A failure another try may not meet (a timeout, a busy invoice).
    retry: bool = False


def render_error_text(error):
    """What went wrong in a render, said in one line: the error Odoo raised
    and, under a template error, the one that caused it."""

    def first_line(exc):
        text = str(exc.args[0] if exc.args else exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__

    cause = error
    while cause.__cause__ is not None or (
        cause.__context__ is not None and not cause.__suppress_context__
    ):
        cause = cause.__cause__ or cause.__context__
    if cause is error:
        return first_line(error)
    return f"{first_line(error)}: {type(cause).__name__}: {first_line(cause)}"


@dataclass
class _Renders:
    """The renders of one call, by invoice id."""

    write_dates: dict
    results: dict = field(default_factory=dict)

    def made(self, move, rule, report, raw, name):
        self.results[move.id] = PdfRender(
            report, rule, self.write_dates[move.id], raw=raw, name=name
        )

    def failed(self, move, rule, report, message, retry=False):
        self.results[move.id] = PdfRender(
            report, rule, self.write_dates[move.id], error=message, retry=retry
        )


class _UndoRenderWrites(Exception):
    """Rolls back what a render wrote (see _tal_render_chunk)."""


class StaleRender(Exception):
    """The invoice changed after its PDF was rendered: render it again."""


class TalInvoiceTransferPdf(models.AbstractModel):
    """Makes the official PDF of invoices that have none, as Send would store
    it, in batches, before the engine locks them one by one.

    Never Send's side effects: no tax authority web service, not marked as
    sent, no main attachment, no chatter message.
    """

    _name = "tal.invoice.transfer.pdf"
    _description = "Invoice Files Transfer: PDF maker"

    # Per process: seconds per invoice learnt from the runs, and the reports
    # whose batch output Odoo could not cut into invoices.
    _seconds_per_invoice = {}
    _unsplittable_reports = set()

    # ------------------------------------------------------------------
    # Which invoices
    # ------------------------------------------------------------------

    @api.model
    def _tal_needs_pdf_sql(self, move_alias, company_alias):
        """SQL condition: the move is a posted sale document without an
        official PDF, of a company that has the transfer make PDFs."""
        move = SQL.identifier(move_alias)
        return SQL(
            """(%(company)s.tal_transfer_make_pdf
                AND %(move)s.state = 'posted'
                AND %(move)s.move_type IN %(types)s
                AND NOT EXISTS (
                    SELECT 1 FROM ir_attachment pdf
                     WHERE pdf.res_model = 'account.move'
                       AND pdf.res_id = %(move)s.id
                       AND pdf.res_field = %(field)s))""",
            company=SQL.identifier(company_alias),
            move=move,
            types=tuple(self.env["account.move"].get_sale_types(include_receipts=True)),
            field=OFFICIAL_PDF_FIELD,
        )

    @api.model
    def _tal_wanting_sql_ids(self, move_ids):
        """The ids among `move_ids` that want a PDF by the SQL rule alone."""
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id FROM account_move m
                  JOIN res_company c ON c.id = m.company_id
                 WHERE m.id = ANY(%s) AND %s
                 ORDER BY m.id
                """,
                list(move_ids),
                self._tal_needs_pdf_sql("m", "c"),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _tal_render_estimate(self, move_ids):
        """Seconds the PDFs of `move_ids` would take to render (by the SQL
        rule: an upper bound), from what this process has measured."""
        count = len(self._tal_wanting_sql_ids(move_ids)) if move_ids else 0
        if not count:
            return 0
        batches = count > 1 and self._tal_batches_possible()
        return count * self._tal_seconds_per_invoice(batches)

    @api.model
    def _tal_wanting(self, move_ids, target):
        """The invoices among `move_ids` whose PDF is to be made: no official
        PDF, none the target already holds (see _tal_held_pdfs), none the
        target files from a copy on the invoice (_tal_pdf_on_invoice)."""
        if not move_ids:
            return self.env["account.move"]
        moves = self.env["account.move"].browse(self._tal_wanting_sql_ids(move_ids))
        if not moves:
            return moves
        held = self._tal_held_pdfs(moves, target)
        moves = moves.filtered(lambda move: move.id not in held)
        on_invoice = target._tal_pdf_on_invoice(moves) if moves else set()
        return moves.filtered(lambda move: move.id not in on_invoice)

    @api.model
    def _tal_held_pdfs(self, moves, target, candidates=None):
        """{move id: documents}: the invoice's PDF the target already holds.

        The one rule, for the PDF maker and for taking over from an upload
        script: a live or trashed document of the invoice's company (or of
        none) that holds a PDF, is linked to the invoice (itself or through
        its file), is named as the old script named it (`<number>.pdf`) or as
        Odoo names the invoice's file, and was made after the invoice was last
        reset to draft (before that it shows a superseded invoice).

        :param candidates: what target._tal_pdf_documents(moves) returns, when
            the caller has it already (the engine reads it with the other
            documents of the invoice)
        """
        if candidates is None:
            candidates = target._tal_pdf_documents(moves)
        if not candidates:
            return {}
        resets = self._tal_last_reset(
            moves.filtered(lambda move: move.id in candidates)
        )
        held = {}
        for move in moves:
            if move.id not in candidates:
                continue
            names = self._tal_pdf_names(move)
            reset = resets.get(move.id)
            documents = [
                document
                for document, name, made in candidates[move.id]
                if name in names and (reset is None or made > reset)
            ]
            if documents:
                held[move.id] = documents[0].browse([doc.id for doc in documents])
        return held

    @api.model
    def _tal_pdf_names(self, move):
        """The names the invoice's PDF goes by: the old script's
        (`<number>.pdf`) and Odoo's. 18.0 names it after the number only,
        which a draft does not have yet: then it has no name of Odoo's."""
        names = {f"{move.name}.pdf"}
        if compat.V19 or move.name:
            names.add(move._get_invoice_report_filename())
        return names

    @api.model
    def _tal_stock_name_template(self, move):
        """Whether the invoice's PDF is named by Odoo's own name template
        (its display name), not one a company wrote (which may leave the
        number out)."""
        partner = move.partner_id
        report = (
            "invoice_template_pdf_report_id" in partner._fields
            and partner.invoice_template_pdf_report_id
        ) or self.env.ref("account.account_invoices", raise_if_not_found=False)
        return not report or self._tal_stock_name(report)

    @api.model
    def _tal_stock_name(self, report):
        return report.sudo().print_report_name in (False, STOCK_NAME_TEMPLATE)

    @api.model
    def _tal_stock_name_templates(self):
        """Whether every invoice report names its PDF by Odoo's own template."""
        Report = self.env["ir.actions.report"].sudo()
        domain = [("model", "=", "account.move")]
        if "is_invoice_report" in Report._fields:
            domain.append(("is_invoice_report", "=", True))
        return all(self._tal_stock_name(report) for report in Report.search(domain))

    @api.model
    def _tal_pdf_copies(self, move, attachments):
        """The copies of the invoice's PDF among its files `attachments`.

        The rule of _tal_held_pdfs, said of files: a PDF named as the
        invoice's PDF, made after its last reset to draft. An upload script
        leaves one on the invoice per document it made (a copy of its render,
        moved onto the invoice by the document). The official PDF is never
        one: it is the invoice's own file.
        """
        pdfs = attachments.filtered(
            lambda a: a.mimetype == "application/pdf" and not a.res_field
        )
        # Odoo's name evaluates the report's name template: with Odoo's own
        # template it holds the number's last part, as the old script's
        # does (the takeover preview's _tal_pdf_name_sql), so a file whose
        # name does not is neither and Odoo's name is not asked for it.
        if self._tal_stock_name_template(move):
            number = (move.name or "").rsplit("/", 1)[-1]
            pdfs = pdfs.filtered(lambda a: number and number in (a.name or ""))
        if not pdfs:
            return pdfs
        names = self._tal_pdf_names(move)
        pdfs = pdfs.filtered(lambda a: a.name in names)
        if not pdfs:
            return pdfs
        reset = self._tal_last_reset(move).get(move.id)
        return pdfs.filtered(lambda a: reset is None or a.create_date > reset)

    @api.model
    def _tal_last_reset(self, moves):
        """{move id: when it was last reset to draft}.

        Recorded by the addon from its install on (button_draft); before
        that, read from the tracking of the invoice's status, which core
        keeps (its labels in every installed language).
        """
        if not moves:
            return {}
        state = self.env["account.move"]._fields["state"]
        # Any change back to draft: from posted, or from cancelled (core's
        # cancel goes straight from posted to cancelled).
        draft = set()
        for lang, _name in self.env["res.lang"].get_installed():
            labels = dict(
                state._description_selection(self.with_context(lang=lang).env)
            )
            draft.add(labels["draft"])
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, GREATEST(m.tal_transfer_reset_date, (
                    SELECT max(msg.date)
                      FROM mail_message msg
                      JOIN mail_tracking_value tv ON tv.mail_message_id = msg.id
                     WHERE msg.model = 'account.move' AND msg.res_id = m.id
                       AND tv.field_id = %s
                       AND tv.new_value_char = ANY(%s)
                       AND tv.old_value_char IS DISTINCT FROM tv.new_value_char))
                  FROM account_move m
                 WHERE m.id = ANY(%s)
                """,
                self.env["ir.model.fields"]._get("account.move", "state").id,
                sorted(draft),
                moves.ids,
            )
        )
        return {move_id: reset for move_id, reset in self.env.cr.fetchall() if reset}

    # ------------------------------------------------------------------
    # Which template
    # ------------------------------------------------------------------

    @api.model
    def _tal_choose(self, moves):
        """{move: (report, rule or empty)}: the first rule whose keyword is in
        the invoice's lines, else Odoo's own choice."""
        rules = (
            self.env["tal.invoice.transfer.pdf.rule"]
            .sudo()
            .search([("active", "=", True)])
        )
        sender = self.env["account.move.send"].sudo()
        choices = {}
        for move in moves:
            # Product names as printed for the customer.
            lang = move.partner_id.lang or move.company_id.partner_id.lang
            text = " ".join(
                normalize_keyword(value)
                for line in move.invoice_line_ids
                for value in (
                    line.name,
                    line.product_id.with_context(lang=lang).name,
                )
                if value
            )
            for rule in rules:
                if rule.company_id and rule.company_id != move.company_id:
                    continue
                if rule._tal_matches(text) and compat.invoice_report_available(
                    move, rule.report_id
                ):
                    choices[move] = (rule.report_id, rule)
                    break
            else:
                choices[move] = (
                    sender._get_default_pdf_report_id(move),
                    rules.browse(),
                )
        return choices

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    @api.model
    def _tal_batches_possible(self):
        """Whether the installed wkhtmltopdf renders several invoices in one
        run (a patched Qt); Debian's renders one at a time."""
        return compat.wkhtmltopdf_info().is_patched_qt

    @contextlib.contextmanager
    def _tal_undoing_writes(self, moves):
        """Run a render whose writes are all undone.

        Rendering writes to the invoices: core stores computed fields of
        their lines as it reads them (19.0: parent_id, see compat), which
        touches the invoice. Nothing may be stored before the invoice is
        locked, and an invoice
        changed since its render is told from the render's own writes by its
        write_date (see _tal_store). Reading those fields for all the lines at
        once first leaves core nothing to write; a lock another transaction
        holds is not waited for long.
        """
        try:
            with self.env.cr.savepoint():
                # Reverted with the savepoint.
                self.env.cr.execute("SET LOCAL lock_timeout = '5s'")
                lines = moves.sudo().line_ids
                for name in compat.LINE_FIELDS_STORED_BY_RENDER:
                    lines.mapped(name)
                yield
                self.env.flush_all()
                raise _UndoRenderWrites()
        except _UndoRenderWrites:
            _logger.debug("Undid what rendering %s invoice(s) wrote", len(moves))
        finally:
            self.env.invalidate_all()

    @api.model
    def _tal_report_splits(self, report):
        """Whether Odoo can cut this report's batch output into invoices: its
        HTML marks each invoice, as web.external_layout does. Found by
        rendering one posted invoice's HTML, its writes undone."""
        if not report or report.id in self._unsplittable_reports:
            return False
        sample = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                ],
                limit=1,
            )
        )
        if not sample:
            return True
        html = ""
        try:
            with self._tal_undoing_writes(sample):
                html = (
                    self.env["ir.actions.report"]
                    .sudo()
                    ._render_qweb_html(report.report_name, sample.ids)[0]
                )
        except Exception:  # noqa: BLE001 - a template that fails says so on render
            return True
        html = html.decode() if isinstance(html, bytes) else str(html)
        return f'data-oe-id="{sample.id}"' in html and "data-oe-model" in html

    @api.model
    def _tal_time_left(self):
        """Seconds before the server kills this scheduled job (its
        limit_time_real_cron, else limit_time_real, counted from the start of
        the cron thread's work), or None outside a scheduled job.

        The scheduler's own budget (cron_end_time, 10 s) is when a job should
        stop taking new work, not when it dies: one batch of renders may run
        past it, never past this.
        """
        if self.env.context.get("cron_end_time") is None:
            return None
        limit = config["limit_time_real_cron"]
        if not limit or limit < 0:
            limit = config["limit_time_real"]
        if not limit or limit < 0:
            return None
        # The scheduler's thread has been at work since its start_time (all
        # the database's jobs count); a prefork cron worker's has none, and
        # its watchdog counts from before this job: the job's own start is
        # then the latest it can be.
        job_started = self.env.context["cron_end_time"] - MIN_TIME_PER_JOB
        elapsed = time.monotonic() - job_started
        started = getattr(threading.current_thread(), "start_time", None)
        if started:
            elapsed = max(elapsed, time.time() - started)
        return limit - elapsed

    @api.model
    def _tal_seconds_per_invoice(self, batch):
        return min(self._seconds_per_invoice.get(batch, FIRST_GUESS[batch]), MAX_GUESS)

    @api.model
    def _tal_learn_seconds_per_invoice(self, batch, seconds):
        # A moving average: one slow render must not stop every later one.
        old = self._seconds_per_invoice.get(batch, FIRST_GUESS[batch])
        self._seconds_per_invoice[batch] = (old + seconds) / 2

    @api.model
    def _tal_render(self, moves, time_left=None):
        """Render the official PDF of `moves`: {move id: PdfRender}.

        One wkhtmltopdf run per company, template and batch where the
        installed wkhtmltopdf allows it. A batch that fails is split until
        the bad invoice is alone (a template that cannot be cut is rendered
        one at a time); after a timeout the rest of the batch is rendered one
        at a time. `time_left`: seconds before this job is killed (None: no
        limit); invoices that do not fit get no entry, and the engine leaves
        them for the next job.
        """
        deadline = None if time_left is None else time.monotonic() + time_left
        batches = self._tal_batches_possible()
        # As the database has them (the ORM drops the microseconds): the
        # invoice's lock compares them again, see _tal_store.
        self.env["account.move"].flush_model(["write_date"])
        self.env.cr.execute(
            SQL("SELECT id, write_date FROM account_move WHERE id = ANY(%s)", moves.ids)
        )
        renders = _Renders(write_dates=dict(self.env.cr.fetchall()))
        groups = defaultdict(list)
        for move, (report, rule) in self._tal_choose(moves).items():
            groups[move.company_id, report].append((move, rule))
        for (company, report), group in groups.items():
            splits = batches and report.id not in self._unsplittable_reports
            size = PDF_BATCH if splits else 1
            queue = [group[i : i + size] for i in range(0, len(group), size)]
            while queue:
                chunk = queue.pop(0)
                left = None if deadline is None else deadline - time.monotonic()
                per_invoice = self._tal_seconds_per_invoice(len(chunk) > 1)
                timeout = RENDER_TIMEOUT + RENDER_TIMEOUT_PER_INVOICE * len(chunk)
                if left is not None:
                    fits = int((left - RENDER_MARGIN) / per_invoice)
                    if fits < 1:
                        return renders.results
                    if fits < len(chunk):
                        chunk, rest = chunk[:fits], chunk[fits:]
                        queue.insert(0, rest)
                    timeout = min(timeout, left - RENDER_MARGIN / 2)
                started = time.monotonic()
                try:
                    raws = self._tal_render_chunk(
                        company, report, [move for move, _rule in chunk], timeout
                    )
                except Exception as error:  # noqa: BLE001 - one bad invoice must not stop the others
                    queue[:0] = self._tal_render_failed(error, chunk, report, renders)
                    continue
                self._tal_learn_seconds_per_invoice(
                    len(chunk) > 1, (time.monotonic() - started) / len(chunk)
                )
                queue[:0] = self._tal_rendered(raws, chunk, report, renders)
        return renders.results

    @api.model
    def _tal_rendered(self, raws, chunk, report, renders):
        """Keep a chunk's PDFs; return what to render again, one at a time
        (invoices Odoo could not cut out of the batch's output)."""
        missing = [item for item in chunk if item[0].id not in raws]
        if missing and len(chunk) > 1:
            self._tal_mark_unsplittable(report)
            return [[item] for item in missing]
        for move, rule in chunk:
            raw = raws.get(move.id)
            if isinstance(raw, tuple):
                renders.made(move, rule, report, *raw)
            elif isinstance(raw, BUSY_ERRORS):
                self._tal_render_failed(raw, [(move, rule)], report, renders)
            elif isinstance(raw, Exception):
                reason = render_error_text(raw)
                _logger.warning(
                    "Invoice %s (id %s): Send's after-render step failed on "
                    "PDF '%s': %s: %s",
                    move.name,
                    move.id,
                    report.name,
                    type(raw).__name__,
                    reason,
                )
                renders.failed(
                    move,
                    rule,
                    report,
                    _lt(
                        "The PDF of template '%(template)s' was rendered, but "
                        "Odoo's next step on it (the electronic invoice it "
                        "embeds in the PDF) failed for this invoice: %(error)s",
                        template=report.name,
                        error=reason,
                    ),
                )
            else:
                renders.failed(
                    move,
                    rule,
                    report,
                    _lt(
                        "The PDF template '%(template)s' made no page for "
                        "this invoice.",
                        template=report.name,
                    ),
                )
        return []

    @api.model
    def _tal_render_failed(self, error, chunk, report, renders):
        """Deal with a chunk whose render raised; return the chunks to render
        again: a batch is split, and its invoices are rendered alone after a
        timeout or when Odoo cannot cut the template's output."""
        if isinstance(error, BUSY_ERRORS):
            # Another transaction holds or changed these invoices: no fault
            # of theirs, tried again later.
            for move, rule in chunk:
                renders.failed(
                    move,
                    rule,
                    report,
                    _lt(
                        "Another transaction was working on this invoice "
                        "while its PDF was rendered (%(error)s).",
                        error=type(error).__name__,
                    ),
                    retry=True,
                )
            return []
        if len(chunk) > 1:
            if isinstance(error, RenderTimeout):
                # Which invoice hangs is unknown: one at a time now.
                return [[item] for item in chunk]
            if not self._tal_report_splits(report):
                self._tal_mark_unsplittable(report)
                return [[item] for item in chunk]
            half = len(chunk) // 2
            return [chunk[:half], chunk[half:]]
        move, rule = chunk[0]
        reason = render_error_text(error)
        _logger.warning(
            "Invoice %s (id %s): PDF '%s' not rendered: %s: %s",
            move.name,
            move.id,
            report.name,
            type(error).__name__,
            reason,
        )
        if isinstance(error, RenderTimeout):
            message = _lt(
                "The PDF template '%(template)s' did not finish rendering "
                "this invoice within %(seconds)s seconds (wkhtmltopdf was "
                "stopped). A page that waits for something that never "
                "comes, such as an image on a server that does not "
                "answer, does this: check the template and its images.",
                template=report.name,
                seconds=int(error.seconds),
            )
            renders.failed(move, rule, report, message, retry=True)
        else:
            message = _lt(
                "The PDF template '%(template)s' could not render this "
                "invoice: %(error)s",
                template=report.name,
                error=reason,
            )
            renders.failed(move, rule, report, message)
        return []

    @api.model
    def _tal_mark_unsplittable(self, report):
        """Odoo cannot cut this report's batch output into invoices: its
        invoices render one at a time from now on, and its rules say so."""
        self._unsplittable_reports.add(report.id)
        self.env.cr.execute(
            SQL(
                """UPDATE tal_invoice_transfer_pdf_rule SET batch_render = false
                    WHERE report_id = %s AND batch_render""",
                report.id,
            )
        )
        self.env["tal.invoice.transfer.pdf.rule"].invalidate_model(["batch_render"])

    @api.model
    def _tal_render_chunk(self, company, report, moves, timeout):
        """One run of Send's PDF step for `moves` (one company, one report),
        then Send's after-render step (an embedded e-invoice, PDF/A) on each
        PDF: {move id: (PDF bytes, file name), or the error of its
        after-render step}, the render's own writes undone.

        The after-render step runs here, before the lock, for the whole
        chunk at once (the invoices' data read together): an invoice changed
        since is told by its write_date, see _tal_store."""
        sender = self.env["account.move.send"].sudo().with_company(company)
        invoices_data = {move.sudo(): {"pdf_report": report} for move in moves}
        results = {}
        with (
            self._tal_undoing_writes(
                self.env["account.move"].browse([move.id for move in moves])
            ),
            render_deadline(timeout),
        ):
            sender._prepare_invoice_pdf_report(invoices_data)
            for invoice, invoice_data in invoices_data.items():
                if not invoice_data.get("pdf_attachment_values", {}).get("raw"):
                    continue
                try:
                    with self.env.cr.savepoint():
                        sender._hook_invoice_document_after_pdf_report_render(
                            invoice, invoice_data
                        )
                except Exception as error:  # noqa: BLE001 - this invoice fails alone
                    results[invoice.id] = error
                    continue
                values = invoice_data["pdf_attachment_values"]
                results[invoice.id] = (values["raw"], values["name"])
        return results

    # ------------------------------------------------------------------
    # Storing, once the invoice is locked
    # ------------------------------------------------------------------

    @api.model
    def _tal_store(self, move, render):
        """Store a render as the locked invoice's official PDF; return the
        attachment, or None when the invoice no longer wants one.

        Checked again under the lock: still posted, still without an official
        PDF (a person's Send may have stored one), its company still making
        PDFs (switched off since the batch was chosen), unchanged since the
        render.
        """
        self.env.cr.execute(
            SQL(
                """
                SELECT m.state, m.write_date, EXISTS (
                    SELECT 1 FROM ir_attachment a
                     WHERE a.res_model = 'account.move' AND a.res_id = m.id
                       AND a.res_field = %s), c.tal_transfer_make_pdf
                  FROM account_move m
                  JOIN res_company c ON c.id = m.company_id
                 WHERE m.id = %s
                """,
                OFFICIAL_PDF_FIELD,
                move.id,
            )
        )
        state, write_date, has_pdf, make_pdf = self.env.cr.fetchone()
        if state != "posted" or has_pdf or not make_pdf:
            return None
        if write_date != render.write_date:
            raise StaleRender()
        invoice = move.sudo()
        # As Send stores it; the render already has Send's after-render step.
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": render.name,
                    "raw": render.raw,
                    "mimetype": "application/pdf",
                    "res_model": "account.move",
                    "res_id": move.id,
                    "res_field": OFFICIAL_PDF_FIELD,
                }
            )
        )
        invoice.invalidate_recordset(
            ["invoice_pdf_report_id", "invoice_pdf_report_file"]
        )
        return attachment

    @api.model
    def _tal_check_target(self, target, companies):
        """The companies whose invoices can be filed now (a usable folder):
        PDFs are made only for them."""
        ready = self.env["res.company"]
        for company in companies:
            try:
                target._tal_folder(company)
            except UserError:
                continue
            ready |= company
        return ready

    @api.model
    def _tal_pdf_figures(self):
        """The dashboard's PDF figures: to make (pending invoices that want
        one), made, and whether this wkhtmltopdf renders batches."""
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FILTER (WHERE m.tal_transfer_state = 'pending'
                                          AND %s),
                       count(*) FILTER (WHERE m.tal_transfer_pdf_report_id
                                              IS NOT NULL)
                  FROM account_move m
                  JOIN res_company c ON c.id = m.company_id
                 WHERE m.tal_transfer_state IS NOT NULL
                """,
                self._tal_needs_pdf_sql("m", "c"),
            )
        )
        to_make, made = self.env.cr.fetchone()
        try:
            batches = self._tal_batches_possible()
        except Exception:  # noqa: BLE001 - no wkhtmltopdf: said as one at a time
            batches = False
        return {"to_make": to_make, "made": made, "batches": batches}
