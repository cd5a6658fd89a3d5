# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferUi(TalTransferCommon):
    """What an accounting administrator without any other right reaches."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # Exactly the accounting administrator's group: no DMS right, no
        # "full accounting features".
        cls.accountant = new_test_user(
            cls.env,
            login="tal_accountant",
            groups="account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
        )
        # Whoever may read the invoice may read its files.
        cls.folder.storage_id.inherit_access_from_parent_record = True

    def _load(self, action, user):
        """Load the action's list as the web client does, as `user`."""
        model = self.env[action["res_model"]].with_user(user)
        views = dict((mode, view_id) for view_id, mode in action.get("views", []))
        list_view = model.get_views([(views.get("list") or False, "list")])
        arch = etree.fromstring(list_view["views"]["list"]["arch"])
        specification = {}
        for node in arch.iterfind(".//field"):
            field = model._fields[node.get("name")]
            specification[field.name] = (
                {"fields": {"display_name": {}}} if field.relational else {}
            )
        return model.with_context(**action.get("context", {})).web_search_read(
            action["domain"], specification
        )["records"]

    def test_accounting_administrator_reaches_the_menu(self):
        menus = self.env["ir.ui.menu"].with_user(self.accountant).load_menus(False)
        xmlids = {menu["xmlid"]: menu for menu in menus.values() if "xmlid" in menu}
        progress = xmlids.get("tal_invoice_transfer.account_move_menu_transfer")
        self.assertTrue(progress, "Progress menu not reachable")
        self.assertIn("tal_invoice_transfer.tal_invoice_transfer_run_menu", xmlids)
        self.assertEqual(
            menus[progress["app_id"]]["xmlid"], "account.menu_finance", "in Invoicing"
        )

    def test_open_documents_falls_back_to_the_invoice_files(self):
        invoice = self._make_invoice(files=("bill.pdf",))
        self.Transfer._run()
        self.assertEqual(invoice.tal_transfer_state, "done")

        action = invoice.with_user(self.accountant).action_tal_transfer_open_documents()

        self.assertEqual(action["res_model"], "ir.attachment")
        rows = self._load(action, self.accountant)
        self.assertEqual([row["name"] for row in rows], ["bill.pdf"])

    def test_open_documents_opens_the_app_for_its_users(self):
        invoice = self._make_invoice(files=("bill.pdf",))
        self.Transfer._run()
        self.accountant.group_ids += self.env.ref("dms.group_dms_user")

        action = invoice.with_user(self.accountant).action_tal_transfer_open_documents()

        self.assertEqual(action["res_model"], "dms.file")
        rows = self._load(action, self.accountant)
        self.assertEqual([row["name"] for row in rows], ["bill.pdf"])
