# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError


class TransferError(UserError):
    """A transfer problem a person can fix, with its kind.

    The kind groups failed invoices on the dashboard: one fix (a folder, a
    restored file) then retries the whole group.
    """

    def __init__(self, message, kind):
        super().__init__(message)
        self.kind = kind
