# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import itertools
import threading
import time
from contextlib import closing, contextmanager
from unittest import SkipTest
from unittest.mock import patch

import psycopg2
from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, Command, api
from odoo.models import BaseModel
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL, mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .. import compat, render_ahead
from ..models import tal_invoice_transfer as engine_module
from ..models.tal_invoice_transfer_pdf import TalInvoiceTransferPdf
from ..models.tal_transfer_target import TARGET_PARAM

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_labels = itertools.count(1)


def pdf_bytes(label=None):
    """A small PDF of its own bytes: files of one invoice, or two renders of
    it, never share a checksum unless a test says so."""
    label = label or f"file {next(_labels)}"
    return (
        b"%PDF-1.4\n% "
        + label.encode()
        + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    )


# How long a test waits for another transaction before it gives up.
PATIENCE = 30


def wait_for_lock(registry, thread, pid):
    """Wait until the connection `pid` of `thread` waits for a lock (True),
    or the thread is over (False)."""
    deadline = time.monotonic() + PATIENCE
    with closing(registry.cursor()) as probe:
        while thread.is_alive() and time.monotonic() < deadline:
            probe.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            )
            row = probe.fetchone()
            # The activity view is a per-transaction snapshot.
            probe.rollback()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.05)
    return False


# What _make_invoice gives its invoice's line.
LINE_ARGS = ("name", "product_id", "quantity", "price_unit", "tax_ids", "discount")


def _ids(values):
    """`values` with records given as their ids."""
    return {
        key: value.id if isinstance(value, BaseModel) else value
        for key, value in values.items()
    }


def documents_account_configure(company):
    """Documents' Accounting setting on, and a folder setting for each journal
    of the company that has none: 19.0's documents_account does it by itself;
    on 18.0 an administrator does it (Documents settings, Accounting)."""
    if compat.V19:
        return
    env = company.env
    company = company.sudo()
    company.documents_account_settings = True
    journals = env["account.journal"].sudo().search([("company_id", "=", company.id)])
    configured = (
        env["documents.account.folder.setting"]
        .sudo()
        .search([("journal_id", "in", journals.ids)])
        .journal_id
    )
    (journals - configured)._documents_configure_sync()


