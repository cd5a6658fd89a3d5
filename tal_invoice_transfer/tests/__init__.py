from . import test_transfer_documents
from . import test_transfer_dms
from . import test_transfer_dms_workers
from . import test_transfer_run
from . import test_transfer_state
from . import test_transfer_cron
from . import test_transfer_tour
from . import test_transfer_history
