"""The pipeline, one way: source → syntax → interpretation → facts → rules → (runtime) → report.

Shared by the flake8 plugin and the ``losslint`` command.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Any, List, Optional, Tuple

import libcst as cst

from .facts import Facts
from .facts.extract import extract
from .interp.project import Project
from .report import LineMap, Positions, Report, resolve
from .rules import run_rules
from .source.guard import TooComplex, check_parsable, gc_paused
from .source.prefilter import worth_parsing
from .source.target import NONE, Target, installed, pinned
from .syntax.from_ast import Unsupported, convert
from .syntax.parse import parse_module

__all__ = [
    "Analysis", "Report", "analyze", "analyze_file", "analyze_module", "analyze_notebook", "examine", "parse", "screen"
]


def analyze(
    source: str,
    runtime: Optional[Any] = None,
    line_map: Optional[LineMap] = None,
    path: Optional[str] = None,
    target: Optional[Target] = None,
) -> List[Report]:
    """Findings for one file, sorted and without duplicates.

    ``runtime`` (a ``flake8_losslint.runtime.Settings``) turns on runtime
    confirmation; the runtime package is imported only then.  ``line_map``
    places a notebook's program lines in its cells.  ``path``, the file's path on
    disk, lets imports of the project's other modules be followed and the
    project's version pins be read (None: stdin).  ``target``: the library versions
    the user says the code is for (``--losslint-target-version``).

    Raises whatever parsing or analysis raises; callers decide what a failure
    means (the flake8 plugin swallows it).
    """
    return analyze_file(source, runtime, line_map, path, target).reports


@gc_paused()
def analyze_file(
    source: str,
    runtime: Optional[Any] = None,
    line_map: Optional[LineMap] = None,
    path: Optional[str] = None,
    target: Optional[Target] = None,
    tree: Optional[ast.Module] = None,
) -> "Analysis":
    """``analyze``, with the facts and the sibling modules the analysis read (for the result cache).

    ``tree``: Python's ``ast`` tree of ``source``, where the caller has it (flake8 hands
    one to every plugin); the file is screened on it first (``screen``)."""
    if not worth_parsing(source):
        return Analysis(Facts(), [])
    if tree is not None:
        screened = screen(source, tree, path, target)
        if screened is not None:
            return screened
    module = parse(source)
    analysis = examine(module, line_map, path, target)
    if runtime is not None and analysis.reports:
        from .runtime import confirm  # never raises: on failure, the static reports and a notice

        return replace(analysis, reports=confirm(analysis.reports, runtime))
    return analysis


def analyze_notebook(
    text: str, runtime: Optional[Any] = None, ipython: Optional[bool] = None, path: Optional[str] = None
) -> List[Report]:
    """Findings for a notebook's JSON text, each placed at its cell and line.

    ``ipython``: read cells with IPython's own transformer (None: where installed)."""
    from .source import notebooks

    whole = notebooks.program(notebooks.load(text), ipython)
    return analyze(whole.source, runtime, whole.cell_line, path)


def parse(source: str) -> cst.Module:
    """LibCST's parse, behind the guard: raises rather than let LibCST crash the process."""
    check_parsable(source)
    try:
        return parse_module(source)
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> TooComplex:
    # LibCST nests what Python keeps flat: 1,000 strings concatenated by being
    # written side by side are one constant to ``ast`` and a chain 1,000 deep here,
    # deeper than a recursive walk of the tree can go.
    return TooComplex("its syntax tree nests deeper than the analysis can follow")


def analyze_module(
    module: cst.Module,
    runtime: Optional[Any] = None,
    line_map: Optional[LineMap] = None,
    path: Optional[str] = None,
    target: Optional[Target] = None,
) -> List[Report]:
    """Findings for a parsed module; the findings' sites are nodes of ``module``
    (the autofixes edit that very tree).  Arguments as for ``analyze``."""
    reports = examine(module, line_map, path, target).reports
    if runtime is not None and reports:
        from .runtime import confirm  # never raises: on failure, the static reports and a notice

        return confirm(reports, runtime)
    return reports


@dataclass(frozen=True)
class Analysis:
    facts: Facts
    reports: List[Report]
    reads: Tuple[Tuple[str, str], ...] = ()  # (path, content hash) of each sibling module read


def examine(
    module: cst.Module,
    line_map: Optional[LineMap] = None,
    path: Optional[str] = None,
    target: Optional[Target] = None,
) -> Analysis:
    """The facts of a parsed module and its findings: the autofixes read both (whether a
    fix would break another use of the same loss is a question about facts, not findings).
    Arguments as for ``analyze``."""
    project, given = _context(path, target)
    try:
        facts = extract(module, project, given, installed())
        reports = resolve(run_rules(facts), Positions(module), line_map, path)
    except RecursionError:
        raise _too_deep() from None
    return Analysis(facts, reports, _reads(project))


def screen(
    source: str, tree: Optional[ast.Module] = None, path: Optional[str] = None, target: Optional[Target] = None
) -> Optional[Analysis]:
    """The analysis of a file with no findings, without LibCST's parse; None when the file
    needs the full pass.

    The facts are taken from a LibCST tree built from Python's ``ast`` tree (``tree``,
    or parsed here), which costs a fraction of LibCST's parse of the text (see
    ``syntax/from_ast.py``).  That tree has no positions and not the user's spelling,
    so a file in which it finds anything, or which it cannot build, gets None, and the
    caller analyses the text the ordinary way: every report comes from the full pass.
    Raises ``TooComplex`` where the full pass would."""
    check_parsable(source)
    try:
        if tree is None:
            tree = ast.parse(source)
        module = convert(tree)
    except (Unsupported, SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the full pass parses it, or says why it cannot
    project, given = _context(path, target)
    try:
        facts = extract(module, project, given, installed())
        if run_rules(facts):
            return None
    except Exception:  # noqa: BLE001 - the full pass decides what a failure means
        return None
    return Analysis(facts, [], _reads(project))


def _context(path: Optional[str], target: Optional[Target]) -> Tuple[Optional[Project], Target]:
    project = Project(path) if path else None
    given = target if target is not None and target.known else (pinned(path) if path else NONE)
    return project, given


def _reads(project: Optional[Project]) -> Tuple[Tuple[str, str], ...]:
    return tuple(dict.fromkeys(project.read)) if project is not None else ()
