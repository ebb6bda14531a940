"""LibCST's parse of a whole module, minus the validation a parsed tree never needs.

Every LibCST node checks its own fields when it is constructed
(``CSTNode.__post_init__`` calls ``_validate``): that catches a program that
builds an impossible tree by hand, such as a ``Name`` with a space in it.  A tree
the parser built from source text is valid by construction, yet the checks run
for each of its nodes, about 4,500 per 200-line script, and cost a fifth of the
parse (measured on the generated training scripts of ``benchmarks/``, LibCST
1.9).  LibCST's own source says as much beside the call ("It might make more
sense to move validation work into the visitor, which would allow us to avoid
validating the tree when parsing a file"), but offers no switch.

So ``parse_module`` turns the checks off while the parser builds the tree and
back on before it returns, whatever happens.  Only ``__post_init__`` is
replaced, only when it is LibCST's plain call of ``_validate`` (a future LibCST
that does more there, or moves it, gets the ordinary parse), and only for the
duration of the call: nodes the autofixes build afterwards are checked as
usual.  Not for use from several threads at once: a node another thread
constructs meanwhile would go unchecked (nothing in this project parses on a
second thread).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

import libcst as cst

try:  # private: see the module's docstring; without it, the ordinary parse
    from libcst._nodes.base import CSTNode as _CSTNode
except ImportError:  # pragma: no cover - a LibCST that moved its base class
    _CSTNode = None  # type: ignore[assignment,misc]

__all__ = ["parse_module", "skips_validation", "unchecked_nodes"]


def _validating_hook() -> Optional[Callable[[Any], None]]:
    """LibCST's ``__post_init__`` when it does nothing but call ``_validate``, else None."""
    if _CSTNode is None:
        return None
    hook = _CSTNode.__dict__.get("__post_init__")
    code = getattr(hook, "__code__", None)
    if code is None or code.co_names != ("_validate",):
        return None
    return hook


_HOOK = _validating_hook()


def _unchecked(self: Any) -> None:
    """Stands in for ``__post_init__`` while the parser builds a tree."""


def skips_validation() -> bool:
    """Whether ``parse_module`` can skip the per-node checks with this LibCST."""
    return _HOOK is not None


@contextmanager
def unchecked_nodes() -> Iterator[None]:
    """Nodes constructed meanwhile skip LibCST's per-node checks (where this LibCST allows it).

    For trees built from something already known to be valid Python: LibCST's
    own parse, and ``from_ast``'s conversion of Python's own ``ast`` tree."""
    if _HOOK is None or _CSTNode.__dict__.get("__post_init__") is _unchecked:
        yield  # no switch, or already off (nested): whoever turned the checks off turns them on
        return
    setattr(_CSTNode, "__post_init__", _unchecked)
    try:
        yield
    finally:
        setattr(_CSTNode, "__post_init__", _HOOK)


def parse_module(source: str) -> cst.Module:
    """``libcst.parse_module(source)``, without re-checking each node the parser built."""
    with unchecked_nodes():
        return cst.parse_module(source)
