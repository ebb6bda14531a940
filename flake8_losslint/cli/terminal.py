"""The terminal's output: each finding with its source line, a caret under what it is
about and the related sites below it (the default, ``--output-format full``), in colour
when the stream is a terminal.

Colour follows the conventions most tools share (and Python 3.13's own): ``NO_COLOR``
(set and not empty) turns it off, then ``FORCE_COLOR`` turns it on, then ``TERM=dumb``
turns it off; otherwise a terminal gets colour and a pipe or a file does not.
"""

from __future__ import annotations

import os
from typing import IO, List, Optional, Sequence, Tuple

from ..report import Location
from ..report.formats import FileError, FileFinding, heading

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
RED = "\x1b[31m"
BLUE = "\x1b[34m"
CYAN = "\x1b[36m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
TAB = "    "


def use_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Painter:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, *styles: str) -> str:
        if not self.colour or not text:
            return text
        return "".join(styles) + text + RESET


def _shown(line: str, column: int) -> Tuple[str, int]:
    """The line as printed (tabs as four spaces) and where 0-based ``column`` lands in it."""
    before = line[:column]
    return line.replace("\t", TAB), len(before.replace("\t", TAB))


def _snippet(
    paint: Painter, gutter: int, number: int, text: str, column: int, width: int, label: str, colour: str
) -> List[str]:
    shown, start = _shown(text, column)
    width = max(1, min(width, len(shown) - start) if len(shown) > start else 1)
    bar = paint("|", BLUE, BOLD)
    return [
        f"{paint(str(number).rjust(gutter), BLUE, BOLD)} {bar} {shown}",
        f"{' ' * gutter} {bar} {' ' * start}{paint('^' * width + (' ' + label if label else ''), colour, BOLD)}",
    ]


def full(finding: FileFinding, paint: Painter, docs: Optional[str]) -> str:
    """One finding as ruff's full output shows one: heading, source, carets, related sites."""
    head = heading(finding)
    where, rest = head.split(f": {finding.code} ", 1)
    out = [f"{paint(where, BOLD)}: {paint(finding.code, RED, BOLD)} {rest}"]
    primary = finding.lines.get((finding.cell, finding.line))
    related_rows: List[Tuple[Optional[Tuple[Location, Optional[str]]], str]] = []  # (place and source line, name)
    for related in finding.related:
        spot = related.location
        if spot.path is not None:
            related_rows.append((None, f"{spot.path}:{spot.line}:{spot.column + 1}: {related.name}"))
            continue
        text = finding.lines.get((spot.cell, spot.line))
        related_rows.append(((spot, text), related.name))
    numbers = [finding.line] + [item[0].line for item, _ in related_rows if item is not None]
    gutter = max(len(str(n)) for n in numbers)
    bar = paint("|", BLUE, BOLD)
    if primary is not None:
        if finding.end_line == finding.line and finding.end_column is not None:
            width = max(1, finding.end_column - finding.column)
        else:
            width = max(1, len(primary) - finding.column + 1)
        out.append(f"{' ' * gutter} {bar}")
        out += _snippet(paint, gutter, finding.line, primary, finding.column - 1, width, finding.code, RED)
    for item, name in related_rows:
        if item is None:
            out.append(f"{' ' * gutter} {paint('=', BLUE, BOLD)} related: {name}")
            continue
        spot, text = item
        if text is None:
            continue
        cell = f" (cell {spot.cell})" if spot.cell is not None and spot.cell != finding.cell else ""
        out.append(f"{' ' * gutter} {bar}")
        out += _snippet(paint, gutter, spot.line, text, spot.column, 1, name + cell, CYAN)
    if primary is not None or related_rows:
        out.append(f"{' ' * gutter} {bar}")
    if finding.fix == "safe":
        out.append(f"{' ' * gutter} {paint('=', BLUE, BOLD)} {paint('fix', GREEN, BOLD)}: `losslint fix`"
                   + (f" ({finding.fix_message})" if finding.fix_message else ""))
    elif finding.fix == "unsafe":
        out.append(f"{' ' * gutter} {paint('=', BLUE, BOLD)} {paint('fix', YELLOW, BOLD)}: "
                   "`losslint fix --unsafe-fixes`" + (f" ({finding.fix_message})" if finding.fix_message else ""))
    help_line = f"`losslint explain {finding.code}`"
    if docs:
        help_line += f" or {docs}"
    out.append(f"{' ' * gutter} {paint('=', BLUE, BOLD)} {paint('docs', BOLD)}: {help_line}")
    return "\n".join(out) + "\n\n"


def full_error(error: FileError, paint: Painter) -> str:
    head = error.concise()
    where, rest = head.split(f": {error.code} ", 1)
    out = [f"{paint(where, BOLD)}: {paint(str(error.code), RED, BOLD)} {rest}"]
    if error.source_line is not None and error.line:
        gutter = len(str(error.line))
        bar = paint("|", BLUE, BOLD)
        out.append(f"{' ' * gutter} {bar}")
        out += _snippet(paint, gutter, error.line, error.source_line, (error.column or 1) - 1, 1, "", RED)
        out.append(f"{' ' * gutter} {bar}")
    return "\n".join(out) + "\n\n"


def render_full(findings: Sequence[FileFinding], errors: Sequence[FileError], colour: bool,
                docs: Optional[str]) -> str:
    paint = Painter(colour)
    return "".join(full(f, paint, docs) for f in findings) + "".join(
        full_error(e, paint) for e in errors if e.positioned
    )


def render_concise(findings: Sequence[FileFinding], errors: Sequence[FileError], colour: bool) -> str:
    paint = Painter(colour)
    rows = []
    for f in findings:
        where, rest = heading(f).split(f": {f.code} ", 1)
        rows.append(f"{paint(where, BOLD)}: {paint(f.code, RED, BOLD)} {rest}")
    for e in errors:
        if e.positioned:
            where, rest = e.concise().split(f": {e.code} ", 1)
            rows.append(f"{paint(where, BOLD)}: {paint(str(e.code), RED, BOLD)} {rest}")
    return "".join(row + "\n" for row in rows)
