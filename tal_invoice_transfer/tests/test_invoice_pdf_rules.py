# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .. import compat
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

    def test_another_companys_rule_is_skipped(self):
        other = self.setup_other_company(name="Rules Co")["company"]
        self.rule_delivery.company_id = other
        invoice = self._make_invoice(files=(), name="Livraison Paris")
        self.assertEqual(self._choose(invoice), (self.transfer, self.rule_any))

    def test_another_companys_rule_and_unavailable_reports_are_skipped(self):
        if not compat.V19:
            self.skipTest(
                "18.0's reports have no domain (ir.actions.report.domain): "
                "every invoice report is available to every invoice"
            )
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
        invoices = self._make_invoice(files=(), name="Conseil")
        invoices |= self._make_invoice(files=(), name="Audit")
        plain = self._make_report("Plain", marked=False)
        self.rule_any.report_id = plain
        # Found by rendering one invoice's HTML when the template is chosen.
        self.assertFalse(self.rule_any.batch_render)
        self.assertTrue(self.rule_delivery.batch_render)
        self.Transfer._run()
        self.assertEqual(set(invoices.mapped("tal_transfer_state")), {"done"})
        pdfs = invoices.mapped(self._official_pdf)
        self.assertEqual(len(set(pdfs.mapped("checksum"))), 2)
        self.assertEqual(invoices.mapped("tal_transfer_pdf_report_id"), plain)

    def test_a_template_odoo_cannot_cut_is_learnt_not_halved_every_time(self):
        """Invoices of two pages without the marks: Odoo's step refuses the
        batch; the template is then rendered one invoice at a time, not
        halved down to single invoices again and again."""
        if not self.env["tal.invoice.transfer.pdf"]._tal_batches_possible():
            self.skipTest("needs the patched wkhtmltopdf")
        two_pages = '<p style="page-break-after: always">1</p><p>2</p>'
        plain = self._make_report("Plain two pages", marked=False, body=two_pages)
        self.rule_any.report_id = plain
        invoices = self.env["account.move"]
        for _index in range(8):
            invoices |= self._make_invoice(files=(), name="Conseil")
        renderer = type(self.env["tal.invoice.transfer.pdf"])
        with patch.object(
            renderer,
            "_tal_render_chunk",
            autospec=True,
            side_effect=renderer._tal_render_chunk,
        ) as render:
            self.Transfer._run()
        self.assertEqual(set(invoices.mapped("tal_transfer_state")), {"done"})
        sizes = [len(call.args[3]) for call in render.call_args_list]
        # The batch once, then each invoice alone; halving made 32 renders.
        self.assertLessEqual(sum(sizes), 16, sizes)

    def test_reading_the_rules_writes_no_invoice(self):
        """Whether a template renders in batches is found by rendering an
        invoice's HTML, when the template is chosen; what core writes while
        rendering is undone. Reading the rules renders nothing."""
        self._make_invoice(files=())
        rule = self.env["tal.invoice.transfer.pdf.rule"].create(
            {"keyword": "x", "report_id": self.standard_report.id}
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET is_manually_modified = false, write_uid = 1"
            " WHERE state = 'posted'"
        )
        self.env.invalidate_all()
        billing = self._billing_user("pdf_rules_billing")
        renderer = type(self.env["tal.invoice.transfer.pdf"])
        with patch.object(renderer, "_tal_report_splits") as splits:
            rule.with_user(billing).read(["keyword", "batch_render"])
        splits.assert_not_called()
        rule.report_id = self._make_report("Another")
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE state = 'posted'"
            " AND (is_manually_modified OR write_uid != 1)"
        )
        self.assertFalse(self.env.cr.fetchall(), "finding it wrote invoices")

    def test_a_billing_user_reads_only_his_companies_rules(self):
        other = self.setup_other_company(name="Other Rules Co")["company"]
        self.env["tal.invoice.transfer.pdf.rule"].create(
            {
                "keyword": "secret",
                "report_id": self.standard_report.id,
                "company_id": other.id,
            }
        )
        billing = self._billing_user("pdf_rules_billing_mc")
        rules = self.env["tal.invoice.transfer.pdf.rule"].with_user(billing)
        self.assertFalse(rules.search([("company_id", "=", other.id)]))
        self.assertTrue(rules.search([("company_id", "=", False)]))