class TalTransferCommon(AccountTestInvoicingCommon):
    """Invoices with files, and a configured target.

    Tests run against real target tables: OCA `dms` and the Documents
    stand-in addon are installed by the test script.
    """

    target = "documents"
    make_pdf = False
    # The company's filing plan (None: the tree each target made before
    # plans, One folder on Documents, By journal / year / month on DMS).
    plan = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        model = {"documents": "documents.document", "dms": "dms.file"}[cls.target]
        if model not in cls.env:
            raise SkipTest(
                f"{model} is not installed: the {cls.target} target cannot run"
            )
        cls.env["ir.config_parameter"].sudo().set_param(TARGET_PARAM, cls.target)
        # These tests file the files invoices have; the PDF maker's own tests
        # (test_invoice_pdf*.py) switch it on.
        cls.env["res.company"].search([]).tal_transfer_make_pdf = cls.make_pdf
        cls.folder = cls._make_folder(cls.env.company)
        cls.Move = cls.env["account.move"]
        cls.Transfer = cls.env["tal.invoice.transfer"]

    @classmethod
    def _billing_user(cls, login):
        """A user with invoicing rights only, in the current company."""
        company = cls.env.company
        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_user,account.group_account_invoice",
            company_id=company.id,
            company_ids=[company.id],
        )

    @classmethod
    def _make_folder(cls, company, name=None):
        name = name or f"Invoices {company.name}"
        if cls.target == "documents":
            folder = (
                cls.env["documents.document"]
                .sudo()
                .create({"name": name, "type": "folder", "company_id": company.id})
            )
        else:
            storage = (
                cls.env["dms.storage"]
                .sudo()
                .create(
                    {"name": name, "save_type": "attachment", "company_id": company.id}
                )
            )
            folder = (
                cls.env["dms.directory"]
                .sudo()
                .create(
                    {
                        "name": name,
                        "is_root_directory": True,
                        "storage_id": storage.id,
                        "model_id": cls.env["ir.model"]._get_id("account.move"),
                    }
                )
            )
        company.tal_transfer_folder_ref = f"{folder._name},{folder.id}"
        company.tal_transfer_filing_plan = cls.plan or (
            "single" if cls.target == "documents" else "journal_period"
        )
        return folder

    @classmethod
    def _attach(cls, move, name="invoice.pdf", raw=None):
        return cls.env["ir.attachment"].create(
            {
                "name": name,
                "raw": pdf_bytes() if raw is None else raw,
                "res_model": "account.move",
                "res_id": move.id,
            }
        )

    if not compat.V19:

        @contextmanager
        def enter_registry_test_mode(self):
            """19.0's own (TransactionCase); 18.0's registry test mode by
            hand: new cursors share the test's."""
            self.env.flush_all()
            self.registry.enter_test_mode(self.cr)
            try:
                yield
            finally:
                self.registry.leave_test_mode()
                self.env.invalidate_all()

    @classmethod
    def _documents_account_configured(cls, company=None):
        """Documents' Accounting setting on, each journal of the company with
        its folder setting (see documents_account_configure)."""
        documents_account_configure(company or cls.env.company)

    @classmethod
    def _attach_before_documents_account(cls, move, name="invoice.pdf", raw=None):
        """A file of the backlog: attached before documents_account filed
        anything. 19.0 files no PDF when it is attached; 18.0 files an
        invoice's first file, whatever its type, so the file came before an
        administrator turned the Accounting setting on."""
        company = move.company_id.sudo()
        if compat.V19 or not company.documents_account_settings:
            return cls._attach(move, name=name, raw=raw)
        company.documents_account_settings = False
        try:
            return cls._attach(move, name=name, raw=raw)
        finally:
            company.documents_account_settings = True

    def _company_owner(self):
        """Who owns the company's documents: nobody, OdooBot on 18.0."""
        return self.env["res.users"].browse(compat.documents_company_owner(self.env))

    @classmethod
    def _make_invoice(cls, files=("invoice.pdf",), post=True, **invoice_args):
        invoice_args.setdefault("invoice_date", "2026-03-05")
        invoice_args.setdefault("date", invoice_args["invoice_date"])
        # One line of 100, as account's _create_invoice_one_line (19.0 only):
        # the line's own arguments go to the line, move_name is the move's.
        line = {"price_unit": 100.0, "quantity": 1.0}
        for key in LINE_ARGS:
            if key in invoice_args:
                line[key] = invoice_args.pop(key)
        if "move_name" in invoice_args:
            invoice_args["name"] = invoice_args.pop("move_name")
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.partner_a.id,
                "invoice_line_ids": [Command.create(_ids(line))],
                **_ids(invoice_args),
            }
        )
        for name in files:
            cls._attach(invoice, name=name)
        if post:
            invoice.action_post()
        return invoice

    @contextmanager
    def _as_scheduled_action(self):
        """The engine commits as under the scheduler, but each commit keeps
        the test's transaction, and the scheduler's time never runs out."""
        with (
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", return_value=60
            ),
            patch.object(
                type(self.env["account.move"]), "_can_commit", return_value=True
            ),
            patch.object(self.env.cr, "commit", lambda: None),
        ):
            yield

    def _documents_of(self, attachments):
        """Every document or DMS file linking these attachments, archived too."""
        model = {"documents": "documents.document", "dms": "dms.file"}[self.target]
        return (
            self.env[model]
            .sudo()
            .with_context(active_test=False)
            .search([("attachment_id", "in", attachments.ids)])
        )

    def _files_of(self, moves):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "in", moves.ids)]
        )


