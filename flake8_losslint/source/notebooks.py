"""Jupyter notebooks as one program.

Code cells are joined in order (a model defined in cell 3 and compiled in
cell 7 is one program).  Each cell is read as IPython reads it: IPython's own
input transformer (``IPython.core.inputtransformer2``) decides which lines are
IPython syntax (``%magic``, ``!shell`` with its backslash continuations,
``%%cell_magic``, ``obj?``, ``x = !ls``, a cell indented as a whole, pasted
prompts).  Without IPython a built-in reader applies the same rules (the tests
hold it to IPython's answers on the same cells).

Those lines are replaced *in place* by neutral Python, one line for one line,
so every line keeps its number and every column its place; a cell indented as
a whole becomes the body of an ``if True:`` written on the marker line that
precedes it.  Findings map back to (cell, line in cell).  A cell that does not
parse even so is skipped (blank lines in the program) and named in
``Program.skipped``; the other cells are still checked.

Fixed sources go back into the cells they came from: each cell's program lines
are compared with the fixed ones, unchanged lines get their original text back
(magics included) and only cells whose lines changed are rewritten.  Marker
lines carry a stem that occurs nowhere in the notebook's code, so no user text
can be taken for one.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import sys
import textwrap
import tokenize
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from .prefilter import worth_parsing

# Cell magics whose body is Python run in the kernel (IPython 9.18 passes it to
# transform_cell or run_cell): the body is read like a cell of its own.  The
# body of any other cell magic (%%bash, %%writefile, %%html, %%python, ...) is
# not part of the program.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})

# IPython's TRANSFORM_LOOP_LIMIT: it gives up on a cell with more special lines.
_LOOP_LIMIT = 500
_UNMAPPABLE = "IPython reshapes it in a way losslint cannot map back"
_OTHER_LINE_ENDS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class NotebookError(ValueError):
    """The file is not a notebook we can read; the message says why, in one line."""


@dataclass(frozen=True)
class Location:
    cell: int  # 1-based number among the code cells, as nbqa counts them
    line: int  # 1-based line within the cell
    index: int  # 0-based position in the notebook's "cells" array (for tools)


@dataclass(frozen=True)
class Skipped:
    """A code cell that was not checked: it does not parse, even read as IPython."""

    cell: int  # as Location.cell
    line: int  # 1-based line within the cell where reading failed
    column: int  # 1-based
    index: int  # as Location.index
    reason: str

    def __str__(self) -> str:
        return f"cell {self.cell}:line {self.line}:col {self.column}: cell not checked, {self.reason}"


@dataclass(frozen=True)
class Cell:
    """One code cell: its lines as written and as they stand in the program."""

    index: int  # position in "cells"
    original: Tuple[str, ...]
    lines: Tuple[str, ...]  # the same number of lines
    hidden: FrozenSet[int]  # 0-based lines whose text is IPython syntax, not Python
    wrapped: bool  # indented as a whole: its marker line is ``if True:``
    shifts: Tuple[int, ...]  # as Reading.shifts
    skipped: bool


@dataclass
class Program:
    source: str
    # program line (1-based) -> where it is in the notebook; None for marker lines
    locations: List[Optional[Location]]
    cells: List[Cell]
    skipped: List[Skipped]
    stem: str  # what marker lines are made of (absent from every cell)
    reader: str  # which reader read the cells: "IPython x.y.z" or "built-in"

    def locate(self, line: int) -> Optional[Location]:
        if 1 <= line <= len(self.locations):
            return self.locations[line - 1]
        return None

    def cell_line(self, line: int, column: int) -> Optional[Tuple[int, int, int, int]]:
        """A program position as (cell number, line in the cell, index in "cells",
        column in the cell): the report layer's line map."""
        where = self.locate(line)
        if where is None:
            return None
        shift = self.cells[where.cell - 1].shifts[where.line - 1]
        return where.cell, where.line, where.index, max(0, column + shift)

    def notices(self) -> List[Skipped]:
        """The skipped cells worth telling about: those of a notebook the linter
        would look at (its code as written imports an ML library and uses a loss)."""
        if not self.skipped:
            return []
        written = "\n".join("\n".join(cell.original) for cell in self.cells)
        return list(self.skipped) if worth_parsing(written) else []


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


