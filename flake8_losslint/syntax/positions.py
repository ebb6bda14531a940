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
        return self.span(site)[0]

    def span(self, site: Site) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        """Where the node starts and ends: (line, column) each, 1-based lines, 0-based
        columns; the end is the position just after the node's last character."""
        if self._table is None:
            # A fresh parse that nobody else holds: skipping the deep copy is safe.
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._table = wrapper.resolve(PositionProvider)
        where = self._table[site.node]
        start, end = where.start, where.end  # type: ignore[attr-defined]
        return (start.line, start.column), (end.line, end.column)
