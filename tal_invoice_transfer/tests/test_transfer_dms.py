# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferDms(TalTransferCommon):
    target = "dms"

    def test_files_are_linked_in_a_journal_year_month_invoice_tree(self):
        invoice = self._make_invoice(
            files=("a.pdf", "b.pdf"), invoice_date="2025-11-20"
        )
        attachments = self._files_of(invoice)
        checksums = attachments.mapped("checksum")

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        files = self._documents_of(attachments)
        self.assertEqual(len(files), 2)
        self.assertEqual(files.attachment_id, attachments)
        directory = files.directory_id
        self.assertEqual(len(directory), 1)
        self.assertEqual(
            (directory.res_model, directory.res_id), ("account.move", invoice.id)
        )
        self.assertEqual(
            directory.complete_name,
            " / ".join(
                [
                    self.folder.name,
                    invoice.journal_id.code,
                    "2025",
                    "11",
                    invoice.name.replace("/", "-"),
                ]
            ),
        )
        # Linked, not copied: same attachments, same content, still on the invoice.
        self.assertEqual(self._files_of(invoice), attachments)
        self.assertEqual(attachments.mapped("checksum"), checksums)

    def test_invoices_of_one_month_share_their_folders(self):
        first = self._make_invoice(invoice_date="2025-11-20")
        second = self._make_invoice(invoice_date="2025-11-21")

        self.Transfer._run()

        dirs = self._documents_of(
            self._files_of(first) | self._files_of(second)
        ).directory_id
        self.assertEqual(len(dirs), 2)
        self.assertEqual(len(dirs.parent_id), 1, "one month folder for both")
        self.assertEqual(
            self.env["dms.directory"]
            .sudo()
            .search_count([("parent_id", "=", self.folder.id)]),
            1,
            "one journal folder under the root",
        )

    def test_unsafe_and_duplicate_names_are_made_valid_and_unique(self):
        long_name = "Facture é/ü 🧾 " + "x" * 300 + ".pdf"
        invoice = self._make_invoice(files=(long_name, "a/b.pdf", "a\\b.pdf"))

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done", invoice.tal_transfer_error)
        names = self._documents_of(self._files_of(invoice)).mapped("name")
        self.assertEqual(len(set(names)), 3)
        self.assertTrue(
            all("/" not in name and len(name.encode()) <= 200 for name in names)
        )
        self.assertIn("a-b.pdf", names)
        self.assertIn("a-b (2).pdf", names)

    def test_file_already_in_dms_is_not_filed_twice(self):
        invoice = self._make_invoice()
        self.Transfer._run()
        attachment = self._files_of(invoice)
        # A new file on the invoice re-opens it; the old one must not be re-filed.
        self._attach(invoice, name="second.pdf")
        self.assertEqual(invoice.tal_transfer_state, "pending")

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(attachment)), 1)
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 2)
        self.assertEqual(
            len(self._documents_of(self._files_of(invoice)).directory_id), 1
        )

    def test_root_outside_attachment_storage_fails_with_a_clear_message(self):
        self.folder.storage_id.save_type = "database"
        invoice = self._make_invoice()

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertIn("storage of type 'Attachment'", invoice.tal_transfer_error)

    def test_a_rolled_back_folder_does_not_stay_in_the_run_cache(self):
        """A folder made by an invoice that then fails is rolled back with it:
        the run must not remember it for the next invoice of the month."""
        self.env["ir.config_parameter"].sudo().set_param(
            "dms.forbidden_extensions", "exe"
        )
        refused = self._make_invoice(files=("setup.exe",), invoice_date="2025-07-01")
        following = self._make_invoice(invoice_date="2025-07-02")
        self.env.cr.postcommit.clear()

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=refused.ids)
        self.assertEqual(refused.tal_transfer_state, "failed")
        self.assertFalse(
            self.env["dms.directory"]
            .sudo()
            .search([("parent_id", "=", self.folder.id)]),
            "the journal, year and month folders went with the failed invoice",
        )
        # What the scheduled action's commit after that invoice runs.
        self.env.flush_all()
        self.env.cr.postcommit.run()
        self.Transfer._run(move_ids=following.ids)

        self.assertEqual(
            following.tal_transfer_state, "done", following.tal_transfer_error
        )
        self.assertEqual(following.tal_transfer_attempts, 1)