class TalUserRequestMixin:
    """A user's request in a thread, against a worker's transaction."""

    def _new_env(self, uid=SUPERUSER_ID):
        """An environment on a cursor of its own (closed after the test)."""
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, uid, {})

    @classmethod
    def _invoice_with_files(cls, env, names):
        """A draft customer invoice of `env` and its files named `names`."""
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": env.ref("base.partner_admin").id,
                "invoice_date": "2026-03-05",
                "invoice_line_ids": [
                    Command.create({"name": "Service", "price_unit": 100.0})
                ],
            }
        )
        attachments = env["ir.attachment"].create(
            [
                {
                    "name": name,
                    "raw": pdf_bytes(),
                    "res_model": "account.move",
                    "res_id": invoice.id,
                }
                for name in names
            ]
        )
        return invoice, attachments

    def _user_request(self, work, env=None):
        """A thread (not started) running `work(env)` as Odoo's request loop
        would: committed, or rolled back and tried again (5 tries) on the
        errors Odoo retries. Returns the thread, its backend pid (None for a
        given `env`, whose transaction is left as it is), and the name of
        each error it met."""
        pid = None
        if env is None:
            env = self._new_env()
            env.cr.execute("SELECT pg_backend_pid()")
            pid = env.cr.fetchone()[0]
            env.cr.rollback()
        failures = []

        def request():
            for _attempt in range(5):
                try:
                    # Odoo logs a failed query before its request loop retries
                    # it: expected here.
                    with mute_logger("odoo.sql_db"):
                        work(env)
                    # A cursor of its own: the end of the user's request.
                    env.cr.commit()  # pylint: disable=invalid-commit
                    return
                except psycopg2.Error as error:
                    # The end of the user's failed request: its own cursor.
                    env.cr.rollback()
                    env.transaction.reset()
                    failures.append(type(error).__name__)
                    if not isinstance(error, OperationalError):
                        return  # Odoo's request loop retries no other error

        return threading.Thread(target=request, daemon=True), pid, failures

    @contextmanager
    def _user_waits_in(self, thread, pid, model_class, method, is_the_one):
        """Patch `method` of `model_class`: its first call whose result
        `is_the_one` starts the user's `thread` and goes on once that waits
        for a lock. Yields the list that gets whether it waited."""
        real = getattr(model_class, method)
        waited = []

        def wrapper(*args, **kwargs):
            result = real(*args, **kwargs)
            if not waited and is_the_one(result):
                thread.start()
                waited.append(wait_for_lock(self.registry, thread, pid))
            return result

        with patch.object(model_class, method, wrapper), self._retries_allowed():
            yield waited

    @staticmethod
    def _retries_allowed():
        """The test runner holds the registries' lock while tests run; a
        request's retry takes it (Environment.reset), as registry test mode
        allows."""
        return patch.object(Registry, "_lock", DummyRLock())

    def _user_request_now(self, work, env):
        """Run the user's request `work` in `env` (its transaction as it is)
        to its end; return the errors it met."""
        thread, _pid, failures = self._user_request(work, env=env)
        with self._retries_allowed():
            thread.start()
            thread.join(PATIENCE)
        self.assertFalse(thread.is_alive(), "the user's request never ended")
        return failures

    def _user_request_during_transfer(
        self, work, model_class=None, method="_lock", is_the_one=None
    ):
        """Transfer the invoice `self.invoice_id` in a worker's transaction;
        once the worker's `method` of `model_class` (by default: the engine
        locking the invoice) returns what `is_the_one`, the user's request
        `work` runs, and must wait for the worker. Returns the worker's
        environment, its outcome and the errors the request met."""
        if model_class is None:
            model_class = type(self.env["tal.invoice.transfer"])

            def is_the_one(move):
                return move and move.id == self.invoice_id

        thread, pid, failures = self._user_request(work)
        worker = self._new_env()
        with self._user_waits_in(
            thread, pid, model_class, method, is_the_one
        ) as waited:
            outcome = worker["tal.invoice.transfer"]._run(move_ids=[self.invoice_id])
            # A cursor of its own: the end of the worker's invoice.
            worker.cr.commit()  # pylint: disable=invalid-commit
            thread.join(PATIENCE)
        self.assertFalse(thread.is_alive(), "the user's request never ended")
        self.assertEqual(waited, [True], "the user waited for the worker")
        return worker, outcome, failures

    def _transfer_again(self, worker):
        """The worker's next run on the invoice; returns the invoice, read
        afresh."""
        worker["tal.invoice.transfer"]._run(move_ids=[self.invoice_id])
        # A cursor of its own: the end of the worker's job.
        worker.cr.commit()  # pylint: disable=invalid-commit
        invoice = worker["account.move"].browse(self.invoice_id)
        invoice.invalidate_recordset()
        return invoice


