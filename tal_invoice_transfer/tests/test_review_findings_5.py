# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestReviewFindings5Dms(TalTransferCommon):
    """Fifth adversarial review: DMS folders deleted during a run."""

    target = "dms"

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
