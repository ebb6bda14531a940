"""Inline expectations in fixtures: ``# expect: LL101:24 LL103:7``.

Each entry is a code and the 1-based column flake8 prints, on the line that
carries the comment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

Expected = Tuple[int, int, str]  # line, column as flake8 prints it, code

_EXPECT = re.compile(r"#\s*expect:\s*((?:LL\d{3}:\d+\s*)+)$")
_ENTRY = re.compile(r"(LL\d{3}):(\d+)")


def expectations(path: Path) -> List[Expected]:
    found: List[Expected] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            for code, col in _ENTRY.findall(match.group(1)):
                found.append((number, int(col), code))
    return sorted(found)
