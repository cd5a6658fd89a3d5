# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Documents Stand-in (tests only)",
    "summary": "TEST-ONLY stand-in for the Enterprise Documents app: never "
    "shipped, never installed beside the real 'documents' module",
    "description": """
TEST-ONLY. NEVER SHIPPED. NEVER INSTALL IT BESIDE THE ENTERPRISE ``documents`` APP.

Defines minimal ``documents.document`` and ``documents.tag`` models with the
field names, database constraint and attachment-linking behaviour of
Enterprise 19.0 that matter to an integrator, so that integration code can
run against real tables on Odoo Community in tests.
It does not reproduce Enterprise's access rules, sharing, shortcuts,
versioning, trash garbage collection or the documents.mixin automation.
""",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/tal/tal_invoice_transfer",
    "author": "TAL",
    "license": "LGPL-3",
    "depends": ["base", "mail"],
    "data": [
        "security/ir.model.access.csv",
    ],
    "installable": True,
    "application": False,
}
