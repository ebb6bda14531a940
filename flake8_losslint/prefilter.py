"""The cheap text test that decides whether a file is worth parsing at all."""

from __future__ import annotations

import re

# An import of a library whose losses we check.  Files without one (the vast
# majority of any codebase) are never parsed.
_ML_IMPORT = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:tensorflow|keras|tf_keras|torch)\b", re.MULTILINE
)


def worth_parsing(source: str) -> bool:
    return _ML_IMPORT.search(source) is not None
