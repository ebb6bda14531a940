"""Related sites: the other places a finding names are resolved once, where the user sees them.

In a Python file a message names "line 5"; in a notebook "cell 1, line 5"; JSON
and SARIF list them as related locations.
"""

from __future__ import annotations

import json
from pathlib import Path

from flake8_losslint.engine import analyze, analyze_notebook

from .cli_run import losslint
from .conftest import FIXTURES

CIFAR = FIXTURES / "LL203" / "cifar100_ten_units.py"


def _notebook(cells: list) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": cell}
                for cell in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def _split_cifar(tmp_path: Path) -> Path:
    """The LL203 fixture as two cells: the data in cell 1, the model in cell 2."""
    lines = CIFAR.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "cifar.ipynb"
    path.write_text(_notebook(["".join(lines[:5]), "".join(lines[5:])]), encoding="utf-8")
    return path


def test_a_python_file_names_the_related_line() -> None:
    (report,) = analyze(CIFAR.read_text(encoding="utf-8"))
    assert "(cifar100.load_data(), line 5)" in report.message
    assert [(r.name, r.location.line, r.location.column) for r in report.related] == [("labels", 5, 59)]


def test_a_notebook_names_the_related_cell_and_line(tmp_path: Path) -> None:
    (report,) = analyze_notebook(_split_cifar(tmp_path).read_text(encoding="utf-8"))
    assert (report.where.cell, report.where.line) == (2, 7)
    assert report.message == (
        "the output has 10 units but the labels have 100 classes (cifar100.load_data(), cell 1, line 5): "
        "give the output layer 100 units"
    )
    (related,) = report.related
    assert (related.name, related.location.cell, related.location.line) == ("labels", 1, 5)


def test_json_lists_related_locations(tmp_path: Path) -> None:
    result = losslint("check", "--format", "json", str(_split_cifar(tmp_path)))
    (row,) = json.loads(result.stdout)
    assert (row["cell"], row["line"]) == (2, 7)
    assert row["related"] == [{"name": "labels", "line": 5, "column": 60, "cell": 1, "cell_index": 0}]


def test_sarif_has_related_locations() -> None:
    result = losslint("check", "--format", "sarif", str(CIFAR))
    (found,) = json.loads(result.stdout)["runs"][0]["results"]
    (related,) = found["relatedLocations"]
    assert related["message"]["text"] == "labels"
    assert related["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 60}
    assert related["physicalLocation"]["artifactLocation"] == found["locations"][0]["physicalLocation"]["artifactLocation"]


def test_a_related_site_on_the_reported_line_is_not_repeated() -> None:
    """LL306 names where the loss is defined, unless that is the line it reports."""
    inline = "import keras\nmodel = keras.Sequential()\nmodel.compile(loss=lambda y_true: y_true)\n"
    (report,) = analyze(inline)
    assert report.code == "LL306" and "line" not in report.message and report.related == ()
    apart = (
        "import keras\n"
        "def loss(y_true):\n"
        "    return y_true\n"
        "model = keras.Sequential()\n"
        "model.compile(loss=loss)\n"
    )
    (report,) = analyze(apart)
    assert "but loss (line 2) takes 1 positional argument" in report.message