def _code_cells(notebook: Dict[str, Any]) -> List[Tuple[int, List[str]]]:
    return [
        (index, _cell_lines(cell))
        for index, cell in enumerate(notebook["cells"])
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]


def _stem(texts: Sequence[str]) -> str:
    """``notebook``, or ``notebookN`` if the notebook's code mentions ``notebook-``:
    marker and placeholder lines are then never the same as a user's line.  (Not
    ``losslint``: "loss" would make every notebook pass the prefilter.)"""
    stem, number = "notebook", 0
    while any(stem + "-" in text for text in texts):
        number += 1
        stem = f"notebook{number}"
    return stem


def program(notebook: Dict[str, Any], ipython: Optional[bool] = None) -> Program:
    """The notebook's code cells as one program.

    ``ipython``: None uses IPython's transformer where it can be imported and the
    built-in reader otherwise; True or False forces one (True raises ImportError
    without IPython).
    """
    syntax = _syntax(ipython)
    code_cells = _code_cells(notebook)
    stem = _stem(["\n".join(lines) for _, lines in code_cells])
    lines: List[str] = []
    locations: List[Optional[Location]] = []
    cells: List[Cell] = []
    skipped: List[Skipped] = []
    for number, (index, cell_lines) in enumerate(code_cells, start=1):
        reading = read_cell(cell_lines, syntax, stem)
        marker = f"# {stem}-cell {index}"
        lines.append(f"if True:  {marker}" if reading.wrapped else marker)
        locations.append(None)
        lines.extend(reading.lines)
        locations.extend(Location(number, line, index) for line in range(1, len(cell_lines) + 1))
        cells.append(
            Cell(
                index,
                tuple(cell_lines),
                reading.lines,
                reading.hidden,
                reading.wrapped,
                reading.shifts,
                reading.error is not None,
            )
        )
        if reading.error is not None:
            line, column, reason = reading.error
            skipped.append(Skipped(number, line, column, index, reason))
    return Program("\n".join(lines) + "\n", locations, cells, skipped, stem, syntax.name)


# -- reading one cell ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A cell as Python: one program line for each line of the cell."""

    lines: Tuple[str, ...]
    hidden: FrozenSet[int]  # 0-based lines that hold IPython syntax (all of them when skipped)
    wrapped: bool  # needs an ``if True:`` line before it (indented as a whole)
    # per line: its column in the cell minus its column in the program (0 but
    # where IPython removed more or less text than from the first line of code)
    shifts: Tuple[int, ...]
    error: Optional[Tuple[int, int, str]] = None  # (line, column, reason), both 1-based, when skipped


class _CellError(Exception):
    """IPython cannot read the cell: at 0-based ``line`` of the lines being read."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.column, self.reason = line, column, reason

    def moved(self, lines: int) -> "_CellError":
        return _CellError(self.line + lines, self.column, self.reason)


class _Placeholders:
    """Neutral Python for IPython lines; numbered, so each is unique in its cell."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.count = 0

    def _tag(self) -> str:
        self.count += 1
        return f"# {self.stem}-ipython {self.count}"

    def statement(self, prefix: str, statement: str) -> str:
        return f"{prefix}{statement}  {self._tag()}\n"

    def comment(self) -> str:
        return self._tag() + "\n"


def read_cell(cell_lines: Sequence[str], syntax: "Syntax", stem: str = "notebook") -> Reading:
    """The cell as Python of the same shape, or a blank one with the reason it cannot be read."""
    placeholders = _Placeholders(stem)
    # Characters that str.splitlines (so IPython) takes for line ends, and
    # Python does not: in a string or a comment they must not split a line.
    lines = [_OTHER_LINE_ENDS.sub(" ", line) for line in cell_lines]
    # IPython splits the cell's text into lines keeping their ends: a final
    # newline does not make a last, empty line.
    final_newline = bool(lines) and lines[-1] == ""
    try:
        read = _read_lines(lines[:-1] if final_newline else lines, syntax, placeholders)
    except _CellError as error:
        return _skipped(cell_lines, error.line + 1, error.column, error.reason)
    except Exception as error:  # noqa: BLE001 - IPython's own transformer failed: this cell only
        return _skipped(cell_lines, 1, 1, f"IPython cannot read it ({type(error).__name__}: {error})")
    # A cell indented as a whole is the body of "if True:" (on its marker line);
    # one that holds only comments needs no block, and could not have one.
    if final_newline:
        read.lines.append("")
        read.shifts.append(0)
    wrapped = read.indented and _has_code(read.lines)
    if wrapped:
        # Parses when IPython's text does (checked above), but for oddities of
        # Python's tokenizer (a line that is only a backslash): say so, then.
        problem = _parse_problem("if True:\n" + "\n".join(read.lines) + "\n")
        if problem is not None:
            line, column, reason = problem
            return _skipped(cell_lines, max(1, min(line - 1, len(cell_lines))), column, reason)
    return Reading(tuple(read.lines), frozenset(read.hidden), wrapped, tuple(read.shifts))


