"""Cold and warm cost of runtime mode over the bundled fixtures.

    python benchmarks/runtime_bench.py [--repeat 3] [--jobs auto]

Runs real flake8 (``--select LL``) over ``fixtures/`` three ways and prints
wall-clock seconds and ratios against the static run:

- static: the plugin without ``--losslint-runtime``;
- cold:   ``--losslint-runtime`` with an empty cache: every flake8 job starts a
          worker, imports TensorFlow and runs each probe;
- warm:   the same again with the cache filled: no worker starts, no TensorFlow.

The cache lives in a temporary directory (``FLAKE8_LOSSLINT_CACHE_DIR``), so
your own cache is neither used nor touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def flake8(cache: str, jobs: str, *extra: str) -> float:
    env = dict(os.environ, FLAKE8_LOSSLINT_CACHE_DIR=cache)
    env.pop("FLAKE8_LOSSLINT_RUNTIME_NOTICE_SHOWN", None)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", "-j", jobs, *extra, str(FIXTURES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1) or result.stderr:
        sys.exit(f"flake8 failed:\n{result.stderr}")
    if "--losslint-runtime" in extra and ". TensorFlow " not in result.stdout:
        sys.exit("runtime mode confirmed nothing: is the runtime extra installed?")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default="auto", help="flake8 -j (default: auto)")
    args = parser.parse_args()

    files = len(list(FIXTURES.rglob("*.py")))
    static, cold, warm = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            static.append(flake8(cache, args.jobs))
            cold.append(flake8(cache, args.jobs, "--losslint-runtime"))
            warm.append(flake8(cache, args.jobs, "--losslint-runtime"))

    base = statistics.median(static)
    print(f"{files} fixture files, flake8 -j {args.jobs}, median of {args.repeat} runs")
    for name, times in (("static", static), ("runtime, cold cache", cold), ("runtime, warm cache", warm)):
        median = statistics.median(times)
        print(f"  {name:<22} {median:7.2f} s   x{median / base:6.2f} of static")


if __name__ == "__main__":
    main()
