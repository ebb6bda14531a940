"""Line and column of the nodes a finding names.

LibCST's ``PositionProvider`` records a range for every node of the module, which
costs more than two parses of it.  A finding names a handful of nodes, so this
runs LibCST's plain code generation once and notes the position of just those,
the way ``PositionProvider`` defines it: where the node records its syntactic
position (leading whitespace and comments excluded, or the start of the child it
names), else where its code starts.  ``tests/test_positions.py`` checks that the
two agree on every node of real files.
"""

from __future__ import annotations

import re
from typing import ContextManager, Dict, Iterable, Optional, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState  # the state code generation reports to

from ..terms import Site

_NEWLINE = re.compile(r"\r\n?|\n")

Position = Tuple[int, int]  # 1-based line, 0-based column


class _Noting(CodegenState):
    """Code generation that counts lines and columns and notes where the wanted nodes start."""

    def __init__(self, module: cst.Module, wanted: Set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.found: Dict[int, Tuple[Position, Position]] = {}  # start and end
        self.opened: Dict[int, Position] = {}
        self.line = 1
        self.column = 0

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINE.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.opened[id(node)] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key not in self.found:  # a syntactic position comes first
            self.found[key] = (self.opened[key], (self.line, self.column))

    def record_syntactic_position(  # type: ignore[override]  # LibCST only enters it with ``with``
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> ContextManager[None]:
        # LibCST enters this for every node with a syntactic position; a generator-based
        # context manager per node cost a tenth of the plugin's time on training scripts.
        if id(node) not in self.wanted:
            return _NOTHING
        for child in (start_node, end_node):
            if child is not None:
                self.wanted.add(id(child))  # its start (end) is this node's: note it on the way
        return _Recording(self, node, start_node, end_node)


class _Nothing:
    """The context of a node no finding names."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


_NOTHING = _Nothing()


class _Recording:
    """Notes where a wanted node's syntactic position starts and ends."""

    def __init__(
        self, state: _Noting, node: cst.CSTNode, start_node: Optional[cst.CSTNode], end_node: Optional[cst.CSTNode]
    ) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.start: Position = (0, 0)

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, error_type: object, *_: object) -> None:
        if error_type is not None:
            return None
        state = self.state
        end = (state.line, state.column)
        state.found[id(self.node)] = (
            state.found[id(self.start_node)][0] if self.start_node is not None else self.start,
            state.found[id(self.end_node)][1] if self.end_node is not None else end,
        )
        return None


class Positions:
    """Line and column of the nodes of one module, computed on first use for every node
    asked for so far (``want`` registers them ahead: one pass for all)."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._wanted: Set[int] = set()
        self._found: Dict[int, Tuple[Position, Position]] = {}
        self._keep: Dict[int, cst.CSTNode] = {}  # the nodes asked for stay alive: their ids stay theirs

    def want(self, sites: Iterable[Site]) -> None:
        for site in sites:
            node = site.node
            if isinstance(node, cst.CSTNode) and id(node) not in self._found:
                self._wanted.add(id(node))
                self._keep[id(node)] = node

    def __call__(self, site: Site) -> Position:
        """1-based line, 0-based column (what flake8 expects from a plugin)."""
        return self.span(site)[0]

    def span(self, site: Site) -> Tuple[Position, Position]:
        """Where the node starts and ends: the end is the position just after its last character."""
        key = id(site.node)
        if key not in self._found:
            self.want([site])
            state = _Noting(self._module, set(self._wanted))
            self._module._codegen(state)
            self._found.update(state.found)
            self._wanted.clear()
        return self._found[key]
