# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import SQL


class TalTransferTargetTakeover(models.AbstractModel):
    """What every target offers to take over a tree an upload script filed
    (issue 29): its duplicates, listed and cleaned, and the preview of the
    first run. The targets give their documents and roots in SQL.
    """

    # Split by concern on purpose (the filing plan is another file).
    _inherit = "tal.transfer.target"  # pylint: disable=consider-merging-classes-inherited

    # Duplicates

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
                     WHERE starts_with(d.parent_path, tree.parent_path)
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
                                    ON starts_with(ud.parent_path, tree.parent_path)
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
        if not self.env["tal.invoice.transfer.pdf"]._tal_stock_name_templates():
            # A company's template may leave the number out.
            return SQL("TRUE")
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
    def _tal_missing_files(self, company_ids, file_held, document_held):
        """{move id: [names]} for the targets' _tal_check_missing, set-based:
        the files the transfer filed of each transferred invoice (`files`
        f: move_id, company_id, att_id, name, checksum; in 'main' mode the
        main file only) for which the SQL condition `file_held` is false,
        and None for an invoice (`done` d: id, company_id, ref) whose
        document, the target's, fails `document_held`. `tree` holds each
        company's folder, `shared` the contents several invoices share."""
        self.env.flush_all()
        scope = self.env["tal.invoice.transfer.scope"]
        self.env.cr.execute(
            SQL(
                """
                WITH done AS (
                    SELECT m.id, m.company_id, m.tal_transfer_document_ref AS ref,
                           m.message_main_attachment_id AS main,
                           c.tal_transfer_attachment_mode AS mode
                      FROM account_move m
                      JOIN res_company c ON c.id = m.company_id
                     WHERE m.tal_transfer_state = 'done' %(companies)s
                ),
                ranked AS (
                    SELECT d.id AS move_id, d.company_id, d.mode, a.id AS att_id,
                           a.name, a.checksum,
                           row_number() OVER (
                               PARTITION BY d.id
                               ORDER BY (a.id = d.main) DESC NULLS LAST,
                                        (a.res_field = %(pdf_field)s) DESC NULLS LAST,
                                        a.id) AS rank
                      FROM done d
                      JOIN ir_attachment a ON a.res_model = 'account.move'
                                          AND a.res_id = d.id
                     WHERE a.type = 'binary'
                       AND (a.res_field IS NULL OR a.res_field IN %(fields)s)
                ),
                files AS (
                    SELECT * FROM ranked
                     WHERE mode IS DISTINCT FROM 'main' OR rank = 1
                ),
                tree AS (%(tree)s),
                shared AS (%(shared)s)
                SELECT f.move_id, f.name FROM files f WHERE NOT (%(file_held)s)
                 UNION ALL
                SELECT d.id, NULL
                  FROM done d
                 WHERE starts_with(d.ref, %(ref_prefix)s)
                   AND NOT (%(document_held)s)
                """,
                companies=SQL("AND m.company_id = ANY(%s)", list(company_ids))
                if company_ids is not None
                else SQL(),
                pdf_field="invoice_pdf_report_file",
                fields=tuple(scope._file_fields()),
                tree=self._tal_roots_sql(),
                shared=scope._tal_shared_contents_sql(
                    SQL("SELECT checksum FROM files")
                ),
                file_held=file_held,
                ref_prefix=f"{self._tal_document_model},",
                document_held=document_held,
            )
        )
        missing = {}
        for move_id, name in self.env.cr.fetchall():
            missing.setdefault(move_id, []).append(name)
        return self._tal_check_excuse(missing)

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