def _has_code(lines: Sequence[str]) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def _skipped(cell_lines: Sequence[str], line: int, column: int, reason: str) -> Reading:
    blank = tuple("" for _ in cell_lines)
    nothing = tuple(0 for _ in cell_lines)
    return Reading(blank, frozenset(range(len(cell_lines))), False, nothing, (line, column, reason))


def _parse_problem(text: str) -> Optional[Tuple[int, int, str]]:
    """Why Python cannot parse ``text`` (as IPython compiles a cell: top-level
    ``await`` allowed), or None.  Python's own parser: it is quick, and it is
    what the kernel would use."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
            compile(text, "<cell>", "exec", flags, dont_inherit=True)
    except SyntaxError as error:
        return error.lineno or 1, error.offset or 1, f"it does not parse: {error.msg}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        return 1, 1, f"it does not parse: {error}"
    return None


@dataclass
class _Read:
    lines: List[str]  # program lines, one for each line read
    hidden: Set[int]  # 0-based lines that are IPython syntax
    shifts: List[int]  # per line: column in the cell minus column in the program
    indented: bool  # indented as a whole (prompts count): needs an "if True:" before it


def _read_lines(lines: List[str], syntax: "Syntax", placeholders: _Placeholders) -> _Read:
    work = [line + "\n" for line in lines]
    try:
        cleaned = syntax.cleanup(list(work))
    except SyntaxError as error:
        raise _CellError((error.lineno or 1) - 1, error.offset or 1, f"IPython cannot read it: {error.msg}") from None
    # The clean-up only drops leading blank lines and removes text at the start
    # of lines (common indentation, pasted prompts); anything else cannot be
    # mapped back to the cell.
    dropped = len(work) - len(cleaned)
    if dropped < 0 or any(line.strip() for line in work[:dropped]):
        raise _CellError(0, 1, _UNMAPPABLE)
    # Blank lines are blank whatever IPython did to their spaces.
    cleaned = [text if text.strip() else "\n" for text in cleaned]
    pads: List[str] = []
    for number, text in enumerate(cleaned):
        before = work[dropped + number]
        if not before.endswith(text):
            raise _CellError(dropped + number, 1, _UNMAPPABLE)
        removed = before[: len(before) - len(text)]
        # Whitespace stays as written; a prompt becomes spaces of its width.
        pads.append("".join(char if char in " \t\f" else " " for char in removed))
    # Every line is put back with the pad of the first line of code, so the
    # program is IPython's cleaned-up text moved right as a block: it parses
    # exactly when IPython's does.  Only where IPython removed a different
    # width (a doctest's output line, misaligned prompts) does a column move,
    # and the shift says by how much.
    base = next((pad for pad, text in zip(pads, cleaned) if text.strip()), "")
    try:
        special = _special_lines(cleaned, syntax, placeholders)
    except _CellError as error:
        raise error.moved(dropped) from None
    # What IPython would compile (the %%time body is checked on its own).  It
    # decides, not the text moved right: under "if True:" a first statement
    # indented deeper than a comment before it would pass, and here it fails.
    problem = _parse_problem("\n".join(special.lines) + "\n")
    if problem is not None:
        line, column, reason = problem
        line = max(0, min(line - 1, len(cleaned) - 1))
        raise _CellError(dropped + line, column + len(pads[line]) if pads else column, reason)
    out = _Read(lines[:dropped], {line + dropped for line in special.hidden}, [0] * dropped, bool(base))
    for number, text in enumerate(special.lines):
        written = lines[dropped + number]
        if not text.strip():
            out.lines.append(written if not written.strip() else "")
            out.shifts.append(0)
        else:
            out.lines.append(base + text)
            out.shifts.append(len(pads[number]) - len(base) + special.shifts[number])
    return out


def _special_lines(lines: List[str], syntax: "Syntax", placeholders: _Placeholders) -> _Read:
    """``lines`` (cleaned up) with each piece of IPython syntax replaced in place."""
    current = list(lines)
    if syntax.is_cell_magic(current):
        name = current[0][2:].rstrip().partition(" ")[0]
        if name in PYTHON_CELL_MAGICS:
            try:
                body = _read_lines([line[:-1] for line in current[1:]], syntax, placeholders)
            except _CellError as error:
                raise error.moved(1) from None
            indented = body.indented and _has_code(body.lines)
            head = placeholders.statement("", "if True:" if indented else "get_ipython()")[:-1]
            return _Read([head] + body.lines, {0} | {line + 1 for line in body.hidden}, [0] + body.shifts, False)
        current = [placeholders.statement("", "get_ipython()")] + [placeholders.comment() for _ in current[1:]]
        return _Read([line[:-1] for line in current], set(range(len(current))), [0] * len(current), False)
    hidden: Set[int] = set()
    for _ in range(_LOOP_LIMIT):
        # Tokenizing is the costly part of reading, and most cells (or what is
        # left of one once its magics are replaced) need none of it.
        if not _may_be_special(current):
            return _Read([line[:-1] for line in current], hidden, [0] * len(current), False)
        try:
            found = syntax.next_special(current)
        except _CellError:
            raise
        except SyntaxError as error:  # tokenize's IndentationError, as in IPython
            raise _CellError((error.lineno or 1) - 1, error.offset or 1, f"it does not parse: {error.msg}") from None
        except Exception as error:  # noqa: BLE001 - IPython fails on this cell as well
            raise _CellError(0, 1, f"IPython cannot read it ({type(error).__name__}: {error})") from None
        if found is None:
            ends = [line[:-1] if line.endswith("\n") else line for line in current]
            return _Read(ends, hidden, [0] * len(current), False)
        first, column, last = found
        prefix = current[first][:column]
        # A call, as IPython writes: a statement of its own, or what "x = %time f()"
        # binds x to (something unknown), even after "x = \" on the line before.
        current[first] = placeholders.statement(prefix, "get_ipython()")
        for line in range(first + 1, last + 1):
            current[line] = placeholders.comment()
        hidden.update(range(first, last + 1))
    raise _CellError(0, 1, f"IPython gives up on more than {_LOOP_LIMIT} special lines in one cell")


def _may_be_special(lines: List[str]) -> bool:
    """False when no line can hold IPython syntax: each piece of it is a token
    "%", "!" or "?" (a magic, a shell escape, help, assigned or not), or a ","
    ";" or "/" that starts a logical line, and so starts a line of text."""
    return any(
        "%" in line or "!" in line or "?" in line or line.lstrip().startswith((",", ";", "/")) for line in lines
    )


# -- the two readers ----------------------------------------------------------------------------
#
# A reader answers three questions, the way IPython's TransformerManager does:
# the cell after clean-up (leading blank lines, common indentation, prompts),
# whether it is a cell magic, and where the first piece of special syntax is
# (its first line, column and last line: a "!cmd \" goes on to the next line).

Span = Tuple[int, int, int]


class Syntax:
    name = ""

    def cleanup(self, lines: List[str]) -> List[str]:
        raise NotImplementedError

    def is_cell_magic(self, lines: List[str]) -> bool:
        raise NotImplementedError

    def next_special(self, lines: List[str]) -> Optional[Span]:
        raise NotImplementedError


class IPythonSyntax(Syntax):
    """IPython's own transformer, asked piece by piece."""

    def __init__(self, module: Any, version: str) -> None:
        self.module = module
        self.manager = module.TransformerManager()
        self.name = f"IPython {version}"

    def cleanup(self, lines: List[str]) -> List[str]:
        for transform in self.manager.cleanup_transforms:
            lines = transform(lines)
        return lines

    def is_cell_magic(self, lines: List[str]) -> bool:
        after = lines
        for transform in self.manager.line_transforms:
            after = transform(after)
        if after == lines:
            return False
        if not lines[0].startswith("%%"):
            raise _CellError(0, 1, _UNMAPPABLE)
        return True

    def next_special(self, lines: List[str]) -> Optional[Span]:
        # TransformerManager.do_one_token_transform, except that the transform
        # is only tried (to know whether IPython takes it and how many lines it
        # swallows); the lines are replaced by the caller, in place.
        by_line = self.module.make_tokens_by_line(lines)
        found = [hit for hit in (kind.find(by_line) for kind in self.manager.token_transformers) if hit]
        for hit in sorted(found, key=self.module.TokenTransformBase.sortby):
            try:
                after = hit.transform(list(lines))
            except SyntaxError:
                continue
            last = hit.start_line + len(lines) - len(after)
            if last < hit.start_line:
                raise _CellError(hit.start_line, hit.start_col + 1, _UNMAPPABLE)
            return hit.start_line, hit.start_col, last
        return None


