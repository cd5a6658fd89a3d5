# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from unittest.mock import patch

from odoo.tests import tagged

from ..models.tal_invoice_transfer_pdf import TalInvoiceTransferPdf
from .common import TalPdfCommon, TalScriptMixin, TalTransferCommon, pdf_bytes


class TakeoverDmsCase(TalScriptMixin, TalTransferCommon):
    """DMS as the target, with what upload scripts left: the old script's
    documents in Documents (their copies moved onto the invoices), and
    uploads into DMS directories."""

    target = "dms"
    plan = "customer"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = cls.folder
        cls._script_setup()
        cls.script_folder, cls.folder = cls.folder, root
        cls.env.company.tal_transfer_folder_ref = f"dms.directory,{root.id}"

    @classmethod
    def _customer_folder(cls, partner):
        """The script's customer folder, in its Documents tree."""
        root, cls.folder = cls.folder, cls.script_folder
        try:
            return super()._customer_folder(partner)
        finally:
            cls.folder = root

    def _directory(self, record, parent=None):
        """A directory naming `record`, as an upload script made it."""
        parent = parent or self.folder
        return (
            self.env["dms.directory"]
            .sudo()
            .create(
                {
                    "name": f"{record.display_name} {record.id}".replace("/", "-"),
                    "parent_id": parent.id,
                    "model_id": self.env["ir.model"]._get_id(record._name),
                    "res_model": record._name,
                    "res_id": record.id,
                }
            )
        )

    def _dms_upload(self, directory, raw, name="upload.pdf"):
        """A DMS file made from bytes: in attachment storage DMS makes a new
        attachment of the directory's record."""
        return (
            self.env["dms.file"]
            .sudo()
            .create(
                {
                    "name": name,
                    "directory_id": directory.id,
                    "content": base64.b64encode(raw),
                }
            )
        )

    def _pdf_files(self, invoice):
        """The invoice's live DMS files of its PDF (named as the invoice's
        PDF, or its official PDF)."""
        names = self.env["tal.invoice.transfer.pdf"]._tal_pdf_names(invoice)
        # The transfer's files: a search hides the official PDF (a field's).
        files = self.env["tal.invoice.transfer.scope"]._files(invoice)
        return (
            self._documents_of(files)
            .filtered("active")
            .filtered(
                lambda f: f.attachment_id.mimetype == "application/pdf"
                and f.attachment_id.name in names
            )
        )

    def _check(self):
        return self.env["tal.invoice.transfer.check"]._tal_check()


