"""`losslint` on notebooks, as a user runs it: check a folder, fix a notebook, formats, stdin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_run import losslint, run
from .conftest import FIXTURES
from .test_notebooks import notebook_text

NOTEBOOKS = FIXTURES / "notebooks"
DATA = FIXTURES.parent / "tests" / "data"
BAD = NOTEBOOKS / "split_across_cells.ipynb"
GOOD = NOTEBOOKS / "split_across_cells_ok.ipynb"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("split_across_cells.ipynb", "split_across_cells_ok.ipynb", "empty.ipynb", "no_code_cells.ipynb"):
        shutil.copy(NOTEBOOKS / name, folder / name)
    checkpoints = folder / ".ipynb_checkpoints"
    checkpoints.mkdir()
    shutil.copy(BAD, checkpoints / "split_across_cells-checkpoint.ipynb")
    return folder


def test_check_a_folder_reports_cell_and_line_and_skips_checkpoints(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = run("check", ".", "--output-format", "concise", cwd=folder)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "./split_across_cells.ipynb:cell 5:line 3:col 56: LL101 SparseCategoricalCrossentropy uses "
        "from_logits=True but the model output is already softmax (cell 2, line 3): "
        "set from_logits=False or remove the softmax"
    ]


def test_notebooks_beside_python_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    shutil.copy(FIXTURES / "LL102" / "string_loss_linear_head.py", folder / "train.py")
    lines = run("check", ".", "--output-format", "concise", cwd=folder).stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        "./split_across_cells.ipynb:cell 5:line 3:col 56",
        "./train.py:9:38",
    ]


def test_json_and_sarif_carry_the_cell() -> None:
    rows = json.loads(run("check", "--format", "json", str(BAD)).stdout)
    assert [(r["cell"], r["cell_index"], r["line"], r["column"], r["code"]) for r in rows] == [
        (5, 5, 3, 56, "LL101")
    ]
    assert rows[0]["edits"] == [
        {"line": 3, "column": 68, "end_line": 3, "end_column": 72, "content": "False", "cell": 5}
    ]
    log = json.loads(run("check", "--format", "sarif", str(BAD)).stdout)
    (result,) = log["runs"][0]["results"]
    assert result["properties"] == {"cell": 5, "cellIndex": 5, "lineInCell": 3, "columnInCell": 56}
    # Code scanning shows the .ipynb file: the region is where the code is in its JSON text.
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (72, 61)
    line = BAD.read_text(encoding="utf-8").splitlines()[71]
    assert line[60:region["endColumn"] - 1] == "from_logits=True"
    assert result["message"]["text"].startswith("cell 5, line 3: SparseCategoricalCrossentropy uses")
    (related,) = result["relatedLocations"]
    spot = related["physicalLocation"]["region"]
    assert BAD.read_text(encoding="utf-8").splitlines()[spot["startLine"] - 1][spot["startColumn"] - 1:].startswith(
        'activation=\\"softmax\\"'
    )
    assert "fixes" not in result  # edits inside a JSON string are not offered as SARIF replacements


def test_fix_repairs_only_the_affected_cell(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    shutil.copy(BAD, target)
    result = losslint("fix", str(target))
    assert result.returncode == 0, result.stderr
    # Byte for byte the corrected notebook: outputs, metadata and layout untouched.
    assert target.read_bytes() == GOOD.read_bytes()
    assert losslint("check", str(target)).returncode == 0


def test_fix_leaves_a_clean_notebook_byte_identical(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    shutil.copy(GOOD, target)
    before = target.stat().st_mtime_ns
    assert losslint("fix", str(target)).returncode == 0
    assert target.read_bytes() == GOOD.read_bytes()
    assert target.stat().st_mtime_ns == before  # not even rewritten


def test_fix_diff_shows_the_cell_change_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    shutil.copy(BAD, target)
    result = losslint("fix", "--diff", str(target))
    assert result.returncode == 1
    changed = [line for line in result.stdout.splitlines() if line.startswith(("-  ", "+  "))]
    assert changed == [
        '-    "    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),\\n",',
        '+    "    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),\\n",',
    ]
    assert target.read_bytes() == BAD.read_bytes()


def test_malformed_notebook_is_one_clear_error(tmp_path: Path) -> None:
    result = run("check", "--output-format", "concise", str(DATA / "malformed.ipynb"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == (
        f"{DATA / 'malformed.ipynb'}:0:1: E902 not valid JSON (line 2, column 1): Expecting ',' delimiter\n"
    )


def test_notebook_on_stdin_for_editors() -> None:
    result = run("check", "--stdin-filename", "work.ipynb", "-", stdin=BAD.read_text(encoding="utf-8"))
    assert result.stdout.startswith("work.ipynb:cell 5:line 3:col 56: LL101 ")
    fixed = losslint("fix", "--stdin-filename", "work.ipynb", "-", stdin=BAD.read_text(encoding="utf-8"))
    assert fixed.stdout == GOOD.read_text(encoding="utf-8")


def test_noqa_in_a_cell_is_honoured(tmp_path: Path) -> None:
    notebook = json.loads(BAD.read_text(encoding="utf-8"))
    cell = notebook["cells"][5]
    cell["source"][2] = cell["source"][2].replace("),\n", "),  # noqa: LL101\n")
    target = tmp_path / "nb.ipynb"
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    assert losslint("check", str(target)).stdout == ""


# -- notebooks in valid IPython, cells that do not parse, marker-like text -------------------------

ACCEPTANCE = ["control.ipynb", "percent_continuation.ipynb", "shell_backslash.ipynb", "indented_cell.ipynb"]


@pytest.mark.parametrize("name", ACCEPTANCE)
def test_acceptance_notebooks_are_read_and_their_bug_found(name: str) -> None:
    result = losslint("check", "--format", "json", str(NOTEBOOKS / name))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    rows = json.loads(result.stdout)
    assert [(r["cell"], r["line"], r["column"], r["code"]) for r in rows] == [(1, 3, 30, "LL401")]
    assert losslint("check", str(NOTEBOOKS / name.replace(".ipynb", "_ok.ipynb"))).returncode == 0


def test_acceptance_notebooks_without_ipython() -> None:
    script = (
        "import sys; sys.modules['IPython'] = None\n"  # as if IPython were not installed
        "from flake8_losslint.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    names = [str(NOTEBOOKS / name) for name in ACCEPTANCE]
    result = subprocess.run(
        [sys.executable, "-c", script, "check", "--format", "json", *names], capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert [(Path(r["filename"]).name, r["cell"], r["line"], r["code"]) for r in rows] == [
        (name, 1, 3, "LL401") for name in ACCEPTANCE
    ]


TORCH = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
TORCH_LOSS = "loss = nn.CrossEntropyLoss()(model(x), y)\n"
PY2_NOTICE = (
    "losslint: nb.ipynb:cell 2:line 2:col 1: cell not checked, it does not parse: "
    "Missing parentheses in call to 'print'. Did you mean print(...)?"
)


def test_a_bad_cell_is_a_notice_and_the_other_cells_are_checked(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(notebook_text(TORCH, "x = 1\nprint 'step'\n", TORCH_LOSS), encoding="utf-8")
    result = run("check", "nb.ipynb", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [PY2_NOTICE, "Found 1 finding."]
    assert result.stdout.startswith("nb.ipynb:cell 3:line 1:col 30: LL401 ")
    rows = json.loads(losslint("check", "--format", "json", "nb.ipynb", cwd=tmp_path).stdout)
    assert [(r["cell"], r["line"], r["code"]) for r in rows] == [(3, 1, "LL401")]


def test_a_bad_cell_alone_does_not_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(notebook_text(TORCH, "x = 1\nprint 'step'\n"), encoding="utf-8")
    result = losslint("check", "nb.ipynb", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (0, "", [PY2_NOTICE])


KERAS = (
    "import tensorflow as tf\n"
    'model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])\n'
)
KERAS_COMPILE = "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
KERAS_FIXED = KERAS_COMPILE.replace("from_logits=True", "from_logits=False")


def test_fix_keeps_a_bad_cell_and_marker_like_text(tmp_path: Path) -> None:
    # Issue 18: "# losslint-cell 2" moved lines into cell 2; a "pass  # losslint-magic 0"
    # line became the notebook's first magic.
    cells = ["%matplotlib inline\n" + KERAS, "# losslint-cell 2\npass  # losslint-magic 0\n", "print 'x'\n"]
    target = tmp_path / "nb.ipynb"
    target.write_text(notebook_text(*cells, KERAS_COMPILE), encoding="utf-8")
    result = losslint("fix", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == notebook_text(*cells, KERAS_FIXED)
    assert result.stderr.splitlines()[0].startswith("losslint: nb.ipynb:cell 3:line 1:col 1: cell not checked")
