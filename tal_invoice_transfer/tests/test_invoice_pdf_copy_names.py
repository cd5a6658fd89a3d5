# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import TalPdfCommon
from .test_takeover_adoption import TakeoverCase
from .test_takeover_dms import TakeoverDmsCase


class CopyNames:
    """Copies of an invoice's PDF are known by name: the old script's
    (`INV/2026/00001.pdf`) or Odoo's (its report's name template, by
    default `INV_2026_00001.pdf`, whatever the template says)."""

    def _odoo_name(self, invoice):
        return invoice._get_invoice_report_filename()

    def _template_without_number(self):
        # A print name template that does not say the number.
        self.env.ref(
            "account.account_invoices"
        ).sudo().print_report_name = "'Invoice of %s' % object.partner_id.name"


@tagged("post_install", "-at_install")
class TestInvoicePdfCopyNamesDocuments(CopyNames, TakeoverCase, TalPdfCommon):
    def _copy_without_document(self, name):
        """The invoice's PDF held by an upload's document, and a second
        copy of it left on the invoice without one."""
        invoice = self._make_invoice(files=())
        kept = self._script_upload(invoice, name=name(invoice), days_ago=30)
        gone = self._script_upload(invoice, name=name(invoice), days_ago=29)
        copy = gone.attachment_id
        self.env.cr.execute("DELETE FROM documents_document WHERE id = %s", [gone.id])
        self.env.invalidate_all()
        self.assertEqual(copy.res_id, invoice.id)
        return invoice, kept, copy

    def _assert_copy_gets_no_document(self, name):
        invoice, kept, copy = self._copy_without_document(name)
        self.assertEqual(name(invoice), copy.name)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(copy), f"a copy named {copy.name}")
        self.assertEqual(self._all_documents_of(invoice), kept)

    def test_a_copy_named_as_odoo_names_it_is_known(self):
        self._assert_copy_gets_no_document(self._odoo_name)

    def test_a_copy_named_as_the_old_script_named_it_is_known(self):
        self._assert_copy_gets_no_document(lambda invoice: f"{invoice.name}.pdf")

    def test_a_copy_named_by_a_template_without_the_number_is_known(self):
        self._template_without_number()
        self._assert_copy_gets_no_document(self._odoo_name)


@tagged("post_install", "-at_install")
class TestInvoicePdfCopyNamesDms(CopyNames, TakeoverDmsCase):
    def _assert_one_copy_is_filed(self, name):
        invoice = self._make_invoice(files=("order.pdf",))
        first = self._script_upload(invoice, name=name(invoice), days_ago=30)
        self._script_upload(invoice, name=name(invoice), days_ago=29)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._pdf_files(invoice).attachment_id, first.attachment_id)
        self.assertEqual(invoice.tal_transfer_document_count, 2)
        self.assertFalse(self._check()["reopened"])

    def test_a_copy_named_as_odoo_names_it_is_known(self):
        self._assert_one_copy_is_filed(self._odoo_name)

    def test_a_copy_named_as_the_old_script_named_it_is_known(self):
        self._assert_one_copy_is_filed(lambda invoice: f"{invoice.name}.pdf")

    def test_a_copy_named_by_a_template_without_the_number_is_known(self):
        self._template_without_number()
        self._assert_one_copy_is_filed(self._odoo_name)


@tagged("post_install", "-at_install")
class TestInvoicePdfCopyNamesPreview(CopyNames, TalPdfCommon, TakeoverDmsCase):
    def test_the_preview_counts_copies_named_by_a_template_without_the_number(self):
        self._template_without_number()
        invoice = self._make_invoice(files=())
        self._script_upload(invoice, name=self._odoo_name(invoice), days_ago=30)

        preview = self.env["tal.invoice.transfer.preview"].create({})

        self.assertEqual(preview.pdf_held, 1)
        self.assertEqual(preview.pdfs_to_make, 0)
