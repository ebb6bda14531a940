"""syntax/parse.py: the same trees as LibCST's parse, without its per-node checks, which
are back on for every node built afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import libcst as cst
import pytest

from flake8_losslint.syntax import parse as parsing

from .conftest import ROOT

SOURCES: List[Path] = sorted((ROOT / "fixtures").rglob("*.py"))


def test_there_are_sources_to_compare():
    assert len(SOURCES) > 200


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_tree_is_libcsts_own(path: Path):
    source = path.read_text(encoding="utf-8")
    ours = parsing.parse_module(source)
    theirs = cst.parse_module(source)
    assert ours.deep_equals(theirs)
    assert ours.code == source


def _validations(monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """Records every ``Name`` node that LibCST validates."""
    seen: List[Any] = []
    original = cst.Name._validate

    def counted(self: Any) -> None:
        seen.append(self)
        original(self)

    monkeypatch.setattr(cst.Name, "_validate", counted)
    return seen


@pytest.mark.skipif(not parsing.skips_validation(), reason="this LibCST validates in a way parse.py leaves alone")
def test_parsing_skips_the_checks_and_libcsts_parse_does_not(monkeypatch: pytest.MonkeyPatch):
    seen = _validations(monkeypatch)
    parsing.parse_module("model.compile(loss=loss)\n")
    assert seen == []
    cst.parse_module("model.compile(loss=loss)\n")
    assert [name.value for name in seen] == ["model", "compile", "loss", "loss"]


def test_nodes_built_after_a_parse_are_checked():
    parsing.parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_nodes_built_after_a_failed_parse_are_checked():
    with pytest.raises(cst.ParserSyntaxError):
        parsing.parse_module("def (:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_a_hook_that_does_more_than_validate_is_left_alone(monkeypatch: pytest.MonkeyPatch):
    from libcst._nodes.base import CSTNode

    def more(self: Any) -> None:
        self._validate()
        print(self)

    monkeypatch.setattr(CSTNode, "__post_init__", more)
    assert parsing._validating_hook() is None


@pytest.mark.skipif(not parsing.skips_validation(), reason="this LibCST validates in a way parse.py leaves alone")
def test_checks_stay_off_to_the_end_of_the_outermost_use(monkeypatch: pytest.MonkeyPatch):
    seen = _validations(monkeypatch)
    with parsing.unchecked_nodes():
        with parsing.unchecked_nodes():
            cst.Name("inner")
        cst.Name("outer")  # the inner block's end must not have turned the checks back on
    assert seen == []
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


@pytest.mark.skipif(not parsing.skips_validation(), reason="this LibCST validates in a way parse.py leaves alone")
def test_the_screens_tree_is_built_unchecked_and_checks_come_back(monkeypatch: pytest.MonkeyPatch):
    import ast

    from flake8_losslint.syntax import from_ast

    seen = _validations(monkeypatch)
    from_ast.convert(ast.parse("model.compile(loss=loss)\n"))
    assert seen == []
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
