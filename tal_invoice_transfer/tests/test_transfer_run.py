# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.tal_invoice_transfer import COMPANY_FIELDS_READ, MOVE_FIELDS_READ
from .common import TalTransferCommon

DOCUMENTS_TARGET = (
    "odoo.addons.tal_invoice_transfer.models.tal_transfer_target_documents"
    ".TalTransferTargetDocuments"
)


@tagged("post_install", "-at_install")
class TestTransferRun(TalTransferCommon):
    target = "documents"

    def test_failing_invoice_leaves_no_partial_document_and_others_go_on(self):
        first, bad, last = (
            self._make_invoice(files=("a.pdf", "b.pdf")) for _ in range(3)
        )
        real_transfer = type(self.env["tal.transfer.target.documents"])._tal_transfer

        def transfer_then_crash(target, move, attachments):
            documents = real_transfer(target, move, attachments)
            if move == bad:
                raise ValueError("disk on fire")
            return documents

        with (
            patch(f"{DOCUMENTS_TARGET}._tal_transfer", transfer_then_crash),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "ERROR"),
        ):
            stats = self.Transfer._run()

        self.assertEqual((stats["done"], stats["failed"]), (2, 1))
        self.assertEqual((first | last).mapped("tal_transfer_state"), ["done", "done"])
        self.assertEqual(bad.tal_transfer_state, "failed")
        self.assertIn("ValueError: disk on fire", bad.tal_transfer_error)
        self.assertEqual(bad.tal_transfer_error_kind, "unexpected")
        self.assertEqual(bad.tal_transfer_attempts, 1)
        self.assertFalse(
            self._documents_of(self._files_of(bad)), "rolled back with its savepoint"
        )
        self.assertEqual(len(self._documents_of(self._files_of(first | last))), 4)

    def test_transient_database_error_is_retried_a_bounded_number_of_times(self):
        invoice = self._make_invoice()

        def busy(target, move, attachments):
            raise pg_errors.SerializationFailure("could not serialize access")

        with (
            patch(f"{DOCUMENTS_TARGET}._tal_transfer", busy),
            self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"),
        ):
            for expected_state in ("pending", "pending", "failed"):
                self.Transfer._run(move_ids=invoice.ids)
                self.assertEqual(invoice.tal_transfer_state, expected_state)
        self.assertEqual(invoice.tal_transfer_attempts, 3)
        self.assertIn("Another transaction was working", invoice.tal_transfer_error)
        self.assertEqual(invoice.tal_transfer_error_kind, "busy")
        # Failed now: the scheduled action leaves it to a person.
        self.assertEqual(self.Transfer._run(move_ids=invoice.ids)["skipped"], 0)

    def test_state_is_checked_again_once_locked(self):
        invoice = self._make_invoice()
        # Another worker finished it between the candidate query and the lock.
        real_lock = type(self.Transfer)._lock

        def finished_meanwhile(model, move_id, states, **kwargs):
            model.env.cr.execute(
                "UPDATE account_move SET tal_transfer_state = 'done' WHERE id = %s",
                [move_id],
            )
            return real_lock(model, move_id, states, **kwargs)

        with patch.object(type(self.Transfer), "_lock", finished_meanwhile):
            stats = self.Transfer._run()

        self.assertEqual(stats["skipped"], 1)
        self.assertFalse(self._documents_of(self._files_of(invoice)))

    def test_lock_reads_the_invoice_and_its_company_in_one_statement(self):
        invoice = self._make_invoice()
        self.env.invalidate_all()

        with self.assertQueryCount(1):
            move = self.Transfer._lock(invoice.id, ("pending",), own_transaction=True)
            values = [move[name] for name in MOVE_FIELDS_READ]
            values += [move.company_id[name] for name in COMPANY_FIELDS_READ]

        self.assertEqual(move, invoice)
        self.assertEqual(values[MOVE_FIELDS_READ.index("name")], invoice.name)
        self.assertEqual(move.company_id, invoice.company_id)
        self.assertEqual(move.journal_id, invoice.journal_id)
        self.assertEqual(
            move.company_id.tal_transfer_folder_ref,
            self.env.company.tal_transfer_folder_ref,
        )

    def test_retry_and_exclude_actions(self):
        failed = self._make_invoice()
        pending = self._make_invoice()
        failed._tal_transfer_write(
            {
                "tal_transfer_state": "failed",
                "tal_transfer_error": "boom",
                "tal_transfer_error_kind": "unexpected",
                "tal_transfer_attempts": 2,
            }
        )

        pending.action_tal_transfer_exclude()
        self.assertEqual(pending.tal_transfer_state, "excluded")
        self.assertEqual(self.Transfer._run().total(), 0, "excluded and failed wait")

        (failed | pending).action_tal_transfer_retry()
        self.assertEqual(
            (failed | pending).mapped("tal_transfer_state"), ["pending", "pending"]
        )
        self.assertFalse(failed.tal_transfer_error)
        self.assertFalse(failed.tal_transfer_error_kind)
        self.assertEqual(failed.tal_transfer_attempts, 0)
        self.assertEqual(self.Transfer._run()["done"], 2)

    def test_transfer_now_handles_the_selection_only(self):
        selected = self._make_invoice()
        other = self._make_invoice()

        action = selected.action_tal_transfer_now()

        self.assertEqual(selected.tal_transfer_state, "done")
        self.assertEqual(other.tal_transfer_state, "pending")
        self.assertIn("1 transferred", action["params"]["message"])

    def test_only_accounting_managers_run_the_actions(self):
        invoice = self._make_invoice()
        billing = new_test_user(
            self.env, login="tal_billing", groups="account.group_account_invoice"
        )
        manager = new_test_user(
            self.env, login="tal_manager", groups="account.group_account_manager"
        )
        for action in (
            "action_tal_transfer_now",
            "action_tal_transfer_retry",
            "action_tal_transfer_exclude",
        ):
            with self.assertRaises(AccessError):
                getattr(invoice.with_user(billing), action)()
        self.assertEqual(invoice.tal_transfer_state, "pending")

        invoice.with_user(manager).action_tal_transfer_now()
        self.assertEqual(invoice.tal_transfer_state, "done")
        menu = self.env.ref("tal_invoice_transfer.account_move_menu_transfer_root")
        self.assertTrue(menu.with_user(manager)._filter_visible_menus())
        self.assertFalse(menu.with_user(billing)._filter_visible_menus())

    def test_transfer_leaves_accounting_lines_and_chatter_untouched(self):
        invoice = self._make_invoice(files=("a.pdf",))
        watched = [
            name
            for name, field in invoice._fields.items()
            if field.store
            and not name.startswith("tal_transfer_")
            and field.type not in ("one2many", "many2many")
        ]
        self.env.flush_all()
        self.env.invalidate_all()
        before = invoice.read(watched)[0]
        lines_before = invoice.line_ids.read(
            [n for n, f in invoice.line_ids._fields.items() if f.store]
        )
        messages_before = invoice.message_ids

        self.Transfer._run()
        self.env.invalidate_all()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(invoice.read(watched)[0], before)
        self.assertEqual(
            invoice.line_ids.read(
                [n for n, f in invoice.line_ids._fields.items() if f.store]
            ),
            lines_before,
        )
        self.assertEqual(invoice.message_ids, messages_before)
        self.assertFalse(invoice.is_manually_modified)

    def test_each_invoice_goes_to_its_own_company_folder(self):
        other_company = self.setup_other_company(name="Other Co")["company"]
        other_folder = self._make_folder(other_company)
        mine = self._make_invoice()
        theirs = self._make_invoice(company_id=other_company)
        orphan_company = self.setup_other_company(name="No Folder Co")["company"]
        orphan = self._make_invoice(company_id=orphan_company)

        self.Transfer._run()

        # Their PDFs (beside documents_account an e-invoice XML made at
        # posting is filed by the bridge in its journal's folder).
        def pdfs(invoice):
            return self._files_of(invoice).filtered(
                lambda a: a.mimetype == "application/pdf"
            )

        self.assertEqual(self._documents_of(pdfs(mine)).folder_id, self.folder)
        self.assertEqual(self._documents_of(pdfs(theirs)).folder_id, other_folder)
        # No folder yet: it waits for one (see test_transfer_quiet); asked
        # for explicitly, it says what to set.
        self.assertEqual(orphan.tal_transfer_state, "pending")
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=orphan.ids)
        self.assertEqual(orphan.tal_transfer_state, "failed")
        self.assertIn("No Folder Co", orphan.tal_transfer_error)

    def test_folder_of_another_company_is_refused(self):
        other_company = self.setup_other_company(name="Other Co")["company"]
        invoice = self._make_invoice()
        self.folder.company_id = other_company

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertIn("belongs to company Other Co", invoice.tal_transfer_error)

    def test_main_file_mode_transfers_only_the_main_file(self):
        self.env.company.tal_transfer_attachment_mode = "main"
        invoice = self._make_invoice(files=("main.pdf", "annex.pdf"))
        main = self._files_of(invoice).filtered(lambda a: a.name == "main.pdf")
        invoice.message_main_attachment_id = main

        self.Transfer._run()

        self.assertEqual(
            self._documents_of(self._files_of(invoice)).attachment_id, main
        )

    def test_no_target_app_fails_with_a_clear_message(self):
        invoice = self._make_invoice()
        self.env["ir.config_parameter"].set_param("tal_invoice_transfer.target", "nope")

        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run()

        self.assertEqual(invoice.tal_transfer_state, "failed")
        self.assertIn("is not installed", invoice.tal_transfer_error)
        self.assertEqual(invoice.tal_transfer_error_kind, "no_target")
        with self.assertRaises(UserError):
            self.env["tal.transfer.target"]._tal_get_target()
