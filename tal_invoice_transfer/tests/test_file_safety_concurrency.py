# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from contextlib import ExitStack
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.orm.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from ..models.tal_transfer_target import TARGET_PARAM
from .common import PATIENCE, PDF, wait_for_lock


@tagged("post_install", "-at_install")
class TestConcurrentUpload(TransactionCase):
    """A file attached while a worker holds its invoice is transferred too.

    Two transactions only meet on committed rows: the invoice and its DMS root
    are committed by their own cursor and removed after each test, as core's
    sequence concurrency test does. The upload runs through
    `odoo.service.model.retrying`, the loop Odoo's HTTP layer wraps each
    request in.
    """

    def setUp(self):
        super().setUp()
        if "dms.file" not in self.env:
            self.skipTest("dms is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            icp = env["ir.config_parameter"]
            self.saved = {
                "target": icp.get_param(TARGET_PARAM),
                "folder_ref": company.tal_transfer_folder_ref,
            }
            cr.execute("SELECT coalesce(max(id), 0) FROM tal_invoice_transfer_run")
            self.last_run_id = cr.fetchone()[0]
            cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            self.last_trigger_id = cr.fetchone()[0]
            storage = env["dms.storage"].create(
                {"name": "Concurrency", "save_type": "attachment"}
            )
            root = env["dms.directory"].create(
                {
                    "name": "Concurrency",
                    "is_root_directory": True,
                    "storage_id": storage.id,
                    "model_id": env["ir.model"]._get_id("account.move"),
                }
            )
            icp.set_param(TARGET_PARAM, "dms")
            company.tal_transfer_folder_ref = f"dms.directory,{root.id}"
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": env.ref("base.partner_admin").id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": 100.0})
                    ],
                }
            )
            self._attach(env, invoice.id, "invoice.pdf")
            invoice.action_post()
            self.assertEqual(invoice.tal_transfer_state, "pending")
            self.invoice_id, self.storage_id = invoice.id, storage.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            invoice.button_draft()
            invoice.posted_before = False
            # Its attachments and their DMS files go with it.
            invoice.with_context(force_delete=True).unlink()
            storage = env["dms.storage"].browse(self.storage_id)
            storage.root_directory_ids.unlink()
            storage.unlink()
            env["tal.invoice.transfer.run"].search(
                [("id", ">", self.last_run_id)]
            ).unlink()
            cr.execute(
                "DELETE FROM ir_cron_trigger WHERE id > %s", [self.last_trigger_id]
            )
            env["ir.config_parameter"].set_param(TARGET_PARAM, self.saved["target"])
            env.company.tal_transfer_folder_ref = self.saved["folder_ref"]

    @staticmethod
    def _attach(env, move_id, name):
        return env["ir.attachment"].create(
            {"name": name, "raw": PDF, "res_model": "account.move", "res_id": move_id}
        )

    def _new_env(self, uid=SUPERUSER_ID):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, uid, {})

    def _upload_in_thread(self, name):
        """A thread that uploads `name` onto the invoice as a request would.

        Returns the thread (not started), the uploader's backend pid, and the
        list of errors the thread met.
        """
        env = self._new_env()
        env.cr.execute("SELECT pg_backend_pid()")
        pid = env.cr.fetchone()[0]
        env.cr.rollback()
        errors = []

        def upload():
            try:
                retrying(lambda: self._attach(env, self.invoice_id, name), env)
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        return threading.Thread(target=upload, daemon=True), pid, errors

    def _upload_while_held(self, work):
        """Run `work(env)` in a worker transaction; once the worker has locked
        the invoice, another transaction uploads late.pdf onto it.

        Returns whether the upload had to wait for the worker.
        """
        transfer_class = type(self.env["tal.invoice.transfer"])
        real_lock = transfer_class._lock
        thread, pid, errors = self._upload_in_thread("late.pdf")
        waited = []

        def lock(model, move_id, states, own_transaction=False):
            move = real_lock(model, move_id, states, own_transaction)
            if move and move_id == self.invoice_id and not waited:
                thread.start()
                waited.append(wait_for_lock(self.registry, thread, pid))
            return move

        worker = self._new_env(uid=self.env.ref("base.user_admin").id)
        with ExitStack() as stack:
            stack.enter_context(patch.object(transfer_class, "_lock", lock))
            # The test runner holds the registries' lock while tests run; a
            # retry takes it (Environment.reset), as registry test mode allows.
            stack.enter_context(patch.object(Registry, "_lock", DummyRLock()))
            stack.enter_context(
                patch.object(
                    type(self.env["account.move"]), "_can_commit", return_value=True
                )
            )
            try:
                work(worker)
                # A cursor of its own: the end of the request or of the job.
                worker.cr.commit()  # pylint: disable=invalid-commit
            finally:
                worker.cr.rollback()  # releases the invoice if `work` failed
            thread.join(PATIENCE)
        self.assertFalse(thread.is_alive(), "the upload never ended")
        self.assertEqual(errors, [], "the upload must succeed, after a retry")
        self.assertEqual(len(waited), 1, "the worker locked the invoice")
        return waited[0]

    def _next_scheduled_run(self):
        env = self._new_env()
        with patch.object(
            type(self.env["account.move"]), "_can_commit", return_value=True
        ):
            env["tal.invoice.transfer"]._cron_transfer()
        # A cursor of its own: the end of the scheduled job.
        env.cr.commit()  # pylint: disable=invalid-commit

    def _assert_every_file_transferred_once(self):
        env = self._new_env()
        invoice = env["account.move"].browse(self.invoice_id)
        attachments = env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(
            sorted(attachments.mapped("name")), ["invoice.pdf", "late.pdf"]
        )
        files = (
            env["dms.file"]
            .with_context(active_test=False)
            .search([("attachment_id", "in", attachments.ids)])
        )
        self.assertEqual(files.attachment_id, attachments, "each file transferred")
        self.assertEqual(len(files), 2, "each file exactly once")
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_document_count, 2)

    def _state(self):
        env = self._new_env()
        return env["account.move"].browse(self.invoice_id).tal_transfer_state

    def test_upload_during_a_scheduled_run_is_transferred_by_the_next(self):
        waited = self._upload_while_held(
            lambda env: env["tal.invoice.transfer"]._cron_transfer()
        )

        state_after_upload = self._state()
        self._next_scheduled_run()

        self._assert_every_file_transferred_once()
        self.assertEqual(
            state_after_upload, "pending", "the retried upload reopened it"
        )
        self.assertTrue(waited, "the upload waited for the worker's invoice")

    def test_upload_during_transfer_now_is_transferred_by_the_next_run(self):
        waited = self._upload_while_held(
            lambda env: env["account.move"]
            .browse(self.invoice_id)
            .action_tal_transfer_now()
        )

        state_after_upload = self._state()
        self._next_scheduled_run()

        self._assert_every_file_transferred_once()
        self.assertEqual(
            state_after_upload, "pending", "the retried upload reopened it"
        )
        self.assertTrue(waited, "the upload waited for the worker's invoice")

    def test_upload_committed_after_transfer_now_began_leaves_it_to_the_next_run(
        self,
    ):
        worker = self._new_env(uid=self.env.ref("base.user_admin").id)
        invoice = worker["account.move"].browse(self.invoice_id)
        # The request reads the invoice: its snapshot is taken now.
        self.assertEqual(invoice.tal_transfer_state, "pending")
        uploader = self._new_env()
        self._attach(uploader, self.invoice_id, "late.pdf")
        # A cursor of its own: the upload's request ends (no lock is held
        # yet, so nothing waits for it).
        uploader.cr.commit()  # pylint: disable=invalid-commit

        invoice.action_tal_transfer_now()
        # A cursor of its own: the end of the Transfer Now request.
        worker.cr.commit()  # pylint: disable=invalid-commit

        state_after_request = self._state()
        self._next_scheduled_run()

        self._assert_every_file_transferred_once()
        self.assertEqual(state_after_request, "pending", "left to the next run")
