"""Tasks the e2e harness runs inside Odoo, a process of its own each
(harness_tools.odoo.run_task starts them):

    $ODOO_PYTHON -m e2e.odoo_task --db DB --data-dir DIR --addons-path P TASK [--args JSON]

Prints one line `RESULT <json>` on success. Imports Odoo; the harness itself
does not (it checks with SQL), so a crash here never takes the harness down.
"""

import logging
import os
import random
import time
import traceback

from harness_tools import addon
from harness_tools.in_odoo import (
    invoice_factory,
    ready_then_wait,
    superuser_env,
    task_main,
    user_groups_field,
)

from .files import invoice_xml
from .settings import ADMIN, BILLING, MANAGER

_logger = logging.getLogger("tal_e2e.task")


# ---------------------------------------------------------------- setup ----


def task_setup_base(registry, args):
    """Companies, users and the backlog of posted invoices (addon installed,
    no target app yet)."""
    factory = invoice_factory()
    out = {}
    with registry.cursor() as cr:
        env = superuser_env(cr)
        admin = env.ref("base.user_admin")
        admin.password = ADMIN[1]
        c1 = env.ref("base.main_company")
        factory.ensure_chart(env, c1)
        companies = [c1]
        for index in (2, 3):
            company = env["res.company"].create({"name": f"E2E Company {index}"})
            companies.append(company)
        admin.company_ids = [(4, c.id) for c in companies]
        cr.commit()  # pylint: disable=invalid-commit - harness setup, saved for the Odoo processes
        for company in companies[1:]:
            factory.ensure_chart(env, company)
            cr.commit()  # pylint: disable=invalid-commit - test tooling: saved for the other processes
        # Users: an accounting manager (may transfer) and a billing user (may not).
        users = {}
        for (login, password), group in (
            (MANAGER, "account.group_account_manager"),
            (BILLING, "account.group_account_invoice"),
        ):
            user = env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "password": password,
                    "company_id": c1.id,
                    "company_ids": [(6, 0, [c.id for c in companies])],
                    user_groups_field(env): [
                        (6, 0, [env.ref("base.group_user").id, env.ref(group).id])
                    ],
                }
            )
            users[login] = user.id
        cr.commit()  # pylint: disable=invalid-commit - test tooling: saved for the other processes
        t0 = time.time()
        ids = {}
        counts = (args["count"], args["count_c2"], args["count_c3"])
        for number, (company, count) in enumerate(
            zip(companies, counts, strict=True), 1
        ):
            ids[f"c{number}"] = factory.make_invoices(
                env, count, seed=args["seed"] + number, company=company
            )
            cr.commit()  # pylint: disable=invalid-commit - test tooling: saved for the other processes
        # Nothing else runs in the servers the harness starts: the other
        # scheduled actions wait (the transfer job is made ready on demand).
        cron = env.ref(addon.CRON_XMLID)
        cr.execute(
            "UPDATE ir_cron SET nextcall = now() + interval '30 days' WHERE id != %s",
            [cron.id],
        )
        cr.execute(
            "UPDATE ir_cron SET nextcall = now() + interval '30 days' WHERE id = %s",
            [cron.id],
        )
        out.update(
            companies=[c.id for c in companies],
            users=users,
            moves=ids,
            cron_id=cron.id,
            seconds_invoices=round(time.time() - t0, 1),
        )
    return out


def task_setup_targets(registry, args):
    """With dms and the Documents stand-in installed: a DMS root and a
    Documents folder per company, plus a spare of each for company 1."""
    factory = invoice_factory()
    out = {"dms": {}, "documents": {}, "dms_spare": {}}
    with registry.cursor() as cr:
        env = superuser_env(cr)
        # admin manages DMS (the harness deletes a directory as admin)
        env.ref("base.user_admin")[user_groups_field(env)] = [
            (4, env.ref("dms.group_dms_manager").id)
        ]
        for company_id in args["companies"]:
            company = env["res.company"].browse(company_id)
            out["dms"][str(company_id)] = factory.ensure_dms_root(
                env, company, f"Invoices {company_id}"
            ).id
            out["documents"][str(company_id)] = factory.ensure_documents_folder(
                env, company, f"Invoices {company_id}"
            ).id
            out["dms_spare"][str(company_id)] = factory.ensure_dms_root(
                env, company, f"Invoices {company_id} spare"
            ).id
            company.tal_transfer_folder_ref = False
    return out


