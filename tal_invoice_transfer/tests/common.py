# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from contextlib import closing, contextmanager
from unittest import SkipTest
from unittest.mock import patch

from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..models.tal_transfer_target import TARGET_PARAM

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
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


class TalTransferCommon(AccountTestInvoicingCommon):
    """Invoices with files, and a configured target.

    Tests run against real target tables: OCA `dms` and the Documents
    stand-in addon are installed by the test script.
    """

    target = "documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        model = {"documents": "documents.document", "dms": "dms.file"}[cls.target]
        if model not in cls.env:
            raise SkipTest(
                f"{model} is not installed: the {cls.target} target cannot run"
            )
        cls.env["ir.config_parameter"].sudo().set_param(TARGET_PARAM, cls.target)
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
        return folder

    @classmethod
    def _attach(cls, move, name="invoice.pdf", raw=PDF):
        return cls.env["ir.attachment"].create(
            {"name": name, "raw": raw, "res_model": "account.move", "res_id": move.id}
        )

    @classmethod
    def _make_invoice(cls, files=("invoice.pdf",), post=True, **invoice_args):
        invoice_args.setdefault("invoice_date", "2026-03-05")
        invoice = cls._create_invoice_one_line(price_unit=100.0, **invoice_args)
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