@tagged("post_install", "-at_install")
class TestTakeoverDmsScriptCopies(TakeoverDmsCase):
    """The old script's restarts left copies of an invoice's PDF on it (each
    document it made in Documents moved its file onto the invoice): DMS
    files one of them, as the invoice's PDF."""

    def test_of_the_scripts_copies_one_is_filed_as_the_pdf(self):
        invoice = self._make_invoice(files=("order.pdf",))
        first = self._script_upload(invoice, days_ago=30).attachment_id
        self._script_upload(invoice, days_ago=29)
        self._script_upload(invoice, days_ago=28)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._pdf_files(invoice).attachment_id, first)
        order = self._files_of(invoice).filtered(lambda a: a.name == "order.pdf")
        self.assertTrue(self._documents_of(order), "its other files are filed")
        self.assertEqual(invoice.tal_transfer_document_count, 2)
        self.assertFalse(self._check()["reopened"], "the copies are not missing")
        self.assertEqual(invoice.tal_transfer_state, "done")

    def test_the_official_pdf_is_filed_and_the_copies_are_not(self):
        invoice = self._make_invoice(files=())
        self._script_upload(invoice, days_ago=30)
        self._script_upload(invoice, days_ago=29)
        official = self.env["ir.attachment"].create(
            {
                "name": invoice._get_invoice_report_filename(),
                "raw": pdf_bytes("sent"),
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._pdf_files(invoice).attachment_id, official)
        self.assertFalse(self._check()["reopened"])

    def test_a_pdf_filed_already_leaves_a_later_copy_without_file(self):
        invoice = self._make_invoice(files=())
        first = self._script_upload(invoice, days_ago=30).attachment_id
        self.Transfer._run()
        self.assertEqual(self._pdf_files(invoice).attachment_id, first)
        # The script, still running, redid the invoice.
        self._script_upload(invoice)
        self.assertEqual(invoice.tal_transfer_state, "pending")

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(self._pdf_files(invoice).attachment_id, first)

    def test_a_linked_pdf_with_another_name_is_filed_as_a_file(self):
        invoice = self._make_invoice(files=())
        scan = self._script_upload(invoice, name="scan.pdf", days_ago=30).attachment_id
        self._script_upload(invoice, days_ago=29)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertTrue(self._documents_of(scan))
        self.assertEqual(len(self._pdf_files(invoice)), 1)


@tagged("post_install", "-at_install")
class TestTakeoverDmsByContent(TakeoverDmsCase):
    """Scripts that uploaded an invoice's own bytes into DMS: their file is
    that file's file."""

    def test_a_copy_uploaded_into_the_invoices_directory_is_its_file(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        copy = self._dms_upload(self._directory(invoice), own.raw, name="order.pdf")
        self.assertEqual(
            (copy.attachment_id.res_model, copy.attachment_id.res_id),
            ("account.move", invoice.id),
            "DMS made the copy an attachment of the invoice",
        )

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(own), "no second file of it")
        self.assertEqual(self._documents_of(self._files_of(invoice)), copy)
        self.assertEqual(invoice.tal_transfer_document_count, 1)
        self.assertFalse(self._check()["reopened"])

    def test_a_copy_under_the_root_of_no_invoice_is_the_files_file(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        customer = self._directory(invoice.partner_id.commercial_partner_id)
        copy = self._dms_upload(customer, own.raw)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._documents_of(own))
        self.assertEqual(invoice.tal_transfer_document_ref, f"dms.file,{copy.id}")
        self.assertEqual(copy.attachment_id.res_model, "res.partner", "left as it is")
        self.assertFalse(self._check()["reopened"])
        # Gone by SQL: the check sends the invoice back, its own file is filed.
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM dms_file WHERE id = %s", [copy.id])
        self.env.invalidate_all()
        self.assertEqual(self._check()["reopened"], 1)
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertTrue(self._documents_of(own))

    def test_a_content_several_invoices_hold_is_adopted_by_none(self):
        raw = pdf_bytes("general terms")
        first = self._make_invoice(files=())
        second = self._make_invoice(files=())
        own = self._attach(first, "terms.pdf", raw=raw) | self._attach(
            second, "terms.pdf", raw=raw
        )
        self._dms_upload(self._directory(first.partner_id), raw)

        self.Transfer._run()

        self.assertEqual(set((first | second).mapped("tal_transfer_state")), {"done"})
        self.assertEqual(len(self._documents_of(own)), 2, "each file its own")

    def test_a_copy_outside_the_root_or_of_another_company_is_not_adopted(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        other = self.setup_other_company(name="Other Co")["company"]
        foreign_root = self._make_folder(other, name="Other Co's root")
        self.env.company.tal_transfer_folder_ref = f"dms.directory,{self.folder.id}"
        self._dms_upload(self._directory(invoice.partner_id, foreign_root), own.raw)
        elsewhere = self._make_folder(self.env.company, name="Elsewhere")
        self.env.company.tal_transfer_folder_ref = f"dms.directory,{self.folder.id}"
        self._dms_upload(self._directory(invoice.partner_id, elsewhere), own.raw)

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(own)), 1, "its own file is filed")


