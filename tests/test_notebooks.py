"""Notebooks: cells joined as one program, findings at cell and line, edits cell by cell."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dataclasses

from flake8_losslint.engine import analyze, analyze_notebook
from flake8_losslint.source import notebooks
from flake8_losslint.source.prefilter import worth_parsing

from .conftest import FIXTURES

NOTEBOOKS = FIXTURES / "notebooks"
DATA = FIXTURES.parent / "tests" / "data"


def check(text: str, ipython=None):  # noqa: ANN001,ANN201
    """Each finding of a notebook with where the user sees it: (cell location, report
    whose column is the column in the cell)."""
    found = []
    for report in analyze_notebook(text, ipython=ipython):
        where = report.location
        found.append((notebooks.Location(where.cell, where.line, where.cell_index), dataclasses.replace(report, col=where.column)))
    return found


def read(name: str) -> str:
    return (NOTEBOOKS / name).read_text(encoding="utf-8")


def test_bug_split_across_cells_is_found_at_its_cell_and_line() -> None:
    found = check(read("split_across_cells.ipynb"))
    # Cells are numbered among code cells, as nbqa does; index is the array position.
    assert [(loc.cell, loc.index, loc.line, r.col, r.code) for loc, r in found] == [(5, 5, 3, 55, "LL101")]
    # The other line named in the message is given as a cell and line too.
    assert "(cell 2, line 3)" in found[0][1].message


def test_corrected_notebook_is_silent() -> None:
    assert check(read("split_across_cells_ok.ipynb")) == []


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
        (r.code, r.col) for _, r in check(text)
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
    assert check(read(name)) == []


def test_malformed_json_is_one_clear_error() -> None:
    with pytest.raises(notebooks.NotebookError) as error:
        check((DATA / "malformed.ipynb").read_text(encoding="utf-8"))
    assert str(error.value).startswith("not valid JSON (line 2")
    with pytest.raises(notebooks.NotebookError, match="no list of cells"):
        check('{"metadata": {}}')


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
    ours = check(read("split_across_cells.ipynb"))
    assert [(loc.cell, loc.line, r.col + 1) for loc, r in ours] == [(5, 3, 56)]


# -- reading cells as IPython does ----------------------------------------------------------------

HAVE_IPYTHON = notebooks._ipython_syntax() is not None
IPYTHON_VERSION = notebooks._ipython_syntax().name.split()[-1] if HAVE_IPYTHON else ""
needs_ipython = pytest.mark.skipif(not HAVE_IPYTHON, reason="IPython is not installed")
# The built-in reader follows IPython 9's rules (8 dedents by the first line only).
needs_ipython9 = pytest.mark.skipif(
    not HAVE_IPYTHON or int(IPYTHON_VERSION.split(".")[0]) < 9, reason="the built-in reader follows IPython 9"
)
READERS = [pytest.param(True, id="ipython", marks=needs_ipython), pytest.param(False, id="builtin")]


def notebook_text(*cells: str) -> str:
    """A notebook as Jupyter writes it, one code cell per string."""
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": source.splitlines(keepends=True)}
            for source in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def reading(cell: str, ipython: bool) -> notebooks.Reading:
    return notebooks.read_cell(cell.split("\n"), notebooks._syntax(ipython))


def tag(number: int) -> str:
    return f"# notebook-ipython {number}"


# cell -> (program lines, hidden lines, wrapped in "if True:")
VALID_IPYTHON = {
    # A "%" that starts a continuation line is the modulo operator, not a magic.
    "percent continuation": (
        "print('loss %.4f'\n      % 0.5)\n",
        ["print('loss %.4f'", "      % 0.5)", ""], set(), False,
    ),
    "shell escape continued with a backslash": (
        "!pip install tensorflow \\\n    --quiet\n",
        [f"get_ipython()  {tag(1)}", tag(2), ""], {0, 1}, False,
    ),
    "cell indented as a whole": ("  x = 1\n  y = 2\n", ["  x = 1", "  y = 2", ""], set(), True),
    "indented after leading blank lines, with a magic": (
        "\n  %time x\n  y = 1\n", ["", f"  get_ipython()  {tag(1)}", "  y = 1", ""], {1}, True,
    ),
    "indented comment only": ("  # a note\n", ["  # a note", ""], set(), False),
    "cell magic": ("%%bash\necho hi\n  ls\n", [f"get_ipython()  {tag(1)}", tag(2), tag(3), ""], {0, 1, 2}, False),
    "cell magic with a Python body": (
        "%%time\nx = 1\n!ls\n", [f"get_ipython()  {tag(2)}", "x = 1", f"get_ipython()  {tag(1)}", ""], {0, 2}, False,
    ),
    "cell magic with an indented Python body": (
        "%%capture out\n  x = 1\n", [f"if True:  {tag(1)}", "  x = 1", ""], {0}, False,
    ),
    "help": ("model.summary?\n", [f"get_ipython()  {tag(1)}", ""], {0}, False),
    "help with details": ("model.fit??\n", [f"get_ipython()  {tag(1)}", ""], {0}, False),
    "assigned shell output": ("files = !ls\n", [f"files = get_ipython()  {tag(1)}", ""], {0}, False),
    "assigned magic": ("y = %time f()\n", [f"y = get_ipython()  {tag(1)}", ""], {0}, False),
    "assigned magic after a backslash": (
        "x = \\\n    %time f()\n", ["x = \\", f"    get_ipython()  {tag(1)}", ""], {1}, False,
    ),
    "magic in a block": ("if x:\n    %time f()\n", ["if x:", f"    get_ipython()  {tag(1)}", ""], {1}, False),
    "continued shell escape in a loop": (
        "for i in range(3):\n    !echo $i \\\n        done\nx = 1\n",
        ["for i in range(3):", f"    get_ipython()  {tag(1)}", tag(2), "x = 1", ""], {1, 2}, False,
    ),
    "magic text in a string": ("s = '''\n%notmagic\n'''\n", ["s = '''", "%notmagic", "'''", ""], set(), False),
    "modulo": ("x = 5 % 3\n", ["x = 5 % 3", ""], set(), False),
    "pasted doctest prompts": (">>> x = 1\n... y = 2\n", ["    x = 1", "    y = 2", ""], set(), True),
    "pasted IPython prompts": ("In [1]: x = 1\n   ...: y = 2\n", ["        x = 1", "        y = 2", ""], set(), True),
    "no final newline": ("%ls\nx = 1", [f"get_ipython()  {tag(1)}", "x = 1"], {0}, False),
    # str.splitlines (and so IPython) ends a line at these; Python does not.
    "other line ends": ("s = 'a\u2028b'  # \x0c\n\x0c\nx = 1\n", ["s = 'a b'  #  ", " ", "x = 1", ""], set(), False),
}


@pytest.mark.parametrize("ipython", READERS)
@pytest.mark.parametrize("case", sorted(VALID_IPYTHON))
def test_valid_ipython_is_read_line_for_line(case: str, ipython: bool) -> None:
    cell, lines, hidden, wrapped = VALID_IPYTHON[case]
    read = reading(cell, ipython)
    assert read.error is None
    assert (list(read.lines), set(read.hidden), read.wrapped) == (lines, hidden, wrapped)
    assert len(read.lines) == len(cell.split("\n"))


# cell -> (line, column, reason) of the notice
NOT_PYTHON = {
    "Python 2": (
        "print 'x'\n", (1, 1, "it does not parse: Missing parentheses in call to 'print'. Did you mean print(...)?"),
    ),
    "help on a call (IPython leaves it)": ("foo(1)?\n", (1, 7, "it does not parse: invalid syntax")),
    "error on the second line": ("x = 1\ndef f(:\n    pass\n", (2, 7, "it does not parse: invalid syntax")),
    "error in a %%time body": ("%%time\ndef f(:\n", (2, 7, "it does not parse: invalid syntax")),
    "indentation that IPython does not remove": (" x = 1\n  y = 2\n", (2, 2, "it does not parse: unexpected indent")),
    # Under "if True:" this would pass: the comment does not set the indentation.
    "first statement deeper than a comment": ("  # c\n    x = 1\n", (2, 4, "it does not parse: unexpected indent")),
}


@pytest.mark.parametrize("ipython", READERS)
@pytest.mark.parametrize("case", sorted(NOT_PYTHON))
def test_a_cell_that_does_not_parse_is_blanked_and_explained(case: str, ipython: bool) -> None:
    cell, error = NOT_PYTHON[case]
    read = reading(cell, ipython)
    assert read.error == error
    assert read.lines == tuple("" for _ in cell.split("\n"))


def test_builtin_reader_declines_prompts_beside_a_triple_quoted_string() -> None:
    read = reading(">>> s = '''\n... x\n... '''\n", False)
    assert read.error == (1, 1, "IPython cannot read it: pasted >>> prompts beside a triple-quoted string "
                                "(install IPython to read it)")


def _ipython_compiles(cell: str) -> bool:
    """What IPython itself makes of a cell: True when the kernel would compile it."""
    from IPython.core.inputtransformer2 import TransformerManager

    manager = TransformerManager()
    lines = (cell if cell.endswith("\n") else cell + "\n").splitlines(keepends=True)
    for transform in manager.cleanup_transforms:
        lines = transform(lines)
    if lines and lines[0].startswith("%%") and lines[0][2:].rstrip().partition(" ")[0] in notebooks.PYTHON_CELL_MAGICS:
        return _ipython_compiles("".join(lines[1:]))  # %%time and the like compile their body later
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = manager.transform_cell(cell)
            compile(text, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except Exception:  # noqa: BLE001 - whatever IPython raises, the cell does not run
        return False
    return True


# Cells that have tripped readers: each is read by both readers and by IPython.
CORPUS = sorted(
    {case[0] for case in VALID_IPYTHON.values()}
    | {case[0] for case in NOT_PYTHON.values()}
    | {
        "a = b = %foo\n", "%time\n", "x = (1,\n%2)\n", "?x\n", "x?\ny = 1\n", "  %%bash\n  ls\n", "\n%%bash\nls\n",
        "%%time?\n", "print(1) # %x\n", "x = !!ls\n", ",f a b\n", "/f a b\n", ";f a b\n", "/ f\n", "!ls \\\n",
        "x = !ls \\\n  -la \\\n  /tmp\ny = 1\n", "%%writefile a.py\nimport os\n", "if x:\n    a\n  b\n%time x\n",
        "  def f():\n      return 1\n  f?\n", "\tx = 1\n\ty = 2\n", "", "\n", "   \n  \n", "a[0]?\n", "%magic?\n",
        "x = [\n  %1\n]\n", ">>> def f():\n...     return 1\n>>> f()\n1\n", "In [12]: a = 1\n    ...: b = 2\n",
        "  >>> x = 1\n  >>> y\n", "await foo()\n", "x = 'a' \\\n  'b'\n%ls\n", "%%timeit -n 1\n  %time x\n  y\n",
        "y = ! ls\n", "d['k'] = %time f()\n", "(a,\n b) = %time f()\n", "x == %y\n", "f(a=%b)\n", "x = 1 # c?\n",
        "x?  # c\n", "%%\n", "x = %\n", "class A:\n    x = !ls\n", "if True:\n    !ls\nelse:\n    pass\n",
        "%time x = (1,\n  2)\n", "x = 1;!ls\n", ";\n", "!\n", "%\n", "??\n", "x = !\n", "if x: %time y\n",
        "print(f'{x!r}')\n", "\tobj??\n\tx = (1,\n\tx = (1,\n\tobj??\n", "%%time\n  # c\n    x = 1\n",
        "\tf(\n\t    %time f()\n\tf(\n\t  )\n\t%time f()\n\t%%time?\n", ">>> # c\n>>>   y = 2\n",
    }
)


@needs_ipython9
@pytest.mark.parametrize("cell", CORPUS)
def test_builtin_reader_reads_as_ipython_does(cell: str) -> None:
    assert reading(cell, False) == reading(cell, True)


@needs_ipython
@pytest.mark.parametrize("cell", CORPUS)
def test_a_cell_is_read_exactly_when_ipython_compiles_it(cell: str) -> None:
    assert (reading(cell, True).error is None) == _ipython_compiles(cell)


FRAGMENTS = [
    "x = 1", "print('a %d'", "      % 2)", "% 2)", "!pip install x \\", "    --quiet", "%time f()", "y = %time f()",
    "z = !ls", "model.summary?", "obj??", "if x:", "    %time f()", "    pass", "    !ls", "%%time", "%%bash",
    "%%capture", "  ", "", "# comment", "s = '''", "%notmagic", "'''", "foo(1)?", "In [1]: c = 2", "   ...: d",
    "/f a b", ",f a b", ";f a b", "x = (1,", "%2)", "]", "def f():", "  return 1", "a = b = %foo", "x = 5 % 3",
    "%%time?", "print 'py2'", "  y = 2", "x = \\", "?", "%", "!", "!!ls", "a[0]?", "f(", "  )", "else:",
    "class A:", "    x = !ls", "'", '"', "x = '''a", "b'''", "await f()", "%%writefile f.py", "y = %ls \\",
    "\tz = 3", "x = 1 # ?", "d[1] = !ls", "x = %%time",
]


@needs_ipython9
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
    st.sampled_from(["", "  ", "\t", ">>> "]),
    st.booleans(),
)
def test_random_cells_read_as_ipython_does(fragments: List[str], prefix: str, final_newline: bool) -> None:
    cell = "\n".join(prefix + fragment for fragment in fragments) + ("\n" if final_newline else "")
    ours, builtin = reading(cell, True), reading(cell, False)
    assert (ours.error is None) == _ipython_compiles(cell)
    if builtin.error is None or "triple-quoted" not in builtin.error[2]:
        assert builtin == ours


@pytest.mark.parametrize("ipython", READERS)
def test_reader_is_named(ipython: bool) -> None:
    whole = notebooks.program(notebooks.load(read("control.ipynb")), ipython)
    assert whole.reader == (f"IPython {IPYTHON_VERSION}" if ipython else "built-in")


def test_without_ipython_the_builtin_reader_reads_the_acceptance_notebooks() -> None:
    script = (
        "import sys; sys.modules['IPython'] = None\n"  # as if IPython were not installed
        "from flake8_losslint.source import notebooks\n"
        "from flake8_losslint.engine import analyze_notebook\n"
        "for name in sys.argv[1:]:\n"
        "    whole = notebooks.program(notebooks.load(open(name, encoding='utf-8').read()))\n"
        "    found = analyze_notebook(open(name, encoding='utf-8').read())\n"
        "    print(whole.reader, len(whole.skipped), [(r.location.cell, r.location.line, r.location.column + 1, r.code) for r in found])\n"
    )
    names = [str(NOTEBOOKS / name) for name in ACCEPTANCE]
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, cwd=FIXTURES.parent)
    assert result.stdout.splitlines() == ["built-in 0 [(1, 3, 30, 'LL401')]"] * len(ACCEPTANCE), result.stderr


def test_ipython_is_imported_only_to_read_a_notebook() -> None:
    script = (
        "import sys\n"
        "import flake8_losslint.cli, flake8_losslint.source.notebooks\n"
        "print('IPython' in sys.modules)\n"
        "flake8_losslint.source.notebooks.program({'cells': []})\n"
        "print('IPython' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=FIXTURES.parent)
    assert result.stdout.split() == ["False", str(HAVE_IPYTHON)], result.stderr


# -- the acceptance notebooks ---------------------------------------------------------------------

# ../shared/cases/precision/notebooks: cell 1 holds an LL401 bug, cell 2 valid IPython.
ACCEPTANCE = ["control.ipynb", "percent_continuation.ipynb", "shell_backslash.ipynb", "indented_cell.ipynb"]


@pytest.mark.parametrize("ipython", READERS)
@pytest.mark.parametrize("name", ACCEPTANCE)
def test_acceptance_notebook_is_read_and_its_bug_found(name: str, ipython: bool) -> None:
    whole = notebooks.program(notebooks.load(read(name)), ipython)
    assert whole.skipped == []
    found = check(read(name), ipython)
    assert [(loc.cell, loc.line, r.col + 1, r.code) for loc, r in found] == [(1, 3, 30, "LL401")]
    assert check(read(name.replace(".ipynb", "_ok.ipynb")), ipython) == []


def test_shell_backslash_program_keeps_every_line() -> None:
    whole = notebooks.program(notebooks.load(read("shell_backslash.ipynb")))
    assert whole.source.split("\n") == [
        "# notebook-cell 0",
        "import torch.nn as nn",
        "model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))",
        "loss = nn.CrossEntropyLoss()(model(x), y)",
        "",
        "# notebook-cell 1",
        f"get_ipython()  {tag(1)}",
        tag(2),
        "",
        "",
    ]


def test_indented_cell_is_the_body_of_its_marker_line() -> None:
    whole = notebooks.program(notebooks.load(read("indented_cell.ipynb")))
    assert whole.source.split("\n")[5:8] == ["if True:  # notebook-cell 1", "  x = 1", "  y = 2"]


# -- findings after IPython syntax, at their cell, line and column ---------------------------------

TORCH_IMPORT = "import torch.nn as nn\n"
TORCH_MODEL = "model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
TORCH_LOSS = "loss = nn.CrossEntropyLoss()(model(x), y)\n"  # LL401 at column 30


@pytest.mark.parametrize("ipython", READERS)
def test_findings_keep_cell_line_and_column_after_ipython_syntax(ipython: bool) -> None:
    text = notebook_text(
        "%matplotlib inline\n!pip install torch \\\n    --quiet\n" + TORCH_IMPORT,
        "  " + TORCH_MODEL + "  %time model\n  " + TORCH_LOSS,  # indented as a whole
        "files = !ls\n%%time\n",
        "%%time\n" + TORCH_LOSS,
    )
    found = check(text, ipython)
    assert [(loc.cell, loc.line, r.col + 1, r.code) for loc, r in found] == [
        (2, 3, 32, "LL401"),
        (4, 2, 30, "LL401"),
    ]
    assert "(cell 2, line 1)" in found[0][1].message


@pytest.mark.parametrize("ipython", READERS)
def test_column_where_ipython_removed_prompts_of_another_width(ipython: bool) -> None:
    # "In [1]: " is 8 wide, " ...: " 6: IPython strips both; columns are the cell's.
    text = notebook_text("In [1]: " + TORCH_IMPORT + " ...: " + TORCH_MODEL + " ...: " + TORCH_LOSS)
    found = check(text, ipython)
    assert [(loc.cell, loc.line, r.col + 1, r.code) for loc, r in found] == [(1, 3, 36, "LL401")]


@pytest.mark.parametrize("ipython", READERS)
def test_a_bad_cell_is_skipped_and_the_others_checked(ipython: bool) -> None:
    text = notebook_text(TORCH_IMPORT + TORCH_MODEL, "print 'step'\n", TORCH_LOSS)
    whole = notebooks.program(notebooks.load(text), ipython)
    assert [str(skipped) for skipped in whole.skipped] == [
        "cell 2:line 1:col 1: cell not checked, it does not parse: Missing parentheses in call to 'print'. "
        "Did you mean print(...)?"
    ]
    assert whole.skipped[0].index == 1
    found = check(text, ipython)
    assert [(loc.cell, loc.line, r.col + 1, r.code) for loc, r in found] == [(3, 1, 30, "LL401")]


def test_skipped_cells_are_told_only_in_notebooks_the_linter_looks_at() -> None:
    plain = notebooks.program(notebooks.load(notebook_text("import os\n", "print 'x'\n")))
    assert len(plain.skipped) == 1 and plain.notices() == []
    # The ML import is in the bad cell itself: still worth telling.
    ml = notebooks.program(notebooks.load(notebook_text("import torch.nn as nn\nprint 'x'\n", TORCH_LOSS)))
    assert [skipped.cell for skipped in ml.notices()] == [1]


# -- fixes go back into the cells they came from ---------------------------------------------------

KERAS_IMPORT = "import tensorflow as tf\n"
KERAS_MODEL = 'model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])\n'
KERAS_COMPILE = "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
KERAS_FIXED = KERAS_COMPILE.replace("from_logits=True", "from_logits=False")


def _fixed(text: str) -> str:
    """What `losslint fix` does to a notebook: fix the program, put it back."""
    whole = notebooks.program(notebooks.load(text))
    fixed = whole.source.replace("from_logits=True", "from_logits=False")
    return notebooks.with_fixed_program(text, fixed, whole)


def test_fix_in_an_indented_cell_beside_magics() -> None:
    first = KERAS_IMPORT + "%matplotlib inline"
    text = notebook_text(first, "    " + KERAS_MODEL + "    !nvidia-smi\n    " + KERAS_COMPILE)
    assert _fixed(text) == notebook_text(first, "    " + KERAS_MODEL + "    !nvidia-smi\n    " + KERAS_FIXED)


def test_fix_leaves_a_skipped_cell_as_written() -> None:
    text = notebook_text(KERAS_IMPORT + KERAS_MODEL, "print 'from_logits=True'\n", KERAS_COMPILE)
    assert _fixed(text) == notebook_text(KERAS_IMPORT + KERAS_MODEL, "print 'from_logits=True'\n", KERAS_FIXED)


def test_a_fix_that_changes_an_ipython_line_is_refused() -> None:
    text = notebook_text(KERAS_IMPORT + "x = !ls\n" + KERAS_MODEL + KERAS_COMPILE)
    whole = notebooks.program(notebooks.load(text))
    fixed = whole.source.replace("x = get_ipython()", "x = get_ipython(0)")
    with pytest.raises(notebooks.NotebookError, match="a fix changed a line of cell 1 that is IPython syntax"):
        notebooks.with_fixed_program(text, fixed, whole)


def test_a_fix_that_loses_a_cell_boundary_is_refused() -> None:
    text = notebook_text(KERAS_IMPORT + KERAS_MODEL, KERAS_COMPILE)
    whole = notebooks.program(notebooks.load(text))
    fixed = whole.source.replace("# notebook-cell 1\n", "")
    with pytest.raises(notebooks.NotebookError, match="a fix moved a cell boundary"):
        notebooks.with_fixed_program(text, fixed, whole)


# Issue 18: user text that looked like the reader's own lines (markers and
# placeholders were "# losslint-cell N" and "pass  # losslint-magic N").
def test_cell_text_like_a_marker_line_stays_in_its_cell() -> None:
    cells = (KERAS_IMPORT + "# losslint-cell 2\n" + KERAS_MODEL, "x = 1\n", KERAS_COMPILE)
    text = notebook_text(*cells)
    assert _fixed(text) == notebook_text(cells[0], cells[1], KERAS_FIXED)


def test_cell_text_like_a_placeholder_line_is_not_replaced_by_a_magic() -> None:
    cells = ("%matplotlib inline\n" + KERAS_IMPORT, "pass  # losslint-magic 0\n" + KERAS_MODEL, KERAS_COMPILE)
    text = notebook_text(*cells)
    assert _fixed(text) == notebook_text(cells[0], cells[1], KERAS_FIXED)


def test_cell_text_like_the_readers_own_lines_is_kept() -> None:
    cells = (
        "%matplotlib inline\n" + KERAS_IMPORT,
        "pass  # notebook-ipython 1\n# notebook-cell 0\n" + KERAS_MODEL,
        KERAS_COMPILE,
    )
    text = notebook_text(*cells)
    assert notebooks.program(notebooks.load(text)).stem == "notebook1"
    assert _fixed(text) == notebook_text(cells[0], cells[1], KERAS_FIXED)


def test_the_reader_s_own_lines_do_not_pass_the_prefilter() -> None:
    """A notebook that imports torch and mentions no loss is not parsed, as a .py file would not be."""
    text = notebook_text("import torch\n%time x = torch.zeros(3)\n", "  y = x + 1\n")
    assert not worth_parsing(notebooks.program(notebooks.load(text)).source)


def test_a_fix_on_a_line_pasted_with_a_prompt_is_refused() -> None:
    text = notebook_text(">>> " + KERAS_IMPORT + ">>> " + KERAS_MODEL + ">>> " + KERAS_COMPILE)
    assert [r.code for _, r in check(text)] == ["LL101"]
    with pytest.raises(notebooks.NotebookError, match="pasted with a prompt"):
        _fixed(text)
