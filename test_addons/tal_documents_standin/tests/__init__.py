from . import test_documents_standin
from . import test_documents_standin_series
