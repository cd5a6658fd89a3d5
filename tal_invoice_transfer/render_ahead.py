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

from odoo import api
from odoo.modules import module as odoo_module

_logger = logging.getLogger(__name__)

# One per database and scheduler thread: the batch a run starts rendering is
# taken by the next run of the same job (a job calls the transfer again and
# again, each run ending at the scheduler's 10 s window), or dropped.
_by_thread = {}


class RenderAhead:
    """At most one batch rendered ahead by one scheduler thread."""

    def __init__(self):
        self._thread = None
        self._results = {}

    @classmethod
    def of(cls, env, commit):
        """The thread's RenderAhead; None where rendering ahead is off."""
        if not commit or (
            odoo_module.current_test and not env.context.get("tal_render_ahead")
        ):
            return None
        return _by_thread.setdefault((env.cr.dbname, threading.get_ident()), cls())

    def start(self, env, move_ids, time_left):
        """Render `move_ids` in the background, within `time_left` seconds
        (None: no limit), as `env`'s user."""
        self.finish()
        if not move_ids:
            return
        # Opened here: a thread asking Odoo for the database's registry
        # would wait for the registry lock, which a loading registry holds
        # (Odoo's test runner holds it for all the tests).
        cr = env.registry.cursor()
        try:
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
            cr.close()
            _logger.warning(
                "Could not start rendering %s invoice PDF(s) ahead",
                len(move_ids),
                exc_info=True,
            )

    def take(self, env, move_id):
        """The renders of the batch rendered ahead, if it holds `move_id`
        ({move id: PdfRender} bound to `env`); else None, that batch
        dropped. Waits for it: one wkhtmltopdf run at a time per worker."""
        if self._thread is None:
            return None
        self._thread.join()
        self._thread = None
        results, self._results = self._results, {}
        if move_id not in results:
            return None
        return {
            move_id: dataclasses.replace(
                render,
                report=render.report.with_env(env),
                rule=render.rule.with_env(env),
            )
            for move_id, render in results.items()
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
