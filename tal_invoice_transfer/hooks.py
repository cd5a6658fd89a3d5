def post_init_hook(env):
    """Mark the existing backlog in one set-based statement.

    Record by record would take hours on a million invoices; one UPDATE takes
    seconds.
    """
    env["tal.invoice.transfer.scope"]._mark_in_scope()
