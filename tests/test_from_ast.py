"""The screen's tree (``syntax/from_ast.py``): the same tree as LibCST's parse, but for layout,
and the same findings.

Two checks carry the design.  The tree built from ``ast`` must equal LibCST's parse of the
same text once layout is set aside (whitespace, parentheses, commas, comments, a literal's
spelling): ``_shape`` below says exactly what is set aside.  And on every fixture the
analysis of that tree must find the same codes as the full pass, because a file the screen
finds nothing in is never looked at again.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import sys
import unicodedata
import warnings
from pathlib import Path
from typing import Any, List

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from flake8_losslint import engine
from flake8_losslint.engine import analyze_file, examine, parse, screen
from flake8_losslint.facts.extract import extract
from flake8_losslint.interp.project import Project
from flake8_losslint.rules import run_rules
from flake8_losslint.source.guard import TooComplex
from flake8_losslint.source.target import installed, pinned
from flake8_losslint.syntax import from_ast
from flake8_losslint.syntax.from_ast import Unsupported, convert

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.py") if not p.name.endswith(".fixed.py"))

# Fields that hold layout only: what ``ast`` does not keep and the analysis does not read.
_LAYOUT = {
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "equal", "colon", "dot",
    "semicolon", "leading_lines", "lines_after_decorators", "header", "footer", "indent",
    "trailing_whitespace", "newline", "encoding", "default_indent", "default_newline",
    "has_trailing_newline", "first_colon", "second_colon", "start", "end", "star_tok",
}
_LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)


def _shape(node: Any) -> Any:
    """What the analysis can tell about ``node``: its type and its fields, recursively, less layout."""
    if isinstance(node, (list, tuple)):
        items: List[Any] = []
        for item in node:
            if type(item) is cst.SimpleStatementLine:
                # `a = 1; b = 2` is one line to LibCST, two statements to ast
                items.extend(("SimpleStatementLine", _shape(small)) for small in item.body)
            else:
                items.append(_shape(item))
        return items
    if isinstance(node, cst.MaybeSentinel):
        return None
    if not isinstance(node, cst.CSTNode):
        return node
    kind = type(node)
    if kind in _LITERALS:
        return ("literal", node.evaluated_value)
    if kind is cst.Name:  # Python reads identifiers NFKC-normalised, and so does ast
        return ("Name", unicodedata.normalize("NFKC", node.value))
    if kind is cst.ConcatenatedString:
        value = node.evaluated_value
        return ("literal", value) if value is not None else ("fstring", _formatted(node))
    if kind is cst.FormattedString:
        return ("fstring", _formatted(node))
    if kind is cst.SimpleStatementSuite:  # `if x: y` on one line
        return ("IndentedBlock", (("body", _shape([cst.SimpleStatementLine(body=node.body)])),))
    if kind is cst.Subscript and len(node.slice) == 1:
        only = node.slice[0].slice
        if type(only) is cst.Index and type(only.value) is cst.Tuple and only.value.elements:
            # a[(i, j)] indexes exactly as a[i, j]
            elements = [cst.SubscriptElement(slice=cst.Index(value=e.value)) for e in only.value.elements]
            node = node.with_changes(slice=elements)
    if kind is cst.Param and node.star in ("", cst.MaybeSentinel.DEFAULT):
        node = node.with_changes(star="")
    fields = []
    for name in (field.name for field in dataclasses.fields(kind)):
        if name in _LAYOUT or name.startswith("whitespace"):
            continue
        fields.append((name, _shape(getattr(node, name))))
    return (kind.__name__, tuple(fields))


def _formatted(node: cst.BaseExpression) -> List[Any]:
    """The expressions of an f-string (or of strings written side by side), in order."""
    found: List[Any] = []

    class Expressions(cst.CSTVisitor):
        def visit_FormattedStringExpression(self, part: cst.FormattedStringExpression) -> bool:
            found.append((_shape(part.expression), part.conversion))
            return True

    node.visit(Expressions())
    return found


def _same_tree(source: str) -> None:
    parsed = cst.parse_module(source)
    built = convert(ast.parse(source))
    assert _shape(built) == _shape(parsed)


SNIPPETS = [
    "x = 1\ny: int = 2\nz += 3\ndel a, b\ndel (c)\n",
    "a = 1; b = 2\nif a: b = 3\nelse: pass\n",
    "import a.b.c as d, e\nfrom .. import f\nfrom .g.h import (i as j, k)\nfrom m import *\n",
    "def f(a, b=1, /, c=2, *args, d, e=3, **kw) -> int:\n    return a\n",
    "def g(*, k): pass\nlam = lambda x, *y, z=1, **w: x\n",
    "async def h():\n    async for i in j:\n        await k\n    async with l as m, n:\n        yield\n    yield from o\n",
    "@dec\n@dec2(1)\nclass C(Base, metaclass=M, **kw):\n    x = 1\n",
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    if c:\n        pass\n",
    "for i in x:\n    continue\nelse:\n    break\nwhile y:\n    pass\nelse:\n    pass\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise X from e\nexcept C:\n    raise\nelse:\n    pass\nfinally:\n    pass\n",
    "assert x, 'msg'\nglobal g1, g2\n",
    "def outer():\n    nonlocal_x = 1\n    def inner():\n        nonlocal nonlocal_x\n",
    "f(a, *b, c=1, **d)\nf(k=1, *rest)\nf()\n",
    "x = a.b.c(d)[e][f:g, ::2, h][i, ...][(j, k)][()]\n",
    "x = 'a' \"b\" 'c'\ny = b'x'\nz = 0x10 + 1_000 + 1e-3 + 2j - -1 + ~2 + +3\nw = not True or None and False\n",
    "x = a and b and c or d or e\ny = a < b <= c != d is e is not f in g not in h\n",
    "x = [1, *a]\ny = (1,)\nz = {1, 2}\nw = {'a': 1, **b}\nv = a if b else c\n",
    "x = [i for i in a if i if not i for j in i]\ny = {k: v for k, v in d}\nz = {s for s in t}\nw = (g for g in h)\n",
    "print(f'{x!r:>{width}} and {{braces}} {y}' 'tail' f\"{z}\")\nq = f'it\\'s \"{a}\"\\n'\n",
    "if (n := len(a)) > 10:\n    pass\nx = a @ b // c % d ** e << f >> g | h ^ i & j / k\nx @= 1\n",
    "with (open(a) as b, open(c) as d):\n    pass\n",
    "a, *b = c\n[d, e] = f\ng = h = i\n",
    "class D:\n    '''Doc.'''\n    def m(self): return super().m()\n",
]


@pytest.mark.parametrize("source", SNIPPETS)
def test_the_tree_built_from_ast_is_libcsts_but_for_layout(source: str) -> None:
    _same_tree(source)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_builds_the_same_tree(path: Path) -> None:
    _same_tree(path.read_text(encoding="utf-8"))


def _codes_both_ways(path: Path) -> tuple:
    source = path.read_text(encoding="utf-8")
    full = sorted(report.code for report in examine(parse(source), path=str(path)).reports)
    project = Project(str(path))
    quick = sorted(finding.code for finding in run_rules(extract(convert(ast.parse(source)), project, pinned(str(path)), installed())))
    return full, quick


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_has_the_same_findings_on_the_built_tree(path: Path) -> None:
    full, quick = _codes_both_ways(path)
    assert quick == full


@settings(
    max_examples=int(os.environ.get("LOSSLINT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(source=pytest.importorskip("hypothesmith").from_grammar())
def test_any_program_builds_the_same_tree_or_is_refused(source: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # `1()` and the like
            parsed = cst.parse_module(source)
            tree = ast.parse(source)
    except Exception:  # noqa: BLE001 - not a program both parsers take: nothing to compare
        return
    try:
        built = convert(tree)
    except (Unsupported, RecursionError):
        return
    assert _shape(built) == _shape(parsed)


@pytest.mark.parametrize(
    "source",
    [
        "match x:\n    case 1:\n        pass\n",
        "x = 1e999\n",
        pytest.param("x = a[*b]\n", marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="Python 3.11 syntax")),
    ],
)
def test_what_it_does_not_build_is_refused(source: str) -> None:
    with pytest.raises(Unsupported):
        convert(ast.parse(source))


BUGGY = (
    "import tensorflow as tf\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
)
FIXED = BUGGY.replace("from_logits=True", "from_logits=False")


def test_a_file_without_findings_is_screened_out_without_libcst_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: str) -> None:
        raise AssertionError("LibCST parse")

    monkeypatch.setattr(engine, "parse_module", refuse)
    analysis = analyze_file(FIXED, tree=ast.parse(FIXED))
    assert analysis.reports == []
    assert analysis.facts.loss_uses  # it was analysed, not skipped


def test_a_file_with_findings_is_reported_by_the_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    assert screen(BUGGY, ast.parse(BUGGY)) is None
    parsed: List[str] = []
    real = engine.parse_module
    monkeypatch.setattr(engine, "parse_module", lambda source: parsed.append(source) or real(source))
    (report,) = analyze_file(BUGGY, tree=ast.parse(BUGGY)).reports
    assert parsed == [BUGGY]
    assert (report.code, report.line, report.col) == ("LL101", 3, 65)  # positions: only LibCST's tree has them


def test_what_the_screen_cannot_build_goes_to_the_full_pass() -> None:
    source = BUGGY + "match 1:\n    case _:\n        pass\n"
    assert screen(source, ast.parse(source)) is None
    assert [r.code for r in analyze_file(source, tree=ast.parse(source)).reports] == ["LL101"]


def test_the_screen_refuses_what_the_full_pass_refuses() -> None:
    source = "import tensorflow as tf\nloss = 1\n" + "x = " + " and ".join(["a"] * 600) + "\n"
    with pytest.raises(TooComplex):
        screen(source, ast.parse(source))


def test_an_analysis_failure_on_the_built_tree_goes_to_the_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise KeyError("a bug in an extractor")

    monkeypatch.setattr(engine, "extract", broken)
    assert screen(FIXED, ast.parse(FIXED)) is None


def test_operators_are_shared_leaves() -> None:
    module = convert(ast.parse("x = a + b + c\n"))
    outer = module.body[0].body[0].value
    assert outer.operator is outer.left.operator is from_ast._BINARY[ast.Add]
