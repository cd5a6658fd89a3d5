# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
import re
import weakref

from odoo import api, models
from odoo.tools.translate import LazyTranslate

from ..exceptions import TransferError

_logger = logging.getLogger(__name__)

# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

# Creating documents must not post chatter messages nor subscribe anybody.
MAIL_QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}

TARGET_PARAM = "tal_invoice_transfer.target"
# Filesystems and DMS refuse longer names (255 bytes); keep room for suffixes.
MAX_NAME_BYTES = 200

# cursor -> {cache name: {key: record id}}: ids of committed rows found again
# and again in one run (a scheduled job keeps one cursor across its commits).
_RUN_CACHES = weakref.WeakKeyDictionary()


class TalTransferTarget(models.AbstractModel):
    """Where invoice files go. One concrete model per target app.

    The target apps are optional: this addon never imports them and finds at
    run time which one is installed, so it installs on community with only
    `account`.
    """

    _name = "tal.transfer.target"
    _description = "Invoice Files Transfer Target"

    # Set by each concrete target.
    _tal_target_key = None
    _tal_document_model = None
    _tal_folder_model = None

    @api.model
    def _tal_target_name(self):
        """The target app's name, for people."""
        raise NotImplementedError

    @api.model
    def _tal_folder_label(self):
        """What the target's folder is called, for people."""
        raise NotImplementedError

    @api.model
    def _tal_target_models(self):
        """Concrete targets, in order of preference for 'auto'."""
        return [
            self.env["tal.transfer.target.documents"],
            self.env["tal.transfer.target.dms"],
        ]

    @api.model
    def _tal_is_available(self):
        return bool(self._tal_document_model) and self._tal_document_model in self.env

    @api.model
    def _tal_available_targets(self):
        return [
            target for target in self._tal_target_models() if target._tal_is_available()
        ]

    @api.model
    def _selection_folder_models(self):
        return [
            (target._tal_folder_model, target._tal_folder_label())
            for target in self._tal_available_targets()
        ]

    @api.model
    def _tal_get_target(self):
        """Return the target to use, or raise a UserError saying why none."""
        configured = (
            self.env["ir.config_parameter"].sudo().get_param(TARGET_PARAM) or "auto"
        )
        available = self._tal_available_targets()
        if configured != "auto":
            available = [t for t in available if t._tal_target_key == configured]
            if not available:
                raise TransferError(
                    _lt(
                        "The transfer target '%(target)s' chosen in the settings is "
                        "not installed: install it or choose another target.",
                        target=configured,
                    ),
                    kind="no_target",
                )
        if not available:
            raise TransferError(
                _lt(
                    "No document app is installed: install Documents or the OCA "
                    "'dms' app, then retry the failed invoices."
                ),
                kind="no_target",
            )
        return available[0]

    @api.model
    def _tal_target_of_folder(self, folder):
        """The available target whose folders are `folder`'s model, or this
        abstract target (which knows no plan)."""
        for target in self._tal_available_targets():
            if target._tal_folder_model == folder._name:
                return target
        return self

    @api.model
    def _tal_record_from_ref(self, ref):
        """The record a stored "model,id" text names (unchecked), or None.

        References are kept as text: the target app may be uninstalled, and a
        Reference field to a missing model breaks every read of its record.
        """
        model, _sep, res_id = (ref or "").partition(",")
        if model not in self.env or not res_id.isdigit():
            return None
        return (
            self.env[model].sudo().with_context(active_test=False).browse(int(res_id))
        )

    # ------------------------------------------------------------------
    # Helpers shared by the targets
    # ------------------------------------------------------------------

    @api.model
    def _tal_run_cache(self, name):
        """A dict of record ids kept for this run (this cursor).

        Holds only ids of rows already committed: an id is added after its
        transaction commits, so a rolled back invoice never leaves the id of a
        row that does not exist. Callers register only rows that outlive the
        invoice's savepoint (found by a search, or committed apart): a row made
        inside the savepoint goes with it when the invoice fails, even though
        the transaction then commits the failure. It is emptied on a rollback
        and when an invoice meets a transient error (a cached row may have been
        deleted meanwhile).
        """
        cr = self.env.cr
        cache = _RUN_CACHES.setdefault(cr, {}).setdefault(name, {})
        cr.postrollback.add(cache.clear)
        return cache

    @api.model
    def _tal_run_cache_clear(self):
        for cache in _RUN_CACHES.get(self.env.cr, {}).values():
            cache.clear()

    @api.model
    def _tal_check_files(self, attachments):
        """Refuse files that cannot be read: linking them would 'transfer' nothing."""
        for attachment in attachments:
            if attachment.store_fname:
                path = attachment._full_path(attachment.store_fname)
                if not os.path.isfile(path):
                    raise TransferError(
                        _lt(
                            "The file '%(name)s' (attachment %(id)s) is missing from "
                            "the filestore: restore it from a backup, then retry.",
                            name=attachment.name,
                            id=attachment.id,
                        ),
                        kind="file_missing",
                    )
            if not attachment.file_size:
                raise TransferError(
                    _lt(
                        "The file '%(name)s' (attachment %(id)s) is empty: replace "
                        "it with the real file, or delete it if it is not needed, "
                        "then retry.",
                        name=attachment.name,
                        id=attachment.id,
                    ),
                    kind="file_empty",
                )

    @api.model
    def _tal_safe_name(self, name, taken=()):
        """A file or folder name every target accepts, unique among `taken`."""
        name = re.sub(r"[/\\\x00-\x1f]+", "-", name or "").strip(" .") or "file"
        stem, ext = os.path.splitext(name)
        if len(ext.encode()) > 20:
            stem, ext = name, ""
        budget = MAX_NAME_BYTES - len(ext.encode())
        stem = stem.encode()[:budget].decode(errors="ignore")
        candidate, counter = stem + ext, 1
        while candidate in taken:
            counter += 1
            candidate = f"{stem} ({counter}){ext}"
        return candidate

    @api.model
    def _tal_tags(self, company, tag_model):
        names = [
            name.strip()
            for name in (company.tal_transfer_tag_names or "").split(",")
            if name.strip()
        ]
        if not names:
            return self.env[tag_model]
        tags = self.env[tag_model].sudo().search([("name", "in", names)])
        missing = set(names) - set(tags.mapped("name"))
        if missing:
            raise TransferError(
                _lt(
                    "The tags %(tags)s set for company %(company)s do not exist in "
                    "%(app)s: create them or fix the settings.",
                    tags=", ".join(sorted(missing)),
                    company=company.name,
                    app=self._tal_target_name(),
                ),
                kind="settings",
            )
        return tags

    @api.model
    def _tal_folder(self, company):
        """Return the company's folder, or raise a UserError saying what to fix."""
        folder = company._tal_transfer_folder_record()
        settings_hint = self.env._(
            "set one in Invoicing > Configuration > Settings > Invoice Files Transfer"
        )
        if folder is None or folder._name != self._tal_folder_model:
            raise TransferError(
                _lt(
                    "No %(kind)s is set for company %(company)s: %(hint)s.",
                    kind=self._tal_folder_label(),
                    company=company.name,
                    hint=settings_hint,
                ),
                kind="settings",
            )
        # Exists, and what the checks read, in one query: as committed now
        # (a fetch keeps cached values, and a batch checks it per invoice
        # while people may change it).
        folder.invalidate_recordset(self._tal_folder_fields())
        folder = folder.search_fetch(
            [("id", "=", folder.id)], self._tal_folder_fields()
        )
        if not folder:
            raise TransferError(
                _lt(
                    "The %(kind)s set for company %(company)s was deleted: %(hint)s.",
                    kind=self._tal_folder_label(),
                    company=company.name,
                    hint=settings_hint,
                ),
                kind="settings",
            )
        if "active" in folder._fields and not folder.active:
            raise TransferError(
                _lt(
                    "The %(kind)s '%(folder)s' of company %(company)s is archived: "
                    "restore it or choose another.",
                    kind=self._tal_folder_label(),
                    folder=folder.display_name,
                    company=company.name,
                ),
                kind="settings",
            )
        folder_company = folder.company_id if "company_id" in folder._fields else None
        if folder_company and folder_company != company:
            raise TransferError(
                _lt(
                    "The %(kind)s '%(folder)s' belongs to company %(other)s, not to "
                    "%(company)s: choose a folder of %(company)s.",
                    kind=self._tal_folder_label(),
                    folder=folder.display_name,
                    other=folder_company.name,
                    company=company.name,
                ),
                kind="settings",
            )
        self._tal_check_folder(folder, company)
        return folder

    @api.model
    def _tal_folder_fields(self):
        """The folder's fields the checks read (one narrow query)."""
        model = self.env[self._tal_folder_model]
        return [f for f in ("name", "active", "company_id") if f in model._fields]

    @api.model
    def _tal_check_folder(self, folder, company):
        """Target-specific checks of a folder; raise a UserError if unusable."""

    @api.model
    def _tal_prepare(self, move_ids):
        """Prepare a batch of pending invoices before their own transactions,
        in one go, and commit that work apart (the engine calls it only in
        runs that commit). What it makes must be reused by `_tal_transfer`,
        and by a retry. Return whether it committed anything: the caller then
        starts a new transaction, whose snapshot sees it."""
        return False

    @api.model
    def _tal_prepare_apart(self, move_ids, batch_model, method, what):
        """Run `batch_model.method(move_ids)`, which returns (committed,
        {run cache name: {key: id}}), in a cursor of its own that commits
        apart, and fill the run's caches. When it fails, the invoices make
        their own folders: logged, not an invoice's error."""
        try:
            with self.env.registry.cursor() as cr:
                batch = self.env[batch_model].with_env(self.env(cr=cr))
                committed, caches = getattr(batch, method)(move_ids)
        except Exception:  # noqa: BLE001 - the invoices then make their own
            _logger.warning(
                "%s of invoices %s..%s could not be prepared in one go; each "
                "invoice makes its own.",
                what,
                move_ids[0],
                move_ids[-1],
                exc_info=True,
            )
            return True  # some may have been committed
        for name, entries in caches.items():
            self._tal_run_cache(name).update(entries)
        return committed

    @api.model
    def _tal_transfer(self, move, attachments):
        """Put `attachments` of `move` into the target; return the documents.

        Must be idempotent: an attachment that already has a document is
        linked, never given a second one.
        """
        raise NotImplementedError

    @api.model
    def _tal_restore(self, trashed, move):
        """Take documents of the invoice out of the app's trash."""
        if trashed:
            trashed.action_unarchive()

    @api.model
    def _tal_live(self, move, documents):
        """The live ones among `documents` holding the invoice's PDF; when
        none is, the first is taken out of the trash."""
        live = (
            documents.filtered("active") if "active" in documents._fields else documents
        )
        if live or not documents:
            return live
        first = documents.sorted("id")[:1]
        self._tal_restore(first, move)
        return first

    @api.model
    def _tal_check_missing(self, company_ids=None):
        """{move id: [names]}: the transferred invoices of which something
        the transfer filed is no longer held by a live document (a file's
        name; None for the document the invoice points to). Set-based."""
        return {}

    @api.model
    def _tal_pdf_on_invoice(self, moves):
        """The ids of `moves` whose PDF the target will file from a copy on
        the invoice (see tal.invoice.transfer.pdf._tal_pdf_copies): no PDF
        is made for them. None by default: a target that holds the PDF in a
        document of its own says so through _tal_pdf_documents."""
        return set()

    @api.model
    def _tal_pdf_documents(self, moves):
        """{move id: [(document, file name, made on)]}: the target's documents,
        live or trashed, of the moves' company or of none, that hold a PDF and
        are linked to the invoice (themselves or through their file). Which
        of them is the invoice's PDF: tal.invoice.transfer.pdf._tal_held_pdfs.
        """
        raise NotImplementedError
