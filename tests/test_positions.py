"""The positions of the nodes findings name agree with LibCST's PositionProvider, node for node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_losslint.syntax.positions import Positions
from flake8_losslint.terms import Site

from .conftest import FIXTURES, ROOT

FILES = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "flake8_losslint").rglob("*.py"))[:40]


class _All(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_node_starts_where_libcst_says(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    every = _All()
    module.visit(every)
    ours = Positions(module)
    ours.want(Site(node) for node in every.nodes)  # one pass for all of them
    for node in every.nodes:
        start, end = expected[node].start, expected[node].end
        assert ours.span(Site(node)) == ((start.line, start.column), (end.line, end.column)), node


def test_nodes_asked_one_at_a_time_agree_too() -> None:
    source = "x = 1\n\n# a comment\nif x:\n    y = f(a,\n          b=2)  # trailing\n"
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    every = _All()
    module.visit(every)
    ours = Positions(module)
    for node in every.nodes:
        start = expected[node].start
        assert ours(Site(node)) == (start.line, start.column)
