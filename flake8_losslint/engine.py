"""The pipeline, one way: source → syntax → interpretation → facts → rules → (runtime) → report.

Shared by the flake8 plugin and the ``losslint`` command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import libcst as cst

from .facts import Facts
from .facts.extract import extract
from .report import LineMap, Positions, Report, resolve
from .rules import run_rules
from .source.guard import check_parsable, gc_paused
from .source.prefilter import worth_parsing

__all__ = ["Analysis", "Report", "analyze", "analyze_module", "analyze_notebook", "examine", "parse"]


@gc_paused()
def analyze(source: str, runtime: Optional[Any] = None, line_map: Optional[LineMap] = None) -> List[Report]:
    """Findings for one file, sorted and without duplicates.

    ``runtime`` (a ``flake8_losslint.runtime.Settings``) turns on runtime
    confirmation; the runtime package is imported only then.  ``line_map``
    places a notebook's program lines in its cells.

    Raises whatever parsing or analysis raises; callers decide what a failure
    means (the flake8 plugin swallows it).
    """
    if not worth_parsing(source):
        return []
    return analyze_module(parse(source), runtime, line_map)


def analyze_notebook(text: str, runtime: Optional[Any] = None) -> List[Report]:
    """Findings for a notebook's JSON text, each placed at its cell and line."""
    from .source import notebooks

    whole = notebooks.program(notebooks.load(text))
    return analyze(whole.source, runtime, whole.cell_line)


def parse(source: str) -> cst.Module:
    """LibCST's parse, behind the guard: raises rather than let LibCST crash the process."""
    check_parsable(source)
    return cst.parse_module(source)


def analyze_module(module: cst.Module, runtime: Optional[Any] = None, line_map: Optional[LineMap] = None) -> List[Report]:
    """Findings for a parsed module; the findings' sites are nodes of ``module``
    (the autofixes edit that very tree).  ``runtime`` and ``line_map`` as for ``analyze``."""
    reports = examine(module, line_map).reports
    if runtime is not None and reports:
        from .runtime import confirm

        return confirm(reports, runtime)
    return reports


@dataclass(frozen=True)
class Analysis:
    facts: Facts
    reports: List[Report]


def examine(module: cst.Module, line_map: Optional[LineMap] = None) -> Analysis:
    """The facts of a parsed module and its findings: the autofixes read both (whether a
    fix would break another use of the same loss is a question about facts, not findings)."""
    facts = extract(module)
    return Analysis(facts, resolve(run_rules(facts), Positions(module), line_map))
