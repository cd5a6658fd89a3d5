from . import res_company
from . import account_move
from . import ir_attachment
from . import res_config_settings
from . import tal_transfer_target
from . import tal_transfer_target_documents
from . import tal_transfer_target_dms
from . import tal_invoice_transfer_run
