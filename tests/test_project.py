"""Sibling modules: imports of the project's own files are followed, summaries are cached by content."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_losslint.engine import analyze
from flake8_losslint.interp import project
from flake8_losslint.source import cachefiles

SOFTMAX_NET = (
    "import torch.nn as nn\n"
    "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(20, 6)\n"
    "    def forward(self, x):\n"
    "        return nn.functional.softmax(self.fc(x), dim=1)\n"
)
LOGITS_NET = SOFTMAX_NET.replace("return nn.functional.softmax(self.fc(x), dim=1)", "return self.fc(x)")
TRAIN = "import torch.nn as nn\nfrom nets import Net\nloss = nn.CrossEntropyLoss()(Net()(x), y)\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """A project (with a marker) and a cache of its own; nothing memoised from other tests."""
    monkeypatch.setenv(cachefiles.ENV_DIR, str(tmp_path / "cache"))
    monkeypatch.setattr(project, "_PROCESS_SUMMARIES", {})
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "nets.py").write_text(SOFTMAX_NET)
    (root / "train.py").write_text(TRAIN)
    return root


def _codes(root: Path, name: str = "train.py") -> list:
    path = root / name
    return [r.code for r in analyze(path.read_text(), path=str(path))]


def _new_process(monkeypatch) -> None:
    """What a later run starts with: only the disk cache."""
    monkeypatch.setattr(project, "_PROCESS_SUMMARIES", {})


def test_a_sibling_module_is_followed_and_named(tree: Path) -> None:
    (report,) = analyze(TRAIN, path=str(tree / "train.py"))
    assert report.code == "LL401"
    assert "(nets.py, line 7)" in report.message
    assert [(r.name, r.location.path, r.location.line) for r in report.related] == [("activation", "nets.py", 7)]


def test_without_a_path_siblings_stay_unknown(tree: Path) -> None:
    assert analyze(TRAIN) == []  # standard input with no file name


def test_a_summary_is_read_from_the_disk_cache(tree: Path, monkeypatch) -> None:
    assert _codes(tree) == ["LL401"]
    assert list((tree.parent / "cache" / "summaries").glob("*.json"))
    _new_process(monkeypatch)

    def refuse(*args, **kwargs):  # noqa: ANN002,ANN003
        raise AssertionError("the sibling was parsed again")

    monkeypatch.setattr(project, "_summarise", refuse)
    assert _codes(tree) == ["LL401"]


def test_a_changed_sibling_is_read_again(tree: Path, monkeypatch) -> None:
    assert _codes(tree) == ["LL401"]
    (tree / "nets.py").write_text(LOGITS_NET)
    assert _codes(tree) == []  # same process: the memo is by content
    _new_process(monkeypatch)
    assert _codes(tree) == []


def test_a_changed_module_that_the_sibling_reads_invalidates_it(tree: Path, monkeypatch) -> None:
    (tree / "layers.py").write_text("import torch.nn as nn\nHEAD = nn.Softmax(dim=1)\n")
    (tree / "nets.py").write_text(
        "import torch.nn as nn\nfrom layers import HEAD\nNet = lambda: None\n"
        "def build():\n    return nn.Sequential(nn.Linear(4, 3), HEAD)\n"
    )
    (tree / "train.py").write_text("import torch.nn as nn\nfrom nets import build\nloss = nn.CrossEntropyLoss()(build()(x), y)\n")
    assert _codes(tree) == ["LL401"]
    (tree / "layers.py").write_text("import torch.nn as nn\nHEAD = nn.Identity()\n")
    _new_process(monkeypatch)
    assert _codes(tree) == []


def test_a_corrupt_or_foreign_cache_entry_is_ignored(tree: Path, monkeypatch) -> None:
    assert _codes(tree) == ["LL401"]
    (entry,) = (tree.parent / "cache" / "summaries").glob("*.json")
    for broken in ("{not json", json.dumps({"format": 1, "digest": "x", "reads": [], "names": {}}), "[" * 100000):
        entry.write_text(broken)
        _new_process(monkeypatch)
        assert _codes(tree) == ["LL401"]
    forged = json.loads(entry.read_text())
    forged["names"]["Net"] = {"@type": "os.system", "fields": {}}
    entry.write_text(json.dumps(forged))
    _new_process(monkeypatch)
    assert _codes(tree) == ["LL401"]  # an unknown type is not loaded: the sibling is read again


def test_an_unwritable_cache_is_not_fatal(tree: Path, monkeypatch) -> None:
    blocker = tree.parent / "cache"
    blocker.write_text("a file where the folder should be")
    assert _codes(tree) == ["LL401"]


def test_a_project_module_named_like_a_library_is_not_taken_for_it(tree: Path) -> None:
    (tree / "torch.py").write_text("Softmax = None\n")
    source = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\nloss = nn.CrossEntropyLoss()(model(x), y)\n"
    assert [r.code for r in analyze(source, path=str(tree / "train.py"))] == ["LL401"]


def test_a_relative_import_beyond_the_project_stays_unknown(tree: Path) -> None:
    (tree.parent / "nets.py").write_text(SOFTMAX_NET)  # outside the project
    package = tree / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = "import torch.nn as nn\nfrom ...nets import Net\nloss = nn.CrossEntropyLoss()(Net()(x), y)\n"
    assert analyze(source, path=str(package / "train.py")) == []


def test_flake8_reads_siblings_and_not_from_stdin(tree: Path) -> None:
    run = [sys.executable, "-m", "flake8", "--select", "LL"]
    on_disk = subprocess.run([*run, "train.py"], cwd=tree, capture_output=True, text=True)
    assert on_disk.stdout.startswith("train.py:3:30: LL401 "), on_disk.stdout + on_disk.stderr
    piped = subprocess.run([*run, "-"], cwd=tree, input=TRAIN, capture_output=True, text=True)
    assert piped.stdout == ""
