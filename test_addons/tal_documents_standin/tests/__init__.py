from . import test_documents_standin
