"""Where a character of a notebook cell stands in the ``.ipynb`` file itself.

Findings in a notebook are placed by cell and line (what a person reads); tools
that annotate the file on disk (SARIF viewers, GitHub code scanning, workflow
annotations) need the line and column in the notebook's JSON text, inside the
string literal that holds the cell's source.  ``SourceMap`` reads the JSON once,
keeping the offset of every character of every cell's source, escapes included
(``\\"``, ``\\n``, ``\\u00e9``, surrogate pairs), so the answer is exact whatever
the layout.
"""

from __future__ import annotations

import bisect
from typing import Dict, List, Optional, Tuple

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Scanner:
    """A JSON reader that records, for the strings under ``cells[i].source``, the
    decoded text and the offset in the file of each of its characters.  Only called on
    text that ``json.loads`` accepted."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        # cell index -> its source, and the offset of each character plus one past the last
        self.cells: Dict[int, Tuple[List[str], List[int]]] = {}

    def _space(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos

    def _next(self) -> str:
        self._space()
        char = self.text[self.pos]
        self.pos += 1
        return char

    def value(self, path: Tuple) -> None:
        self._space()
        char = self.text[self.pos]
        if char in "{[":
            self.pos += 1
            self._space()
            if self.text[self.pos] in "}]":
                self.pos += 1
                return
            index = 0
            while True:
                if char == "{":
                    self._space()
                    key, _ = self.string()
                    self._next()  # ':'
                    self.value(path + (key,))
                else:
                    self.value(path + (index,))
                    index += 1
                if self._next() in "}]":
                    return
        elif char == '"':
            text, offsets = self.string()
            cell = self._source_of(path)
            if cell is not None:
                chars, places = self.cells.setdefault(cell, ([], []))
                if places:
                    places.pop()  # the previous string's closing quote
                chars.append(text)
                places.extend(offsets)
        else:  # number, true, false, null
            while self.pos < len(self.text) and self.text[self.pos] not in ",]} \t\r\n":
                self.pos += 1

    @staticmethod
    def _source_of(path: Tuple) -> Optional[int]:
        if len(path) >= 3 and path[0] == "cells" and isinstance(path[1], int) and path[2] == "source":
            if len(path) == 3 or (len(path) == 4 and isinstance(path[3], int)):
                return path[1]
        return None

    def string(self) -> Tuple[str, List[int]]:
        """The string at ``pos`` (on its opening quote), and each character's offset
        followed by the offset of the closing quote."""
        text = self.text
        pos = self.pos + 1
        chars: List[str] = []
        offsets: List[int] = []
        while text[pos] != '"':
            offsets.append(pos)
            if text[pos] != "\\":
                chars.append(text[pos])
                pos += 1
                continue
            kind = text[pos + 1]
            if kind != "u":
                chars.append(_ESCAPES[kind])
                pos += 2
                continue
            unit = int(text[pos + 2:pos + 6], 16)
            width = 6
            if 0xD800 <= unit < 0xDC00 and text[pos + 6:pos + 8] == "\\u":
                low = int(text[pos + 8:pos + 12], 16)
                if 0xDC00 <= low < 0xE000:
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    width = 12
            chars.append(chr(unit))
            pos += width
        offsets.append(pos)
        self.pos = pos + 1
        return "".join(chars), offsets


class SourceMap:
    """Cell positions -> positions in the notebook's text (``raw``, as read)."""

    def __init__(self, raw: str) -> None:
        scanner = _Scanner(raw)
        scanner.value(())
        self._starts = [0] + [i + 1 for i, char in enumerate(raw) if char == "\n"]
        self._cells: Dict[int, Tuple[str, List[int], List[int]]] = {}
        for index, (pieces, offsets) in scanner.cells.items():
            text = "".join(pieces)
            line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
            self._cells[index] = (text, offsets, line_starts)

    def _line_column(self, offset: int) -> Tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def position(self, cell_index: int, line: int, column: int) -> Optional[Tuple[int, int]]:
        """The 1-based line and column in the file of the character at ``line`` (1-based)
        and ``column`` (0-based) of the cell at ``cell_index`` in "cells"; a column past
        the end of the line is the end of the line.  None if the cell has no such line."""
        found = self._cells.get(cell_index)
        if found is None:
            return None
        text, offsets, line_starts = found
        if not 1 <= line <= len(line_starts):
            return None
        start = line_starts[line - 1]
        end = line_starts[line] - 1 if line < len(line_starts) else len(text)
        return self._line_column(offsets[min(start + max(column, 0), end)])
