# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from .common import TalPdfCommon


@tagged("post_install", "-at_install")
class TestInvoicePdfSendStep(TalPdfCommon):
    """The PDF stored is the one Send would store: its render, then Send's
    after-render step (the e-invoice it embeds, PDF/A), run once per invoice;
    that step failing on one invoice fails that invoice alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sender = type(cls.env["account.move.send"])

    def _send_step(self, side_effect):
        return patch.object(
            self.sender,
            "_hook_invoice_document_after_pdf_report_render",
            autospec=True,
            side_effect=side_effect,
        )

    def test_the_pdf_stored_is_the_one_send_s_after_render_step_made(self):
        invoices = self._make_invoice(files=()) | self._make_invoice(files=())

        def embed(sender, invoice, invoice_data):
            values = invoice_data["pdf_attachment_values"]
            values["raw"] += f"%TAL-E-INVOICE {invoice.id}\n".encode()

        with self._send_step(embed) as step:
            stats = self.Transfer._run()

        self.assertEqual(stats["done"], 2)
        self.assertEqual(
            sorted(call.args[1].id for call in step.call_args_list),
            sorted(invoices.ids),
            "once per invoice",
        )
        for invoice in invoices:
            raw = self._official_pdf(invoice).raw
            self.assertTrue(raw.startswith(b"%PDF"))
            self.assertTrue(raw.endswith(f"%TAL-E-INVOICE {invoice.id}\n".encode()))
            # The document filed holds that same PDF.
            document = self._documents_of(self._official_pdf(invoice))
            self.assertEqual(document.attachment_id.raw, raw)

    def test_the_after_render_step_failing_fails_its_invoice_alone(self):
        good = self._make_invoice(files=())
        bad = self._make_invoice(files=(), ref="NO-E-INVOICE")
        good |= self._make_invoice(files=())
        sent_before = self.sender._hook_invoice_document_after_pdf_report_render

        def step(sender, invoice, invoice_data):
            if invoice.ref == "NO-E-INVOICE":
                # What a failing export does: it has written, then raises.
                invoice.env["ir.attachment"].create(
                    {
                        "name": "half.xml",
                        "raw": b"<x/>",
                        "res_model": "account.move",
                        "res_id": invoice.id,
                    }
                )
                raise ValueError("the customer has no VAT number")
            return sent_before(sender, invoice, invoice_data)

        with (
            self._send_step(step),
            self.assertLogs(
                "odoo.addons.tal_invoice_transfer.models.tal_invoice_transfer_pdf",
                "WARNING",
            ) as logs,
        ):
            stats = self.Transfer._run()

        self.assertEqual(stats["done"], 2)
        self.assertEqual(stats["failed"], 1)
        self.assertEqual(set(good.mapped("tal_transfer_state")), {"done"})
        self.assertEqual(len(good.mapped(self._official_pdf)), 2)
        self.assertEqual(bad.tal_transfer_state, "failed")
        self.assertEqual(bad.tal_transfer_error_kind, "pdf")
        self.assertIn("electronic invoice", bad.tal_transfer_error)
        self.assertIn("no VAT number", bad.tal_transfer_error)
        self.assertFalse(self._official_pdf(bad))
        # What the failed step wrote was undone.
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", bad.id),
                    ("name", "=", "half.xml"),
                ]
            )
        )
        self.assertIn(bad.name, "\n".join(logs.output))
