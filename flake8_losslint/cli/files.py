"""Reading a file to check and writing a fixed one back, without losing a byte.

Reading: a Python file is first given to Python's own parser (``ast.parse`` on the
bytes, which honours a coding cookie and a BOM), as flake8 does: whatever it refuses
(a syntax error, a NUL byte, bytes that are not in the declared encoding, nesting
deeper than the parser takes) is a ``FileError`` ``E999`` at the position the parser
gives, and nothing else looks at the file.  What it accepts but would still cost too
much to analyse (more than ``MAX_SOURCE_CHARS`` characters, an expression nested more
than ``MAX_DEPTH`` deep, the constructs ``source.guard`` refuses) is "not checked"
with one line saying why.  Line endings are read as Python reads them: ``\\r\\n`` and a
lone ``\\r`` end a line like ``\\n``.

Writing: the fixed text keeps each unchanged line's own line ending (a changed line
gets the file's first one), its encoding and BOM; it is written to a temporary file
beside the original, with the original's mode and owner, and moved over it with
``os.replace``, so a full disk, a size limit or Ctrl-C leaves either the old file or
the new one, never a cut one.  A symbolic link named on the command line is written
through: the file it points to is replaced, the link stays.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import stat
import sys
import tempfile
import tokenize
import warnings
from dataclasses import dataclass
from typing import List, Optional

from ..report import LineMap
from ..report.formats import READ_ERROR, SYNTAX_ERROR, FileError
from ..source import notebooks
from ..source.guard import MAX_SOURCE_CHARS
from ..source.prefilter import worth_parsing

# How deep an expression or statement may nest, counted in nodes of Python's own tree.
# LibCST's tree and the analysis cost more than linearly in depth: at 1,000 the worst
# constructs measured (nested lambdas, conditional expressions, chains of method calls)
# take under 0.5 s and 250 MB; Python's parser itself stops at about 3,000.
MAX_DEPTH = 1000

_LINE_END = re.compile(r"\r\n|\r|\n")


class Unreadable(Exception):
    """The file cannot be checked; ``error`` says why, for the report."""

    def __init__(self, error: FileError) -> None:
        super().__init__(error.message)
        self.error = error


class NotChecked(Exception):
    """The file parses, but is not analysed (too big, too deep); the message says why."""


def first_line_end(text: str) -> str:
    found = _LINE_END.search(text)
    return found.group(0) if found else "\n"


def universal_newlines(text: str) -> str:
    """``text`` with every ``\\r\\n`` and lone ``\\r`` as ``\\n``, as Python reads source."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _lines_with_ends(text: str) -> List[str]:
    lines, start = [], 0
    for match in _LINE_END.finditer(text):
        lines.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def with_line_ends_of(original: str, fixed: str) -> str:
    """``fixed`` (``\\n`` line ends, made from ``universal_newlines(original)``) with the
    line ends of ``original``: unchanged lines keep theirs, new ones get its first."""
    if "\r" not in original or fixed == universal_newlines(original):
        return fixed if "\r" not in original else original
    newline = first_line_end(original)
    before = _lines_with_ends(original)
    after = fixed.split("\n")
    if after and after[-1] == "":
        after.pop()
        ends_with_newline = True
    else:
        ends_with_newline = False
    stripped = [line.rstrip("\r\n") for line in before]
    out: List[str] = []
    matcher = difflib.SequenceMatcher(None, stripped, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(before[i1:i2])
        else:
            out.extend(line + newline for line in after[j1:j2])
    if out and not ends_with_newline:
        out[-1] = out[-1].rstrip("\r\n")  # a line holds one line end, at its end
    return "".join(out)


def _depth(tree: ast.AST) -> int:
    """The deepest nesting of nodes in ``tree``."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))
    return deepest


def python_syntax(data: bytes, display: str) -> ast.AST:
    """Python's own parse of the file's bytes; ``Unreadable`` (E999) where it refuses."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequences are no business of ours
            return ast.parse(data)
    except SyntaxError as error:
        line = error.lineno if error.lineno and error.lineno > 0 else 1
        column = error.offset if error.offset and error.offset > 0 else 1
        text = error.text.rstrip("\r\n") if isinstance(error.text, str) else None
        message = f"SyntaxError: {error.msg}"
        raise Unreadable(FileError(display, message, SYNTAX_ERROR, line, column, text)) from None
    except (ValueError, RecursionError, MemoryError) as error:
        detail = str(error) or "the source is nested too deeply for Python's parser"
        raise Unreadable(FileError(display, f"{type(error).__name__}: {detail}", SYNTAX_ERROR, 1, 1)) from None


@dataclass
class SourceFile:
    path: str  # "-" for standard input
    display: str
    source: str  # the Python source to analyse (line ends as \n); a notebook's code cells joined
    text: str = ""  # a Python file as written (its own line ends)
    encoding: str = "utf-8"
    notebook: Optional[notebooks.Program] = None
    raw: str = ""  # a notebook's JSON text, as read

    @property
    def disk_path(self) -> Optional[str]:
        """Where the file is, for reading its sibling modules (None: standard input)."""
        return None if self.path == "-" else self.path

    @property
    def line_map(self) -> Optional[LineMap]:
        return self.notebook.cell_line if self.notebook is not None else None

    def content(self, source: str) -> str:
        """What the file holds once its Python source is ``source``."""
        if self.notebook is None:
            return with_line_ends_of(self.text, source)
        return notebooks.with_fixed_program(self.raw, source, self.notebook)

    def original(self) -> str:
        return self.text if self.notebook is None else self.raw

    def encode(self, content: str) -> bytes:
        return content.encode(self.encoding)


def read_bytes(path: str, display: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise Unreadable(FileError(display, f"{type(error).__name__}: {error}", READ_ERROR)) from None


def read(path: str, display: str, data: bytes) -> SourceFile:
    """The file to check, from its bytes; raises Unreadable or NotChecked."""
    if display.endswith(".ipynb"):
        try:
            raw = data.decode("utf-8")
            whole = notebooks.program(notebooks.load(raw))
        except UnicodeDecodeError as error:
            raise Unreadable(FileError(display, f"UnicodeDecodeError: {error}", READ_ERROR)) from None
        except notebooks.NotebookError as error:
            raise Unreadable(FileError(display, str(error), READ_ERROR)) from None
        return SourceFile(path, display, whole.source, "", "utf-8", whole, raw)
    if len(data) > 4 * MAX_SOURCE_CHARS:  # more characters than analysed, whatever the encoding
        if worth_parsing(data.decode("latin-1")):
            raise NotChecked(f"{len(data):,} bytes, over the {MAX_SOURCE_CHARS:,} characters that are analysed")
        return SourceFile(path, display, "", "")  # not ML code: nothing to look at
    tree = python_syntax(data, display)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    source = universal_newlines(text)
    if worth_parsing(source):
        depth = _depth(tree)
        if depth > MAX_DEPTH:
            raise NotChecked(f"nested {depth} deep, over the {MAX_DEPTH} that are analysed")
    return SourceFile(path, display, source, text, encoding)


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file at ``path`` (through a symbolic link) with ``data``, in one step."""
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(os.path.abspath(target))
    before = os.stat(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".losslint", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(before.st_mode))
        if hasattr(os, "chown") and (before.st_uid, before.st_gid) != _owner(temporary):
            os.chown(temporary, before.st_uid, before.st_gid)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _owner(path: str) -> tuple:
    found = os.stat(path)
    return found.st_uid, found.st_gid


def read_stdin() -> bytes:
    return sys.stdin.buffer.read()
