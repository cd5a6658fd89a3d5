from . import tal_invoice_transfer_exclude
from . import tal_invoice_transfer_duplicate_cleanup
from . import tal_invoice_transfer_preview
