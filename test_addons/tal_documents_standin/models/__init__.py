from . import documents_tag
from . import documents_document
