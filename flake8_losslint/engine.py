"""Source text → sorted findings.  Shared by the flake8 plugin and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

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
def analyze(source: str) -> List[Report]:
    """Findings for one file, sorted and without duplicates.

    Raises whatever parsing or analysis raises; callers decide what a failure
    means (the flake8 plugin swallows it).
    """
    if not worth_parsing(source):
        return []
    check_parsable(source)  # raises rather than let LibCST crash the process
    module = cst.parse_module(source)
    positions = Positions(module)
    facts = extract(module, positions)
    reports = {}
    for finding in run_rules(facts):
        line, col = positions(finding.site)
        report = Report(line, col, finding.code, finding.message, finding)
        reports.setdefault(report, report)  # the first finding of a duplicate wins
    return sorted(reports)
