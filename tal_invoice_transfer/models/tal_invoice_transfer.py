# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import time
from collections import Counter
from contextlib import nullcontext
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .. import compat
from ..exceptions import RenderToRetry, TransferError, TransferPaused
from ..messages import error_payload, render_error
from ..render_ahead import RenderAhead
from .account_move import (
    STATE_DONE,
    STATE_FAILED,
    STATE_NOTHING,
    STATE_PENDING,
    TRANSFER_FIELDS,
)
from .tal_invoice_transfer_gate import OPEN_GATE
from .tal_invoice_transfer_pdf import StaleRender

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

# Errors another transaction may not meet again: the invoice stays pending for
# a later run, up to MAX_TRANSIENT_ATTEMPTS tries in all. A unique violation
# means a concurrent transaction filed the same attachment (e.g. the target
# app's own automatic filing): the next try finds that document and links it.
# A foreign key violation means a folder or file vanished meanwhile: the next
# try looks them up again.
TRANSIENT_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.UniqueViolation,
    pg_errors.ForeignKeyViolation,
)
MAX_TRANSIENT_ATTEMPTS = 3
CANDIDATE_BATCH = 200
# Invoices whose PDFs are rendered ahead of their locks: held in memory
# until each is stored, and lost (never stored) if the process dies: one
# wkhtmltopdf run's worth (tal.invoice.transfer.pdf's PDF_BATCH).
PDF_CHUNK = 80
# What the transfer reads of an invoice and of its company.
MOVE_FIELDS_READ = [
    "name",
    "company_id",
    "partner_id",
    "journal_id",
    "invoice_date",
    "date",
    "message_main_attachment_id",
    "tal_transfer_attempts",
    "tal_transfer_failure_noted",
]
COMPANY_FIELDS_READ = [
    "name",
    "tal_transfer_folder_ref",
    "tal_transfer_tag_names",
    "tal_transfer_attachment_mode",
    "tal_transfer_filing_plan",
]
# A job that could only skip invoices looks again after this (same run).
SKIPPED_RETRY_AFTER = timedelta(minutes=1)
# Progress goes to the scheduler (and the run's time to its record) after the
# first invoice of a call, then at least this often.
PROGRESS_EVERY_SECONDS = 2


class _Progress:
    """The per-invoice commit of a run that commits, and its reports: the
    scheduler's progress (an ORM write) and the run's time, after the first
    invoice and then every few seconds, so that a job killed after doing work
    is never taken for one that timed out."""

    def __init__(self, engine, run, commit):
        self.env = engine.env
        self.run = run
        # Without: a person's request, committed at its end as a whole.
        self.commit = commit
        self.cron_end = engine.env.context.get("cron_end_time")
        # Invoices committed but not yet added to the scheduler's progress.
        # One skipped for another worker counts too: the scheduler subtracts
        # them from the remaining count we gave it, and a job whose remaining
        # invoices were all held elsewhere must end, not loop or be taken for
        # one that processed nothing.
        self.uncounted = 0
        # The first invoice is reported at once, then every few seconds.
        self.report_at = time.monotonic()

    def invoice_done(self):
        """Commit the invoice; False once the scheduler's time is spent."""
        if not self.commit:
            return True
        self.uncounted += 1
        now = time.monotonic()
        if now >= self.report_at or (
            self.cron_end is not None and self.cron_end - now < 2
        ):
            self.report_at = now + PROGRESS_EVERY_SECONDS
            return bool(self.report())
        # Per-invoice commit, see above; guarded by `commit` (core's
        # _can_commit), like core's per-record commits.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def report(self):
        """Report (and commit) the invoices not reported yet; the seconds
        the scheduler leaves this job."""
        if not self.uncounted:
            return True
        if self.run:
            self.run._tal_progress()
        time_left = self.env["ir.cron"]._commit_progress(processed=self.uncounted)
        self.uncounted = 0
        return time_left


