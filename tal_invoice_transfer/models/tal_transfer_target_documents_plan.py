# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .. import compat
from ..exceptions import TransferError
from .tal_transfer_target import MAIL_QUIET_CONTEXT

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments (messages.py).
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

# What a new document takes from its folder (its access, company and owner;
# Documents reads them on create), read with the folder's hold.
HELD_FOLDER_FIELDS = (
    "active",
    "access_internal",
    "access_via_link",
    "company_id",
    "owner_id",
)


class TalTransferTargetDocumentsPlan(models.AbstractModel):
    """Where each filing plan puts an invoice's files in Documents: the
    customer, journal / year / month and documents_account folders, their
    checks and preview; the batch preparation's entry point.
    """

    _inherit = "tal.transfer.target.documents"

    @api.model
    def _tal_placement(self, move, root, tags):
        """(folder, tags, owner) of the invoice's new documents under its
        company's filing plan. Their owner is nobody (the company's files,
        not whoever ran the transfer; OdooBot on 18.0, see compat), but Like
        Accounting's: the invoice's
        creator, as documents_account makes it."""
        company = move.company_id
        plan = self._tal_plan(company)
        nobody = compat.documents_company_owner(self.env)
        if plan == "accounting":
            setting = self._tal_account_setting(move)
            if not setting:
                return root, tags, nobody
            folder = self._tal_use_folder(
                setting.folder_id,
                company,
                _lt(
                    "journal %(journal)s (its Accounting setting in Documents)",
                    journal=move.journal_id.display_name,
                ),
            )
            creator = move.sudo().create_uid
            return (
                folder,
                tags | setting.tag_ids,
                creator.id if creator.active else nobody,
            )
        if plan == "customer":
            return self._tal_customer_folder(move, root), tags, nobody
        if plan == "journal_period":
            return self._tal_period_folder(move, root), tags, nobody
        return root, tags, nobody

    @api.model
    def _tal_folders(self):
        return (
            self.env["documents.document"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
        )

    @api.model
    def _tal_child_folder_domain(self, parent):
        return [
            ("folder_id", "=", parent.id),
            ("type", "=", "folder"),
            ("shortcut_document_id", "=", False),
        ]

    @api.model
    def _tal_children_sql(self, parent):
        # A translated name: as people read it.
        return SQL(
            """SELECT id, %s AS name, res_model, res_id, active
                 FROM documents_document
                WHERE type = 'folder' AND folder_id = %s""",
            self.env["documents.document"]._field_to_sql("documents_document", "name"),
            parent.id,
        )

    @api.model
    def _tal_lock_children(self, parent):
        """Hold the right to add folders to `parent` until this transaction
        ends; call it before the search that decides to add one.

        Documents has no unique name per folder, and two workers would each
        see no folder and make one. Whoever adds one here first updates the
        parent's row (changing nothing); another worker waits on that row
        until the first ends. Then, in Odoo's REPEATABLE READ, PostgreSQL
        refuses its update if the first committed after its snapshot (a
        SerializationFailure: the engine tries the invoice again in a new
        transaction, which finds the folder); in READ COMMITTED (the batch
        preparation) its next search sees the folder. Documents filed into
        the parent meanwhile only take a key share of its row: never waited
        for.
        """
        self.env.cr.execute(
            "UPDATE documents_document SET write_date = write_date WHERE id = %s",
            [parent.id],
            # A race the caller handles: not an error for the log.
            log_exceptions=False,
        )

    @api.model
    def _tal_new_folder_vals(self, parent, name, record):
        # Documents gives a new folder its parent's access, members and
        # company, as a person's new folder gets them.
        vals = {
            "name": name,
            "type": "folder",
            "folder_id": parent.id,
            "owner_id": compat.documents_company_owner(self.env),
        }
        if record:
            vals.update(res_model=record._name, res_id=record.id)
        return vals

    @api.model
    def _tal_hold_folders(self, folder_ids):
        """Those of `folder_ids` still there and out of the trash, held until
        this transaction ends (a key share of their rows): a person's deletion
        of one waits for the invoice, then Odoo retries it, and it takes the
        new documents along (their invoices are filed again)."""
        folders = self._tal_folders()
        if not folder_ids:
            return folders
        # The same statement reads what a new document takes from its folder
        # (Documents reads it on create): one query per invoice, not two.
        fields = [folders._fields[name] for name in HELD_FOLDER_FIELDS]
        folders.flush_model([*HELD_FOLDER_FIELDS, "type"])
        self.env.cr.execute(
            SQL(
                """SELECT id, %s FROM documents_document
                    WHERE id = ANY(%s) AND active AND type = 'folder'
                      FOR KEY SHARE""",
                SQL(", ").join(SQL.identifier(field.name) for field in fields),
                list(folder_ids),
            ),
            # Deleted since this transaction's snapshot: a race the engine
            # retries, not an error for the log.
            log_exceptions=False,
        )
        rows = self.env.cr.fetchall()
        held = folders.browse(row[0] for row in rows)
        if rows:
            for field, values in zip(
                fields, list(zip(*rows, strict=False))[1:], strict=True
            ):
                # As a search_fetch does: the values in cache, never over
                # one of this transaction's pending writes.
                compat.insert_cache(field, held, values)
        return held

    @api.model
    def _tal_use_folder(self, folder, company, what):
        """`folder`, checked as the company's folder is (once per run) and
        held; raise a settings error naming `what` it is the folder of."""
        checked = self._tal_run_cache("documents_checked_folders")
        if folder.id not in checked:
            self._tal_check_plan_folder(folder, company, what)
            self.env.cr.postcommit.add(lambda: checked.__setitem__(folder.id, True))
        held = self._tal_hold_folders(folder.ids)
        if not held:
            # Trashed or deleted since it was checked.
            checked.pop(folder.id, None)
            self._tal_check_plan_folder(folder.exists(), company, what)
        return held or folder

    @api.model
    def _tal_check_plan_folder(self, folder, company, what):
        """Refuse a folder of the plan that the transfer must not file into:
        deleted, in the trash, a shortcut or a file, another company's, or
        one no accounting user could see."""
        if not folder:
            raise TransferError(
                _lt(
                    "The Documents folder of %(what)s was deleted meanwhile: retry.",
                    what=what,
                ),
                kind="busy",
            )
        folder = folder.with_context(active_test=False)
        problem = None
        if not folder.active:
            problem = _lt(
                "is in the trash: restore it, or delete it for good so that a "
                "new one is made"
            )
        elif folder.type != "folder" or folder.shortcut_document_id:
            problem = _lt("is not a folder (a file or a shortcut): choose a folder")
        elif folder.company_id and folder.company_id != company:
            problem = _lt(
                "belongs to company %(other)s: choose a folder of %(company)s",
                other=folder.company_id.name,
                company=company.name,
            )
        elif not self._tal_accountants_can_read(folder, company):
            problem = _lt(
                "could be seen by no accounting user (access for internal "
                "users 'None' and no accounting user among its members): give "
                "internal users access or make an accounting user a member"
            )
        if problem:
            raise TransferError(
                _lt(
                    "The Documents folder '%(folder)s' of %(what)s, where the "
                    "filing plan of company %(company)s puts its invoices' "
                    "files, %(problem)s; then retry.",
                    folder=folder.display_name,
                    what=what,
                    company=company.name,
                    problem=problem,
                ),
                kind="settings",
            )

    @api.model
    def _tal_customer_folder(self, move, root):
        """The invoice's customer's folder in the company's folder (By
        customer), found, claimed or made."""
        customer = move.partner_id.commercial_partner_id
        if not customer:
            return root
        cache = self._tal_run_cache("documents_customer_folders")
        key = (root.id, customer.id)
        if key in cache:
            held = self._tal_hold_folders([cache[key]])
            if held:
                return held
            cache.pop(key)
        folder = self._tal_customer_folders(root, move)[customer]
        folder = self._tal_use_folder(
            folder,
            move.company_id,
            _lt("customer %(customer)s", customer=customer.display_name),
        )
        # Cached once its transaction commits; held again before each use.
        self.env.cr.postcommit.add(lambda: cache.__setitem__(key, folder.id))
        return folder

    @api.model
    def _tal_period_key(self, move, root):
        day = move.invoice_date or move.date
        return (root.id, move.journal_id.id, f"{day:%Y-%m}")

    @api.model
    def _tal_period_folder(self, move, root):
        """root / journal / year / month of the invoice (By journal / year /
        month), made when missing. A renamed one is left as the person named
        it: a new one with the standard name is made beside it."""
        cache = self._tal_run_cache("documents_period_folders")
        key = self._tal_period_key(move, root)
        if key in cache:
            held = self._tal_hold_folders([cache[key]])
            if held:
                return held
            cache.pop(key)
        day = move.invoice_date or move.date
        journal = move.journal_id
        parent = root
        for name in (journal.code or journal.name, f"{day:%Y}", f"{day:%m}"):
            parent = self._tal_child_folders(parent, [name])[name]
        parent = self._tal_use_folder(
            parent,
            move.company_id,
            _lt(
                "the month %(month)s of journal %(journal)s",
                month=f"{day:%Y-%m}",
                journal=journal.display_name,
            ),
        )
        self.env.cr.postcommit.add(lambda: cache.__setitem__(key, parent.id))
        return parent

    @api.model
    def _tal_folder_path(self, folder):
        folder = folder.sudo().with_context(active_test=False)
        ids = [int(part) for part in (folder.parent_path or "").split("/") if part]
        names = dict(folder.browse(ids or folder.ids).mapped(lambda f: (f.id, f.name)))
        return " / ".join(names[id_] for id_ in ids if id_ in names) or folder.name

    @api.model
    def _tal_accounting_preview(self, company, folder):
        _ = self.env._
        settings = self._tal_account_settings(company)
        if settings is None:
            return [
                _(
                    "Documents' Accounting app is not installed: every invoice "
                    "goes to %(path)s.",
                    path=self._tal_folder_path(folder),
                )
            ]
        lines = []
        for journal in self._tal_scope_journals(company):
            setting = settings.filtered(lambda s, j=journal: s.journal_id == j)[:1]
            if not setting:
                lines.append(
                    _(
                        "%(journal)s: %(path)s (no Accounting setting for this "
                        "journal)",
                        journal=journal.display_name,
                        path=self._tal_folder_path(folder),
                    )
                )
                continue
            lines.append(
                _(
                    "%(journal)s: %(path)s, tags %(tags)s, owned by the "
                    "invoice's creator",
                    journal=journal.display_name,
                    path=self._tal_folder_path(setting.folder_id),
                    tags=", ".join(
                        (setting.tag_ids | self._tal_tags(company, "documents.tag"))
                        .sorted("name")
                        .mapped("name")
                    )
                    or _("none"),
                )
            )
        return lines or [_("No journal in the transfer's scope.")]

    @api.model
    def _tal_check_plan_folders(self, company, folder, plan):
        if plan == "accounting":
            settings = self._tal_account_settings(
                company, self._tal_scope_journals(company)
            )
            for setting in settings or ():
                self._tal_check_plan_folder(
                    setting.folder_id,
                    company,
                    _lt(
                        "journal %(journal)s (its Accounting setting in Documents)",
                        journal=setting.journal_id.display_name,
                    ),
                )
        elif plan == "customer":
            partners = self._tal_scope_partners(company)
            found = self._tal_customer_folder_records(folder, partners)
            for customer, customer_folder in sorted(
                found.items(), key=lambda item: item[0].id
            ):
                self._tal_check_plan_folder(
                    customer_folder,
                    company,
                    _lt("customer %(customer)s", customer=customer.display_name),
                )
        elif plan == "journal_period":
            journals = self._tal_scope_journals(company)
            names = {
                self._tal_folder_name(journal.code or journal.name): journal
                for journal in journals
            }
            for journal_folder in self._tal_folders().search(
                [*self._tal_child_folder_domain(folder), ("name", "in", list(names))]
            ):
                self._tal_check_plan_folder(
                    journal_folder,
                    company,
                    _lt(
                        "journal %(journal)s",
                        journal=names[journal_folder.name].display_name,
                    ),
                )

    @api.model
    def _tal_accounting_in_use(self, company):
        return bool(self._tal_account_settings(company))

    @api.model
    def _tal_account_settings(self, company, journals=None):
        """documents_account's folder settings of the company (of
        `journals`), where it files invoices: none when it is not
        installed or its Accounting setting is off."""
        model = "documents.account.folder.setting"
        if model not in self.env:
            return None
        company = company.sudo()
        # Enterprise files nothing while its Accounting setting is off.
        if (
            "documents_account_settings" in company._fields
            and not company.documents_account_settings
        ):
            return self.env[model]
        domain = [("company_id", "=", company.id)]
        if journals is not None:
            domain.append(("journal_id", "in", journals.ids))
        return self.env[model].sudo().search(domain)

    @api.model
    def _tal_account_setting(self, move):
        """The folder setting documents_account files the invoice by (the
        first of its journal, as documents_account reads it), or None."""
        settings = self._tal_account_settings(move.company_id, move.journal_id)
        return settings[:1] if settings else None

    @api.model
    def _tal_prepare(self, move_ids):
        """Make the customer or journal / year / month folders of a batch of
        pending invoices before their own transactions, committed apart,
        each parent's new folders with one create (see
        tal.transfer.target.documents.batch)."""
        self.env["res.company"].flush_model(
            ["tal_transfer_filing_plan", "tal_transfer_folder_ref"]
        )
        self.env.cr.execute(
            """SELECT 1 FROM res_company
                WHERE tal_transfer_filing_plan IN ('customer', 'journal_period')
                  AND COALESCE(tal_transfer_folder_ref, '') != '' LIMIT 1"""
        )
        if not self.env.cr.fetchone():
            return False
        return self._tal_prepare_apart(
            move_ids,
            "tal.transfer.target.documents.batch",
            "_tal_prepare_folders",
            "Documents folders",
        )
