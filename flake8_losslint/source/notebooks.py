"""Jupyter notebooks as one program.

Code cells are joined in order (a model defined in cell 3 and compiled in
cell 7 is one program).  IPython syntax that is not Python (``%magic``,
``!shell``, ``%%cell_magic``, ``obj?``) is neutralised line by line, so every
line keeps its number and every column its place.  Findings map back to
(cell, line in cell).  Fixed sources go back into the cells they came from;
outputs, metadata and the JSON layout are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

# A marker line between cells: lets a fixed program be split back into
# cells even when a fix changed the number of lines in one.
_MARKER = "# losslint-cell {index}"
_MARKER_RE = re.compile(r"^# losslint-cell (\d+)$")
# A neutralised IPython line: "pass" keeps a block that held only a magic valid.
_NEUTRAL = "pass  # losslint-magic {number}"
_NEUTRAL_RE = re.compile(r"^(\s*)pass  # losslint-magic (\d+)$")
# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
_ASSIGNED_MAGIC = re.compile(r"^(\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*)[%!]")


class NotebookError(ValueError):
    """The file is not a notebook we can read; the message says why, in one line."""


@dataclass(frozen=True)
class Location:
    cell: int  # 1-based number among the code cells, as nbqa counts them
    line: int  # 1-based line within the cell
    index: int  # 0-based position in the notebook's "cells" array (for tools)


@dataclass
class Program:
    source: str
    # program line (1-based) -> where it is in the notebook; None for marker lines
    locations: List[Optional[Location]]
    magics: List[str]  # original text of each neutralised line, by number

    def locate(self, line: int) -> Optional[Location]:
        if 1 <= line <= len(self.locations):
            return self.locations[line - 1]
        return None

    def cell_line(self, line: int) -> Optional[Tuple[int, int, int]]:
        """A program line as (cell number, line in the cell, index in "cells"): the report's line map."""
        where = self.locate(line)
        return None if where is None else (where.cell, where.line, where.index)


def load(text: str) -> Dict[str, Any]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook: no list of cells")
    return notebook


def _cell_lines(cell: Dict[str, Any]) -> List[str]:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.split("\n") if text else []


def program(notebook: Dict[str, Any]) -> Program:
    lines: List[str] = []
    locations: List[Optional[Location]] = []
    magics: List[str] = []

    def neutralise(line: str, indent: str) -> str:
        magics.append(line)
        return indent + _NEUTRAL.format(number=len(magics) - 1)

    code_cells = 0
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code_cells += 1
        lines.append(_MARKER.format(index=index))
        locations.append(None)
        cell_lines = _cell_lines(cell)
        first = cell_lines[0] if cell_lines else ""
        # A cell magic: its first line is never Python, and neither is its body
        # unless the magic just wraps Python (%%time, %%capture, ...).
        cell_magic = first.startswith("%%")
        body_is_python = cell_magic and (first[2:].split() or [""])[0] in _PYTHON_CELL_MAGICS
        for number, line in enumerate(cell_lines, start=1):
            indent = line[: len(line) - len(line.lstrip())]
            if cell_magic and (number == 1 or not body_is_python):
                line = neutralise(line, "")
            elif _is_ipython_line(line):
                line = neutralise(line, indent)
            lines.append(line)
            locations.append(Location(code_cells, number, index))
    return Program("\n".join(lines) + "\n", locations, magics)


_HELP = re.compile(r"^\s*[A-Za-z_][\w.]*\?{1,2}\s*$")


def _is_ipython_line(line: str) -> bool:
    stripped = line.lstrip()
    return (
        stripped.startswith(("%", "!"))
        or _HELP.match(line) is not None
        or _ASSIGNED_MAGIC.match(line) is not None
    )


def _restore(line: str, magics: List[str]) -> str:
    match = _NEUTRAL_RE.match(line)
    if match is None:
        return line
    return magics[int(match.group(2))]


def cell_sources(program_source: str, magics: List[str]) -> Dict[int, List[str]]:
    """Split a (possibly fixed) program back into cell lines (by array index), magics restored."""
    cells: Dict[int, List[str]] = {}
    current: Optional[List[str]] = None
    text = program_source[:-1] if program_source.endswith("\n") else program_source
    for line in text.split("\n"):
        match = _MARKER_RE.match(line)
        if match:
            current = cells.setdefault(int(match.group(1)), [])
            continue
        if current is not None:
            current.append(_restore(line, magics))
    return cells


def _layout(text: str, notebook: Dict[str, Any]) -> Optional[Tuple[Any, bool, bool]]:
    """The json.dumps settings that reproduce ``text`` exactly, if any."""
    for indent in (1, 2, 4, None):
        for sort_keys in (True, False):
            for ensure_ascii in (False, True):
                dumped = json.dumps(notebook, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
                if dumped == text or dumped + "\n" == text:
                    return indent, sort_keys, ensure_ascii
    return None


def with_fixed_program(text: str, fixed_source: str, original: Program) -> str:
    """The notebook ``text`` with only the changed cells' sources replaced.

    Returns ``text`` itself when nothing changed.  Raises NotebookError when
    the JSON layout is not one we can reproduce byte for byte.
    """
    notebook = load(text)
    new_cells = cell_sources(fixed_source, original.magics)
    changed = False
    for index, cell in enumerate(notebook["cells"]):
        if index not in new_cells:
            continue
        new_lines = new_cells[index]
        if new_lines == _cell_lines(cell):
            continue
        changed = True
        joined = "\n".join(new_lines)
        if isinstance(cell.get("source"), list):
            cell["source"] = [line + "\n" for line in new_lines[:-1]] + ([new_lines[-1]] if new_lines[-1] else [])
        else:
            cell["source"] = joined
    if not changed:
        return text
    layout = _layout(text, load(text))
    if layout is None:
        raise NotebookError("JSON layout not recognised; not rewritten (save it from Jupyter and retry)")
    indent, sort_keys, ensure_ascii = layout
    dumped = json.dumps(notebook, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
    return dumped + "\n" if text.endswith("\n") else dumped
