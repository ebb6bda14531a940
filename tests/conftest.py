from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

Row = Tuple[int, int, str]


def run_flake8(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Real flake8, in a subprocess, with only our codes selected."""
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
    )


def parse_rows(output: str) -> Dict[str, List[Row]]:
    rows: Dict[str, List[Row]] = {}
    for line in output.splitlines():
        path, row, col, rest = line.split(":", 3)
        code = rest.strip().split(" ", 1)[0]
        rows.setdefault(str(Path(path).resolve()), []).append((int(row), int(col), code))
    return rows


def parse_lines(output: str) -> Dict[str, List[str]]:
    """flake8 output by file: resolved path -> ``line:col: CODE message`` lines."""
    lines: Dict[str, List[str]] = {}
    for line in output.splitlines():
        path, rest = line.split(":", 1)
        lines.setdefault(str(Path(path).resolve()), []).append(rest)
    return lines


@pytest.fixture(scope="session")
def flake8_output_on_fixtures() -> str:
    """flake8 over the whole fixtures tree, once."""
    result = run_flake8(str(FIXTURES))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def flake8_on_fixtures(flake8_output_on_fixtures: str) -> Dict[str, List[Row]]:
    """file -> rows (line, column, code)."""
    return parse_rows(flake8_output_on_fixtures)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory) -> None:
    """The suite never reads or writes the user's cache: one fresh cache directory for the run
    (subprocesses inherit it).  Tests of the cache itself set their own."""
    import os

    from flake8_losslint.source.cachefiles import ENV_DIR

    if not os.environ.get(ENV_DIR):
        os.environ[ENV_DIR] = str(tmp_path_factory.mktemp("losslint-cache"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory of the test's own, turned on, and no sibling summary
    remembered from an earlier test in this process."""
    from flake8_losslint.interp import project
    from flake8_losslint.source import cachefiles

    folder = tmp_path / "cache"
    monkeypatch.setenv(cachefiles.ENV_DIR, str(folder))
    monkeypatch.delenv(cachefiles.ENV_OFF, raising=False)
    monkeypatch.setattr(project, "_PROCESS_SUMMARIES", {})
    return folder