@tagged("post_install", "-at_install")
class TestTakeoverDmsDuplicates(TakeoverDmsCase):
    """An upload script that kept running beside the transfer put a copy
    of an invoice's file under the root: the list shows both DMS files, the
    clean-up archives the copy (DMS has no trash) and leaves its file where
    DMS keeps it."""

    def _late_copy(self):
        invoice = self._make_invoice(files=("order.pdf",))
        self.Transfer._run()
        own = self._files_of(invoice)
        filed = self._documents_of(own)
        self.assertEqual(len(filed), 1)
        customer = self._directory(invoice.partner_id.commercial_partner_id)
        copy = self._dms_upload(customer, own.raw)
        return invoice, filed, copy

    def _rows(self, invoice):
        Duplicate = self.env["tal.invoice.transfer.duplicate"]
        Duplicate.action_tal_open_duplicates()
        return Duplicate.search([("move_id", "=", invoice.id)])

    def test_a_late_copy_is_listed_and_archived(self):
        invoice, filed, copy = self._late_copy()

        rows = self._rows(invoice)
        self.assertEqual(set(rows.mapped("kind")), {"content"})
        self.assertEqual(
            set(rows.mapped("document_ref")),
            {f"dms.file,{filed.id}", f"dms.file,{copy.id}"},
        )
        self.assertEqual(rows.filtered("keep").document_ref, f"dms.file,{filed.id}")
        self.assertIn(self.folder.name, rows[0].folder_name)
        self.assertFalse(rows.filtered("copy_off"), "DMS files keep their file")
        wizard = self.env["tal.invoice.transfer.duplicate.cleanup"].create({})
        self.assertEqual((wizard.invoice_count, wizard.trash_count), (1, 1))

        wizard.action_clean_up()

        self.assertTrue(filed.active)
        self.assertFalse(copy.active)
        self.assertEqual(copy.attachment_id.res_model, "res.partner", "left there")
        self.assertIn(copy.name, invoice.message_ids[:1].body)
        self.assertFalse(self._rows(invoice))
        self.assertFalse(self._check()["reopened"])

    def test_the_copy_a_person_tagged_is_the_one_kept(self):
        invoice, filed, copy = self._late_copy()
        copy.tag_ids = [(0, 0, {"name": "Checked by Ann"})]
        rows = self._rows(invoice)
        self.assertEqual(rows.filtered("keep").document_ref, f"dms.file,{copy.id}")
        self.assertEqual(
            rows.filtered("worked_on").document_ref, rows.filtered("keep").document_ref
        )

        self.env["tal.invoice.transfer.duplicate.cleanup"].create({}).action_clean_up()

        self.assertTrue(copy.active, "a person worked on it")
        self.assertFalse(filed.active, "the other goes: the content stays held")
        invoice.invalidate_recordset()
        self.assertEqual(
            invoice.tal_transfer_document_ref,
            f"dms.file,{copy.id}",
            "the invoice's document was the one archived: now the kept one",
        )
        self.assertFalse(self._check()["reopened"])
        self.assertEqual(invoice.tal_transfer_state, "done")

    def test_two_files_of_one_content_cleaned_up_stay_done_after_the_check(self):
        """An invoice holding the same bytes twice (a script posted them to
        the invoice): both filed, the clean-up archives the later's DMS
        file; the check finds the content held and reopens nothing."""
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        later = self._attach(invoice, "order copy.pdf", raw=own.raw)
        self.Transfer._run()
        self.assertEqual(len(self._documents_of(own | later)), 2)

        self.env["tal.invoice.transfer.duplicate.cleanup"].create({}).action_clean_up()

        self.assertTrue(self._documents_of(own).active)
        self.assertFalse(self._documents_of(later).active)
        self.assertFalse(self._check()["reopened"])
        self.assertEqual(invoice.tal_transfer_state, "done")


@tagged("post_install", "-at_install")
class TestTakeoverDmsNoRender(TalPdfCommon, TakeoverDmsCase):
    """The PDF maker on: an invoice carrying the old script's copies of its
    PDF gets no render; its first copy is filed as its PDF. One without
    gets its official PDF."""

    def test_no_pdf_is_made_for_an_invoice_carrying_the_scripts_copy(self):
        done = self._make_invoice(files=())
        first = self._script_upload(done, days_ago=30).attachment_id
        self._script_upload(done, days_ago=29)
        preview = self.env["tal.invoice.transfer.preview"].create({})
        self.assertEqual(preview.pdfs_to_make, 0)
        self.assertEqual(preview.pdf_held, 1)

        with patch.object(TalInvoiceTransferPdf, "_tal_render_chunk") as render:
            self.Transfer._run()
        render.assert_not_called()

        self.assertEqual(done.tal_transfer_state, "done")
        self.assertFalse(self._official_pdf(done))
        self.assertEqual(self._pdf_files(done).attachment_id, first)

    def test_an_invoice_without_a_copy_gets_its_official_pdf(self):
        invoice = self._make_invoice(files=())

        self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "done")
        official = self._official_pdf(invoice)
        self.assertTrue(official)
        self.assertEqual(self._pdf_files(invoice).attachment_id, official)
