# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The next batch of PDFs, rendered in a thread while the engine stores the
current one.

On one worker, wkhtmltopdf (most of a PDF's cost, in a process of its own)
and the engine's storing, filing and committing of each invoice (Odoo and
PostgreSQL) would take turns; on a second core they overlap. The thread has
a cursor of its own and stores nothing: what it renders is checked again
under each invoice's lock, as every render is (tal.invoice.transfer.pdf's
_tal_store). One wkhtmltopdf run at a time per worker still: the engine
waits for the thread before it renders anything itself.

Only in runs that commit (the scheduler's), outside Odoo's test runner
unless a test asks (context key `tal_render_ahead`): a test's registry may
hand every cursor the test's own connection, which two threads cannot share.
"""

import dataclasses
import logging
import threading
import time

from odoo import api
from odoo.modules import module as odoo_module
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# One per database and scheduled job: the batch a run starts rendering is
# taken by the job's next run (a job calls the transfer again and again, each
# run ending at the scheduler's 10 s window), in whichever of the scheduler's
# threads it runs, or dropped. Keyed by the thread outside a job (tests).
_by_job = {}

# A batch rendered ahead is stored only if the job's next run takes it
# within this many seconds of its render: a job follows the previous one
# within seconds, and some changes no check under the lock sees (a
# customer's address) must not wait in memory for hours.
MAX_AGE = 60

# What the PDFs look like besides the invoice itself: the rules, the report
# actions and their templates, the companies (a logo, "make PDFs"), the
# paper formats. A batch rendered ahead under other settings is rendered
# again; a change to one of these is rare.
_SETTINGS_STAMP = SQL("""
    SELECT (SELECT max(write_date) FROM tal_invoice_transfer_pdf_rule),
           (SELECT count(*) FROM tal_invoice_transfer_pdf_rule),
           (SELECT max(write_date) FROM ir_act_report_xml),
           (SELECT max(write_date) FROM ir_ui_view),
           (SELECT max(write_date) FROM res_company),
           (SELECT max(write_date) FROM report_paperformat)
""")


def _settings_stamp(cr):
    cr.execute(_SETTINGS_STAMP)
    return cr.fetchone()


def _key(env):
    cron_id = env.context.get("cron_id")
    if cron_id:
        return (env.cr.dbname, "job", cron_id)
    return (env.cr.dbname, "thread", threading.get_ident())


class RenderAhead:
    """At most one batch rendered ahead by one scheduler thread."""

    def __init__(self):
        self._thread = None
        self._results = {}
        # The settings the batch was rendered with, and when it was done.
        self._stamp = None
        self._done_at = None

    @classmethod
    def of(cls, env, commit):
        """The job's RenderAhead; None where rendering ahead is off."""
        if not commit or (
            odoo_module.current_test and not env.context.get("tal_render_ahead")
        ):
            return None
        return _by_job.setdefault(_key(env), cls())

    @classmethod
    def drop(cls, env):
        """Wait for the job's batch under way, if any, and forget it."""
        ahead = _by_job.pop(_key(env), None)
        if ahead:
            ahead.finish()

    def start(self, env, move_ids, time_left):
        """Render `move_ids` in the background, within `time_left` seconds
        (None: no limit), as `env`'s user."""
        self.finish()
        if not move_ids:
            return
        # Opened here: a thread asking Odoo for the database's registry
        # would wait for the registry lock, which a loading registry holds
        # (Odoo's test runner holds it for all the tests).
        cr = None
        try:
            # A full connection pool raises here: the run goes on without.
            cr = env.registry.cursor()
            ahead_env = api.Environment(cr, env.uid, dict(env.context))
            self._thread = threading.Thread(
                target=self._render,
                args=(ahead_env, list(move_ids), time_left),
                name=f"{threading.current_thread().name} render ahead",
                daemon=True,
            )
            self._thread.start()
        except Exception:  # noqa: BLE001 - the engine renders them itself
            self._thread = None
            if cr is not None:
                cr.close()
            _logger.warning(
                "Could not start rendering %s invoice PDF(s) ahead",
                len(move_ids),
                exc_info=True,
            )

    def take(self, env, move_id, wanting):
        """The renders of the batch rendered ahead, if it holds `move_id`
        ({move id: PdfRender} bound to `env`), only those of `wanting` (what
        the run makes PDFs for now); else None, that batch dropped: also
        when it is older than MAX_AGE or was rendered under other settings
        (see _SETTINGS_STAMP). Waits for it: one wkhtmltopdf run at a time
        per worker."""
        if self._thread is None:
            return None
        self._thread.join()
        self._thread = None
        results, self._results = self._results, {}
        if (
            move_id not in results
            or time.monotonic() - self._done_at > MAX_AGE
            or _settings_stamp(env.cr) != self._stamp
        ):
            return None
        wanting = set(wanting)
        # Rebound by name: a registry loaded since has classes of its own.
        return {
            move_id: dataclasses.replace(
                render,
                report=env[render.report._name].browse(render.report.ids),
                rule=env[render.rule._name].browse(render.rule.ids),
            )
            for move_id, render in results.items()
            if move_id in wanting
        }

    def finish(self):
        """Wait for the batch under way, and drop it."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._results = {}

    def _render(self, env, move_ids, time_left):
        # Odoo's log lines name the thread's database.
        threading.current_thread().dbname = env.cr.dbname
        try:
            with env.cr:
                # In the snapshot the invoices are rendered from.
                self._stamp = _settings_stamp(env.cr)
                maker = env["tal.invoice.transfer.pdf"]
                # As this transaction sees them: another worker, or a
                # person's Send, may have made some since.
                wanting = maker._tal_wanting_sql_ids(move_ids)
                if wanting:
                    self._results = maker._tal_render(
                        env["account.move"].browse(wanting), time_left=time_left
                    )
        except Exception:  # noqa: BLE001 - the engine renders them itself
            _logger.warning(
                "Rendering %s invoice PDF(s) ahead failed; they are rendered "
                "when their turn comes",
                len(move_ids),
                exc_info=True,
            )
            self._results = {}
        finally:
            self._done_at = time.monotonic()
