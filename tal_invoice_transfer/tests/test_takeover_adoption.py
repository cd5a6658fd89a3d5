# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from ..models.tal_invoice_transfer_pdf import TalInvoiceTransferPdf
from .common import TalPdfCommon, TalScriptMixin, TalTransferCommon, pdf_bytes


class TakeoverCase(TalScriptMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._script_setup()
        cls.tag = cls.env["documents.tag"].sudo().create({"name": "Invoices"})
        cls.env.company.tal_transfer_tag_names = "Invoices"

    def _document(self, invoice):
        """The invoice's document, whoever may read it."""
        return self.env["tal.transfer.target"]._tal_record_from_ref(
            invoice.tal_transfer_document_ref
        )

    def _all_documents_of(self, invoice):
        """Every document holding a file of the invoice, or linked to it."""
        return (
            self.env["documents.document"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("attachment_id.res_model", "=", "account.move"),
                    ("attachment_id.res_id", "=", invoice.id),
                ]
            )
        )


@tagged("post_install", "-at_install")
class TestTakeoverScriptPdf(TakeoverCase, TalPdfCommon):
    """The old script's document of an invoice is the invoice's PDF in
    Documents: no official PDF is made, no other document either."""

    def _run_without_render(self):
        with patch.object(TalInvoiceTransferPdf, "_tal_render_chunk") as render:
            stats = self.Transfer._run()
        render.assert_not_called()
        return stats

    def test_the_scripts_document_counts_as_done_where_it_is(self):
        invoice = self._make_invoice(files=())
        document = self._script_upload(invoice, days_ago=30)
        folder = document.folder_id

        self._run_without_render()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._official_pdf(invoice))
        self.assertEqual(self._all_documents_of(invoice), document)
        self.assertEqual(self._document(invoice), document)
        self.assertEqual(invoice.tal_transfer_document_count, 1)
        # Tags and partner as a reused document; it stays in its folder,
        # owned by the script's user.
        self.assertEqual(document.tag_ids, self.tag)
        self.assertEqual(document.partner_id, invoice.partner_id)
        self.assertEqual(document.folder_id, folder)
        self.assertEqual(document.owner_id, self.script_user)

    def test_restarts_make_no_more_documents_and_the_trashed_one_stays(self):
        invoice = self._make_invoice(files=())
        first = self._script_upload(invoice, days_ago=30)
        # A restart redid the invoice; someone trashed the second document.
        second = self._script_upload(invoice, days_ago=29)
        second.action_archive()
        third = self._script_upload(invoice, days_ago=28)

        self._run_without_render()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._all_documents_of(invoice), first | second | third)
        self.assertFalse(second.active, "not restored: the invoice has a live one")
        self.assertEqual(invoice.tal_transfer_document_count, 2)
        self.assertEqual(self._document(invoice), first)

    def test_a_trashed_script_document_is_restored_when_none_is_live(self):
        invoice = self._make_invoice(files=())
        older = self._script_upload(invoice, days_ago=30)
        newer = self._script_upload(invoice, days_ago=29)
        (older | newer).action_archive()

        self._run_without_render()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertTrue(older.active, "one is restored: the oldest")
        self.assertFalse(newer.active)
        self.assertEqual(self._document(invoice), older)

    def test_a_copy_left_without_document_gets_none_while_the_pdf_is_held(self):
        invoice = self._make_invoice(files=())
        kept = self._script_upload(invoice, days_ago=30)
        gone = self._script_upload(invoice, days_ago=29)
        copy = gone.attachment_id
        # Its document deleted by SQL (or by the trash, its file kept on the
        # invoice by the deletion safety).
        self.env.cr.execute("DELETE FROM documents_document WHERE id = %s", [gone.id])
        self.env.invalidate_all()

        self._run_without_render()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(copy))
        self.assertEqual(self._all_documents_of(invoice), kept)

    def test_a_linked_pdf_with_another_name_is_not_the_invoices_pdf(self):
        invoice = self._make_invoice(files=())
        scan = self._script_upload(invoice, name="scan.pdf", days_ago=30)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        pdf = self._official_pdf(invoice)
        self.assertTrue(pdf, "the invoice's PDF is made")
        official = self._documents_of(pdf)
        self.assertEqual(len(official), 1)
        # The scan is left where it is and counted as another file.
        self.assertTrue(scan.active)
        self.assertEqual(self._document(invoice), official)
        files = self.env["tal.invoice.transfer.scope"]._files(invoice)
        self.assertIn(scan.attachment_id, files)
        self.assertEqual(self._documents_of(files).attachment_id, files)
        self.assertEqual(invoice.tal_transfer_document_count, len(files))

    def test_files_named_otherwise_never_ask_for_odoos_file_name(self):
        # Odoo's name of an invoice's PDF evaluates its report's name
        # template: asked per invoice, it cost a third of a transfer of files.
        self.env.company.tal_transfer_make_pdf = False
        invoice = self._make_invoice(files=("scan.pdf", "delivery note.pdf"))
        moves = type(self.env["account.move"])
        with patch.object(
            moves,
            "_get_invoice_report_filename",
            autospec=True,
            side_effect=moves._get_invoice_report_filename,
        ) as asked:
            self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_document_count, 2)
        self.assertFalse(asked.call_args_list)

    def test_another_companys_script_document_is_not_adopted(self):
        invoice = self._make_invoice(files=())
        other = self.setup_other_company(name="Other Co")["company"]
        document = self._script_upload(invoice, days_ago=30)
        document.company_id = other

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertIn("belong to company Other Co", invoice.tal_transfer_error)
        self.assertFalse(self._official_pdf(invoice), "nothing of it is kept")
        self.assertEqual(document.company_id, other, "left as it is")