class TalCommittedDmsInvoiceCase(TalUserRequestMixin, TransactionCase):
    """A worker's transaction against a user's request, each on a cursor of
    its own: they only meet on committed rows. The invoice (with
    `committed_files`) and its DMS root are committed by their own cursor and
    removed after each test, as core's sequence concurrency test does."""

    committed_files = ("invoice.pdf",)
    # These tests file the files invoices have; the PDF maker's own switch it on.
    make_pdf = False

    def setUp(self):
        super().setUp()
        if "dms.file" not in self.env:
            self.skipTest("dms is not installed")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            icp = env["ir.config_parameter"]
            self.saved = {
                "target": icp.get_param(TARGET_PARAM),
                "folder_ref": company.tal_transfer_folder_ref,
                "make_pdf": company.tal_transfer_make_pdf,
                "plan": company.tal_transfer_filing_plan,
            }
            company.tal_transfer_make_pdf = self.make_pdf
            cr.execute("SELECT coalesce(max(id), 0) FROM tal_invoice_transfer_run")
            self.last_run_id = cr.fetchone()[0]
            cr.execute("SELECT coalesce(max(id), 0) FROM tal_invoice_transfer_backlog")
            self.last_backlog_id = cr.fetchone()[0]
            cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            self.last_trigger_id = cr.fetchone()[0]
            storage = env["dms.storage"].create(
                {"name": "Concurrency", "save_type": "attachment"}
            )
            root = env["dms.directory"].create(
                {
                    "name": "Concurrency",
                    "is_root_directory": True,
                    "storage_id": storage.id,
                    "model_id": env["ir.model"]._get_id("account.move"),
                }
            )
            icp.set_param(TARGET_PARAM, "dms")
            company.tal_transfer_folder_ref = f"dms.directory,{root.id}"
            company.tal_transfer_filing_plan = "journal_period"
            invoice, attachments = self._invoice_with_files(env, self.committed_files)
            self.attachment_ids = attachments.ids
            invoice.action_post()
            self.assertEqual(invoice.tal_transfer_state, "pending")
            self.invoice_id, self.storage_id = invoice.id, storage.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            invoice.button_draft()
            invoice.posted_before = False
            # Its attachments and their DMS files go with it.
            invoice.with_context(force_delete=True).unlink()
            storage = env["dms.storage"].browse(self.storage_id)
            storage.root_directory_ids.unlink()
            storage.unlink()
            env["tal.invoice.transfer.run"].search(
                [("id", ">", self.last_run_id)]
            ).unlink()
            # A scheduled run opens (and closes) a backlog.
            env["tal.invoice.transfer.backlog"].search(
                [("id", ">", self.last_backlog_id)]
            ).unlink()
            cr.execute(
                "DELETE FROM ir_cron_trigger WHERE id > %s", [self.last_trigger_id]
            )
            env["ir.config_parameter"].set_param(TARGET_PARAM, self.saved["target"])
            env.company.tal_transfer_folder_ref = self.saved["folder_ref"]
            env.company.tal_transfer_make_pdf = self.saved["make_pdf"]
            env.company.tal_transfer_filing_plan = self.saved["plan"]

    @staticmethod
    def _attach(env, move_id, name):
        return env["ir.attachment"].create(
            {
                "name": name,
                "raw": pdf_bytes(),
                "res_model": "account.move",
                "res_id": move_id,
            }
        )


class TalCommittedPdfCase(TalCommittedDmsInvoiceCase):
    """A committed invoice without files, whose official PDF the transfer
    makes with a real wkhtmltopdf."""

    committed_files = ()
    make_pdf = True

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            icp = api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"]
            saved = icp.get_param("report.url")
            # wkhtmltopdf's style sheets: refused at once (see TalPdfCommon).
            icp.set_param("report.url", "http://127.0.0.1:9")

        def restore():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["ir.config_parameter"].set_param("report.url", saved or False)

        self.addCleanup(restore)


# Invoices per batch in the render-ahead tests (80 in production): three
# batches of two.
CHUNK = 2


