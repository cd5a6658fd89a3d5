# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.tests import tagged

from ..models.tal_invoice_transfer import MAX_TRANSIENT_ATTEMPTS
from ..models.tal_transfer_target_dms import TalTransferTargetDms
from ..models.tal_transfer_target_dms_batch import TalTransferTargetDmsBatch
from .common import TalTransferCommon

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
