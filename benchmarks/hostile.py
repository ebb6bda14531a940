"""Time and memory of each hostile file (``tests/hostile_inputs.py``) under ``flake8
--select LL`` and ``losslint check``/``losslint fix``, each run in its own process, with
bounds: the script exits 1 when a run takes longer or more memory than allowed.

    python benchmarks/hostile.py [--seconds 30] [--megabytes 1500] [--only NAME,...]

Run from the repository root.  Bounds are checked here, by a script run on purpose,
rather than by timing assertions in the test suite (a shared CI machine is no clock).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_inputs import CASES  # noqa: E402

# Runs the command as its child and reports the child's wall time and peak memory.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
)


def measure(command: list, cwd: Path) -> tuple:
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds, kilobytes, code = out.stdout.split()
    return float(seconds), int(kilobytes) / 1024, int(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="time allowed per run")
    parser.add_argument("--megabytes", type=float, default=1500.0, help="peak memory allowed per run")
    parser.add_argument("--only", type=lambda s: s.split(","), default=None, help="case names")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    rows = []
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for case in CASES:
            if args.only and case.name not in args.only:
                continue
            (work / case.name).write_bytes(case.make())
            runs = {
                "flake8": [sys.executable, "-m", "flake8", "--isolated", "--select", "LL", case.name],
                "check": [sys.executable, "-m", "flake8_losslint", "check", "--isolated", case.name],
                "fix": [sys.executable, "-m", "flake8_losslint", "fix", "--isolated", "--diff", case.name],
            }
            for name, command in runs.items():
                seconds, megabytes, code = measure(command, work)
                within = seconds <= args.seconds and megabytes <= args.megabytes and code in (0, 1, 2)
                failed |= not within
                rows.append({"case": case.name, "run": name, "seconds": round(seconds, 2),
                             "megabytes": round(megabytes), "exit": code, "within": within})
                if not args.json:
                    mark = "ok " if within else "OVER"
                    print(f"{mark} {case.name:28} {name:7} {seconds:7.2f} s {megabytes:7.0f} MB  exit {code}")
    if args.json:
        print(json.dumps(rows, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
