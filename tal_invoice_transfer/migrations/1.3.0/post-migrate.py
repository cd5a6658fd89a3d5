# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def migrate(cr, version):
    """Filing plans: a company whose folder was set before keeps the tree its
    target made (Documents: One folder; DMS: By journal / year / month)."""
    if not version:
        return
    cr.execute(
        """
        UPDATE res_company
           SET tal_transfer_filing_plan = CASE
                   WHEN tal_transfer_folder_ref LIKE 'dms.directory,%%'
                   THEN 'journal_period' ELSE 'single' END
         WHERE COALESCE(tal_transfer_folder_ref, '') != ''
           AND tal_transfer_filing_plan IS NULL
        """
    )
