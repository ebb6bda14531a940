"""Notebooks: cells joined as one program, findings at cell and line, edits cell by cell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_losslint import notebooks
from flake8_losslint.engine import analyze

from .conftest import FIXTURES

NOTEBOOKS = FIXTURES / "notebooks"
DATA = FIXTURES.parent / "tests" / "data"


def read(name: str) -> str:
    return (NOTEBOOKS / name).read_text(encoding="utf-8")


def test_bug_split_across_cells_is_found_at_its_cell_and_line() -> None:
    found = notebooks.check(read("split_across_cells.ipynb"))
    # Cells are numbered among code cells, as nbqa does; index is the array position.
    assert [(loc.cell, loc.index, loc.line, r.col, r.code) for loc, r in found] == [(5, 5, 3, 55, "LL101")]
    # The other line named in the message is given as a cell and line too.
    assert "(cell 2, line 3)" in found[0][1].message


def test_corrected_notebook_is_silent() -> None:
    assert notebooks.check(read("split_across_cells_ok.ipynb")) == []


def test_same_findings_as_the_equivalent_python_program() -> None:
    text = read("split_across_cells.ipynb")
    cells = [c for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
    # The same program written as a .py file, without the IPython-only lines.
    python = "\n".join(
        line
        for cell in cells
        if not "".join(cell["source"]).startswith("%%bash")
        for line in "".join(cell["source"]).split("\n")
        if not line.startswith(("%", "!")) and not line.endswith("?")
    )
    assert [(r.code, r.col) for r in analyze(python + "\n")] == [
        (r.code, r.col) for _, r in notebooks.check(text)
    ]


def test_magics_keep_line_numbers_and_are_restored() -> None:
    notebook = notebooks.load(read("split_across_cells.ipynb"))
    whole = notebooks.program(notebook)
    compile(whole.source, "<notebook>", "exec")  # valid Python
    cells = notebooks.cell_sources(whole, whole.source)
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cells[index] == "".join(cell["source"]).split("\n")


@pytest.mark.parametrize("name", ["empty.ipynb", "no_code_cells.ipynb"])
def test_notebooks_without_code_are_silent(name: str) -> None:
    assert notebooks.check(read(name)) == []


def test_malformed_json_is_one_clear_error() -> None:
    with pytest.raises(notebooks.NotebookError) as error:
        notebooks.check((DATA / "malformed.ipynb").read_text(encoding="utf-8"))
    assert str(error.value).startswith("not valid JSON (line 2")
    with pytest.raises(notebooks.NotebookError, match="no list of cells"):
        notebooks.check('{"metadata": {}}')


def test_unchanged_program_round_trips_byte_for_byte() -> None:
    text = read("split_across_cells.ipynb")
    whole = notebooks.program(notebooks.load(text))
    assert notebooks.with_fixed_program(text, whole.source, whole) is text


def test_fix_touches_only_the_changed_cell(tmp_path: Path) -> None:
    text = read("split_across_cells.ipynb")
    whole = notebooks.program(notebooks.load(text))
    fixed_source = whole.source.replace("from_logits=True", "from_logits=False")
    fixed = notebooks.with_fixed_program(text, fixed_source, whole)
    assert fixed == read("split_across_cells_ok.ipynb")


def test_fix_refuses_a_layout_it_cannot_reproduce() -> None:
    text = read("split_across_cells.ipynb")
    odd = text.replace('\n "metadata"', '\n   "metadata"', 1)
    whole = notebooks.program(notebooks.load(odd))
    with pytest.raises(notebooks.NotebookError, match="layout"):
        notebooks.with_fixed_program(odd, whole.source.replace("from_logits=True", "from_logits=False"), whole)


def test_nbqa_route_reports_the_same_cell_and_line() -> None:
    """flake8 users run the plugin on notebooks through nbqa: same cell numbering."""
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(
        [sys.executable, "-m", "nbqa", "flake8", str(NOTEBOOKS / "split_across_cells.ipynb"), "--select=LL"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ":cell_5:3:56: LL101 " in result.stdout, result.stdout + result.stderr
    ours = notebooks.check(read("split_across_cells.ipynb"))
    assert [(loc.cell, loc.line, r.col + 1) for loc, r in ours] == [(5, 3, 56)]
