# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import PDF, TalTransferCommon


@tagged("post_install", "-at_install")
class TestReviewFindings2Documents(TalTransferCommon):
    """Second adversarial review: invoice files in Documents."""

    target = "documents"

    def test_a_new_version_uploaded_in_documents_keeps_the_invoice_file(self):
        invoice = self._make_invoice(files=("a.pdf", "b.pdf"))
        self.Transfer._run(move_ids=invoice.ids)
        self.assertEqual(invoice.tal_transfer_state, "done")
        second = self._files_of(invoice).filtered(lambda f: f.name == "b.pdf")
        document = self._documents_of(second)

        # A Documents user uploads a new version of the document of b.pdf
        # (not the invoice's main file): Documents moves the old file onto
        # the document as a version, off the invoice.
        upload = self.env["ir.attachment"].create({"name": "b2.pdf", "raw": PDF})
        document.write({"attachment_id": upload.id})

        files = self._files_of(invoice)
        self.assertIn(second, files, "the invoice keeps its own b.pdf")
        self.assertEqual(second.raw, PDF)
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
