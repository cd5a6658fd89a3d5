# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL

from .tal_transfer_target import MAIL_QUIET_CONTEXT


class TalTransferTargetDocumentsTakeover(models.AbstractModel):
    """Taking over a tree an upload script filed in Documents: its duplicates
    listed and trashed, and the check that keeps the count true.
    """

    # Split by concern on purpose (the filing plan is another file).
    _inherit = "tal.transfer.target.documents"  # pylint: disable=consider-merging-classes-inherited

    _tal_lists_duplicates = True

    @api.model
    def _tal_documents_sql(self, live=True):
        return SQL(
            """SELECT id, attachment_id, company_id, parent_path
                 FROM documents_document WHERE type = 'binary' %s""",
            SQL("AND active") if live else SQL(),
        )

    @api.model
    def _tal_unlinked_sql(self, attachment):
        # An upload's own file: of no record, or its document's.
        return SQL(
            "(%(a)s.res_model IS NULL OR %(a)s.res_model = 'documents.document')",
            a=SQL.identifier(attachment),
        )

    @api.model
    def _tal_worked_on(self, document_ids):
        """The documents among `document_ids` a person worked on since they
        were made: a note or a message on them, a change Documents tracks
        (moved, renamed, another contact or owner), a tag the transfer does
        not put, a member the folder does not give, shared by link. What the
        transfer writes (its tags, the partner, a restore) does not count."""
        if not document_ids:
            return set()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT d.id
                  FROM documents_document d
                  LEFT JOIN documents_document folder ON folder.id = d.folder_id
                 WHERE d.id = ANY(%(ids)s) AND (
                    %(touched)s
                    OR EXISTS (
                        SELECT 1 FROM documents_access member
                         WHERE member.document_id = d.id AND member.role IS NOT NULL
                           AND member.partner_id IS DISTINCT FROM (
                               SELECT partner_id FROM res_users WHERE id = d.owner_id)
                           AND NOT EXISTS (
                               SELECT 1 FROM documents_access given
                                WHERE given.document_id = d.folder_id
                                  AND given.partner_id = member.partner_id
                                  AND given.role IS NOT NULL)
                           AND member.partner_id IS DISTINCT FROM (
                               SELECT partner_id FROM res_users
                                WHERE id = folder.owner_id))
                    OR (d.access_via_link != 'none'
                        AND d.access_via_link IS DISTINCT FROM folder.access_via_link))
                """,
                ids=list(document_ids),
                touched=self._tal_touched_sql("d", "documents.tag"),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _tal_trash(self, documents, copies):
        """Move `documents` to the trash; `copies`, their files that are
        copies on the invoice, go with them: each becomes its document's
        own file (off the invoice), and leaves with it when the trash is
        emptied. Never an invoice's own file: the caller says which."""
        documents = documents.sudo().with_context(**MAIL_QUIET_CONTEXT)
        for document in documents:
            copy = document.attachment_id & copies
            if copy:
                copy.sudo().write(
                    {"res_model": "documents.document", "res_id": document.id}
                )
        documents.action_archive()

    # ------------------------------------------------------------------
    # The check that keeps the count true
    # ------------------------------------------------------------------

    @api.model
    def _tal_check_missing(self, company_ids=None):
        """{move id: [names]}: the transferred invoices of which something is
        no longer held by a live document of their company (or of none), set
        based: a content of their files (by the file's own document, a copy
        the transfer took for it, or a document keeping it as a version), or
        the document the invoice points to (None in the names). Whatever
        made it go: SQL, a module bypassing the ORM, the trash, a folder
        moved to another company."""
        versions = self.env["documents.document"]._fields.get("previous_attachment_ids")
        version_held = (
            SQL(
                """OR EXISTS (
                    SELECT 1 FROM %(rel)s rel
                      JOIN documents_document vd ON vd.id = rel.%(doc)s
                     WHERE rel.%(att)s = f.att_id AND vd.active
                       AND (vd.company_id IS NULL OR vd.company_id = f.company_id))""",
                rel=SQL.identifier(versions.relation),
                doc=SQL.identifier(versions.column1),
                att=SQL.identifier(versions.column2),
            )
            if versions
            else SQL()
        )
        file_held = SQL(
            """EXISTS (
                    SELECT 1 FROM ir_attachment own
                      JOIN documents_document od ON od.attachment_id = own.id
                     WHERE own.res_model = 'account.move'
                       AND own.res_id = f.move_id
                       AND own.checksum = f.checksum
                       AND od.active
                       AND (od.company_id IS NULL OR od.company_id = f.company_id))
                %(version_held)s
                OR (f.checksum NOT IN (SELECT checksum FROM shared) AND EXISTS (
                    SELECT 1 FROM tree
                      JOIN ir_attachment up
                        ON up.checksum = f.checksum
                       AND (up.res_model IS NULL
                            OR up.res_model = 'documents.document')
                      JOIN documents_document ud ON ud.attachment_id = up.id
                     WHERE tree.company_id = f.company_id AND ud.active
                       AND starts_with(ud.parent_path, tree.parent_path)
                       AND (ud.company_id IS NULL
                            OR ud.company_id = f.company_id)))""",
            version_held=version_held,
        )
        document_held = SQL(
            """EXISTS (
                    SELECT 1 FROM documents_document rd
                     WHERE rd.id = split_part(d.ref, ',', 2)::int
                       AND rd.active
                       AND (rd.company_id IS NULL OR rd.company_id = d.company_id))"""
        )
        return self._tal_missing_files(company_ids, file_held, document_held)

    @api.model
    def _tal_preview_hidden(self, company):
        return self._tal_hidden_folders(company, self._tal_plan_folders(company))
