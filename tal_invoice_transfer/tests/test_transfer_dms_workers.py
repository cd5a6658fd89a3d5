# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from contextlib import closing
from datetime import date
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, tagged

from ..models.tal_invoice_transfer import MAX_TRANSIENT_ATTEMPTS
from ..models.tal_transfer_target import TARGET_PARAM
from .common import PATIENCE, PDF, wait_for_lock

WORKERS = 2
# Invoices of two months, with one or two files each.
INVOICES = [(date(2026, 5, 28 + i % 3), 1 + i % 2) for i in range(6)] + [
    (date(2026, 6, 1 + i), 1) for i in range(6)
]
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

    def _make_committed_backlog(self):
        """Pending entries of the test's journal with files, the company's
        folder set to the test's root: what a scheduled job finds."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            params = env["ir.config_parameter"]
            saved = (
                company.tal_transfer_folder_ref,
                params.get_param(TARGET_PARAM),
                company.tal_transfer_make_pdf,
                company.tal_transfer_filing_plan,
            )
            self.addCleanup(self._restore_settings, company.id, *saved)
            # Files only: the PDF maker's tests are test_invoice_pdf*.py.
            company.tal_transfer_make_pdf = False
            company.tal_transfer_folder_ref = f"dms.directory,{self.root_id}"
            company.tal_transfer_filing_plan = "journal_period"
            params.set_param(TARGET_PARAM, "dms")
            moves = env["account.move"].create(
                [
                    {
                        "journal_id": self.journal_id,
                        "date": day,
                        "name": f"TAL2W/{day:%Y}/{index:04d}",
                    }
                    for index, (day, _files) in enumerate(INVOICES, 1)
                ]
            )
            env["ir.attachment"].create(
                [
                    {
                        "name": f"file {number}.pdf",
                        "raw": PDF,
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                    for move, (_day, files) in zip(moves, INVOICES, strict=True)
                    for number in range(files)
                ]
            )
            cr.execute(
                "UPDATE account_move SET tal_transfer_state = 'pending' "
                "WHERE id = ANY(%s)",
                [moves.ids],
            )
            self.move_ids = moves.ids
        return self.move_ids

    def _restore_settings(self, company_id, folder_ref, target, make_pdf, plan):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(company_id)
            company.tal_transfer_folder_ref = folder_ref
            company.tal_transfer_make_pdf = make_pdf
            company.tal_transfer_filing_plan = plan
            env["ir.config_parameter"].set_param(TARGET_PARAM, target)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            directories = env["dms.directory"].with_context(active_test=False)
            directories = directories.search([("storage_id", "=", self.storage_id)])
            # Deleting a DMS file deletes its attachment too.
            directories.file_ids.unlink()
            directories.unlink()
            env["dms.storage"].browse(self.storage_id).unlink()
            moves = env["account.move"].search([("journal_id", "=", self.journal_id)])
            env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", moves.ids)]
            ).unlink()
            moves.unlink()
            env["account.journal"].browse(self.journal_id).unlink()

    def _in_workers(self, work):
        """Run `work(env)` in WORKERS transactions started together; each is
        retried in a new transaction on a transient error, as the engine
        retries an invoice. Returns what each worker's work returned, and how
        many attempts each took."""
        start = threading.Barrier(WORKERS, timeout=30)
        results, attempts, errors = [None] * WORKERS, [0] * WORKERS, []
        cursors = [self.registry.cursor() for _index in range(WORKERS)]

        def worker(index):
            env = api.Environment(cursors[index], SUPERUSER_ID, {})
            try:
                env.cr.execute("SET lock_timeout = %s", [LOCK_TIMEOUT])
                for attempt in range(1, MAX_TRANSIENT_ATTEMPTS + 1):
                    attempts[index] = attempt
                    if attempt == 1:
                        # Both snapshots are taken before either works.
                        start.wait()
                    try:
                        results[index] = work(env)
                        # A cursor of its own per worker: its invoice's
                        # transaction ends, as in the engine.
                        env.cr.commit()  # pylint: disable=invalid-commit
                        break
                    except pg_errors.SerializationFailure:
                        env.cr.rollback()
                else:
                    raise AssertionError(f"worker {index} never got through")
                env.cr.execute("RESET lock_timeout")
            except Exception as error:  # noqa: BLE001 - reported by the test
                start.abort()
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
        # The thread running the tests holds the registry's lock, which an
        # environment takes on a new cursor: lifted as Odoo's own test mode
        # does for the requests it serves.
        with patch.object(Registry, "_lock", DummyRLock()):
            try:
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                self.assertFalse(any(t.is_alive() for t in threads), "stuck")
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

    def test_two_workers_transfer_a_backlog_once_from_an_empty_tree(self):
        move_ids = self._make_committed_backlog()

        def transfer(env):
            return env["tal.invoice.transfer"]._run(move_ids=move_ids, commit=True)

        self._in_workers(transfer)
        # What a worker left pending (the other held a folder it needed) is
        # for the next run.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["tal.invoice.transfer"]._run(move_ids=move_ids, commit=True)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].browse(move_ids)
            self.assertEqual(set(moves.mapped("tal_transfer_state")), {"done"})
            attachments = env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", move_ids)]
            )
            files = env["dms.file"].search([("attachment_id", "in", attachments.ids)])
            self.assertEqual(len(attachments), sum(n for _day, n in INVOICES))
            self.assertEqual(
                sorted(files.attachment_id.ids),
                sorted(attachments.ids),
                "each file once",
            )
            directories = env["dms.directory"].search(
                [
                    ("storage_id", "=", self.storage_id),
                    ("res_model", "=", "account.move"),
                    ("is_root_directory", "=", False),
                ]
            )
            self.assertEqual(
                sorted(directories.mapped("res_id")), move_ids, "a directory each"
            )
            self.assertEqual(files.directory_id, directories)
        tree = self._tree()
        self.assertEqual(len(tree), len(set(tree)), "no two folders of one name")
        self.assertEqual(
            [row for row in tree if not row[1].startswith("TAL2W-")],
            [
                ("2026", "05"),
                ("2026", "06"),
                ("TAL two workers", "TAL2W"),
                ("TAL2W", "2026"),
            ],
        )


@tagged("post_install", "-at_install")
class TestDmsTwinFolders(TransactionCase):
    """Two workers that reach a missing journal, year or month folder at once
    must end with one folder, as a second worker on an empty tree does
    (issue 13, point 1; seen again over RPC with two cron threads)."""

    def setUp(self):
        super().setUp()
        if "dms.file" not in self.env:
            self.skipTest("dms is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            storage = env["dms.storage"].create(
                {"name": "Twin folders", "save_type": "attachment"}
            )
            root = env["dms.directory"].create(
                {
                    "name": "Twin folders",
                    "is_root_directory": True,
                    "storage_id": storage.id,
                    "model_id": env["ir.model"]._get_id("account.move"),
                }
            )
            self.storage_id, self.root_id = storage.id, root.id
            self.journal_id = env["account.journal"].search([], limit=1).id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            storage = env["dms.storage"].browse(self.storage_id)
            storage.root_directory_ids.unlink()
            storage.unlink()

    def _worker_env(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _child(self, env):
        target = env["tal.transfer.target.dms"]
        root = env["dms.directory"].browse(self.root_id)
        journal = env["account.journal"].browse(self.journal_id)
        return target._tal_child_directory(root, "2026", journal)

    def test_two_workers_make_one_folder(self):
        first, second = self._worker_env(), self._worker_env()
        # The second worker is in the middle of its transaction already (it
        # locked its invoice): its snapshot predates the first one's folder.
        second.cr.execute("SELECT count(*) FROM dms_directory")
        second.cr.execute("SELECT pg_backend_pid()")
        pid = second.cr.fetchone()[0]
        self._child(first)
        errors = []

        def work():
            try:
                self._child(second)
            except Exception as error:  # noqa: BLE001 - a retry is allowed
                errors.append(error)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        wait_for_lock(self.registry, thread, pid)
        # A cursor of its own: the first worker's invoice ends, which lets the
        # waiting second worker go on.
        first.cr.commit()  # pylint: disable=invalid-commit
        thread.join(PATIENCE)
        self.assertFalse(thread.is_alive(), "the second worker never ended")
        if errors:
            # The engine retries an invoice that met concurrent work.
            second.cr.rollback()
            self._child(second)
        # A cursor of its own: the second worker's invoice ends.
        second.cr.commit()  # pylint: disable=invalid-commit
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT count(*) FROM dms_directory WHERE parent_id = %s AND name = %s",
                [self.root_id, "2026"],
            )
            self.assertEqual(cr.fetchone()[0], 1, "twin folders under one parent")