def task_add_attachments(registry, args):
    """Add attachments: [{"move_id", "name", "size" | "empty": true}]."""
    created = []
    with registry.cursor() as cr:
        env = superuser_env(cr)
        for spec in args["attachments"]:
            if spec.get("empty"):
                raw = b""
            else:
                raw = os.urandom(spec.get("size", 1024))
            attachment = env["ir.attachment"].create(
                {
                    "name": spec["name"],
                    "raw": raw,
                    "mimetype": "application/pdf",
                    "res_model": "account.move",
                    "res_id": spec["move_id"],
                }
            )
            created.append(attachment.id)
    return {"attachments": created}


def task_invoices_without_files(registry, args):
    """Posted invoices of one company WITHOUT any file (customer invoices,
    refunds, receipts and vendor bills in turn, `move_types`): the posted
    customer ones want their official PDF made. Then the Parallel workers
    setting, saved as the settings do (`workers`). Returns the invoices."""
    factory = invoice_factory()
    with registry.cursor() as cr:
        env = superuser_env(cr)
        company = env["res.company"].browse(args["company_id"])
        ids = factory.make_invoices(
            env,
            args["count"],
            seed=args["seed"],
            files=(0,),
            company=company,
            move_types=args["move_types"],
        )
        cr.commit()  # pylint: disable=invalid-commit - test tooling: saved for the other processes
        if args.get("workers"):
            addon.set_parallel_workers(env, args["workers"])
    return {"moves": ids}


# ----------------------------------------------------------- transfer -----


def _wait_go(args):
    """Tell the harness the registry is loaded (`ready_file`), then wait for
    its `go_file`: several processes start acting at the same moment."""
    ready_then_wait(args.get("ready_file"), args.get("go_file"), timeout=120)


def task_cron_loop(registry, args):
    """A worker: call the scheduled action's method until nothing is pending
    that it may take.

    Each call gets a fresh cursor, as the scheduler gives it. An exception
    escaping a call is counted (and logged), then the worker goes on.
    """
    _wait_go(args)
    deadline = time.time() + args.get("timeout", 300)
    calls, errors, stats_total = 0, [], {}
    # `limit`: calls of at most so many invoices, as the scheduler's repeated
    # calls within one job (more calls: more overlapping starts)
    limits = args.get("limits")
    rng = random.Random(args.get("seed", 0))
    while time.time() < deadline:
        calls += 1
        try:
            with registry.cursor() as cr:
                env = superuser_env(cr)
                limit = rng.randint(*limits) if limits else None
                stats = addon.cron_transfer(env, limit=limit)
                for key, value in stats.items():
                    stats_total[key] = stats_total.get(key, 0) + value
                # What the scheduled action can take: a company waiting for
                # its folder keeps its invoices pending, untouched.
                pending = addon.pending_for_scheduler(env)
        except Exception as error:  # noqa: BLE001
            errors.append(
                f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            )
            _logger.error(
                "cron_loop call %s failed:\n%s", calls, traceback.format_exc()
            )
            time.sleep(0.2)
            continue
        if not pending:
            break
        if not sum(stats.values()) or stats.get("skipped", 0) == sum(stats.values()):
            time.sleep(0.2)  # all taken by others: let them finish
    return {"calls": calls, "errors": errors, "stats": stats_total}


def task_mutate(registry, args):
    """Changes made by 'a user' (superuser) while a run goes on, each in its
    own transaction: [op, model, id] with op in archive, unlink, draft_unlink.
    Loads the registry first, then waits for `go_file` to exist."""
    _wait_go(args)
    done = []
    for op, model, res_id in args["ops"]:
        with registry.cursor() as cr:
            env = superuser_env(cr)
            record = env[model].with_context(active_test=False).browse(res_id)
            if op == "archive":
                record.write({"active": False})
            elif op == "unlink":
                record.unlink()
            elif op == "draft_unlink":
                record.button_draft()
                record.unlink()
            else:
                raise ValueError(op)
        done.append([op, model, res_id, time.time()])
    return {"done": done}


