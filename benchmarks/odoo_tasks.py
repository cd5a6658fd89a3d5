"""Tasks the benchmark runs inside Odoo, a process of its own each
(harness_tools.odoo.run_task starts them; in_odoo.task_main is their main)."""

import time
from datetime import date

from harness_tools import addon
from harness_tools.in_odoo import invoice_factory, superuser_env, task_main

from .settings import REFERENCE_DONE_FIELD, TEMPLATE_INVOICES


def task_seed(registry, args):
    """The template's data: chart, a DMS root, a Documents folder, and the
    template invoices (ORM, real PDFs), kept out of the measured backlog."""
    factory = invoice_factory()
    with registry.cursor() as cr:
        env = superuser_env(cr)
        company = env.company
        factory.ensure_chart(env, company)
        dms_root = factory.ensure_dms_root(env, company)
        folder = factory.ensure_documents_folder(env, company)
        icp = env["ir.config_parameter"]
        icp.set_param("tal_bench.folder_dms", f"dms.directory,{dms_root.id}")
        icp.set_param("tal_bench.folder_documents", f"documents.document,{folder.id}")
        icp.set_param("tal_invoice_transfer.target", "dms")
        # What the references (odoo shell loop, XML-RPC client) mark done with
        # an ORM write, as a script without the addon would its own marker.
        env["ir.model.fields"].create(
            {
                "name": REFERENCE_DONE_FIELD,
                "model_id": env["ir.model"]._get_id("account.move"),
                "ttype": "boolean",
                "field_description": "Transferred by a benchmark reference",
            }
        )
        t0 = time.perf_counter()
        ids = factory.make_invoices(env, TEMPLATE_INVOICES, start=date(2026, 3, 1))
        seconds = time.perf_counter() - t0
        # Templates are not part of the measured backlog.
        cr.execute(
            "UPDATE account_move SET tal_transfer_state = 'excluded' WHERE id = ANY(%s)",
            [ids],
        )
    return {"invoices": len(ids), "seconds": seconds}


def task_grant(registry, args):
    """The old script ran as a DMS manager with create rights on the root."""
    with registry.cursor() as cr:
        env = superuser_env(cr)
        admin = env.ref("base.user_admin")
        admin.group_ids = [(4, env.ref("dms.group_dms_manager").id)]
        group = env["dms.access.group"].create(
            {
                "name": "Invoice transfer",
                "perm_create": True,
                "perm_write": True,
                "perm_unlink": True,
                "explicit_user_ids": [(6, 0, admin.ids)],
            }
        )
        model, _sep, res_id = env.company.tal_transfer_folder_ref.partition(",")
        if model == "dms.directory":
            env["dms.directory"].browse(int(res_id)).group_ids = [(4, group.id)]
    return {}


def task_workers(registry, args):
    """The Parallel workers setting set to args["count"] on a clone, with its
    scheduled actions; their ids by worker number."""
    with registry.cursor() as cr:
        crons = addon.set_parallel_workers(superuser_env(cr), args["count"])
    return {"crons": crons}


TASKS = {"seed": task_seed, "grant": task_grant, "workers": task_workers}


if __name__ == "__main__":
    task_main(TASKS)
