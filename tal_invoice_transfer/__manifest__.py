# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Invoice Files Transfer",
    "summary": "Move invoices' attachments into Documents (or OCA DMS), "
    "exactly once, with a per-invoice state and a progress view",
    "version": "1.3.0",
    "development_status": "Beta",
    "category": "Accounting/Accounting",
    "website": "https://github.com/tal/tal_invoice_transfer",
    "author": "TAL",
    "maintainers": ["tal-developers"],
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "post_init_hook": "post_init_hook",
    "depends": ["account"],
    "data": [
        "security/ir.model.access.csv",
        "security/tal_invoice_transfer_run_security.xml",
        "security/tal_invoice_transfer_pdf_rule_security.xml",
        "data/ir_cron_data.xml",
        "views/account_move_views.xml",
        "views/ir_attachment_views.xml",
        "views/tal_invoice_transfer_run_views.xml",
        "views/tal_invoice_transfer_pdf_rule_views.xml",
        "views/tal_invoice_transfer_duplicate_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/tal_invoice_transfer_preview_views.xml",
        "views/tal_invoice_transfer_menus.xml",
        "wizard/tal_invoice_transfer_exclude_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "tal_invoice_transfer/static/src/**/*",
        ],
        "web.assets_tests": [
            "tal_invoice_transfer/static/tests/tours/**/*",
        ],
    },
    "images": ["static/description/screenshot_progress.png"],
}
