# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What differs between the Odoo series this addon runs on (18.0, 19.0).

The only place that asks which series runs: every other module uses the
names below. Each shim says which series needs it; a new series is one more
branch here, not a copy of the addon.
"""

import collections
import contextlib
import contextvars
import functools
import subprocess
import sys
import time

from odoo import models, release, sql_db
from odoo.tools import SQL

from odoo.addons.base.models import ir_actions_report as base_report

SERIES = tuple(release.version_info[:2])
# 19.0 renamed or added what the branches below tell apart.
V19 = SERIES >= (19, 0)

if V19:
    from odoo.fields import Domain

    from odoo.addons.base.models.ir_cron import MIN_TIME_PER_JOB
else:
    from odoo.osv import expression

    Domain = None
    # 18.0: the scheduler has no time budget (19.0's MIN_TIME_PER_JOB); a
    # call gets the same 10 seconds from its start (see cron_context).
    MIN_TIME_PER_JOB = 10


# ------------------------------------------------------------ table objects --
if V19:
    Index = models.Index
    UniqueIndex = models.UniqueIndex
else:

    class Index:
        """18.0: no declared indexes (19.0's models.Index): the model's
        init() creates it (create_indexes), named as 19.0 names it."""

        unique = False

        def __init__(self, definition):
            self.definition = definition

    class UniqueIndex(Index):
        """18.0: see Index; the message is 19.0's only (18.0 shows its own)."""

        unique = True

        def __init__(self, definition, message=""):
            super().__init__(definition)
            self.message = message


def create_indexes(model):
    """18.0: create the indexes the model declares (19.0 creates them from
    the class attributes itself). Call from the model's init()."""
    if V19:
        return
    for cls in reversed(type(model).mro()):
        for name, value in vars(cls).items():
            if not isinstance(value, Index):
                continue
            index_name = f"{model._table}_{name.lstrip('_')}"
            model.env.cr.execute(
                SQL(
                    "CREATE %s INDEX IF NOT EXISTS %s ON %s %s",
                    SQL("UNIQUE") if value.unique else SQL(),
                    SQL.identifier(index_name),
                    SQL.identifier(model._table),
                    SQL(value.definition),
                )
            )


# ----------------------------------------------------------------- domains --
def domain_and(*domains):
    """The conjunction of domains (lists or, on 19.0, Domain objects)."""
    if V19:
        return Domain.AND(domains)
    # 18.0: no odoo.fields.Domain.
    return expression.AND([list(domain) for domain in domains])


def domain_without(domain, field_name):
    """`domain` with every condition on `field_name` made true."""
    if V19:
        return Domain(domain or []).map_conditions(
            lambda condition: Domain.TRUE
            if condition.field_expr == field_name
            else condition
        )
    # 18.0: no Domain.map_conditions; the leaves of the normalized list.
    return [
        expression.TRUE_LEAF
        if expression.is_leaf(item)
        and not isinstance(item, str)
        and str(item[0]).split(".")[0] == field_name
        else item
        for item in expression.normalize_domain(list(domain or []))
    ]


# ------------------------------------------------------------------ groups --
# 19.0 renamed the groups' many2many fields: on res.users (what a user is
# given: group_ids; with the implied ones: all_group_ids) and on actions
# (group_ids). 18.0: groups_id for all of them (a user's holds the implied
# ones too).
USER_GROUPS_FIELD = "group_ids" if V19 else "groups_id"
USER_ALL_GROUPS_FIELD = "all_group_ids" if V19 else "groups_id"
ACTION_GROUPS_FIELD = "group_ids" if V19 else "groups_id"
# A group's users, with those who have it through another group: 19.0's
# all_user_ids; 18.0's users (a user's groups hold the implied ones).
GROUP_ALL_USERS_FIELD = "all_user_ids" if V19 else "users"


# ---------------------------------------------------------------- invoices --
# The stored computed fields of invoice lines that rendering an invoice
# computes and stores (19.0: the line's section, parent_id; 18.0 has none).
LINE_FIELDS_STORED_BY_RENDER = ("parent_id",) if V19 else ()


def audit_trail_keeps_files(company):
    """Whether Odoo refuses to delete the files of the company's posted
    invoices: 19.0's restrictive audit trail does; 18.0's audit trail
    (check_account_audit_trail) keeps the entries' logs, not their files."""
    return bool(company.restrictive_audit_trail) if V19 else False


def invoice_report_available(move, report):
    """Whether Send offers `report` as the invoice's PDF."""
    if V19:
        return move._is_action_report_available(report)
    # 18.0: no per-report domain (19.0's ir.actions.report.domain): every
    # invoice report of account.move.
    return bool(report.is_invoice_report and report.model == "account.move")


# ----------------------------------------------------------------- records --
def try_lock_for_update(records, allow_referencing=False):
    """The records of `records` locked now, the others skipped."""
    if V19:
        return records.try_lock_for_update(allow_referencing=allow_referencing)
    # 18.0: no BaseModel.try_lock_for_update; the same SQL.
    ids = [id_ for id_ in records._ids if isinstance(id_, int)]
    if not ids:
        return records
    records.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) %s",
            SQL.identifier(records._table),
            ids,
            SQL("FOR NO KEY UPDATE SKIP LOCKED")
            if allow_referencing
            else SQL("FOR UPDATE SKIP LOCKED"),
        )
    )
    locked = {row[0] for row in records.env.cr.fetchall()}
    return records.browse(id_ for id_ in records._ids if id_ in locked)


def insert_cache(field, records, values):
    """Put values read by SQL in the cache, as a fetch does, never over a
    pending write of this transaction."""
    if V19:
        field._insert_cache(records, values)
    else:
        # 18.0: the cache is the environment's (19.0: the field's).
        records.env.cache.insert_missing(records, field, values)


