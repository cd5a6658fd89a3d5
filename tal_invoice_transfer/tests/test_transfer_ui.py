# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from lxml import etree

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .. import compat
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
        cls.billing_user = new_test_user(
            cls.env,
            login="tal_billing",
            groups="account.group_account_invoice",
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
        self.accountant.write(
            {
                compat.USER_GROUPS_FIELD: [
                    Command.link(self.env.ref("dms.group_dms_user").id)
                ]
            }
        )

        action = invoice.with_user(self.accountant).action_tal_transfer_open_documents()

        self.assertEqual(action["res_model"], "dms.file")
        rows = self._load(action, self.accountant)
        self.assertEqual([row["name"] for row in rows], ["bill.pdf"])

    def _fail(self, invoice):
        folder_ref = self.env.company.tal_transfer_folder_ref
        self.env.company.tal_transfer_folder_ref = False
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=invoice.ids)
        self.env.company.tal_transfer_folder_ref = folder_ref
        self.assertEqual(invoice.tal_transfer_state, "failed")

    def test_error_is_said_in_the_reader_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        invoice = self._make_invoice()
        invoice.invoice_user_id.lang = "fr_FR"

        self._fail(invoice)

        # Stored in English, for the log, the search and the run history...
        self.assertIn("No DMS directory is set", invoice.tal_transfer_error)
        english = invoice.with_context(lang="en_US").tal_transfer_error_display
        self.assertIn("No DMS directory is set", english)
        # ...and said in each reader's language, its parts included.
        french = invoice.with_context(lang="fr_FR").tal_transfer_error_display
        self.assertIn("Aucun répertoire DMS n'est défini", french)
        self.assertIn("définissez-en un dans Facturation", french)
        # The note is in the language of the invoice's salesperson.
        note = invoice.message_ids[0].body
        self.assertIn("Le transfert des fichiers de cette facture a échoué", note)
        self.assertIn("Aucun répertoire DMS", note)

    def test_empty_file_error_does_not_advise_excluding(self):
        invoice = self._make_invoice(files=("scan.pdf",))
        self._attach(invoice, name="empty.pdf", raw=b"")
        invoice.invalidate_recordset()
        with self.assertLogs("odoo.addons.tal_invoice_transfer", "WARNING"):
            self.Transfer._run(move_ids=invoice.ids)

        self.assertEqual(invoice.tal_transfer_error_kind, "file_empty")
        self.assertIn("empty.pdf", invoice.tal_transfer_error_display)
        self.assertNotIn("exclude", invoice.tal_transfer_error_display)

    def test_retry_transfers_now_as_the_clicking_user_and_leaves_a_note(self):
        invoice = self._make_invoice()
        self._fail(invoice)

        action = invoice.with_user(self.accountant).action_tal_transfer_retry_now()

        self.assertEqual(invoice.tal_transfer_state, "done")
        self.assertIn("1 transferred", action["params"]["message"])
        self.assertIn(
            f"Files transferred after a retry by {self.accountant.name}",
            invoice.message_ids[0].body,
        )
        run = self.env["tal.invoice.transfer.run"].search([], limit=1)
        self.assertEqual((run.trigger, run.user_id), ("manual", self.accountant))
        self.assertEqual(run.done_count, 1)

    def test_exclude_asks_a_reason_and_leaves_a_note(self):
        invoice = self._make_invoice()
        other = self._make_invoice()
        other.action_tal_transfer_now()

        action = (
            (invoice | other)
            .with_user(self.accountant)
            .action_tal_transfer_exclude_wizard()
        )
        self.assertEqual(action["res_model"], "tal.invoice.transfer.exclude")
        self.assertEqual(invoice.tal_transfer_state, "pending", "only asked")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
            .create({"reason": "Duplicate of INV/2026/00012"})
        )
        self.assertEqual((wizard.excludable_count, wizard.unchanged_count), (1, 1))
        result = wizard.action_confirm()

        self.assertEqual(invoice.tal_transfer_state, "excluded")
        self.assertEqual(other.tal_transfer_state, "done")
        note = invoice.message_ids[0].body
        self.assertIn(self.accountant.name, note)
        self.assertIn("Duplicate of INV/2026/00012", note)
        self.assertEqual(
            result["params"]["next"]["params"], {"states": ["excluded"], "close": True}
        )

    def test_run_manually_is_started_by_the_clicking_user(self):
        admin = self.env.ref("base.user_admin")
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        runs = self.env["tal.invoice.transfer.run"]
        # A call with nothing to do records no run.
        self._make_invoice()

        def process_job(cls, cron_cr, job):
            # What the scheduler runs: the action, as the job's user (OdooBot),
            # in a new environment.
            env = api.Environment(cron_cr, SUPERUSER_ID, {"cron_id": job["id"]})
            env["tal.invoice.transfer"]._cron_transfer()

        with patch.object(
            type(self.env["ir.cron"]), "_process_job", classmethod(process_job)
        ):
            cron.with_user(admin).method_direct_trigger()

        run = runs.search([], limit=1)
        self.assertEqual(run.user_id, admin)

    def test_billing_user_reads_the_tab_and_whom_to_ask(self):
        form = self.Move.with_user(self.billing_user).get_views([(False, "form")])
        arch = etree.fromstring(form["views"]["form"]["arch"])
        page = arch.find(".//page[@name='tal_transfer']")
        self.assertIsNotNone(page, "the billing user sees the Files Transfer tab")
        self.assertIsNotNone(page.find(".//p[@class='text-muted o_tal_transfer_ask']"))
        buttons = {button.get("name") for button in page.iter("button")}
        self.assertEqual(buttons, {"action_tal_transfer_open_documents"})

        manager = self.Move.with_user(self.accountant).get_views([(False, "form")])
        arch = etree.fromstring(manager["views"]["form"]["arch"])
        page = arch.find(".//page[@name='tal_transfer']")
        buttons = {button.get("name") for button in page.iter("button")}
        self.assertIn("action_tal_transfer_retry_now", buttons)
        self.assertIn("action_tal_transfer_exclude_wizard", buttons)
        self.assertIsNone(page.find(".//p[@class='text-muted o_tal_transfer_ask']"))

    def test_cards_count_what_the_list_shows(self):
        sale = self._make_invoice()
        bill = self._make_invoice(move_type="in_invoice")
        (sale | bill).action_tal_transfer_now()
        journal = self.company_data["default_journal_purchase"]
        counts = (
            self.env["tal.invoice.transfer.ui"]
            .with_user(self.accountant)
            .tal_transfer_counts([("journal_id", "=", journal.id)])
        )
        moves = self.Move.search(
            [("tal_transfer_state", "!=", False), ("journal_id", "=", journal.id)]
        )
        self.assertEqual(counts["total"], len(moves))
        self.assertEqual(counts["counts"]["done"], 1)
        # A clicked card (a state filter) leaves the other cards counted.
        failed_only = (
            self.env["tal.invoice.transfer.ui"]
            .with_user(self.accountant)
            .tal_transfer_counts(
                [("tal_transfer_state", "=", "failed"), ("journal_id", "=", journal.id)]
            )
        )
        self.assertEqual(failed_only["counts"], counts["counts"])
        everything = self.env["tal.invoice.transfer.ui"].tal_transfer_counts([])
        self.assertGreater(everything["counts"]["done"], counts["counts"]["done"])

    def _arch(self, view_xmlid, view_type):
        view = self.env.ref(view_xmlid)
        views = self.Move.with_user(self.accountant).get_views([(view.id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_a_reopened_invoice_shows_no_transfer_date_beside_its_failure(self):
        """A new file that fails: the list and the tab show the date and the
        document of a transfer only while the invoice is transferred."""
        done_only = "tal_transfer_state != 'done'"
        list_arch = self._arch(
            "tal_invoice_transfer.account_move_view_list_transfer", "list"
        )
        for name in ("tal_transfer_date", "tal_transfer_document_name"):
            field = list_arch.find(f".//field[@name='{name}']")
            self.assertEqual(field.get("invisible"), done_only, name)
        form = self.Move.with_user(self.accountant).get_views([(False, "form")])
        page = etree.fromstring(form["views"]["form"]["arch"]).find(
            ".//page[@name='tal_transfer']"
        )
        dates = page.findall(".//field[@name='tal_transfer_date']")
        self.assertEqual(
            [field.get("invisible") for field in dates if field.get("invisible")],
            [done_only],
            "the date field of the tab shows for a transferred invoice only",
        )
        notice = page.find(".//div[@role='status']")
        self.assertIn("tal_transfer_state == 'done'", notice.get("invisible"))

    def test_progress_list_filters_on_transfer_date_and_customer_or_vendor(self):
        search = self._arch(
            "tal_invoice_transfer.account_move_view_search_transfer", "search"
        )
        filters = {node.get("name"): node for node in search.iter("filter")}
        self.assertEqual(
            filters["filter_transfer_date"].get("date"), "tal_transfer_date"
        )
        invoice = self._make_invoice(files=())
        bill = self._make_invoice(files=(), move_type="in_refund")
        both = [("id", "in", (invoice | bill).ids)]
        customer = self.Move.search(
            safe_eval(filters["filter_customer"].get("domain")) + both
        )
        vendor = self.Move.search(
            safe_eval(filters["filter_vendor"].get("domain")) + both
        )
        self.assertEqual((customer, vendor), (invoice, bill))
