# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place where the Documents stand-ins tell Odoo 18.0 from 19.0.

The stand-ins install on both series from one source. Every difference of
the framework (how a model declares its SQL objects, domains, field and
group names) and every difference of the Enterprise apps they imitate (see
``IS_18``) goes through this module, each shim naming the series that
needs it. ``tal_documents_account_standin`` and
``tal_invoice_transfer_documents_standin`` depend on
``tal_documents_standin`` and import it from here.
"""

from odoo import models, release

SERIES = release.version_info[0]
# Enterprise Documents 18.0 behaves differently from 19.0 in places (the
# owner, the trash, the filing of documents_account...): each place tests
# this flag, with a comment naming the 18.0 behaviour.
IS_18 = SERIES < 19

if IS_18:
    # 18.0: no odoo.fields.Domain; list domains and odoo.osv.expression.
    from odoo.osv import expression

    FALSE_DOMAIN = expression.FALSE_DOMAIN

    def AND(domains):
        return expression.AND(domains)

    def OR(domains):
        return expression.OR(domains)

else:
    # 19.0: odoo.osv.expression is deprecated for odoo.fields.Domain.
    from odoo.fields import Domain

    FALSE_DOMAIN = Domain.FALSE

    def AND(domains):
        return Domain.AND(domains)

    def OR(domains):
        return Domain.OR(domains)


# The field parameter letting a search through a relation skip the access
# rules of the related model: `auto_join` in 18.0, renamed in 19.0.
BYPASS_SEARCH_ACCESS = {"auto_join" if IS_18 else "bypass_search_access": True}

# The users of a group: `users` in 18.0, `user_ids` in 19.0.
GROUP_USERS_FIELD = "users" if IS_18 else "user_ids"


if IS_18:
    from odoo.tools import sql

    class Constraint:
        """18.0: no models.Constraint; the class attribute `_name` becomes an
        entry `(name, definition, message)` of the class's own
        `_sql_constraints`."""

        def __init__(self, definition, message=""):
            self.definition = definition
            self.message = message

        def __set_name__(self, owner, name):
            own = list(owner.__dict__.get("_sql_constraints", []))
            own.append((name[1:], self.definition, self.message))
            owner._sql_constraints = own

    class Index:
        """18.0: no models.Index; the index is declared here and created by
        `create_indexes` from the model's `init()`."""

        def __init__(self, definition):
            self.definition = definition

        def __set_name__(self, owner, name):
            own = list(owner.__dict__.get("_standin_indexes", []))
            own.append((name[1:], self.definition))
            owner._standin_indexes = own

    def create_indexes(model):
        """18.0: create the model's `Index` declarations (call from `init()`)."""
        for name, definition in getattr(type(model), "_standin_indexes", []):
            # models.Index in 19.0 names its index "<table>_<name>" too.
            sql.create_index(
                model.env.cr,
                f"{model._table}_{name}",
                model._table,
                [definition.strip().removeprefix("(").removesuffix(")")],
            )

else:
    Constraint = models.Constraint
    Index = models.Index

    def create_indexes(model):
        """19.0: models.Index objects are created by the ORM itself."""
