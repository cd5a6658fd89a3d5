from . import documents_account_folder_setting
from . import documents_document
from . import res_company
from . import account_journal
from . import account_move
from . import ir_attachment
