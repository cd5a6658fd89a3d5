# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from ..models.tal_invoice_transfer import MAX_TRANSIENT_ATTEMPTS
from ..models.tal_transfer_target_dms import TalTransferTargetDms
from ..models.tal_transfer_target_dms_batch import TalTransferTargetDmsBatch
from .common import TalCommittedDmsInvoiceCase, TalTransferCommon

DMS_TARGET = (
    "odoo.addons.tal_invoice_transfer.models.tal_transfer_target_dms"
    ".TalTransferTargetDms"
)


@tagged("post_install", "-at_install")
class TestDmsFoldersDeleted(TalTransferCommon):
    """A DMS user deletes a folder the transfer files into during a run: the
    folder is made again and the invoice filed, with no foreign key ERROR in
    the log and no try of the invoice lost."""

    target = "dms"

    def _run_committing(self, moves):
        """The engine as the scheduled action runs it, batch preparation
        included: in registry test mode a new cursor's commit only releases a
        savepoint."""
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            stats = self.env(cr=cr)["tal.invoice.transfer"]._run(
                move_ids=moves.ids, commit=True
            )
        self.env.invalidate_all()
        return stats

    def test_a_refiled_invoice_gets_all_its_retries_on_a_race(self):
        """An invoice filed again (a DMS user deleted its file, a new file was
        attached) meets a race on its new transfer: a user deletes its fresh
        DMS folder while a worker is on it. Measured on a real database: it
        failed at once, 'attempt 3 of 3', its earlier successful transfers
        counted as tries of this one."""
        invoice = self._make_invoice()
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self._documents_of(self._files_of(invoice)).unlink()
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self._attach(invoice, name="annex.pdf")
        self.assertEqual(invoice.tal_transfer_state, "pending")

        def folder_deleted_meanwhile(target, move, attachments):
            raise pg_errors.ForeignKeyViolation("dms_file_directory_id_fkey")

        with (
            patch(f"{DMS_TARGET}._tal_transfer", folder_deleted_meanwhile),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"),
        ):
            self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(
            invoice.tal_transfer_state, "pending", invoice.tal_transfer_error
        )
        self.assertIn(
            f"attempt 1 of {MAX_TRANSIENT_ATTEMPTS}", invoice.tal_transfer_error
        )
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 2)

    def test_a_month_folder_deleted_during_the_batch_preparation(self):
        """A DMS user deletes a month folder (still empty) after the batch
        preparation committed it and before it makes the invoices' folders in
        it. Measured on a real database: an ERROR 'bad query' (foreign key)
        and a WARNING with its traceback in the log; the invoices then made
        their own folders."""
        invoice = self._make_invoice()
        moves_wanting = TalTransferTargetDmsBatch._tal_moves_wanting_directory
        deleted = []

        def then_a_user_deletes_the_month_folder(batch, moves, roots):
            result = moves_wanting(batch, moves, roots)
            months = (
                batch.env["dms.directory"]
                .sudo()
                .search([("name", "=", f"{invoice.invoice_date or invoice.date:%m}")])
            )
            if months and not deleted:
                deleted.extend(months.ids)
                months.unlink()
            return result

        with (
            patch.object(
                TalTransferTargetDmsBatch,
                "_tal_moves_wanting_directory",
                then_a_user_deletes_the_month_folder,
            ),
            self.assertNoLogs("odoo.sql_db", "ERROR"),
            self.assertNoLogs(
                "odoo.addons.tal_invoice_transfer.models.tal_transfer_target_dms",
                "WARNING",
            ),
        ):
            stats = self._run_committing(invoice)
        self.assertTrue(deleted, "the month folder was made, then deleted")
        self.assertEqual(dict(stats), {"done": 1}, invoice.tal_transfer_error)
        self.assertEqual(invoice.tal_transfer_attempts, 1)
        files = self._documents_of(self._files_of(invoice))
        self.assertEqual(len(files), 1)
        self.assertTrue(files.directory_id.parent_id.exists())

    def test_a_month_folder_deleted_after_the_run_found_it(self):
        """A worker keeps the month folders it found for the rest of its run.
        A DMS user deletes one (DMS deletes what it holds with it): the next
        invoice of that month must not be filed into the deleted folder (a
        foreign key ERROR and a retry)."""
        invoice = self._make_invoice()
        dms = self.env["tal.transfer.target.dms"]
        root = dms._tal_folder(invoice.company_id)
        month = dms._tal_month_directory(invoice, root)
        key = dms._tal_month_key(invoice, root)
        dms._tal_run_cache("dms_month_directories")[key] = month.id
        # The run cache lives as long as the cursor: the tests share it.
        self.addCleanup(dms._tal_run_cache_clear)
        name = month.name
        month.sudo().unlink()

        again = dms._tal_month_directory(invoice, root)
        self.assertTrue(again.exists(), "a month folder that exists")
        self.assertEqual(again.name, name)
        self.assertEqual(
            dms._tal_run_cache("dms_month_directories").get(key),
            None,
            "the deleted folder is no longer kept for the run",
        )

    def test_a_prepared_folder_deleted_before_its_invoice_is_made_again(self):
        """A DMS user deletes an invoice's empty folder, made by the batch
        preparation, before the worker reaches the invoice. Measured on a real
        database during a run: the worker still used the deleted folder, an
        ERROR 'bad query' (foreign key) in the log and a retry of the invoice
        in a later call."""
        invoice = self._make_invoice()
        prepare = TalTransferTargetDms._tal_prepare
        deleted = []

        def prepare_then_a_user_deletes_the_folder(target, move_ids):
            result = prepare(target, move_ids)
            folder = (
                target.env["dms.directory"]
                .sudo()
                .search(
                    [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
                )
            )
            deleted.extend(folder.ids)
            folder.unlink()
            return result

        with patch(
            f"{DMS_TARGET}._tal_prepare", prepare_then_a_user_deletes_the_folder
        ):
            stats = self._run_committing(invoice)
        self.assertTrue(deleted, "the batch preparation made the invoice's folder")
        self.assertEqual(dict(stats), {"done": 1}, invoice.tal_transfer_error)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_attempts, 1)
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 1)

    def test_a_year_folder_deleted_during_the_run_is_made_again(self):
        """A worker keeps the journal and year folders it found for the rest
        of its run. A DMS user deletes the year folder (DMS deletes the months
        it holds with it); the next invoice of a month the worker had not met
        yet must not be filed under the deleted year. It was: a foreign key
        ERROR ('bad query') in the log and the invoice retried later."""
        march = self._make_invoice(invoice_date="2026-03-05")
        april = self._make_invoice(invoice_date="2026-04-05")
        dms = self.env["tal.transfer.target.dms"]
        root = dms._tal_folder(march.company_id)
        # What an earlier invoice of the run leaves once it committed.
        month = dms._tal_month_directory(march, root)
        year, journal = month.parent_id, month.parent_id.parent_id
        directories = dms._tal_run_cache("dms_directories")
        directories[(root.id, journal.name)] = journal.id
        directories[(journal.id, year.name)] = year.id
        directories[(year.id, month.name)] = month.id
        dms._tal_run_cache("dms_month_directories")[dms._tal_month_key(march, root)] = (
            month.id
        )
        # The run cache lives as long as the cursor: the tests share it.
        self.addCleanup(dms._tal_run_cache_clear)
        year_name = year.name
        year.sudo().unlink()

        with self.assertNoLogs("odoo.sql_db", "ERROR"):
            self.Transfer._run(move_ids=april.ids)

        self.assertEqual(april.tal_transfer_state, "done", april.tal_transfer_error)
        self.assertEqual(april.tal_transfer_attempts, 1)
        filed = self._documents_of(self._files_of(april))
        self.assertEqual(len(filed), 1)
        new_year = filed.directory_id.parent_id.parent_id
        self.assertEqual(new_year.name, year_name)
        self.assertEqual(new_year.parent_id, journal)


