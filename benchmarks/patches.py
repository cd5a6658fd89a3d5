"""Prototypes of the proposed changes to tal_invoice_transfer, applied in the
benchmark process only (variant "patched"): each is the exact code proposed for
the addon (see README.md "Proposed changes"), installed on the registry's model
classes. The DMS-side changes are the real bridge addon tal_invoice_transfer_dms,
installed into the measured database.

Names (for --patches): bridge (installs the addon, done by bench.py),
dircache, folder, files, progress.
"""

import time
import weakref

from odoo import api

ALL = ("bridge", "dircache", "folder", "files", "progress")

# cursor -> {key: record id}; a cron job keeps its cursor across its
# per-invoice commits, so the cache lives as long as one scheduled run.
_CACHES = weakref.WeakKeyDictionary()


def _run_cache(env, name):
    """A per-cursor cache emptied when the transaction rolls back.

    Only rows that are committed, or that were found (not created) in this
    transaction, may be stored (see callers): a savepoint rollback can then
    never leave an id of a row that no longer exists.
    """
    cr = env.cr
    caches = _CACHES.setdefault(cr, {})
    cache = caches.setdefault(name, {})
    cr.postrollback.add(cache.clear)
    return cache


# ----------------------------------------------------------------------
# dircache: journal/year/month directories cached per run; the invoice
# directory's name checked with an indexed query, not every sibling.
# ----------------------------------------------------------------------


def _tal_child_directory(self, parent, name, record):
    cache = _run_cache(self.env, "dms_dirs")
    key = (parent.id, name)
    directories = self._tal_directories()
    if key in cache:
        return directories.browse(cache[key])
    child = directories.search(
        [("parent_id", "=", parent.id), ("name", "=", name)], limit=1
    )
    if child:
        cache[key] = child.id
        return child
    child = directories.create(
        {
            "name": name,
            "parent_id": parent.id,
            "storage_id": parent.storage_id.id,
            "model_id": self.env["ir.model"]._get_id(record._name),
            "res_model": record._name,
            "res_id": record.id,
        }
    )
    # Created in this transaction: cached once committed only.
    self.env.cr.postcommit.add(lambda: cache.__setitem__(key, child.id))
    return child


def _tal_invoice_directory(self, move, root):
    directories = self._tal_directories()
    existing = directories.search(
        [
            ("res_model", "=", "account.move"),
            ("res_id", "=", move.id),
            ("storage_id", "=", root.storage_id.id),
        ],
        limit=1,
    )
    if existing:
        return existing
    journal = move.journal_id
    day = move.invoice_date or move.date
    parent = root
    for name in (journal.code or journal.name, f"{day:%Y}", f"{day:%m}"):
        parent = self._tal_child_directory(parent, self._tal_safe_name(name), journal)
    # Only the siblings that could clash (same name, or it with a suffix),
    # through the (parent_id, name) index, not every invoice of the month.
    base = self._tal_safe_name(move.name)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    pattern = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    taken = set(
        directories.search_fetch(
            [("parent_id", "=", parent.id), ("name", "=like", pattern)], ["name"]
        ).mapped("name")
    )
    return directories.create(
        {
            "name": self._tal_safe_name(move.name, taken),
            "parent_id": parent.id,
            "storage_id": root.storage_id.id,
            "model_id": self.env["ir.model"]._get_id("account.move"),
            "res_model": "account.move",
            "res_id": move.id,
        }
    )


# ----------------------------------------------------------------------
# folder: the company's folder checked once per run, not per invoice.
# ----------------------------------------------------------------------


def make_tal_folder(orig):
    def _tal_folder(self, company):
        cache = _run_cache(self.env, "folders")
        key = (self._name, company.id, company.tal_transfer_folder_ref)
        if key in cache:
            return (
                self.env[self._tal_folder_model]
                .sudo()
                .with_context(active_test=False)
                .browse(cache[key])
            )
        folder = orig(self, company)  # raises a UserError saying what to fix
        cache[key] = folder.id
        return folder

    return _tal_folder


# ----------------------------------------------------------------------
# files: one query for the invoice's files (ids and the fields the checks read).
# ----------------------------------------------------------------------


def _tal_transfer_files(self):
    self.ensure_one()
    files = (
        self.env["ir.attachment"]
        .sudo()
        .search_fetch(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", self.id),
                ("type", "=", "binary"),
                "|",
                ("res_field", "=", False),
                ("res_field", "in", self._tal_transfer_file_fields()),
            ],
            ["name", "store_fname", "file_size", "res_field"],
            order="id",
        )
    )
    if self.company_id.tal_transfer_attachment_mode == "main" and files:
        main = self.sudo().message_main_attachment_id
        if main not in files:
            main = self.sudo().invoice_pdf_report_id
        files = main if main in files else files[0]
    return files


# ----------------------------------------------------------------------
# progress: commit per invoice, progress record every RUN_REPORT_EVERY.
# ----------------------------------------------------------------------


def make_commit_progress_every(module):
    """Returns a replacement of _tal_transfer_run: same loop, but a plain
    commit per invoice and _commit_progress every RUN_REPORT_EVERY invoices
    (or when the scheduler's time is nearly spent)."""
    from collections import Counter

    def _tal_transfer_run(
        self,
        move_ids=None,
        limit=None,
        commit=False,
        states=(module.STATE_PENDING,),
        run=None,
    ):
        stats, unreported, errors = Counter(), Counter(), []
        uncounted = 0
        end = self.env.context.get("cron_end_time")

        def report():
            if run and unreported:
                run._tal_add(unreported, errors)
            unreported.clear()
            errors.clear()

        after_id = 0
        while limit is None or stats.total() < limit:
            candidates = self._tal_transfer_candidates(after_id, move_ids, states)
            if not candidates:
                break
            for move_id in candidates:
                after_id = move_id
                move = self._tal_transfer_lock(move_id, states)
                outcome = move._tal_transfer_process() if move else "skipped"
                stats[outcome] += 1
                unreported[outcome] += 1
                uncounted += 1
                if outcome == module.STATE_FAILED:
                    errors.append(f"{move.name}: {move.tal_transfer_error}")
                if unreported.total() >= module.RUN_REPORT_EVERY:
                    report()
                if commit:
                    if uncounted >= module.RUN_REPORT_EVERY or (
                        end is not None and end - time.monotonic() < 2
                    ):
                        time_left = self.env["ir.cron"]._commit_progress(
                            processed=uncounted
                        )
                        uncounted = 0
                        if not time_left:
                            report()
                            return stats
                    else:
                        self.env.cr.commit()
                if limit is not None and stats.total() >= limit:
                    break
        report()
        if commit and uncounted:
            self.env["ir.cron"]._commit_progress(processed=uncounted)
        return stats

    return _tal_transfer_run


def apply(registry, names=None):
    names = set(names.split(",")) if isinstance(names, str) else set(names or ALL)
    from odoo.addons.tal_invoice_transfer.models import account_move as module

    dms = registry.get("tal.transfer.target.dms")
    if "dircache" in names and dms is not None:
        dms._tal_child_directory = api.model(_tal_child_directory)
        dms._tal_invoice_directory = api.model(_tal_invoice_directory)
    if "folder" in names:
        for model in ("tal.transfer.target.dms", "tal.transfer.target.documents"):
            cls = registry.get(model)
            if cls is not None:
                cls._tal_folder = api.model(make_tal_folder(cls._tal_folder))
    if "files" in names:
        registry["account.move"]._tal_transfer_files = _tal_transfer_files
    if "progress" in names:
        registry["account.move"]._tal_transfer_run = api.model(
            make_commit_progress_every(module)
        )
    return names