class TalInvoiceTransfer(models.AbstractModel):
    """The transfer engine: takes pending invoices one by one, each in its own
    transaction with its documents.

    Kept apart from `account.move`, which holds the state it drives, as core's
    `account.move.send` or `account.edi.document` keep their processing apart
    from the invoice. Target specifics stay in the `tal.transfer.target.*`
    adapters.
    """

    _name = "tal.invoice.transfer"
    _description = "Invoice Files Transfer Engine"

    @api.model
    def _cron_transfer(self, limit=None, worker=1):
        """Scheduled action: transfer pending invoices, one transaction each.

        Each invoice's documents and its state are committed together, so a
        crash can neither lose a finished invoice nor transfer one twice.

        :param worker: which of the parallel workers' scheduled actions this
            is (see _tal_sync_workers); one beyond the setting stops for good.
        """
        if budget := compat.cron_context(self.env):
            # 18.0: the scheduler gives no time; this call takes 19.0's.
            return self.with_context(**budget)._cron_transfer(
                limit=limit, worker=worker
            )
        commit = self.env["account.move"]._can_commit()
        scheduler = self.env["tal.invoice.transfer.scheduler"]
        cron = scheduler._tal_current_cron()
        workers = scheduler._tal_parallel_workers()
        if worker > workers:
            # Archived: what it rendered ahead would wait in memory for good.
            RenderAhead.drop(self.env)
            if commit and cron:
                # The setting was lowered while this job ran: the scheduler
                # archives it once this call ends.
                self.env["ir.cron"]._commit_progress(remaining=0, deactivate=True)
            return Counter()
        runs = self.env["tal.invoice.transfer.run"]
        gates = self.env["tal.invoice.transfer.gate"]
        if gates._tal_paused():
            # Paused: this job ends at once; Resume starts the workers.
            RenderAhead.drop(self.env)
            if commit:
                self.env["ir.cron"]._commit_progress(remaining=0)
            return Counter()
        gate = gates._tal_worker_gate(commit)
        pending = self._pending_count(cutoffs=gate.cutoffs)
        if not pending:
            # Nothing to do now: no run in the history, only the dead ones
            # closed. Work left for the working hours starts at their opening.
            if cron:
                runs._tal_close_interrupted(cron.id)
            self._tal_idle()
            if commit:
                self.env["ir.cron"]._commit_progress(remaining=0)
            return Counter()
        # A backlog that starts without a person asking for it: the
        # accounting administrators are told when a large one is done.
        self.env["tal.invoice.transfer.backlog"]._tal_open()
        if commit:
            # Commits the progress: no invoice is under way. The run record is
            # committed with the first invoice.
            time_left = self.env["ir.cron"]._commit_progress(remaining=pending)
            if not time_left:
                # The scheduler's window is spent: end this job (one call per
                # job, not ten tiny ones); the previous call asked for the next.
                return Counter()
        run = runs._tal_start("cron")
        stats = self.with_context(tal_transfer_pausable=True)._run(
            limit=limit,
            commit=commit,
            run=run,
            stripe=(worker - 1, workers) if workers > 1 else None,
            gate=gate,
        )
        run._tal_progress(final=True)
        self._after_run(stats, gate, commit)
        _logger.info(
            "Invoice files transfer: %s%s",
            ", ".join(f"{count} {state}" for state, count in sorted(stats.items()))
            or "nothing pending",
            f" (stopped: {gate.stopped})" if gate.stopped else "",
        )
        return stats

    @api.model
    def _after_run(self, stats, gate, commit):
        """What a scheduled call asks for once its run ends: the next run
        now, at the next pace slot, at the working hours' opening, or none
        (paused, or the backlog done)."""
        scheduler = self.env["tal.invoice.transfer.scheduler"]
        cron = scheduler._tal_current_cron() or scheduler._tal_main_cron()
        if gate.moved():
            gate.refresh()
        if gate.stopped:
            if commit:
                # Paused, or the next pace slot is beyond this job: it ends
                # (not "partly done", which the scheduler would start again
                # at once, for nothing).
                self.env["ir.cron"]._commit_progress(remaining=0)
                if gate.stopped == "pace":
                    cron._trigger(gate.resume_at)
        elif commit and stats.total() and self._pending_count(cutoffs=gate.cutoffs):
            # A backlog that progressed asks for the next run now; one whose
            # invoices were all held elsewhere (a worker, a user) a minute
            # later: at once it would spin, never it would wait an hour.
            moved = stats.total() - stats["skipped"]
            cron._trigger(
                None if moved else fields.Datetime.now() + SKIPPED_RETRY_AFTER
            )
        elif not self._pending_count(cutoffs=gate.cutoffs):
            self._tal_idle()

    @api.model
    def _tal_idle(self):
        """Nothing may go now: a backlog with nothing pending is done (and
        told); pending invoices that wait for working hours start at their
        opening."""
        if self._pending_count():
            self.env["tal.invoice.transfer.scheduler"]._tal_trigger_at_openings()
        else:
            self.env["tal.invoice.transfer.backlog"]._tal_close()

    @api.model
    def _ready_company_ids(self):
        """Companies whose pending invoices the scheduled action takes.

        A company without a folder yet, or with the transfer off, keeps its
        invoices pending, untouched: installing the addon fails nothing.
        """
        self.env["res.company"].flush_model(
            ["tal_transfer_folder_ref", "tal_transfer_scope"]
        )
        self.env.cr.execute(
            """
            SELECT id FROM res_company
             WHERE COALESCE(tal_transfer_folder_ref, '') != ''
               AND tal_transfer_scope IS DISTINCT FROM 'off'
            """
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _pending_count(self, cutoffs=None):
        """Pending invoices the scheduled action can take now.

        :param cutoffs: {company id: cutoff} of the working hours (see
            tal.invoice.transfer.window._tal_states): only what they let go
            now; None: every pending invoice of the companies ready for it
        """
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FROM account_move
                 WHERE tal_transfer_state = 'pending' AND %s
                """,
                self._company_filter(self._ready_company_ids(), cutoffs),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _company_filter(self, company_ids, cutoffs=None):
        """account_move rows of these companies, as far as the working
        hours' cutoffs let them go (see _pending_count)."""
        if cutoffs is None:
            return SQL("account_move.company_id = ANY(%s)", list(company_ids))
        ids = [company_id for company_id in cutoffs if company_id in company_ids]
        if all(cutoffs[company_id] is None for company_id in ids):
            return SQL("account_move.company_id = ANY(%s)", ids)
        # A closed window lets only the recently posted invoices go.
        return SQL(
            """
            EXISTS (SELECT 1 FROM unnest(%s::int[], %s::timestamp[])
                                  AS w(company_id, cutoff)
                     WHERE w.company_id = account_move.company_id
                       AND (w.cutoff IS NULL
                            OR account_move.tal_transfer_posted_date >= w.cutoff))
            """,
            ids,
            [cutoffs[company_id] for company_id in ids],
        )

    @api.model
    def _run(
        self,
        move_ids=None,
        limit=None,
        commit=False,
        states=(STATE_PENDING,),
        run=None,
        stripe=None,
        gate=None,
    ):
        """Transfer invoices one by one; return a Counter of outcomes.

        :param move_ids: only these invoices (default: every pending one of
            the companies ready for it, see _ready_company_ids)
        :param limit: stop after this many invoices
        :param commit: commit after each invoice (the scheduled action)
        :param states: states an invoice must still have once locked
        :param run: the tal.invoice.transfer.run recording this run; each
            invoice handled carries its id
        :param stripe: (index, count) of a parallel worker: it takes the
            invoices whose id modulo count is index first, then the others
            from the highest id down. Workers walking the same ids in the same
            order would each try, and skip, the invoices the others hold.
        :param gate: the scheduled workers' WorkerGate (see
            tal.invoice.transfer.gate): only the invoices the working hours
            let go, at the pace limit, until a pause. None: a person's
            explicit request, which none of these hold back.
        """
        stats = Counter()
        gate = gate or OPEN_GATE
        progress = _Progress(self, run, commit)
        ahead = RenderAhead.of(self.env, commit)
        company_ids = self._ready_company_ids() if move_ids is None else None
        # Whether the transaction holds no work yet: true after each commit
        # (the caller's own transaction may hold some).
        fresh_transaction = False
        after_id = 0
        descending = False
        first_stripe = stripe
        # Until the scheduler's window closes, a job takes new work.
        window_open = True
        while limit is None or stats.total() < limit:
            candidates = self._candidates(
                after_id,
                move_ids,
                states,
                company_ids,
                stripe,
                descending,
                gate.cutoffs,
            )
            if not candidates:
                if stripe is None:
                    break
                # Its own share is done: help the others from the other end.
                stripe, descending, after_id = None, True, None
                continue
            if self._prepare(candidates, limit and limit - stats.total(), commit):
                fresh_transaction = True
            wanting = self._pdf_wanting(candidates[: limit and limit - stats.total()])
            renders = {}
            for move_id in candidates:
                if gate.moved():
                    # Working hours opened or closed: what may go changed.
                    # Looked for again from the start, after the invoice under
                    # way (a worker stops after its current invoice).
                    gate.refresh()
                    stripe, descending, after_id = first_stripe, False, 0
                    break
                after_id = move_id
                if move_id in wanting and move_id not in renders:
                    renders = (
                        self._render_step(wanting, move_id, gate, commit, ahead)
                        if window_open
                        else {}
                    )
                    if move_id not in renders:
                        # Paused, or the job's time is spent: the next job
                        # renders it.
                        after_id = None
                        break
                    fresh_transaction = fresh_transaction or commit
                if not self._wait_turn(gate, fresh_transaction):
                    after_id = None
                    break
                fresh_transaction = fresh_transaction or bool(gate.pace)
                render = renders.pop(move_id, None)
                move = self._lock_gated(move_id, states, fresh_transaction, gate)
                if gate.stopped:
                    after_id = None
                    break
                outcome = (
                    self._process(move, run=run, render=render) if move else "skipped"
                )
                stats[outcome] += 1
                # Ends this invoice's transaction: its documents and its
                # state are saved together, and its row lock is released.
                if not progress.invoice_done():
                    # The scheduler's window is spent: the PDFs rendered for
                    # it are still stored (rendering them again would cost
                    # more), then the job ends.
                    window_open = False
                    if not renders:
                        return stats
                fresh_transaction = commit
                if limit is not None and stats.total() >= limit:
                    break
            if after_id is None:
                break
        progress.report()
        return stats

    @api.model
    def _render_step(self, wanting, move_id, gate, commit, ahead):
        """The PDFs of the next batch, before their rows are locked; none
        when the transfer was paused meanwhile (a scheduled worker).

        Rendered ahead, in a thread, while the previous batch was stored
        (see render_ahead); else now. Then the batch after it starts in that
        thread, unless a pace limit holds the job back (it would store none
        of it)."""
        if gate.paused():
            return {}
        room = gate.render_room()
        if room:
            # Under a pace limit, no more than the job may store: the others
            # would be rendered again by the next job.
            wanting = wanting[: wanting.index(move_id) + room]
        renders = ahead.take(self.env, move_id, wanting) if ahead else None
        if renders is None:
            renders = self._pdf_render(wanting, move_id, commit)
        else:
            # As _pdf_render ends: a fresh snapshot for the invoices' own
            # transactions (only the run itself has written since).
            self.env.cr.commit()  # pylint: disable=invalid-commit
        if ahead and not room:
            # What this run, or the job's next one, comes to next.
            following = wanting[wanting.index(move_id) :]
            ahead.start(
                self.env,
                [i for i in following if i not in renders][:PDF_CHUNK],
                self.env["tal.invoice.transfer.pdf"]._tal_time_left(),
            )
        return renders

    @api.model
    def _wait_turn(self, gate, fresh_transaction):
        """A scheduled worker under a pace limit waits for its slot before
        it locks an invoice. False: stop (paused meanwhile, or the next slot
        is beyond this job's time)."""
        if not gate.pace:
            return True
        if not fresh_transaction:
            # The run's record, if any: the slot is reserved in a
            # transaction of its own.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return gate.wait_for_slot()

    @api.model
    def _lock_gated(self, move_id, states, own_transaction, gate):
        """_lock; a scheduled worker that finds the transfer paused there
        notes it on its gate (the caller stops) and ends the transaction,
        which wrote nothing, releasing the invoice."""
        try:
            return self._lock(move_id, states, own_transaction=own_transaction)
        except TransferPaused:
            gate.stopped = "paused"
            if gate.commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            return None

    @api.model
    def _candidates(
        self,
        after_id,
        move_ids,
        states,
        company_ids=None,
        stripe=None,
        descending=False,
        cutoffs=None,
    ):
        """The next ids to try after `after_id` (None: from the start), in id
        order or from the highest down; no lock (taken one by one).

        :param cutoffs: what the working hours let go (see _pending_count)
        """
        if descending:
            position = SQL("AND id < %s", after_id) if after_id else SQL()
        else:
            position = SQL("AND id > %s", after_id or 0)
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM account_move
                 WHERE tal_transfer_state IN %s %s %s %s %s
                 ORDER BY id %s LIMIT %s
                """,
                tuple(states),
                position,
                SQL("AND mod(id, %s) = %s", stripe[1], stripe[0]) if stripe else SQL(),
                SQL("AND id = ANY(%s)", list(move_ids))
                if move_ids is not None
                else SQL(),
                SQL("AND %s", self._company_filter(company_ids, cutoffs))
                if company_ids is not None
                else SQL(),
                SQL("DESC") if descending else SQL("ASC"),
                CANDIDATE_BATCH,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _prepare(self, move_ids, limit=None, commit=True):
        """Let the target prepare the next invoices in one go (DMS: their
        directories with one create), committed apart; then end this
        transaction, so that the invoices' own transactions see that work.
        Only in runs that commit. Returns whether this transaction ended."""
        if not commit:
            return False
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            return False  # each invoice reports it
        if not target._tal_prepare(move_ids[:limit] if limit else move_ids):
            return False
        # No invoice is under way: this only starts a new snapshot.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    @api.model
    def _pdf_wanting(self, move_ids):
        """The ids among `move_ids` whose official PDF is to be made, in
        order: only for companies whose files can be filed now."""
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            return []  # each invoice reports it
        maker = self.env["tal.invoice.transfer.pdf"]
        moves = maker._tal_wanting(move_ids, target)
        ready = maker._tal_check_target(target, moves.company_id)
        return [move.id for move in moves if move.company_id in ready]

    @api.model
    def _pdf_render(self, wanting, from_id, commit):
        """Render the next batch of `wanting` from `from_id` on, before their
        rows are locked: {move id: PdfRender}; what does not fit before the
        server would kill this job gets none. A run that commits then ends
        this transaction (it only read): the invoices' own transactions start
        from a fresh snapshot."""
        maker = self.env["tal.invoice.transfer.pdf"]
        start = wanting.index(from_id)
        batch = self.env["account.move"].browse(wanting[start : start + PDF_CHUNK])
        renders = maker._tal_render(batch, time_left=maker._tal_time_left())
        if commit:
            # Nothing written (the renders' own writes are undone): this only
            # starts a new snapshot.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return renders

    @api.model
    def _lock(self, move_id, states, own_transaction=False):
        """Lock one invoice for this transaction; return it, or None.

        SKIP LOCKED: an invoice another worker holds is left to it. The state
        is checked again once locked: another worker may have finished it
        since the candidates were read.

        The same statement reads what the transfer needs of the invoice and of
        its company: every commit empties the ORM cache, and on a local socket
        each round trip costs about as much as the commit itself.

        :param own_transaction: the transaction holds nothing else yet (the
            scheduled action commits before each invoice), so a serialization
            failure rolls it back instead of paying a savepoint per invoice.
        """
        moves = self.env["account.move"]
        move_fields = [moves._fields[name] for name in MOVE_FIELDS_READ]
        company_fields = [
            self.env["res.company"]._fields[name] for name in COMPANY_FIELDS_READ
        ]
        # The pause is read in the invoice's own statement: a worker that
        # locks an invoice after a pause was committed stops there, at no
        # extra round trip per invoice.
        pausable = self.env.context.get("tal_transfer_pausable")
        lock_sql = SQL(
            """
            SELECT m.tal_transfer_state, %s, %s, %s
              FROM account_move m
              JOIN res_company c ON c.id = m.company_id
             WHERE m.id = %s
               FOR UPDATE OF m SKIP LOCKED
            """,
            SQL(", ").join(SQL.identifier("m", f.name) for f in move_fields),
            SQL(", ").join(SQL.identifier("c", f.name) for f in company_fields),
            self.env["tal.invoice.transfer.gate"]._tal_paused_sql()
            if pausable
            else SQL("FALSE"),
            move_id,
        )
        if pausable:
            self.env["ir.config_parameter"].flush_model(["key"])
        try:
            with (
                nullcontext() if own_transaction else self.env.cr.savepoint(flush=False)
            ):
                # An expected race, handled below: not an error for the log.
                self.env.cr.execute(lock_sql, log_exceptions=False)
                row = self.env.cr.fetchone()
        except pg_errors.SerializationFailure:
            # Changed and committed by another worker after this transaction
            # began: that worker has dealt with it.
            if own_transaction:
                self.env.cr.rollback()
            return None
        if row and row[-1]:
            # Paused: the caller ends this transaction, which wrote nothing.
            raise TransferPaused()
        if not row or row[0] not in states:
            return None
        move = moves.browse(move_id)
        move.invalidate_recordset(list(TRANSFER_FIELDS))
        move_values = row[1 : 1 + len(move_fields)]
        company = move.env["res.company"].browse(
            move_values[MOVE_FIELDS_READ.index("company_id")]
        )
        # Into the ORM cache, as BaseModel._fetch_query does with its rows.
        for records, record_fields, values in (
            (move, move_fields, move_values),
            (company, company_fields, row[1 + len(move_fields) : -1]),
        ):
            for field, value in zip(record_fields, values, strict=True):
                compat.insert_cache(field, records, [value])
        return move

    @api.model
    def _process(self, move, run=None, render=None):
        """Transfer one locked invoice; return its new state.

        The documents and the state are written in one savepoint: both or
        neither. A failure is recorded on the invoice and never stops the run.
        The run's id is written with the state, in the same statement: the
        run history counts from the invoices.
        """
        move.ensure_one()
        attempts = move.tal_transfer_attempts + 1
        run_id = run.id if run else None
        try:
            with self.env.cr.savepoint():
                vals = self._apply(move, render)
                vals["tal_transfer_attempts"] = attempts
                vals["tal_transfer_run_id"] = run_id
                vals["tal_transfer_failure_noted"] = False
                vals["tal_transfer_failure_reported"] = False
                move._tal_transfer_write(vals)
            return vals["tal_transfer_state"]
        except StaleRender:
            # Changed since its PDF was rendered: rendered again next time.
            return "skipped"
        except RenderToRetry as error:
            kind = "pdf"
            state = STATE_PENDING if attempts < MAX_TRANSIENT_ATTEMPTS else STATE_FAILED
            message = _lt(
                "%(error)s (attempt %(attempt)s of %(max)s)",
                error=error.lazy_message,
                attempt=attempts,
                max=MAX_TRANSIENT_ATTEMPTS,
            )
            _logger.warning("Invoice %s (id %s): %s", move.name, move.id, error.args[0])
        except TRANSIENT_ERRORS as error:
            kind = "busy"
            # A cached folder may be what vanished.
            self.env["tal.transfer.target"]._tal_run_cache_clear()
            state = STATE_PENDING if attempts < MAX_TRANSIENT_ATTEMPTS else STATE_FAILED
            message = _lt(
                "Another transaction was working on this invoice or its files "
                "(%(error)s); attempt %(attempt)s of %(max)s.",
                error=type(error).__name__,
                attempt=attempts,
                max=MAX_TRANSIENT_ATTEMPTS,
            )
            _logger.warning(
                "Invoice %s (id %s): %s",
                move.name,
                move.id,
                message._translate("en_US"),
            )
        except (UserError, AccessError) as error:
            # TransferError is ours; other UserErrors (ValidationError...) come
            # from the target app's own checks.
            kind = error.kind if isinstance(error, TransferError) else "refused"
            state = STATE_FAILED
            message = getattr(error, "lazy_message", None) or str(error.args[0])
            _logger.warning("Invoice %s (id %s): %s", move.name, move.id, error.args[0])
        except Exception as error:  # noqa: BLE001 - one bad invoice must not stop the others
            state, kind = STATE_FAILED, "unexpected"
            message = _lt(
                "Unexpected error, see the server log: %(type)s: %(error)s",
                type=type(error).__name__,
                error=str(error).strip().splitlines()[0] if str(error).strip() else "",
            )
            _logger.exception("Invoice %s (id %s): transfer failed", move.name, move.id)
        payload = error_payload(message, kind)
        # A note for the people who follow the invoice on its first failure
        # only: a retry that fails again, or a million invoices failing on one
        # setting, must not flood the chatter. Successes get none.
        first_failure = state == STATE_FAILED and not move.tal_transfer_failure_noted
        move._tal_transfer_write(
            {
                "tal_transfer_state": state,
                "tal_transfer_error": render_error(payload, "en_US"),
                "tal_transfer_error_kind": kind,
                "tal_transfer_error_data": json.dumps(payload),
                "tal_transfer_attempts": attempts,
                "tal_transfer_run_id": run_id,
                "tal_transfer_failure_noted": move.tal_transfer_failure_noted
                or first_failure,
                # A new failure for the next daily summary.
                "tal_transfer_failure_reported": False,
            }
        )
        if first_failure:
            move._tal_transfer_log_failure(payload)
        return state

    @api.model
    def _apply(self, move, render=None):
        """Make the invoice's PDF when it is due, then create the documents of
        its files; return the fields to write."""
        maker = self.env["tal.invoice.transfer.pdf"]
        made = {}
        if render is not None:
            if render.error is not None:
                if render.retry:
                    raise RenderToRetry(render.error)
                raise TransferError(render.error, kind="pdf")
            if maker._tal_store(move, render):
                made = {
                    "tal_transfer_pdf_report_id": render.report.id,
                    "tal_transfer_pdf_rule_id": render.rule.id or None,
                }
        files = self.env["tal.invoice.transfer.scope"]._files(move)
        if not files:
            if not maker._tal_wanting_sql_ids(move.ids):
                return {
                    "tal_transfer_state": STATE_NOTHING,
                    "tal_transfer_error": None,
                    "tal_transfer_error_kind": None,
                    "tal_transfer_error_data": None,
                }
            # Its PDF is due: in the target already, or made next time.
            target = self.env["tal.transfer.target"]._tal_get_target()
            target._tal_folder(move.company_id)
            documents = maker._tal_held_pdfs(move, target).get(move.id)
            if not documents:
                raise StaleRender()
            documents = target._tal_live(move, documents)
        else:
            target = self.env["tal.transfer.target"]._tal_get_target()
            documents = target._tal_transfer(move, files)
        # The invoice's document is its PDF's when it has one.
        official = move.sudo().invoice_pdf_report_id
        first = (
            documents.filtered(lambda document: document.attachment_id == official)[:1]
            or documents.sorted("id")[:1]
        )
        return {
            **made,
            "tal_transfer_state": STATE_DONE,
            "tal_transfer_error": None,
            "tal_transfer_error_kind": None,
            "tal_transfer_error_data": None,
            "tal_transfer_date": fields.Datetime.now(),
            "tal_transfer_document_ref": f"{first._name},{first.id}",
            "tal_transfer_document_count": len(documents),
        }