class TalRenderAheadCase(TalCommittedPdfCase):
    """Six committed invoices whose PDFs scheduled runs make, CHUNK at a time,
    the next batch rendered ahead in a thread (see render_ahead); renders,
    stores and batches started ahead are recorded in order."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": env.ref("base.partner_admin").id,
                        "invoice_date": "2026-03-05",
                        "invoice_line_ids": [
                            Command.create({"name": "Service", "price_unit": 10.0})
                        ],
                    }
                    for _index in range(5)
                ]
            )
            invoices.action_post()
            self.more_ids = invoices.ids
        self.addCleanup(self._remove_more_invoices)
        self.move_ids = sorted([self.invoice_id, *self.more_ids])
        self.renders = []
        self.stores = []
        self.events = []
        self.after_store = None
        patch.object(engine_module, "PDF_CHUNK", CHUNK).start()
        real_render = TalInvoiceTransferPdf._tal_render
        real_start = render_ahead.RenderAhead.start
        real_store = TalInvoiceTransferPdf._tal_store

        def render(maker, moves, time_left=None):
            self.events.append(("render", tuple(moves.ids)))
            self.renders.append((tuple(moves.ids), threading.get_ident()))
            return real_render(maker, moves, time_left=time_left)

        def store(maker, move, render):
            self.events.append(("store", move.id))
            self.stores.append(move.id)
            stored = real_store(maker, move, render)
            if self.after_store:
                self.after_store(move.id)
            return stored

        def start(ahead, env, move_ids, time_left):
            self.events.append(("ahead", tuple(move_ids)))
            return real_start(ahead, env, move_ids, time_left)

        for name, side_effect in (("_tal_render", render), ("_tal_store", store)):
            patch.object(
                TalInvoiceTransferPdf, name, autospec=True, side_effect=side_effect
            ).start()
        patch.object(
            render_ahead.RenderAhead, "start", autospec=True, side_effect=start
        ).start()
        self.addCleanup(patch.stopall)
        self.addCleanup(self._drop_render_ahead)

    def _remove_more_invoices(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(self.more_ids)
            invoices.button_draft()
            invoices.posted_before = False
            invoices.with_context(force_delete=True).unlink()

    def _drop_render_ahead(self):
        """This thread's batch under way, if a test left one."""
        render_ahead.RenderAhead.drop(self.env)

    def _worker(self):
        return self._new_env()["tal.invoice.transfer"].with_context(
            force_report_rendering=True, tal_render_ahead=True
        )

    def _batches(self):
        return [
            tuple(self.move_ids[i : i + CHUNK])
            for i in range(0, len(self.move_ids), CHUNK)
        ]

    def _check_each_made_and_filed_once(self):
        check = self._new_env()
        invoices = check["account.move"].browse(self.move_ids)
        self.assertEqual(set(invoices.mapped("tal_transfer_state")), {"done"})
        for invoice in invoices:
            pdf = invoice.invoice_pdf_report_id
            self.assertEqual(len(pdf), 1, invoice.name)
            self.assertEqual(pdf.mimetype, "application/pdf")
            self.assertTrue(pdf.raw.startswith(b"%PDF"), invoice.name)
            self.assertEqual(
                check["dms.file"].search_count([("attachment_id", "=", pdf.id)]),
                1,
                invoice.name,
            )
        self.assertEqual(sorted(set(self.stores)), self.move_ids)

    def _render_ahead_threads(self):
        return [t for t in threading.enumerate() if t.name.endswith("render ahead")]


class TalPdfCommon(TalTransferCommon):
    """Invoices without files whose official PDF the transfer makes, with a
    real wkhtmltopdf (Odoo renders HTML in tests unless told otherwise)."""

    make_pdf = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if compat.wkhtmltopdf_info().state != "ok":
            raise SkipTest("no wkhtmltopdf: invoice PDFs cannot be rendered")
        cls.Transfer = cls.Transfer.with_context(force_report_rendering=True)
        # wkhtmltopdf asks the server for the report's style sheets; the test
        # server would make it wait for the test's own transaction. Refused
        # at once instead: the PDFs are unstyled, still real.
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:9"
        )
        cls.standard_report = cls.env.ref("account.account_invoices")

    @classmethod
    def _make_report(cls, name, marked=True, body=""):
        """An invoice template of our own: `marked` templates use the standard
        layout, which marks each invoice for Odoo to cut a batch's PDF."""
        key = (
            f"tal_invoice_transfer.test_report_{len(cls.env['ir.ui.view'].search([]))}"
        )
        page = f'<div class="page"><h2 t-out="o.name"/>{body}</div>'
        inner = f'<t t-call="web.external_layout">{page}</t>' if marked else page
        cls.env["ir.ui.view"].create(
            {
                "name": key,
                "type": "qweb",
                "key": key,
                "arch": (
                    f'<t t-name="{key}"><t t-call="web.html_container">'
                    f'<t t-foreach="docs" t-as="o">{inner}</t></t></t>'
                ),
            }
        )
        return cls.env["ir.actions.report"].create(
            {
                "name": name,
                "model": "account.move",
                "report_type": "qweb-pdf",
                "report_name": key,
                "is_invoice_report": True,
            }
        )

    def _official_pdf(self, invoice):
        invoice.invalidate_recordset()
        return invoice.invoice_pdf_report_id


