# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferQuiet(TalTransferCommon):
    """A quiet install: nothing fails nor writes notes before a person acts."""

    target = "documents"

    def _failure_notes(self, move):
        return move.message_ids.filtered(lambda m: "failed" in (m.body or ""))

    def test_company_without_folder_waits_pending_without_notes(self):
        company = self.setup_other_company(name="New Co")["company"]
        invoice = self._make_invoice(company_id=company)
        messages = invoice.message_ids

        stats = self.Transfer._cron_transfer()

        self.assertFalse(stats)
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertFalse(invoice.tal_transfer_error)
        self.assertEqual(invoice.message_ids, messages, "no note")
        self.assertEqual(
            self.Transfer._pending_count(), 0, "no work announced to the scheduler"
        )
        waiting = self.Move.with_context(
            allowed_company_ids=[self.env.company.id, company.id]
        ).tal_transfer_dashboard()["waiting_companies"]
        self.assertEqual(waiting, [{"company": "New Co", "count": 1, "off": False}])

        self._make_folder(company)
        self.Transfer._cron_transfer()
        self.assertEqual(invoice.tal_transfer_state, "done")

    def test_scope_off_marks_nothing_and_skips_what_was_pending(self):
        earlier = self._make_invoice()
        self.env.company.tal_transfer_scope = "off"
        later = self._make_invoice()

        self.Transfer._cron_transfer()

        self.assertFalse(later.tal_transfer_state, "not marked")
        self.assertEqual(earlier.tal_transfer_state, "pending", "left as it was")
        self.assertTrue(
            self.Move.tal_transfer_dashboard()["waiting_companies"][0]["off"]
        )

    def test_only_the_first_failure_writes_a_note(self):
        invoice = self._make_invoice()

        def broken(target, move, attachments):
            raise ValueError("broken")

        with (
            patch.object(
                type(self.env["tal.transfer.target.documents"]),
                "_tal_transfer",
                broken,
            ),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "ERROR"),
        ):
            self.Transfer._run()
            self.assertEqual(len(self._failure_notes(invoice)), 1)
            invoice.action_tal_transfer_retry()
            self.Transfer._run()
            invoice.action_tal_transfer_now()

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertEqual(len(self._failure_notes(invoice)), 1, "retries: no note")

        # Transferred, then failing again later: a new failure, a new note.
        self.Transfer._run(move_ids=invoice.ids, states=("failed",))
        self.assertEqual(invoice.tal_transfer_state, "done")
        self._attach(invoice, name="late.pdf")
        with (
            patch.object(
                type(self.env["tal.transfer.target.documents"]),
                "_tal_transfer",
                broken,
            ),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "ERROR"),
        ):
            self.Transfer._run()
        self.assertEqual(len(self._failure_notes(invoice)), 2)