@tagged("post_install", "-at_install")
class TestDmsFoldersDeletedConcurrently(TalCommittedDmsInvoiceCase):
    """A DMS user's request deletes a folder a worker's transaction fills:
    the deletion is retried by Odoo (a serialization failure) and takes the
    worker's new folders and files along, instead of failing on a foreign
    key."""

    committed_files = ("invoice.pdf", "draft.pdf")

    def setUp(self):
        super().setUp()
        self.kept_id, self.deleted_id = self.attachment_ids

    def test_an_empty_invoice_folder_deleted_while_its_worker_files_into_it(self):
        """A DMS user deletes an invoice's folder, still empty (a batch made
        it, or an earlier try), while the worker that holds the invoice files
        into it. The user's deletion must wait for the worker, then be retried
        (a serialization failure, which Odoo retries) and delete the folder
        with what the worker put in it. The worker held the folder with FOR
        KEY SHARE: once it committed, the deletion met the new file and
        failed on its foreign key, an error Odoo does not retry: the user was
        told the folder could not be deleted."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            dms = env["tal.transfer.target.dms"]
            invoice = env["account.move"].browse(self.invoice_id)
            root = dms._tal_folder(invoice.company_id)
            folder, _made = dms._tal_invoice_directory(invoice, root)
            folder_id = folder.id
        worker, outcome, failures = self._user_request_during_transfer(
            lambda user: user["dms.directory"].browse(folder_id).unlink(),
            type(self.env["tal.transfer.target.dms"]),
            "_tal_invoice_directory",
            lambda directory_made: directory_made[0].id == folder_id,
        )
        self.assertEqual(dict(outcome), {"done": 1})
        self.assertEqual(failures, ["SerializationFailure"], "retried once")
        self.assertFalse(worker["dms.directory"].browse(folder_id).exists())

        # The invoice, reopened by the deletion, is filed again: each file once.
        invoice = worker["account.move"].browse(self.invoice_id)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.tal_transfer_state, "pending")
        invoice = self._transfer_again(worker)
        self.assertEqual(invoice.tal_transfer_state, "done")
        files = (
            worker["dms.file"]
            .with_context(active_test=False)
            .search([("attachment_id.res_id", "=", self.invoice_id)])
        )
        self.assertEqual(
            sorted(files.attachment_id.ids), [self.kept_id, self.deleted_id]
        )

    def test_a_month_folder_deleted_by_a_request_begun_before_a_batch_filled_it(
        self,
    ):
        """A DMS user's request deletes a month folder; a worker's batch
        preparation made invoice folders in it after the request began (its
        snapshot). The deletion must fail with a serialization error, which
        Odoo retries, and then delete the new folders too. The batch held the
        month FOR KEY SHARE only: the deletion failed on its foreign key, an
        error Odoo does not retry (the user was told another record needs the
        folder). Seen on real servers: 2 of about 60 deletions of a month,
        year or journal folder during a run of 4 workers."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            dms = env["tal.transfer.target.dms"]
            invoice = env["account.move"].browse(self.invoice_id)
            root = dms._tal_folder(invoice.company_id)
            month_id = dms._tal_month_directory(invoice, root).id
        user = self._new_env()
        # The user's request reads the folder: its snapshot is taken now.
        self.assertTrue(user["dms.directory"].browse(month_id).name)
        worker = self._new_env()
        worker["tal.transfer.target.dms"]._tal_prepare([self.invoice_id])
        prepared = worker["dms.directory"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", self.invoice_id)]
        )
        self.assertEqual(prepared.parent_id.id, month_id, "committed by the batch")
        worker.cr.rollback()

        failures = self._user_request_now(
            lambda user: user["dms.directory"].browse(month_id).unlink(), user
        )
        self.assertEqual(failures, ["SerializationFailure"], "retried once")
        self.assertFalse(worker["dms.directory"].browse(month_id).exists())
        outcome = worker["tal.invoice.transfer"]._run(move_ids=[self.invoice_id])
        # A cursor of its own: the end of the worker's job.
        worker.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(dict(outcome), {"done": 1})
