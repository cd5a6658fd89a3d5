# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from contextlib import closing
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .. import compat
from ..models.tal_transfer_target import TARGET_PARAM
from .common import TalScriptMixin, TalTransferCommon, pdf_bytes


class DuplicatesCase(TalScriptMixin, TalTransferCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._script_setup()
        cls.Duplicate = cls.env["tal.invoice.transfer.duplicate"]

    def _restarted(self, runs=3, files=()):
        """An invoice the old script did `runs` times (its restarts), a day
        apart, a month ago; then transferred."""
        invoice = self._make_invoice(files=files)
        documents = self.env["documents.document"]
        for day in range(runs):
            documents |= self._script_upload(invoice, days_ago=30 - day)
        return invoice, documents

    def _rows(self, invoice):
        self.Duplicate.action_tal_open_duplicates()
        return self.Duplicate.search([("move_id", "=", invoice.id)])

    def _wizard(self):
        return self.env["tal.invoice.transfer.duplicate.cleanup"].create({})

    def _messages(self, invoice):
        return "\n".join(invoice.message_ids.mapped("body"))


@tagged("post_install", "-at_install")
class TestTakeoverDuplicates(DuplicatesCase):
    """The old script's restarts filed an invoice's PDF several times: the
    list shows them, the clean-up keeps one and trashes the others with
    their copies."""

    def test_restart_duplicates_are_listed_and_cleaned_up(self):
        invoice, (first, second, third) = self._restarted()
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")

        rows = self._rows(invoice)
        self.assertEqual(set(rows.mapped("kind")), {"pdf"})
        self.assertEqual(len(rows), 3)
        kept = rows.filtered("keep")
        self.assertEqual(kept.document_ref, f"documents.document,{first.id}")
        self.assertEqual(set(rows.mapped("made_by")), {self.env.user})
        self.assertEqual(
            set(rows.mapped("folder_name")), {first.folder_id.display_name}
        )
        self.assertTrue(all(rows.mapped("made_on")))
        wizard = self._wizard()
        self.assertEqual(
            (wizard.invoice_count, wizard.trash_count, wizard.copy_count),
            (1, 2, 2),
        )
        copies = (second | third).attachment_id

        wizard.action_clean_up()

        self.assertTrue(first.active)
        self.assertFalse(second.active or third.active)
        # Their copies left the invoice with them; the kept one stays.
        self.assertEqual(set(copies.mapped("res_model")), {"documents.document"})
        self.assertEqual(self._files_of(invoice), first.attachment_id)
        self.assertIn("Duplicate documents cleaned up", self._messages(invoice))
        self.assertFalse(self._rows(invoice))
        # The invoice is recounted: still one document, none made.
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.tal_transfer_document_count, 1)
        self.assertEqual(
            invoice.tal_transfer_document_ref, f"documents.document,{first.id}"
        )

    def test_the_official_pdfs_document_is_always_kept(self):
        invoice, script = self._restarted(runs=1)
        official = self.env["ir.attachment"].create(
            {
                "name": invoice._get_invoice_report_filename(),
                "raw": pdf_bytes("sent"),
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        self.Transfer._run()
        filed = self._documents_of(official)
        self.assertTrue(filed)

        self._wizard().action_clean_up()

        self.assertTrue(filed.active)
        self.assertFalse(script.active, "the older script document goes")
        self.assertEqual(official.res_field, "invoice_pdf_report_file")
        self.assertEqual(official.res_id, invoice.id)

    def test_documents_a_person_worked_on_are_all_kept_and_listed(self):
        invoice, (first, second, third) = self._restarted()
        self.Transfer._run()
        tag = self.env["documents.tag"].sudo().create({"name": "Checked"})
        second.sudo().tag_ids = tag
        third.message_post(body="Sent to the customer again", message_type="comment")

        rows = self._rows(invoice)
        self.assertEqual(
            set(rows.filtered("worked_on").mapped("document_ref")),
            {f"documents.document,{doc.id}" for doc in second | third},
        )
        self.assertEqual(self._wizard().worked_count, 1)
        self._wizard().action_clean_up()

        self.assertFalse(first.active, "the oldest goes: a person chose others")
        self.assertTrue(second.active and third.active)
        self.assertEqual(len(self._rows(invoice)), 2, "still listed: both kept")

    def test_the_transfers_own_tags_and_partner_are_no_persons_work(self):
        self.env["documents.tag"].sudo().create({"name": "Invoices"})
        self.env.company.tal_transfer_tag_names = "Invoices"
        invoice, (first, second, third) = self._restarted()
        self.Transfer._run()
        self.assertTrue(second.tag_ids and second.partner_id)

        self._wizard().action_clean_up()

        self.assertTrue(first.active)
        self.assertFalse(second.active or third.active)

    def test_a_restricted_audit_trail_only_trashes_the_documents(self):
        if not compat.V19:
            self.skipTest(
                "18.0's audit trail keeps the entries' logs, not their files: "
                "the invoice's copies can be taken off it"
            )
        self.env.company.restrictive_audit_trail = True
        invoice, (first, second, _third) = self._restarted()
        self.Transfer._run()
        wizard = self._wizard()
        self.assertEqual((wizard.audit_count, wizard.copy_count), (1, 0))

        wizard.action_clean_up()

        self.assertTrue(first.active)
        self.assertFalse(second.active)
        self.assertEqual(second.attachment_id.res_id, invoice.id, "stays on it")
        self.assertIn("restricted audit trail", self._messages(invoice))

    def test_content_duplicates_keep_the_invoices_own_file(self):
        invoice = self._make_invoice(files=("order.pdf",))
        own = self._files_of(invoice)
        # Uploaded two months ago; a script posted its bytes a month ago.
        self.env.cr.execute(
            "UPDATE ir_attachment SET create_date = now() - interval '60 days'"
            " WHERE id = %s",
            [own.id],
        )
        copy = self._script_upload(invoice, raw=own.raw, name="order.pdf", days_ago=30)
        # What the transfer did before it knew copies: a second document.
        ours = (
            self.env["documents.document"]
            .sudo()
            .create({"attachment_id": own.id, "folder_id": self.folder.id})
        )
        self.env.invalidate_all()

        rows = self._rows(invoice)
        self.assertEqual(set(rows.mapped("kind")), {"content"})
        self._wizard().action_clean_up()

        self.assertTrue(copy.active, "the oldest is kept")
        self.assertFalse(ours.active)
        self.assertEqual(own.res_id, invoice.id, "the invoice's own file stays")
        self.assertEqual(own.res_model, "account.move")

    def test_an_ambiguous_content_is_listed_and_left_alone(self):
        raw = pdf_bytes("terms")
        first = self._make_invoice(files=())
        second = self._make_invoice(files=())
        self._attach(first, "terms.pdf", raw=raw)
        self._attach(second, "terms.pdf", raw=raw)
        loose = self._script_upload(first, raw=raw, linked=False, folder=self.folder)
        self.Transfer._run()

        self._rows(first)
        rows = self.Duplicate.search([("move_id", "in", (first | second).ids)])
        self.assertEqual(set(rows.mapped("kind")), {"ambiguous"})
        self.assertEqual(rows.move_id, first | second)
        self.assertEqual(self._wizard().ambiguous_count, 1)
        self._wizard().action_clean_up()
        self.assertTrue(loose.active)

    def test_an_invoice_that_fails_is_left_whole_and_the_others_go_on(self):
        broken, (b_first, b_second, _b_third) = self._restarted()
        fine, (f_first, f_second, _f_third) = self._restarted()
        self.Transfer._run()
        target_class = type(self.env["tal.transfer.target.documents"])
        real_trash = target_class._tal_trash

        def trash(this, documents, copies):
            if documents & (b_first | b_second):
                # Half done, then it breaks: a copy already moved.
                real_trash(this, documents[:1], copies)
                raise ValueError("broken on purpose")
            return real_trash(this, documents, copies)

        with (
            patch.object(target_class, "_tal_trash", trash),
            mute_logger("odoo.addons.tal_invoice_transfer.models"),
        ):
            counts = self.Duplicate._tal_clean_up(broken | fine)

        self.assertEqual((counts["failed"], counts["invoices"]), (1, 1))
        self.assertFalse(f_second.active)
        self.assertTrue(b_second.active, "nothing of the broken invoice changed")
        self.assertEqual(b_second.attachment_id.res_id, broken.id)
        self.assertEqual(b_second.attachment_id.res_model, "account.move")

    def test_only_accounting_administrators_clean_up(self):
        self._restarted()
        self.Transfer._run()
        billing = self._billing_user("tal_dup_billing")
        with self.assertRaises(AccessError):
            self.Duplicate.with_user(billing).action_tal_open_duplicates()
        with self.assertRaises(AccessError):
            self.env["tal.invoice.transfer.duplicate.cleanup"].with_user(
                billing
            ).create({})
        with self.assertRaises(AccessError):
            self.Duplicate.with_user(billing).search([])


@tagged("post_install", "-at_install")
class TestTakeoverDuplicatesAgainstAPerson(TransactionCase):
    """The clean-up against a person editing one of the duplicates: two real
    transactions on committed rows, removed after each test."""

    def setUp(self):
        super().setUp()
        if "documents.document" not in self.env:
            self.skipTest("Documents (or its stand-in) is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            icp = env["ir.config_parameter"]
            saved = (
                company.tal_transfer_folder_ref,
                icp.get_param(TARGET_PARAM),
                company.tal_transfer_make_pdf,
            )
            company.tal_transfer_make_pdf = False
            icp.set_param(TARGET_PARAM, "documents")
            folder = env["documents.document"].create(
                {"name": "Takeover race", "type": "folder", "access_internal": "edit"}
            )
            company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
            partner = env["res.partner"].create({"name": "Takeover customer"})
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": 100.0})
                    ],
                }
            )
            move.action_post()
            documents = env["documents.document"]
            for day in (3, 2):
                documents |= documents.create(
                    {
                        "name": f"{move.name}.pdf",
                        "folder_id": folder.id,
                        "datas": base64.b64encode(pdf_bytes(f"render {day}")),
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                )
            self.move_id, self.document_ids = move.id, documents.ids
            self.folder_id, self.partner_id = folder.id, partner.id
        self.addCleanup(self._remove, saved)

    def _remove(self, saved):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Documents = env["documents.document"].with_context(active_test=False)
            move = env["account.move"].browse(self.move_id)
            attachments = env["ir.attachment"].search(
                [
                    "|",
                    "&",
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", self.move_id),
                    "&",
                    ("res_model", "=", "documents.document"),
                    ("res_id", "in", self.document_ids),
                ]
            )
            Documents.search([("id", "child_of", self.folder_id)]).unlink()
            attachments.exists().unlink()
            env["tal.invoice.transfer.duplicate"].search(
                [("move_id", "=", self.move_id)]
            ).unlink()
            move.button_draft()
            move.posted_before = False
            move.with_context(force_delete=True).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            env["documents.tag"].search([("name", "=", "Race checked")]).unlink()
            company = env.company
            company.tal_transfer_folder_ref = saved[0]
            env["ir.config_parameter"].set_param(TARGET_PARAM, saved[1] or False)
            company.tal_transfer_make_pdf = saved[2]

    def _clean_up(self, env):
        move = env["account.move"].browse(self.move_id)
        return env["tal.invoice.transfer.duplicate"]._tal_clean_up(move)

    def _active(self):
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT id, active FROM documents_document WHERE id = ANY(%s)",
                [self.document_ids],
            )
            return dict(cr.fetchall())

    def test_a_person_editing_a_duplicate_holds_the_clean_up_back(self):
        older, newer = self.document_ids
        with closing(self.registry.cursor()) as person_cr:
            person = api.Environment(person_cr, SUPERUSER_ID, {})
            tag = person["documents.tag"].create({"name": "Race checked"})
            person["documents.document"].browse(newer).tag_ids = tag
            person.flush_all()
            # The person's transaction is still open: the clean-up waits for
            # nothing and leaves the invoice for later.
            with closing(self.registry.cursor()) as worker_cr:
                worker = api.Environment(worker_cr, SUPERUSER_ID, {})
                counts = self._clean_up(worker)
                # A cursor of its own: the end of the clean-up's transaction.
                worker_cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(counts["busy"], 1)
            self.assertEqual(self._active(), {older: True, newer: True})
            # A cursor of its own: the end of the person's transaction.
            person_cr.commit()  # pylint: disable=invalid-commit
        # Once the person is done, the document they tagged is kept too.
        with closing(self.registry.cursor()) as worker_cr:
            worker = api.Environment(worker_cr, SUPERUSER_ID, {})
            counts = self._clean_up(worker)
            # A cursor of its own: the end of the clean-up's transaction.
            worker_cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(counts["busy"], 0)
        self.assertEqual(self._active(), {older: False, newer: True})

    def test_a_change_committed_after_the_clean_up_began_holds_it_back(self):
        older, newer = self.document_ids
        with closing(self.registry.cursor()) as worker_cr:
            worker = api.Environment(worker_cr, SUPERUSER_ID, {})
            # The clean-up's snapshot: it sees neither document worked on.
            worker_cr.execute("SELECT count(*) FROM documents_document")
            with closing(self.registry.cursor()) as person_cr:
                person = api.Environment(person_cr, SUPERUSER_ID, {})
                tag = person["documents.tag"].create({"name": "Race checked"})
                person["documents.document"].browse(older).tag_ids = tag
                # A cursor of its own: the end of the person's transaction.
                person_cr.commit()  # pylint: disable=invalid-commit
            with mute_logger("odoo.sql_db"):
                counts = self._clean_up(worker)
            # A cursor of its own: the end of the clean-up's transaction.
            worker_cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(counts["busy"], 1)
        self.assertEqual(self._active(), {older: True, newer: True})
