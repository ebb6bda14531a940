"""Hostile input for the command: each file is reported for what it is (E999 where
Python's parser refuses it, "not checked" where the analysis would cost too much) and the
run goes on, so a good file's finding is never lost.  Time and memory are bounded by
``benchmarks/hostile.py`` (run by hand), not by timing assertions here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .cli_run import losslint, run
from .conftest import FIXTURES
from .hostile_inputs import CASES

GOOD_BUG = FIXTURES / "LL101" / "sequential_loss_variable.py"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        (folder / case.name).write_bytes(case.make())
    shutil.copy(GOOD_BUG, folder / "a_real_bug.py")
    return folder


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_hostile_file_is_reported_for_what_it_is(tree: Path, case) -> None:
    result = run("check", "--output-format", "concise", case.name, "a_real_bug.py", cwd=tree)
    lines = result.stdout.splitlines()
    assert any(line.startswith("a_real_bug.py:11:57: LL101 ") for line in lines)  # not lost
    ours = [line for line in lines if line.startswith(case.name + ":")]
    if case.e999:
        assert result.returncode == 2
        assert len(ours) == 1 and ours[0].startswith(f"{case.name}:{case.e999}"), ours
    elif case.not_checked:
        assert result.returncode == 2
        assert ours == []
        assert f"losslint: {case.name}: {case.not_checked}" in result.stderr, result.stderr
    else:
        assert result.returncode == 1
        assert len(ours) == case.findings
    assert "Traceback" not in result.stderr


def test_the_whole_table_in_one_run_of_the_real_command(tree: Path) -> None:
    result = losslint("check", "--output-format", "concise", ".", cwd=tree)
    assert result.returncode == 2
    assert any(line.startswith("./a_real_bug.py:11:57: LL101 ") for line in result.stdout.splitlines())
    not_checked = sum(1 for case in CASES if case.e999 or case.not_checked)
    assert result.stderr.splitlines()[-1].endswith(f"{not_checked} files were not checked.")


def test_fixing_the_table_damages_nothing(tree: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tree, copy)
    result = run("fix", ".", cwd=copy)
    assert result.returncode == 2
    for case in CASES:
        fixed = (copy / case.name).read_bytes()
        if case.findings:
            assert fixed.count(b"from_logits=False") == case.findings
        else:
            assert fixed == (tree / case.name).read_bytes(), case.name
