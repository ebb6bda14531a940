"""Report: findings placed in the file as the user sees it.

Positions are resolved here, once, for the finding itself and for every
related site its message names: a line and column in a Python file, or a cell
and a line in a notebook.  Nothing before this stage knows a line number, and
nothing after it rewrites a message.  ``formats`` renders reports as text,
JSON and SARIF.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ..interp.project import ExternalPosition
from ..rules import Finding, Ref
from ..syntax.positions import Positions
from ..terms import Site

# A notebook: program (line, column) -> (cell number among code cells, line in
# the cell, index in the notebook's "cells" array, column in the cell); None
# for lines of no cell.
LineMap = Callable[[int, int], Optional[Tuple[int, int, int, int]]]


@dataclass(frozen=True, order=True)
class Location:
    """Where something is, as the user sees it."""

    line: int  # 1-based: in the file, or in the cell
    column: int  # 0-based, in characters
    cell: Optional[int] = None  # notebooks: the code cell, 1-based as nbqa counts
    cell_index: Optional[int] = None  # notebooks: 0-based position in "cells"
    path: Optional[str] = None  # another file of the project (relative to the checked file's folder)

    def describe(self) -> str:
        """How a message names it: "line 9", "cell 2, line 3", or "nets.py, line 11"."""
        if self.path is not None:
            return f"{self.path}, line {self.line}"
        if self.cell is None:
            return f"line {self.line}"
        return f"cell {self.cell}, line {self.line}"


@dataclass(frozen=True)
class Related:
    """A related site of a finding: what it is (``name``) and where."""

    name: str
    location: Location


@dataclass(frozen=True, order=True)
class Report:
    line: int  # 1-based, in the analysed program (a notebook's joined cells)
    col: int  # 0-based, in characters
    code: str
    message: str  # without the code
    finding: Optional[Finding] = field(default=None, compare=False, repr=False)
    location: Optional[Location] = field(default=None, compare=False)  # as the user sees it
    related: Tuple[Related, ...] = field(default=(), compare=False)
    evidence: Optional[str] = field(default=None, compare=False)  # what runtime confirmation found
    # Where the reported node ends (just after its last character), placed like ``location``.
    end: Optional[Location] = field(default=None, compare=False)

    @property
    def full_message(self) -> str:
        """The message, then the runtime evidence (a sentence of its own) when there is any."""
        if not self.evidence:
            return self.message
        separator = " " if self.message.endswith((".", "!", "?")) else ". "
        return f"{self.message}{separator}{self.evidence}"

    @property
    def text(self) -> str:
        """``CODE message[. evidence]``: what flake8 prints after the position."""
        return f"{self.code} {self.full_message}"

    @property
    def where(self) -> Location:
        return self.location if self.location is not None else Location(self.line, self.col)


def place(line: int, column: int, line_map: Optional[LineMap]) -> Optional[Location]:
    """A program position as the user sees it (None: not in any cell)."""
    if line_map is None:
        return Location(line, column)
    found = line_map(line, column)
    if found is None:
        return None
    cell, cell_line, index, cell_column = found
    return Location(cell_line, cell_column, cell, index)


def _elsewhere(site: Site, checked: Optional[str]) -> Optional[Location]:
    """The location of a site in another file of the project (None: a site of this file)."""
    where = site.node
    if not isinstance(where, ExternalPosition):
        return None
    base = os.path.dirname(os.path.abspath(checked)) if checked else os.getcwd()
    try:
        shown = os.path.relpath(where.path, base)
    except ValueError:  # another drive
        shown = where.path
    return Location(where.line, where.column, path=shown)


def resolve(
    findings: Iterable[Finding], positions: Positions, line_map: Optional[LineMap] = None, path: Optional[str] = None
) -> List[Report]:
    """Reports for ``findings``, sorted; of findings of one code at one place, the
    first is kept (a fact that holds on every path comes before its per-call twins);
    findings outside every cell of a notebook are dropped."""
    reports: Dict[Tuple[int, int, str], Report] = {}
    findings = list(findings)
    positions.want(site for finding in findings for site in (finding.site, *(ref.site for ref in finding.message.related)))
    for finding in findings:
        if isinstance(finding.site.node, ExternalPosition):
            continue  # it is reported when that file is checked
        (line, col), (end_line, end_col) = positions.span(finding.site)
        location = place(line, col, line_map)
        if location is None:
            continue
        related: List[Related] = []

        def describe(ref: Ref) -> Optional[str]:
            where = _elsewhere(ref.site, path) or place(*positions(ref.site), line_map)
            if where is None:
                return None
            if ref.unless_primary_line and (where.cell, where.line) == (location.cell, location.line):
                return None
            related.append(Related(ref.name, where))
            return where.describe()

        message = finding.message.render(describe)
        end = place(end_line, end_col, line_map)
        report = Report(line, col, finding.code, message, finding, location, tuple(related), end=end)
        reports.setdefault((line, col, finding.code), report)
    return sorted(reports.values())
