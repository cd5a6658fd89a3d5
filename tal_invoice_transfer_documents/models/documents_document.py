# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class DocumentsDocument(models.Model):
    _inherit = "documents.document"

    def unlink(self):
        # Documents deletes the attachment of a document it deletes, by hand
        # or when it empties its trash: for a transferred file, the invoice's
        # own file. It stays on the invoice.
        return self.env["ir.attachment"]._tal_transfer_unlink_documents(
            self, lambda documents: super(DocumentsDocument, documents).unlink()
        )
