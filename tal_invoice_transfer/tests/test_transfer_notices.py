# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from ..exceptions import TransferError
from ..models.tal_invoice_transfer_backlog import THRESHOLD_PARAM
from .common import TalTransferCommon


@tagged("post_install", "-at_install")
class TestTransferNotices(TalTransferCommon):
    """People hear of a large backlog done (its figures, its time, its
    failures by kind) and of new failures once a day, in their language,
    never once per invoice."""

    target = "dms"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_tal_invoice_transfer")._update_translations(["fr_FR"])
        company = cls.env.company
        cls.manager_fr = new_test_user(
            cls.env,
            login="tal_notice_fr",
            groups="base.group_user,account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
            lang="fr_FR",
        )
        cls.manager_en = new_test_user(
            cls.env,
            login="tal_notice_en",
            groups="base.group_user,account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
            lang="en_US",
        )
        cls.env["ir.config_parameter"].sudo().set_param(THRESHOLD_PARAM, "2")

    def setUp(self):
        super().setUp()
        # Backlogs other tests' real commits left (a worker's committed job).
        self.Backlog = self.env["tal.invoice.transfer.backlog"].sudo()
        self.Backlog.search([]).unlink()

    def _messages(self, user):
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_type", "=", "user_notification"),
                    ("partner_ids", "in", user.partner_id.ids),
                ]
            )
        )

    def _fail_one(self, invoice):
        """The target refuses `invoice`'s files: a file missing."""
        real = type(self.env["tal.transfer.target.dms"])._tal_transfer

        def transfer(target, move, files):
            if move == invoice:
                raise TransferError("file missing", kind="file_missing")
            return real(target, move, files)

        return patch.object(
            type(self.env["tal.transfer.target.dms"]), "_tal_transfer", transfer
        )

    def test_a_large_backlog_done_tells_the_administrator_who_started_it(self):
        invoices = [self._make_invoice() for _ in range(3)]
        start = fields.Datetime.now()
        # The French administrator starts it (saves the settings, resumes).
        self.env["tal.invoice.transfer.scheduler"].with_user(
            self.manager_fr
        )._tal_trigger_workers(by_user=True)
        backlog = self.Backlog.search([])
        self.assertEqual(backlog.user_id, self.manager_fr)

        with (
            freeze_time(start + timedelta(hours=2, minutes=5)),
            self._as_scheduled_action(),
            self._fail_one(invoices[1]),
        ):
            self.Transfer._cron_transfer()
            # The next call finds nothing pending: the backlog is done.
            self.Transfer._cron_transfer()

        self.assertEqual(backlog.state, "done")
        self.assertEqual(
            (backlog.done_count, backlog.failed_count, backlog.nothing_count),
            (2, 1, 0),
        )
        [message] = self._messages(self.manager_fr)
        self.assertFalse(self._messages(self.manager_en), "only who started it")
        body = str(message.body)
        # In French, with the figures, the time taken and the failures by kind.
        self.assertIn("terminé", body)
        self.assertIn("2 h 5 min", body)
        self.assertIn("Fichier absent du stockage", body)
        self.assertIn("/odoo/invoice-files-transfer-failed", body)

        # Closed once: a third call tells nobody again.
        with self._as_scheduled_action():
            self.Transfer._cron_transfer()
        self.assertEqual(len(self._messages(self.manager_fr)), 1)

    def test_a_backlog_the_scheduler_started_tells_the_administrators(self):
        for _ in range(3):
            self._make_invoice()
        with self._as_scheduled_action():
            self.Transfer._cron_transfer()
            self.Transfer._cron_transfer()
        french = self._messages(self.manager_fr)
        english = self._messages(self.manager_en)
        self.assertEqual((len(french), len(english)), (1, 1))
        self.assertIn("backlog is done: 3 invoices", str(english.body))
        self.assertIn("3 transferred", str(english.body))

    def test_a_small_backlog_tells_nobody(self):
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD_PARAM, "5")
        for _ in range(3):
            self._make_invoice()
        with self._as_scheduled_action():
            self.Transfer._cron_transfer()
            self.Transfer._cron_transfer()
        backlog = self.Backlog.search([])
        self.assertEqual(backlog.state, "done")
        self.assertFalse(backlog.notified)
        self.assertFalse(self._messages(self.manager_en))

    def test_a_paused_or_waiting_backlog_is_not_done(self):
        for _ in range(3):
            self._make_invoice()
        self.Move.with_user(self.manager_en).tal_transfer_pause()
        with self._as_scheduled_action():
            self.Transfer._cron_transfer()
        self.assertFalse(self.Backlog.search([]))
        self.assertFalse(self._messages(self.manager_en))

    def test_new_failures_are_summed_up_once_a_day_in_one_message(self):
        invoices = [self._make_invoice() for _ in range(4)]
        moves = self.Move.browse([m.id for m in invoices])
        moves[:3]._tal_transfer_write(
            {"tal_transfer_state": "failed", "tal_transfer_error_kind": "file_missing"}
        )
        moves[2]._tal_transfer_write({"tal_transfer_error_kind": "settings"})
        notices = self.env["tal.invoice.transfer.notice"]

        notices._cron_failure_summary()

        [english] = self._messages(self.manager_en)
        [french] = self._messages(self.manager_fr)
        self.assertIn("3 invoices failed", str(english.body))
        self.assertIn("File missing from the filestore: 2", str(english.body))
        self.assertIn("Transfer settings: 1", str(english.body))
        self.assertIn("/odoo/invoice-files-transfer-failed", str(english.body))
        self.assertIn("3 factures", str(french.body))

        # The next day: the same failures are not told again; a new one is.
        notices._cron_failure_summary()
        self.assertEqual(len(self._messages(self.manager_en)), 1)
        with self._fail_one(invoices[3]):
            self.Transfer._run(move_ids=[invoices[3].id])
        notices._cron_failure_summary()
        latest = self._messages(self.manager_en).sorted("id")[-1]
        self.assertIn("1 invoices failed", str(latest.body))

    def test_an_administrator_hears_only_of_the_companies_he_sees(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        outsider = new_test_user(
            self.env,
            login="tal_notice_other",
            groups="base.group_user,account.group_account_manager",
            company_id=other.id,
            company_ids=[other.id],
        )
        invoice = self._make_invoice()
        invoice._tal_transfer_write({"tal_transfer_state": "failed"})

        self.env["tal.invoice.transfer.notice"]._cron_failure_summary()

        self.assertTrue(self._messages(self.manager_en))
        self.assertFalse(self._messages(outsider))
