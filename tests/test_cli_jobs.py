"""`losslint check` in several processes, and its cache of findings.

The output of a run must not depend on how many processes checked the files, nor on
whether the findings came from the cache; a cache entry must never outlive a change
to the file, to a sibling module it read, or to the options.
"""

from __future__ import annotations

import io
import json
import shutil
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, List

import pytest

from flake8_losslint.cli import config as configuration
from flake8_losslint.cli import kept, pool, work
from flake8_losslint.cli.work import Job
from flake8_losslint.interp import project
from flake8_losslint.source import cachefiles

from .cli_run import losslint, run
from .conftest import FIXTURES

BUG = (FIXTURES / "LL101" / "sequential_loss_variable.py").read_text(encoding="utf-8")
FIXED = (FIXTURES / "LL101" / "sequential_loss_variable_ok.py").read_text(encoding="utf-8")
NOTEBOOK = next(FIXTURES.rglob("*.ipynb"))


@pytest.fixture
def analysed(monkeypatch) -> List[str]:
    """The sources `check` analysed from here on (in this process): each analysis starts
    with the screen, which hands a file with findings on to LibCST's parse."""
    seen: List[str] = []
    real = work.screen

    def counted(source: str, *args: Any):  # noqa: ANN202
        seen.append(source)
        return real(source, *args)

    monkeypatch.setattr(work, "screen", counted)
    return seen


def _tree(root: Path) -> Path:
    """A project of many files: findings, clean files, a syntax error, a notebook, a sibling import."""
    root.mkdir()
    for number in range(12):
        (root / f"bug_{number:02d}.py").write_text(BUG)
        (root / f"ok_{number:02d}.py").write_text(FIXED)
    (root / "broken.py").write_text("import keras\ndef loss(:\n")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    (root / "nets.py").write_text(
        "import keras\n\ndef build():\n    return keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
    )
    (root / "train.py").write_text(
        "import keras\nfrom nets import build\n\nmodel = build()\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
    )
    return root


@pytest.mark.parametrize("fmt", ["concise", "full", "json", "sarif"])
def test_the_output_is_the_same_in_one_process_or_several(tmp_path: Path, fmt: str) -> None:
    tree = _tree(tmp_path / "project")
    env = {cachefiles.ENV_OFF: "1"}
    one = losslint("check", "--jobs", "1", "--output-format", fmt, str(tree), env=env)
    several = losslint("check", "--jobs", "3", "--output-format", fmt, str(tree), env=env)
    assert one.returncode == several.returncode == 2  # broken.py was not checked
    assert one.stdout == several.stdout
    assert one.stderr == several.stderr
    if fmt == "concise":
        assert one.stdout.count(" LL101 ") == 13  # twelve copies, and train.py
        assert "train.py:5:" in one.stdout  # the finding that needs nets.py


def test_a_worker_that_dies_leaves_its_files_to_this_process(tmp_path: Path, monkeypatch) -> None:
    tree = _tree(tmp_path / "project")
    expected = run("check", "--jobs", "1", "--losslint-no-cache", str(tree))

    class Dying:
        def __init__(self, max_workers: int) -> None:
            pass

        def __enter__(self) -> "Dying":
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def map(self, fn, *iterables, chunksize: int = 1):  # noqa: ANN001,ANN201
            items = list(zip(*iterables))
            yield fn(*items[0])
            yield fn(*items[1])
            raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(pool, "ProcessPoolExecutor", Dying)
    survived = run("check", "--jobs", "2", "--losslint-no-cache", str(tree))
    assert survived == expected


def test_how_many_processes() -> None:
    job = Job()
    assert pool.workers_for(None, 1000, job) >= 1
    assert pool.workers_for(8, 1000, job) == 8
    assert pool.workers_for(8, 3, job) == 1  # a few files: one process
    assert pool.workers_for(8, 9, job) == 2
    assert pool.workers_for(1, 1000, job) == 1
    assert pool.workers_for(8, 1000, Job(runtime=object())) == 1


@pytest.mark.parametrize("value, expected", [("auto", None), (" AUTO ", None), ("3", 3), (3, 3), ("1", 1)])
def test_jobs_values(value: object, expected: object) -> None:
    assert configuration.jobs_value(value, "--jobs") == expected


@pytest.mark.parametrize("value", ["0", "-1", "many", 0, True, 2.5, ""])
def test_bad_jobs_values_are_errors(value: object) -> None:
    with pytest.raises(configuration.ConfigError, match="--jobs: expected"):
        configuration.jobs_value(value, "--jobs")


def test_jobs_from_each_configuration_file(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(BUG)
    (tmp_path / "setup.cfg").write_text("[flake8]\njobs = 0\n")
    said = run("check", "train.py", cwd=tmp_path)
    assert said.returncode == 2 and "setup.cfg [flake8] jobs: expected" in said.stderr
    (tmp_path / "setup.cfg").write_text("[flake8]\njobs = auto\n")
    assert run("check", "train.py", cwd=tmp_path).returncode == 1
    (tmp_path / "pyproject.toml").write_text("[tool.losslint]\njobs = \"x\"\n")
    said = run("check", "train.py", cwd=tmp_path)
    assert said.returncode == 2 and "pyproject.toml [tool.losslint] jobs: expected" in said.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.losslint]\njobs = 2\n")
    assert run("check", "train.py", cwd=tmp_path).returncode == 1
    said = run("check", "--jobs", "none", "train.py", cwd=tmp_path)
    assert said.returncode == 2 and "--jobs: expected" in said.stderr


