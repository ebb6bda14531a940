"""Library domains: what the libraries' objects are, as the evaluator asks about them.

A domain owns the tables of one library area (names, signatures, defaults, the
library version they were checked against) and answers the evaluator's hooks.
Every hook returns a value, or None when the question is not the domain's
business; the evaluator asks the domains in the order of ``DOMAINS`` and takes
the first answer.  A new library area is one module here with a ``Domain``
subclass, added to ``DOMAINS``.
"""

from __future__ import annotations

from typing import Optional

from ...syntax.names import canonical
from .base import Domain
from .keras import KerasDomain
from .labels import LabelsDomain
from .torch import TorchDomain

# Asked in this order.  PyTorch first: its calls (``self(x)``, module methods)
# must not be read as Keras ones.
DOMAINS = (TorchDomain, KerasDomain, LabelsDomain)

__all__ = ["DOMAINS", "Domain", "star_import"]


def star_import(imports, name: str) -> Optional[str]:  # noqa: ANN001 - a syntax.names.ImportTable
    """The library object a name no import binds comes from, through ``from module import *``
    (the last one wins), when a domain knows the module exports it."""
    for module in reversed(imports.star_modules):
        candidate = canonical(f"{module}.{name}")
        if any(domain.exports(module, name, candidate) for domain in DOMAINS):
            return candidate
    return None
