# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import sql

from ..models.tal_transfer_target_dms_batch import ALIAS_INDEX
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferDmsPrepare(TalTransferCommon):
    """Runs that commit (the scheduled action) make a batch of invoices'
    directories in one DMS create, committed before the invoices."""

    target = "dms"

    def _run_committing(self, moves, **kwargs):
        """The engine as the scheduled action runs it, commits included: in
        registry test mode a new cursor's commit only releases a savepoint."""
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            stats = self.env(cr=cr)["tal.invoice.transfer"]._run(
                move_ids=moves.ids, commit=True, **kwargs
            )
        self.env.invalidate_all()
        return stats

    @contextmanager
    def _counting_directory_creates(self):
        """Yields the list of DMS directory creates: how many each made."""
        directory_class = type(self.env["dms.directory"])
        real_create = directory_class.create
        created = []

        def create(directories, vals_list):
            created.append(1 if isinstance(vals_list, dict) else len(vals_list))
            return real_create(directories, vals_list)

        with patch.object(directory_class, "create", create):
            yield created

    def _directories_of(self, move):
        return (
            self.env["dms.directory"]
            .sudo()
            .search([("res_model", "=", "account.move"), ("res_id", "=", move.id)])
        )

    def test_a_batch_of_invoices_gets_its_directories_from_one_create(self):
        invoices = [
            self._make_invoice(invoice_date=f"2025-11-{day:02d}") for day in (3, 4, 5)
        ]
        # Nothing to file: no file, or its only file already in DMS.
        no_files = self._make_invoice(files=(), invoice_date="2025-11-06")
        no_files._tal_transfer_write({"tal_transfer_state": "pending"})
        filed = self._make_invoice(invoice_date="2025-11-07")
        elsewhere = self._make_folder(self.env.company, name="Filed by hand")
        self.env.company.tal_transfer_folder_ref = f"dms.directory,{self.folder.id}"
        by_hand = (
            self.env["dms.directory"]
            .sudo()
            .create(
                {
                    "name": "by hand",
                    "parent_id": elsewhere.id,
                    "res_model": "account.move",
                    "res_id": filed.id,
                    "model_id": self.env["ir.model"]._get_id("account.move"),
                }
            )
        )
        self.env["dms.file"].sudo().create(
            {
                "name": "invoice.pdf",
                "directory_id": by_hand.id,
                "attachment_id": self._files_of(filed).id,
            }
        )
        # The month's folders exist, one of them with the first invoice's name.
        target = self.env["tal.transfer.target.dms"]
        month = target._tal_month_directory(invoices[0], self.folder)
        first_name = target._tal_safe_name(invoices[0].name)
        journal = invoices[0].journal_id
        target._tal_directories().create(
            {
                "name": first_name,
                "parent_id": month.id,
                "res_model": journal._name,
                "res_id": journal.id,
                "model_id": self.env["ir.model"]._get_id(journal._name),
            }
        )
        moves = self.Move.browse([m.id for m in (*invoices, no_files, filed)])
        with self._counting_directory_creates() as created:
            stats = self._run_committing(moves)

        self.assertEqual(stats["done"], 4)
        self.assertEqual(no_files.tal_transfer_state, "no_attachment")
        # The three invoices' directories at once.
        self.assertEqual(created, [3])
        for invoice in invoices:
            directory = self._directories_of(invoice)
            self.assertEqual(len(directory), 1)
            self.assertEqual(directory.file_ids.attachment_id, self._files_of(invoice))
            self.assertEqual(directory.parent_id, month)
        self.assertEqual(self._directories_of(invoices[0]).name, f"{first_name} (2)")
        self.assertFalse(self._directories_of(no_files))
        self.assertEqual(self._directories_of(filed), by_hand, "none made for it")

    def test_a_batch_across_months_and_journals_files_each_under_its_month(self):
        sales = [
            self._make_invoice(invoice_date=day)
            for day in ("2025-11-03", "2025-12-04", "2025-11-05")
        ]
        bill = self._make_invoice(move_type="in_invoice", invoice_date="2025-11-06")
        moves = self.Move.browse([m.id for m in (*sales, bill)])
        with self._counting_directory_creates() as created:
            stats = self._run_committing(moves)

        self.assertEqual(stats["done"], 4)
        target = self.env["tal.transfer.target.dms"]
        # One create for the four invoices' directories, after the folders of
        # three months (sales November and December, purchases November),
        # each made with its journal and year on the way.
        self.assertEqual(created[-1], 4)
        for move in moves:
            directory = self._directories_of(move)
            self.assertEqual(len(directory), 1)
            self.assertEqual(
                directory.parent_id, target._tal_month_directory(move, self.folder)
            )
            self.assertEqual(directory.file_ids.attachment_id, self._files_of(move))
        months = {self._directories_of(move).parent_id for move in moves}
        self.assertEqual(len(months), 3)

    def test_an_invoice_that_fails_keeps_its_empty_directory_for_its_retry(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "dms.forbidden_extensions", "exe"
        )
        refused = self._make_invoice(files=("setup.exe",), invoice_date="2025-11-03")
        following = self._make_invoice(invoice_date="2025-11-04")

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self._run_committing(refused | following)

        self.assertEqual(refused.tal_transfer_state, "failed")
        self.assertEqual(following.tal_transfer_state, "done")
        # What a failed invoice leaves in DMS: its own directory, empty.
        directory = self._directories_of(refused)
        self.assertEqual(len(directory), 1)
        self.assertFalse(directory.with_context(active_test=False).file_ids)
        self.assertFalse(self._documents_of(self._files_of(refused)))

        self.env["ir.config_parameter"].sudo().set_param("dms.forbidden_extensions", "")
        self._run_committing(refused, states=("failed",))

        self.assertEqual(refused.tal_transfer_state, "done")
        self.assertEqual(self._directories_of(refused), directory, "reused")
        self.assertEqual(
            self._documents_of(self._files_of(refused)).directory_id, directory
        )

    def test_a_failed_preparation_leaves_each_invoice_to_make_its_own(self):
        invoices = self._make_invoice() | self._make_invoice()

        with (
            patch.object(
                type(self.env["tal.transfer.target.dms.batch"]),
                "_tal_prepare_directories",
                side_effect=RuntimeError("no luck"),
            ),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING") as logs,
        ):
            stats = self._run_committing(invoices)

        self.assertIn("could not be prepared", logs.output[0])
        self.assertEqual(stats["done"], 2)
        for invoice in invoices:
            self.assertEqual(len(self._directories_of(invoice)), 1)

    def test_making_directories_reads_no_more_of_a_bigger_tree(self):
        """What a batch of invoices' directories costs does not grow with the
        directories already in DMS (mail's create looks up each new
        directory's alias: through an index, not a read of the whole tree)."""
        # A first batch, as when the transfer starts on a database.
        self._run_committing(self._make_invoice(invoice_date="2025-10-01"))
        target = self.env["tal.transfer.target.dms"]
        journal = self.company_data["default_journal_sale"]
        bound = {
            "res_model": journal._name,
            "res_id": journal.id,
            "model_id": self.env["ir.model"]._get_id(journal._name),
        }
        # Then the tree grows: 1,500 directories elsewhere under the root, 50
        # a folder (DMS compares each new name with its siblings).
        parents = target._tal_directories().create(
            [
                {"name": f"Archive {i}", "parent_id": self.folder.id, **bound}
                for i in range(30)
            ]
        )
        target._tal_directories().create(
            [
                {"name": f"Old {i}", "parent_id": parent.id, **bound}
                for parent in parents
                for i in range(50)
            ]
        )
        invoices = self.Move.browse(
            [
                self._make_invoice(invoice_date=f"2025-11-{day:02d}").id
                for day in range(1, 21)
            ]
        )
        self.env.flush_all()
        # The statistics such a tree has in a live database (autovacuum).
        self.env.cr.execute("ANALYZE dms_directory")

        def rows_read_by_scans():
            self.env.cr.execute(
                "SELECT seq_tup_read FROM pg_stat_xact_user_tables "
                "WHERE relname = 'dms_directory'"
            )
            return self.env.cr.fetchone()[0]

        before = rows_read_by_scans()
        stats = self._run_committing(invoices)
        read = rows_read_by_scans() - before

        self.assertEqual(stats["done"], 20)
        for invoice in invoices:
            self.assertEqual(len(self._directories_of(invoice)), 1)
        # The ORM's cycle check of a create call walks the tree a level at a
        # time: a few reads per batch, not one per directory made.
        self.assertLess(read, len(invoices) * 1500 / 2)

    def test_a_dms_installed_after_the_addon_gets_its_index_from_a_first_batch(self):
        self.env.cr.execute(f'DROP INDEX "{ALIAS_INDEX}"')
        invoice = self._make_invoice()

        self._run_committing(invoice)

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertTrue(sql.index_exists(self.env.cr, ALIAS_INDEX))
