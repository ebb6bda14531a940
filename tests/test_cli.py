"""The ``losslint`` command as a user runs it: paths, exit codes, formats, stdin, explain, rules."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from flake8_losslint.docs import rule_page
from flake8_losslint.rules import all_rules

from .cli_run import losslint
from .conftest import FIXTURES, ROOT, run_flake8

BAD = FIXTURES / "LL101" / "sequential_loss_variable.py"
GOOD = FIXTURES / "LL101" / "sequential_loss_variable_ok.py"


def _lines(output: str) -> list:
    return sorted(line for line in output.splitlines() if line)


def test_check_prints_what_flake8_prints_on_every_fixture() -> None:
    ours = losslint("check", "fixtures", "--exclude", "*.ipynb")  # flake8 reads no notebooks
    theirs = run_flake8("fixtures")
    assert ours.returncode == 1, ours.stderr
    assert _lines(ours.stdout) == _lines(theirs.stdout)
    assert "fixable with `losslint fix`" in ours.stderr


def test_exit_codes() -> None:
    assert losslint("check", str(GOOD)).returncode == 0
    assert losslint("check", str(GOOD)).stdout == ""
    assert losslint("check", str(BAD)).returncode == 1
    missing = losslint("check", "no/such/file.py")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert losslint("check").returncode == 2  # no path: usage error
    assert losslint("check", "--select", "not-a-code", str(BAD)).returncode == 2
    assert losslint("frobnicate").returncode == 2


def test_unparsable_file_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import keras\nloss = \"bce\"\ndef f(:\n", encoding="utf-8")
    result = losslint("check", str(broken))
    assert result.returncode == 2
    assert "cannot parse" in result.stderr


def test_directories_are_walked_skipping_tool_and_vcs_directories(tmp_path: Path) -> None:
    for folder in ("pkg/sub", ".git", ".venv", "__pycache__", ".tox", "node_modules", "custom"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(BAD, tmp_path / folder / "model.py")
    shutil.copy(BAD, tmp_path / "pkg" / "model.txt")  # not a .py file
    result = losslint("check", str(tmp_path), "--exclude", "custom")
    assert result.returncode == 1
    paths = sorted(line.split(":")[0] for line in result.stdout.splitlines())
    assert paths == [str(tmp_path / "pkg" / "sub" / "model.py")]


def test_select_and_ignore_prefixes() -> None:
    everything = _lines(losslint("check", "fixtures").stdout)
    only_ll10 = losslint("check", "fixtures", "--select", "LL10", "--ignore", "LL101,LL103")
    codes = {line.split(": ")[1].split()[0] for line in only_ll10.stdout.splitlines()}
    assert codes == {"LL102", "LL104", "LL105", "LL106", "LL107", "LL108", "LL109"}
    # The longer prefix wins, as in flake8: --select LL101 beats --ignore LL1.
    narrow = losslint("check", "fixtures", "--select", "LL101", "--ignore", "LL1")
    assert {line.split(": ")[1].split()[0] for line in narrow.stdout.splitlines()} == {"LL101"}
    assert losslint("check", "fixtures", "--ignore", "LL").returncode == 0
    assert len(everything) > len(only_ll10.stdout.splitlines())


def test_stdin_with_a_display_name() -> None:
    source = BAD.read_text(encoding="utf-8")
    result = losslint("check", "-", "--stdin-filename", "src/train.py", stdin=source)
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("src/train.py:11:57: LL101 ")
    flake8 = run_flake8("-", "--stdin-display-name", "src/train.py", stdin=source)
    assert result.stdout == flake8.stdout


def test_json_format() -> None:
    result = losslint("check", str(BAD), "--format", "json")
    assert result.returncode == 1
    [row] = json.loads(result.stdout)
    assert row["filename"] == str(BAD)
    assert (row["line"], row["column"], row["code"]) == (11, 57, "LL101")
    assert row["name"] == "from-logits-on-probabilities"
    assert row["fix"] == "safe"
    assert row["url"].endswith("/docs/rules/LL101.md")
    clean = losslint("check", str(GOOD), "--format", "json")
    assert clean.returncode == 0 and json.loads(clean.stdout) == []


def test_explain_prints_the_rule_page() -> None:
    for rule in all_rules():
        result = losslint("explain", rule.code.lower())
        assert result.returncode == 0
        assert result.stdout == rule_page(rule)
        assert result.stdout == (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    unknown = losslint("explain", "LL999")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_rules_lists_every_rule() -> None:
    result = losslint("rules")
    assert result.returncode == 0
    for rule in all_rules():
        assert any(line.startswith(rule.code) and rule.name in line for line in result.stdout.splitlines())
    rows = json.loads(losslint("rules", "--format", "json").stdout)
    assert [row["code"] for row in rows] == [rule.code for rule in all_rules()]
    assert {row["code"] for row in rows if row["fix"]} >= {"LL101", "LL102", "LL103"}


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "losslint"
    assert script.exists(), "pip install -e . should install the losslint command"
    import subprocess

    result = subprocess.run([str(script), "check", str(BAD)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "LL101" in result.stdout


def test_shared_options_are_accepted_by_both_flake8_and_the_cli() -> None:
    from flake8_losslint.options import SHARED_OPTIONS

    for option in SHARED_OPTIONS:
        if option.kwargs.get("action") != "store_true":
            continue  # takes a value: its own tests exercise it
        assert losslint("check", option.flag, str(GOOD)).returncode == 0
        flake8 = run_flake8(option.flag, str(GOOD))
        assert flake8.returncode == 0, flake8.stderr


def test_shared_options_are_declared_once_and_offered_by_both() -> None:
    from flake8_losslint.options import SHARED_OPTIONS

    flake8_help = run_flake8("--help").stdout
    for command in ("check", "fix"):
        ours = losslint(command, "--help").stdout
        for option in SHARED_OPTIONS:
            assert option.flag in ours
            assert option.flag in flake8_help
