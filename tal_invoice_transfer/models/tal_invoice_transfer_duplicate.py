# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from markupsafe import Markup, escape
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import compat

_logger = logging.getLogger(__name__)

# A person's transaction holds one of the documents, or changed one since
# the clean-up began: that invoice is left for the next clean-up.
BUSY_ERRORS = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure)
KINDS = [
    ("pdf", "Invoice PDF filed more than once"),
    ("content", "Same content filed more than once"),
    ("ambiguous", "Content of several invoices"),
]


class TalInvoiceTransferDuplicate(models.Model):
    """What upload scripts filed twice: one row per document of a group of
    duplicates of an invoice, as the last look found them (the list's
    action looks again). The clean-up keeps one of each group (or each one a
    person worked on) and moves the others to the trash."""

    _name = "tal.invoice.transfer.duplicate"
    _description = "Invoice Files Transfer: Duplicate Document"
    _order = "move_id, kind, group_key, keep desc, made_on, id"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    kind = fields.Selection(KINDS, required=True)
    group_key = fields.Char(string="Content", help="Checksum of the content.")
    # "model,id": the document app may be uninstalled (see account.move).
    document_ref = fields.Char(string="Document Reference", required=True)
    document_name = fields.Char(string="Document")
    folder_name = fields.Char(string="Folder")
    made_by = fields.Many2one("res.users")
    made_on = fields.Datetime()
    is_official = fields.Boolean(
        string="Official PDF", help="Holds the invoice's official PDF."
    )
    worked_on = fields.Boolean(
        help="A person tagged, commented, shared or moved it since it was made.",
    )
    keep = fields.Boolean(string="Kept")
    copy_off = fields.Boolean(
        string="Copy Taken Off",
        help="Its file is a copy on the invoice: the clean-up takes it off the "
        "invoice with the document (it stays in the trash with it).",
    )
    audit_trail = fields.Boolean(
        string="Restricted Audit Trail",
        help="The company keeps a restricted audit trail: Odoo refuses to move "
        "or delete a posted invoice's files, so the clean-up only trashes the "
        "document and its copy stays on the invoice.",
    )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_tal_open_duplicates(self, rescan=True):
        """The menu's list: looked again for the user's companies first."""
        self.env["account.move"]._tal_transfer_check_manager()
        if rescan:
            self.sudo()._tal_scan(company_ids=self.env.companies.ids)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Duplicate Documents"),
            "res_model": self._name,
            "view_mode": "list",
            "views": [
                (
                    self.env.ref(
                        "tal_invoice_transfer.tal_invoice_transfer_duplicate_view_list"
                    ).id,
                    "list",
                )
            ],
            "search_view_id": [
                self.env.ref(
                    "tal_invoice_transfer.tal_invoice_transfer_duplicate_view_search"
                ).id
            ],
            "context": {"search_default_group_move": 1},
        }

    @api.model
    def action_tal_clean_up_wizard(self):
        """The list's Clean Up button: the counts, then the clean-up."""
        self.env["account.move"]._tal_transfer_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Clean Up Duplicate Documents"),
            "res_model": "tal.invoice.transfer.duplicate.cleanup",
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Looking
    # ------------------------------------------------------------------

    @api.model
    def _tal_target(self):
        try:
            target = self.env["tal.transfer.target"]._tal_get_target()
        except UserError:
            return None
        return target if target._tal_lists_duplicates else None

    @api.model
    def _tal_scan(self, company_ids=None, move_ids=None):
        """Look again: replace the rows of these companies (or invoices)."""
        domain = []
        if company_ids is not None:
            domain.append(("company_id", "in", list(company_ids)))
        if move_ids is not None:
            domain.append(("move_id", "in", list(move_ids)))
        self.sudo().search(domain).unlink()
        target = self._tal_target()
        if target is None:
            return self.browse()
        plans = self._tal_plans(
            target, target._tal_duplicate_groups(company_ids, move_ids)
        )
        return self.sudo().create(
            [row for plan in plans.values() for row in plan["rows"]]
        )

    @api.model
    def _tal_plans(self, target, groups):
        """{move id: {'rows': [vals], 'trash': documents, 'copies':
        attachments, 'kept': documents}}: what the clean-up does, invoice by
        invoice. Each group keeps the document of the invoice's official
        PDF when it has one, and every one a person worked on; else the
        oldest. A document kept by one group is never trashed by another.
        """
        by_move = defaultdict(list)
        for move_id, kind, checksum, document_ids in groups:
            by_move[move_id].append((kind, checksum, document_ids))
        all_ids = {doc_id for _m, _k, _c, ids in groups for doc_id in ids}
        worked = target._tal_worked_on(all_ids)
        Documents = (
            self.env[target._tal_document_model].sudo().with_context(active_test=False)
        )
        maker = self.env["tal.invoice.transfer.pdf"]
        plans = {}
        for move in self.env["account.move"].sudo().browse(list(by_move)):
            official = move.invoice_pdf_report_id
            audit = bool(
                compat.audit_trail_keeps_files(move.company_id) and move.posted_before
            )
            keep, trash, rows, ambiguous = set(), set(), [], set()
            for kind, _checksum, document_ids in by_move[move.id]:
                documents = Documents.browse(document_ids)
                if kind == "ambiguous":
                    keep.update(document_ids)
                    ambiguous.update(document_ids)
                    continue
                kept = {
                    doc.id
                    for doc in documents
                    if doc.attachment_id == official or doc.id in worked
                }
                if not kept:
                    kept = {documents.sorted(lambda d: (d.create_date, d.id))[0].id}
                keep |= kept
                trash |= set(document_ids) - kept
            trash -= keep
            trashed = Documents.browse(sorted(trash))
            copies = self._tal_copies(
                move, trashed, Documents.browse(sorted(keep)), maker
            )
            if audit or not target._tal_takes_copies_off:
                copies = copies.browse()
            for kind, checksum, document_ids in by_move[move.id]:
                for document in Documents.browse(document_ids):
                    rows.append(
                        {
                            "move_id": move.id,
                            "kind": kind,
                            "group_key": checksum,
                            "document_ref": f"{document._name},{document.id}",
                            "document_name": document.name,
                            "folder_name": target._tal_document_folder_name(document),
                            "made_by": document.create_uid.id,
                            "made_on": document.create_date,
                            "is_official": document.attachment_id == official,
                            "worked_on": document.id in worked,
                            "keep": document.id in keep,
                            "copy_off": bool(document.attachment_id & copies),
                            "audit_trail": audit and document.id in trash,
                        }
                    )
            plans[move.id] = {
                "rows": rows,
                "trash": trashed,
                "copies": copies,
                "kept": Documents.browse(sorted(keep)),
                # the invoice's document may become one of these
                "kept_own": Documents.browse(sorted(keep - ambiguous)),
                "audit": audit,
            }
        return plans

    @api.model
    def _tal_copies(self, move, trashed, kept, maker):
        """The files of `trashed` documents that are copies on the invoice,
        to take off it: files an upload made with their document (Documents
        made the file from the bytes sent, then moved it onto the invoice),
        which are copies of its PDF, or whose content stays on the invoice
        through another of its files. Never the official PDF, never a file
        the invoice had before (filed afterwards), never the only file of a
        content."""
        files = self.env["ir.attachment"]
        for document in trashed:
            attachment = document.attachment_id
            if (
                attachment.res_model == "account.move"
                and attachment.res_id == move.id
                and not attachment.res_field
                and attachment.create_date == document.create_date
            ):
                files |= attachment
        if not files:
            return files
        pdf_copies = maker._tal_pdf_copies(move, files)
        staying = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", move.id),
                    ("id", "not in", files.ids),
                ]
            )
        )
        staying |= kept.attachment_id.filtered(
            lambda a: a.res_model == "account.move" and a.res_id == move.id
        )
        contents = set(staying.mapped("checksum"))
        return pdf_copies | files.filtered(lambda a: a.checksum in contents)

    # ------------------------------------------------------------------
    # Cleaning up
    # ------------------------------------------------------------------

    @api.model
    def _tal_summary(self, rows):
        """The wizard's figures for `rows`."""
        moves = rows.filtered(lambda r: r.kind != "ambiguous").move_id
        trash = rows.filtered(lambda r: r.kind != "ambiguous" and not r.keep)
        several = rows.filtered(lambda r: r.worked_on and r.keep)
        return {
            "invoice_count": len(moves),
            "trash_count": len(set(trash.mapped("document_ref"))),
            "copy_count": len(set(trash.filtered("copy_off").mapped("document_ref"))),
            "audit_count": len(trash.filtered("audit_trail").move_id),
            "worked_count": len(
                several.move_id.filtered(
                    lambda m: len(several.filtered(lambda r: r.move_id == m)) > 1
                )
            ),
            "ambiguous_count": len(
                set(rows.filtered(lambda r: r.kind == "ambiguous").mapped("group_key"))
            ),
        }

    @api.model
    def _tal_clean_up(self, moves):
        """Clean up the duplicates of `moves`, each invoice in a savepoint:
        its documents are locked (a person's transaction holding one, or
        having changed one meanwhile, leaves that invoice for later), what
        to keep is decided again under the lock, the others go to the trash
        with their copies, and a note on the invoice says what was done."""
        target = self._tal_target()
        counts = defaultdict(int)
        if target is None:
            return counts
        for move in moves:
            try:
                with self.env.cr.savepoint():
                    groups = target._tal_duplicate_groups(move_ids=move.ids)
                    ids = {doc_id for _m, _k, _c, group in groups for doc_id in group}
                    if not ids:
                        continue
                    target._tal_lock_documents(ids)
                    plan = self._tal_plans(target, groups).get(move.id)
                    if not plan or not plan["trash"]:
                        continue
                    target._tal_trash(plan["trash"], plan["copies"])
                    self._tal_repoint(move, plan)
                    self._tal_note(move, plan, target)
            except BUSY_ERRORS:
                _logger.info("Invoice %s: duplicates busy, left for later", move.name)
                counts["busy"] += 1
                continue
            except Exception:  # noqa: BLE001 - one bad invoice must not stop the others
                # Its savepoint is rolled back: nothing of it is half done.
                _logger.exception("Invoice %s: duplicates not cleaned up", move.name)
                counts["failed"] += 1
                continue
            counts["invoices"] += 1
            counts["trashed"] += len(plan["trash"])
            counts["copies"] += len(plan["copies"])
            counts["audit"] += int(plan["audit"])
        self._tal_scan(move_ids=moves.ids)
        return counts

    @api.model
    def _tal_repoint(self, move, plan):
        """The invoice's document was one of those trashed: it becomes a
        kept one (its official PDF's first), or the check would find it
        missing every week and the transfer take the trashed one again."""
        trashed = {f"{doc._name},{doc.id}" for doc in plan["trash"]}
        if move.tal_transfer_document_ref not in trashed or not plan["kept_own"]:
            return
        official = move.sudo().invoice_pdf_report_id
        kept = (
            plan["kept_own"].filtered(lambda doc: doc.attachment_id == official)
            or plan["kept_own"]
        )[:1]
        move._tal_transfer_write(
            {"tal_transfer_document_ref": f"{kept._name},{kept.id}"}
        )

    @api.model
    def _tal_note(self, move, plan, target):
        """A note on the invoice, in its people's language: what was kept,
        what went to the trash and what left the invoice."""
        user = move.invoice_user_id
        lang = (
            (user.lang if user and not user._is_superuser() else None)
            or move.company_id.partner_id.lang
            or "en_US"
        )
        env = self.with_context(lang=lang).env

        def names(documents):
            return ", ".join(
                f"{doc.name} ({target._tal_document_folder_name(doc) or '/'})"
                for doc in documents
            )

        lines = [
            env._(
                "Duplicate documents cleaned up by %(user)s: kept %(kept)s; moved "
                "to the trash: %(trashed)s.",
                user=self.env.user.name,
                kept=names(plan["kept"]),
                trashed=names(plan["trash"]),
            )
        ]
        if plan["copies"]:
            lines.append(
                env._(
                    "Their copies left the invoice with them: %s.",
                    ", ".join(plan["copies"].mapped("name")),
                )
            )
        if plan["audit"]:
            lines.append(
                env._(
                    "The company keeps a restricted audit trail: the copies stay "
                    "on the invoice, only the documents went to the trash."
                )
            )
        move.sudo()._message_log(
            body=Markup("<br/>").join(escape(line) for line in lines)
        )
