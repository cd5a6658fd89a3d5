# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Invoice Files Transfer - Documents",
    "summary": "Deleting a document of an invoice file keeps the invoice's file "
    "(installed with Documents and Invoice Files Transfer)",
    "version": "1.0.0",
    "development_status": "Beta",
    "category": "Hidden",
    "website": "https://github.com/tal/tal_invoice_transfer",
    "author": "TAL",
    "maintainers": ["tal-developers"],
    "license": "LGPL-3",
    "depends": ["tal_invoice_transfer", "documents"],
    "auto_install": True,
    "installable": True,
}
