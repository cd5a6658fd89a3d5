from . import compat
from . import models
