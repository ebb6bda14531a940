"""How much flake8-losslint adds to a flake8 run, and how fast ``losslint check`` is.

    python benchmarks/run.py                  # three corpora of ~45k lines, 5 rounds (~20 min on 2 busy CPUs)
    python benchmarks/run.py --only training --runs 9
    python benchmarks/run.py --tree           # losslint check vs flake8 -j auto on a 1,000-file tree

Three corpora, each about ``--lines`` lines:

- ``non-ML``: the installed standard library, every k-th file by sorted path
  (tests, idlelib's tests and lib2to3 left out);
- ``ML``: Keras's own sources, ``keras/src`` of the Keras that this interpreter
  imports, every k-th file, ``*_test.py`` left out;
- ``training``: training scripts written by ``training_corpus.py`` (the first
  files of the generated corpus until the lines are reached): what our users lint.

For each corpus, each round runs, one right after the other:

- flake8 alone: ``flake8_without_plugin.py -j 1 --isolated`` (our entry point
  dropped from flake8's plugin discovery; ``--select`` would only filter output);
- flake8 with the plugin, cold: ``python -m flake8 -j 1 --isolated`` with an
  empty cache directory;
- the same again, warm: a second run on the cache directory the cold run left;
- ``losslint check`` (``--jobs 1`` when it has that option), cold and then warm.

Rounds alternate the order (flake8 alone first, then last), and every ratio
is the median over rounds of (variant / flake8 alone) within the round: both
ran under the same load from whatever else the machine was doing.  Times are
CPU seconds (user + system) of the process and its children.

Caches: every command sees ``--cache-env`` (default ``FLAKE8_LOSSLINT_CACHE_DIR``)
and ``XDG_CACHE_HOME`` pointing into a fresh temporary directory, so nothing of
yours is read or written, and "cold" means an empty cache.  After each cold run
the files left in that directory are counted: none means there is no result
cache, and warm then equals cold up to noise.

Bytecode: the plugin's modules are compiled to bytecode first, as ``pip install``
does; a checkout installed in editable mode under ``PYTHONDONTWRITEBYTECODE``
would otherwise compile its sources again in every flake8 process (about 0.1 s
each), a cost no installed copy pays.

The plugin's cost per file is measured in real flake8 runs (``flake8_timed.py``
wraps the plugin's ``run``): median, p90 and maximum over files, the slowest
files, and the total as a share of bare flake8.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WITHOUT = HERE / "flake8_without_plugin.py"
TIMED = HERE / "flake8_timed.py"
sys.path.insert(0, str(HERE))

import training_corpus  # noqa: E402 - beside this file, not a package

CORPORA = ("non-ML", "ML", "training")
# Issue 15: ratios against bare flake8 on the same files, in the same run.
TARGETS: Dict[Tuple[str, str], float] = {
    ("non-ML", "flake8 cold"): 1.02,
    ("training", "flake8 cold"): 1.60,
    ("training", "flake8 warm"): 1.05,
}
VARIANTS = ("flake8 alone", "flake8 cold", "flake8 warm", "losslint cold", "losslint warm")


# -- corpora ------------------------------------------------------------------------------------------


def _lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return handle.read().count(b"\n")


def _every_kth(files: Sequence[Path], target_lines: int) -> List[Path]:
    """Every k-th file of a sorted list, k chosen to give about ``target_lines`` (all if 0)."""
    files = sorted(files)
    if target_lines <= 0 or not files:
        return list(files)
    total = sum(_lines(f) for f in files)
    return files[:: max(1, round(total / target_lines))]


def stdlib_files(target_lines: int) -> Tuple[Path, List[Path]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages", "test", "tests", "idle_test", "lib2to3"}
    found = [p for p in stdlib.rglob("*.py") if not set(p.relative_to(stdlib).parts[:-1]) & skip]
    return stdlib, _every_kth(found, target_lines)


def keras_dir() -> Optional[Path]:
    """``keras/src`` of the Keras this interpreter imports (found without importing it)."""
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        return None
    src = Path(list(spec.submodule_search_locations)[0]) / "src"
    return src if src.is_dir() else None


def keras_files(src: Path, target_lines: int) -> List[Path]:
    return _every_kth([p for p in src.rglob("*.py") if not p.name.endswith("_test.py")], target_lines)


def training_files(dest: Path, target_lines: int, full_count: int) -> List[Path]:
    """The first files of the generated corpus, until ``target_lines`` (or ``full_count`` files if 0)."""
    dest.mkdir(parents=True, exist_ok=True)
    written, lines, index = [], 0, 0
    while (lines < target_lines) if target_lines > 0 else (index < full_count):
        made = training_corpus.generate(index)
        path = dest / made.path
        path.parent.mkdir(exist_ok=True)
        path.write_text(made.source, encoding="utf-8")
        written.append(path)
        lines += made.source.count("\n")
        index += 1
    return written


# -- running ------------------------------------------------------------------------------------------


@dataclass
class Settings:
    cache_env: str
    scratch: Path
    losslint_jobs: List[str]  # ["--jobs", "1"] when losslint check has the option


def run(command: List[str], env: Dict[str, str]) -> Tuple[float, float]:
    """CPU seconds (user + system, children included) and wall seconds of one command.

    Exit status 2 is losslint's for "a file could not be read or parsed": the
    run still checked every other file, so it counts (and is said once)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode == 2 and "flake8_losslint" in command and not _said_errors:
        _said_errors.append(True)
        print("  note: losslint check reported files it could not check:\n    "
              + "\n    ".join(done.stderr.decode().strip().splitlines()[:5]), flush=True)
    elif done.returncode not in (0, 1):
        sys.exit(f"failed ({done.returncode}): {' '.join(command[:6])} ...\n{done.stderr.decode()[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


_said_errors: List[bool] = []


def fresh_cache(settings: Settings) -> Path:
    return Path(tempfile.mkdtemp(prefix="cache-", dir=settings.scratch))


def cache_env(settings: Settings, cache: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env[settings.cache_env] = str(cache)
    env["XDG_CACHE_HOME"] = str(cache)  # where a per-user cache would go by default: never the real one
    return env


def files_in(directory: Path) -> int:
    return sum(1 for p in directory.rglob("*") if p.is_file())


def flake8(plugin: bool, jobs: str = "1") -> List[str]:
    head = [sys.executable, "-m", "flake8"] if plugin else [sys.executable, str(WITHOUT)]
    return head + ["-j", jobs, "--isolated", "--exit-zero"]


def losslint(settings: Settings) -> List[str]:
    return [sys.executable, "-m", "flake8_losslint", "check", "--output-format", "concise"] + settings.losslint_jobs


def check_setup(settings: Settings) -> List[str]:
    """The plugin is on in one flake8 command and off in the other; losslint check runs.
    Returns losslint's ``--jobs 1`` when it has that option."""
    env = cache_env(settings, fresh_cache(settings))

    def output(command: List[str]) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        return subprocess.run(command, capture_output=True, text=True, env=env)

    on = output(flake8(True) + ["--version"]).stdout
    off = output(flake8(False) + ["--version"]).stdout
    if "flake8-losslint" not in on:
        sys.exit(f"flake8-losslint is not installed in {sys.executable}: {on!r}")
    if "flake8-losslint" in off:
        sys.exit(f"could not disable flake8-losslint: {off!r}")
    fixture = str(ROOT / "fixtures" / "LL101" / "sequential_loss_variable.py")
    found_on, found_off = (output(flake8(plugin) + ["--select", "LL", fixture]) for plugin in (True, False))
    if " LL101 " not in found_on.stdout or found_off.stdout.strip():
        sys.exit("the on/off switch does not behave: " + found_on.stdout + found_off.stdout)
    helptext = output([sys.executable, "-m", "flake8_losslint", "check", "--help"]).stdout
    checked = output([sys.executable, "-m", "flake8_losslint", "check", fixture])
    if " LL101 " not in checked.stdout:
        sys.exit("losslint check does not find the fixture's LL101: " + checked.stdout + checked.stderr)
    return ["--jobs", "1"] if "--jobs" in helptext else []


# -- one corpus ---------------------------------------------------------------------------------------


@dataclass
class CorpusResult:
    name: str
    root: Path
    files: List[Path]
    lines: int
    parsed: int  # files that pass the plugin's prefilter
    cpu: Dict[str, List[float]] = field(default_factory=lambda: {v: [] for v in VARIANTS})
    wall: Dict[str, List[float]] = field(default_factory=lambda: {v: [] for v in VARIANTS})
    cache_files: int = 0  # the most files a cold run left in its cache directory
    per_file: Dict[str, Any] = field(default_factory=dict)

    def median(self, variant: str) -> float:
        return statistics.median(self.cpu[variant])

    def ratio(self, variant: str) -> float:
        """Median over rounds of variant / flake8 alone, both from the same round."""
        return statistics.median(v / off for v, off in zip(self.cpu[variant], self.cpu["flake8 alone"]))


def count_parsed(files: Sequence[Path]) -> int:
    from flake8_losslint.source.prefilter import worth_parsing

    parsed = 0
    for path in files:
        with tokenize.open(path) as handle:
            parsed += worth_parsing(handle.read())
    return parsed


def measure(result: CorpusResult, runs: int, settings: Settings) -> None:
    files = [str(p) for p in result.files]
    commands: Dict[str, Callable[[], List[str]]] = {
        "flake8 alone": lambda: flake8(False),
        "flake8 cold": lambda: flake8(True),
        "losslint cold": lambda: losslint(settings),
    }
    for index in range(runs):
        # Cold before warm, always; flake8 alone first in even rounds, last in odd ones.
        order = ["flake8 alone", "flake8 cold", "losslint cold"]
        if index % 2:
            order.reverse()
        for variant in order:
            cache = fresh_cache(settings)
            env = cache_env(settings, cache)
            cpu, wall = run(commands[variant]() + files, env)
            result.cpu[variant].append(cpu)
            result.wall[variant].append(wall)
            if variant != "flake8 alone":
                result.cache_files = max(result.cache_files, files_in(cache))
                warm = variant.replace("cold", "warm")
                cpu, wall = run(commands[variant]() + files, env)
                result.cpu[warm].append(cpu)
                result.wall[warm].append(wall)
            shutil.rmtree(cache, ignore_errors=True)
        print(
            f"  round {index + 1}: "
            + "  ".join(f"{v} {result.cpu[v][-1]:.2f}s" for v in VARIANTS),
            flush=True,
        )


def per_file_costs(result: CorpusResult, runs: int, settings: Settings) -> None:
    """The plugin's CPU time on each file, in real flake8 runs: cold (empty cache) and warm."""
    cold: Dict[str, List[float]] = {}
    warm: Dict[str, List[float]] = {}
    findings: Dict[str, int] = {}
    imports: List[float] = []
    for _ in range(runs):
        cache = fresh_cache(settings)
        for times in (cold, warm):
            out = settings.scratch / "times.json"
            env = cache_env(settings, cache)
            env["LOSSLINT_BENCH_TIMES"] = str(out)
            run([sys.executable, str(TIMED), "-j", "1", "--isolated", "--exit-zero"] + [str(p) for p in result.files], env)
            data = json.loads(out.read_text())
            for path, (seconds, found) in data["files"].items():
                times.setdefault(path, []).append(seconds)
                findings[path] = found
            if times is cold:
                imports.append(data["import_s"])
        shutil.rmtree(cache, ignore_errors=True)

    def summary(times: Dict[str, List[float]]) -> Dict[str, Any]:
        per = sorted((statistics.median(v), k) for k, v in times.items())
        ms = [1000 * s for s, _ in per]
        return {
            "files": len(ms),
            "median_ms": statistics.median(ms) if ms else 0.0,
            "p90_ms": ms[min(len(ms) - 1, int(0.9 * len(ms)))] if ms else 0.0,
            "max_ms": ms[-1] if ms else 0.0,
            "total_s": sum(s for s, _ in per),
            "slowest": [
                {"file": str(Path(k).relative_to(result.root)), "lines": _lines(Path(k)), "ms": 1000 * s}
                for s, k in reversed(per[-5:])
            ],
        }

    result.per_file = {
        "cold": summary(cold),
        "warm": summary(warm),
        "import_s": statistics.median(imports) if imports else 0.0,
        "findings": sum(findings.values()),
        "files_with_findings": sum(1 for n in findings.values() if n),
    }


# -- the 1,000-file tree ------------------------------------------------------------------------------


def tree_mode(count: int, runs: int, settings: Settings) -> Dict[str, Any]:
    tree = settings.scratch / "tree"
    paths = training_files(tree, 0, count)
    lines = sum(_lines(p) for p in paths)
    digest = training_corpus.digest(paths, tree)
    print(f"\n[tree] {len(paths)} generated training files, {lines} lines (corpus digest {digest}), "
          f"{os.cpu_count()} CPUs; {runs} rounds, cold caches")
    variants = {
        "losslint check": [sys.executable, "-m", "flake8_losslint", "check", str(tree)],
        "flake8 -j auto + plugin": flake8(True, "auto") + [str(tree)],
    }
    wall: Dict[str, List[float]] = {v: [] for v in variants}
    cpu: Dict[str, List[float]] = {v: [] for v in variants}
    loads = [os.getloadavg()[0]]
    for index in range(runs):
        order = list(variants) if index % 2 == 0 else list(reversed(list(variants)))
        for variant in order:
            cache = fresh_cache(settings)
            c, w = run(variants[variant], cache_env(settings, cache))
            shutil.rmtree(cache, ignore_errors=True)
            cpu[variant].append(c)
            wall[variant].append(w)
        loads.append(os.getloadavg()[0])
        print("  round " + str(index + 1) + ": " + "  ".join(f"{v} {wall[v][-1]:.1f}s wall" for v in variants)
              + f"  (load average {loads[-1]:.1f})", flush=True)
    ratio = statistics.median(a / b for a, b in zip(wall["losslint check"], wall["flake8 -j auto + plugin"]))
    print(f"\n[tree] {len(paths)} files, {lines} lines")
    for variant in variants:
        print(f"  {variant:<24} {statistics.median(wall[variant]):7.1f} s wall  "
              f"{statistics.median(cpu[variant]):7.1f} s CPU (medians)")
    ok = ratio < 1.0
    print(f"  losslint / flake8 wall:  {ratio:.2f}  (target < 1.00, faster than flake8 -j auto): "
          f"{'met' if ok else 'MISSED'}")
    cpus = os.cpu_count() or 1
    busiest = max(loads)
    if busiest > cpus / 2:
        # Wall time on a shared machine measures the other jobs too: flake8's workers
        # only gain from the cores that nothing else is using.
        parallel = bool(settings.losslint_jobs)
        own = statistics.median(cpu["losslint check"]) / (cpus if parallel else 1)
        print(f"  caution: load average up to {busiest:.1f} on {cpus} CPUs during the runs, so the wall times "
              f"measure the other jobs too.\n  On idle cores a run would take about its CPU time divided by the "
              f"cores it uses: flake8 -j auto ~{statistics.median(cpu['flake8 -j auto + plugin']) / cpus:.0f} s, "
              f"losslint check ~{own:.0f} s ({'all cores' if parallel else 'one process: it has no --jobs option'})")
    return {"files": len(paths), "lines": lines, "digest": digest, "wall": wall, "cpu": cpu,
            "ratio_wall": ratio, "met": ok, "load_average": loads}


# -- report -------------------------------------------------------------------------------------------


def target_text(name: str, variant: str, ratio: float) -> Tuple[str, Optional[bool]]:
    target = TARGETS.get((name, variant))
    if target is None:
        return "", None
    ok = ratio <= target
    return f" (target <= {target:.2f}: {'met' if ok else 'MISSED'})", ok


def report(result: CorpusResult, settings: Settings) -> List[bool]:
    met: List[bool] = []
    print(f"\n[{result.name}] {len(result.files)} files, {result.lines} lines, "
          f"{result.parsed} pass the plugin's prefilter")
    print(f"  flake8 alone          {result.median('flake8 alone'):7.2f} s CPU (median)")
    for variant in VARIANTS[1:]:
        text, ok = target_text(result.name, variant, result.ratio(variant))
        if ok is not None:
            met.append(ok)
        label = {"flake8 cold": "flake8 + plugin, cold", "flake8 warm": "flake8 + plugin, warm",
                 "losslint cold": "losslint check, cold", "losslint warm": "losslint check, warm"}[variant]
        print(f"  {label:<21} {result.median(variant):7.2f} s CPU  x{result.ratio(variant):.3f} of flake8 alone{text}")
    if result.cache_files:
        print(f"  cache: a cold run left {result.cache_files} files in ${settings.cache_env}")
    else:
        print(f"  cache: the cold runs left nothing in ${settings.cache_env} (no result cache): warm == cold up to noise")
    pf = result.per_file
    if pf:
        cold = pf["cold"]
        base = result.median("flake8 alone")
        # The analysis (LibCST with it) is imported only when some file passes the prefilter.
        imported = pf["import_s"] if result.parsed else 0.0
        share = (cold["total_s"] + imported) / base if base else 0.0
        print(f"  plugin per file, cold: median {cold['median_ms']:.2f} ms, p90 {cold['p90_ms']:.2f} ms, "
              f"max {cold['max_ms']:.1f} ms; total {cold['total_s']:.2f} s + {imported:.2f} s import once "
              f"= {100 * share:.0f}% of flake8 alone")
        warm = pf["warm"]
        print(f"  plugin per file, warm: median {warm['median_ms']:.2f} ms, p90 {warm['p90_ms']:.2f} ms, "
              f"max {warm['max_ms']:.1f} ms; total {warm['total_s']:.2f} s")
        print(f"  findings: {pf['findings']} in {pf['files_with_findings']} files")
        print("  slowest files (cold): " + "; ".join(
            f"{s['file']} ({s['lines']} lines) {s['ms']:.1f} ms" for s in cold["slowest"]))
    return met


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds per corpus (medians reported)")
    parser.add_argument("--lines", type=int, default=45_000, help="about this many lines per corpus")
    parser.add_argument("--full", action="store_true",
                        help="whole corpora: the whole standard library and keras/src, 1,000 training files")
    parser.add_argument("--only", type=lambda s: s.split(","), default=list(CORPORA),
                        help="comma-separated corpora out of " + ",".join(CORPORA))
    parser.add_argument("--per-file-runs", type=int, default=3, help="flake8 runs for the per-file costs (0: none)")
    parser.add_argument("--cache-env", default="FLAKE8_LOSSLINT_CACHE_DIR",
                        help="the environment variable that names the plugin's cache directory")
    parser.add_argument("--tree", action="store_true",
                        help="only: losslint check vs flake8 -j auto (with the plugin) on a tree of generated files")
    parser.add_argument("--tree-files", type=int, default=1000)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR (kept) instead of a temporary directory: the generated corpora stay there")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(CORPORA)
    if unknown:
        parser.error(f"unknown corpus {sorted(unknown)}: choose from {','.join(CORPORA)}")

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="losslint-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    settings = Settings(args.cache_env, scratch, [])
    try:
        settings.losslint_jobs = check_setup(settings)
        return _main(args, settings)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


def _versions() -> str:
    from importlib.metadata import version

    found = []
    for dist in ("flake8", "flake8-losslint", "libcst", "keras"):
        try:
            found.append(f"{dist} {version(dist)}")
        except Exception:  # noqa: BLE001 - a version we cannot read is left out, not fatal
            continue
    return ", ".join(found)


def compile_plugin() -> None:
    """Compile the installed plugin's modules to bytecode, as ``pip install`` does."""
    spec = importlib.util.find_spec("flake8_losslint")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def _main(args: argparse.Namespace, settings: Settings) -> int:
    compile_plugin()
    print(f"python {sys.version.split()[0]}, {_versions()}, {os.cpu_count()} CPUs; "
          f"losslint check {' '.join(settings.losslint_jobs) or '(no --jobs option)'}")
    if args.tree:
        figures = tree_mode(args.tree_files, args.runs, settings)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        return 0 if figures["met"] else 1

    target = 0 if args.full else args.lines
    results: List[CorpusResult] = []
    for name in CORPORA:
        if name not in args.only:
            continue
        if name == "non-ML":
            root, files = stdlib_files(target)
        elif name == "ML":
            src = keras_dir()
            if src is None:
                print("[ML] Keras is not installed for this interpreter: corpus skipped")
                continue
            root, files = src, keras_files(src, target)
        else:
            root = settings.scratch / "training"
            files = training_files(root, target, 1000)
        result = CorpusResult(name, root, files, sum(_lines(p) for p in files), count_parsed(files))
        extra = f", corpus digest {training_corpus.digest(files, root)}" if name == "training" else ""
        print(f"\n[{name}] {len(files)} files, {result.lines} lines from {root}{extra}; {args.runs} rounds", flush=True)
        measure(result, args.runs, settings)
        if args.per_file_runs:
            per_file_costs(result, args.per_file_runs, settings)
        results.append(result)

    met: List[bool] = []
    for result in results:
        met.extend(report(result, settings))
    if args.json:
        figures = {
            r.name: {
                "files": len(r.files), "lines": r.lines, "parsed": r.parsed, "cpu_s": r.cpu, "wall_s": r.wall,
                "ratios": {v: r.ratio(v) for v in VARIANTS[1:]}, "cache_files": r.cache_files, "per_file": r.per_file,
            }
            for r in results
        }
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