@tagged("post_install", "-at_install")
class TestTakeoverByContent(TakeoverCase, TalTransferCommon):
    """Other scripts posted the invoice's own bytes: their document is that
    file's document."""

    def test_a_linked_copy_of_the_invoices_file_is_its_document(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        copy = self._script_upload(invoice, raw=own.raw, name="order.pdf")

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(own), "no second document")
        self.assertEqual(self._document(invoice), copy)
        self.assertEqual(copy.partner_id, invoice.partner_id)
        self.assertEqual(copy.tag_ids, self.tag)

    def test_an_unlinked_copy_in_the_folder_is_the_files_document(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        copy = self._script_upload(invoice, raw=own.raw, linked=False)
        folder = copy.folder_id

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(own))
        self.assertEqual(self._document(invoice), copy)
        self.assertEqual(copy.folder_id, folder)
        self.assertFalse(copy.res_model, "never linked by the transfer")
        self.assertEqual(copy.partner_id, invoice.partner_id)

    def test_a_content_several_invoices_hold_is_adopted_by_none(self):
        raw = pdf_bytes("general terms")
        first = self._make_invoice(files=())
        second = self._make_invoice(files=())
        own = self._attach(first, "terms.pdf", raw=raw) | self._attach(
            second, "terms.pdf", raw=raw
        )
        copy = self._script_upload(first, raw=raw, linked=False, folder=self.folder)

        self.Transfer._run()

        self.assertEqual(set((first | second).mapped("tal_transfer_state")), {"done"})
        self.assertEqual(len(self._documents_of(own)), 2, "each file its own")
        self.assertFalse(copy.partner_id, "left alone")

    def test_a_copy_outside_the_folder_or_of_another_company_is_not_adopted(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        elsewhere = (
            self.env["documents.document"]
            .sudo()
            .create({"name": "Elsewhere", "type": "folder"})
        )
        outside = self._script_upload(
            invoice, raw=own.raw, linked=False, folder=elsewhere
        )
        foreign = self._script_upload(invoice, raw=own.raw, linked=False)
        foreign.company_id = self.setup_other_company(name="Other Co")["company"]

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(own)), 1)
        self.assertEqual(self._document(invoice), self._documents_of(own))
        self.assertFalse(outside.partner_id | foreign.partner_id)

    def test_forty_invoices_of_which_a_script_did_twenty_five(self):
        """The finished check: 40 invoices with their own file; a script had
        posted the bytes of 25 of them (10 linked to the invoice, 10 in the
        customers' folders, 5 through the invoice's own attachment). Every
        invoice ends with one document per content: none twice."""
        invoices = [self._make_invoice(files=("invoice.pdf",)) for _i in range(40)]
        own_files = {invoice: self._files_of(invoice) for invoice in invoices}
        for index, invoice in enumerate(invoices[:25]):
            own = own_files[invoice]
            if index < 10:
                self._script_upload(invoice, raw=own.raw, name=own.name)
            elif index < 20:
                self._script_upload(invoice, raw=own.raw, linked=False)
            else:
                self.env["documents.document"].sudo().create(
                    {
                        "attachment_id": own.id,
                        "folder_id": self._customer_folder(invoice.partner_id).id,
                    }
                )

        self.Transfer._run()

        moves = self.Move.browse([invoice.id for invoice in invoices])
        self.assertEqual(set(moves.mapped("tal_transfer_state")), {"done"})
        Documents = self.env["documents.document"].sudo()
        twice = [
            invoice.name
            for invoice in invoices
            if Documents.search_count(
                [("attachment_id.checksum", "=", own_files[invoice].checksum)]
            )
            > 1
        ]
        self.assertEqual(twice, [], "no second document of any invoice's content")
        self.assertEqual(set(moves.mapped("tal_transfer_document_count")), {1})
