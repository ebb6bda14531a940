"""Text from TensorFlow, from a cache file or from a user's loss, made safe to print.

Evidence ends up on a terminal and in an editor's problem list, one finding
per line.  An exception message can hold anything (a user-defined loss picks
its own), so whatever is shown passes through ``one_line``: no line breaks,
no escape sequences or other control characters, bounded length.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final byte) and OSC (ESC ] ... BEL or ESC \) sequences, and any other ESC pair.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?|\x9b[0-?]*[ -/]*[@-~]")

LIMIT = 300


def one_line(text: str, limit: int = LIMIT) -> str:
    """``text`` as one line of printable characters, at most ``limit`` long."""
    text = _ESCAPES.sub("", str(text))
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text
