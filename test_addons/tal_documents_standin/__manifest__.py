# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Documents Stand-in (tests only)",
    "summary": "TEST-ONLY stand-in for the Enterprise Documents app: never "
    "shipped, never installed beside the real 'documents' module",
    "version": "1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/tal/tal_invoice_transfer",
    "author": "TAL",
    "license": "LGPL-3",
    "depends": ["base", "mail"],
    "data": [
        "security/documents_security.xml",
        "security/ir.model.access.csv",
    ],
    "installable": True,
    "application": False,
}
