"""Where the plugin's time goes, stage by stage, on the generated training scripts.

    python benchmarks/profile_plugin.py [--lines 45000] [--runs 3] [--cprofile 30]

Runs the flake8 class (``LossLintChecker(tree, lines, filename).run()``, the
lines read as flake8 reads them) over the training corpus of ``run.py`` and
splits its CPU time into stages by wrapping the functions that start each one:

    prefilter   source.prefilter.worth_parsing (both calls: plugin and engine)
    guard       engine.check_parsable
    convert     syntax.from_ast.convert as the engine calls it (the screen's tree, from ast)
    parse       syntax.parse.parse_module as the engine calls it (LibCST's parse: files
                the screen finds something in, or cannot build)
    collect     facts.extract.collect (the one pass over the tree)
    evaluate    the rest of facts.extract.extract: the Keras, PyTorch and label extractors
    custom      facts.extract.custom_losses.extract (custom losses)
    labels      facts.extract.labels.extract (label flow)
    rules       engine.run_rules
    positions   syntax.positions.Positions.span (code generation noting the wanted nodes)
    other       what the plugin's run costs beyond these (reports, sorting, the generator)

Stage totals are medians over ``--runs`` passes; a wrapper costs a few
microseconds per call, nothing next to the stages.  Then one pass under
cProfile lists the functions with the most time of their own (cProfile slows
Python code much more than LibCST's native parser: read its table for what
is expensive inside a stage, the stage table for the shares).
"""

from __future__ import annotations

import argparse
import os
import ast
import cProfile
import importlib
import io
import pstats
import statistics
import sys
import tempfile
import time
import tokenize
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402 - beside this file
import training_corpus  # noqa: E402

STAGES = ("prefilter", "guard", "convert", "parse", "collect", "evaluate", "custom", "labels", "rules", "positions", "other")


class Stages:
    """CPU seconds per stage; nested stages are subtracted from the stage around them."""

    def __init__(self) -> None:
        self.totals: Dict[str, float] = {name: 0.0 for name in STAGES}
        self.calls: Dict[str, int] = {name: 0 for name in STAGES}
        self._stack: List[List[Any]] = []  # [stage, start, time of nested stages]

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._stack.append([name, time.process_time(), 0.0])
        try:
            yield
        finally:
            stage, start, nested = self._stack.pop()
            elapsed = time.process_time() - start
            self.totals[stage] += elapsed - nested
            self.calls[stage] += 1
            if self._stack:
                self._stack[-1][2] += elapsed

    def wrap(self, name: str, func: Callable[..., Any], materialize: bool = False) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                result = func(*args, **kwargs)
                return list(result) if materialize else result

        return timed


def instrument(stages: Stages) -> Callable[[], None]:
    """Wrap each stage's entry point where its caller looks it up; return what undoes it."""
    engine = importlib.import_module("flake8_losslint.engine")
    extract = importlib.import_module("flake8_losslint.facts.extract")
    custom = importlib.import_module("flake8_losslint.facts.extract.custom_losses")
    labels = importlib.import_module("flake8_losslint.facts.extract.labels")
    positions = importlib.import_module("flake8_losslint.syntax.positions")
    plugin = importlib.import_module("flake8_losslint.plugin")

    targets = [
        (plugin, "worth_parsing", "prefilter", False),
        (engine, "worth_parsing", "prefilter", False),
        (engine, "check_parsable", "guard", False),
        (engine, "convert", "convert", False),
        (engine, "parse_module", "parse", False),
        (engine, "extract", "evaluate", False),  # minus the stages nested in it
        (extract, "collect", "collect", False),
        (custom, "extract", "custom", False),
        (labels, "extract", "labels", False),
        (engine, "run_rules", "rules", True),
        (positions.Positions, "span", "positions", False),
    ]
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _, _ in targets]
    for owner, attr, name, materialize in targets:
        setattr(owner, attr, stages.wrap(name, getattr(owner, attr), materialize))

    def undo() -> None:
        for owner, attr, original in originals:
            setattr(owner, attr, original)

    return undo


def read(files: List[Path]) -> List[Tuple[str, List[str], ast.AST]]:
    """Each file as flake8 hands it to a plugin: its name, its lines and its ``ast`` tree."""
    out = []
    for path in files:
        with tokenize.open(path) as handle:
            lines = handle.readlines()
        out.append((str(path), lines, ast.parse("".join(lines))))
    return out


def one_pass(checker: Any, sources: List[Tuple[str, List[str], ast.AST]], stages: Stages) -> float:
    start = time.process_time()
    for name, lines, tree in sources:
        with stages.stage("other"):
            for _ in checker(tree, lines, name).run():
                pass
    return time.process_time() - start


def main() -> int:
    os.environ["FLAKE8_LOSSLINT_NO_CACHE"] = "1"  # the cold path: every file analysed
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=45_000, help="corpus size, as in run.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cprofile", type=int, default=30, metavar="N", help="functions listed from cProfile")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="losslint-profile-") as scratch:
        root = Path(scratch) / "training"
        files = bench.training_files(root, args.lines, 0)
        lines = sum(bench._lines(p) for p in files)
        print(f"{len(files)} training files, {lines} lines, corpus digest {training_corpus.digest(files, root)}")
        bare = statistics.median(
            bench.run(bench.flake8(False) + [str(p) for p in files], dict(bench.os.environ))[0] for _ in range(3)
        )
        sources = read(files)

        start = time.process_time()
        import flake8_losslint.engine  # noqa: F401 - the import a real run pays once

        imported = time.process_time() - start
        from flake8_losslint.plugin import LossLintChecker

        stages = Stages()
        undo = instrument(stages)
        one_pass(LossLintChecker, sources, stages)  # warm-up: lazy tables, first-call costs
        per_run: Dict[str, List[float]] = {name: [] for name in STAGES}
        totals = []
        for _ in range(args.runs):
            stages.totals = {name: 0.0 for name in STAGES}
            stages.calls = {name: 0 for name in STAGES}
            totals.append(one_pass(LossLintChecker, sources, stages))
            for name in STAGES:
                per_run[name].append(stages.totals[name])
        total = statistics.median(totals)
        undo()

        print(f"\nflake8 alone (-j 1, median of 3): {bare:.2f} s CPU;  plugin: {total:.2f} s "
              f"= {100 * total / bare:.0f}% of it, + {imported:.2f} s to import the analysis (LibCST) once\n")
        print("| stage | calls | CPU s | share of the plugin | ms per file | share of bare flake8 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name in STAGES:
            seconds = statistics.median(per_run[name])
            print(f"| {name} | {stages.calls[name]} | {seconds:.2f} | {100 * seconds / total:.1f}% "
                  f"| {1000 * seconds / len(files):.2f} | {100 * seconds / bare:.1f}% |")

        profiler = cProfile.Profile()
        profiler.enable()
        for name, lines_, tree in sources:
            for _ in LossLintChecker(tree, lines_, name).run():
                pass
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.cprofile)
        print("\ncProfile, one pass, by own time (tottime):")
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip())[:12000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