class BuiltinSyntax(Syntax):
    """IPython 9's rules without IPython: what tests/test_notebooks.py holds to
    IPython's own answers.  One thing it declines rather than guesses: pasted
    ``>>>`` prompts in a cell that also has a triple-quoted string."""

    name = "built-in"

    def cleanup(self, lines: List[str]) -> List[str]:
        for number, line in enumerate(lines):
            if line and not line.isspace():
                lines = lines[number:]
                break
        if lines:
            lines = textwrap.dedent("".join(lines)).splitlines(keepends=True)
        return _strip_ipython_prompts(_strip_doctest_prompts(lines))

    def is_cell_magic(self, lines: List[str]) -> bool:
        return bool(lines) and lines[0].startswith("%%") and _CELL_MAGIC_HELP.match(lines[0]) is None

    def next_special(self, lines: List[str]) -> Optional[Span]:
        groups = _logical_lines(lines)
        found = [hit for hit in (find(groups) for find in _FINDERS) if hit is not None]
        found.sort(key=lambda hit: (hit.line, hit.column, hit.priority))  # stable, as IPython's
        for hit in found:
            last = hit.last_line(lines)
            if last is not None:
                return hit.line, hit.column, last
        return None


_CELL_MAGIC_HELP = re.compile(r"%%\w+\?")
_DOCTEST_START = re.compile(r"^\s*>>>")
_DOCTEST_PS1 = re.compile(r"^\s*>>>[ \t]?")
_DOCTEST_PS2 = re.compile(r"^\s*\.\.\.[ \t]?")
_IPYTHON_PROMPT = re.compile(r"^(((\[nav\]|\[ins\])? )?In \[\d+\]: |\s*\.{3,}: ?)")


