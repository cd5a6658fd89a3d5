# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferSecurity(TalTransferCommon):
    """The transfer fields are the transfer's own; its document link is read
    with the reader's rights."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.billing_user = cls._billing_user("tal_billing")
        cls.manager = new_test_user(
            cls.env,
            login="tal_manager",
            groups="base.group_user,account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
        )

    def _set_ref(self, invoice, ref):
        self.env.cr.execute(
            "UPDATE account_move SET tal_transfer_document_ref = %s WHERE id = %s",
            (ref, invoice.id),
        )
        invoice.invalidate_recordset()

    def test_nobody_writes_the_transfer_fields_over_the_orm(self):
        invoice = self._make_invoice()
        self.assertEqual(invoice.tal_transfer_state, "pending")
        attempts = [
            {"tal_transfer_state": "done"},
            {"tal_transfer_state": "excluded"},
            {"tal_transfer_document_ref": "dms.file,1"},
            {"tal_transfer_error": "fixed", "tal_transfer_attempts": 0},
            {"tal_transfer_document_count": 3},
        ]
        for user in (self.billing_user, self.manager):
            for vals in attempts:
                with self.subTest(user=user.login, vals=vals):
                    with self.assertRaises(AccessError):
                        invoice.with_user(user).write(dict(vals))
        # Not the superuser either: the transfer writes them with SQL.
        with self.assertRaises(AccessError):
            invoice.sudo().write({"tal_transfer_state": "done"})
        invoice.invalidate_recordset()
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.assertFalse(invoice.tal_transfer_document_ref)
        # Other fields are written as before.
        invoice.with_user(self.manager).write({"ref": "PO 42"})
        self.assertEqual(invoice.ref, "PO 42")

    def test_nobody_creates_an_invoice_with_transfer_fields(self):
        vals = {
            "move_type": "out_invoice",
            "partner_id": self.partner_a.id,
            "tal_transfer_state": "done",
        }
        for user in (self.billing_user, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Move.with_user(user).create(vals)
        with self.assertRaises(AccessError):
            self.Move.with_user(self.manager).with_context(
                default_tal_transfer_state="done"
            ).create({"move_type": "out_invoice", "partner_id": self.partner_a.id})

    def test_user_defaults_do_not_set_the_transfer_fields(self):
        """Any user may store defaults for themselves (ir.default, as the
        form's "Set Default" does): they must not reach the transfer's own
        fields, or a billing user takes their invoices out of the transfer
        and makes the run history count invoices that were never moved."""
        run = (
            self.env["tal.invoice.transfer.run"]
            .sudo()
            .create({"date_start": "2026-01-01 00:00:00", "trigger": "manual"})
        )
        defaults = self.env["ir.default"].with_user(self.billing_user)
        defaults.set("account.move", "tal_transfer_state", "done", user_id=True)
        defaults.set("account.move", "tal_transfer_run_id", run.id, user_id=True)
        defaults.set(
            "account.move", "tal_transfer_document_ref", "dms.file,1", user_id=True
        )
        invoice = (
            self.env["account.move"]
            .with_user(self.billing_user)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        (0, 0, {"name": "Service", "price_unit": 100.0})
                    ],
                }
            )
        )
        self._attach(invoice.sudo())
        invoice.action_post()
        self.assertFalse(invoice.tal_transfer_run_id)
        self.assertFalse(invoice.tal_transfer_document_ref)
        self.assertEqual(invoice.tal_transfer_state, "pending")
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(len(self._documents_of(self._files_of(invoice))), 1)

    def test_reader_without_rights_sees_a_document_exists_not_its_name(self):
        invoice = self._make_invoice(files=("Salary review - CEO.pdf",))
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertEqual(
            invoice.sudo().tal_transfer_document_name, "Salary review - CEO.pdf"
        )
        # The billing user may read the invoice, not the directory's files.
        as_billing = invoice.with_user(self.billing_user)
        self.assertFalse(as_billing.tal_transfer_document)
        self.assertEqual(as_billing.tal_transfer_document_name, "Restricted document")
        self.assertEqual(as_billing.tal_transfer_document_count, 1)

    def _list_specification(self):
        view = self.env.ref("tal_invoice_transfer.account_move_view_list_transfer")
        arch = etree.fromstring(
            self.Move.with_user(self.manager).get_views([(view.id, "list")])["views"][
                "list"
            ]["arch"]
        )
        spec = {}
        for node in arch.iterfind(".//field"):
            field = self.Move._fields[node.get("name")]
            relational = field.type in ("many2one", "reference")
            spec[field.name] = {"fields": {"display_name": {}}} if relational else {}
        return spec

    def test_progress_list_loads_with_foreign_references(self):
        other_company = self.setup_other_company(name="Company B")["company"]
        storage = (
            self.env["dms.storage"]
            .sudo()
            .create(
                {"name": "HR", "save_type": "database", "company_id": other_company.id}
            )
        )
        directory = (
            self.env["dms.directory"]
            .sudo()
            .create({"name": "HR", "is_root_directory": True, "storage_id": storage.id})
        )
        secret = (
            self.env["dms.file"]
            .sudo()
            .create(
                {
                    "name": "Salary review - CEO 2026.pdf",
                    "directory_id": directory.id,
                    "content": base64.b64encode(b"secret"),
                }
            )
        )
        partner_ref = self._make_invoice(files=())
        file_ref = self._make_invoice(files=())
        gone_ref = self._make_invoice(files=())
        self._set_ref(partner_ref, f"res.partner,{self.partner_a.id}")
        self._set_ref(file_ref, f"dms.file,{secret.id}")
        self._set_ref(gone_ref, "dms.file,999999999")
        moves = partner_ref | file_ref | gone_ref

        result = self.Move.with_user(self.manager).web_search_read(
            [("tal_transfer_state", "!=", False), ("id", "in", moves.ids)],
            self._list_specification(),
        )

        self.assertEqual(result["length"], 3)
        names = {
            row["id"]: row["tal_transfer_document_name"] for row in result["records"]
        }
        self.assertEqual(names[partner_ref.id], False)
        # Company B's file exists: the manager of company A sees no more.
        self.assertEqual(names[file_ref.id], "Restricted document")
        # No link either: the form must not offer to open it.
        self.assertFalse(names[gone_ref.id])
        # No link either: the form must not offer to open them.
        for move in moves.with_user(self.manager):
            self.assertFalse(move.tal_transfer_document)
