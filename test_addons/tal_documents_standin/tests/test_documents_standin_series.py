# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stand-in follows the series it runs on: owners, shortcuts, the trash
and the company's folders, where Documents 18.0 and 19.0 differ (tests named
test_18_* run on 18.0 only, test_19_* on 19.0 only) and where they agree."""

from unittest import skipIf

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.tal_documents_standin import compat


class StandinSeriesCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # As the superuser: what data files and scripts run as root create.
        cls.Documents = cls.env["documents.document"]
        cls.odoobot = cls.env.ref("base.user_root")
        cls.user = new_test_user(cls.env, login="series_user", groups="base.group_user")
        cls.other = new_test_user(
            cls.env, login="series_other", groups="base.group_user"
        )
        cls.manager = new_test_user(
            cls.env,
            login="series_manager",
            groups="base.group_user,tal_documents_standin.group_documents_manager",
        )

    def _messages(self, record):
        return record.message_ids.mapped("body")


@tagged("post_install", "-at_install")
class TestStandinOwner(StandinSeriesCommon):
    @skipIf(not compat.IS_18, "19.0: what the superuser creates has no owner")
    def test_18_what_the_superuser_creates_belongs_to_odoobot(self):
        folder = self.Documents.create(
            {"name": "Company", "type": "folder", "access_internal": "edit"}
        )
        document = self.Documents.with_user(self.user).create(
            {"name": "note", "folder_id": folder.id}
        )

        self.assertEqual(folder.owner_id, self.odoobot)
        self.assertTrue(folder.standin_is_company_root)
        # OdooBot is nobody: no member line, not an editor of the content.
        self.assertNotIn(self.odoobot.partner_id, folder.access_ids.partner_id)
        self.assertNotIn(self.odoobot.partner_id, document.access_ids.partner_id)
        self.assertEqual(document.owner_id, self.user)

    @skipIf(not compat.IS_18, "19.0: the owner is optional")
    def test_18_a_document_needs_an_owner(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.Documents.create({"name": "nobody's", "owner_id": False})
            self.env.flush_all()

    @skipIf(compat.IS_18, "18.0: what the superuser creates is OdooBot's")
    def test_19_what_the_superuser_creates_has_no_owner(self):
        folder = self.Documents.create(
            {"name": "Company", "type": "folder", "access_internal": "edit"}
        )
        document = self.Documents.create({"name": "note", "owner_id": False})

        self.assertFalse(folder.owner_id)
        self.assertTrue(folder.standin_is_company_root)
        self.assertFalse(folder.access_ids)
        self.assertFalse(document.owner_id)

    def _member(self, user):
        document = self.Documents.create({"name": "note", "owner_id": self.user.id})
        return self.env["documents.access"].create(
            {
                "document_id": document.id,
                "partner_id": user.partner_id.id,
                "role": "view",
            }
        )

    @skipIf(not compat.IS_18, "19.0 refuses the superuser as a member")
    def test_18_any_partner_may_be_a_member(self):
        self.assertTrue(self._member(self.odoobot))

    @skipIf(compat.IS_18, "18.0 does not check who is a member")
    def test_19_the_superuser_is_never_a_member(self):
        with self.assertRaises(ValidationError):
            self._member(self.odoobot)
        self.assertTrue(self._member(self.other))

    def test_new_documents_take_the_folders_members_with_their_expiry(self):
        expiry = "2099-01-01 00:00:00"
        folder = self.Documents.create(
            {
                "name": "Shared",
                "type": "folder",
                "owner_id": self.other.id,
                "access_ids": [
                    (
                        0,
                        0,
                        {
                            "partner_id": self.user.partner_id.id,
                            "role": "view",
                            "expiration_date": expiry,
                        },
                    )
                ],
            }
        )
        document = self.Documents.create({"name": "note", "folder_id": folder.id})

        access = document.access_ids.filtered(
            lambda a: a.partner_id == self.user.partner_id
        )
        self.assertEqual(access.role, "view")
        self.assertEqual(str(access.expiration_date), expiry)


@tagged("post_install", "-at_install")
class TestStandinShortcuts(StandinSeriesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.Documents.create(
            {
                "name": "Team",
                "type": "folder",
                "owner_id": cls.other.id,
                "access_ids": [
                    (0, 0, {"partner_id": cls.manager.partner_id.id, "role": "view"})
                ],
            }
        )
        # A file the user may not see, and the user's shortcut to it.
        cls.target = cls.Documents.create(
            {"name": "secret.pdf", "owner_id": cls.other.id, "access_internal": "none"}
        )
        cls.shortcut = cls.Documents.create(
            {
                "name": "secret.pdf",
                "shortcut_document_id": cls.target.id,
                "owner_id": cls.user.id,
                "access_internal": "none",
                "folder_id": cls.folder.id,
            }
        )

    def _found_by_user(self):
        return self.Documents.with_user(self.user).search(
            [("id", "=", self.shortcut.id)]
        )

    @skipIf(not compat.IS_18, "19.0: owning a shortcut gives no right on it")
    def test_18_the_owner_of_a_shortcut_edits_it(self):
        self.assertEqual(self.shortcut.with_user(self.user).user_permission, "edit")
        self.assertEqual(self._found_by_user(), self.shortcut)

    @skipIf(compat.IS_18, "18.0: the owner of a shortcut edits it")
    def test_19_owning_a_shortcut_gives_no_right_on_it(self):
        self.assertEqual(self.shortcut.with_user(self.user).user_permission, "none")
        self.assertFalse(self._found_by_user())

    @skipIf(not compat.IS_18, "19.0: a shortcut takes none of its folder's members")
    def test_18_a_shortcut_takes_its_folders_members(self):
        self.assertIn(self.manager.partner_id, self.shortcut.access_ids.partner_id)
        # The folder's owner as editor, as for any document.
        self.assertIn(self.other.partner_id, self.shortcut.access_ids.partner_id)

    @skipIf(compat.IS_18, "18.0: a shortcut takes its folder's members")
    def test_19_a_shortcut_takes_none_of_its_folders_members(self):
        self.assertEqual(self.shortcut.access_ids.partner_id, self.user.partner_id)


@tagged("post_install", "-at_install")
class TestStandinTrash(StandinSeriesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = cls.Documents.create(
            {
                "name": "Year",
                "type": "folder",
                "owner_id": cls.user.id,
                "access_internal": "view",
            }
        )
        cls.subfolder = cls.Documents.create(
            {"name": "Month", "type": "folder", "folder_id": cls.folder.id}
        )
        cls.file = cls.Documents.create(
            {"name": "INV-1.pdf", "folder_id": cls.subfolder.id}
        )
        cls.content = cls.subfolder | cls.file

    def test_trashing_a_folder_trashes_its_content(self):
        self.folder.with_user(self.user).action_archive()

        self.assertFalse(any((self.folder | self.content).mapped("active")))
        for document in self.folder | self.content:
            self.assertIn("trash", " ".join(self._messages(document)))

    def test_restoring_a_folder_restores_its_content(self):
        self.folder.action_archive()

        self.folder.with_user(self.user).action_unarchive()

        self.assertTrue(all((self.folder | self.content).mapped("active")))
        self.assertIn("Restored", " ".join(self._messages(self.file)))

    def test_content_of_a_trashed_folder_is_restored_with_it(self):
        self.folder.action_archive()
        with self.assertRaisesRegex(UserError, "archived folder"):
            self.file.action_unarchive()
        with self.assertRaises(UserError):
            self.file.active = True

    def test_only_the_owner_or_an_editor_of_the_folder_trashes(self):
        # An editor of the file, only a viewer of its folder.
        self.file.access_ids = [
            (0, 0, {"partner_id": self.other.partner_id.id, "role": "edit"})
        ]
        with self.assertRaises(UserError):
            self.file.with_user(self.other).action_archive()
        self.file.owner_id = self.other
        self.file.with_user(self.other).action_archive()
        self.assertFalse(self.file.active)

    @skipIf(
        not compat.IS_18,
        "Documents 19.0 posts on the folder of restored documents "
        "(test_restore_posts_on_the_folder_as_the_current_user)",
    )
    def test_18_trash_and_restore_post_nothing_on_the_folder(self):
        before = self.subfolder.message_ids
        self.file.with_user(self.user).action_archive()
        self.file.with_user(self.user).action_unarchive()
        self.assertEqual(self.subfolder.message_ids, before)


@tagged("post_install", "-at_install")
class TestStandinCompanyFolders(StandinSeriesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_owner = cls.Documents._standin_company_owner()
        cls.root = cls.Documents.create(
            {
                "name": "Company",
                "type": "folder",
                "owner_id": company_owner.id,
                "access_internal": "edit",
            }
        )

    def test_users_do_not_change_the_companys_root_folders(self):
        self.assertTrue(self.root.standin_is_company_root)
        with self.assertRaises(AccessError):
            self.root.with_user(self.user).name = "Mine"
        # They edit it, and work inside it.
        self.assertEqual(self.root.with_user(self.user).user_permission, "edit")
        inside = self.Documents.with_user(self.user).create(
            {"name": "sub", "type": "folder", "folder_id": self.root.id}
        )
        self.assertFalse(inside.standin_is_company_root)
        inside.name = "renamed"
        # A Documents administrator changes it.
        self.root.with_user(self.manager).name = "Company Files"
        self.assertEqual(
            self.Documents.search(
                [("standin_is_company_root", "=", True), ("id", "=", self.root.id)]
            ),
            self.root,
        )

    def test_only_administrators_create_company_folders(self):
        values = {
            "name": "Top",
            "type": "folder",
            "owner_id": self.Documents._standin_company_owner().id,
        }
        with self.assertRaises(AccessError):
            self.Documents.with_user(self.user).create(values)
        self.assertTrue(
            self.Documents.with_user(self.manager)
            .create(values)
            .standin_is_company_root
        )

    @skipIf(not compat.IS_18, "19.0: the company's folders have no owner")
    def test_18_company_folders_are_odoobots(self):
        self.assertEqual(self.root.owner_id, self.odoobot)
        mine = self.Documents.with_user(self.user).create(
            {"name": "Mine", "type": "folder"}
        )
        self.assertFalse(mine.standin_is_company_root)

    @skipIf(compat.IS_18, "18.0: the company's folders are OdooBot's")
    def test_19_company_folders_have_no_owner(self):
        self.assertFalse(self.root.owner_id)
        mine = self.Documents.with_user(self.user).create(
            {"name": "Mine", "type": "folder"}
        )
        self.assertFalse(mine.standin_is_company_root)


@tagged("post_install", "-at_install")
class TestStandinColumns(StandinSeriesCommon):
    """What raw SQL meets in the documents table."""

    def _column_type(self, column):
        self.env.cr.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'documents_document' AND column_name = %s",
            (column,),
        )
        row = self.env.cr.fetchone()
        return row and row[0]

    @skipIf(not compat.IS_18, "19.0: the name is translated (jsonb)")
    def test_18_the_name_is_plain_text(self):
        self.assertEqual(self._column_type("name"), "character varying")
        self.assertIsNone(self._column_type("sequence"))

    @skipIf(compat.IS_18, "18.0: the name is plain text (varchar)")
    def test_19_the_name_is_translated(self):
        self.assertEqual(self._column_type("name"), "jsonb")
        self.assertEqual(self._column_type("sequence"), "integer")
