# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferState(TalTransferCommon):
    target = "documents"

    def test_posting_puts_invoices_in_scope(self):
        with_files = self._make_invoice()
        without_files = self._make_invoice(files=())
        draft = self._make_invoice(post=False)
        entry = self.env["account.move"].create({"move_type": "entry"})

        self.assertEqual(with_files.tal_transfer_state, "pending")
        self.assertEqual(without_files.tal_transfer_state, "no_attachment")
        self.assertFalse(draft.tal_transfer_state, "posted only by default")
        self.assertFalse(entry.tal_transfer_state, "journal entries are out of scope")

    def test_install_hook_marks_the_backlog_in_one_statement(self):
        invoices = [
            self._make_invoice(),
            self._make_invoice(files=()),
            self._make_invoice(move_type="in_invoice"),
        ]
        bill_out_of_date = self._make_invoice(invoice_date="2020-01-01")
        draft = self._make_invoice(post=False)
        ids = [m.id for m in invoices] + [bill_out_of_date.id, draft.id]
        self.env.cr.execute(
            "UPDATE account_move SET tal_transfer_state = NULL WHERE id = ANY(%s)",
            [ids],
        )
        self.env.company.tal_transfer_date_from = "2021-01-01"
        self.env.invalidate_all()

        updates = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            if "UPDATE account_move" in str(query):
                updates.append(query)
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            post_init_hook(self.env)

        self.assertEqual(len(updates), 1, "one statement for the whole backlog")

        self.assertEqual(
            [m.tal_transfer_state for m in invoices],
            ["pending", "no_attachment", "pending"],
        )
        self.assertFalse(bill_out_of_date.tal_transfer_state)
        self.assertFalse(draft.tal_transfer_state)

    def test_scope_settings_filter_journals_types_and_drafts(self):
        company = self.env.company
        company.tal_transfer_scope = "vendor"
        self.assertFalse(
            self._make_invoice().tal_transfer_state, "customer invoice, vendor scope"
        )
        self.assertEqual(
            self._make_invoice(move_type="in_refund").tal_transfer_state, "pending"
        )

        company.tal_transfer_scope = "all"
        company.tal_transfer_journal_ids = self.company_data["default_journal_purchase"]
        self.assertFalse(
            self._make_invoice().tal_transfer_state, "journal not selected"
        )

        company.tal_transfer_journal_ids = False
        company.tal_transfer_posted_only = False
        self.assertEqual(self._make_invoice(post=False).tal_transfer_state, "pending")

    def test_new_file_on_a_transferred_invoice_reopens_it(self):
        invoice = self._make_invoice()
        nothing = self._make_invoice(files=())
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")

        self._attach(invoice, name="late.pdf")
        self._attach(nothing, name="late.pdf")

        self.assertEqual(
            (invoice | nothing).mapped("tal_transfer_state"), ["pending", "pending"]
        )
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_document_count, 2)
        self.assertEqual(nothing.tal_transfer_state, "done")

    def test_invoice_pdf_is_transferred_other_binary_fields_are_not(self):
        invoice = self._make_invoice(files=())
        pdf = self.env["ir.attachment"].create(
            {
                "name": "INV.pdf",
                "raw": b"%PDF-1.4 x",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.env["ir.attachment"].create(
            {
                "name": "thumb.png",
                "raw": b"png",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "some_image",
            }
        )

        self.Transfer._run()

        documents = self.env["documents.document"].search(
            [("attachment_id.res_id", "=", invoice.id)]
        )
        self.assertEqual(documents.attachment_id, pdf)
