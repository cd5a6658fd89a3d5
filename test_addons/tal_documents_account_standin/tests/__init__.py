from . import test_documents_account_standin
