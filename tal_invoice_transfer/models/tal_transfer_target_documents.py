# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import namedtuple

from odoo import Command, api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .. import compat
from ..exceptions import TransferError
from .tal_transfer_target import MAIL_QUIET_CONTEXT

_logger = logging.getLogger(__name__)
# Error messages are kept as their source text and arguments, to be said in
# each reader's language (messages.py): lazy translations on purpose.
# pylint: disable=prefer-env-translation
_lt = LazyTranslate(__name__)

# A document around an invoice, as the transfer reads it (_tal_holders).
Holder = namedtuple(
    "Holder",
    "document_id active company_id name attachment_id checksum mimetype linked made",
)

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
            # Every internal user reads it: no need to look for accountants
            # (this runs for each invoice).
            return True
        return not self._tal_hidden_folders(company, folder)

    @api.model
    def _tal_hidden_folders(self, company, folders):
        """The folders among `folders` no accounting user of `company` may
        read (see _tal_accountants_can_read), in one query."""
        if not folders:
            return folders
        groups = [
            group.id
            for xmlid in ACCOUNTANT_GROUPS
            if (group := self.env.ref(xmlid, raise_if_not_found=False))
        ]
        accountants = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("share", "=", False),
                    (compat.USER_ALL_GROUPS_FIELD, "in", groups),
                    ("company_ids", "in", company.ids),
                ]
            )
            .partner_id
        )
        self.env["documents.document"].flush_model()
        self.env["documents.access"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT f.id FROM documents_document f
                 WHERE f.id = ANY(%(ids)s) AND f.access_internal = 'none'
                   AND NOT EXISTS (
                       SELECT 1 FROM res_users u
                        WHERE u.id = f.owner_id AND u.partner_id = ANY(%(partners)s))
                   AND NOT EXISTS (
                       SELECT 1 FROM documents_access member
                        WHERE member.document_id = f.id AND member.role IS NOT NULL
                          AND (member.expiration_date IS NULL
                               OR member.expiration_date > now() at time zone 'UTC')
                          AND member.partner_id = ANY(%(partners)s))
                """,
                ids=folders.ids,
                partners=accountants.ids,
            )
        )
        return folders.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _tal_plan_folders(self, company):
        """The folders the company's invoices are filed in: its folder and
        the folders below it (an upload script's customer folders, which a
        filing plan reuses). Hook: a filing plan adds the folders it files
        into elsewhere."""
        folder = self._tal_folder_record(company)
        if not folder:
            return self.env["documents.document"].sudo()
        return (
            self.env["documents.document"]
            .sudo()
            .search([("id", "child_of", folder.id), ("type", "=", "folder")])
        )

    @api.model
    def _tal_folder_record(self, company):
        """The company's folder when it is a live Documents folder, else an
        empty recordset (no error: the preview says what is set)."""
        folder = company._tal_transfer_folder_record()
        if folder is None or folder._name != self._tal_folder_model:
            return self.env["documents.document"].sudo()
        folder = folder.sudo().exists()
        return folder if folder.type == "folder" else folder.browse()

    @api.model
    def _tal_grant_access(self, company):
        """Give internal users read access to the folders of the plan no
        accounting user may read, and to what they hold (Documents passes
        it down until a document has it already). Returns those folders."""
        hidden = self._tal_hidden_folders(company, self._tal_plan_folders(company))
        # The topmost ones: Documents passes the access down from them.
        tops = hidden.filtered(lambda folder: folder.folder_id not in hidden)
        if tops:
            tops.action_update_access_rights(access_internal="view")
        return hidden

    @api.model
    def _tal_transfer(self, move, attachments):
        """File the invoice's `attachments`, taking over what is there.

        One document per attachment (a database constraint): any document of
        a file is reused, trashed ones included (e.g. one documents_account
        filed). What an upload script left counts too: the invoice's PDF it
        filed (tal.invoice.transfer.pdf._tal_held_pdfs) is the invoice's PDF
        here, and a document holding the same content as a file (a copy of
        the invoice's own bytes, linked to the invoice or in the company's
        folder) is that file's document. None of them is moved; a trashed
        one is restored only when nothing live holds the same.
        """
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
        holders = self._tal_holders(move, attachments, folder)
        existing = documents.browse(
            [h.document_id for h in holders if h.attachment_id in attachments.ids]
        )
        self._tal_refuse_foreign(existing, move)
        # A file that is an older version of a document (Documents keeps the
        # previous file when a document gets a new one, as documents_account
        # does when the main file changes) is in Documents through it.
        versioned = self._tal_documents_keeping(
            documents, attachments - existing.attachment_id
        )
        pdf = self._tal_invoice_pdf(move, holders, documents)
        content = self._tal_content_holders(move, holders, attachments, documents)
        self._tal_restore(
            self._tal_to_restore(move, holders, existing, versioned, pdf, content),
            move,
        )
        live = (existing | versioned | pdf | content).filtered("active")
        copies_of = self._tal_copies_by_file(
            [h for h in holders if h.document_id in live.ids], attachments
        )
        new_attachments = (
            attachments
            - existing.attachment_id
            - (versioned.previous_attachment_ids & attachments)
        ).filtered(lambda attachment: not copies_of.get(attachment.id))
        copies = self.env["tal.invoice.transfer.pdf"]._tal_pdf_copies(
            move, new_attachments
        )
        if copies:
            # Copies of the invoice's PDF get no document once the PDF has
            # one (or the official PDF gets one now); else the first does.
            official = new_attachments.filtered("res_field")
            new_attachments -= copies if (pdf & live) or official else copies[1:]
        self._tal_complete(live, move, tags)
        if not new_attachments:
            return live
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
        return live | created

    @api.model
    def _tal_holders(self, move, attachments, folder):
        """The documents around an invoice, in one query: those of every
        attachment of the invoice (whatever the transfer's files), and those
        an upload left in the company's folder (or below it) whose file has
        the content of one of `attachments` and belongs to no record."""
        self.env["documents.document"].flush_model()
        self.env["ir.attachment"].flush_model(
            ["res_model", "res_id", "res_field", "checksum", "mimetype"]
        )
        checksums = sorted({a.checksum for a in attachments if a.checksum})
        self.env.cr.execute(
            SQL(
                """
                SELECT d.id, d.active, d.company_id, %(name)s, a.id, a.checksum,
                       a.mimetype, a.res_model = 'account.move', a.create_date
                  FROM documents_document d
                  JOIN ir_attachment a ON a.id = d.attachment_id
                 WHERE d.type = 'binary'
                   AND ((a.res_model = 'account.move' AND a.res_id = %(move)s)
                        OR (a.checksum = ANY(%(checksums)s)
                            AND (a.res_model IS NULL
                                 OR a.res_model = 'documents.document')
                            AND d.parent_path LIKE %(tree)s))
                 ORDER BY d.id
                """,
                name=self.env["documents.document"]._field_to_sql("d", "name"),
                move=move.id,
                checksums=checksums,
                tree=f"{folder.parent_path}%",
            )
        )
        return [Holder(*row) for row in self.env.cr.fetchall()]

    @api.model
    def _tal_refuse_foreign(self, existing, move):
        """A file whose document belongs to another company cannot be filed
        (one document per file): a person moves or deletes that document."""
        foreign = existing.filtered(
            lambda document: document.company_id
            and document.company_id != move.company_id
        )
        if foreign:
            raise TransferError(
                _lt(
                    "The documents %(documents)s of this invoice's files belong to "
                    "company %(other)s, not to %(company)s, and a file has only "
                    "one document: move them to a folder of %(company)s (or "
                    "delete them: the files stay on the invoice), then retry.",
                    documents=", ".join(f"'{name}'" for name in foreign.mapped("name")),
                    other=foreign[:1].company_id.name,
                    company=move.company_id.name,
                ),
                kind="settings",
            )

    @api.model
    def _tal_invoice_pdf(self, move, holders, documents):
        """The documents that are the invoice's PDF (the rule of
        tal.invoice.transfer.pdf._tal_held_pdfs), live or trashed."""
        candidates = [
            (documents.browse(h.document_id), h.name, h.made)
            for h in holders
            if h.linked
            and h.mimetype == "application/pdf"
            and (not h.company_id or h.company_id == move.company_id.id)
        ]
        if not candidates:
            return documents.browse()
        held = self.env["tal.invoice.transfer.pdf"]._tal_held_pdfs(
            move, self, candidates={move.id: candidates}
        )
        return held.get(move.id, documents.browse())

    @api.model
    def _tal_copies_by_file(self, holders, attachments):
        """{attachment id: [holders]}: the documents holding a copy of each
        of `attachments` (same content, another file): an upload's copy in
        the company's folder, or a later file of the invoice (an upload
        script sent the invoice's bytes with the invoice as its record).
        The invoice's official files (its PDF, its e-invoice) are never
        taken for copies: they are what was sent, filed as themselves."""
        copies = {}
        for attachment in attachments:
            if attachment.res_field or not attachment.checksum:
                continue
            found = [
                h
                for h in holders
                if h.checksum == attachment.checksum
                and h.attachment_id != attachment.id
                and (not h.linked or h.attachment_id > attachment.id)
            ]
            if found:
                copies[attachment.id] = found
        return copies

    @api.model
    def _tal_content_holders(self, move, holders, attachments, documents):
        """The documents holding copies of `attachments` (see
        _tal_copies_by_file), never another company's; one left in the
        company's folder only when no other invoice of the transfer holds
        that content (otherwise which invoice it is for is not known)."""
        mine = [
            h for h in holders if not h.company_id or h.company_id == move.company_id.id
        ]
        found = {
            h
            for found in self._tal_copies_by_file(mine, attachments).values()
            for h in found
        }
        unlinked = {h.checksum for h in found if not h.linked}
        shared = (
            self.env["tal.invoice.transfer.scope"]._tal_shared_contents(unlinked)
            if unlinked
            else set()
        )
        return documents.browse(
            sorted(h.document_id for h in found if h.linked or h.checksum not in shared)
        )

    @api.model
    def _tal_to_restore(self, move, holders, existing, versioned, pdf, content):
        """The trashed documents to take out of the trash: the invoice's PDF
        when none of its documents is live (its official PDF's, else the
        oldest); for the other contents, one document when none holding that
        content is live (the file's own first); a file kept as a version,
        always."""
        official = move.sudo().invoice_pdf_report_id
        to_restore = versioned.filtered(lambda document: not document.active)
        if pdf and not pdf.filtered("active"):
            to_restore |= (
                pdf.filtered(lambda document: document.attachment_id == official)
                or pdf.sorted("id")
            )[:1]
        checksum_of = {h.document_id: h.checksum for h in holders}
        live_contents = {
            checksum_of.get(document.id)
            for document in (existing | pdf | content).filtered("active")
        }
        copied = {checksum_of.get(document.id) for document in content}
        others = (existing | content) - pdf
        for checksum in {checksum_of.get(document.id) for document in others}:
            group = others.filtered(
                lambda document, c=checksum: checksum_of.get(document.id) == c
            )
            trashed = group.filtered(lambda document: not document.active)
            if checksum not in copied:
                # No copy involved: every file's document comes back.
                to_restore |= trashed
            elif checksum not in live_contents and trashed:
                to_restore |= ((trashed & existing) or trashed).sorted("id")[:1]
        return to_restore

    @api.model
    def _tal_pdf_documents(self, moves):
        # SQL: an ORM search through attachment_id would leave out the
        # invoice's official PDF (a field's attachment).
        if not moves:
            return {}
        self.env["documents.document"].flush_model()
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "mimetype"])
        self.env.cr.execute(
            SQL(
                """
                SELECT a.res_id, d.id, d.company_id, %(name)s, a.create_date
                  FROM documents_document d
                  JOIN ir_attachment a ON a.id = d.attachment_id
                 WHERE d.type = 'binary' AND a.mimetype = 'application/pdf'
                   AND a.res_model = 'account.move' AND a.res_id = ANY(%(ids)s)
                 ORDER BY d.id
                """,
                name=self.env["documents.document"]._field_to_sql("d", "name"),
                ids=moves.ids,
            )
        )
        rows = self.env.cr.fetchall()
        documents = (
            self.env["documents.document"].sudo().with_context(active_test=False)
        )
        companies = {move.id: move.company_id.id for move in moves}
        held = {}
        for move_id, document_id, company_id, name, made in rows:
            if company_id and company_id != companies[move_id]:
                continue
            held.setdefault(move_id, []).append(
                (documents.browse(document_id), name, made)
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
