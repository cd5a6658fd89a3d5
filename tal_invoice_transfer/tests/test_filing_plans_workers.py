# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from contextlib import closing
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, tagged

from ..models.tal_transfer_target import TARGET_PARAM
from .common import PATIENCE, PDF, TalUserRequestMixin, wait_for_lock

CUSTOMERS = 4
INVOICES_EACH = 3


class TalPlanWorkersMixin:
    """Workers on connections of their own, as Odoo servers run them, making
    the same customer's folder at once: one folder, whatever the timing.
    Their data is committed for the test, and deleted after it."""

    target = None
    # The tests are the mixin's, run once per target.
    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        model = {"documents": "documents.document", "dms": "dms.directory"}[self.target]
        if model not in self.env:
            self.skipTest(f"{model} is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            params = env["ir.config_parameter"]
            self.saved = (
                company.tal_transfer_folder_ref,
                company.tal_transfer_filing_plan,
                company.tal_transfer_make_pdf,
                params.get_param(TARGET_PARAM),
            )
            root = self._make_root(env)
            self.root_id = root.id
            company.tal_transfer_folder_ref = f"{root._name},{root.id}"
            company.tal_transfer_filing_plan = "customer"
            company.tal_transfer_make_pdf = False
            params.set_param(TARGET_PARAM, self.target)
            self.journal_id = (
                env["account.journal"]
                .create(
                    {"name": "TAL plan workers", "code": "TALPW", "type": "general"}
                )
                .id
            )
            partners = env["res.partner"].create(
                [
                    {"name": f"Twin customer {i}", "is_company": True}
                    for i in range(CUSTOMERS)
                ]
            )
            self.partner_ids = partners.ids
        self.addCleanup(self._delete_committed_data)

    def _make_root(self, env):
        if self.target == "documents":
            return env["documents.document"].create(
                {
                    "name": "TAL plan workers",
                    "type": "folder",
                    "access_internal": "edit",
                }
            )
        storage = env["dms.storage"].create(
            {"name": "TAL plan workers", "save_type": "attachment"}
        )
        self.storage_id = storage.id
        return env["dms.directory"].create(
            {
                "name": "TAL plan workers",
                "is_root_directory": True,
                "storage_id": storage.id,
                "model_id": env["ir.model"]._get_id("account.move"),
            }
        )

    def _make_committed_backlog(self):
        """Pending entries of the test's customers, a file each, their ids
        interleaved so that both workers meet every customer."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].create(
                [
                    {
                        "journal_id": self.journal_id,
                        "date": "2026-05-04",
                        "partner_id": partner_id,
                        "name": f"TALPW/{index:04d}",
                    }
                    for index, partner_id in enumerate(
                        self.partner_ids * INVOICES_EACH, 1
                    )
                ]
            )
            # Not filed by documents_account (its stand-in files every file
            # of a journal entry when it is attached): the plan files them.
            env["ir.attachment"].with_context(no_document=True).create(
                [
                    {
                        "name": "file.pdf",
                        "raw": PDF,
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                    for move in moves
                ]
            )
            cr.execute(
                "UPDATE account_move SET tal_transfer_state = 'pending' "
                "WHERE id = ANY(%s)",
                [moves.ids],
            )
            self.move_ids = moves.ids
        return self.move_ids

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].search([("journal_id", "=", self.journal_id)])
            attachments = env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", moves.ids)]
            )
            if self.target == "documents":
                folders = env["documents.document"].with_context(active_test=False)
                folders.search([("attachment_id", "in", attachments.ids)]).unlink()
                folders.browse(self.root_id).unlink()
            else:
                directories = env["dms.directory"].search(
                    [("storage_id", "=", self.storage_id)]
                )
                directories.file_ids.unlink()
                directories.unlink()
                env["dms.storage"].browse(self.storage_id).unlink()
            attachments.exists().unlink()
            moves.unlink()
            env["account.journal"].browse(self.journal_id).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            company = env.company
            company.tal_transfer_folder_ref = self.saved[0]
            company.tal_transfer_filing_plan = self.saved[1]
            company.tal_transfer_make_pdf = self.saved[2]
            env["ir.config_parameter"].set_param(TARGET_PARAM, self.saved[3])

    def _customer_folders(self):
        """(customer id, count) of the customer folders under the root."""
        table = {"documents": "documents_document", "dms": "dms_directory"}[self.target]
        parent = {"documents": "folder_id", "dms": "parent_id"}[self.target]
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                f"""SELECT res_id, count(*) FROM {table}
                     WHERE {parent} = %s AND res_model = 'res.partner'
                     GROUP BY res_id ORDER BY res_id""",  # noqa: S608 - fixed names
                [self.root_id],
            )
            return cr.fetchall()

    def test_two_workers_file_a_backlog_with_one_folder_per_customer(self):
        move_ids = self._make_committed_backlog()
        start = threading.Barrier(2, timeout=PATIENCE)
        errors = []

        def worker(stripe):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    start.wait()
                    env["tal.invoice.transfer"]._run(
                        move_ids=move_ids, commit=True, stripe=(stripe, 2)
                    )
                except Exception as error:  # noqa: BLE001 - reported by the test
                    start.abort()
                    errors.append(error)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        with patch.object(Registry, "_lock", DummyRLock()):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(PATIENCE * 2)
        self.assertFalse(any(thread.is_alive() for thread in threads), "stuck")
        self.assertFalse(errors, errors)
        # What a worker left for the other's next run.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["tal.invoice.transfer"]._run(move_ids=move_ids, commit=True)

        self.assertEqual(
            self._customer_folders(),
            [(partner_id, 1) for partner_id in self.partner_ids],
        )
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT tal_transfer_state, count(*) FROM account_move "
                "WHERE id = ANY(%s) GROUP BY 1",
                [move_ids],
            )
            self.assertEqual(cr.fetchall(), [("done", len(move_ids))])

    def test_a_worker_whose_snapshot_missed_the_folder_makes_no_second(self):
        """The per-invoice path (no batch): the second worker's transaction
        began before the first one committed the customer's folder; it waits
        for the parent, then is refused (the engine tries again) or finds
        it."""
        self._make_committed_backlog()
        target_model = f"tal.transfer.target.{self.target}"
        first, second = (self.registry.cursor() for _ in range(2))
        self.addCleanup(first.close)
        self.addCleanup(second.close)
        envs = [api.Environment(cr, SUPERUSER_ID, {}) for cr in (first, second)]

        def folder_of(env):
            target = env[target_model]
            root = env[target._tal_folder_model].browse(self.root_id)
            move = env["account.move"].browse(self.move_ids[0])
            return target._tal_customer_folders(root, move)

        second.execute("SELECT count(*) FROM res_partner")
        second.execute("SELECT pg_backend_pid()")
        pid = second.fetchone()[0]
        folder_of(envs[0])
        errors = []

        def work():
            try:
                folder_of(envs[1])
            except pg_errors.SerializationFailure as error:
                errors.append(error)

        thread = threading.Thread(target=work, daemon=True)
        with patch.object(Registry, "_lock", DummyRLock()):
            thread.start()
            self.assertTrue(wait_for_lock(self.registry, thread, pid))
            # A cursor of its own: the first worker's invoice ends.
            first.commit()  # pylint: disable=invalid-commit
            thread.join(PATIENCE)
            self.assertFalse(thread.is_alive())
            if errors:
                # The engine's next try of the invoice, in a new transaction.
                second.rollback()
                envs[1].invalidate_all()
                folder_of(envs[1])
            # A cursor of its own: the second worker's invoice ends.
            second.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._customer_folders(), [(self.partner_ids[0], 1)])


@tagged("post_install", "-at_install")
class TestPlanWorkersDocuments(TalPlanWorkersMixin, TransactionCase):
    target = "documents"


@tagged("post_install", "-at_install")
class TestPlanWorkersDms(TalPlanWorkersMixin, TransactionCase):
    target = "dms"


@tagged("post_install", "-at_install")
class TestPlanFolderDeletedDuringTransfer(
    TalPlanWorkersMixin, TalUserRequestMixin, TransactionCase
):
    """A person deletes a customer's folder (Documents) while a worker files
    an invoice of that customer into it."""

    target = "documents"
    allow_inherited_tests_method = False

    def test_the_deletion_waits_is_retried_and_takes_the_new_documents_along(self):
        move_ids = self._make_committed_backlog()
        # Two invoices of the first customer.
        first_id, second_id = move_ids[0], move_ids[CUSTOMERS]
        self.invoice_id = second_id
        # The customer's folder exists: the first invoice was filed into it.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["tal.invoice.transfer"]._run(move_ids=[first_id])
        (customer_id, _count), *_rest = self._customer_folders()
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT id FROM documents_document WHERE folder_id = %s "
                "AND res_model = 'res.partner'",
                [self.root_id],
            )
            folder_id = cr.fetchone()[0]

        def delete_folder(env):
            env["documents.document"].browse(folder_id).unlink()

        target_class = type(self.env["tal.transfer.target.documents"])
        worker, outcome, failures = self._user_request_during_transfer(
            delete_folder,
            model_class=target_class,
            method="_tal_hold_folders",
            is_the_one=lambda held: held.ids == [folder_id],
        )

        self.assertEqual(outcome["done"], 1)
        # The user's deletion met the worker's commit: Odoo tried it again,
        # and then it took the new document along.
        self.assertIn("SerializationFailure", failures)
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT count(*) FROM documents_document WHERE id = %s", [folder_id]
            )
            self.assertEqual(cr.fetchone()[0], 0)
            cr.execute(
                "SELECT id, tal_transfer_state FROM account_move WHERE id = ANY(%s) "
                "ORDER BY id",
                [[first_id, second_id]],
            )
            self.assertEqual(
                cr.fetchall(), [(first_id, "pending"), (second_id, "pending")]
            )
            cr.execute(
                "SELECT count(*) FROM ir_attachment WHERE res_model = 'account.move' "
                "AND res_id = ANY(%s)",
                [[first_id, second_id]],
            )
            self.assertEqual(cr.fetchone()[0], 2, "the invoices' files stay")
        # Filed again, into a new folder of the customer.
        worker["tal.invoice.transfer"]._run(move_ids=[first_id, second_id])
        # A cursor of its own: the end of the worker's job.
        worker.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._customer_folders(), [(customer_id, 1)])
