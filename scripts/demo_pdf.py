"""The demo's invoices without any file, and the old script's three templates.

Run with Odoo's python after scripts/invoice_factory.py (demo.sh does):

    python scripts/demo_pdf.py -d DB --count 60 [--addons-path ...]

Creates three invoice templates named as the old XML-RPC script's ("Export
EOLIS", "Factures Livraisons", "Factures Transferts"; each a copy of the
standard invoice report), the PDF template rules that pick them by the lines'
keywords in the script's order, and `count` posted customer invoices without
any file whose lines call for each template in turn: the transfer makes their
PDFs.
"""

import argparse

from invoice_factory import ensure_chart

# (keyword, template): the old script's, in its order; its fallback last.
TEMPLATES = [
    ("EXPORT DE CONTENEUR", "Export EOLIS"),
    ("LIVRAISON", "Factures Livraisons"),
    ("TRANSFERT", "Factures Transferts"),
]
LABELS = [
    "Export de conteneur 40' Le Havre",
    "Livraison Paris 11e",
    "Transfert aéroport",
    "Conseil",  # no keyword: the catch-all rule
]


def ensure_pdf_templates(env):
    """The three templates and their rules (once)."""
    standard = env.ref("account.account_invoices")
    Rule = env["tal.invoice.transfer.pdf.rule"]
    reports = {}
    for sequence, (keyword, name) in enumerate(TEMPLATES, start=1):
        report = env["ir.actions.report"].search(
            [("name", "=", name), ("model", "=", "account.move")], limit=1
        ) or standard.copy({"name": name, "binding_model_id": False})
        reports[name] = report
        if not Rule.search([("keyword", "=", keyword)]):
            Rule.create(
                {"sequence": sequence, "keyword": keyword, "report_id": report.id}
            )
    if not Rule.search([("keyword", "=", False)]):
        # The script's fallback: "Factures Transferts" when nothing matched.
        Rule.create(
            {
                "sequence": 99,
                "keyword": False,
                "report_id": reports["Factures Transferts"].id,
            }
        )
    return reports


def make_invoices_without_files(env, count):
    ensure_chart(env, env.company)
    partner = env["res.partner"].search(
        [("name", "like", "Factory Partner %")], limit=1
    ) or env["res.partner"].create({"name": "Factory Partner 0", "is_company": True})
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": LABELS[index % len(LABELS)],
                            "price_unit": 100 + index,
                        },
                    )
                ],
            }
            for index in range(count)
        ]
    )
    moves.action_post()
    return moves


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--addons-path")
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--report-url",
        help="where wkhtmltopdf fetches the report's style sheets: the demo server",
    )
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    config_args = ["-d", args.database, "--db_host=", "--log-level=warn"]
    if args.addons_path:
        config_args.append(f"--addons-path={args.addons_path}")
    if args.data_dir:
        config_args.append(f"--data-dir={args.data_dir}")
    odoo.tools.config.parse_config(config_args)
    with Registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ensure_pdf_templates(env)
        if args.report_url:
            env["ir.config_parameter"].set_param("report.url", args.report_url)
        moves = make_invoices_without_files(env, args.count)
    print(
        f"created {len(moves)} posted invoices without any file, 3 templates, 4 rules"
    )


if __name__ == "__main__":
    main()
