# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
import time
from contextlib import contextmanager
from functools import partial
from unittest import SkipTest
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import BaseCase, get_db_name

from ..models.tal_transfer_target import TARGET_PARAM
from .common import TalUserRequestMixin, documents_account_configure, pdf_bytes

# Bounds every wait: a broken lock order fails the test, never hangs it.
WAIT_SECONDS = 20


@tagged("post_install", "-at_install")
class TestDocumentsMainFileRace(BaseCase):
    """A user sets the main file of an invoice while the transfer is filing
    that same file: two real transactions on two connections, with real
    commits (a TransactionCase cannot show a race). The user's request must
    never fail.

    Its data is committed, then deleted at the end of each test. Needs the
    test-only `tal_documents_account_standin` (documents_account files the
    main file when it is set); skipped without it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls._env() as env:
            if "documents.account.folder.setting" not in env:
                raise SkipTest("documents_account (or its stand-in) is not installed")

    @classmethod
    @contextmanager
    def _env(cls):
        """A superuser environment on a new connection, committed at the end."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        with self._env() as env:
            company = env.ref("base.main_company")
            journal = env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
            )
            if not journal:
                raise SkipTest("the main company has no sales journal")
            icp = env["ir.config_parameter"]
            saved = (
                company.tal_transfer_folder_ref,
                icp.get_param(TARGET_PARAM),
                company.tal_transfer_make_pdf,
                company.tal_transfer_filing_plan,
            )
            # Files only: the PDF maker's tests are test_invoice_pdf*.py.
            company.tal_transfer_make_pdf = False
            folder = env["documents.document"].create(
                {
                    "name": "Race invoices",
                    "type": "folder",
                    "access_internal": "edit",
                    "company_id": company.id,
                }
            )
            company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
            company.tal_transfer_filing_plan = "single"
            icp.set_param(TARGET_PARAM, "documents")
            partner = env["res.partner"].create({"name": "Race customer"})
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "journal_id": journal.id,
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "race", "quantity": 1, "price_unit": 10}
                        )
                    ],
                }
            )
            self.move_id, self.folder_id = move.id, folder.id
            # 18.0: as an administrator would, the Accounting setting on and
            # the journals' folder settings made (19.0 has them): undone at
            # the end.
            accounting = company.documents_account_settings, company.account_folder_id
            made = self._made_by_the_administrator(env, company)
        self.addCleanup(self._undo_the_administrator, company.id, accounting, made)
        self.addCleanup(self._delete, company.id, saved, partner.id)

    @staticmethod
    def _made_by_the_administrator(env, company):
        """{model: ids} of what documents_account_configure made."""
        models = (
            "documents.account.folder.setting",
            "documents.document",
            "documents.tag",
        )
        before = {
            model: set(env[model].with_context(active_test=False).search([]).ids)
            for model in models
        }
        documents_account_configure(company)
        return {
            model: sorted(
                set(env[model].with_context(active_test=False).search([]).ids)
                - before[model]
            )
            for model in models
        }

    def _undo_the_administrator(self, company_id, accounting, made):
        with self._env() as env:
            for model, ids in made.items():
                env[model].with_context(active_test=False).browse(ids).exists().unlink()
            company = env["res.company"].browse(company_id)
            company.documents_account_settings = accounting[0]
            company.account_folder_id = accounting[1]

    def _delete(self, company_id, saved, partner_id):
        with self._env() as env:
            Documents = env["documents.document"].with_context(active_test=False)
            attachments = env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", self.move_id)]
            )
            Documents.search([("attachment_id", "in", attachments.ids)]).unlink()
            attachments.exists().unlink()
            Documents.browse(self.folder_id).unlink()
            env["account.move"].browse(self.move_id).unlink()
            env["res.partner"].browse(partner_id).unlink()
            env["res.company"].browse(company_id).tal_transfer_folder_ref = saved[0]
            env["res.company"].browse(company_id).tal_transfer_make_pdf = saved[2]
            env["res.company"].browse(company_id).tal_transfer_filing_plan = saved[3]
            env["ir.config_parameter"].set_param(TARGET_PARAM, saved[1] or False)

    def _attach(self, env, name):
        return env["ir.attachment"].create(
            {
                "name": name,
                "raw": pdf_bytes(),
                "res_model": "account.move",
                "res_id": self.move_id,
            }
        )

    def _race(self, attachment_id):
        """Transfer the invoice and, before that commits, set `attachment_id`
        as its main file in another transaction; return the user's error."""
        outcome = {}
        started = threading.Event()

        def request(env):
            env.cr.execute(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")
            env["ir.attachment"].browse(attachment_id).register_as_main_attachment()

        def set_main_file():
            # As Odoo serves a request: retried on a serialization failure.
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    cr.execute("SELECT pg_backend_pid()")
                    outcome["pid"] = cr.fetchone()[0]
                    started.set()
                    retrying(partial(request, env), env)
            except Exception as error:  # noqa: BLE001 - reported to the test
                outcome["error"] = error
            finally:
                started.set()

        with (
            # The test runner holds the registries' lock while tests run; a
            # thread needs it to open an environment (as in registry test mode).
            patch.object(Registry, "_lock", DummyRLock()),
            self.registry.cursor() as transfer_cr,
        ):
            Transfer = api.Environment(transfer_cr, SUPERUSER_ID, {})[
                "tal.invoice.transfer"
            ]
            move = Transfer._lock(self.move_id, ("pending",))
            self.assertEqual(Transfer._process(move), "done")
            user = threading.Thread(target=set_main_file)
            user.start()
            started.wait(WAIT_SECONDS)
            self.assertTrue(
                self._waits_for_a_lock(outcome.get("pid")),
                "the user's request should wait for the transfer's transaction",
            )
            # A cursor of its own (not the test's): ends the transfer's
            # transaction, which lets the waiting user go on.
            transfer_cr.commit()  # pylint: disable=invalid-commit
            user.join(WAIT_SECONDS * 2)
        self.assertFalse(user.is_alive())
        return outcome.get("error")

    def _waits_for_a_lock(self, pid):
        deadline = time.monotonic() + WAIT_SECONDS
        while pid and time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
                )
                row = cr.fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.05)
        return False

    def _pending_with(self, names):
        with self._env() as env:
            attachments = [self._attach(env, name) for name in names]
            env["account.move"].browse(self.move_id)._tal_transfer_write(
                {"tal_transfer_state": "pending"}
            )
            return [attachment.id for attachment in attachments]

    def _documents_by_file(self, env):
        attachments = env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", self.move_id)]
        )
        documents = (
            env["documents.document"]
            .with_context(active_test=False)
            .search([("attachment_id", "in", attachments.ids)])
        )
        return {document.attachment_id.name: document for document in documents}

    def test_main_file_set_while_the_transfer_files_it(self):
        [main_id] = self._pending_with(["invoice.pdf"])

        error = self._race(main_id)

        self.assertIsNone(error)
        with self._env() as env:
            move = env["account.move"].browse(self.move_id)
            self.assertEqual(move.message_main_attachment_id.id, main_id)
            self.assertEqual(move.tal_transfer_state, "done")
            documents = self._documents_by_file(env)
            self.assertEqual(len(documents), 1)
            # documents_account found the transfer's document and filed it.
            setting = env["documents.account.folder.setting"].search(
                [("journal_id", "=", move.journal_id.id)]
            )
            self.assertEqual(documents["invoice.pdf"].folder_id, setting.folder_id)

    def test_main_file_changed_while_the_transfer_files_the_new_one(self):
        with self._env() as env:
            old = self._attach(env, "old.pdf")
            env["account.move"].browse(self.move_id)._message_set_main_attachment_id(
                old, force=True
            )
        [new_id] = self._pending_with(["new.pdf"])

        error = self._race(new_id)

        self.assertIsNone(error)
        with self._env() as env:
            move = env["account.move"].browse(self.move_id)
            self.assertEqual(move.message_main_attachment_id.id, new_id)
            documents = self._documents_by_file(env)
            # Each file keeps its own document.
            self.assertEqual(set(documents), {"old.pdf", "new.pdf"})
            self.assertEqual(documents["new.pdf"].folder_id.id, self.folder_id)


