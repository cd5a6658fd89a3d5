"""Create posted invoices carrying real PDF files, through the ORM.

Used by the demo, the end-to-end harness and the benchmarks. Run it with
Odoo's python:

    python scripts/invoice_factory.py -d DB --count 300 [--addons-path ...]

or import `make_invoices(env, count)` from an Odoo shell or script.
"""

import argparse
import io
import random
from datetime import date, timedelta


def invoice_pdf(title, lines):
    """A real one-page PDF (reportlab ships with Odoo)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(title)
    page.setFont("Helvetica-Bold", 18)
    page.drawString(72, 770, title)
    page.setFont("Helvetica", 11)
    for row, line in enumerate(lines):
        page.drawString(72, 740 - 16 * row, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def ensure_dms_root(env, company, name="Invoices"):
    """An attachment-storage DMS root for the company, set as its folder."""
    storage = env["dms.storage"].search(
        [("name", "=", name), ("company_id", "=", company.id)], limit=1
    ) or env["dms.storage"].create(
        {
            "name": name,
            "save_type": "attachment",
            "company_id": company.id,
            # Who may read the invoice may read its files.
            "inherit_access_from_parent_record": True,
        }
    )
    root = env["dms.directory"].search(
        [("storage_id", "=", storage.id), ("is_root_directory", "=", True)], limit=1
    ) or env["dms.directory"].create(
        {
            "name": name,
            "is_root_directory": True,
            "storage_id": storage.id,
            "model_id": env["ir.model"]._get_id("account.move"),
        }
    )
    company.tal_transfer_folder_ref = f"dms.directory,{root.id}"
    return root


def ensure_documents_folder(env, company, name="Invoices"):
    folder = env["documents.document"].search(
        [("name", "=", name), ("type", "=", "folder"), ("company_id", "=", company.id)],
        limit=1,
    ) or env["documents.document"].create(
        # Internal users may edit it, like Documents' Finance folder: the
        # transfer refuses a folder no accounting user could see.
        {
            "name": name,
            "type": "folder",
            "company_id": company.id,
            "access_internal": "edit",
        }
    )
    company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
    return folder


def ensure_chart(env, company):
    """Install the generic chart of accounts if the company has none."""
    if not env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")]
    ):
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )


def make_invoices(
    env,
    count,
    seed=1,
    files=(1, 1, 1, 2, 3),
    company=None,
    batch=100,
    start=None,
    move_types=None,
):
    """Create `count` posted invoices (customer and vendor) with 1-3 PDF files each.

    Dates spread over the 24 months before `start`, so folders fill like a
    real backlog. `files`: how many files an invoice may get (`(0,)`: none);
    `move_types`: the types to take in turn (default: three customer invoices,
    then a vendor bill). Returns the ids of the new invoices.
    """
    rng = random.Random(seed)
    company = company or env.company
    ensure_chart(env, company)
    env = env(
        context=dict(
            env.context,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
            allowed_company_ids=[company.id],
        )
    )
    partners = env["res.partner"].search(
        [("name", "like", "Factory Partner %")], limit=20
    )
    if len(partners) < 20:
        partners |= env["res.partner"].create(
            [
                {"name": f"Factory Partner {i}", "is_company": True}
                for i in range(len(partners), 20)
            ]
        )
    start = start or date.today()
    created = []
    for offset in range(0, count, batch):
        vals_list = []
        for index in range(offset, min(offset + batch, count)):
            if move_types:
                move_type = move_types[index % len(move_types)]
            else:
                move_type = "out_invoice" if index % 4 else "in_invoice"
            day = start - timedelta(days=rng.randrange(730))
            vals_list.append(
                {
                    "move_type": move_type,
                    "company_id": company.id,
                    "partner_id": rng.choice(partners).id,
                    "invoice_date": day,
                    "date": day,
                    "ref": f"REF-{seed}-{index}"
                    if move_type.startswith("in_")
                    else False,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": f"Service {index}",
                                "quantity": 1 + index % 5,
                                "price_unit": rng.randrange(50, 5000),
                            },
                        ),
                    ],
                }
            )
        moves = env["account.move"].create(vals_list)
        attachments = []
        for move in moves:
            for number in range(rng.choice(files)):
                label = "Invoice" if number == 0 else f"Annex {number}"
                attachments.append(
                    {
                        "name": f"{label} {seed}-{move.id}.pdf",
                        "raw": invoice_pdf(
                            f"{label} {move.partner_id.name}",
                            [
                                f"Date: {move.invoice_date}",
                                f"Amount: {move.amount_total:.2f}",
                                f"Record: account.move {move.id}",
                            ],
                        ),
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                )
        env["ir.attachment"].create(attachments)
        moves.action_post()
        created += moves.ids
    return created


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--addons-path")
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--target", choices=["dms", "documents"], help="also configure this target"
    )
    parser.add_argument(
        "--demo-home",
        action="store_true",
        help="open the progress view at admin's login "
        "and ask the scheduler to run the transfer",
    )
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    config_args = [
        "-d",
        args.database,
        "--db_host=",
        "--log-level=warn",
        "--http-interface=127.0.0.1",
    ]
    if args.addons_path:
        config_args.append(f"--addons-path={args.addons_path}")
    if args.data_dir:
        config_args.append(f"--data-dir={args.data_dir}")
    odoo.tools.config.parse_config(config_args)
    with Registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.target == "dms":
            ensure_dms_root(env, env.company)
        elif args.target == "documents":
            ensure_documents_folder(env, env.company)
        if args.target:
            env["ir.config_parameter"].set_param(
                "tal_invoice_transfer.target", args.target
            )
        ids = make_invoices(env, args.count, seed=args.seed)
        if args.demo_home:
            env.ref("base.user_admin").action_id = env.ref(
                "tal_invoice_transfer.account_move_action_transfer"
            ).id
            env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")._trigger()
    print(f"created {len(ids)} posted invoices")


if __name__ == "__main__":
    main()
