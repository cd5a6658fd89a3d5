# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import PDF, TalTransferCommon


class FileSafetyCases:
    """Invoice files survive their documents, and documents follow their files.

    Run against each target by the classes below.
    """

    def _transferred(self, files=("a.pdf", "b.pdf"), **invoice_args):
        invoice = self._make_invoice(files=files, **invoice_args)
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        return invoice

    def _assert_each_file_filed_once(self, invoice):
        files = self.env["tal.invoice.transfer.scope"]._files(invoice)
        documents = self._documents_of(files)
        self.assertEqual(documents.attachment_id, files, "every file has a document")
        self.assertEqual(len(documents), len(files), "and only one")
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_document_count, len(files))
        return documents

    def test_deleting_a_document_keeps_the_invoice_file(self):
        invoice = self._transferred()
        files = self._files_of(invoice)
        deleted = self._documents_of(files.filtered(lambda f: f.name == "a.pdf"))
        contents = files.mapped("raw")

        deleted.unlink()

        self.assertFalse(deleted.exists())
        self.assertEqual(self._files_of(invoice), files, "the invoice keeps its file")
        files.invalidate_recordset()
        self.assertEqual(files.mapped("raw"), contents)
        self.assertEqual(invoice.tal_transfer_state, "pending", "filed again")
        self.Transfer._run()
        self._assert_each_file_filed_once(invoice)

    def test_deleting_the_folder_keeps_the_invoice_files(self):
        invoice = self._transferred()
        other = self._transferred(files=("c.pdf",))
        files = self._files_of(invoice | other)

        self._delete_folder_of(invoice)

        self.assertEqual(self._files_of(invoice | other), files)
        self.assertFalse(self._documents_of(self._files_of(invoice)))
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run()
        self._assert_each_file_filed_once(invoice)
        self._assert_each_file_filed_once(other)

    def test_deleting_the_file_from_the_invoice_deletes_its_document(self):
        invoice = self._transferred()
        files = self._files_of(invoice)
        gone = files.filtered(lambda f: f.name == "a.pdf")
        document = self._documents_of(gone)
        self.assertTrue(document)

        gone.unlink()

        self.assertFalse(document.exists(), "the apps' own behaviour")
        self.assertEqual(invoice.tal_transfer_state, "pending", "to be counted again")
        self.Transfer._run()
        self._assert_each_file_filed_once(invoice)
        self.assertEqual(invoice.tal_transfer_document_count, 1)

        (files - gone).unlink()
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "no_attachment")

    def test_file_moved_to_another_invoice_is_filed_under_it(self):
        first = self._transferred(files=("a.pdf", "moved.pdf"))
        second = self._transferred(files=("b.pdf",), partner_id=self.partner_b)
        moved = self._files_of(first).filtered(lambda f: f.name == "moved.pdf")
        stale = self._documents_of(moved)

        moved.res_id = second.id

        self.assertFalse(stale.exists(), "filed under the first invoice")
        self.assertTrue(moved.exists())
        self.assertEqual(
            (first | second).mapped("tal_transfer_state"), ["pending", "pending"]
        )
        self.Transfer._run()
        self._assert_each_file_filed_once(first)
        self._assert_each_file_filed_once(second)
        self.assertEqual(first.tal_transfer_document_count, 1)
        self.assertEqual(second.tal_transfer_document_count, 2)
        self._assert_filed_under(self._documents_of(moved), second)

    def test_renamed_file_renames_its_document(self):
        invoice = self._transferred()
        renamed = self._files_of(invoice).filtered(lambda f: f.name == "a.pdf")

        renamed.name = "signed delivery note.pdf"

        self.assertEqual(self._documents_of(renamed).name, "signed delivery note.pdf")

    def test_detached_pdf_of_a_reset_invoice_takes_the_detached_name(self):
        invoice = self._make_invoice(files=())
        pdf_name = f"{invoice.name.replace('/', '_')}.pdf"
        old_pdf = self._attach_invoice_pdf(invoice, pdf_name)
        self.Transfer._run()
        self.assertEqual(self._documents_of(old_pdf).name, pdf_name)

        invoice.button_draft()  # core renames the PDF "... (detached by ...)"
        invoice.action_post()
        new_pdf = self._attach_invoice_pdf(invoice, pdf_name)
        self.Transfer._run()

        self.assertIn("(detached by", old_pdf.name)
        self.assertIn("(detached by", self._documents_of(old_pdf).name)
        self.assertEqual(
            self._documents_of(new_pdf).name,
            pdf_name,
            "the current PDF has the invoice's plain name",
        )
        self._assert_each_file_filed_once(invoice)

    def _attach_invoice_pdf(self, invoice, name):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": PDF,
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )


