"""``python flake8_timed.py ARGS``: flake8 as installed, timing flake8-losslint on each file.

The plugin's ``run`` is wrapped before flake8 loads it, so what is timed is
what flake8 really does: its options, the lines and tree it hands the plugin,
whatever cache the plugin keeps.  Run it with ``-j 1`` (the times are kept in
this process).  On exit it writes JSON to the file named by
``LOSSLINT_BENCH_TIMES``:

    {"import_s": ..., "files": {path: [cpu_seconds, findings], ...}}

``import_s`` is the CPU time of importing the plugin's analysis (LibCST with
it), done here before flake8 starts so that it is not charged to whichever
file happens to be the first one parsed: a real run pays it once per process,
and only when some file passes the prefilter.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import sys
import time
from typing import Any, Dict, List

from flake8.main.cli import main

from flake8_losslint.plugin import LossLintChecker

_times: Dict[str, List[Any]] = {}
_original_run = LossLintChecker.run


def _timed_run(self):  # type: ignore[no-untyped-def]
    start = time.process_time()
    results = list(_original_run(self))
    elapsed = time.process_time() - start
    _times[self.filename] = [elapsed, len(results)]
    yield from results


def _import_time() -> float:
    start = time.process_time()
    try:
        importlib.import_module("flake8_losslint.engine")
    except ImportError:  # a version without that module: the first parsed file pays instead
        return 0.0
    return time.process_time() - start


def _write(path: str, import_s: float) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"import_s": import_s, "files": _times}, handle)


if __name__ == "__main__":
    target = os.environ["LOSSLINT_BENCH_TIMES"]
    import_s = _import_time()
    LossLintChecker.run = _timed_run  # type: ignore[method-assign]
    atexit.register(_write, target, import_s)
    sys.exit(main())
