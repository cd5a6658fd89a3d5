# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..exceptions import TransferError
from .tal_transfer_target import MAIL_QUIET_CONTEXT

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

# Users who work on invoices: those who must be able to read their files.
ACCOUNTANT_GROUPS = ("account.group_account_invoice", "account.group_account_readonly")


class TalTransferTargetDocuments(models.AbstractModel):
    """Odoo Documents (Enterprise `documents`): one document per attachment.

    The document links the invoice's own attachment: the attachment stays on
    the invoice. `res_model`/`res_id` are never written on a document, since
    that moves the attachment away from the invoice.

    Beside the transfer, Enterprise `documents_account` files invoice files
    by itself (XML files when they are created, the main file when it is
    set, in a folder per journal). A file it filed, or that is an older
    version of a document, is not given a second document; see
    `_tal_transfer` and `_tal_before_main_file`.
    """

    _name = "tal.transfer.target.documents"
    _inherit = "tal.transfer.target"
    _description = "Invoice Files Transfer to Documents"

    _tal_target_key = "documents"
    _tal_document_model = "documents.document"
    _tal_folder_model = "documents.document"

    @api.model
    def _tal_target_name(self):
        return self.env._("Documents")

    @api.model
    def _tal_folder_label(self):
        return self.env._("Documents folder")

    @api.model
    def _tal_folder_fields(self):
        return [
            *super()._tal_folder_fields(),
            "type",
            "shortcut_document_id",
            "access_internal",
            "owner_id",
        ]

    @api.model
    def _tal_check_folder(self, folder, company):
        if folder.type != "folder":
            raise TransferError(
                _lt(
                    "'%(name)s' set for company %(company)s is a file, not a "
                    "Documents folder: choose a folder.",
                    name=folder.display_name,
                    company=company.name,
                ),
                kind="settings",
            )
        if folder.shortcut_document_id:
            raise TransferError(
                _lt(
                    "'%(name)s' set for company %(company)s is a shortcut to "
                    "'%(target)s', and Documents puts nothing in a shortcut: "
                    "choose the folder itself.",
                    name=folder.display_name,
                    company=company.name,
                    target=folder.shortcut_document_id.sudo().display_name,
                ),
                kind="settings",
            )
        if not self._tal_accountants_can_read(folder, company):
            raise TransferError(
                _lt(
                    "No accounting user could see the invoice files in the "
                    "Documents folder '%(name)s' of company %(company)s: its "
                    "access for internal users is 'None' and none of its members "
                    "is an accounting user. Give internal users access to the "
                    "folder or make an accounting user a member, then retry.",
                    name=folder.display_name,
                    company=company.name,
                ),
                kind="settings",
            )

    @api.model
    def _tal_accountants_can_read(self, folder, company):
        """Whether an accounting user of `company` may read what goes into `folder`.

        A new document takes its folder's access (Documents copies it on
        create): every internal user may read it when the folder's internal
        access is not 'None', else its members may, the folder's owner
        included. Documents administrators read everything whatever the
        folder says, so they do not count.
        """
        if folder.access_internal != "none":
            return True
        now = fields.Datetime.now()
        partners = (
            folder.owner_id.partner_id
            | folder.sudo()
            .access_ids.filtered(
                lambda access: access.role
                and (not access.expiration_date or access.expiration_date > now)
            )
            .partner_id
        )
        if not partners:
            return False
        groups = [
            group.id
            for xmlid in ACCOUNTANT_GROUPS
            if (group := self.env.ref(xmlid, raise_if_not_found=False))
        ]
        return bool(
            self.env["res.users"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "in", partners.ids),
                    ("share", "=", False),
                    ("all_group_ids", "in", groups),
                    ("company_ids", "in", company.ids),
                ],
                limit=1,
            )
        )

    @api.model
    def _tal_transfer(self, move, attachments):
        company = move.company_id
        folder = self._tal_folder(company)
        tags = self._tal_tags(company, "documents.tag")
        self._tal_check_files(attachments)
        documents = (
            self.env["documents.document"]
            .sudo()
            .with_company(company)
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
        )
        # One document per attachment (a database constraint): reuse any,
        # archived ones included, e.g. one documents_account filed.
        existing = documents.search([("attachment_id", "in", attachments.ids)])
        # A file that is an older version of a document (Documents keeps the
        # previous file when a document gets a new one, as documents_account
        # does when the main file changes) is in Documents through it.
        versioned = self._tal_documents_keeping(
            documents, attachments - existing.attachment_id
        )
        reused = existing | versioned
        self._tal_restore(reused.filtered(lambda document: not document.active), move)
        self._tal_complete(reused, move, tags)
        new_attachments = (
            attachments
            - existing.attachment_id
            - (versioned.previous_attachment_ids & attachments)
        )
        if not new_attachments:
            return reused
        # Where the company's filing plan puts them (folders made on the way).
        folder, tags, owner = self._tal_placement(move, folder, tags)
        created = documents.create(
            [
                {
                    "attachment_id": attachment.id,
                    "name": attachment.name,
                    "folder_id": folder.id,
                    "tag_ids": [Command.set(tags.ids)],
                    "partner_id": move.partner_id.id,
                    "owner_id": owner,
                    "company_id": company.id,
                }
                for attachment in new_attachments
            ]
        )
        return reused | created

    # ------------------------------------------------------------------
    # Filing plans
    # ------------------------------------------------------------------

    @api.model
    def _tal_placement(self, move, root, tags):
        """(folder, tags, owner) of the invoice's new documents under its
        company's filing plan. Their owner is nobody (the company's files,
        not whoever ran the transfer), but Like Accounting's: the invoice's
        creator, as documents_account makes it."""
        company = move.company_id
        plan = self._tal_plan(company)
        if plan == "accounting":
            setting = self._tal_account_setting(move)
            if not setting:
                return root, tags, False
            folder = self._tal_use_folder(
                setting.folder_id,
                company,
                _lt(
                    "journal %(journal)s (its Accounting setting in Documents)",
                    journal=move.journal_id.display_name,
                ),
            )
            creator = move.sudo().create_uid
            return folder, tags | setting.tag_ids, creator.active and creator.id
        if plan == "customer":
            return self._tal_customer_folder(move, root), tags, False
        if plan == "journal_period":
            return self._tal_period_folder(move, root), tags, False
        return root, tags, False

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
            "owner_id": False,
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
        if not folder_ids:
            return self._tal_folders()
        self.env.cr.execute(
            """SELECT id FROM documents_document
                WHERE id = ANY(%s) AND active AND type = 'folder'
                  FOR KEY SHARE""",
            [list(folder_ids)],
            # Deleted since this transaction's snapshot: a race the engine
            # retries, not an error for the log.
            log_exceptions=False,
        )
        return self._tal_folders().browse(row[0] for row in self.env.cr.fetchall())

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
        try:
            with self.env.registry.cursor() as cr:
                committed, caches = (
                    self.env["tal.transfer.target.documents.batch"]
                    .with_env(self.env(cr=cr))
                    ._tal_prepare_folders(move_ids)
                )
        except Exception:  # noqa: BLE001 - the invoices then make their own
            _logger.warning(
                "Documents folders of invoices %s..%s could not be prepared in "
                "one go; each invoice makes its own.",
                move_ids[0],
                move_ids[-1],
                exc_info=True,
            )
            return True  # some folders may have been committed
        for name, entries in caches.items():
            self._tal_run_cache(name).update(entries)
        return committed

    @api.model
    def _tal_pdf_documents(self, moves):
        documents = (
            self.env["documents.document"].sudo().with_context(active_test=False)
        )
        found = documents.search(
            [
                ("type", "=", "binary"),
                ("attachment_id.mimetype", "=", "application/pdf"),
                "|",
                "&",
                ("res_model", "=", "account.move"),
                ("res_id", "in", moves.ids),
                "&",
                ("attachment_id.res_model", "=", "account.move"),
                ("attachment_id.res_id", "in", moves.ids),
            ]
        )
        companies = {move.id: move.company_id for move in moves}
        held = {}
        for document in found:
            attachment = document.attachment_id
            move_id = (
                document.res_id
                if document.res_model == "account.move"
                else attachment.res_id
            )
            if move_id not in companies:
                continue
            if document.company_id and document.company_id != companies[move_id]:
                continue
            held.setdefault(move_id, []).append(
                (document, document.name, attachment.create_date)
            )
        return held

    @api.model
    def _tal_documents_keeping(self, documents, attachments):
        """The documents that keep some of `attachments` as older versions."""
        if not attachments or "previous_attachment_ids" not in documents._fields:
            return documents.browse()
        return documents.search([("previous_attachment_ids", "in", attachments.ids)])

    @api.model
    def _tal_complete(self, documents, move, tags):
        """Give reused documents the configured tags and the invoice's partner.

        They stay where they are: whoever filed them (documents_account files
        per journal) chose their folder, and moving a document changes its
        access to the new folder's.
        """
        for document in documents:
            vals = {}
            if tags - document.tag_ids:
                vals["tag_ids"] = [
                    Command.link(tag.id) for tag in tags - document.tag_ids
                ]
            if not document.partner_id and move.partner_id:
                vals["partner_id"] = move.partner_id.id
            if vals:
                document.write(vals)

    @api.model
    def _tal_restore(self, trashed, move):
        """Take the invoice's files out of the Documents trash.

        The trash deletes a document with its attachment after a delay: the
        invoice's file would be lost. Documents refuses to restore a document
        whose folder is in the trash too: that is for a person to decide.
        """
        if not trashed:
            return
        _logger.info(
            "Invoice %s: restoring %s trashed document(s) of its files",
            move.name,
            len(trashed),
        )
        try:
            trashed.action_unarchive()
        except (UserError, AccessError) as error:
            names = ", ".join(f"'{name}'" for name in trashed.mapped("name"))
            folders = trashed.search(
                [
                    ("id", "parent_of", trashed.ids),
                    ("id", "not in", trashed.ids),
                    ("active", "=", False),
                ]
            )
            if folders:
                message = _lt(
                    "The documents %(documents)s of this invoice's files are in the "
                    "Documents trash inside the trashed folders %(folders)s, and "
                    "Documents restores nothing out of a trashed folder. Restore "
                    "the folders in Documents (the trash would delete the "
                    "invoice's files with them), then retry.",
                    documents=names,
                    folders=", ".join(f"'{name}'" for name in folders.mapped("name")),
                )
            else:
                message = _lt(
                    "The documents %(documents)s of this invoice's files are in the "
                    "Documents trash and could not be restored: %(reason)s Restore "
                    "them in Documents, then retry.",
                    documents=names,
                    reason=str(error.args[0]).strip(),
                )
            raise TransferError(message, kind="settings") from error

    # ------------------------------------------------------------------
    # Beside documents_account
    # ------------------------------------------------------------------

    @api.model
    def _tal_before_main_file(self, moves, attachments, force, filter_xml):
        """Called before `moves` get one of `attachments` as main file; return
        the moves to set it on (with a context).

        documents_account files the main file when it is set: it looks for
        the file's document, else creates one, or moves the previous main
        file's document onto the new file. Two things would make that fail
        in the user's request:

        * a transfer of the same invoice creating a document for the same
          file at the same time: the user's insert waits for the transfer,
          then fails on the unique attachment, an error Odoo shows. So the
          invoice row is locked here first, as the transfer locks it for its
          whole transaction: the user's request waits for the transfer to
          end, then meets a serialization failure (Odoo's transactions are
          repeatable read), which Odoo retries; the retry finds the
          transfer's document and files it;
        * the new main file having its own document already (the transfer
          links every file) while the previous main file has another one:
          moving that one onto the new file would break the unique
          attachment. Documents' own filing is then skipped: each file keeps
          its document.
        """
        if not self._tal_is_available() or not attachments:
            return moves
        todo = (
            moves
            if force
            else moves.filtered(lambda m: not m.message_main_attachment_id)
        )
        stored_ids = tuple(move_id for move_id in todo.ids if isinstance(move_id, int))
        if not stored_ids:
            return moves
        # The same lock any write of the invoice takes (no key update): waits
        # for a transfer of these invoices, blocks nothing else. Its
        # serialization failure is expected and retried: not an error for
        # the log.
        self.env.cr.execute(
            SQL(
                """SELECT id FROM account_move WHERE id IN %s
                    ORDER BY id FOR NO KEY UPDATE""",
                stored_ids,
            ),
            log_exceptions=False,
        )
        new_main = self._tal_main_file_choice(attachments, filter_xml)
        if not new_main or not any(move.message_main_attachment_id for move in todo):
            return moves
        documents = (
            self.env["documents.document"].sudo().with_context(active_test=False)
        )
        own = documents.search([("attachment_id", "=", new_main.id)], limit=1)
        if not own:
            return moves
        previous = todo.message_main_attachment_id - new_main
        if not previous:
            return moves
        domain = [("attachment_id", "in", previous.ids), ("id", "!=", own.id)]
        if "previous_attachment_ids" in documents._fields:
            domain = [
                "&",
                ("id", "!=", own.id),
                "|",
                ("attachment_id", "in", previous.ids),
                ("previous_attachment_ids", "in", previous.ids),
            ]
        if documents.with_context(active_test=True).search_count(domain, limit=1):
            _logger.info(
                "Invoice ids %s: the new main file %r keeps its own document",
                todo.ids,
                new_main.name,
            )
            return moves.with_context(no_document=True)
        return moves

    @api.model
    def _tal_main_file_choice(self, attachments, filter_xml):
        """The attachment mail makes the main file among `attachments`: a PDF
        first, then an image, XML files left out when asked."""
        if filter_xml:
            attachments = attachments.filtered(
                lambda a: not (a.mimetype or "").endswith("xml")
                and not (a.mimetype or "").endswith("application/octet-stream")
            )
        if not attachments:
            return attachments
        return max(
            attachments,
            key=lambda a: (
                (a.mimetype or "").endswith("pdf"),
                (a.mimetype or "").startswith("image"),
            ),
        )

    @api.model
    def _tal_rename_documents(self, attachments):
        """Give the documents of `attachments` their attachment's new name
        (Documents names a document after its file only when it is created)."""
        documents = (
            self.env["documents.document"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
            .search([("attachment_id", "in", attachments.ids)])
        )
        for document in documents:
            if document.name != document.attachment_id.name:
                document.name = document.attachment_id.name
