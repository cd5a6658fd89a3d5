# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .. import compat


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _standin_used_folders_domain(self, folder_ids):
        """Companies that use one of these folders for an app (Documents
        refuses to trash or delete such a folder); apps extend it."""
        return compat.FALSE_DOMAIN
