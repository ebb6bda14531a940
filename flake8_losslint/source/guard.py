"""What keeps one hostile file from costing more than its share, or crashing flake8.

LibCST's native parser recurses in Rust on a chain of ``and``/``or``: a
statement of about 10,000 operands (which Python itself compiles) overflows the
stack and kills the whole flake8 process with SIGSEGV, which no ``except``
catches.  ``check_parsable`` refuses such files before LibCST sees them (the
plugin then reports nothing for the file).  Deeper nesting of any other kind
(parentheses, calls, attributes, ``not``, lambdas) fails in Python's own
parser first, so flake8 never hands it to a plugin.

The same parser takes time quadratic in the length of a chain of subscripts:
``a[0][0]...`` 2,000 deep (Python accepts up to about 2,900) costs 15 s.  Lines
with hundreds of ``][`` are refused too.
"""

from __future__ import annotations

import ast
import gc
import re
from contextlib import contextmanager
from typing import Iterator

# Far below the ~10,000 operands that crash LibCST on an 8 MB stack, so that
# threads with smaller stacks (editors, language servers) are safe too.
MAX_BOOL_OPERANDS = 500
_BOOL_WORD = re.compile(r"\b(?:and|or)\b")
MAX_SUBSCRIPT_CHAIN = 200  # 0.06 s of parsing at 250
# Analysis takes about 1 GB of memory per MB of source (LibCST's tree and what is
# computed on it): a bigger file is not analysed, and the user is told.
MAX_SOURCE_CHARS = 2_000_000  # about 1.3 GB of memory at most


class TooComplex(ValueError):
    """The file has a construct LibCST's parser cannot take safely, or is too big to analyse."""


def check_parsable(source: str) -> None:
    """Raise ``TooComplex`` if LibCST's parser could crash or crawl on ``source``, or the
    analysis would take more memory than a linter should."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TooComplex(f"{len(source):,} characters, over the {MAX_SOURCE_CHARS:,} that are analysed")
    if source.count("][") >= MAX_SUBSCRIPT_CHAIN:
        for number, line in enumerate(source.splitlines(), 1):
            if line.count("][") >= MAX_SUBSCRIPT_CHAIN:
                raise TooComplex(f"line {number}: a chain of {line.count('][')} subscripts")
    # Two cheap text tests first: almost every file stops here.
    if source.count("and") + source.count("or") < MAX_BOOL_OPERANDS:
        return
    if len(_BOOL_WORD.findall(source)) < MAX_BOOL_OPERANDS:
        return
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise TooComplex(f"Python cannot parse it either: {error!r}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOL_OPERANDS:
            raise TooComplex(f"line {node.lineno}: {len(node.values)} operands of and/or in one expression")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a tree is built and read.

    A LibCST parse allocates hundreds of thousands of objects and none of them
    is garbage until the analysis ends; the collector's full passes over an
    ever larger heap made parsing a 20k-line file 1.6x slower than it needs to be.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
