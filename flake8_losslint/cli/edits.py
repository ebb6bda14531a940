"""A fix as text edits: what ``--output-format json`` and SARIF ``fixes`` show.

A fix is a set of LibCST node replacements; what it does to the text is found by
making it and comparing the result with the source, line by line, then trimming each
changed run of lines to the characters that differ.  Each finding's fix is shown on
its own, against the file as it is (as ruff shows its fixes).
"""

from __future__ import annotations

import difflib
from typing import List, Optional, Tuple

import libcst as cst

from ..fixes import Fix, apply_fix
from ..report import LineMap
from ..report.formats import TextEdit

# Making a fix costs a pass over the whole tree: past this many per file, the JSON says
# only whether a finding is fixable (a file with thousands of findings stays linear).
MAX_EDITED = 200


def lines_of(text: str) -> List[str]:
    """The lines of ``text``, each with its ``\n``, as Python numbers them (a form feed or
    a line separator inside a line does not start another, unlike ``str.splitlines``)."""
    lines = text.split("\n")
    ended = [line + "\n" for line in lines[:-1]]
    return ended + [lines[-1]] if lines[-1] else ended


def _hunk(before: List[str], after: List[str], i1: int, i2: int, j1: int, j2: int) -> TextEdit:
    old = "".join(before[i1:i2])
    new = "".join(after[j1:j2])
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    # Whole words: "True" -> "False", not "Tru" -> "Fals".
    while prefix > 0 and _word(old[prefix - 1]) and (_word(old[prefix:prefix + 1]) or _word(new[prefix:prefix + 1])):
        prefix -= 1
    while suffix > 0 and _word(old[len(old) - suffix]) and (
        _word(old[len(old) - suffix - 1:len(old) - suffix]) or _word(new[len(new) - suffix - 1:len(new) - suffix])
    ):
        suffix -= 1
    # Where the changed text starts and ends, as (line, column) in ``before``.
    start_line, start_col = _locate(before, i1, prefix)
    end_line, end_col = _locate(before, i1, len(old) - suffix)
    return TextEdit(start_line, start_col, end_line, end_col, new[prefix:len(new) - suffix])


def _word(char: str) -> bool:
    return bool(char) and (char.isalnum() or char == "_")


def _locate(lines: List[str], first: int, offset: int) -> Tuple[int, int]:
    """The 1-based line and column of character ``offset`` of the text that starts at line
    ``first`` (0-based) of ``lines``."""
    index = first
    while index < len(lines) and offset >= len(lines[index]):
        offset -= len(lines[index])
        index += 1
    return index + 1, offset + 1


def text_edits(module: cst.Module, fix: Fix, line_map: Optional[LineMap] = None) -> Tuple[TextEdit, ...]:
    """The edits ``fix`` makes to ``module``'s code; in a notebook (``line_map``), in cell
    coordinates, or none when an edit is not inside one cell."""
    source = module.code
    fixed = apply_fix(module, fix).code
    if fixed == source:
        return ()
    before = lines_of(source)
    after = lines_of(fixed)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    edits = [_hunk(before, after, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    if line_map is None:
        return tuple(edits)
    placed = []
    for edit in edits:
        start = line_map(edit.line, edit.column - 1)
        end = line_map(edit.end_line, edit.end_column - 1) if edit.end_line <= len(before) else None
        if start is None or end is None or start[0] != end[0]:
            return ()
        placed.append(TextEdit(start[1], start[3] + 1, end[1], end[3] + 1, edit.content, start[0]))
    return tuple(placed)