class TalScriptMixin:
    """What upload scripts left in Documents before the addon.

    The old XML-RPC script (OLD_SCRIPT.md): a tree of folders made as its own
    user (Finance / Factures clients / one folder per customer, made for the
    partner), and per invoice a document made from its render's bytes
    (`datas`), named `<number>.pdf`, linked to the invoice; each restart made
    another. Other scripts post the invoice's own file's bytes, linked to the
    invoice or not. Everything goes through the Documents stand-in's create,
    as the scripts' XML-RPC calls did.
    """

    @classmethod
    def _script_setup(
        cls, groups="base.group_user,account.group_account_invoice", private=False
    ):
        """The script's tree; `private`: as the script made it, seen by its
        user alone (else internal users may read it, as once the takeover
        preview's action gave them access)."""
        cls.script_user = new_test_user(cls.env, login="old_script", groups=groups)
        cls.script_access = "none" if private else "view"
        Documents = cls.env["documents.document"].sudo()
        cls.finance = Documents.create(
            {
                "name": "Finance",
                "type": "folder",
                "owner_id": cls.script_user.id,
                "access_internal": cls.script_access,
            }
        )
        # The transfer's folder is the script's: its customer folders are
        # the ones people browse.
        cls.folder = Documents.create(
            {
                "name": "Factures clients",
                "type": "folder",
                "folder_id": cls.finance.id,
                "owner_id": cls.script_user.id,
            }
        )
        cls.env.company.tal_transfer_folder_ref = f"documents.document,{cls.folder.id}"

    @classmethod
    def _customer_folder(cls, partner):
        Documents = cls.env["documents.document"].sudo()
        return Documents.search(
            [("name", "=", partner.name), ("folder_id", "=", cls.folder.id)]
        ) or Documents.create(
            {
                "name": partner.name,
                "type": "folder",
                "folder_id": cls.folder.id,
                "owner_id": cls.script_user.id,
                "res_model": "res.partner",
                "res_id": partner.id,
            }
        )

    @classmethod
    def _script_upload(
        cls, invoice, raw=None, name=None, linked=True, folder=None, days_ago=None
    ):
        """One document as an upload script made it; `days_ago` dates it (and
        its file) back, as made by an earlier transaction."""
        vals = {
            "name": name or f"{invoice.name}.pdf",
            "type": "binary",
            "folder_id": (folder or cls._customer_folder(invoice.partner_id)).id,
            # Every render differs (its date and ids are inside the PDF).
            "datas": base64.b64encode(
                raw or pdf_bytes(f"render {next(_labels)} of {invoice.name}")
            ),
            "mimetype": "application/pdf",
            "owner_id": cls.script_user.id,
        }
        if linked:
            vals.update(res_model="account.move", res_id=invoice.id)
        document = cls.env["documents.document"].sudo().create(vals)
        if days_ago is not None:
            cls._date_back(document, days_ago)
        return document

    @classmethod
    def _date_back(cls, document, days_ago):
        """Made `days_ago` days ago, in a transaction of its own."""
        cls.env.flush_all()
        for table, row_id in (
            ("documents_document", document.id),
            ("ir_attachment", document.attachment_id.id),
        ):
            cls.env.cr.execute(
                SQL(
                    "UPDATE %s SET create_date = now() at time zone 'UTC'"
                    " - %s * interval '1 day' WHERE id = %s",
                    SQL.identifier(table),
                    days_ago,
                    row_id,
                )
            )
        cls.env.invalidate_all()
