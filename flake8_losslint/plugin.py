"""The flake8 entry point: options, analyse, yield tuples.  Nothing else."""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import Any, Iterator, List, Sequence, Tuple

from . import __version__
from .engine import analyze


class LossLintChecker:
    name = "flake8-losslint"
    version = __version__

    debug = False
    runtime: Any = None  # flake8_losslint.runtime.Settings when --losslint-runtime is on

    def __init__(self, tree: Any, lines: Sequence[str], filename: str = "-") -> None:
        # ``tree`` makes this a tree plugin; we parse ``lines`` with LibCST
        # ourselves and never read the file (editors pipe buffers via stdin).
        self.lines = lines
        self.filename = filename

    @staticmethod
    def add_options(manager: Any) -> None:
        manager.add_option(
            "--losslint-debug",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="print the traceback when flake8-losslint fails on a file "
            "(by default such a file silently gets no LL findings)",
        )

        # Runtime mode (flake8_losslint/runtime/): confirm findings in TensorFlow.
        manager.add_option(
            "--losslint-runtime",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="confirm each finding by running the real loss in the installed TensorFlow on "
            "synthetic tensors (needs flake8-losslint[runtime]); refuted findings are dropped",
        )
        manager.add_option(
            "--losslint-runtime-verbose",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="with --losslint-runtime: also show refuted findings, and findings that were not checked",
        )
        manager.add_option(
            "--losslint-runtime-user-code",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="with --losslint-runtime: probes may run a user-defined loss function (only that "
            "function and its library imports, in a separate process with a timeout)",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls.debug = bool(getattr(options, "losslint_debug", False))
        cls.runtime = None
        if getattr(options, "losslint_runtime", False):
            from .runtime import Settings, precheck

            if precheck():
                cls.runtime = Settings(
                    verbose=bool(getattr(options, "losslint_runtime_verbose", False)),
                    user_code=bool(getattr(options, "losslint_runtime_user_code", False)),
                )

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        source = "".join(self.lines)
        try:
            reports = analyze(source, self.runtime)
        except Exception:  # noqa: BLE001 - a linter plugin must never abort flake8
            if self.debug:
                print(f"flake8-losslint: failed on {self.filename}", file=sys.stderr)
                traceback.print_exc()
            return
        for report in reports:
            yield report.line, report.col, report.text, type(self)


__all__: List[str] = ["LossLintChecker"]
