"""Configuration: ``losslint`` reads the ``[flake8]`` section flake8 reads, then
``[tool.losslint]`` in pyproject.toml, then its own flags; both front doors report the
same findings on the same tree with the same configuration file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_run import run
from .conftest import FIXTURES

LL101 = FIXTURES / "LL101" / "sequential_loss_variable.py"
LL103 = FIXTURES / "LL103" / "dense_one_unit_softmax.py"
LL102 = FIXTURES / "LL102" / "string_loss_linear_head.py"


def _project(tmp_path: Path) -> Path:
    """A small tree: three buggy files in two packages, one under tests/."""
    root = tmp_path / "project"
    for folder in ("src/models", "tests", "build"):
        (root / folder).mkdir(parents=True)
    shutil.copy(LL101, root / "src" / "models" / "softmax_logits.py")
    shutil.copy(LL103, root / "src" / "one_unit.py")
    shutil.copy(LL102, root / "tests" / "test_train.py")
    shutil.copy(LL101, root / "build" / "copy.py")
    return root


def _rows(output: str) -> list:
    return sorted(line for line in output.splitlines() if ": LL" in line)


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """flake8 as the project runs it: its configuration file decides what is selected."""
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True)


def _concise(*args: str, cwd: Path) -> list:
    result = run("check", "--output-format", "concise", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return _rows(result.stdout)


CONFIGS = {
    "setup.cfg": "[flake8]\nextend-ignore = LL103\nper-file-ignores =\n    tests/*: LL1\nexclude = build,.git\n",
    "tox.ini": "[tox]\nenvlist = py311\n\n[flake8]\nselect = LL1\nextend-exclude = build\n",
    ".flake8": "[flake8]\nignore = LL10\nselect = LL,E\nextend-select = LL101\nexclude = ./build\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_losslint_and_flake8_report_the_same_findings_with_the_same_config_file(tmp_path: Path, name: str) -> None:
    root = _project(tmp_path)
    (root / name).write_text(CONFIGS[name], encoding="utf-8")
    theirs = flake8(".", cwd=root)
    ours = _concise(cwd=root)
    assert ours == _rows(theirs.stdout)
    assert ours  # the configuration leaves something to report


def test_what_each_config_file_selects(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "setup.cfg").write_text(CONFIGS["setup.cfg"], encoding="utf-8")
    # LL103 ignored, tests/ without LL1xx, build/ excluded
    assert [row.split(":")[0] for row in _concise(cwd=root)] == ["./src/models/softmax_logits.py"]


def test_the_command_line_wins_over_the_config_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nextend-ignore = LL101,LL103\n", encoding="utf-8")
    assert len(_concise(cwd=root)) == 1  # LL102 in tests/
    assert len(_concise("--extend-ignore", "LL102", cwd=root)) == 3  # the flag replaces the file's list
    assert len(_concise("--isolated", cwd=root)) == 4  # no configuration at all (build/ too)


def test_pyproject_tool_losslint_on_top_of_flake8_config(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nextend-ignore = LL103\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n"
        "[tool.losslint]\n"
        "extend-exclude = ['build']\n"
        "per-file-ignores = { 'tests/*' = ['LL102'] }\n"
        "output-format = 'concise'\n",
        encoding="utf-8",
    )
    result = run("check", cwd=root)
    assert result.returncode == 1
    assert [row.split(":")[0] for row in _rows(result.stdout)] == ["./src/models/softmax_logits.py"]
    # [tool.losslint] replaces a key [flake8] set; the command line replaces both.
    (root / "pyproject.toml").write_text("[tool.losslint]\nextend-ignore = []\nexclude = ['build']\n", encoding="utf-8")
    assert len(_concise(cwd=root)) == 3
    assert [row.split(": ")[1][:5] for row in _concise("--select", "LL103", cwd=root)] == ["LL103"]


@pytest.mark.parametrize(
    "file, text, said",
    [
        ("setup.cfg", "[flake8]\nextend-ignore = LL1O1\n", "setup.cfg [flake8] extend-ignore: 'LL1O1' is not a losslint code or prefix; did you mean LL101"),
        ("pyproject.toml", "[tool.losslint]\nselct = ['LL1']\n", "pyproject.toml [tool.losslint] selct: unknown key; did you mean select"),
        ("pyproject.toml", "[tool.losslint]\nselect = ['E501']\n", "pyproject.toml [tool.losslint] select: 'E501' is not a losslint code"),
        ("pyproject.toml", "[tool.losslint]\ntarget-version = 'tensorflow=banana'\n", "[tool.losslint] target-version"),
        ("setup.cfg", "[flake8]\nselect = E,W,F\n", "no rule is selected (setup.cfg [flake8] select = E,W,F)"),
    ],
)
def test_a_bad_configuration_is_an_error_that_names_the_file(tmp_path: Path, file: str, text: str, said: str) -> None:
    root = _project(tmp_path)
    (root / file).write_text(text, encoding="utf-8")
    result = run("check", cwd=root)
    assert (result.returncode, result.stdout) == (2, "")
    assert said in result.stderr, result.stderr


def test_other_tools_codes_in_a_shared_flake8_section_are_fine(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nmax-line-length = 100\nextend-ignore = E203,W503\n", encoding="utf-8")
    assert len(_concise(cwd=root)) == 4


def test_a_config_file_cannot_turn_on_user_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_losslint.cli import arguments, config

    (tmp_path / "setup.cfg").write_text("[flake8]\nlosslint-runtime-user-code = true\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.losslint]\nruntime-user-code = true\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = config.load(arguments.build_parser().parse_args(["check"]))
    assert settings.options["losslint_runtime_user_code"] is False
    assert settings.notices == [
        "setup.cfg [flake8] losslint-runtime-user-code is ignored: only the command line can turn it on",
        "pyproject.toml [tool.losslint] runtime-user-code is ignored: only the command line can turn it on",
    ]
    given = config.load(arguments.build_parser().parse_args(["check", "--losslint-runtime-user-code"]))
    assert given.options["losslint_runtime_user_code"] is True
    result = run("check", cwd=tmp_path)
    assert "losslint-runtime-user-code is ignored" in result.stderr


def test_target_version_from_the_config_file(tmp_path: Path) -> None:
    source = (
        "import tensorflow as tf\n"
        "def loss(y_true, y_pred):\n"
        "    return tf.keras.losses.sparse_softmax_cross_entropy_with_logits(y_true, y_pred)\n"
    )
    (tmp_path / "train.py").write_text(source, encoding="utf-8")
    (tmp_path / "setup.cfg").write_text("[flake8]\nlosslint-target-version = tensorflow=1.15\n", encoding="utf-8")
    ours = run("check", "--output-format", "concise", "train.py", cwd=tmp_path)
    theirs = flake8("--select", "LL", "train.py", cwd=tmp_path)
    assert ours.stdout == theirs.stdout
    assert "TensorFlow 1.15" in ours.stdout


# -- exclusion, as flake8 does it -------------------------------------------------------------------

def test_exclude_matches_paths_and_patterns(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "LL101", root / "fixtures" / "LL101")
    shutil.copytree(FIXTURES / "LL103", root / "fixtures" / "LL103")
    everything = _concise("fixtures", cwd=root)
    kept = _concise("fixtures", "--exclude", "fixtures/LL1*", cwd=root)
    assert everything and kept == []
    only_ll103 = _concise("fixtures", "--exclude", "./fixtures/LL101", cwd=root)
    assert only_ll103 and all("/LL103/" in row for row in only_ll103)
    by_name = _concise("fixtures", "--exclude", "*softmax*", cwd=root)
    assert by_name and not any("softmax" in row.split(":")[0] for row in by_name)


def test_a_named_file_is_excluded_as_flake8_does_and_more_with_force_exclude(tmp_path: Path) -> None:
    """pre-commit names every file: --force-exclude applies the folders' exclusions to them."""
    root = _project(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nextend-exclude = build,one_unit.py\n", encoding="utf-8")
    # The path itself matches: excluded, by both front doors.
    assert _concise("src/one_unit.py", cwd=root) == []
    assert flake8("--select", "LL", "src/one_unit.py", cwd=root).stdout == ""
    # Only a folder matches: flake8 checks the file, and so does losslint ...
    assert len(_concise("build/copy.py", cwd=root)) == 1
    assert len(_rows(flake8("build/copy.py", cwd=root).stdout)) == 1
    # ... unless told to exclude what is under an excluded folder.
    assert _concise("--force-exclude", "build/copy.py", cwd=root) == []
    assert _concise("--force-exclude", str(root / "build" / "copy.py"), cwd=root) == []
    (root / "pyproject.toml").write_text("[tool.losslint]\nforce-exclude = true\n", encoding="utf-8")
    assert run("check", "build/copy.py", cwd=root).returncode == 0
    assert len(_concise("--no-force-exclude", "build/copy.py", cwd=root)) == 1


def test_stdin_is_excluded_by_its_display_name(tmp_path: Path) -> None:
    source = LL101.read_text(encoding="utf-8")
    named = run("check", "-", "--stdin-filename", "x.py", "--exclude", "x.py", stdin=source, cwd=tmp_path)
    assert (named.returncode, named.stdout) == (0, "")
    under = ("check", "-", "--stdin-filename", "build/x.py", "--exclude", "build")
    assert run(*under, stdin=source, cwd=tmp_path).returncode == 1  # as flake8
    assert run(*under, "--force-exclude", stdin=source, cwd=tmp_path).returncode == 0
    unnamed = run("check", "-", "--exclude", "stdin", stdin=source, cwd=tmp_path)
    assert unnamed.returncode == 1  # flake8: standard input under its default name is always checked
