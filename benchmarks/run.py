"""How much flake8-losslint adds to a flake8 run.

    python benchmarks/run.py            # samples of ~60k lines each, 5 runs
    python benchmarks/run.py --full     # the whole corpora (slow)

Two corpora:

(a) no ML imports: a fixed sample of the installed standard library (every
    k-th file, sorted by path, tests excluded);
(b) ML code: a fixed sample of the installed Keras and TensorFlow Python
    sources (from ``--ml-site-packages``, by default /work/tfvenv or this
    interpreter's site-packages) plus every bundled fixture.

For each corpus, flake8 runs ``-j 1 --isolated`` alternately with the plugin
(``python -m flake8``) and without it (``flake8_without_plugin.py``: the same
flake8 with our entry point removed from plugin discovery; ``--select`` would
not do, it filters output and saves no work).  It prints the medians, the
ratio plugin-on / plugin-off, and the plugin's own time measured in process
(the flake8 class's ``run`` on each file), per file and per 1,000 lines.

Times are CPU seconds of the flake8 process (user + system): on a shared
machine they move far less than wall-clock time, which is printed beside them.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import time
import tokenize
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WITHOUT = HERE / "flake8_without_plugin.py"
TARGETS = {"no-ML": 0.03, "ML": 0.50}


def _lines(path: str) -> int:
    with open(path, "rb") as handle:
        return handle.read().count(b"\n")


def _sample(files: Sequence[str], target_lines: int) -> List[str]:
    """Every k-th file of a sorted list, k chosen to give about ``target_lines``."""
    files = sorted(files)
    if target_lines <= 0:
        return list(files)
    total = sum(_lines(f) for f in files)
    step = max(1, round(total / target_lines))
    return files[::step]


def stdlib_files() -> List[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages", "test", "tests", "idle_test", "lib2to3"}
    found = []
    for path in stdlib.rglob("*.py"):
        parts = set(path.relative_to(stdlib).parts[:-1])
        if parts & skip:
            continue
        found.append(str(path))
    return found


def default_ml_site_packages() -> str:
    candidates = sorted(glob.glob("/work/tfvenv/lib/python3*/site-packages"))
    if candidates:
        return candidates[-1]
    return sysconfig.get_paths()["purelib"]


def ml_files(site_packages: str) -> List[str]:
    found = []
    for package in ("keras", "tensorflow"):
        found.extend(glob.glob(os.path.join(site_packages, package, "**", "*.py"), recursive=True))
    return found


def fixture_files() -> List[str]:
    # NAME.fixed.py is what `losslint fix` makes of NAME.py: not part of the corpus the README measured.
    return sorted(str(p) for p in (ROOT / "fixtures").rglob("*.py") if not p.stem.endswith(".fixed"))


def _run(command: List[str]) -> Tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def flake8_command(plugin: bool) -> List[str]:
    head = [sys.executable, "-m", "flake8"] if plugin else [sys.executable, str(WITHOUT)]
    return head + ["-j", "1", "--isolated", "--exit-zero"]


def check_switch() -> None:
    """The plugin really is on in one command and off in the other."""
    on = subprocess.run(flake8_command(True) + ["--version"], capture_output=True, text=True).stdout
    off = subprocess.run(flake8_command(False) + ["--version"], capture_output=True, text=True).stdout
    if "flake8-losslint" not in on:
        sys.exit(f"flake8-losslint is not installed in {sys.executable}: {on!r}")
    if "flake8-losslint" in off:
        sys.exit(f"could not disable flake8-losslint: {off!r}")
    fixture = str(ROOT / "fixtures" / "LL101" / "sequential_loss_variable.py")
    found_on, found_off = (
        subprocess.run(flake8_command(plugin) + ["--select", "LL", fixture], capture_output=True, text=True)
        for plugin in (True, False)
    )
    if " LL101 " not in found_on.stdout or found_off.stdout.strip():
        sys.exit("the on/off switch does not behave: " + found_on.stdout + found_off.stdout)


def plugin_time(files: Sequence[str], runs: int) -> Tuple[float, int]:
    """Median CPU seconds of the flake8 class's ``run`` over ``files`` in this
    process (lines read the way flake8 reads them), and how many files it parsed."""
    from flake8_losslint.plugin import LossLintChecker
    from flake8_losslint.source.prefilter import worth_parsing

    sources: List[List[str]] = []
    for path in files:
        with tokenize.open(path) as handle:
            sources.append(handle.readlines())
    parsed = sum(1 for lines in sources if worth_parsing("".join(lines)))
    totals = []
    for _ in range(runs):
        start = time.process_time()
        for path, lines in zip(files, sources):
            for _finding in LossLintChecker(None, lines, path).run():
                pass
        totals.append(time.process_time() - start)
    return statistics.median(totals), parsed


def measure(name: str, files: Sequence[str], runs: int) -> Dict[str, Any]:
    lines = sum(_lines(f) for f in files)
    print(f"\n[{name}] {len(files)} files, {lines} lines; {runs} runs each way", flush=True)
    on_cpu, off_cpu, on_wall, off_wall = [], [], [], []
    for index in range(runs):
        for plugin in ((True, False) if index % 2 == 0 else (False, True)):
            cpu, wall = _run(flake8_command(plugin) + list(files))
            (on_cpu if plugin else off_cpu).append(cpu)
            (on_wall if plugin else off_wall).append(wall)
        print(f"  run {index + 1}: on {on_cpu[-1]:.2f}s  off {off_cpu[-1]:.2f}s (CPU)", flush=True)
    own, parsed = plugin_time(files, runs)
    result: Dict[str, Any] = {
        "files": len(files),
        "lines": lines,
        "parsed_files": parsed,
        "flake8_off_cpu_s": statistics.median(off_cpu),
        "flake8_on_cpu_s": statistics.median(on_cpu),
        "flake8_off_wall_s": statistics.median(off_wall),
        "flake8_on_wall_s": statistics.median(on_wall),
        "plugin_cpu_s": own,
    }
    result["ratio_cpu"] = result["flake8_on_cpu_s"] / result["flake8_off_cpu_s"]
    # Each on-run sits next to an off-run in time, under the same load from
    # whatever else the machine does: the median of these pairs is steadier.
    result["ratio_cpu_paired"] = statistics.median(on / off for on, off in zip(on_cpu, off_cpu))
    result["ratio_wall"] = result["flake8_on_wall_s"] / result["flake8_off_wall_s"]
    result["plugin_ms_per_file"] = 1000 * own / len(files)
    result["plugin_ms_per_1000_lines"] = 1000 * own / (lines / 1000)
    result["plugin_share_of_bare_flake8"] = own / result["flake8_off_cpu_s"]
    return result


def report(name: str, result: Dict[str, Any]) -> bool:
    target = TARGETS[name]
    ratio = result["ratio_cpu_paired"]
    ok = ratio <= 1 + target
    print(
        f"[{name}] {result['files']} files, {result['lines']} lines, "
        f"{result['parsed_files']} parsed by the plugin\n"
        f"  flake8 without plugin: {result['flake8_off_cpu_s']:.2f}s CPU "
        f"({result['flake8_off_wall_s']:.2f}s wall)\n"
        f"  flake8 with plugin:    {result['flake8_on_cpu_s']:.2f}s CPU "
        f"({result['flake8_on_wall_s']:.2f}s wall)\n"
        f"  ratio on/off:          {ratio:.3f} (median of paired runs, CPU; ratio of medians "
        f"{result['ratio_cpu']:.3f} CPU, {result['ratio_wall']:.3f} wall)  "
        f"target <= {1 + target:.2f}: {'met' if ok else 'MISSED'}\n"
        f"  plugin alone:          {result['plugin_cpu_s']:.2f}s = "
        f"{result['plugin_ms_per_file']:.2f} ms/file, "
        f"{result['plugin_ms_per_1000_lines']:.2f} ms per 1,000 lines "
        f"({100 * result['plugin_share_of_bare_flake8']:.1f}% of bare flake8)"
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs each way (median reported)")
    parser.add_argument("--lines", type=int, default=60_000, help="about this many lines per sample")
    parser.add_argument("--full", action="store_true", help="whole corpora, no sampling")
    parser.add_argument("--ml-site-packages", default=default_ml_site_packages())
    parser.add_argument("--only", choices=sorted(TARGETS), help="one corpus only")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    check_switch()
    target = 0 if args.full else args.lines
    corpora: Dict[str, List[str]] = {}
    if args.only in (None, "no-ML"):
        corpora["no-ML"] = _sample(stdlib_files(), target)
    if args.only in (None, "ML"):
        ml = ml_files(args.ml_site_packages)
        if not ml:
            print(f"no Keras/TensorFlow sources under {args.ml_site_packages}: fixtures only")
        corpora["ML"] = _sample(ml, target) + fixture_files()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, flake8 -j 1")
    results = {name: measure(name, files, args.runs) for name, files in corpora.items()}
    print()
    ok = all([report(name, result) for name, result in results.items()])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
