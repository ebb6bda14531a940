"""The flake8 entry point: options, analyse, yield tuples.  Nothing else."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Any, Iterator, List, Optional, Sequence, Tuple

from . import __version__
from .options import add_flake8_options, runtime_settings, target_of
from .source.guard import TooComplex
from .source.prefilter import worth_parsing


class LossLintChecker:
    name = "flake8-losslint"
    version = __version__

    debug = False
    runtime: Any = None  # flake8_losslint.runtime.Settings when --losslint-runtime is on
    target: Any = None  # source.target.Target from --losslint-target-version
    cache = True  # --losslint-no-cache turns it off

    def __init__(self, tree: Any, lines: Sequence[str], filename: str = "-") -> None:
        # ``tree``, Python's own parse, screens the file cheaply (engine.screen); a
        # file with findings is parsed from ``lines`` with LibCST.  The file is never
        # read from disk (editors pipe buffers via stdin).
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @staticmethod
    def add_options(manager: Any) -> None:
        add_flake8_options(manager)  # declared once in options.py, shared with the CLI

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls.debug = bool(getattr(options, "losslint_debug", False))
        cls.runtime = runtime_settings(options)
        cls.target = target_of(options)
        cls.cache = not getattr(options, "losslint_no_cache", False)

    def _path(self) -> Optional[str]:
        """The file on disk, for following imports of its sibling modules (None for stdin)."""
        if self.filename in ("-", "stdin") or not os.path.isfile(self.filename):
            return None
        return self.filename

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        source = "".join(self.lines)
        if not worth_parsing(source):
            return  # before importing LibCST: a run over files without ML code never pays for it
        path = self._path()
        slot = None
        if self.cache and self.runtime is None:  # runtime evidence has a cache of its own
            from .resultcache import Slot

            slot = Slot("flake8", path, source, {}, self.target)
            kept = slot.load()
            if kept is not None and all(_is_row(row) for row in kept):
                for line, col, text in kept:
                    yield line, col, text, type(self)
                return
        try:
            from .engine import analyze_file  # imports LibCST (about 0.3 s), once per process

            analysis = analyze_file(source, self.runtime, path=path, target=self.target, tree=self.tree)
        except TooComplex as error:
            # Say so, once for the file: its LL findings are not silently missing.
            print(f"flake8-losslint: {self.filename} not checked: {error}", file=sys.stderr)
            return
        except Exception:  # noqa: BLE001 - a linter plugin must never abort flake8
            if self.debug:
                print(f"flake8-losslint: failed on {self.filename}", file=sys.stderr)
                traceback.print_exc()
            return
        rows = [(report.line, report.col, report.text) for report in analysis.reports]
        if slot is not None:
            slot.store([list(row) for row in rows], analysis.reads)
        for line, col, text in rows:
            yield line, col, text, type(self)


def _is_row(row: Any) -> bool:
    return (
        isinstance(row, list)
        and len(row) == 3
        and type(row[0]) is int
        and type(row[1]) is int
        and isinstance(row[2], str)
    )


__all__: List[str] = ["LossLintChecker"]
