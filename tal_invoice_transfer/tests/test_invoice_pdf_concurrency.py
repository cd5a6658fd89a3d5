# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.tal_invoice_transfer_pdf import TalInvoiceTransferPdf
from .common import TalCommittedPdfCase


@tagged("post_install", "-at_install")
class TestInvoicePdfBesideSend(TalCommittedPdfCase):
    """A person's Send & Print and the worker making the same invoice's PDF,
    each in its own transaction: the invoice ends with one official PDF."""

    def _official_pdfs(self, env):
        env.cr.execute(
            "SELECT id FROM ir_attachment WHERE res_model = 'account.move'"
            " AND res_id = %s AND res_field = 'invoice_pdf_report_file'",
            [self.invoice_id],
        )
        return [row[0] for row in env.cr.fetchall()]

    def test_a_send_begun_before_the_worker_stored_the_pdf_reuses_it(self):
        user = self._new_env()
        # The person's request has begun: it saw the invoice without a PDF.
        invoice = user["account.move"].browse(self.invoice_id)
        self.assertFalse(invoice.invoice_pdf_report_id)

        worker = self._new_env()
        stats = (
            worker["tal.invoice.transfer"]
            .with_context(force_report_rendering=True)
            ._run(move_ids=[self.invoice_id])
        )
        # A cursor of its own: the end of the worker's invoice.
        worker.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(stats["done"], 1)
        made = self._official_pdfs(worker)
        self.assertEqual(len(made), 1)

        def send(env):
            moves = env["account.move"].browse(self.invoice_id)
            env["account.move.send"].with_context(
                force_report_rendering=True
            )._generate_and_send_invoices(moves, sending_methods=["manual"])

        failures = self._user_request_now(send, user)

        # Its first try met the worker's commit on the invoice's row, and
        # Odoo's request loop tried again: the retry found the PDF and sent it.
        self.assertIn("SerializationFailure", failures)
        check = self._new_env()
        self.assertEqual(self._official_pdfs(check), made)
        invoice = check["account.move"].browse(self.invoice_id)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(
            check["dms.file"].search_count([("attachment_id", "in", made)]), 1
        )

    def _committed_credit_note(self):
        """Rendering a credit note writes it (core sets is_manually_modified
        and write_date while the lines are read): committed, removed after."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            refund = env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": env.ref("base.partner_admin").id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": 100.0})
                    ],
                }
            )
            refund.action_post()
            refund_id = refund.id

        def remove():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                move = env["account.move"].browse(refund_id)
                move.button_draft()
                move.posted_before = False
                move.with_context(force_delete=True).unlink()

        self.addCleanup(remove)
        return refund_id

    def test_an_invoice_a_person_changes_while_it_renders_is_not_failed(self):
        refund_id = self._committed_credit_note()
        real_render = TalInvoiceTransferPdf._tal_render_chunk
        user = self._new_env()

        def render_while_a_person_sends(maker, company, report, moves, timeout):
            # The worker's render transaction has begun (it read the
            # invoices); a person's Send & Print of the invoice commits now.
            user["account.move"].browse(refund_id).is_move_sent = True
            user.cr.commit()  # pylint: disable=invalid-commit
            return real_render(maker, company, report, moves, timeout)

        worker = self._new_env()
        with (
            patch.object(
                TalInvoiceTransferPdf,
                "_tal_render_chunk",
                autospec=True,
                side_effect=render_while_a_person_sends,
            ),
            mute_logger("odoo.sql_db"),
        ):
            # The scheduled action: commits after its render and each invoice.
            stats = (
                worker["tal.invoice.transfer"]
                .with_context(force_report_rendering=True)
                ._run(move_ids=[refund_id], commit=True)
            )
        check = self._new_env()
        invoice = check["account.move"].browse(refund_id)
        # Found by review: core wrote the invoice while rendering it
        # (account.move.line's _compute_parent_id); that write met the
        # person's commit, and the invoice was failed for good as a template
        # error. Now core has nothing to write, and a busy invoice is tried
        # again later.
        self.assertNotEqual(
            invoice.tal_transfer_state,
            "failed",
            f"{dict(stats)}: {invoice.tal_transfer_error}",
        )
        # Changed since its render: left pending, rendered again next time.
        self.assertEqual(invoice.tal_transfer_state, "pending")
        worker["tal.invoice.transfer"].with_context(force_report_rendering=True)._run(
            move_ids=[refund_id], commit=True
        )
        invoice = self._new_env()["account.move"].browse(refund_id)
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(invoice.invoice_pdf_report_id), 1)