def task_new_invoices(registry, args):
    """New posted invoices of company 1 while a run goes on, `batches` times
    `count`, each batch in its own transaction: a PDF or more each, then an
    e-invoice XML (documents_account files it when it is created). Returns
    the invoices and all their files."""
    _wait_go(args)
    factory = invoice_factory()
    moves, attachments = [], []
    for batch in range(args["batches"]):
        with registry.cursor() as cr:
            env = superuser_env(cr)
            company = env["res.company"].browse(args["company_id"])
            ids = factory.make_invoices(
                env, args["count"], seed=args["seed"] + batch, company=company
            )
            env["ir.attachment"].create(
                [
                    {
                        "name": f"e-invoice-{move_id}.xml",
                        "raw": invoice_xml(move_id, move_id),
                        "mimetype": "application/xml",
                        "res_model": "account.move",
                        "res_id": move_id,
                    }
                    for move_id in ids
                ]
            )
            moves += ids
        time.sleep(args.get("pause", 0))
    with registry.cursor() as cr:
        cr.execute(
            "SELECT id FROM ir_attachment WHERE res_model = 'account.move' "
            "AND res_id = ANY(%s)",
            [moves],
        )
        attachments = [row[0] for row in cr.fetchall()]
    return {"moves": moves, "attachments": attachments}


def task_set_parallel_workers(registry, args):
    with registry.cursor() as cr:
        addon.set_parallel_workers(superuser_env(cr), args["count"])
    return {"workers": args["count"]}


# Serialization failures, deadlocks: Odoo's RPC layer retries the request.
RETRIED = ("SerializationFailure", "DeadlockDetected", "LockNotAvailable")


def _as_user_retried(registry, login, action, attempts=5):
    """action(env) as the user `login`, in its own transaction, retried on a
    busy database as Odoo retries an RPC call. (result, retries)."""
    for attempt in range(attempts):
        try:
            with registry.cursor() as cr:
                env = superuser_env(cr)
                user = env["res.users"].search([("login", "=", login)])
                context = dict(env.context, allowed_company_ids=user.company_ids.ids)
                return action(env(user=user.id, su=False, context=context)), attempt
        except Exception as error:
            if type(error).__name__ not in RETRIED or attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    return None, attempts


def task_delete_documents(registry, args):
    """A user with document rights deletes transferred documents by hand,
    each in its own transaction: `count` times, one document (or file) of
    an invoice that is done, chosen at random. The kinds cycle through
    `ops`: unlink (the document), archive (Documents: to the trash),
    unlink_directory (DMS: the invoice's directory, its files with it)."""
    _wait_go(args)
    rng = random.Random(args.get("seed", 0))
    table = "dms_file" if args["target"] == "dms" else "documents_document"
    model = "dms.file" if args["target"] == "dms" else "documents.document"
    done, errors, retries = [], [], 0
    for index in range(args["count"]):
        op = args["ops"][index % len(args["ops"])]
        with registry.cursor() as cr:
            cr.execute(
                f"SELECT d.id, d.attachment_id, a.res_id FROM {table} d "  # noqa: S608
                "JOIN ir_attachment a ON a.id = d.attachment_id "
                "JOIN account_move m ON m.id = a.res_id AND a.res_model = 'account.move' "
                "WHERE m.tal_transfer_state = 'done' AND d.active ORDER BY d.id"
            )
            rows = cr.fetchall()
            # invoices never transferred yet: the first run goes on
            cr.execute(
                "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending' "
                "AND tal_transfer_run_id IS NULL"
            )
            untouched = cr.fetchone()[0]
        if not rows:
            time.sleep(0.2)
            continue
        doc_id, att_id, move_id = rng.choice(rows)

        def act(env, op=op, doc_id=doc_id):
            document = env[model].browse(doc_id)
            if op == "unlink":
                document.unlink()
            elif op == "archive":
                document.action_archive()
            elif op == "unlink_directory":
                document.directory_id.unlink()
            else:
                raise ValueError(op)

        try:
            _result, tries = _as_user_retried(registry, args["login"], act)
            retries += tries
            done.append([op, doc_id, att_id, move_id, untouched])
        except Exception as error:  # noqa: BLE001 - reported to the harness
            errors.append(f"{op} {model} {doc_id}: {type(error).__name__}: {error}")
            _logger.error("delete_documents: %s", traceback.format_exc())
        time.sleep(args.get("pause", 0))
    return {"done": done, "errors": errors, "retries": retries}