# --------------------------------------------------------------- scheduler --
def cron_context(env):
    """What a scheduled call adds to its context: 19.0's time budget, on
    18.0; None when nothing is to be added.

    19.0 gives each job MIN_TIME_PER_JOB seconds (cron_end_time) and calls
    it again while it has time and work remains. 18.0 calls a job up to 10
    times (MAX_BATCH_PER_CRON_JOB) with no time rule, and Run Manually calls
    it once in the web request: the budget counts from the job's start
    (cron_job), or from the call's in a manual run (both calls have a
    progress record).
    """
    if (
        V19
        or "cron_end_time" in env.context
        or not env.context.get("ir_cron_progress_id")
    ):
        return None
    started = _job_started.get()
    return {
        "cron_end_time": (time.monotonic() if started is None else started)
        + MIN_TIME_PER_JOB
    }


# 18.0: when the scheduler's job (its up to 10 calls) started.
_job_started = contextvars.ContextVar("tal_cron_job_started", default=None)


@contextlib.contextmanager
def cron_job():
    """Around a scheduler's job (ir.cron._run_job): on 18.0, its start, from
    which its calls' budget counts, as 19.0 counts it (cron_context)."""
    if V19:
        yield
        return
    token = _job_started.set(time.monotonic())
    try:
        yield
    finally:
        _job_started.reset(token)


def commit_progress(env, processed=0, *, remaining=None, deactivate=False):
    """18.0's stand-in for 19.0's ir.cron._commit_progress (called by ours,
    models/ir_cron.py): add `processed` to the job's progress (and take it
    from the remaining count unless `remaining` is given), commit, and
    return the seconds the job has left."""
    # 18.0's ir.cron._notify_progress(done=, remaining=) only sets the
    # counts (no commit, no time): the rest as 19.0 does it.
    progress = (
        env["ir.cron.progress"].sudo().browse(env.context.get("ir_cron_progress_id"))
    )
    if not progress:
        env.cr.commit()  # pylint: disable=invalid-commit
        return float("inf")
    if remaining is None:
        remaining = max(progress.remaining - processed, 0)
    env["ir.cron"]._notify_progress(
        done=progress.done + processed,
        remaining=remaining,
        deactivate=deactivate or progress.deactivate,
    )
    # As 19.0's _commit_progress: the progress is committed with the work
    # done so far (a scheduled job's own transaction).
    env.cr.commit()  # pylint: disable=invalid-commit
    end = env.context.get("cron_end_time")
    return float("inf") if end is None else max(end - time.monotonic(), 0)


# ------------------------------------------------------------- wkhtmltopdf --
WkhtmltopdfInfo = collections.namedtuple("WkhtmltopdfInfo", "state bin is_patched_qt")


def wkhtmltopdf_info():
    """What Odoo found of wkhtmltopdf: its state ("ok", ...), its path and
    whether it renders several documents in one run (a patched Qt)."""
    if V19:
        found = base_report._wkhtml()
        return WkhtmltopdfInfo(found.state, found.bin, bool(found.is_patched_qt))
    # 18.0: module globals and _get_wkhtmltopdf_bin(); the Qt asked here.
    path = base_report._get_wkhtmltopdf_bin()
    return WkhtmltopdfInfo(
        base_report.wkhtmltopdf_state, path, _patched_qt(path) if path else False
    )


@functools.cache
def _patched_qt(path):
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return False
    return "(with patched qt)" in out


def use_wkhtmltopdf(path, is_patched_qt=True):
    """A context in which Odoo runs the program at `path` as wkhtmltopdf
    (tests' stand-ins)."""
    from unittest import mock

    if V19:
        found = base_report._wkhtml()._replace(bin=path, is_patched_qt=is_patched_qt)
        return mock.patch.object(base_report, "_wkhtml", return_value=found)
    # 18.0: the path from _get_wkhtmltopdf_bin(); the Qt as told.
    stack = contextlib.ExitStack()
    stack.enter_context(
        mock.patch.object(base_report, "_get_wkhtmltopdf_bin", return_value=path)
    )
    stack.enter_context(
        mock.patch.object(
            sys.modules[__name__],
            "_patched_qt",
            return_value=is_patched_qt,
        )
    )
    return stack


# --------------------------------------------------------------------- RPC --
def call_kw(model, name, args, kwargs):
    """A method called as over RPC: private methods refused."""
    if V19:
        from odoo.service.model import call_kw as rpc_call

        return rpc_call(model, name, args, kwargs)
    # 18.0: the web client's call_kw checks the name first, then odoo.api's.
    from odoo.api import call_kw as rpc_call
    from odoo.service.model import get_public_method

    get_public_method(model, name)
    return rpc_call(model, name, args, kwargs)


# --------------------------------------------------------------- Documents --
def documents_company_owner(env):
    """The owner of the company's documents and folders (not whoever ran
    the transfer): 19.0 none; 18.0 requires one, OdooBot, as Documents
    gives the company's own folders."""
    if V19:
        return False
    return env.ref("base.user_root").id


def process_cron_job(registry, cron_cr, job):
    """Run `job` as the scheduler does (tests)."""
    if V19:
        return registry["ir.cron"]._process_job(cron_cr, job)
    # 18.0: _process_job(db, cron_cr, job), `db` unused by its body.
    return registry["ir.cron"]._process_job(
        sql_db.db_connect(registry.db_name), cron_cr, job
    )


def config_options():
    """The dict of the server's options a test may patch."""
    from odoo.tools import config

    # 19.0: the options given at run time; 18.0: its only dict.
    return config._runtime_options if V19 else config.options
