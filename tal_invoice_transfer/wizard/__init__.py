from . import tal_invoice_transfer_exclude
from . import tal_invoice_transfer_duplicate_cleanup
