"""``# noqa`` in the CLI, decided by flake8's own code so that both agree exactly.

flake8 (7.x, ``checker.py``/``violation.py``) looks for ``NOQA_INLINE_REGEXP`` in
the "noqa line" of a finding: the physical line, or all the lines of a token that
spans several (a triple-quoted string).  A bare ``# noqa`` silences every code;
``# noqa: LL101,LL2`` silences the codes equal to or starting with a listed one.
A ``# flake8: noqa`` line on its own silences the whole file.  We call those very
functions instead of copying them (``FileProcessor`` and ``Violation`` have had
these methods since flake8 6.0, our lowest supported version).
"""

from __future__ import annotations

import argparse
from typing import List

from flake8.processor import FileProcessor
from flake8.violation import Violation


class NoqaFilter:
    def __init__(self, source: str, filename: str, disabled: bool = False) -> None:
        self.disabled = disabled
        self.filename = filename
        self.lines: List[str] = source.splitlines(keepends=True)
        options = argparse.Namespace(
            disable_noqa=disabled,
            stdin_display_name=filename,
            hang_closing=False,
            indent_size=4,
            max_line_length=79,
            max_doc_length=None,
            verbose=0,
        )
        self._processor = FileProcessor(filename, options, lines=list(self.lines))

    def file_ignored(self) -> bool:
        """``# flake8: noqa`` alone on a line (flake8 then checks nothing in the file)."""
        return self._processor.should_ignore_file()

    def silenced(self, code: str, line: int, col: int, message: str) -> bool:
        physical = self._processor.noqa_line_for(line)
        if physical is None and 0 < line <= len(self.lines):
            physical = self.lines[line - 1]
        violation = Violation(code, self.filename, line, col + 1, message, physical or "")
        return violation.is_inline_ignored(self.disabled)
