"""The cache of findings: a warm run answers without analysing, and never answers wrong."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from flake8_losslint import engine, resultcache
from flake8_losslint.interp import project
from flake8_losslint.plugin import LossLintChecker
from flake8_losslint.source import cachefiles
from flake8_losslint.source.target import parse_option

from .conftest import FIXTURES

BUG = (FIXTURES / "LL101" / "sequential_loss_variable.py").read_text(encoding="utf-8")
FIXED = (FIXTURES / "LL101" / "sequential_loss_variable_ok.py").read_text(encoding="utf-8")


@pytest.fixture
def cache(cache: Path, monkeypatch) -> Path:
    """conftest's fresh cache directory, with the plugin's class-wide options as flake8 leaves them by default."""
    monkeypatch.setattr(LossLintChecker, "cache", True)
    monkeypatch.setattr(LossLintChecker, "runtime", None)
    monkeypatch.setattr(LossLintChecker, "target", None)
    return cache


def _run(path: Path) -> List[tuple]:
    source = path.read_text(encoding="utf-8")
    checker = LossLintChecker(ast.parse(source), source.splitlines(keepends=True), str(path))
    return [row[:3] for row in checker.run()]


@pytest.fixture
def analyses(monkeypatch) -> List[str]:
    """The files analysed (not answered from the cache) from here on."""
    seen: List[str] = []
    real = engine.analyze_file

    def counted(source, *args, **kwargs):  # noqa: ANN001,ANN002,ANN003
        seen.append(kwargs.get("path"))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(engine, "analyze_file", counted)
    return seen


def test_a_second_run_answers_from_the_cache(tmp_path: Path, cache: Path, analyses: List[str]) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    first = _run(path)
    assert [row[2][:5] for row in first] == ["LL101"]
    assert len(list((cache / resultcache.KIND).glob("*.json"))) == 1
    assert _run(path) == first
    assert analyses == [str(path)]  # once


def test_a_changed_file_is_analysed_again(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    assert _run(path)
    path.write_text(FIXED)
    assert _run(path) == []


def test_another_target_version_is_another_entry(tmp_path: Path, cache: Path, monkeypatch) -> None:
    path = tmp_path / "program.py"
    path.write_text("import tensorflow as tf\n\n\ndef f(y, p):\n    return tf.losses.mean_squared_error(y, p)\n")
    monkeypatch.setattr(LossLintChecker, "target", parse_option("tensorflow=2.21"))
    assert [row[2][:5] for row in _run(path)] == ["LL301"]
    monkeypatch.setattr(LossLintChecker, "target", parse_option("tensorflow=1.15"))
    assert _run(path) == []


def test_a_changed_sibling_module_is_read_again(tmp_path: Path, cache: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "nets.py").write_text(
        "import torch.nn as nn\ndef build():\n    return nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
    )
    path = tmp_path / "train.py"
    path.write_text("import torch.nn as nn\nfrom nets import build\nloss = nn.CrossEntropyLoss()(build()(x), y)\n")
    assert [row[2][:5] for row in _run(path)] == ["LL401"]
    (tmp_path / "nets.py").write_text("import torch.nn as nn\ndef build():\n    return nn.Sequential(nn.Linear(4, 3))\n")
    monkeypatch.setattr(project, "_PROCESS_SUMMARIES", {})
    assert _run(path) == []


def test_another_plugin_version_misses(tmp_path: Path, cache: Path, monkeypatch, analyses: List[str]) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    _run(path)
    monkeypatch.setattr(resultcache, "__version__", "99.0.0")
    assert _run(path) and analyses == [str(path), str(path)]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"digest": "x"}', "[" * 100_000])
def test_a_corrupt_entry_is_a_miss(tmp_path: Path, cache: Path, content: str) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    expected = _run(path)
    (entry,) = (cache / resultcache.KIND).glob("*.json")
    entry.write_text(content)
    assert _run(path) == expected


def test_a_forged_entry_with_the_right_digest_but_wrong_rows_is_ignored(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG)
    expected = _run(path)
    (entry,) = (cache / resultcache.KIND).glob("*.json")
    text = entry.read_text().replace('"findings":[[', '"findings":[["x",')
    entry.write_text(text)
    assert _run(path) == expected


def test_an_unwritable_cache_is_not_fatal(tmp_path: Path, cache: Path) -> None:
    cache.write_text("a file where the folder should be")
    path = tmp_path / "train.py"
    path.write_text(BUG)
    assert [row[2][:5] for row in _run(path)] == ["LL101"]


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(cachefiles.ENV_DIR, str(tmp_path / "cache"))
    path = tmp_path / "train.py"
    path.write_text(BUG)
    command = [sys.executable, "-m", "flake8", "--select", "LL", "--losslint-no-cache", str(path)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert " LL101 " in result.stdout
    assert not (tmp_path / "cache" / resultcache.KIND).exists()


def test_parallel_and_warm_runs_print_the_same(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(cachefiles.ENV_DIR, str(tmp_path / "cache"))
    command = [sys.executable, "-m", "flake8", "--select", "LL"]
    outputs = [
        subprocess.run([*command, *jobs, str(FIXTURES)], capture_output=True, text=True).stdout
        for jobs in (["-j", "1"], ["-j", "2"], ["-j", "2"], ["-j", "1"])  # cold, then warm
    ]
    assert outputs[0] and all(output == outputs[0] for output in outputs)
