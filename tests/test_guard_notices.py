"""A file the plugin cannot analyse safely is not silently skipped: flake8's stderr says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flake8_losslint.source.guard import MAX_SOURCE_CHARS

BUG = (
    "import keras\n"
    "model = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
    "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"
)


@pytest.mark.parametrize(
    "extra, reason",
    [
        ("flag = " + " and ".join(["x"] * 600) + "\n", "operands of and/or"),
        ("value = a" + "[0]" * 250 + "\n", "a chain of 249 subscripts"),
        ("# " + "x" * (MAX_SOURCE_CHARS + 10) + "\n", "characters, over the"),
    ],
)
def test_a_file_too_complex_to_analyse_says_so_once(tmp_path: Path, extra: str, reason: str) -> None:
    path = tmp_path / "train.py"
    path.write_text(BUG + extra)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout == ""
    notices = [line for line in result.stderr.splitlines() if "flake8-losslint" in line]
    assert len(notices) == 1 and "not checked" in notices[0] and reason in notices[0], result.stderr
