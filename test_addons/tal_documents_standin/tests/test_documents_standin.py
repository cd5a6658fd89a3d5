# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import io
from unittest import skipIf

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileWriter

from odoo.addons.tal_documents_standin import compat


def pdf_of(pages):
    writer = PdfFileWriter()
    for _page in range(pages):
        writer.add_blank_page(100, 100)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


@tagged("post_install", "-at_install")
class TestDocumentsStandin(TransactionCase):
    """The Enterprise behaviours the transfer meets in a real database (the
    same in 18.0 and 19.0 unless a test is skipped on one of them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Documents = cls.env["documents.document"]
        cls.owner = new_test_user(
            cls.env, login="standin_owner", groups="base.group_user"
        )
        cls.member = new_test_user(
            cls.env, login="standin_member", groups="base.group_user"
        )
        cls.outsider = new_test_user(
            cls.env, login="standin_outsider", groups="base.group_user"
        )
        cls.company = cls.env["res.company"].create({"name": "Stand-in Co"})
        (cls.owner | cls.member | cls.outsider).company_ids |= cls.company
        cls.folder = cls.Documents.create(
            {
                "name": "Shared",
                "type": "folder",
                "owner_id": cls.owner.id,
                "company_id": cls.company.id,
                "access_internal": "view",
                "access_via_link": "edit",
                "access_ids": [
                    (0, 0, {"partner_id": cls.member.partner_id.id, "role": "edit"})
                ],
            }
        )

    def _file(self, name="file.pdf", raw=b"content", **vals):
        attachment = self.env["ir.attachment"].create({"name": name, "raw": raw})
        return self.Documents.create({"attachment_id": attachment.id, **vals})

    def test_create_copies_the_folders_access_company_and_members(self):
        document = self.Documents.with_user(self.member).create(
            {"name": "note", "folder_id": self.folder.id}
        )

        self.assertEqual(document.access_internal, "view")
        self.assertEqual(document.access_via_link, "edit")
        self.assertEqual(document.company_id, self.company)
        roles = {access.partner_id: access.role for access in document.access_ids}
        # The folder's owner as editor, its members, and the new owner.
        self.assertEqual(roles[self.owner.partner_id], "edit")
        self.assertEqual(roles[self.member.partner_id], "edit")
        self.assertEqual(document.owner_id, self.member)
        self.assertTrue(
            document.access_ids.filtered(
                lambda a: a.partner_id == self.member.partner_id
            ).last_access_date
        )
        # Given values win over the folder's.
        private = self.Documents.create(
            {"name": "private", "folder_id": self.folder.id, "access_internal": "none"}
        )
        self.assertEqual(private.access_internal, "none")

    def test_archived_folder_and_shortcut_are_refused_as_parent(self):
        archived = self.Documents.create({"name": "Old", "type": "folder"})
        archived.active = False
        with self.assertRaises(UserError):
            self.Documents.create({"name": "x", "folder_id": archived.id})

        shortcut = self.Documents.create(
            {"name": "Link", "type": "folder", "shortcut_document_id": self.folder.id}
        )
        with self.assertRaises(ValidationError):
            self.Documents.create({"name": "x", "folder_id": shortcut.id})
        # Moving into a shortcut moves into its target.
        document = self.Documents.create({"name": "y"})
        document.folder_id = shortcut
        self.assertEqual(document.folder_id, self.folder)

    def test_restore_under_an_archived_folder_is_refused(self):
        folder = self.Documents.create({"name": "Year", "type": "folder"})
        document = self._file(folder_id=folder.id)
        document.active = False
        folder.active = False

        with self.assertRaisesRegex(UserError, "archived folder"):
            document.action_unarchive()

        folder.active = True
        document.action_unarchive()
        self.assertTrue(document.active)

    @skipIf(compat.IS_18, "18.0 posts nothing on the folder of a restored document")
    def test_restore_posts_on_the_folder_as_the_current_user(self):
        document = self._file(folder_id=self.folder.id)
        document.active = False
        messages_before = self.folder.message_ids

        document.with_user(self.member).action_unarchive()

        message = self.folder.message_ids - messages_before
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.member.partner_id)
        self.assertIn(document.name, message.body)

    def test_reading_needs_a_permission_and_tags_are_read_only(self):
        document = self._file(folder_id=self.folder.id)
        hidden = self._file(name="hidden.pdf", access_internal="none")

        as_outsider = self.Documents.with_user(self.outsider).with_company(self.company)
        self.assertEqual(
            as_outsider.search([("id", "in", (document | hidden).ids)]), document
        )
        self.assertEqual(document.with_user(self.outsider).user_permission, "view")
        with self.assertRaises(AccessError):
            hidden.with_user(self.outsider).with_company(self.company).check_access(
                "read"
            )
        with self.assertRaises(AccessError):
            document.with_user(self.outsider).with_company(self.company).write(
                {"name": "renamed"}
            )
        # A member edits; internal users never create tags.
        document.with_user(self.member).with_company(self.company).name = "renamed"
        tags = self.env["documents.tag"].with_user(self.member)
        self.assertTrue(tags.check_access("read") is None)
        with self.assertRaises(AccessError):
            tags.create({"name": "Mine"})

    def test_every_pdf_is_parsed_when_it_becomes_a_document(self):
        single = self._file(name="one.pdf", raw=pdf_of(1))
        double = self._file(name="two.pdf", raw=pdf_of(2))
        broken = self._file(name="broken.pdf", raw=b"%PDF-1.4 not really")
        text = self._file(name="two.txt", raw=b"not a pdf")

        self.assertFalse(single.is_multipage)
        self.assertTrue(double.is_multipage)
        self.assertFalse(broken.is_multipage)
        self.assertFalse(text.is_multipage)

    def test_a_new_file_keeps_the_previous_one_as_a_version(self):
        partner = self.env["res.partner"].create({"name": "Record"})
        first = self.env["ir.attachment"].create(
            {
                "name": "v1.pdf",
                "raw": b"1",
                "res_model": "res.partner",
                "res_id": partner.id,
            }
        )
        second = self.env["ir.attachment"].create({"name": "v2.pdf", "raw": b"2"})
        document = self.Documents.create({"attachment_id": first.id})

        document.attachment_id = second

        self.assertEqual(document.previous_attachment_ids, first)
        # The new file joins the document's record; the old one, no longer
        # the record's file, belongs to the document's history.
        self.assertEqual((second.res_model, second.res_id), ("res.partner", partner.id))
        self.assertEqual(first.res_model, "documents.document")


@tagged("post_install", "-at_install")
class TestDocumentsStandinUpload(TransactionCase):
    """What Documents (18.0 and 19.0) accepts on create from an upload script
    (ODOO19.md, 'What an external upload script leaves in Documents')."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Documents = cls.env["documents.document"]
        cls.script_user = new_test_user(
            cls.env, login="standin_script", groups="base.group_user"
        )
        cls.partner = cls.env["res.partner"].create({"name": "Customer"})
        cls.folder = cls.Documents.create({"name": "Finance", "type": "folder"})
        cls.content = pdf_of(1)

    def _record_file(self):
        return self.env["ir.attachment"].create(
            {
                "name": "own.pdf",
                "raw": self.content,
                "res_model": "res.partner",
                "res_id": self.partner.id,
            }
        )

    def test_datas_makes_a_new_attachment_linked_to_the_document(self):
        own = self._record_file()
        document = self.Documents.create(
            {
                "name": "INV-1.pdf",
                "folder_id": self.folder.id,
                "datas": base64.b64encode(self.content),
                "mimetype": "application/pdf",
            }
        )

        attachment = document.attachment_id
        self.assertTrue(attachment)
        self.assertNotEqual(attachment, own, "a new row, never the record's file")
        self.assertEqual(attachment.checksum, own.checksum)
        self.assertEqual(attachment.name, "INV-1.pdf")
        self.assertEqual(attachment.mimetype, "application/pdf")
        self.assertEqual(
            (attachment.res_model, attachment.res_id),
            ("documents.document", document.id),
        )
        self.assertFalse(document.res_model)
        self.assertEqual(document.raw, self.content)
        # A rerun of the script makes another one.
        again = self.Documents.create({"name": "INV-1.pdf", "raw": self.content})
        self.assertNotEqual(again.attachment_id, attachment)

    def test_datas_with_a_record_moves_the_new_attachment_onto_it(self):
        own = self._record_file()
        document = self.Documents.create(
            {
                "name": "own.pdf",
                "type": "binary",
                "folder_id": self.folder.id,
                "datas": base64.b64encode(self.content),
                "res_model": "res.partner",
                "res_id": self.partner.id,
            }
        )

        attachment = document.attachment_id
        self.assertNotEqual(attachment, own)
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("res.partner", self.partner.id)
        )
        self.assertEqual(
            (document.res_model, document.res_id), ("res.partner", self.partner.id)
        )
        # The record shows two files of the same content, one of them the
        # document's.
        files = self.env["ir.attachment"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.partner.id)]
        )
        self.assertEqual(files, own | attachment)
        self.assertEqual(set(files.mapped("checksum")), {own.checksum})

    def test_an_attachment_and_datas_replace_the_attachments_content(self):
        own = self._record_file()
        document = self.Documents.create(
            {"attachment_id": own.id, "raw": b"other bytes"}
        )
        self.assertEqual(document.attachment_id, own)
        self.assertEqual(own.raw, b"other bytes")
        self.assertEqual((own.res_model, own.res_id), ("res.partner", self.partner.id))

    def test_the_owner_given_owns_and_is_a_member(self):
        document = self.Documents.create(
            {
                "name": "INV-2.pdf",
                "raw": self.content,
                "owner_id": self.script_user.id,
            }
        )
        self.assertEqual(document.owner_id, self.script_user)
        self.assertIn(self.script_user.partner_id, document.access_ids.partner_id)
        self.assertEqual(document.with_user(self.script_user).user_permission, "edit")

    def test_a_folder_keeps_the_record_it_is_created_for(self):
        folder = self.Documents.create(
            {
                "name": "Customer",
                "type": "folder",
                "folder_id": self.folder.id,
                "owner_id": self.script_user.id,
                "res_model": "res.partner",
                "res_id": self.partner.id,
            }
        )
        folder.invalidate_recordset()
        self.assertEqual(
            (folder.res_model, folder.res_id), ("res.partner", self.partner.id)
        )
        self.assertEqual(folder.owner_id, self.script_user)
        self.assertFalse(folder.attachment_id)
        # A file in it is found again by name and parent, as the script did.
        self.assertEqual(
            self.Documents.search(
                [("name", "=", "Customer"), ("folder_id", "=", self.folder.id)]
            ),
            folder,
        )