def task_transfer_now(registry, args):
    """*Transfer Now* on `ids` as the user `login` (the button's method)."""

    def act(env):
        return env["account.move"].browse(args["ids"]).action_tal_transfer_now()

    try:
        result, _retries = _as_user_retried(registry, args["login"], act)
    except Exception as error:  # noqa: BLE001 - reported to the harness
        return {"error": f"{type(error).__name__}: {error}"}
    params = (result or {}).get("params", {}) if isinstance(result, dict) else {}
    return {"message": str(params.get("message", ""))}


def task_run_history(registry, args):
    """The run history's and the dashboard's figures, as the user `login`
    (an accounting manager of every company) reads them."""
    result, _retries = _as_user_retried(
        registry, args["login"], addon.run_history_figures
    )
    return result


def task_empty_trash(registry, args):
    """The Documents trash's scheduled cleanup (the autovacuum, as superuser)."""
    with registry.cursor() as cr:
        env = superuser_env(cr)
        before = (
            env["documents.document"]
            .with_context(active_test=False)
            .search_count([("active", "=", False)])
        )
        env["documents.document"]._gc_clear_bin()
        after = (
            env["documents.document"]
            .with_context(active_test=False)
            .search_count([("active", "=", False)])
        )
    return {"deleted": before - after}


def task_uninstall(registry, args):
    with registry.cursor() as cr:
        env = superuser_env(cr)
        module = env["ir.module.module"].search(
            [("name", "=", args.get("module", addon.MODULE))]
        )
        module.button_immediate_uninstall()
    return {"uninstalled": True}


def task_takeover_setup(registry, args):
    """Before the old script's run (scenario takeover): its user (internal,
    billing, of company `company_id` only: it sees that company's invoices),
    and the official PDF of the invoices `sent` (Send & Print stored it: a
    field attachment named as Odoo names it), which the script never reached.
    """
    factory = invoice_factory()
    with registry.cursor() as cr:
        env = superuser_env(cr)
        login, password = args["user"]
        user = env["res.users"].create(
            {
                "name": "Old script",
                "login": login,
                "password": password,
                "company_id": args["company_id"],
                "company_ids": [(6, 0, [args["company_id"]])],
                user_groups_field(env): [
                    (
                        6,
                        0,
                        [
                            env.ref("base.group_user").id,
                            env.ref("account.group_account_invoice").id,
                        ],
                    )
                ],
            }
        )
        moves = env["account.move"].browse(args["sent"])
        env["ir.attachment"].create(
            [
                {
                    "name": move._get_invoice_report_filename(),
                    "raw": factory.invoice_pdf(f"Sent {move.name}", [move.name]),
                    "mimetype": "application/pdf",
                    "res_model": "account.move",
                    "res_id": move.id,
                    "res_field": "invoice_pdf_report_file",
                }
                for move in moves
            ]
        )
    return {"user_id": user.id}


TASKS = {
    "setup_base": task_setup_base,
    "setup_targets": task_setup_targets,
    "add_attachments": task_add_attachments,
    "invoices_without_files": task_invoices_without_files,
    "cron_loop": task_cron_loop,
    "uninstall": task_uninstall,
    "set_parallel_workers": task_set_parallel_workers,
    "new_invoices": task_new_invoices,
    "delete_documents": task_delete_documents,
    "empty_trash": task_empty_trash,
    "transfer_now": task_transfer_now,
    "run_history": task_run_history,
    "mutate": task_mutate,
    "takeover_setup": task_takeover_setup,
}


if __name__ == "__main__":
    task_main(TASKS)
