# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .. import compat
from ..models.tal_invoice_transfer_pdf import TalInvoiceTransferPdf
from .common import TalPdfCommon


@tagged("post_install", "-at_install")
class TestInvoicePdfRenderAheadAccess(TalPdfCommon):
    """No user starts rendering PDFs (ahead, in a thread, or at all) over
    RPC, whatever context he sends: only the scheduled action does."""

    def test_no_user_renders_invoice_pdfs_over_rpc(self):
        move_ids = self._make_invoice(files=()).ids
        cron = self.env.ref("tal_invoice_transfer.ir_cron_tal_invoice_transfer")
        users = (
            self._billing_user("tal_ahead_billing"),
            new_test_user(
                self.env, login="tal_ahead_internal", groups="base.group_user"
            ),
        )
        attempts = [
            ("tal.invoice.transfer", "_run", [], {"commit": True}),
            ("tal.invoice.transfer", "_cron_transfer", [], {}),
            (
                "tal.invoice.transfer",
                "_render_step",
                [move_ids, move_ids[0], None, True, None],
                {},
            ),
            ("tal.invoice.transfer", "_pdf_render", [move_ids, move_ids[0], True], {}),
            ("tal.invoice.transfer.pdf", "_tal_render", [move_ids], {}),
            ("ir.cron", "method_direct_trigger", [cron.ids], {}),
        ]
        with patch.object(
            TalInvoiceTransferPdf, "_tal_render", autospec=True
        ) as render:
            for user in users:
                for model, method, args, kwargs in attempts:
                    records = (
                        self.env[model]
                        .with_user(user)
                        .with_context(tal_render_ahead=True, cron_id=cron.id)
                    )
                    with (
                        self.subTest(user=user.login, method=method),
                        self.assertRaises(AccessError),
                    ):
                        compat.call_kw(records, method, args, kwargs)
        render.assert_not_called()
        self.assertFalse(
            [t for t in threading.enumerate() if t.name.endswith("render ahead")]
        )
