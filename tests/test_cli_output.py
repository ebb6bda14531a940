"""What the terminal, GitHub Actions and tools get: the full output with the source line
and carets, colour only where it belongs, workflow annotations, JSON with end positions
and each fix's edits."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from flake8_losslint import cli

from .cli_run import run
from .conftest import FIXTURES
from .fixed_fixtures import fixtures, pinned_path, BY_NAME

BAD = FIXTURES / "LL101" / "sequential_loss_variable.py"
CIFAR = FIXTURES / "LL203" / "cifar100_ten_units.py"


def test_full_output_shows_the_source_the_caret_and_the_related_site() -> None:
    result = run("check", "LL101/sequential_loss_variable.py", cwd=FIXTURES)
    assert result.returncode == 1
    assert result.stdout == (
        "LL101/sequential_loss_variable.py:11:57: LL101 SparseCategoricalCrossentropy uses from_logits=True but "
        "the model output is already softmax (line 9): set from_logits=False or remove the softmax\n"
        "   |\n"
        "11 | loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)  # expect: LL101:57\n"
        "   |                                                         ^^^^^^^^^^^^^^^^ LL101\n"
        "   |\n"
        ' 9 |     tf.keras.layers.Dense(10, activation="softmax"),\n'
        "   |                               ^ activation\n"
        "   |\n"
        "   = fix: `losslint fix` (set from_logits=False)\n"
        "   = docs: `losslint explain LL101`\n"
        "\n"
    )


def test_concise_output_is_flake8s_line() -> None:
    result = run("check", "--output-format", "concise", "LL101/sequential_loss_variable.py", cwd=FIXTURES)
    assert result.stdout == (
        "LL101/sequential_loss_variable.py:11:57: LL101 SparseCategoricalCrossentropy uses from_logits=True but "
        "the model output is already softmax (line 9): set from_logits=False or remove the softmax\n"
    )
    assert run("check", "--format", "text", "LL101/sequential_loss_variable.py", cwd=FIXTURES).stdout == result.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _on_a_terminal(*args: str, env: dict) -> str:
    out = _Terminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        from .cli_run import _environment

        with _environment(FIXTURES, env):
            cli.main(list(args))
    return out.getvalue()


@pytest.mark.parametrize(
    "terminal, env, coloured",
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR first, as Python 3.13 does
        (True, {"TERM": "dumb"}, False),
        (False, {}, False),
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"NO_COLOR": ""}, True),  # set but empty: no effect (no-color.org)
    ],
)
def test_colour_on_a_terminal_unless_told_otherwise(terminal: bool, env: dict, coloured: bool) -> None:
    args = ("check", "LL101/sequential_loss_variable.py")
    env = {"TERM": "xterm", **env}
    text = _on_a_terminal(*args, env=env) if terminal else run(*args, cwd=FIXTURES, env=env).stdout
    assert ("\x1b[" in text) is coloured
    plain = run(*args, cwd=FIXTURES).stdout
    assert text.replace("\x1b[0m", "").replace("\x1b[1m", "").replace("\x1b[31m", "").replace(
        "\x1b[34m", "").replace("\x1b[36m", "").replace("\x1b[32m", "") == plain


def test_a_notebook_finding_shows_its_cell_lines(tmp_path: Path) -> None:
    notebook = FIXTURES / "notebooks" / "split_across_cells.ipynb"
    shutil.copy(notebook, tmp_path / "nb.ipynb")
    result = run("check", "nb.ipynb", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("nb.ipynb:cell 5:line 3:col 56: LL101 ")
    assert lines[2] == "3 |     loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),"
    assert lines[5] == '3 |     tf.keras.layers.Dense(10, activation="softmax"),'
    assert lines[6] == "  |                               ^ activation (cell 2)"


def test_github_workflow_annotations(tmp_path: Path) -> None:
    shutil.copy(BAD, tmp_path / "train.py")
    (tmp_path / "broken.py").write_text("import keras\ndef f(:\n", encoding="utf-8")
    result = run("check", "--output-format", "github", "train.py", "broken.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        "::error title=LL101 from-logits-on-probabilities,file=train.py,line=11,col=57,endColumn=73::"
        "LL101 SparseCategoricalCrossentropy uses from_logits=True but the model output is already softmax "
        "(line 9): set from_logits=False or remove the softmax",
        "::error title=E999,file=broken.py,line=2,col=7::E999 SyntaxError: invalid syntax",
    ]


def test_github_annotations_point_into_the_notebook_file(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "notebooks" / "split_across_cells.ipynb", tmp_path / "nb.ipynb")
    result = run("check", "--output-format", "github", "nb.ipynb", cwd=tmp_path)
    [line] = result.stdout.splitlines()
    assert line.startswith("::error title=LL101 from-logits-on-probabilities,file=nb.ipynb,line=72,col=61,")
    assert "::LL101 cell 5, line 3: SparseCategoricalCrossentropy uses" in line


def test_github_escapes_what_workflow_commands_would_misread() -> None:
    from flake8_losslint.report.formats import FileFinding, github

    finding = FileFinding("a,b:c.py", 1, 1, "LL101", "50% done\nnext line")
    assert github([finding]) == (
        "::error title=LL101 from-logits-on-probabilities,file=a%2Cb%3Ac.py,line=1,col=1::LL101 50%25 done%0Anext line\n"
    )


def test_json_has_end_positions_and_related_sites() -> None:
    rows = json.loads(run("check", "--format", "json", str(CIFAR)).stdout)
    [row] = rows
    assert (row["line"], row["column"], row["end_line"], row["end_column"]) == (12, 11, 12, 27)  # layers.Dense(10)
    assert row["related"] == [{"name": "labels", "line": 5, "column": 60, "cell": None, "cell_index": None}]


def _apply(text: str, edits: list) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for edit in sorted(edits, key=lambda e: (e["line"], e["column"]), reverse=True):
        start = offsets[edit["line"] - 1] + edit["column"] - 1
        end = offsets[edit["end_line"] - 1] + edit["end_column"] - 1
        text = text[:start] + edit["content"] + text[end:]
    return text


ONE_SAFE_FIX = []
for _fixture in fixtures():
    if _fixture.suffix == ".py" and pinned_path(_fixture, BY_NAME[""]).exists():
        ONE_SAFE_FIX.append(_fixture)


@pytest.mark.parametrize("fixture", ONE_SAFE_FIX, ids=[str(p.relative_to(FIXTURES)) for p in ONE_SAFE_FIX])
def test_json_edits_make_the_fix(fixture: Path) -> None:
    """For a fixture whose only fixable finding is fixed safely, the JSON edits applied to the
    source give exactly what `losslint fix` writes."""
    rows = json.loads(run("check", "--format", "json", str(fixture)).stdout)
    fixable = [row for row in rows if row["fix"] == "safe"]
    if len(fixable) != 1:
        pytest.skip("several fixes: each row's edits are against the original file")
    source = fixture.read_text(encoding="utf-8")
    assert _apply(source, fixable[0]["edits"]) == pinned_path(fixture, BY_NAME[""]).read_text(encoding="utf-8")
