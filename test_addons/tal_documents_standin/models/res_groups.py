# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, models

from .. import compat


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _tal_standin_add_users(self, group_ids, user_ids):
        """Add users to groups from the data files, whatever the series calls
        the field (`users` in 18.0, `user_ids` in 19.0)."""
        self.browse(group_ids).write(
            {compat.GROUP_USERS_FIELD: [Command.link(uid) for uid in user_ids]}
        )
