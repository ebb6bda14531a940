"""Facts: the plain data the rules read (``model``), and the extractors that produce it (``extract``)."""

from .model import *  # noqa: F401,F403 - the rules' one import
from .model import __all__  # noqa: F401
