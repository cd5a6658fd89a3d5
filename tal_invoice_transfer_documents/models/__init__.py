from . import documents_document
