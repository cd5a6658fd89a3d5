"""Files the scenarios attach to invoices, made without Odoo."""

import base64
import io


def pdf(title, lines=()):
    """A small real PDF (reportlab, which ships with Odoo)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(title)
    page.drawString(72, 770, title)
    for row, line in enumerate(lines):
        page.drawString(72, 750 - 14 * row, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def invoice_xml(number, move_id):
    """A UBL e-invoice with its PDF embedded, as e-invoicing attaches one
    (documents_account reads and parses every XML file it files)."""
    embedded = base64.b64encode(pdf(f"E-invoice {number}", [f"account.move {move_id}"]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:'
        'CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:'
        'CommonBasicComponents-2">'
        f"<cbc:ID>E2E-{number}</cbc:ID>"
        "<cac:AdditionalDocumentReference><cbc:ID>PDF</cbc:ID><cac:Attachment>"
        '<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" '
        f'filename="e-invoice-{number}.pdf">{embedded.decode()}'
        "</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
        "</cac:AdditionalDocumentReference></Invoice>\n"
    ).encode()
