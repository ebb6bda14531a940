"""``losslint fix`` never damages a file: it is replaced in one step (a failure leaves it
whole), keeps its mode, line endings and encoding, writes through a symbolic link only
when the link was named, and never follows one out of a directory it walks."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from flake8_losslint.cli import files

from .cli_run import run
from .conftest import FIXTURES

BAD = FIXTURES / "LL103" / "dense_one_unit_softmax.py"
FIXED = FIXTURES / "LL103" / "dense_one_unit_softmax.fixed.py"


def test_a_failed_write_leaves_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "train.py"
    shutil.copy(BAD, target)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    result = run("fix", str(target))
    assert result.returncode == 2
    assert f"losslint: {target}: not written: OSError: [Errno 28] No space left on device" in result.stderr
    assert target.read_bytes() == BAD.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]  # no temporary file left


def test_an_interrupted_write_leaves_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "train.py"
    shutil.copy(BAD, target)

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(str(target), b"cut")
    assert target.read_bytes() == BAD.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_mode_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    shutil.copy(BAD, target)
    os.chmod(target, 0o750)
    assert run("fix", str(target)).returncode == 0
    assert target.read_bytes() == FIXED.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_a_named_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    shutil.copy(BAD, real)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    assert run("fix", str(link)).returncode == 0
    assert link.is_symlink()
    assert real.read_bytes() == FIXED.read_bytes()


def test_symlinks_are_not_followed_when_walking_a_directory(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(BAD, outside / "model.py")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "model.py").symlink_to(outside / "model.py")
    (tree / "linked_dir").symlink_to(outside)
    for command in ("check", "fix"):
        result = run(command, str(tree))
        assert result.returncode == 0, result.stdout + result.stderr
    assert (outside / "model.py").read_bytes() == BAD.read_bytes()


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"], ids=["cr", "crlf", "lf"])
def test_line_endings_are_kept(tmp_path: Path, newline: str) -> None:
    source = BAD.read_text(encoding="utf-8").replace("\n", newline)
    target = tmp_path / "train.py"
    target.write_bytes(source.encode("utf-8"))
    check = run("check", "--output-format", "concise", str(target))
    assert check.stdout.startswith(f"{target}:5:27: LL103 ")  # as flake8 reads the lines
    assert run("fix", str(target)).returncode == 0
    assert target.read_bytes() == FIXED.read_text(encoding="utf-8").replace("\n", newline).encode("utf-8")


def test_mixed_line_endings_keep_each_line_s_own(tmp_path: Path) -> None:
    lines = BAD.read_text(encoding="utf-8").splitlines(keepends=True)
    mixed = "".join(line.replace("\n", "\r\n") if number % 2 else line for number, line in enumerate(lines))
    target = tmp_path / "train.py"
    target.write_bytes(mixed.encode("utf-8"))
    assert run("fix", str(target)).returncode == 0
    fixed = FIXED.read_text(encoding="utf-8").splitlines(keepends=True)
    expected = "".join(line.replace("\n", "\r\n") if number % 2 else line for number, line in enumerate(fixed))
    assert target.read_bytes() == expected.encode("utf-8")


def test_encoding_and_bom_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    latin = "# -*- coding: latin-1 -*-\n# café\n" + BAD.read_text(encoding="utf-8")
    target.write_bytes(latin.encode("latin-1"))
    assert run("fix", str(target)).returncode == 0
    assert target.read_bytes().startswith(b"# -*- coding: latin-1 -*-\n# caf\xe9\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + BAD.read_bytes())
    assert run("fix", str(bom)).returncode == 0
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.read_bytes()


def test_a_fix_adds_the_import_it_needs(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(
        '"""Train."""\n'
        "from keras.models import Sequential\n"
        "from keras.layers import Dense\n"
        "\n"
        "model = Sequential([Dense(10)])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n",
        encoding="utf-8",
    )
    assert run("fix", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8") == (
        '"""Train."""\n'
        "from keras.models import Sequential\n"
        "from keras.layers import Dense\n"
        "from keras.losses import SparseCategoricalCrossentropy\n"
        "\n"
        "model = Sequential([Dense(10)])\n"
        "model.compile(optimizer='adam', loss=SparseCategoricalCrossentropy(from_logits=True))\n"
    )


def test_no_import_when_the_name_is_taken(tmp_path: Path) -> None:
    source = (
        "from keras.models import Sequential\n"
        "from keras.layers import Dense\n"
        "SparseCategoricalCrossentropy = None\n"
        "model = Sequential([Dense(10)])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
    )
    target = tmp_path / "train.py"
    target.write_text(source, encoding="utf-8")
    assert run("fix", str(target)).returncode == 1
    assert target.read_text(encoding="utf-8") == source


def test_many_findings_are_fixed_in_a_few_rounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """100 fixable findings: the fix re-analyses a handful of times, not once per finding."""
    from flake8_losslint.fixes import driver

    lines = ["import tensorflow as tf"]
    for number in range(100):
        lines.append(f"m{number} = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='softmax')])")
        lines.append(f"m{number}.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))")
    target = tmp_path / "many.py"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = []
    real = driver.analyze_module
    monkeypatch.setattr(driver, "analyze_module", lambda *a, **k: calls.append(1) or real(*a, **k))
    result = run("fix", str(target))
    assert result.returncode == 0, result.stderr
    assert "Fixed 100 findings in 1 file." in result.stderr
    assert target.read_text(encoding="utf-8").count("from_logits=False") == 100
    assert len(calls) <= 3
