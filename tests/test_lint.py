"""The project's own code passes mypy and flake8's error checks.

mypy reads its settings from ``[tool.mypy]`` in pyproject.toml.  flake8 runs with
``--isolated`` (no user or project config) and only the pyflakes codes (F) and
syntax errors (E9): unused imports and names, undefined names, and the like.
tests/data holds files that are broken on purpose.
"""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

FLAKE8_PATHS = ("flake8_losslint", "tests", "scripts", "benchmarks")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_mypy_passes(tmp_path):
    # A cache of its own, so that the check neither reads a stale one nor writes into the checkout.
    result = _run("mypy", "--cache-dir", str(tmp_path / "mypy"), "flake8_losslint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout + result.stderr


def test_flake8_finds_no_errors():
    result = _run("flake8", "--isolated", "--select", "F,E9", "--extend-exclude", "tests/data", *FLAKE8_PATHS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "", result.stdout
