"""What a user must be told: files that cannot be checked, fixes that need a flag, what
remains after ``fix --diff``, and what ``--losslint-debug`` does."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .cli_run import run
from .conftest import FIXTURES, ROOT, run_flake8

BAD = FIXTURES / "LL101" / "sequential_loss_variable.py"

UNPARSABLE = {
    # name: (bytes, concise line after the name)
    "syntax.py": (b"def f(:\n    pass\n", "1:7: E999 SyntaxError: invalid syntax"),
    "ml_syntax.py": (b"import keras\nloss = 'bce'\ndef f(:\n", "3:7: E999 SyntaxError: invalid syntax"),
    "nul.py": (b"x = 1\x00\n", "1:1: E999 SyntaxError: source code string cannot contain null bytes"),
    "encoding.py": (b'x = "\xff"\n', "1:8: E999 SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xff "
                    "in position 0: invalid start byte"),
    "cookie.py": (b"# -*- coding: klingon -*-\nx = 1\n", "1:1: E999 SyntaxError: unknown encoding: klingon"),
    "python2.py": (b"print 'hello'\n", "1:1: E999 SyntaxError: Missing parentheses in call to 'print'. "
                   "Did you mean print(...)?"),
    "deep.py": (b"x = " + b"-" * 8000 + b"a\n", "1:1: E999 MemoryError: the source is nested too deeply for "
                "Python's parser"),
}


def _write(folder: Path) -> None:
    for name, (data, _) in UNPARSABLE.items():
        (folder / name).write_bytes(data)
    shutil.copy(BAD, folder / "train.py")


def test_every_unparsable_file_is_reported_where_python_stops_and_the_run_goes_on(tmp_path: Path) -> None:
    _write(tmp_path)
    result = run("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("./train.py:11:57: LL101 ")  # the good file's finding is not lost
    got = sorted(line for line in lines[1:])
    assert got == sorted(f"./{name}:{rest}" for name, (_, rest) in UNPARSABLE.items())
    assert result.stderr == f"Found 1 finding (1 fixable with `losslint fix`). {len(UNPARSABLE)} files were not checked.\n"


def test_the_syntax_error_matches_python_and_flake8(tmp_path: Path) -> None:
    _write(tmp_path)
    # flake8 reports E999 at the same line; its column is Python's offset plus one.
    flake8 = run_flake8("--select", "LL,E9", "ml_syntax.py", cwd=tmp_path)
    assert flake8.stdout == "ml_syntax.py:3:8: E999 SyntaxError: invalid syntax\n"
    ours = run("check", "--output-format", "concise", "ml_syntax.py", cwd=tmp_path)
    assert ours.stdout == "ml_syntax.py:3:7: E999 SyntaxError: invalid syntax\n"
    full = run("check", "ml_syntax.py", cwd=tmp_path)
    assert full.stdout == (
        "ml_syntax.py:3:7: E999 SyntaxError: invalid syntax\n"
        "  |\n"
        "3 | def f(:\n"
        "  |       ^\n"
        "  |\n\n"
    )


def test_unparsable_files_in_json(tmp_path: Path) -> None:
    _write(tmp_path)
    result = run("check", "--format", "json", "nul.py", "ml_syntax.py", "train.py", "missing.py", cwd=tmp_path)
    assert result.returncode == 2
    rows = json.loads(result.stdout)
    assert [(r["filename"], r["code"], r["name"], r["line"], r["column"]) for r in rows] == [
        ("train.py", "LL101", "from-logits-on-probabilities", 11, 57),
        ("nul.py", "E999", "syntax-error", 1, 1),
        ("ml_syntax.py", "E999", "syntax-error", 3, 7),
        ("missing.py", "E902", "unreadable-file", None, None),
    ]
    assert "losslint: ml_syntax.py: SyntaxError: invalid syntax" in result.stderr


def test_a_directory_without_python_files(tmp_path: Path) -> None:
    result = run("check", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "", "losslint: no Python files or notebooks found under .\n"
    )


def test_logits_style_without_unsafe_fixes_says_what_is_needed(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    shutil.copy(BAD, target)
    result = run("fix", "--logits-style", str(target))
    assert result.returncode == 1
    assert target.read_bytes() == BAD.read_bytes()
    assert result.stderr.splitlines()[0] == (
        "losslint: --logits-style makes unsafe fixes (it changes what the model outputs): they are "
        "applied only with --unsafe-fixes; without it, only the safe fixes are"
    )
    assert result.stderr.splitlines()[-1] == "Remaining: 1 finding (1 fixable with `--unsafe-fixes`)."


def test_fix_diff_with_nothing_fixable_lists_what_remains(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    shutil.copy(BAD, target)
    result = run("fix", "--diff", "--logits-style", "--output-format", "concise", str(target))
    assert (result.returncode, result.stdout) == (0, "")
    remaining = [line for line in result.stderr.splitlines() if not line.startswith("losslint:")]
    assert remaining[0].startswith(f"{target}:11:57: LL101 SparseCategoricalCrossentropy uses from_logits=True")
    assert remaining[1] == "Remaining: 1 finding (1 fixable with `--unsafe-fixes`)."


def test_debug_help_says_what_happens_and_it_happens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    help_text = " ".join(run("check", "--help").stdout.split())
    assert ("--losslint-debug print the traceback when losslint fails on a file (without it, the file is "
            "reported as not checked, in one line, and the exit status is 2)") in help_text
    from flake8_losslint.cli import work

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(work, "examine", broken)
    target = tmp_path / "train.py"
    shutil.copy(BAD, target)
    quiet = run("check", str(target))
    assert quiet.returncode == 2
    assert quiet.stderr.splitlines() == [
        f"losslint: {target}: not checked: internal error (RuntimeError: boom); rerun with --losslint-debug",
        "1 file was not checked.",
    ]
    loud = run("check", "--losslint-debug", str(target))
    assert loud.returncode == 2
    assert "Traceback (most recent call last)" in loud.stderr and "RuntimeError: boom" in loud.stderr


def test_readme_tells_flake8_users_how_to_see_syntax_errors(tmp_path: Path) -> None:
    """flake8 --select LL hides E999 and E902 (exit 0); --select LL,E9 shows them."""
    (tmp_path / "broken.py").write_text("import keras\ndef f(:\n", encoding="utf-8")
    hidden = run_flake8("broken.py", "missing.py", cwd=tmp_path)
    assert (hidden.returncode, hidden.stdout) == (0, "")
    shown = run_flake8("--select", "LL,E9", "broken.py", "missing.py", cwd=tmp_path)
    assert shown.returncode == 1
    assert re.findall(r"E9\d\d", shown.stdout) == ["E999", "E902"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "flake8 --select LL,E9" in readme
    assert "--extend-select LL" in readme
