# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from .common import TalCommittedDmsInvoiceCase


@tagged("post_install", "-at_install")
class TestInvoicePdfBesideSend(TalCommittedDmsInvoiceCase):
    """A person's Send & Print and the worker making the same invoice's PDF,
    each in its own transaction: the invoice ends with one official PDF."""

    committed_files = ()
    make_pdf = True

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            icp = api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"]
            saved = icp.get_param("report.url")
            # wkhtmltopdf's style sheets: refused at once (see TalPdfCommon).
            icp.set_param("report.url", "http://127.0.0.1:9")

        def restore():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["ir.config_parameter"].set_param("report.url", saved or False)

        self.addCleanup(restore)

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
