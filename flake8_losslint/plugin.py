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

    def __init__(self, tree: Any, lines: Sequence[str], filename: str = "-") -> None:
        # ``tree`` makes this a tree plugin; we parse ``lines`` with LibCST
        # ourselves and never read the file (editors pipe buffers via stdin).
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

    def _path(self) -> Optional[str]:
        """The file on disk, for following imports of its sibling modules (None for stdin)."""
        if self.filename in ("-", "stdin") or not os.path.isfile(self.filename):
            return None
        return self.filename

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        source = "".join(self.lines)
        if not worth_parsing(source):
            return  # before importing LibCST: a run over files without ML code never pays for it
        try:
            from .engine import analyze  # imports LibCST (about 0.3 s), once per process

            reports = analyze(source, self.runtime, path=self._path(), target=self.target)
        except TooComplex as error:
            # Say so, once for the file: its LL findings are not silently missing.
            print(f"flake8-losslint: {self.filename} not checked: {error}", file=sys.stderr)
            return
        except Exception:  # noqa: BLE001 - a linter plugin must never abort flake8
            if self.debug:
                print(f"flake8-losslint: failed on {self.filename}", file=sys.stderr)
                traceback.print_exc()
            return
        for report in reports:
            yield report.line, report.col, report.text, type(self)


__all__: List[str] = ["LossLintChecker"]