def _strip_doctest_prompts(lines: List[str]) -> List[str]:
    """``>>> `` and ``... `` prompts, when some line has ``>>>``; then the common indentation."""
    if not any(_DOCTEST_START.match(line) for line in lines):
        return lines
    if any('"""' in line or "'''" in line for line in lines):
        # IPython tells prompts from the same text inside a string by a
        # heuristic of its own; rather than guess, decline the cell.
        raise SyntaxError("pasted >>> prompts beside a triple-quoted string (install IPython to read it)")
    stripped = []
    for line in lines:
        if _DOCTEST_PS1.match(line):
            line = _DOCTEST_PS1.sub("", line, count=1)
        elif _DOCTEST_PS2.match(line):
            line = _DOCTEST_PS2.sub("", line, count=1)
        stripped.append(line)
    if stripped == lines:
        return lines
    return textwrap.dedent("".join(stripped)).splitlines(keepends=True)


def _strip_ipython_prompts(lines: List[str]) -> List[str]:
    """``In [3]: `` and ``...: `` prompts, when the first line (or the second) has one."""
    if lines and (_IPYTHON_PROMPT.match(lines[0]) or (len(lines) > 1 and _IPYTHON_PROMPT.match(lines[1]))):
        return [_IPYTHON_PROMPT.sub("", line, count=1) for line in lines]
    return lines


# Tokenizer errors after which IPython still looks at the tokens read so far.
_TOLERATED = (
    "unterminated string literal",
    "invalid non-printable character",
    "after line continuation character",
    "invalid decimal literal",
    "invalid binary literal",
    "invalid octal literal",
    "invalid hexadecimal literal",
    "in binary literal",
    "in octal literal",
    "expected EOF",
)
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


