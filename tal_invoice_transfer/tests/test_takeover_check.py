# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TalScriptMixin, TalTransferCommon


class CheckCase(TalTransferCommon):
    def _check(self):
        return self.env["tal.invoice.transfer.check"]._tal_check()

    def _transferred(self, files=("a.pdf", "b.pdf")):
        invoice = self._make_invoice(files=files)
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        return invoice

    def _file(self, invoice, name):
        return self._files_of(invoice).filtered(lambda f: f.name == name)

    def _last_note(self, invoice):
        return invoice.message_ids[:1].body or ""


@tagged("post_install", "-at_install")
class TestTakeoverCheckDocuments(TalScriptMixin, CheckCase):
    """The check finds transferred invoices whose documents went missing by
    paths no hook sees, and sends them back to pending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._script_setup()

    def test_a_document_deleted_by_sql_sends_its_invoice_back(self):
        invoice = self._transferred()
        untouched = self._transferred(files=("c.pdf",))
        gone = self._documents_of(self._file(invoice, "a.pdf"))
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM documents_document WHERE id = %s", [gone.id])
        self.env.invalidate_all()

        figures = self._check()

        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertEqual(untouched.tal_transfer_state, "done")
        self.assertIn("a.pdf", self._last_note(invoice))
        self.assertNotIn("b.pdf", self._last_note(invoice))
        self.assertEqual((figures["reopened"], figures["missing"]), (1, 1))
        self.assertGreaterEqual(figures["checked"], 2)
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertTrue(self._documents_of(self._file(invoice, "a.pdf")))
        self.assertFalse(self._check()["reopened"], "nothing missing any more")

    def test_a_trashed_document_is_missing_and_restored(self):
        invoice = self._transferred()
        trashed = self._documents_of(self._file(invoice, "b.pdf"))
        trashed.action_archive()

        self._check()

        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertTrue(trashed.active)

    def test_a_folder_moved_to_another_company_is_missing(self):
        invoice = self._transferred()
        other = self.setup_other_company(name="Other Co")["company"]
        self.env.flush_all()
        # As Documents' own company propagation does: by SQL, down the tree.
        self.env.cr.execute(
            "UPDATE documents_document SET company_id = %s WHERE id = ANY(%s)",
            [other.id, self._documents_of(self._files_of(invoice)).ids],
        )
        self.env.invalidate_all()

        self._check()

        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertIn("a.pdf", self._last_note(invoice))
        # The transfer cannot file a file twice: a person is told.
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertIn("belong to company Other Co", invoice.tal_transfer_error)

    def test_the_document_the_invoice_points_to_going_is_missing(self):
        invoice = self._make_invoice(files=())
        self.env.company.tal_transfer_make_pdf = True
        script = self._script_upload(invoice, days_ago=30)
        self.Transfer._run()
        self.assertEqual(
            invoice.tal_transfer_document_ref, f"{script._name},{script.id}"
        )
        # Deleted with its file, by SQL: nothing of the PDF is left.
        self.env.flush_all()
        attachment_id = script.attachment_id.id
        self.env.cr.execute("DELETE FROM documents_document WHERE id = %s", [script.id])
        self.env.cr.execute("DELETE FROM ir_attachment WHERE id = %s", [attachment_id])
        self.env.invalidate_all()

        self._check()

        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertIn("its document", self._last_note(invoice))

    def test_what_the_takeover_adopted_is_not_missing(self):
        self.env.company.tal_transfer_make_pdf = True
        # The script's PDF, a restart of it trashed by the clean-up (its copy
        # kept on the invoice by a restricted audit trail), copies of the
        # invoice's own file linked and in the folder.
        invoice = self._make_invoice(files=())
        kept = self._script_upload(invoice, days_ago=30)
        restart = self._script_upload(invoice, days_ago=29)
        linked = self._make_invoice(files=("order.pdf",))
        own = self._files_of(linked)
        self._script_upload(linked, raw=own.raw, name="order.pdf")
        loose = self._make_invoice(files=("order.pdf",))
        self._script_upload(loose, raw=self._files_of(loose).raw, linked=False)
        self.Transfer._run()
        restart.action_archive()
        moves = invoice | linked | loose
        self.assertEqual(set(moves.mapped("tal_transfer_state")), {"done"})
        self.assertTrue(kept.active)

        figures = self._check()

        self.assertEqual(figures["reopened"], 0)
        self.assertEqual(set(moves.mapped("tal_transfer_state")), {"done"})

    def test_the_main_file_only_is_checked_when_only_it_is_transferred(self):
        self.env.company.tal_transfer_attachment_mode = "main"
        invoice = self._transferred()
        self.assertEqual(invoice.tal_transfer_document_count, 1)

        self._check()

        self.assertEqual(invoice.tal_transfer_state, "done")

    def test_the_dashboard_shows_the_last_check(self):
        self._transferred()
        self.assertEqual(
            self.env["account.move"].tal_transfer_dashboard()["check"]["summary"],
            "Never checked",
        )
        self.env["account.move"].action_tal_transfer_check()
        check = self.env["account.move"].tal_transfer_dashboard()["check"]
        self.assertTrue(check["date"])
        self.assertGreaterEqual(check["checked"], 1)
        self.assertIn("transferred invoices checked", check["summary"])

    def test_only_accounting_administrators_check(self):
        billing = self._billing_user("tal_check_billing")
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(billing).action_tal_transfer_check()

    def test_the_weekly_scheduled_action_runs_the_check(self):
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer_check")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
        self.assertTrue(cron.active)
        self.assertEqual(cron.model_id.model, "tal.invoice.transfer.check")
        invoice = self._transferred()
        self._documents_of(self._file(invoice, "a.pdf")).action_archive()
        # What the scheduler runs (its own commits are no test's).
        self.env["tal.invoice.transfer.check"].with_user(cron.user_id).with_context(
            cron_id=cron.id
        )._cron_check()
        self.assertEqual(cron.code, "model._cron_check()")
        self.assertEqual(invoice.tal_transfer_state, "pending")


@tagged("post_install", "-at_install")
class TestTakeoverCheckDms(CheckCase):
    target = "dms"

    def test_a_dms_file_deleted_by_sql_sends_its_invoice_back(self):
        invoice = self._transferred()
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM dms_file WHERE attachment_id = %s",
            [self._file(invoice, "a.pdf").id],
        )
        self.env.invalidate_all()

        self._check()

        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertIn("a.pdf", self._last_note(invoice))
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertFalse(self._check()["reopened"])
