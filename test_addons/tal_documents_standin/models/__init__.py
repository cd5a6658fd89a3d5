from . import documents_tag
from . import documents_access
from . import documents_access_mixin
from . import documents_trash_mixin
from . import documents_document
from . import res_company
from . import res_groups
