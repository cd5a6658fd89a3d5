from odoo.addons.tal_documents_standin import compat

from . import models


def _post_init_configure_journals(env):
    # The Finance folder is data, loaded after the companies' column was
    # filled (Enterprise has it from the Documents app itself).
    env["res.company"].search(
        [("account_folder_id", "=", False)]
    )._compute_account_folder_id()
    if compat.IS_18:
        # 18.0 configures no journal at install: an administrator does.
        return
    # Like documents_account 19.0 at install: every journal gets its folder
    # setting.
    configured = env["documents.account.folder.setting"].search([]).journal_id
    (env["account.journal"].search([]) - configured)._documents_configure_sync()
