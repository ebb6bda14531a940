"""The real ``pre-commit`` running our hooks from ``.pre-commit-hooks.yaml`` on a temporary
git repository: ``losslint`` fails on a bad file and passes on the fixed one;
``losslint-fix`` rewrites the bad file into the fixed one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from .conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # pre-commit builds a virtualenv and pip-installs the hook repo

BAD = FIXTURES / "LL101" / "functional_softmax_layer.py"
GOOD = FIXTURES / "LL101" / "functional_softmax_layer_ok.py"


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=losslint tests", "-c", "user.email=tests@example.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def _hook_repo(tmp_path: Path) -> Path:
    """A one-commit clone of the working tree as it is now (committed or not)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of flake8-losslint")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    repo = tmp_path / "hooks"
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / relative)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "hooks under test")
    return repo


def _environment(tmp_path: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "losslint tests"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tests@example.invalid"
    return env


def _without_expectations(text: str) -> str:
    return re.sub(r"  # expect: [A-Z0-9: ]+$", "", text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _hook_repo(tmp_path_factory.mktemp("hook-repo"))


class Project:
    """A git repository with a pre-commit configuration and one Python file."""

    def __init__(self, tmp_path: Path, config: str) -> None:
        self.root = tmp_path / "project"
        self.root.mkdir()
        _git(self.root, "init", "-q")
        (self.root / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
        self.model = self.root / "train.py"
        self.env = _environment(tmp_path)

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess:
        _git(self.root, "add", "-A")
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", *args],
            cwd=self.root, capture_output=True, text=True, env=self.env, timeout=900,
        )


def test_losslint_hooks(tmp_path: Path, hooks: Path) -> None:
    rev = _git(hooks, "rev-parse", "HEAD")
    project = Project(
        tmp_path,
        "repos:\n"
        f"  - repo: {hooks}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: losslint\n"
        "      - id: losslint-fix\n"
        "        stages: [manual]\n",
    )
    model, pre_commit = project.model, project.pre_commit
    bad = _without_expectations(BAD.read_text(encoding="utf-8"))
    good = GOOD.read_text(encoding="utf-8")

    model.write_text(bad, encoding="utf-8")
    notebook = project.root / "explore.ipynb"  # the hooks read notebooks too (types_or)
    shutil.copy(FIXTURES / "notebooks" / "split_across_cells.ipynb", notebook)
    failed = pre_commit("losslint")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "train.py:12:42: LL101 " in failed.stdout
    assert "explore.ipynb:cell 5:line 3:col 56: LL101 " in failed.stdout
    notebook.unlink()

    model.write_text(good, encoding="utf-8")
    passed = pre_commit("losslint")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    model.write_text(bad, encoding="utf-8")
    fixing = pre_commit("--hook-stage", "manual", "losslint-fix")
    assert fixing.returncode == 1  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in fixing.stdout
    assert model.read_text(encoding="utf-8") == good
    assert pre_commit("--hook-stage", "manual", "losslint-fix").returncode == 0
    assert pre_commit("losslint").returncode == 0


def test_flake8_hook_with_the_plugin_as_an_additional_dependency(tmp_path: Path, hooks: Path) -> None:
    # The documented config names PyCQA/flake8's hook repository, out of reach of the tests; a
    # local hook running flake8 in a pre-commit environment with the plugin added through
    # additional_dependencies is the same mechanism.
    project = Project(
        tmp_path,
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: flake8\n"
        "        name: flake8\n"
        "        entry: flake8 --select LL\n"
        "        language: python\n"
        "        types: [python]\n"
        f"        additional_dependencies: [flake8, '{hooks}']\n",
    )
    project.model.write_text(_without_expectations(BAD.read_text(encoding="utf-8")), encoding="utf-8")
    failed = project.pre_commit()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "train.py:12:42: LL101 " in failed.stdout
    project.model.write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    passed = project.pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
