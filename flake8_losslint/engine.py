"""The pipeline, one way: source → syntax → interpretation → facts → rules → (runtime) → report.

Shared by the flake8 plugin and the ``losslint`` command.
"""

from __future__ import annotations

from typing import Any, List, Optional

import libcst as cst

from .facts.extract import extract
from .interp.project import Project
from .report import LineMap, Positions, Report, resolve
from .rules import run_rules
from .source.guard import check_parsable, gc_paused
from .source.prefilter import worth_parsing
from .source.target import NONE, Target, installed, pinned

__all__ = ["Report", "analyze", "analyze_module", "analyze_notebook", "parse"]


@gc_paused()
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
    if not worth_parsing(source):
        return []
    return analyze_module(parse(source), runtime, line_map, path, target)


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
    return cst.parse_module(source)


def analyze_module(
    module: cst.Module,
    runtime: Optional[Any] = None,
    line_map: Optional[LineMap] = None,
    path: Optional[str] = None,
    target: Optional[Target] = None,
) -> List[Report]:
    """Findings for a parsed module; the findings' sites are nodes of ``module``
    (the autofixes edit that very tree).  Arguments as for ``analyze``."""
    project = Project(path) if path else None
    given = target if target is not None and target.known else (pinned(path) if path else NONE)
    facts = extract(module, project, given, installed())
    reports = resolve(run_rules(facts), Positions(module), line_map, path)
    if runtime is not None and reports:
        from .runtime import confirm  # never raises: on failure, the static reports and a notice

        return confirm(reports, runtime)
    return reports