# -- the cache ----------------------------------------------------------------------------------


def test_a_second_check_prints_the_same_without_parsing(tmp_path: Path, cache: Path, analysed: List[str]) -> None:
    tree = _tree(tmp_path / "project")
    for fmt in ("full", "json", "sarif"):
        fresh = run("check", "--jobs", "1", "--losslint-no-cache", "--output-format", fmt, str(tree))
        first = run("check", "--jobs", "1", "--output-format", fmt, str(tree))
        analysed.clear()
        second = run("check", "--jobs", "1", "--output-format", fmt, str(tree))
        assert first == fresh
        assert second == fresh
        assert analysed == [], "the second run reads every finding from the cache"


def test_the_cache_is_not_read_or_written_when_it_is_off(tmp_path: Path, cache: Path, analysed: List[str]) -> None:
    (tmp_path / "train.py").write_text(BUG)
    run("check", "--losslint-no-cache", str(tmp_path / "train.py"))
    run("check", "--losslint-no-cache", str(tmp_path / "train.py"))
    assert len(analysed) == 2
    assert not (cache / "results").exists() or not any((cache / "results").iterdir())
    run("check", str(tmp_path / "train.py"), env={cachefiles.ENV_OFF: "1"})
    assert len(analysed) == 3


def test_a_changed_file_is_analysed_again(tmp_path: Path, cache: Path, analysed: List[str]) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    assert " LL101 " in run("check", str(path)).stdout
    path.write_text(FIXED)
    again = run("check", str(path))
    assert again.returncode == 0 and " LL101 " not in again.stdout
    assert len(analysed) == 2


def test_a_changed_sibling_module_is_read_again(tmp_path: Path, cache: Path, analysed: List[str]) -> None:
    tree = _tree(tmp_path / "project")
    train = str(tree / "train.py")
    assert "train.py:5:" in run("check", "--output-format", "concise", train).stdout
    (tree / "nets.py").write_text(
        "import keras\n\ndef build():\n    return keras.Sequential([keras.layers.Dense(10)])\n"
    )
    project._PROCESS_SUMMARIES.clear()
    again = run("check", "--output-format", "concise", train)
    assert again.returncode == 0, again.stdout
    assert len(analysed) == 2


@pytest.mark.parametrize("flags", [("--select", "LL2"), ("--disable-noqa",), ("--output-format", "json"),
                                   ("--losslint-target-version", "tensorflow=1.15")])
def test_other_options_are_other_entries(tmp_path: Path, cache: Path, analysed: List[str], flags: tuple) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    run("check", str(path))
    run("check", *flags, str(path))
    assert len(analysed) == 2


def test_another_display_name_is_another_entry(tmp_path: Path, cache: Path, analysed: List[str]) -> None:
    (tmp_path / "train.py").write_text(BUG)
    first = run("check", "--output-format", "concise", "train.py", cwd=tmp_path)
    second = run("check", "--output-format", "concise", str(tmp_path / "train.py"), cwd=tmp_path)
    assert first.stdout.startswith("train.py:")
    assert second.stdout.startswith(str(tmp_path / "train.py") + ":")
    assert len(analysed) == 2


def test_fix_does_not_use_the_cache_of_check(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    run("check", str(path))
    fixed = run("fix", str(path))
    assert fixed.returncode == 0, fixed.stderr
    assert path.read_text() != BUG
    assert run("check", str(path)).returncode == 0


def test_a_corrupt_entry_is_a_miss(tmp_path: Path, cache: Path, analysed: List[str]) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    first = run("check", str(path))
    entries = list((cache / "results").glob("*.json"))
    assert len(entries) == 1
    entry = json.loads(entries[0].read_text())
    entry["findings"][0]["at"][1] = "five"
    entries[0].write_text(json.dumps(entry))
    assert run("check", str(path)) == first
    assert len(analysed) == 2


def test_kept_findings_read_back_exactly(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "project")
    job = Job(edits=True, cache=False)
    findings = []
    for path in sorted(tree.iterdir()):
        findings.extend(work.run_file(str(path), str(path), None, job).findings)
    assert any(f.related for f in findings) and any(f.edits for f in findings)
    assert any(f.cell is not None for f in findings) and any(f.file_line for f in findings)
    data = json.loads(json.dumps(kept.keep(findings)))
    restored = kept.restore(data)
    assert restored == findings
    assert [f.lines for f in restored] == [f.lines for f in findings]


@pytest.mark.parametrize("broken", [None, {}, [1], [{"at": []}], [{"at": ["p", 1, 1, "LL101", "m", None, None, None]}]])
def test_entries_not_as_written_read_as_none(broken: object) -> None:
    assert kept.restore(broken) is None


# -- progress -----------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_after_a_while_and_cleared(monkeypatch) -> None:
    monkeypatch.delenv("TERM", raising=False)
    clock = [0.0]
    monkeypatch.setattr(pool.time, "monotonic", lambda: clock[0])
    stream = _Terminal()
    progress = pool.Progress(10, stream)
    progress.step(1)
    assert stream.getvalue() == ""  # not in the first second
    clock[0] = 1.5
    progress.step(4)
    assert stream.getvalue() == "\rlosslint: checked 4/10 files"
    progress.clear()
    assert stream.getvalue().endswith("\r\033[K")


def test_no_progress_off_a_terminal(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(pool.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    progress = pool.Progress(10, stream)
    clock[0] = 5.0
    progress.step(4)
    progress.clear()
    assert stream.getvalue() == ""