def _logical_lines(lines: List[str]) -> List[List[tokenize.TokenInfo]]:
    """Python's tokens grouped by logical line (a bracketed expression is one)."""
    groups: List[List[tokenize.TokenInfo]] = [[]]
    depth = 0
    seen: List[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(iter(lines).__next__):
            seen.append(token)
            groups[-1].append(token)
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth <= 0):
                groups.append([])
            elif token.type == tokenize.OP and token.string in _OPENING:
                depth += 1
            elif token.type == tokenize.OP and token.string in _CLOSING and depth > 0:
                depth -= 1
    except tokenize.TokenError as error:
        if any(message in str(error.args[0]) for message in _TOLERATED):
            last = seen[-1] if seen else None
            where = (last.start[0], last.end[0]) if last else (1, 0)
            groups[-1].append(tokenize.TokenInfo(tokenize.ERRORTOKEN, "", where, where, last.line if last else ""))
    if not groups[-1]:
        groups.pop()
    return groups


@dataclass(frozen=True)
class _Hit:
    line: int  # 0-based
    column: int
    priority: int
    kind: str  # "assign", "escape" or "help"
    question: Tuple[int, int] = (0, 0)  # help: where the "?" is (0-based line, column)

    def last_line(self, lines: List[str]) -> Optional[int]:
        """The last line IPython's transform would take, or None if it refuses."""
        if self.kind == "help":
            piece = "".join(lines[self.line : self.question[0] + 1])[self.column :]
            return self.question[0] if _HELP_END.search(piece) else None
        last = self.line
        while lines[last].endswith("\\\n"):
            last += 1
            if last >= len(lines):
                break
        if self.kind == "escape":
            text = _joined(lines, self.line, self.column, last)
            escape = text[:2] if text[:2] in ("!!", "??") else text[:1]
            if escape == "/" and not text[1:].partition(" ")[0]:
                return None  # "/" must be followed by a callable's name
        return min(last, len(lines) - 1)


def _joined(lines: List[str], line: int, column: int, last: int) -> str:
    """The backslash-continued pieces of a special line as one line, as IPython joins them."""
    pieces = [lines[line][column:]] + lines[line + 1 : last + 1]
    return " ".join([piece.rstrip()[:-1] for piece in pieces[:-1]] + [pieces[-1].rstrip()])


# "obj?", "obj.attr??", "%magic?", "a[0]?": the targets IPython's help takes.
_HELP_END = re.compile(r"(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(\?\??)$")
_ESCAPES = frozenset({"!", "?", "%", ",", ";", "/"})
_SKIPPED_TOKENS = (tokenize.INDENT, tokenize.DEDENT)


def _assignment(group: List[tokenize.TokenInfo]) -> Optional[int]:
    depth = 0
    for number, token in enumerate(group):
        if token.string == "=" and depth == 0:
            return number
        if token.string in _OPENING:
            depth += 1
        elif token.string in _CLOSING and depth > 0:
            depth -= 1
    return None


def _find_magic_assign(groups: List[List[tokenize.TokenInfo]]) -> Optional[_Hit]:
    for group in groups:
        equals = _assignment(group)
        if equals is not None and len(group) >= equals + 2 and group[equals + 1].string == "%":
            if group[equals + 2].type == tokenize.NAME:
                line, column = group[equals + 1].start
                return _Hit(line - 1, column, 10, "assign")
    return None


def _find_system_assign(groups: List[List[tokenize.TokenInfo]]) -> Optional[_Hit]:
    for group in groups:
        equals = _assignment(group)
        if equals is None or group[equals].line.strip().startswith("=") or len(group) < equals + 2:
            continue
        if sys.version_info >= (3, 12):
            after = group[equals + 1]
            if after.type == tokenize.OP and after.string == "!":
                return _Hit(after.start[0] - 1, after.start[1], 10, "assign")
            continue
        # Before 3.12 the tokenizer gives "!" (and the blanks before it) as error tokens.
        number = equals + 1
        while number < len(group) and group[number].type == tokenize.ERRORTOKEN:
            if group[number].string == "!":
                return _Hit(group[number].start[0] - 1, group[number].start[1], 10, "assign")
            if not group[number].string.isspace():
                break
            number += 1
    return None


def _find_escape(groups: List[List[tokenize.TokenInfo]]) -> Optional[_Hit]:
    for group in groups:
        first = next((token for token in group if token.type not in _SKIPPED_TOKENS), None)
        if first is not None and first.string in _ESCAPES:
            return _Hit(first.start[0] - 1, first.start[1], 10, "escape")
    return None


