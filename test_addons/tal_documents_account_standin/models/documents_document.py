# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
from xml.etree import ElementTree

from odoo import api, fields, models


class DocumentsDocument(models.Model):
    _inherit = "documents.document"

    # Like documents_account: every XML file is read and parsed when it
    # becomes a document, looking for a PDF embedded in an e-invoice.
    has_embedded_pdf = fields.Boolean(
        "Has Embedded PDF", compute="_compute_has_embedded_pdf", store=True
    )

    @api.depends("checksum")
    def _compute_has_embedded_pdf(self):
        for document in self:
            document.has_embedded_pdf = document._standin_embedded_pdf_found()

    def _standin_embedded_pdf_found(self):
        self.ensure_one()
        mimetype = self.mimetype or ""
        if not (
            mimetype.endswith("/xml")
            or (mimetype == "text/plain" and (self.name or "").lower().endswith(".xml"))
        ):
            return False
        try:
            content = (self.attachment_id.sudo().raw or b"").decode()
        except UnicodeDecodeError:
            return False
        if (
            "EmbeddedDocumentBinaryObject" not in content
            and "Attachment" not in content
        ):
            return False
        try:
            root = ElementTree.fromstring(content)
        except ElementTree.ParseError:
            return False
        for tag in (".//{*}EmbeddedDocumentBinaryObject", ".//{*}Attachment"):
            for node in root.iterfind(tag):
                if len(node) or not node.text:
                    continue
                try:
                    if base64.b64decode(node.text + "====").startswith(b"%PDF-"):
                        return True
                except (TypeError, binascii.Error):
                    continue
        return False
