# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from datetime import date

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..models.tal_invoice_transfer import MAX_TRANSIENT_ATTEMPTS

WORKERS = 2
# A worker that waits longer than this on the other is stuck: fail, not hang.
LOCK_TIMEOUT = "20s"


@tagged("post_install", "-at_install")
class TestTransferDmsWorkers(TransactionCase):
    """Workers on their own connections, as two Odoo servers run them.

    Each worker is a real transaction in REPEATABLE READ, Odoo's isolation: it
    sees only rows committed before its first statement. That is what lets two
    workers fork a folder tree, and what a test cursor (one shared
    transaction) cannot show. The data they work on is committed for the
    test, and deleted after it.
    """

    def setUp(self):
        super().setUp()
        if "dms.directory" not in self.env:
            self.skipTest("dms is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            journal = env["account.journal"].create(
                {"name": "TAL two workers", "code": "TAL2W", "type": "general"}
            )
            storage = env["dms.storage"].create(
                {"name": "TAL two workers", "save_type": "attachment"}
            )
            root = env["dms.directory"].create(
                {
                    "name": "TAL two workers",
                    "is_root_directory": True,
                    "storage_id": storage.id,
                    "model_id": env["ir.model"]._get_id("account.move"),
                }
            )
            self.journal_id, self.storage_id, self.root_id = (
                journal.id,
                storage.id,
                root.id,
            )
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            directories = env["dms.directory"].with_context(active_test=False)
            directories.search([("storage_id", "=", self.storage_id)]).unlink()
            env["dms.storage"].browse(self.storage_id).unlink()
            env["account.journal"].browse(self.journal_id).unlink()

    def _in_workers(self, work):
        """Run `work(env)` in WORKERS transactions started together; each is
        retried in a new transaction on a transient error, as the engine
        retries an invoice. Returns what each worker's work returned, and how
        many attempts each took."""
        start = threading.Barrier(WORKERS, timeout=30)
        results, attempts, errors = [None] * WORKERS, [0] * WORKERS, []
        # Made here: an environment's first use of a cursor looks its registry
        # up under a lock that the thread running the tests holds.
        cursors = [self.registry.cursor() for _index in range(WORKERS)]
        envs = [api.Environment(cr, SUPERUSER_ID, {}) for cr in cursors]

        def worker(index):
            env = envs[index]
            try:
                for attempt in range(1, MAX_TRANSIENT_ATTEMPTS + 1):
                    env.cr.execute("SET LOCAL lock_timeout = %s", [LOCK_TIMEOUT])
                    attempts[index] = attempt
                    if attempt == 1:
                        # Both snapshots are taken before either works.
                        start.wait()
                    try:
                        results[index] = work(env)
                        env.cr.commit()
                        return
                    except pg_errors.SerializationFailure:
                        env.cr.rollback()
                raise AssertionError(f"worker {index} never got through")
            except Exception as error:  # noqa: BLE001 - reported by the test
                start.abort()
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertFalse(any(thread.is_alive() for thread in threads), "stuck")
        finally:
            for cr in cursors:
                cr.close()
        self.assertFalse(errors, errors)
        return results, attempts

    def _tree(self):
        """(parent name, name) of every directory under the root, committed."""
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT p.name, d.name FROM dms_directory d
                  JOIN dms_directory p ON p.id = d.parent_id
                 WHERE d.storage_id = %s ORDER BY p.name, d.name
                """,
                [self.storage_id],
            )
            return cr.fetchall()

    def test_two_workers_on_an_empty_tree_make_one_folder_per_parent_and_name(self):
        def month_directory(env):
            move = env["account.move"].new(
                {"journal_id": self.journal_id, "invoice_date": date(2026, 6, 3)}
            )
            root = env["dms.directory"].browse(self.root_id)
            return env["tal.transfer.target.dms"]._tal_month_directory(move, root).id

        months, attempts = self._in_workers(month_directory)

        self.assertEqual(
            self._tree(),
            [("2026", "06"), ("TAL two workers", "TAL2W"), ("TAL2W", "2026")],
        )
        self.assertEqual(len(set(months)), 1, "both workers file into one month")
        # The second saw an empty tree in its snapshot: PostgreSQL made it try
        # again, and the new transaction found the first one's folders.
        self.assertEqual(sorted(attempts), [1, 2])
