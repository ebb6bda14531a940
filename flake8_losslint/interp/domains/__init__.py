"""Library domains: what the libraries' objects are, as the evaluator asks about them.

A domain owns the tables of one library area (names, signatures, defaults, the
library version they were checked against) and answers the evaluator's hooks.
Every hook returns a value, or None when the question is not the domain's
business; the evaluator asks the domains in the order of ``DOMAINS`` and takes
the first answer.  A new library area is one module here with a ``Domain``
subclass, added to ``DOMAINS``.
"""

from __future__ import annotations

from .base import Domain
from .keras import KerasDomain
from .labels import LabelsDomain
from .torch import TorchDomain

# Asked in this order.  PyTorch first: its calls (``self(x)``, module methods)
# must not be read as Keras ones.
DOMAINS = (TorchDomain, KerasDomain, LabelsDomain)

__all__ = ["DOMAINS", "Domain"]
