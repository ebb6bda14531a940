"""Which files a run checks: those named, and the Python files and notebooks under the
directories named, less the excluded ones.

Exclusion is flake8's (``flake8.utils.matches_filename``): a pattern matches a file or
directory by its name, or by its absolute path (patterns with a ``/`` are made
absolute against the folder of the configuration file that set them).  A path named on
the command line is excluded when it matches, as in flake8; with ``--force-exclude``
(ruff's name, what pre-commit needs, since it names every file) it is also excluded
when one of the folders it is written under matches (``build/gen.py`` under
``exclude = build``).  Standard input is matched by its ``--stdin-filename``.

Walking a directory never follows a symbolic link: linked directories are not entered
(as in flake8), and linked files are skipped, so that ``losslint fix DIR`` cannot
rewrite a file outside the tree through a link.  A link named on the command line is
checked (and fixed: the file it points to is written).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterator, Sequence

from flake8 import utils as flake8_utils

SUFFIXES = (".py", ".ipynb")
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    path: str  # "-" for standard input
    named: bool  # given on the command line (not found by walking a directory)


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    return flake8_utils.matches_filename(path, patterns=patterns, log_message="%(path)s %(whether)sexcluded",
                                         logger=_LOG)


def _named_excluded(path: str, patterns: Sequence[str], force: bool) -> bool:
    if _excluded(path, patterns):
        return True
    if not force:
        return False
    shown = path
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if relative.startswith(".."):
            return False  # outside the current directory: only the path itself counts
        shown = relative
    folder = os.path.dirname(os.path.normpath(shown))
    while folder and folder not in (".", os.sep):
        if _excluded(folder, patterns):
            return True
        folder = os.path.dirname(folder)
    return False


def discover(
    paths: Sequence[str], exclude: Sequence[str], force_exclude: bool = False, stdin_name: str = "stdin"
) -> Iterator[Found]:
    for path in paths:
        if path == "-":
            # flake8: standard input under the default name is always checked.
            if stdin_name == "stdin" or not _named_excluded(stdin_name, exclude, force_exclude):
                yield Found(path, True)
            continue
        if _named_excluded(path, exclude, force_exclude):
            continue
        if not os.path.isdir(path):
            yield Found(path, True)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _excluded(os.path.join(root, d), exclude))
            for name in sorted(files):
                if not name.endswith(SUFFIXES):
                    continue
                joined = os.path.join(root, name)
                if os.path.islink(joined) or _excluded(joined, exclude):
                    continue
                yield Found(joined, False)