@tagged("post_install", "-at_install")
class TestDocumentsDeletedDuringTransfer(TalUserRequestMixin, TransactionCase):
    """A user's deletion of a document against the worker that holds its
    invoice, on committed rows removed after the test."""

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
                company.tal_transfer_filing_plan,
            )
            # Files only: the PDF maker's tests are test_invoice_pdf*.py.
            company.tal_transfer_make_pdf = False
            folder = env["documents.document"].create(
                {
                    "name": "Deleted during transfer",
                    "type": "folder",
                    "access_internal": "edit",
                    "company_id": company.id,
                }
            )
            company.tal_transfer_folder_ref = f"documents.document,{folder.id}"
            company.tal_transfer_filing_plan = "single"
            icp.set_param(TARGET_PARAM, "documents")
            invoice, (filed, _late) = self._invoice_with_files(
                env, ("invoice.pdf", "late.pdf")
            )
            invoice.action_post()
            # Filed earlier, then a user cleared its contact: the next
            # transfer of the invoice completes it (a write on the document).
            document = env["documents.document"].create(
                {"attachment_id": filed.id, "folder_id": folder.id, "partner_id": False}
            )
            self.assertEqual(invoice.tal_transfer_state, "pending")
            self.invoice_id, self.folder_id = invoice.id, folder.id
            self.document_id, self.filed_id = document.id, filed.id
        self.addCleanup(self._remove_committed_data, saved)

    def _remove_committed_data(self, saved):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            documents = env["documents.document"].with_context(active_test=False)
            attachments = env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
            )
            documents.search([("attachment_id", "in", attachments.ids)]).unlink()
            attachments.exists().unlink()
            documents.browse(self.folder_id).unlink()
            invoice.button_draft()
            invoice.posted_before = False
            invoice.with_context(force_delete=True).unlink()
            env.company.tal_transfer_folder_ref = saved[0]
            env.company.tal_transfer_make_pdf = saved[2]
            env.company.tal_transfer_filing_plan = saved[3]
            env["ir.config_parameter"].set_param(TARGET_PARAM, saved[1] or False)

    def test_a_document_deleted_while_a_worker_completes_it_is_no_deadlock(self):
        """A user deletes an invoice's document while the worker that holds
        the invoice completes that document (its contact). The deletion must
        wait for the invoice, then be retried. It deleted the document first,
        then waited for the invoice to reopen it, while the worker waited for
        the deleted document: a deadlock."""
        worker, outcome, failures = self._user_request_during_transfer(
            lambda user: user["documents.document"].browse(self.document_id).unlink()
        )
        self.assertNotIn("DeadlockDetected", failures)
        self.assertEqual(dict(outcome), {"done": 1})

        # The next run files the invoice's file again: each file once.
        invoice = self._transfer_again(worker)
        self.assertEqual(invoice.tal_transfer_state, "done")
        documents = (
            worker["documents.document"]
            .with_context(active_test=False)
            .search([("res_model", "=", "account.move"), ("res_id", "=", invoice.id)])
        )
        self.assertEqual(len(documents), 2)
        self.assertNotIn(self.document_id, documents.ids)
