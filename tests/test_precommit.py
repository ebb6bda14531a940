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


def test_pre_commit_hooks(tmp_path: Path) -> None:
    hooks = _hook_repo(tmp_path)
    rev = _git(hooks, "rev-parse", "HEAD")
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: losslint\n"
        "      - id: losslint-fix\n"
        "        stages: [manual]\n",
        encoding="utf-8",
    )
    model = project / "train.py"
    bad = _without_expectations(BAD.read_text(encoding="utf-8"))
    good = GOOD.read_text(encoding="utf-8")
    env = _environment(tmp_path)

    def pre_commit(*args: str) -> subprocess.CompletedProcess:
        _git(project, "add", "-A")
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", *args],
            cwd=project, capture_output=True, text=True, env=env, timeout=900,
        )

    model.write_text(bad, encoding="utf-8")
    failed = pre_commit("losslint")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "train.py:12:42: LL101 " in failed.stdout

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