def _find_help(groups: List[List[tokenize.TokenInfo]]) -> Optional[_Hit]:
    for group in groups:
        if len(group) > 2 and group[-2].string == "?":
            first = next(token for token in group if token.type not in _SKIPPED_TOKENS)
            question = (group[-2].start[0] - 1, group[-2].start[1])
            return _Hit(first.start[0] - 1, first.start[1], 5, "help", question)
    return None


# In IPython's order: ties in (line, column, priority) keep it.
_FINDERS: Tuple[Callable[[List[List[tokenize.TokenInfo]]], Optional[_Hit]], ...] = (
    _find_magic_assign,
    _find_system_assign,
    _find_escape,
    _find_help,
)


@lru_cache(maxsize=None)
def _ipython_syntax() -> Optional[IPythonSyntax]:
    """IPython's transformer, if it can be imported and has the parts asked for
    (those of IPython 7.34 to 9.18); None otherwise."""
    try:
        import IPython
        from IPython.core import inputtransformer2 as module

        syntax = IPythonSyntax(module, str(getattr(IPython, "__version__", "?")))
        manager = syntax.manager
        parts = (manager.cleanup_transforms, manager.line_transforms, manager.token_transformers)
        if not all(isinstance(part, list) for part in parts):
            return None
        if not callable(module.make_tokens_by_line) or not callable(module.TokenTransformBase.sortby):
            return None
    except Exception:  # noqa: BLE001 - a missing, broken or reshaped IPython: the built-in reader
        return None
    return syntax


def _syntax(ipython: Optional[bool]) -> Syntax:
    if ipython is False:
        return BuiltinSyntax()
    found = _ipython_syntax()
    if found is None:
        if ipython:
            raise ImportError("IPython is not installed (pip install 'flake8-losslint[notebooks]')")
        return BuiltinSyntax()
    return found


# -- back into the notebook ---------------------------------------------------------------------


def _fixed_cells(whole: Program, fixed_source: str) -> Dict[int, List[str]]:
    """The fixed program's lines, cell by cell (by array index)."""
    marker = re.compile(rf"^(?:if True:  )?# {re.escape(whole.stem)}-cell (\d+)$")
    cells: Dict[int, List[str]] = {}
    order: List[int] = []
    current: Optional[List[str]] = None
    text = fixed_source[:-1] if fixed_source.endswith("\n") else fixed_source
    for line in text.split("\n"):
        match = marker.match(line)
        if match:
            order.append(int(match.group(1)))
            current = cells.setdefault(order[-1], [])
        elif current is None:
            raise NotebookError("a fix moved code before the first cell; not rewritten")
        else:
            current.append(line)
    if order != [cell.index for cell in whole.cells]:
        raise NotebookError("a fix moved a cell boundary; not rewritten")
    return cells


def _restored(cell: Cell, number: int, fixed: List[str]) -> List[str]:
    """The cell's text once its program lines are ``fixed``: unchanged lines as
    written (magics, prompts), changed ones as fixed."""
    if fixed == list(cell.lines):
        return list(cell.original)
    out: List[str] = []
    matcher = difflib.SequenceMatcher(None, cell.lines, fixed, autojunk=False)
    for tag, start, end, fixed_start, fixed_end in matcher.get_opcodes():
        if tag == "equal":
            out.extend(cell.original[start:end])
            continue
        # A changed line must be one that stood in the program as written.
        if any(line in cell.hidden or cell.lines[line] != cell.original[line] for line in range(start, end)):
            raise NotebookError(
                f"a fix changed a line of cell {number} that is IPython syntax or pasted with a prompt; not rewritten"
            )
        out.extend(fixed[fixed_start:fixed_end])
    return out


def cell_sources(whole: Program, fixed_source: str) -> Dict[int, List[str]]:
    """Each code cell's lines (by array index) once the program is ``fixed_source``."""
    fixed = _fixed_cells(whole, fixed_source)
    return {cell.index: _restored(cell, number, fixed[cell.index]) for number, cell in enumerate(whole.cells, 1)}


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
    the JSON layout is not one we can reproduce byte for byte, or when the fix
    cannot be mapped back to the cells.
    """
    if fixed_source == original.source:
        return text
    notebook = load(text)
    new_cells = cell_sources(original, fixed_source)
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
