# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.tal_documents_standin import compat


class AccountJournal(models.Model):
    _inherit = "account.journal"

    @api.model_create_multi
    def create(self, vals_list):
        journals = super().create(vals_list)
        if not compat.IS_18:
            # 19.0 gives a new journal its folder setting; 18.0 leaves it to
            # an administrator (Documents settings, Accounting, Journals).
            journals.sudo()._documents_configure_sync()
        return journals

    def _documents_configure_sync(self):
        """Give each journal a folder setting: the folder of its type under the
        company's accounting folder (created if missing), and a tag named
        after the journal. 19.0 does it at install and for new journals;
        on 18.0 it stands for what an administrator sets by hand."""
        journals = self.filtered(
            lambda j: j.type and j.name and j.company_id.account_folder_id
        )
        if not journals:
            return
        folders = journals._documents_type_folders()
        tags = journals._documents_journal_tags()
        self.env["documents.account.folder.setting"].create(
            [
                {
                    "company_id": journal.company_id.id,
                    "journal_id": journal.id,
                    "folder_id": folders[journal.company_id, journal.type].id,
                    "tag_ids": tags.filtered(lambda t, j=journal: t.name == j.name).ids,
                }
                for journal in journals
            ]
        )

    def _documents_type_folders(self):
        """{(company, journal type): folder}, reusing a type's folder that a
        setting or the accounting folder already has."""
        labels = dict(self._fields["type"]._description_selection(self.env))
        Documents = self.env["documents.document"]
        folders = {}
        for company, journal_type in {(j.company_id, j.type) for j in self}:
            setting = self.env["documents.account.folder.setting"].search(
                [
                    ("company_id", "=", company.id),
                    ("journal_id.type", "=", journal_type),
                ],
                order="id",
                limit=1,
            )
            folders[company, journal_type] = (
                setting.folder_id
                or Documents.search(
                    [
                        ("type", "=", "folder"),
                        ("company_id", "=", company.id),
                        ("folder_id", "=", company.account_folder_id.id),
                        ("name", "=", labels[journal_type]),
                    ],
                    order="id",
                    limit=1,
                )
                or Documents.create(
                    {
                        "name": labels[journal_type],
                        "type": "folder",
                        "folder_id": company.account_folder_id.id,
                        "company_id": company.id,
                        # A company folder: OdooBot's in 18.0, nobody's in 19.0.
                        "owner_id": Documents._standin_company_owner().id,
                    }
                )
            )
        return folders

    def _documents_journal_tags(self):
        names = set(self.mapped("name"))
        Tags = self.env["documents.tag"]
        existing = Tags.search([("name", "in", list(names))])
        return existing | Tags.create(
            [{"name": name} for name in names - set(existing.mapped("name"))]
        )
