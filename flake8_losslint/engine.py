"""Source text → sorted findings.  Shared by the flake8 plugin and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

import libcst as cst

from .extract import extract
from .facts import Positions
from .guard import check_parsable, gc_paused
from .prefilter import worth_parsing
from .rules import Finding, run_rules


@dataclass(frozen=True, order=True)
class Report:
    line: int  # 1-based
    col: int  # 0-based, in characters
    code: str
    message: str  # without the code
    finding: Optional[Finding] = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


@gc_paused()
def analyze(source: str, runtime: Optional[Any] = None) -> List[Report]:
    """Findings for one file, sorted and without duplicates.

    ``runtime`` (a ``flake8_losslint.runtime.Settings``) turns on runtime
    confirmation; the runtime package is imported only then.

    Raises whatever parsing or analysis raises; callers decide what a failure
    means (the flake8 plugin swallows it).
    """
    if not worth_parsing(source):
        return []
    return analyze_module(parse(source), runtime)


def parse(source: str) -> cst.Module:
    """LibCST's parse, behind the guard: raises rather than let LibCST crash the process."""
    check_parsable(source)
    return cst.parse_module(source)


def analyze_module(module: cst.Module, runtime: Optional[Any] = None) -> List[Report]:
    """Findings for a parsed module; the findings' sites are nodes of ``module``
    (the autofixes edit that very tree).  ``runtime`` as for ``analyze``."""
    positions = Positions(module)
    facts = extract(module, positions)
    reports = {}
    for finding in run_rules(facts):
        line, col = positions(finding.site)
        report = Report(line, col, finding.code, finding.message, finding)
        reports.setdefault(report, report)  # the first finding of a duplicate wins
    if runtime is not None and reports:
        from .runtime import confirm

        return confirm(sorted(reports), runtime)
    return sorted(reports)
