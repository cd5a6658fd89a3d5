# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tools.translate import LazyGettext


class TransferError(UserError):
    """A transfer problem a person can fix, with its kind.

    The kind groups failed invoices on the dashboard: one fix (a folder, a
    restored file) then retries the whole group.

    The message may be a lazy translation (`_lt`): the invoice then keeps its
    source text and arguments, and shows it in each reader's language (see
    messages.py). Its text is English, as the log's.
    """

    def __init__(self, message, kind):
        self.lazy_message = message if isinstance(message, LazyGettext) else None
        if self.lazy_message is not None:
            message = message._translate("en_US")
        super().__init__(message)
        self.kind = kind


class RenderToRetry(TransferError):
    """The invoice's PDF did not render for a reason another try may not meet
    (a timeout, another transaction on the invoice): tried again, a few
    times."""

    def __init__(self, message):
        super().__init__(message, kind="pdf")


class TransferPaused(Exception):
    """The workers were paused: the one that meets it stops after its
    current invoice (see tal.invoice.transfer._lock)."""
