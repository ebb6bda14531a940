"""Small readers of LibCST nodes that every later stage needs: arguments, literals and source text."""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Optional, Union

import libcst as cst

_EMPTY = cst.Module(body=[])


def literal_value(node: Union[cst.SimpleString, cst.Integer, cst.Float]) -> Union[str, bytes, int, float]:
    """``node.evaluated_value``: LibCST compiles the text with ``ast.literal_eval`` on every
    read, and a file's literals are mostly the same few (``0``, ``1``, ``'relu'``: 74
    distinct texts among 7,355 reads on the training corpus), so short ones are memoised."""
    text = node.value
    return _short_literal(text) if len(text) <= _SHORT else ast.literal_eval(text)


_SHORT = 80  # a long string literal is not worth keeping alive between files


@lru_cache(maxsize=1024)
def _short_literal(text: str) -> Union[str, bytes, int, float]:
    return ast.literal_eval(text)  # always an immutable value, safe to share


def argument(call: cst.Call, index: int, *names: str) -> Optional[cst.Arg]:
    """The argument passed as keyword ``names`` or at positional ``index`` (-1: keyword only)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg
    if index < 0:
        return None
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            if arg.star:
                return None  # *args: positions are unknowable from here on
            continue
        if position == index:
            return arg
        position += 1
    return None


def source_text(node: cst.CSTNode, limit: int = 60) -> str:
    """A node's source on one line, shortened to ``limit`` characters, for messages."""
    text = " ".join(_EMPTY.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
