# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Documents Accounting Stand-in (tests only)",
    "summary": "TEST-ONLY stand-in for the filing of Enterprise "
    "'documents_account': never shipped, never installed beside the real app",
    "version": "1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/tal/tal_invoice_transfer",
    "author": "TAL",
    "license": "LGPL-3",
    "depends": ["account", "tal_documents_standin"],
    "data": [
        "security/ir.model.access.csv",
        "data/documents_document_data.xml",
    ],
    "post_init_hook": "_post_init_configure_journals",
    "installable": True,
    "application": False,
}
