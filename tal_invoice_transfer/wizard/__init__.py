from . import tal_invoice_transfer_exclude
