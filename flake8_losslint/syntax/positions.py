"""Line and column of the nodes of a module (LibCST's position pass, run once, on demand)."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..terms import Site


class Positions:
    """Line and column of a node, computed for the whole module on first use.

    Most files have no finding, and LibCST's position pass costs about two parses.
    """

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._table: Optional[Dict[cst.CSTNode, object]] = None

    def __call__(self, site: Site) -> Tuple[int, int]:
        """1-based line, 0-based column (what flake8 expects from a plugin)."""
        if self._table is None:
            # A fresh parse that nobody else holds: skipping the deep copy is safe.
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._table = wrapper.resolve(PositionProvider)
        start = self._table[site.node].start  # type: ignore[attr-defined]
        return start.line, start.column
