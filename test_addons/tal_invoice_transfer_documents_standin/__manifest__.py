# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Invoice Files Transfer - Documents Stand-in (tests only)",
    "summary": "TEST-ONLY: the Documents glue of Invoice Files Transfer, on the "
    "Documents stand-in",
    "version": "1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/tal/tal_invoice_transfer",
    "author": "TAL",
    "license": "LGPL-3",
    "depends": ["tal_invoice_transfer", "tal_documents_standin"],
    "auto_install": True,
    "installable": True,
    "application": False,
}
