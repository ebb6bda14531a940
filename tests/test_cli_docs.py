"""What the documentation promises about installing, releasing and integrating is true."""

from __future__ import annotations

import re

import yaml

from flake8_losslint import __version__
from flake8_losslint.runtime import INSTALL_HINT

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "docs").glob("*.md")}


def test_docs_install_from_a_clone_or_a_git_url_not_the_package_index() -> None:
    everything = README + "".join(DOCS.values())
    assert "pip install flake8-losslint" not in everything  # it is not on the package index
    assert "additional_dependencies: [flake8-losslint]" not in everything
    assert "pip install 'flake8-losslint @ git+<repository URL>@v" in README
    assert "pip install ./flake8-losslint" in README


def test_no_link_to_a_page_that_does_not_exist() -> None:
    for path in list((ROOT / "flake8_losslint").rglob("*.py")) + [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert "github.com/flake8-losslint" not in path.read_text(encoding="utf-8"), path


def test_the_changelog_names_the_current_version_and_how_releases_are_tagged() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {__version__}" in changelog
    assert "tagged `vX.Y.Z`" in changelog
    assert re.search(r"rev: v\d+\.\d+\.\d+", DOCS["pre-commit.md"])


def test_the_runtime_install_hint_is_what_the_readme_says() -> None:
    for command in re.findall(r"pip install '[^']+'", INSTALL_HINT):
        runtime_section = README[README.index("## Runtime mode"):]
        assert command in runtime_section, command


def test_the_hooks_read_python_files_and_notebooks_and_force_exclude() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["losslint", "losslint-fix"]
    for hook in hooks:
        assert hook["types_or"] == ["python", "jupyter"] and "types" not in hook
        assert hook["entry"].endswith("--force-exclude")


def test_notebooks_page_does_not_claim_nbqa_prints_the_same_position() -> None:
    page = DOCS["notebooks.md"]
    assert "is the same as `losslint check` gives" not in page
    assert "`cell_5:3:56` where `losslint` prints `cell 5:line 3:col 56`" in page


def test_ci_release_automation_builds_and_checks_without_publishing() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m build --sdist --wheel" in script and "twine check" in script
    assert "twine upload" not in script
    assert script.rstrip().endswith("pip install '.[test]' && python -m pytest")
