"""The ``losslint`` command as a user runs it: paths, exit codes, formats, stdin, explain,
rules.  Most runs are in this process (``cli_run.run``); a few run the real command."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from flake8_losslint.docs import rule_page
from flake8_losslint.rules import all_rules

from .cli_run import losslint, run
from .conftest import FIXTURES, ROOT, run_flake8

BAD = FIXTURES / "LL101" / "sequential_loss_variable.py"
GOOD = FIXTURES / "LL101" / "sequential_loss_variable_ok.py"


def _lines(output: str) -> list:
    return sorted(line for line in output.splitlines() if line)


def _codes(output: str) -> set:
    return {line.split(": ", 1)[1].split()[0] for line in output.splitlines()}


def test_check_prints_what_flake8_prints_on_every_fixture() -> None:
    # flake8 reads no notebooks
    ours = run("check", "fixtures", "--exclude", "*.ipynb", "--output-format", "concise")
    theirs = run_flake8("fixtures")
    assert ours.returncode == 1, ours.stderr
    assert _lines(ours.stdout) == _lines(theirs.stdout)
    assert "fixable with `losslint fix`" in ours.stderr


def test_exit_codes(tmp_path: Path) -> None:
    assert run("check", str(GOOD)).returncode == 0
    assert run("check", str(GOOD)).stdout == ""
    assert run("check", str(BAD)).returncode == 1
    missing = run("check", "no/such/file.py", "--output-format", "concise")
    assert missing.returncode == 2
    assert missing.stdout == (
        "no/such/file.py:0:1: E902 FileNotFoundError: [Errno 2] No such file or directory: 'no/such/file.py'\n"
    )
    assert run("check", "--select", "not-a-code", str(BAD)).returncode == 2
    assert run("frobnicate").returncode == 2


def test_check_without_a_path_checks_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    shutil.copy(BAD, tmp_path / "pkg" / "train.py")
    result = run("check", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("./pkg/train.py:11:57: LL101 ")


def test_an_empty_directory_says_no_python_files_were_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("not python\n", encoding="utf-8")
    result = run("check", str(tmp_path))
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"losslint: no Python files or notebooks found under {tmp_path}\n"


def test_directories_are_walked_skipping_tool_and_vcs_directories(tmp_path: Path) -> None:
    for folder in ("pkg/sub", ".git", ".venv", "__pycache__", ".tox", "node_modules", "custom"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(BAD, tmp_path / folder / "model.py")
    shutil.copy(BAD, tmp_path / "pkg" / "model.txt")  # not a .py file
    result = run("check", str(tmp_path), "--extend-exclude", "custom", "--output-format", "concise")
    assert result.returncode == 1
    paths = sorted(line.split(":")[0] for line in result.stdout.splitlines())
    assert paths == [str(tmp_path / "pkg" / "sub" / "model.py")]


def test_select_and_ignore_prefixes() -> None:
    everything = _lines(run("check", "fixtures", "--output-format", "concise").stdout)
    only_ll10 = run("check", "fixtures", "--select", "LL10", "--ignore", "LL101,LL103", "--output-format", "concise")
    assert _codes(only_ll10.stdout) == {"LL102", "LL104", "LL105", "LL106", "LL107", "LL108", "LL109"}
    # The longer prefix wins, as in flake8: --select LL101 beats --ignore LL1.
    narrow = run("check", "fixtures", "--select", "LL101", "--ignore", "LL1", "--output-format", "concise")
    assert _codes(narrow.stdout) == {"LL101"}
    assert len(everything) > len(only_ll10.stdout.splitlines())


@pytest.mark.parametrize(
    "flags, said",
    [
        (("--select", "LL1O1"), "--select: 'LL1O1' is not a losslint code or prefix; did you mean LL101? ("),
        (("--ignore", "LL999"), "--ignore: 'LL999' is not a losslint code or prefix"),
        (("--extend-select", "E501"), "--extend-select: 'E501' is not a losslint code or prefix"),
        (("--select", "from-logits-on-probabilities"), "is a rule name; codes are expected here (LL101)"),
        (("--ignore", "LL"), "no rule is selected (--ignore = LL): nothing would be checked"),
        (("--select", "E9"), "no rule is selected (--select = E9)"),
    ],
)
def test_a_selection_that_selects_nothing_is_an_error(flags: tuple, said: str) -> None:
    result = run("check", *flags, str(BAD))
    assert (result.returncode, result.stdout) == (2, "")
    assert said in result.stderr, result.stderr


def test_flake8_error_codes_may_be_selected_beside_ours() -> None:
    """README recommends --select LL,E9 for flake8; the same list works here."""
    assert run("check", "--select", "LL,E9", str(BAD)).returncode == 1


def test_stdin_with_a_display_name() -> None:
    source = BAD.read_text(encoding="utf-8")
    for flag in ("--stdin-filename", "--stdin-display-name"):
        result = run("check", "-", flag, "src/train.py", "--output-format", "concise", stdin=source)
        assert result.returncode == 1
        [line] = result.stdout.splitlines()
        assert line.startswith("src/train.py:11:57: LL101 ")
    flake8 = run_flake8("-", "--stdin-display-name", "src/train.py", stdin=source)
    assert result.stdout == flake8.stdout


def test_json_format() -> None:
    result = run("check", str(BAD), "--format", "json")
    assert result.returncode == 1
    [row] = json.loads(result.stdout)
    assert row["filename"] == str(BAD)
    assert (row["line"], row["column"], row["end_line"], row["end_column"], row["code"]) == (11, 57, 11, 73, "LL101")
    assert row["name"] == "from-logits-on-probabilities"
    assert row["fix"] == "safe" and row["fix_message"] == "set from_logits=False"
    assert row["edits"] == [{"line": 11, "column": 69, "end_line": 11, "end_column": 73, "content": "False"}]
    assert row["url"] is None  # no published docs configured: `losslint explain` prints the page
    clean = run("check", str(GOOD), "--format", "json")
    assert clean.returncode == 0 and json.loads(clean.stdout) == []


def test_explain_prints_the_rule_page_by_code_or_name() -> None:
    for rule in all_rules():
        for word in (rule.code.lower(), rule.name):
            result = run("explain", word)
            assert result.returncode == 0
            assert result.stdout == rule_page(rule)
        assert result.stdout == (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    unknown = run("explain", "LL999")
    assert unknown.returncode == 2 and "unknown rule 'LL999'" in unknown.stderr
    typo = run("explain", "from-logit-on-probabilities")
    assert typo.returncode == 2
    assert "did you mean from-logits-on-probabilities" in typo.stderr


def test_rules_lists_every_rule() -> None:
    result = run("rules")
    assert result.returncode == 0
    for rule in all_rules():
        assert any(line.startswith(rule.code) and rule.name in line for line in result.stdout.splitlines())
    rows = json.loads(run("rules", "--format", "json").stdout)
    assert [row["code"] for row in rows] == [rule.code for rule in all_rules()]
    assert {row["code"] for row in rows if row["fix"]} >= {"LL101", "LL102", "LL103"}


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "losslint"
    assert script.exists(), "pip install -e . should install the losslint command"
    import subprocess

    result = subprocess.run([str(script), "check", str(BAD)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "LL101" in result.stdout


def test_the_real_command_in_a_subprocess() -> None:
    """Smoke test: python -m flake8_losslint, its real streams and exit status."""
    result = losslint("check", "--output-format", "concise", str(BAD), str(GOOD))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{BAD}:11:57: LL101 ")
    assert result.stderr == "Found 1 finding (1 fixable with `losslint fix`).\n"


def test_shared_options_are_accepted_by_both_flake8_and_the_cli() -> None:
    from flake8_losslint.options import SHARED_OPTIONS

    for option in SHARED_OPTIONS:
        if option.kwargs.get("action") != "store_true":
            continue  # takes a value: its own tests exercise it
        assert run("check", option.flag, str(GOOD)).returncode == 0
        flake8 = run_flake8(option.flag, str(GOOD))
        assert flake8.returncode == 0, flake8.stderr


def test_shared_options_are_declared_once_and_offered_by_both() -> None:
    from flake8_losslint.options import SHARED_OPTIONS

    flake8_help = run_flake8("--help").stdout
    for command in ("check", "fix"):
        ours = run(command, "--help").stdout
        for option in SHARED_OPTIONS:
            assert option.flag in ours
            assert option.flag in flake8_help


@pytest.mark.parametrize("typed, said", [
    ("LL1O1", "; did you mean LL101?"),
    ("LL1L0", "; did you mean LL110?"),
    ("LL2I0", "; did you mean LL210?"),
    ("XYZ", ""),
])
def test_a_mistyped_code_is_told_the_code_it_looks_like(typed: str, said: str) -> None:
    from flake8_losslint.cli.selection import known_prefixes, suggestion

    assert suggestion(typed, known_prefixes()) == said
