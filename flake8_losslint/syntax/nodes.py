"""Small readers of LibCST nodes that every later stage needs: arguments and source text."""

from __future__ import annotations

from typing import Optional

import libcst as cst

_EMPTY = cst.Module(body=[])


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
