# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re

from odoo import api, models, sql_db
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..exceptions import TransferError

_logger = logging.getLogger(__name__)

# Error messages are kept as their source text and arguments (messages.py).
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

# The old XML-RPC script named a customer's folder after the invoice's partner
# (its display name), these characters replaced by "_".
SCRIPT_NAME_CHARS = re.compile(r'[/\\:*?"<>|]')

# How long a batch preparation waits for a lock before it gives up.
PREPARE_LOCK_TIMEOUT = "5s"


class TalTransferTargetPlan(models.AbstractModel):
    """Filing plans (res.company.tal_transfer_filing_plan), what every target
    shares: the plan's checks and preview, the customer folders found by
    link or by the script's name, and the batch preparation's helpers. The
    targets say where each plan puts a file.
    """

    _inherit = "tal.transfer.target"

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
        domain = [*self._tal_child_folder_domain(parent), ("name", "=like", pattern)]
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
