# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TalPdfCommon


@tagged("post_install", "-at_install")
class TestInvoicePdfRules(TalPdfCommon):
    """The template of the PDF made: the first rule (in sequence) whose
    keyword is in a line's label or product name, else Odoo's own choice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rule = cls.env["tal.invoice.transfer.pdf.rule"]
        cls.export = cls._make_report("Export EOLIS")
        cls.delivery = cls._make_report("Factures Livraisons")
        cls.transfer = cls._make_report("Factures Transferts")
        # The old script's rules, in its order, with its fallback.
        cls.rule_export = Rule.create(
            {
                "sequence": 1,
                "keyword": "Export de conteneur",
                "report_id": cls.export.id,
            }
        )
        cls.rule_delivery = Rule.create(
            {"sequence": 2, "keyword": "LIVRAISON", "report_id": cls.delivery.id}
        )
        cls.rule_transfer = Rule.create(
            {"sequence": 3, "keyword": "transfert", "report_id": cls.transfer.id}
        )
        cls.rule_any = Rule.create(
            {"sequence": 9, "keyword": False, "report_id": cls.transfer.id}
        )

    def _choose(self, invoice):
        return self.env["tal.invoice.transfer.pdf"]._tal_choose(invoice)[invoice]

    def test_the_first_rule_in_sequence_picks_the_template(self):
        # A later line matches an earlier rule: the rule's order decides (the
        # old script took the first line that matched any keyword).
        invoice = self._make_invoice(files=(), name="Livraison Paris")
        self.assertEqual(self._choose(invoice), (self.delivery, self.rule_delivery))

        both = self._make_invoice(files=(), post=False, name="Livraison Paris")
        both.invoice_line_ids = [
            (0, 0, {"name": "EXPORT DE CONTENEUR 40'", "price_unit": 1})
        ]
        both.action_post()
        self.assertEqual(self._choose(both), (self.export, self.rule_export))

    def test_case_and_accents_are_ignored(self):
        invoice = self._make_invoice(files=(), name="Frais de LIVRAÏSON express")
        self.assertEqual(self._choose(invoice)[0], self.delivery)

    def test_the_product_name_counts_too(self):
        product = self.env["product.product"].create({"name": "Transfert aéroport"})
        invoice = self._make_invoice(files=(), name="Course", product_id=product.id)
        self.assertEqual(self._choose(invoice), (self.transfer, self.rule_transfer))

    def test_an_empty_keyword_catches_every_invoice(self):
        invoice = self._make_invoice(files=(), name="Conseil")
        self.assertEqual(self._choose(invoice), (self.transfer, self.rule_any))

    def test_without_a_match_odoo_chooses(self):
        self.rule_any.active = False
        template = self._make_report("Customer's own")
        self.partner_a.invoice_template_pdf_report_id = template
        invoice = self._make_invoice(files=(), name="Conseil")
        self.assertEqual(
            self._choose(invoice), (template, self.env["tal.invoice.transfer.pdf.rule"])
        )

    def test_another_companys_rule_and_unavailable_reports_are_skipped(self):
        other = self.setup_other_company(name="Rules Co")["company"]
        self.rule_delivery.company_id = other
        limited = self._make_report("Refunds only")
        limited.domain = "[('move_type', '=', 'out_refund')]"
        self.env["tal.invoice.transfer.pdf.rule"].create(
            {"sequence": 0, "keyword": "livraison", "report_id": limited.id}
        )
        invoice = self._make_invoice(files=(), name="Livraison Paris")
        self.assertEqual(self._choose(invoice), (self.transfer, self.rule_any))

    def test_the_invoice_shows_the_template_and_the_rule_used(self):
        invoice = self._make_invoice(files=(), name="Livraison Lyon")
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_pdf_report_id, self.delivery)
        self.assertEqual(invoice.tal_transfer_pdf_rule_id, self.rule_delivery)
        pdf = self._official_pdf(invoice)
        self.assertTrue(pdf.raw.startswith(b"%PDF"))

    def test_reports_that_cannot_be_invoice_templates_are_refused(self):
        Rule = self.env["tal.invoice.transfer.pdf.rule"]
        partner_report = self.env["ir.actions.report"].search(
            [("model", "!=", "account.move"), ("report_type", "=", "qweb-pdf")], limit=1
        )
        html_report = self._make_report("HTML one")
        html_report.report_type = "qweb-html"
        not_invoice = self._make_report("Not an invoice template")
        not_invoice.is_invoice_report = False
        for report, words in (
            (partner_report, "not invoices"),
            (html_report, "not a PDF"),
            (not_invoice, "invoice report"),
        ):
            with (
                self.subTest(report=report.name),
                self.assertRaisesRegex(ValidationError, words),
            ):
                Rule.create({"keyword": "x", "report_id": report.id})

    def test_a_template_that_does_not_mark_invoices_renders_one_at_a_time(self):
        plain = self._make_report("Plain", marked=False)
        self.rule_any.report_id = plain
        invoices = self._make_invoice(files=(), name="Conseil")
        invoices |= self._make_invoice(files=(), name="Audit")
        # Found by rendering one invoice's HTML.
        self.assertFalse(self.rule_any.batch_render)
        self.assertTrue(self.rule_delivery.batch_render)
        self.Transfer._run()
        self.assertEqual(set(invoices.mapped("tal_transfer_state")), {"done"})
        pdfs = invoices.mapped(self._official_pdf)
        self.assertEqual(len(set(pdfs.mapped("checksum"))), 2)
        self.assertEqual(invoices.mapped("tal_transfer_pdf_report_id"), plain)
