# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import os
import re

from odoo import Command, api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..exceptions import TransferError
from .tal_transfer_target import MAIL_QUIET_CONTEXT

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)


class TalTransferTargetDms(models.AbstractModel):
    """OCA DMS: files linked to the invoice's attachment, in a directory per invoice.

    The directory tree under the configured root is journal / year / month /
    invoice. DMS compares a new directory's name with all its siblings, so a
    flat root slows down with every invoice; this tree keeps every folder
    small (an invoice folder per invoice of one journal and month), which is
    also how an accountant looks for an invoice. Runs that commit make the
    invoice folders of a batch of invoices at once (`_tal_prepare`).
    """

    _name = "tal.transfer.target.dms"
    _inherit = "tal.transfer.target"
    _description = "Invoice Files Transfer to DMS"

    _tal_target_key = "dms"
    _tal_document_model = "dms.file"
    _tal_folder_model = "dms.directory"

    @api.model
    def _tal_target_name(self):
        return self.env._("DMS (OCA)")

    @api.model
    def _tal_folder_label(self):
        return self.env._("DMS directory")

    # Before filing plans, DMS filed by journal / year / month.
    _tal_legacy_plan = "journal_period"

    @api.model
    def _tal_folder_fields(self):
        return [*super()._tal_folder_fields(), "storage_id"]

    # ------------------------------------------------------------------
    # Filing plans. In attachment storage every DMS directory names a
    # record, and a file is its directory's record's: each invoice keeps
    # its own directory, naming it, inside the plan's folder. One folder:
    # the invoices' directories in the root; By journal / year / month:
    # root / journal / year / month (naming the journal); By customer: root /
    # customer (naming the commercial partner). Like Accounting files as
    # Documents' Accounting app does, which DMS has not: refused.
    # ------------------------------------------------------------------

    @api.model
    def _tal_plans(self):
        return ("customer", "journal_period", "single")

    @api.model
    def _tal_plan_refusal(self, plan):
        return self.env._(
            "it files where Documents' Accounting app would, and DMS has no "
            "such settings: choose By customer, By journal / year / month or "
            "One folder."
        )

    @api.model
    def _tal_folders(self):
        return self._tal_directories()

    @api.model
    def _tal_folder_path(self, folder):
        return folder.sudo().complete_name

    @api.model
    def _tal_invoice_level(self):
        return " / " + self.env._("<invoice>")

    @api.model
    def _tal_child_folder_domain(self, parent):
        return [("parent_id", "=", parent.id)]

    @api.model
    def _tal_folder_name(self, name):
        return self._tal_safe_name(name)

    @api.model
    def _tal_children_sql(self, parent):
        return SQL(
            """SELECT id, name, res_model, res_id, TRUE AS active
                 FROM dms_directory WHERE parent_id = %s""",
            parent.id,
        )

    @api.model
    def _tal_folder_name_sql(self, name):
        # _tal_safe_name on a script name (no slash left): its ends trimmed.
        return SQL("btrim(%s, ' .')", name)

    @api.model
    def _tal_new_folder_vals(self, parent, name, record):
        return {
            "name": name,
            "parent_id": parent.id,
            "storage_id": parent.storage_id.id,
            "model_id": self.env["ir.model"]._get_id(record._name),
            "res_model": record._name,
            "res_id": record.id,
        }

    @api.model
    def _tal_plan_key(self, move, root):
        """Invoices of one key share their plan's folder."""
        plan = self._tal_plan(move.company_id)
        if plan == "journal_period":
            return self._tal_month_key(move, root)
        customer = move.partner_id.commercial_partner_id
        if plan == "customer" and customer:
            return (root.id, "customer", customer.id)
        return (root.id,)

    @api.model
    def _tal_plan_parent(self, move, root):
        """The directory the invoice's own directory goes in."""
        plan = self._tal_plan(move.company_id)
        if plan == "journal_period":
            return self._tal_month_directory(move, root)
        if plan == "customer":
            return self._tal_customer_directory(move, root)
        return root

    @api.model
    def _tal_customer_directory(self, move, root):
        """The invoice's customer's directory in the root (By customer),
        found, claimed or made."""
        customer = move.partner_id.commercial_partner_id
        if not customer:
            return root
        cache = self._tal_run_cache("dms_customer_directories")
        key = (root.id, customer.id)
        if key in cache:
            held = self._tal_hold_directories([cache[key]])
            if held:
                return held
            cache.pop(key)
        directory = self._tal_customer_folders(root, move)[customer]
        directory = self._tal_hold_directories(directory.ids) or directory
        self.env.cr.postcommit.add(lambda: cache.__setitem__(key, directory.id))
        return directory

    @api.model
    def _tal_check_folder(self, folder, company):
        if folder.storage_id.save_type != "attachment":
            raise TransferError(
                _lt(
                    "The DMS directory '%(name)s' of company %(company)s is not in a "
                    "storage of type 'Attachment': choose a directory of such a "
                    "storage, so files stay the invoices' own attachments.",
                    name=folder.display_name,
                    company=company.name,
                ),
                kind="settings",
            )

    @api.model
    def _tal_directories(self):
        return (
            self.env["dms.directory"]
            .sudo()
            .with_context(
                active_test=False,
                # DMS's own switch for its test of a name on the filesystem (a
                # temporary folder and file per name): our names are made
                # valid by _tal_safe_name. Its check against the siblings
                # stays.
                check_name=False,
                **MAIL_QUIET_CONTEXT,
            )
        )

    @api.model
    def _tal_lock_children(self, parent):
        """Hold the right to add directories to `parent` until this
        transaction ends; call it before the search that decides to add one.

        DMS has no unique name per parent, and its name check only sees
        committed rows: two workers starting on an empty tree would each make
        their own journal, year or month folder. Whoever adds one here first
        updates the parent's row (changing nothing). A second worker waits on
        that row until the first ends. Then, in Odoo's REPEATABLE READ,
        PostgreSQL refuses its update if the first committed after its
        snapshot (a SerializationFailure: the engine tries the invoice again
        in a new transaction, which finds the folder); in READ COMMITTED (the
        batch preparation) its next search sees the folder.
        """
        self.env.cr.execute(
            "UPDATE dms_directory SET write_date = write_date WHERE id = %s",
            [parent.id],
            # A race the caller handles: not an error for the log.
            log_exceptions=False,
        )

    @api.model
    def _tal_child_directory(self, parent, name, record):
        """Find or create `parent`/`name`, bound to `record` (attachment storage
        requires every directory to name a record).

        Returns the directory and whether it was made just now.
        """
        directories = self._tal_directories()
        # Journal, year and month directories serve many invoices: looked up
        # once per run, not three searches per invoice.
        cache = self._tal_run_cache("dms_directories")
        key = (parent.id, name)
        if key in cache:
            return directories.browse(cache[key]), False
        child = directories.search(
            [("parent_id", "=", parent.id), ("name", "=", name)], limit=1
        )
        if not child:
            # Another worker may be making it: wait for it, then look again.
            self._tal_lock_children(parent)
            child = directories.search(
                [("parent_id", "=", parent.id), ("name", "=", name)], limit=1
            )
        if child:
            # Found, so committed or kept by an earlier invoice: cached once
            # this transaction commits (never if it rolls back).
            self.env.cr.postcommit.add(lambda: cache.__setitem__(key, child.id))
            return child, False
        # Made by this invoice, inside its savepoint: not cached, since the
        # invoice may still fail and take it along (the next invoice finds it).
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
        return child, True

    @api.model
    def _tal_month_key(self, move, root):
        day = move.invoice_date or move.date
        return (root.id, move.journal_id.id, f"{day:%Y-%m}")

    @api.model
    def _tal_month_directory(self, move, root):
        """root / journal / year / month of the invoice, made when missing."""
        day = move.invoice_date or move.date
        # Found once per run: the next invoices of the month need neither the
        # journal's name nor three lookups.
        cache = self._tal_run_cache("dms_month_directories")
        key = self._tal_month_key(move, root)
        if key in cache:
            month = self._tal_hold_directories([cache[key]])
            if month:
                return month
            # A user deleted it meanwhile: look the whole path up again.
            cache.pop(key)
        # The journal and year folders kept for the run are looked up again
        # too: a DMS user may have deleted them (with their months) since, and
        # a month made in a deleted year fails its invoice ('Record does not
        # exist'). Once per month and run: the month found is kept.
        self._tal_run_cache("dms_directories").clear()
        journal = move.journal_id
        parent, made = root, False
        for name in (journal.code or journal.name, f"{day:%Y}", f"{day:%m}"):
            parent, created = self._tal_child_directory(
                parent, self._tal_safe_name(name), journal
            )
            made = made or created
        if not made:
            self._tal_hold_directories(parent.ids)
            self.env.cr.postcommit.add(lambda: cache.__setitem__(key, parent.id))
        return parent

    @api.model
    def _tal_hold_directories(self, directory_ids, claim=False):
        """Those of `directory_ids` that still exist, held until this
        transaction ends: a DMS user may delete a folder at any time, and a
        folder or file made in a deleted one fails on its foreign key (an
        ERROR in the log and a retry). The user's deletion waits instead.

        :param claim: hold them with a write that changes nothing, for the
            folders no other worker files into meanwhile: an invoice's own,
            and the months a batch fills (its transaction is READ COMMITTED).
            A user's deletion that waited then fails with a serialization
            error, which Odoo retries and which then sees the new files; held
            FOR KEY SHARE, it met them on its foreign key, an error Odoo does
            not retry. Months that workers file into are held FOR KEY SHARE,
            which they never wait for.
        """
        if not directory_ids:
            return self._tal_directories()
        if claim:
            # Locked in id order first: two batches claiming months they
            # share then wait for each other instead of deadlocking.
            query = """
                UPDATE dms_directory SET write_date = write_date
                 WHERE id IN (SELECT id FROM dms_directory WHERE id = ANY(%s)
                               ORDER BY id FOR NO KEY UPDATE)
                RETURNING id
            """
        else:
            query = "SELECT id FROM dms_directory WHERE id = ANY(%s) FOR KEY SHARE"
        self.env.cr.execute(
            query,
            [list(directory_ids)],
            # Deleted or changed since this transaction's snapshot: a race the
            # engine retries, not an error for the log.
            log_exceptions=False,
        )
        return self._tal_directories().browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _tal_invoice_directory(self, move, root):
        """The invoice's own directory and whether it was made just now."""
        directories = self._tal_directories()
        prepared = self._tal_run_cache("dms_prepared_directories").pop(
            (root.storage_id.id, move.id), None
        )
        # A user may have deleted it since (an empty folder): made again below.
        prepared = self._tal_hold_directories(
            [prepared] if prepared else [], claim=True
        )
        if prepared:
            return prepared, False
        # An invoice directory may already exist, made by an earlier run or by
        # DMS itself when its storage lists invoices: never make a second one.
        existing = directories.search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("storage_id", "=", root.storage_id.id),
            ],
            limit=1,
        )
        # Claimed as a prepared one is: a user may delete it at any moment.
        existing = self._tal_hold_directories(existing.ids, claim=True)
        if existing:
            return existing, False
        parent = self._tal_plan_parent(move, root)
        taken = self._tal_taken_names(parent, [self._tal_safe_name(move.name)])
        directory = directories.create(
            self._tal_invoice_directory_vals(
                move, parent, self._tal_safe_name(move.name, taken)
            )
        )
        return directory, True

    @api.model
    def _tal_taken_names(self, parent, names):
        """The names in `parent` that `names` could clash with: each name,
        bare or with a suffix. Only those, through the index on the parent: a
        month folder holds thousands."""
        patterns = [
            re.sub(r"([\\%_])", r"\\\1", os.path.splitext(name)[0]) + "%"
            for name in names
        ]
        self.env.cr.execute(
            "SELECT name FROM dms_directory WHERE parent_id = %s AND name LIKE ANY(%s)",
            [parent.id, patterns],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _tal_invoice_directory_vals(self, move, parent, name):
        return {
            "name": name,
            "parent_id": parent.id,
            "storage_id": parent.storage_id.id,
            "model_id": self.env["ir.model"]._get_id("account.move"),
            "res_model": "account.move",
            "res_id": move.id,
        }

    @api.model
    def _tal_transfer(self, move, attachments):
        company = move.company_id
        root = self._tal_folder(company)
        self._tal_plan(company)
        tags = self._tal_tags(company, "dms.tag")
        self._tal_check_files(attachments)
        files = (
            self.env["dms.file"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
        )
        existing = files.search([("attachment_id", "in", attachments.ids)])
        new_attachments = attachments - existing.attachment_id
        if new_attachments:
            held, new_attachments = self._tal_taken_over(
                move, root, existing, new_attachments
            )
            existing |= held
        if not new_attachments:
            return existing
        directory, is_new = self._tal_invoice_directory(move, root)
        taken = set() if is_new else set(directory.file_ids.mapped("name"))
        vals_list = []
        for attachment in new_attachments:
            name = self._tal_safe_name(attachment.name, taken)
            taken.add(name)
            vals_list.append(
                {
                    "name": name,
                    "directory_id": directory.id,
                    "attachment_id": attachment.id,
                    "tag_ids": [Command.set(tags.ids)],
                }
            )
        return existing | files.create(vals_list)

    # ------------------------------------------------------------------
    # Taking over from upload scripts. In attachment storage a DMS file is
    # a record's own attachment: a script's upload into an invoice's
    # directory made a new attachment on the invoice (a copy), one into a
    # customer's or a journal's directory a file of that record. The
    # Documents rules, said of DMS files: the invoice's PDF held by a live
    # file (the rule of _tal_held_pdfs) or its official PDF leaves its
    # copies on the invoice without a file of their own (else the first
    # copy is its PDF); a live file holding the content of one of the
    # invoice's files, as a later file of the invoice or under the
    # company's root as no invoice's file (a content several invoices
    # hold excepted), is that file's.
    # ------------------------------------------------------------------

    @api.model
    def _tal_taken_over(self, move, root, existing, attachments):
        """(files held already, attachments left to file) for the invoice's
        `attachments` that have no DMS file of their own."""
        maker = self.env["tal.invoice.transfer.pdf"]
        files = self.env["dms.file"].sudo()
        copies = maker._tal_pdf_copies(move, attachments)
        if copies:
            held = maker._tal_held_pdfs(move, self).get(move.id, files)
            official = attachments.filtered("res_field")
            attachments -= copies if held.filtered("active") or official else copies[1:]
        holders = self._tal_content_holders(move, root, attachments)
        taken = attachments.filtered(lambda attachment: attachment.id in holders)
        return (
            files.browse(sorted({f for a in taken.ids for f in holders[a]})),
            attachments - taken,
        )

    _tal_files_pdf_copies = True

    @api.model
    def _tal_pdf_on_invoice(self, moves):
        """DMS files the invoice's own attachments: a copy of its PDF on the
        invoice (the old script's, moved there by Documents) is filed as its
        PDF (see _tal_taken_over), so none is made for it."""
        maker = self.env["tal.invoice.transfer.pdf"]
        scope = self.env["tal.invoice.transfer.scope"]
        return {
            move.id for move in moves if maker._tal_pdf_copies(move, scope._files(move))
        }

    @api.model
    def _tal_content_holders(self, move, root, attachments):
        """{attachment id: [DMS file ids]}: the live DMS files of the
        invoice's company (or of none) holding a copy of each of
        `attachments` (see above). The invoice's official files are never
        taken for copies: they are what was sent, filed as themselves."""
        wanted = attachments.filtered(lambda a: not a.res_field and a.checksum)
        if not wanted:
            return {}
        self.env["dms.file"].flush_model()
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "checksum"])
        self.env.cr.execute(
            SQL(
                """
                SELECT f.id, a.id, a.checksum, a.res_model = 'account.move'
                  FROM dms_file f
                  JOIN ir_attachment a ON a.id = f.attachment_id
                  JOIN dms_directory d ON d.id = f.directory_id
                  JOIN dms_storage s ON s.id = d.storage_id
                 WHERE f.active AND a.checksum = ANY(%(checksums)s)
                   AND (s.company_id IS NULL OR s.company_id = %(company)s)
                   AND ((a.res_model = 'account.move' AND a.res_id = %(move)s)
                        OR (a.res_model IS DISTINCT FROM 'account.move'
                            AND d.parent_path LIKE %(tree)s))
                """,
                checksums=sorted(set(wanted.mapped("checksum"))),
                company=move.company_id.id,
                move=move.id,
                tree=f"{root.parent_path}%",
            )
        )
        rows = self.env.cr.fetchall()
        unlinked = {checksum for _f, _a, checksum, linked in rows if not linked}
        shared = self.env["tal.invoice.transfer.scope"]._tal_shared_contents(unlinked)
        holders = {}
        for attachment in wanted:
            found = [
                file_id
                for file_id, attachment_id, checksum, linked in rows
                if checksum == attachment.checksum
                and attachment_id != attachment.id
                and (
                    attachment_id > attachment.id if linked else checksum not in shared
                )
            ]
            if found:
                holders[attachment.id] = found
        return holders

    # -- Duplicates (the list and the clean-up of
    # tal.invoice.transfer.duplicate). DMS has no trash: a duplicate is
    # archived. Its file stays on the invoice: in attachment storage a DMS
    # file's content is an attachment of its directory's record, and
    # moving it off the invoice would leave the file in an invoice's
    # directory without being the invoice's. The check and the transfer
    # then count it as a copy (its content or the invoice's PDF is held
    # by the file kept).

    _tal_lists_duplicates = True
    _tal_takes_copies_off = False

    @api.model
    def _tal_documents_sql(self, live=True):
        return SQL(
            """SELECT f.id, f.attachment_id, s.company_id, d.parent_path
                 FROM dms_file f
                 JOIN dms_directory d ON d.id = f.directory_id
                 JOIN dms_storage s ON s.id = d.storage_id
                %s""",
            SQL("WHERE f.active") if live else SQL(),
        )

    @api.model
    def _tal_unlinked_sql(self, attachment):
        # An upload into a directory of another record (a customer's, a
        # journal's): not an invoice's file.
        return SQL(
            "%s.res_model IS DISTINCT FROM 'account.move'",
            SQL.identifier(attachment),
        )

    @api.model
    def _tal_document_folder_name(self, document):
        return document.directory_id.complete_name

    @api.model
    def _tal_worked_on(self, document_ids):
        """The DMS files among `document_ids` a person worked on since they
        were made: a note or a message on them, a change DMS tracks, a tag
        the transfer does not put, a category."""
        if not document_ids:
            return set()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT f.id FROM dms_file f
                 WHERE f.id = ANY(%(ids)s) AND (
                    f.category_id IS NOT NULL
                    OR %(touched)s)
                """,
                ids=list(document_ids),
                touched=self._tal_touched_sql("f", "dms.tag"),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _tal_trash(self, documents, copies):
        """Archive the duplicates (DMS has no trash); their files stay."""
        documents.sudo().with_context(**MAIL_QUIET_CONTEXT).write({"active": False})

    @api.model
    def _tal_pdf_documents(self, moves):
        # In attachment storage a DMS file is the invoice's own attachment;
        # the official PDF's is a field's (which ir.attachment's search leaves
        # out unless told, on 18.0 also through a path like these).
        files = (
            self.env["dms.file"]
            .sudo()
            .with_context(active_test=False, skip_res_field_check=True)
        )
        found = files.search(
            [
                ("attachment_id.res_model", "=", "account.move"),
                ("attachment_id.res_id", "in", moves.ids),
                ("attachment_id.mimetype", "=", "application/pdf"),
            ]
        )
        companies = {move.id: move.company_id for move in moves}
        held = {}
        for file in found:
            attachment = file.attachment_id
            company = file.directory_id.company_id
            if company and company != companies.get(attachment.res_id):
                continue
            held.setdefault(attachment.res_id, []).append(
                (file, attachment.name, attachment.create_date)
            )
        return held

    @api.model
    def _tal_rename_documents(self, attachments):
        """Give the DMS files of `attachments` their attachment's new name.

        Unique in the directory, as DMS requires; a name DMS refuses (e.g. a
        forbidden extension) leaves the file's name as it was.
        """
        files = (
            self.env["dms.file"]
            .sudo()
            .with_context(active_test=False, **MAIL_QUIET_CONTEXT)
            .search([("attachment_id", "in", attachments.ids)])
        )
        for file in files:
            taken = set(file.directory_id.file_ids.mapped("name")) - {file.name}
            name = self._tal_safe_name(file.attachment_id.name, taken)
            if name == file.name:
                continue
            try:
                with self.env.cr.savepoint():
                    file.name = name
            except ValidationError as error:
                _logger.warning(
                    "DMS file %s keeps its name %r, %r is refused: %s",
                    file.id,
                    file.name,
                    name,
                    error,
                )

    # ------------------------------------------------------------------
    # A batch of invoices' directories at once
    # ------------------------------------------------------------------

    @api.model
    def _tal_prepare(self, move_ids):
        """Make the directories of a batch of pending invoices with one DMS
        create, committed before the invoices are transferred.

        DMS pays most of a directory's cost per create call, not per
        directory: the registry cache clear (and the reads it causes next),
        the cycle check, the name check's read of every sibling. One call for
        the batch pays them once. Each directory is bound to its invoice, so
        the invoice's transaction and any retry find it; an invoice that then
        fails keeps its empty directory for its retry.
        """
        return self._tal_prepare_apart(
            move_ids,
            "tal.transfer.target.dms.batch",
            "_tal_prepare_directories",
            "DMS directories",
        )

    @api.model
    def _tal_check_missing(self, company_ids=None):
        """{move id: [names]}: the transferred invoices of which a file has
        no live DMS file any more, nor a copy taken for it (see
        _tal_taken_over), or whose DMS file the invoice points to is gone
        (None in the names); set-based."""
        file_held = SQL(
            """EXISTS (
                    SELECT 1 FROM dms_file df
                     WHERE df.attachment_id = f.att_id AND df.active)
                OR EXISTS (
                    SELECT 1 FROM ir_attachment up
                      JOIN dms_file uf ON uf.attachment_id = up.id
                      JOIN dms_directory ud ON ud.id = uf.directory_id
                      JOIN dms_storage us ON us.id = ud.storage_id
                      LEFT JOIN tree ON tree.company_id = f.company_id
                     WHERE up.checksum = f.checksum AND uf.active
                       AND (us.company_id IS NULL OR us.company_id = f.company_id)
                       AND ((up.res_model = 'account.move'
                             AND up.res_id = f.move_id)
                            OR (up.res_model IS DISTINCT FROM 'account.move'
                                AND starts_with(ud.parent_path, tree.parent_path)
                                AND f.checksum NOT IN (
                                    SELECT checksum FROM shared))))"""
        )
        document_held = SQL(
            """EXISTS (
                    SELECT 1 FROM dms_file rf
                     WHERE rf.id = split_part(d.ref, ',', 2)::int AND rf.active)"""
        )
        return self._tal_missing_files(company_ids, file_held, document_held)
