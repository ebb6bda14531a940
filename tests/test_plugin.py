"""The plugin as a flake8 user meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, ROOT, run_flake8

BAD = FIXTURES / "LL102" / "string_loss_linear_head.py"


def test_flake8_version_lists_the_plugin() -> None:
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "flake8-losslint" in result.stdout


def test_noqa_with_and_without_codes(tmp_path: Path) -> None:
    source = BAD.read_text(encoding="utf-8").replace("  # expect: LL102:38", "")
    target = tmp_path / "bad.py"
    target.write_text(source, encoding="utf-8")
    assert "LL102" in run_flake8(str(target)).stdout
    for comment in ("  # noqa", "  # noqa: LL102", "  # noqa:LL1"):
        lines = source.splitlines()
        lines[8] += comment
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert run_flake8(str(target)).stdout == "", comment
    lines = source.splitlines()
    lines[8] += "  # noqa: LL101"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "LL102" in run_flake8(str(target)).stdout


def test_stdin_with_display_name() -> None:
    result = run_flake8("--stdin-display-name", "notebook_cell.py", "-", stdin=BAD.read_text(encoding="utf-8"))
    assert result.stdout.startswith("notebook_cell.py:9:38: LL102 ")


# flake8 in a subprocess whose analysis always fails, as an unexpected bug would.
_FAILING_FLAKE8 = """
import sys
import flake8_losslint.engine as engine
from flake8.main.cli import main

def broken(*args, **kwargs):
    raise RuntimeError("simulated analysis bug")

engine.analyze_file = broken
sys.exit(main(["--select", "LL", "-j", "1", "--losslint-no-cache", *sys.argv[1:]]))
"""


def _failing_flake8(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _FAILING_FLAKE8, *args], cwd=cwd, capture_output=True, text=True
    )


def test_a_failure_inside_the_plugin_never_aborts_flake8() -> None:
    quiet = _failing_flake8(str(BAD))
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    loud = _failing_flake8("--losslint-debug", str(BAD))
    assert loud.returncode == 0
    assert "flake8-losslint: failed on" in loud.stderr
    assert "RuntimeError: simulated analysis bug" in loud.stderr


def test_python2_file_is_skipped_quietly() -> None:
    result = run_flake8(str(ROOT / "tests" / "data" / "python2_file.py"))
    assert result.returncode == 0 and result.stdout == "" and "Traceback" not in result.stderr


def test_option_read_from_config_file(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\nlosslint-debug = true\n", encoding="utf-8")
    (tmp_path / "bad.py").write_text(BAD.read_text(encoding="utf-8"), encoding="utf-8")
    result = _failing_flake8("bad.py", cwd=tmp_path)
    assert "flake8-losslint: failed on bad.py" in result.stderr


def test_output_is_deterministic() -> None:
    first = run_flake8(str(FIXTURES)).stdout
    second = run_flake8("-j", "2", str(FIXTURES)).stdout
    assert first and first == second


def test_readme_first_command_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "flake8 --select LL fixtures/" in readme.splitlines()[3]