@tagged("post_install", "-at_install")
class TestFileSafetyDocuments(FileSafetyCases, TalTransferCommon):
    target = "documents"
    allow_inherited_tests_method = True

    def _delete_folder_of(self, invoice):
        self.folder.unlink()
        self.folder = self._make_folder(self.env.company, name="New folder")

    def _assert_filed_under(self, documents, invoice):
        self.assertEqual(documents.res_id, invoice.id)
        self.assertEqual(documents.partner_id, invoice.partner_id)

    def test_emptying_the_trash_keeps_the_invoice_files(self):
        invoice = self._transferred()
        files = self._files_of(invoice)
        documents = self._documents_of(files)
        documents.action_archive()
        self.env["ir.config_parameter"].set_param("documents.deletion_delay", "30")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE documents_document SET write_date = now() - interval '31 days'"
            " WHERE id = ANY(%s)",
            [documents.ids],
        )
        self.env.invalidate_all()

        self.env["documents.document"]._gc_clear_bin()

        self.assertFalse(documents.exists(), "the trash was emptied")
        self.assertEqual(self._files_of(invoice), files)
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run()
        self._assert_each_file_filed_once(invoice)

    def test_a_user_without_invoice_rights_deletes_the_document_only(self):
        invoice = self._transferred()
        files = self._files_of(invoice)
        user = new_test_user(self.env, login="documents_only", groups="base.group_user")
        # Rights on the documents (every internal user may edit them), none on
        # the invoice.
        self._documents_of(files).write({"access_internal": "edit"})

        self._documents_of(files).with_user(user).unlink()

        self.assertFalse(self._documents_of(files))
        self.assertEqual(self._files_of(invoice), files)

    def test_a_new_version_uploaded_in_documents_keeps_the_invoice_file(self):
        """A Documents user uploads a new version of a transferred file's
        document: the replaced file stays on its invoice (a version of its
        document), and each file of the invoice is in Documents once. Found by
        an attack review: Documents moved the old file off the invoice, which
        lost its legal file (and the document's deletion then deleted it)."""
        invoice = self._make_invoice(files=("a.pdf", "b.pdf"))
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        second = self._files_of(invoice).filtered(lambda f: f.name == "b.pdf")
        content = second.raw
        document = self._documents_of(second)

        # A Documents user uploads a new version of the document of b.pdf
        # (not the invoice's main file): Documents moves the old file onto
        # the document as a version, off the invoice.
        upload = self.env["ir.attachment"].create({"name": "b2.pdf", "raw": PDF})
        document.write({"attachment_id": upload.id})

        files = self._files_of(invoice)
        self.assertIn(second, files, "the invoice keeps its own b.pdf")
        second.invalidate_recordset()
        self.assertEqual(second.raw, content)
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        Documents = self.env["documents.document"].with_context(active_test=False)
        for file in self._files_of(invoice):
            self.assertEqual(
                Documents.search_count(
                    [
                        "|",
                        ("attachment_id", "=", file.id),
                        ("previous_attachment_ids", "in", file.id),
                    ]
                ),
                1,
                f"{file.name} is in Documents once",
            )


@tagged("post_install", "-at_install")
class TestFileSafetyDms(FileSafetyCases, TalTransferCommon):
    target = "dms"
    allow_inherited_tests_method = True

    def _delete_folder_of(self, invoice):
        self._documents_of(self._files_of(invoice)).directory_id.unlink()

    def _assert_filed_under(self, files, invoice):
        self.assertEqual(files.directory_id.res_id, invoice.id)
        self.assertEqual(files.directory_id.res_model, "account.move")

    def test_renamed_file_takes_a_free_name_in_its_directory(self):
        invoice = self._transferred()
        renamed = self._files_of(invoice).filtered(lambda f: f.name == "a.pdf")

        renamed.name = "b.pdf"

        self.assertEqual(self._documents_of(renamed).name, "b (2).pdf")
