# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
import re
import weakref

from odoo import api, models, sql_db
from odoo.fields import Domain
from odoo.tools import SQL
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

# The old XML-RPC script named a customer's folder after the invoice's partner
# (its display name), these characters replaced by "_".
SCRIPT_NAME_CHARS = re.compile(r'[/\\:*?"<>|]')

# How long a batch preparation waits for a lock before it gives up.
PREPARE_LOCK_TIMEOUT = "5s"

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
        # Exists, and what the checks read, in one query.
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

    # ------------------------------------------------------------------
    # Filing plans (res.company.tal_transfer_filing_plan)
    # ------------------------------------------------------------------

    # What a company without a plan gets: the tree the target made before
    # plans existed (and the upgrade writes).
    _tal_legacy_plan = "single"

    @api.model
    def _tal_plan(self, company):
        """The company's filing plan; refused with a settings error when the
        target has no meaning for it."""
        plan = company.tal_transfer_filing_plan or self._tal_legacy_plan
        if plan not in self._tal_plans():
            raise TransferError(
                _lt(
                    "The filing plan '%(plan)s' of company %(company)s cannot be "
                    "used with %(app)s: %(reason)s",
                    plan=dict(self._tal_plan_labels())[plan],
                    company=company.name,
                    app=self._tal_target_name(),
                    reason=self._tal_plan_refusal(plan),
                ),
                kind="settings",
            )
        return plan

    @api.model
    def _tal_plans(self):
        """The plans this target can follow."""
        return ("customer", "accounting", "journal_period", "single")

    @api.model
    def _tal_plan_refusal(self, plan):
        """Why this target cannot follow `plan`, for people."""
        return ""

    @api.model
    def _tal_plan_labels(self):
        return (
            self.env["res.company"]
            ._fields["tal_transfer_filing_plan"]
            ._description_selection(self.env)
        )

    @api.model
    def _tal_default_plan(self, company, folder):
        """The plan a company gets when its folder is first saved: By
        customer where the folder already holds customer folders, else Like
        Accounting where Documents' Accounting settings exist, else One
        folder. None when this target knows no plan (no app)."""
        if not self._tal_folder_model:
            return None
        partners = self._tal_scope_partners(company)
        if self._tal_customer_folder_records(folder, partners, any_link=True):
            return "customer"
        if "accounting" in self._tal_plans() and self._tal_accounting_in_use(company):
            return "accounting"
        return "single"

    @api.model
    def _tal_check_plan(self, company, folder):
        """Refuse, when the settings are saved, a plan the target cannot
        follow, or one of its folders it cannot file into (naming the
        journal or customer whose folder it is)."""
        plan = self._tal_plan(company)
        self._tal_check_plan_folders(company, folder, plan)

    @api.model
    def _tal_check_plan_folders(self, company, folder, plan):
        """Target-specific checks of the folders `plan` can use."""

    @api.model
    def _tal_scope_journals(self, company):
        """The journals of the company's invoices in the transfer's scope."""
        if company.tal_transfer_journal_ids:
            return company.tal_transfer_journal_ids
        move_types = company._tal_transfer_move_types()
        types = [
            journal_type
            for journal_type, prefix in (("sale", "out_"), ("purchase", "in_"))
            if any(move_type.startswith(prefix) for move_type in move_types)
        ]
        return (
            self.env["account.journal"]
            .sudo()
            .search(
                [("type", "in", types), ("company_id", "parent_of", company.id)],
                order="type desc, sequence, id",
            )
        )

    @api.model
    def _tal_folder_path(self, folder):
        """The folder's path from its root, for people."""
        return folder.display_name

    @api.model
    def _tal_invoice_level(self):
        """What the target adds below the plan's folder, for people (DMS: a
        directory per invoice)."""
        return ""

    @api.model
    def _tal_plan_preview(self, company, plan, folder):
        """Lines saying where the plan puts the company's invoice files:
        per journal, or for a few customers of its invoices (the pending
        ones first). Reads only: nothing is made."""
        _ = self.env._
        if plan not in self._tal_plans():
            return [self._tal_plan_refusal(plan)]
        path = self._tal_folder_path(folder)
        leaf = self._tal_invoice_level()
        if plan == "single":
            return [_("Every invoice: %(path)s", path=path + leaf)]
        if plan == "journal_period":
            return [
                _(
                    "%(journal)s: %(path)s",
                    journal=journal.display_name,
                    path=" / ".join(
                        [
                            path,
                            self._tal_folder_name(journal.code or journal.name),
                            _("<year>"),
                            _("<month>"),
                        ]
                    )
                    + leaf,
                )
                for journal in self._tal_scope_journals(company)
            ] or [_("No journal in the transfer's scope.")]
        if plan == "accounting":
            return self._tal_accounting_preview(company, folder)
        return self._tal_customer_preview(company, folder, path, leaf)

    @api.model
    def _tal_accounting_preview(self, company, folder):
        return []

    @api.model
    def _tal_customer_preview(self, company, folder, path, leaf, sample=5):
        _ = self.env._
        partners = self._tal_scope_partners(company)
        customers = partners.commercial_partner_id
        if not customers:
            return [_("No invoice in the transfer's scope yet.")]
        shown = customers[:sample]
        linked = self._tal_linked_customer_folders(folder, shown)
        named = self._tal_named_customer_folders(
            folder,
            shown.filtered(lambda customer: customer not in linked),
            partners,
        )
        taken = self._tal_taken_folder_names(folder, shown)
        lines = []
        for customer in shown:
            if customer in linked:
                name, how = linked[customer].name, _("its folder")
            elif customer in named:
                name = named[customer].name
                how = _("the old script's folder, to be linked to it")
            else:
                name = self._tal_new_customer_folder_name(folder, customer, taken)
                taken.add(name)
                how = _("a new folder")
            lines.append(
                _(
                    "%(customer)s: %(path)s (%(how)s)",
                    customer=customer.display_name,
                    path=f"{path} / {name}{leaf}",
                    how=how,
                )
            )
        if len(customers) > sample:
            lines.append(
                _("… and %(count)s more customers.", count=len(customers) - sample)
            )
        return lines

    @api.model
    def _tal_accounting_in_use(self, company):
        """Whether the company files invoices as Documents' Accounting app
        does (its settings per journal exist)."""
        return False

    @api.model
    def _tal_scope_partners(self, company, limit=None):
        """The partners of the company's invoices in the transfer's scope,
        the pending ones first (a sample for the settings)."""
        self.env["account.move"].flush_model(
            ["partner_id", "company_id", "tal_transfer_state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id FROM account_move
                 WHERE company_id = %s AND partner_id IS NOT NULL
                   AND tal_transfer_state IS NOT NULL
                 GROUP BY partner_id
                 ORDER BY bool_or(tal_transfer_state = 'pending') DESC,
                          min(id)
                 %s
                """,
                company.id,
                SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .browse(row[0] for row in self.env.cr.fetchall())
        )

    @api.model
    def _tal_script_name(self, partner):
        """A customer folder's name as the old script made it: the partner's
        display name, `/ \\ : * ? " < > |` replaced by `_`."""
        name = partner.with_context(lang=None).display_name or ""
        return SCRIPT_NAME_CHARS.sub("_", name.strip())

    # -- Customer folders, for the targets that file by customer. --------
    #
    # A customer is a commercial partner. Its folder, among the direct
    # children of the company's folder: one linked (res_model/res_id) to it
    # or to one of its contacts (to itself first, then the oldest); else one
    # named as the old script named it (after an invoice's partner, or the
    # customer) and not linked to another existing customer, which is then
    # linked to it; else a new one, named after it, linked to it. A name
    # another customer's folder has gets the customer's reference, else its
    # VAT number, else its id, in brackets. Made while holding the parent's
    # right to add children (_tal_lock_children): never two.

    @api.model
    def _tal_folders(self):
        """The target's folder model, as the transfer uses it."""
        raise NotImplementedError

    @api.model
    def _tal_child_folder_domain(self, parent):
        """The domain of `parent`'s direct child folders."""
        raise NotImplementedError

    @api.model
    def _tal_lock_children(self, parent):
        """Hold the right to add folders to `parent` until the transaction
        ends (see the targets)."""
        raise NotImplementedError

    @api.model
    def _tal_new_folder_vals(self, parent, name, record):
        """Values of a new child folder of `parent`, linked to `record`."""
        raise NotImplementedError

    @api.model
    def _tal_folder_name(self, name):
        """`name` as the target accepts it for a folder."""
        return name

    @api.model
    def _tal_customer_names(self, customers, partners):
        """{customer: names the old script gave its folder}: after each of
        `partners` (invoices' partners) of that customer, and the customer."""
        names = {customer: {self._tal_script_name(customer)} for customer in customers}
        for partner in partners:
            customer = partner.commercial_partner_id
            if customer in names:
                names[customer].add(self._tal_script_name(partner))
        return names

    @api.model
    def _tal_customer_folder_records(self, parent, partners, any_link=False):
        """{customer: folder} already there for the commercial partners of
        `partners`: linked ones, then named ones (unclaimed). With
        `any_link`, whether `parent` holds a customer folder at all (a child
        linked to any partner, or named after one of `partners`)."""
        folders = self._tal_folders()
        children = self._tal_child_folder_domain(parent)
        if any_link and folders.search_count(
            [*children, ("res_model", "=", "res.partner"), ("res_id", "!=", False)],
            limit=1,
        ):
            return True
        customers = partners.commercial_partner_id
        if not customers:
            return {}
        linked = self._tal_linked_customer_folders(parent, customers)
        rest = customers.filtered(lambda customer: customer not in linked)
        named = self._tal_named_customer_folders(parent, rest, partners)
        if any_link:
            return bool(linked or named)
        return {**linked, **named}

    @api.model
    def _tal_linked_customer_folders(self, parent, customers):
        """{customer: folder} of the children of `parent` linked to each
        customer or one of its contacts: the live ones first, the one
        linked to the customer itself first, then the oldest."""
        contacts = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("commercial_partner_id", "in", customers.ids)])
        )
        found = self._tal_folders().search(
            [
                *self._tal_child_folder_domain(parent),
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (contacts | customers).ids),
            ]
        )
        owner = {contact.id: contact.commercial_partner_id for contact in contacts}
        owner.update({customer.id: customer for customer in customers})
        result = {}
        for folder in found.sorted(
            lambda f: (
                not f["active"] if "active" in f._fields else False,
                owner[f.res_id].id != f.res_id,
                f.id,
            )
        ):
            result.setdefault(owner[folder.res_id], folder)
        return result

    @api.model
    def _tal_named_customer_folders(self, parent, customers, partners):
        """{customer: folder} of the children of `parent` named as the old
        script named the customer's folder, and linked to no other existing
        customer; each folder to one customer (the first by id)."""
        if not customers:
            return {}
        names = self._tal_customer_names(customers, partners)
        all_names = {
            self._tal_folder_name(name) for group in names.values() for name in group
        }
        found = self._tal_folders().search(
            [*self._tal_child_folder_domain(parent), ("name", "in", list(all_names))]
        )
        linked = found.filtered(lambda f: f.res_model == "res.partner" and f.res_id)
        alive = set(
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", linked.mapped("res_id"))])
            .ids
        )
        free = found.filtered(
            lambda f: not (f.res_model == "res.partner" and f.res_id in alive)
        ).sorted(lambda f: (not f["active"] if "active" in f._fields else False, f.id))
        result, taken = {}, set()
        for customer in customers.sorted("id"):
            wanted = {self._tal_folder_name(name) for name in names[customer]}
            for folder in free:
                if folder.id not in taken and folder.name in wanted:
                    result[customer] = folder
                    taken.add(folder.id)
                    break
        return result

    @api.model
    def _tal_children_sql(self, parent):
        """SQL: `parent`'s direct child folders (id, name, res_model,
        res_id, active)."""
        raise NotImplementedError

    @api.model
    def _tal_folder_name_sql(self, name):
        """SQL: the name `name` (an SQL expression) gets as a folder of the
        target (see _tal_folder_name)."""
        return name

    @api.model
    def _tal_customer_folder_counts(self, company, parent):
        """(customers, reused by their link, reused by their name, to make):
        the customer folders the plan *By customer* would use for the
        company's invoices in scope under `parent`, by the rules above,
        read only. Set-based: the customers, their linked folders and the
        pairs (customer, free folder of one of its script names) in one
        query; the pairs, as many as such folders, are matched in Python as
        _tal_named_customer_folders matches them (a folder to one customer,
        the first by id)."""
        self.env.flush_all()
        script_name = SQL(
            "regexp_replace(btrim(%s), %s, '_', 'g')",
            SQL.identifier("p", "complete_name"),
            SCRIPT_NAME_CHARS.pattern,
        )
        self.env.cr.execute(
            SQL(
                """
                WITH scope AS (
                    SELECT DISTINCT m.partner_id
                      FROM account_move m
                     WHERE m.company_id = %(company)s
                       AND m.partner_id IS NOT NULL
                       AND m.tal_transfer_state IS NOT NULL
                       AND m.tal_transfer_state != 'excluded'
                ),
                customers AS (
                    SELECT DISTINCT p.commercial_partner_id AS id
                      FROM scope s JOIN res_partner p ON p.id = s.partner_id
                ),
                children AS (%(children)s),
                linked AS (
                    SELECT DISTINCT c.id
                      FROM customers c
                      JOIN res_partner contact ON contact.commercial_partner_id = c.id
                      JOIN children f ON f.res_model = 'res.partner'
                                     AND f.res_id = contact.id
                ),
                rest AS (
                    SELECT id FROM customers
                     WHERE id NOT IN (SELECT id FROM linked)
                ),
                names AS (
                    SELECT p.commercial_partner_id AS customer_id,
                           %(name)s AS name
                      FROM scope s JOIN res_partner p ON p.id = s.partner_id
                     WHERE p.commercial_partner_id IN (SELECT id FROM rest)
                     UNION
                    SELECT p.id, %(name)s
                      FROM rest r JOIN res_partner p ON p.id = r.id
                ),
                free AS (
                    SELECT f.id, f.name, f.active
                      FROM children f
                     WHERE NOT (f.res_model = 'res.partner' AND EXISTS (
                               SELECT 1 FROM res_partner x WHERE x.id = f.res_id))
                )
                SELECT (SELECT count(*) FROM customers),
                       (SELECT count(*) FROM linked),
                       ARRAY(SELECT ARRAY[n.customer_id, fr.id]
                               FROM names n JOIN free fr ON fr.name = n.name
                              ORDER BY n.customer_id, NOT fr.active, fr.id)
                """,
                company=company.id,
                children=self._tal_children_sql(parent),
                name=self._tal_folder_name_sql(script_name),
            )
        )
        customers, linked, pairs = self.env.cr.fetchone()
        named, taken = set(), set()
        for customer_id, folder_id in pairs:
            if customer_id not in named and folder_id not in taken:
                named.add(customer_id)
                taken.add(folder_id)
        return customers, linked, len(named), customers - linked - len(named)

    @api.model
    def _tal_preview_plan(self, company):
        """The preview's note on the plan's folders: with *By customer*,
        the customer folders the first run reuses and those it makes (see
        _tal_customer_folder_counts); "" for the other plans."""
        plan = company.tal_transfer_filing_plan or self._tal_legacy_plan
        folder = company._tal_transfer_folder_record()
        if (
            plan != "customer"
            or folder is None
            or folder._name != self._tal_folder_model
            or not folder.sudo().exists()
        ):
            return ""
        customers, linked, named, made = self._tal_customer_folder_counts(
            company, folder.sudo()
        )
        return self.env._(
            "By customer, %(customers)s customers in %(folder)s: %(linked)s "
            "folders reused (linked to the customer or a contact), %(named)s "
            "folders of the old script reused by their name (then linked to "
            "their customer), %(made)s folders to make.",
            customers=customers,
            folder=self._tal_folder_path(folder.sudo()),
            linked=linked,
            named=named,
            made=made,
        )

    @api.model
    def _tal_customer_folders(self, parent, moves):
        """{customer: folder} for the customers of `moves` under `parent`,
        found, claimed or made (see above). Those made or claimed are the
        caller's transaction's: the caller caches only what it commits."""
        partners = moves.partner_id
        customers = partners.commercial_partner_id
        result = self._tal_linked_customer_folders(parent, customers)
        rest = customers.filtered(lambda customer: customer not in result)
        if not rest:
            return result
        # Another worker may be making or claiming them: wait, look again.
        self._tal_lock_children(parent)
        result.update(self._tal_linked_customer_folders(parent, rest))
        rest = rest.filtered(lambda customer: customer not in result)
        named = self._tal_named_customer_folders(parent, rest, partners)
        for customer, folder in named.items():
            self._tal_link_folder(folder, customer)
            result[customer] = folder
        rest = rest.filtered(lambda customer: customer not in result)
        if rest:
            taken = self._tal_taken_folder_names(parent, rest)
            vals_list = []
            rest = rest.sorted("id")
            for customer in rest:
                name = self._tal_new_customer_folder_name(parent, customer, taken)
                taken.add(name)
                vals_list.append(self._tal_new_folder_vals(parent, name, customer))
            made = self._tal_folders().create(vals_list)
            _logger.info(
                "Made %s customer folder(s) in %s: %s",
                len(made),
                parent.display_name,
                ", ".join(made.mapped("name")),
            )
            result.update(zip(rest, made, strict=True))
        return result

    @api.model
    def _tal_child_folders(self, parent, names):
        """{name: folder}: the children of `parent` named `names`, made when
        missing, never twice (see _tal_lock_children); live ones first."""
        folders = self._tal_folders()
        names = [self._tal_folder_name(name) for name in names]

        def find():
            found = folders.search(
                [*self._tal_child_folder_domain(parent), ("name", "in", names)]
            )
            result = {}
            for folder in found.sorted(
                lambda f: (not f["active"] if "active" in f._fields else False, f.id)
            ):
                result.setdefault(folder.name, folder)
            return result

        result = find()
        if all(name in result for name in names):
            return result
        # Another worker may be making them: wait, then look again.
        self._tal_lock_children(parent)
        result = find()
        missing = [name for name in dict.fromkeys(names) if name not in result]
        if missing:
            made = folders.create(
                [self._tal_new_folder_vals(parent, name, None) for name in missing]
            )
            result.update(zip(missing, made, strict=True))
        return result

    @api.model
    def _tal_begin_prepare_transaction(self):
        """First statement of each transaction of a batch preparation (the
        folders of a batch of invoices, made in a cursor of its own).

        READ COMMITTED: each next statement sees what other transactions
        committed before it, so a worker that waited for another one's folder
        then finds it. A bound on waiting for a lock: rather than wait long
        (e.g. for a request that holds a folder), the preparation gives up and
        leaves its invoices to their own path. Only on a connection of its
        own: a test cursor shares the test's transaction.
        """
        if isinstance(self.env.cr, sql_db.Cursor):
            self.env.cr.execute(
                "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;"
                "SET LOCAL lock_timeout = %s",
                [PREPARE_LOCK_TIMEOUT],
            )

    @api.model
    def _tal_link_folder(self, folder, customer):
        """Link a folder the old script made to its customer: a homonym will
        not take it."""
        folder.write({"res_model": "res.partner", "res_id": customer.id})

    @api.model
    def _tal_customer_folder_names(self, customer):
        """(base, names): the names a new folder of `customer` may take, in
        order: the old script's name of the customer, then that name with
        its reference, else its VAT number, else its id, in brackets."""
        base = self._tal_script_name(customer) or f"#{customer.id}"
        candidates = [base] + [
            f"{base} ({SCRIPT_NAME_CHARS.sub('_', mark.strip())})"
            for mark in (customer.ref, customer.vat, f"#{customer.id}")
            if mark and mark.strip()
        ]
        return base, [self._tal_folder_name(name) for name in candidates]

    @api.model
    def _tal_taken_folder_names(self, parent, customers):
        """The names of `parent`'s children that new folders of `customers`
        would take first (see _tal_customer_folder_names), in one query by
        exact names: a parent holding thousands of customer folders is not
        compared name by name with each new customer (a customer all of
        whose names are taken looks further, see
        _tal_new_customer_folder_name)."""
        names = {
            name
            for customer in customers
            for name in self._tal_customer_folder_names(customer)[1]
        }
        if not names:
            return set()
        found = self._tal_folders().search(
            [*self._tal_child_folder_domain(parent), ("name", "in", sorted(names))]
        )
        return set(found.mapped("name"))

    @api.model
    def _tal_names_starting(self, parent, base):
        """The names of `parent`'s children that start with `base`."""
        pattern = re.sub(r"([\\%_])", r"\\\1", self._tal_folder_name(base)) + "%"
        domain = Domain(self._tal_child_folder_domain(parent)) & Domain(
            "name", "=like", pattern
        )
        return set(self._tal_folders().search(domain).mapped("name"))

    @api.model
    def _tal_new_customer_folder_name(self, parent, customer, taken):
        """The customer's folder name, told apart from a homonym's: its
        first name (see _tal_customer_folder_names) not in `taken`; when
        all are, the base name numbered past every child of `parent`
        starting with it (added to `taken`)."""
        base, candidates = self._tal_customer_folder_names(customer)
        for name in candidates:
            if name not in taken:
                return name
        taken |= self._tal_names_starting(parent, base)
        return self._tal_folder_name(self._tal_safe_name(base, taken))

    @api.model
    def _tal_prepare(self, move_ids):
        """Prepare a batch of pending invoices before their own transactions,
        in one go, and commit that work apart (the engine calls it only in
        runs that commit). What it makes must be reused by `_tal_transfer`,
        and by a retry. Return whether it committed anything: the caller then
        starts a new transaction, whose snapshot sees it."""
        return False

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

    # ------------------------------------------------------------------
    # Taking over from upload scripts: duplicates (the targets that list
    # them give their live documents and their roots in SQL)
    # ------------------------------------------------------------------

    # Whether the target lists and cleans duplicates; whether the clean-up
    # takes the trashed documents' copies off their invoices.
    _tal_lists_duplicates = False
    _tal_takes_copies_off = True

    @api.model
    def _tal_document_folder_name(self, document):
        """Where `document` is, for people."""
        return document.folder_id.display_name

    @api.model
    def _tal_documents_sql(self, live=True):
        """SQL: the target's documents holding a file, the live ones only
        (or all, `live` False): id, attachment_id, company_id, parent_path
        (where in the tree)."""
        raise NotImplementedError

    @api.model
    def _tal_unlinked_sql(self, attachment):
        """SQL condition on the attachment alias `attachment`: an upload's
        file that belongs to no invoice."""
        raise NotImplementedError

    @api.model
    def _tal_roots_sql(self):
        """SQL: each company's folder (company_id, parent_path)."""
        return SQL(
            """SELECT c.id AS company_id, f.parent_path
                 FROM res_company c
                 JOIN %(table)s f ON c.tal_transfer_folder_ref = %(model)s || f.id""",
            table=SQL.identifier(self.env[self._tal_folder_model]._table),
            model=f"{self._tal_folder_model},",
        )

    @api.model
    def _tal_moves_where(self, company_ids=None, move_ids=None):
        """SQL: `AND ...` on the invoices `m` of these companies or ids."""
        return SQL(
            "%s %s",
            SQL("AND m.company_id = ANY(%s)", list(company_ids))
            if company_ids is not None
            else SQL(),
            SQL("AND m.id = ANY(%s)", list(move_ids))
            if move_ids is not None
            else SQL(),
        )

    @api.model
    def _tal_our_tags(self, tag_model):
        """The tags the transfer puts (every company's tag names), of
        `tag_model`: a person's other tags say the person worked on it."""
        names = [
            name.strip()
            for names in self.env["res.company"]
            .sudo()
            .search([])
            .mapped("tal_transfer_tag_names")
            if names
            for name in names.split(",")
            if name.strip()
        ]
        return self.env[tag_model].sudo().search([("name", "in", names)])

    @api.model
    def _tal_touched_sql(self, alias, tag_model):
        """SQL condition: the document `alias` has a note or a message of a
        person (not OdooBot), a change its app tracked, or a tag of
        `tag_model` the transfer does not put."""
        tag_field = self.env[self._tal_document_model]._fields["tag_ids"]
        return SQL(
            """(EXISTS (
                    SELECT 1 FROM mail_message msg
                     WHERE msg.model = %(model)s AND msg.res_id = %(doc)s
                       AND msg.author_id IS DISTINCT FROM %(bot)s
                       AND (msg.message_type = 'comment' OR EXISTS (
                            SELECT 1 FROM mail_tracking_value tv
                             WHERE tv.mail_message_id = msg.id)))
                OR EXISTS (
                    SELECT 1 FROM %(tag_table)s rel
                     WHERE rel.%(tag_doc)s = %(doc)s
                       AND NOT rel.%(tag_tag)s = ANY(%(our_tags)s)))""",
            model=self._tal_document_model,
            doc=SQL.identifier(alias, "id"),
            bot=self.env.ref("base.partner_root").id,
            tag_table=SQL.identifier(tag_field.relation),
            tag_doc=SQL.identifier(tag_field.column1),
            tag_tag=SQL.identifier(tag_field.column2),
            our_tags=self._tal_our_tags(tag_model).ids,
        )

    @api.model
    def _tal_lock_documents(self, document_ids):
        """Lock the documents for this transaction, or raise at once if a
        person's transaction holds one, or changed one since this
        transaction began (psycopg2 errors, expected: not logged)."""
        Documents = self.env[self._tal_document_model]
        Documents.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM %s WHERE id = ANY(%s)
                    ORDER BY id FOR NO KEY UPDATE NOWAIT""",
                SQL.identifier(Documents._table),
                list(document_ids),
            ),
            log_exceptions=False,
        )

    @api.model
    def _tal_duplicate_groups(self, company_ids=None, move_ids=None):
        """What upload scripts filed twice, set-based: [(move id, kind,
        checksum, [document ids])], live documents only.

        * 'pdf': the invoice holds more than one document that is its PDF
          (the rule of tal.invoice.transfer.pdf._tal_held_pdfs): the old
          script's restarts;
        * 'content': more than one document holds the same content of the
          invoice's files (linked to the invoice, or left in the company's
          folder when no other invoice of the transfer holds that content);
        * 'ambiguous': a document in the company's folder, linked to no
          record, holds a content several invoices hold: whose it is is not
          known; reported for each of those invoices, never cleaned up.
        """
        self.env.flush_all()
        scope = self.env["tal.invoice.transfer.scope"]
        where = self._tal_moves_where(company_ids, move_ids)
        self.env.cr.execute(
            SQL(
                """
                WITH files AS (
                    SELECT DISTINCT m.id AS move_id, m.company_id, a.checksum
                      FROM account_move m
                      JOIN ir_attachment a ON a.res_model = 'account.move'
                                          AND a.res_id = m.id
                     WHERE m.tal_transfer_state IS NOT NULL %(where)s
                       AND a.type = 'binary' AND a.checksum IS NOT NULL
                       AND (a.res_field IS NULL OR a.res_field IN %(fields)s)
                ),
                folders AS (%(roots)s),
                live AS NOT MATERIALIZED (%(live)s),
                holders AS (
                    SELECT f.move_id, f.checksum, d.id AS document_id, TRUE AS linked
                      FROM files f
                      JOIN ir_attachment a ON a.res_model = 'account.move'
                                          AND a.res_id = f.move_id
                                          AND a.checksum = f.checksum
                      JOIN live d ON d.attachment_id = a.id
                     WHERE d.company_id IS NULL OR d.company_id = f.company_id
                     UNION
                    SELECT f.move_id, f.checksum, d.id, FALSE
                      FROM files f
                      JOIN folders tree ON tree.company_id = f.company_id
                      JOIN ir_attachment a ON a.checksum = f.checksum AND %(unlinked)s
                      JOIN live d ON d.attachment_id = a.id
                     WHERE d.parent_path LIKE tree.parent_path || '%%'
                       AND (d.company_id IS NULL OR d.company_id = f.company_id)
                ),
                shared AS (%(shared)s)
                SELECT h.move_id, h.checksum,
                       array_agg(h.document_id ORDER BY h.document_id)
                           FILTER (WHERE h.linked),
                       array_agg(h.document_id ORDER BY h.document_id)
                           FILTER (WHERE NOT h.linked),
                       h.checksum IN (SELECT checksum FROM shared)
                  FROM holders h
                 GROUP BY h.move_id, h.checksum
                HAVING count(*) > 1 OR bool_or(NOT h.linked)
                """,
                where=where,
                roots=self._tal_roots_sql(),
                live=self._tal_documents_sql(),
                unlinked=self._tal_unlinked_sql("a"),
                fields=tuple(scope._file_fields()),
                shared=scope._tal_shared_contents_sql(
                    SQL("SELECT checksum FROM holders WHERE NOT linked")
                ),
            )
        )
        groups = []
        for move_id, checksum, linked, unlinked, shared in self.env.cr.fetchall():
            linked, unlinked = linked or [], unlinked or []
            if shared and unlinked:
                groups.append((move_id, "ambiguous", checksum, unlinked))
                unlinked = []
            holders = sorted(linked + unlinked)
            if len(holders) > 1:
                groups.append((move_id, "content", checksum, holders))
        groups += self._tal_duplicate_pdfs(company_ids, move_ids)
        return groups

    @api.model
    def _tal_duplicate_pdfs(self, company_ids=None, move_ids=None):
        """The invoices holding more than one live document that is their
        PDF: [(move id, 'pdf', None, [document ids])]. SQL finds the
        invoices with several live PDF documents linked to them; the rule
        of _tal_held_pdfs says which of those are the invoice's PDF."""
        self.env.cr.execute(
            SQL(
                """
                SELECT a.res_id
                  FROM (%s) d
                  JOIN ir_attachment a ON a.id = d.attachment_id
                  JOIN account_move m ON m.id = a.res_id
                 WHERE a.res_model = 'account.move'
                   AND a.mimetype = 'application/pdf'
                   AND m.tal_transfer_state IS NOT NULL %s
                 GROUP BY a.res_id
                HAVING count(*) > 1
                """,
                self._tal_documents_sql(),
                self._tal_moves_where(company_ids, move_ids),
            )
        )
        candidates = [row[0] for row in self.env.cr.fetchall()]
        maker = self.env["tal.invoice.transfer.pdf"]
        groups = []
        for start in range(0, len(candidates), 1000):
            moves = self.env["account.move"].browse(candidates[start : start + 1000])
            for move_id, documents in maker._tal_held_pdfs(moves, self).items():
                live = documents.filtered("active")
                if len(live) > 1:
                    groups.append((move_id, "pdf", None, live.sorted("id").ids))
        return groups

    # ------------------------------------------------------------------
    # Taking over from upload scripts: the preview
    # ------------------------------------------------------------------

    @api.model
    def _tal_preview_hidden(self, company):
        """The folders of the company's plan no accounting user may read
        (None: the target has no such thing)."""
        return None

    @api.model
    def _tal_preview(self, company):
        """What the first run will find in the target for `company`,
        set-based: invoices whose files all have their document already,
        whose PDF an upload script filed (the rule of _tal_held_pdfs), whose
        files are held by copies; files left to file; duplicates and
        ambiguous contents (see _tal_duplicate_groups); the folders of the
        plan no accounting user may read (_tal_preview_hidden)."""
        self.env.flush_all()
        scope = self.env["tal.invoice.transfer.scope"]
        self.env.cr.execute(
            SQL(
                """
                WITH files AS (
                    SELECT m.id AS move_id, a.id AS att_id, a.checksum, a.res_field
                      FROM account_move m
                      JOIN ir_attachment a ON a.res_model = 'account.move'
                                          AND a.res_id = m.id
                     WHERE m.company_id = %(company)s
                       AND m.tal_transfer_state IS NOT NULL
                       AND m.tal_transfer_state != 'excluded'
                       AND a.type = 'binary'
                       AND (a.res_field IS NULL OR a.res_field IN %(fields)s)
                ),
                docs AS NOT MATERIALIZED (%(docs)s),
                tree AS (
                    SELECT parent_path FROM (%(roots)s) r
                     WHERE r.company_id = %(company)s
                ),
                own AS (
                    SELECT f.att_id FROM files f
                      JOIN docs d ON d.attachment_id = f.att_id
                ),
                shared AS (%(shared)s),
                copied AS (
                    SELECT f.att_id FROM files f
                     WHERE f.res_field IS NULL
                       AND f.att_id NOT IN (SELECT att_id FROM own)
                       AND (EXISTS (
                                SELECT 1 FROM ir_attachment later
                                  JOIN docs ld ON ld.attachment_id = later.id
                                 WHERE later.res_model = 'account.move'
                                   AND later.res_id = f.move_id
                                   AND later.checksum = f.checksum
                                   AND later.id > f.att_id
                                   AND (ld.company_id IS NULL
                                        OR ld.company_id = %(company)s))
                            OR (f.checksum NOT IN (SELECT checksum FROM shared)
                                AND EXISTS (
                                SELECT 1 FROM ir_attachment up
                                  JOIN docs ud ON ud.attachment_id = up.id
                                  JOIN tree
                                    ON ud.parent_path LIKE tree.parent_path || '%%'
                                 WHERE up.checksum = f.checksum AND %(unlinked)s
                                   AND (ud.company_id IS NULL
                                        OR ud.company_id = %(company)s))))
                )
                SELECT
                    (SELECT count(*) FROM (
                        SELECT move_id FROM files GROUP BY move_id
                        HAVING bool_and(att_id IN (SELECT att_id FROM own))) filed),
                    (SELECT count(DISTINCT move_id) FROM files
                      WHERE att_id IN (SELECT att_id FROM copied)),
                    (SELECT count(*) FROM files
                      WHERE att_id NOT IN (SELECT att_id FROM own)
                        AND att_id NOT IN (SELECT att_id FROM copied))
                """,
                company=company.id,
                fields=tuple(scope._file_fields()),
                shared=scope._tal_shared_contents_sql(
                    SQL("SELECT checksum FROM files")
                ),
                docs=self._tal_documents_sql(live=False),
                roots=self._tal_roots_sql(),
                unlinked=self._tal_unlinked_sql("up"),
            )
        )
        filed, by_content, to_file = self.env.cr.fetchone()
        held = self._tal_preview_held_pdfs(company)
        held |= self._tal_preview_pdf_on_invoice(company, held)
        groups = self._tal_duplicate_groups(company_ids=company.ids)
        hidden = self._tal_preview_hidden(company)
        return {
            "filed": filed,
            "pdf_held": len(held),
            "by_content": by_content,
            "to_file": to_file,
            "duplicates": len({g[0] for g in groups if g[1] != "ambiguous"}),
            "ambiguous": len({g[2] for g in groups if g[1] == "ambiguous"}),
            "held_pdf_ids": held,
            "hidden_folders": hidden,
        }

    @api.model
    def _tal_preview_pdf_on_invoice(self, company, held):
        """The invoices of the company's scope, among those with a PDF of
        their own name on them (no official PDF), whose PDF the target
        files from that copy (_tal_pdf_on_invoice)."""
        if not self._tal_files_pdf_copies:
            return set()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT m.id
                  FROM account_move m
                  JOIN ir_attachment a ON a.res_model = 'account.move'
                                      AND a.res_id = m.id
                 WHERE m.company_id = %s AND m.tal_transfer_state IS NOT NULL
                   AND m.tal_transfer_state != 'excluded'
                   AND a.res_field IS NULL AND a.mimetype = 'application/pdf'
                   AND %s
                """,
                company.id,
                self._tal_pdf_name_sql(),
            )
        )
        candidates = [row[0] for row in self.env.cr.fetchall() if row[0] not in held]
        found = set()
        for start in range(0, len(candidates), 1000):
            moves = self.env["account.move"].browse(candidates[start : start + 1000])
            found |= self._tal_pdf_on_invoice(moves)
        return found

    @api.model
    def _tal_pdf_name_sql(self):
        """SQL condition, for the preview: the attachment `a` may be named
        as the invoice `m`'s PDF (_tal_pdf_names): its name holds the last
        part of the invoice's number, as `<number>.pdf` and Odoo's
        `INV_2026_00001.pdf` do. The rule itself is applied next, in
        Python, to those only: 100,000 invoices whose PDFs are filed
        under other names are not each asked for Odoo's file name."""
        return SQL("position(split_part(m.name, '/', -1) IN a.name) > 0")

    @api.model
    def _tal_preview_held_pdfs(self, company):
        """The invoices of the company's scope whose PDF an upload filed:
        those with a PDF document linked to them other than their official
        PDF's, then the rule of _tal_held_pdfs."""
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT a.res_id
                  FROM (%s) d
                  JOIN ir_attachment a ON a.id = d.attachment_id
                  JOIN account_move m ON m.id = a.res_id
                 WHERE a.res_model = 'account.move' AND a.res_field IS NULL
                   AND a.mimetype = 'application/pdf' AND %s
                   AND m.company_id = %s AND m.tal_transfer_state IS NOT NULL
                   AND m.tal_transfer_state != 'excluded'
                """,
                self._tal_documents_sql(live=False),
                self._tal_pdf_name_sql(),
                company.id,
            )
        )
        candidates = [row[0] for row in self.env.cr.fetchall()]
        maker = self.env["tal.invoice.transfer.pdf"]
        held = set()
        for start in range(0, len(candidates), 1000):
            moves = self.env["account.move"].browse(candidates[start : start + 1000])
            held.update(maker._tal_held_pdfs(moves, self))
        return held

    @api.model
    def _tal_check_excuse(self, missing):
        """Copies of an invoice's PDF get no document while its PDF is held
        by a live one (see _tal_transfer): they are not missing."""
        moves = self.env["account.move"].sudo().browse(list(missing))
        maker = self.env["tal.invoice.transfer.pdf"]
        held = maker._tal_held_pdfs(moves, self)
        scope = self.env["tal.invoice.transfer.scope"]
        for move in moves:
            none = self.env[self._tal_document_model]
            live = held.get(move.id, none).filtered("active")
            names = [name for name in missing[move.id] if name is not None]
            if not live or not names:
                continue
            copies = maker._tal_pdf_copies(move, scope._files(move))
            missing[move.id] = [
                name
                for name in missing[move.id]
                if name is None or name not in copies.mapped("name")
            ]
        return {move_id: names for move_id, names in missing.items() if names}

    # Whether the target files an invoice's PDF from a copy on the invoice
    # (_tal_pdf_on_invoice).
    _tal_files_pdf_copies = False

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
