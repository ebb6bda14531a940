"""``losslint fix`` as users meet it.

Every fixture is fixed (in this process, through ``cli.main``) in each way the command
runs, and the result must be its pinned file byte for byte (``tests/fixed_fixtures.py``
names them; ``python scripts/pin_fixed_fixtures.py`` rewrites them).  The "fixable" label
``losslint check`` prints must be what ``losslint fix`` then does.  The small sources
below pin the fixes' edge cases: layout, imports, what is left to the user.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import List, Sequence, Tuple

import pytest

from flake8_losslint import engine
from flake8_losslint.fixes import (
    FIXERS,
    SAFE,
    STYLE_LOGITS,
    STYLE_MINIMAL,
    STYLE_PROBABILITIES,
    UNSAFE,
    FixContext,
    driver,
    fixable,
)

from .cli_run import losslint
from .conftest import FIXTURES
from .fixed_fixtures import (
    BY_NAME,
    VARIANTS,
    Completed,
    Variant,
    expected,
    fix_copy,
    fixtures,
    is_pinned,
    losslint_main,
    pinned_path,
)

UNSAFE_LOGITS = BY_NAME["logits"].options
UNSAFE_PROBABILITIES = BY_NAME["probabilities"].options
FIXTURE_FILES = fixtures()
PINNED = sorted(p for p in FIXTURES.rglob("*") if is_pinned(p))


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def _variant_of(pinned: Path) -> Tuple[Path, Variant]:
    """The fixture and the variant a pinned file stands for."""
    stem = pinned.stem[: -len(".fixed")]
    base, _, name = stem.rpartition(".")
    if base and name in BY_NAME:
        return pinned.with_name(base + pinned.suffix), BY_NAME[name]
    return pinned.with_name(stem + pinned.suffix), BY_NAME[""]


# -- every fixture, fixed as pinned --------------------------------------------------------------

@pytest.mark.parametrize(
    "fixture,variant",
    [(fixture, variant) for fixture in FIXTURE_FILES for variant in VARIANTS],
    ids=[f"{_id(fixture)}{' ' if variant.options else ''}{' '.join(variant.options)}"
         for fixture in FIXTURE_FILES for variant in VARIANTS],
)
def test_fix_makes_the_pinned_file(tmp_path: Path, fixture: Path, variant: Variant) -> None:
    fixed, result = fix_copy(fixture, tmp_path, variant.options)
    assert result.returncode in (0, 1), result.stderr
    want = expected(fixture, variant)
    hint = f"python scripts/pin_fixed_fixtures.py, then read the diff of {pinned_path(fixture, variant).name}"
    assert fixed.decode("utf-8") == want.decode("utf-8"), hint
    assert fixed == want


@pytest.mark.parametrize("pinned", PINNED, ids=_id)
def test_a_pinned_file_is_fixed_for_good(tmp_path: Path, pinned: Path) -> None:
    """It belongs to a fixture, differs from what stands without it, reports nothing (so
    ``flake8 fixtures/`` lists only the bugs), and fixing it again changes nothing."""
    fixture, variant = _variant_of(pinned)
    assert fixture.exists() and not is_pinned(fixture), f"{pinned.name} has no fixture"
    fallback = fixture.read_bytes() if variant.falls_back_to is None else expected(fixture, BY_NAME[variant.falls_back_to])
    assert pinned.read_bytes() != fallback, f"{pinned.name} repeats what stands without it: remove it"
    again, result = fix_copy(pinned, tmp_path, variant.options)
    assert again == pinned.read_bytes()
    assert (result.returncode, result.stdout) == (0, ""), result.stdout


# -- what check says, fix does ----------------------------------------------------------------------

def _applied(result: Completed) -> int:
    found = re.search(r"^Fixed (\d+) findings? in", result.stderr, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _fix_run(source: Path, directory: Path, options: Sequence[str]) -> Tuple[int, List[dict]]:
    """How many fixes ``losslint fix OPTIONS`` applies to a copy of ``source``, and the
    findings it leaves (with their labels), from its JSON output."""
    _, text = fix_copy(source, directory / "text", options)
    _, as_json = fix_copy(source, directory / "json", [*options, "--format", "json"])
    return _applied(text), json.loads(as_json.stdout)


def check_labels_agree_with_fix(source: Path, directory: Path) -> None:
    """"safe": ``losslint fix`` applies the fix and the finding is gone; "unsafe": only
    ``--unsafe-fixes`` does; no label: no fix is applied for it.  The same holds for the
    labels ``losslint fix --logits-style``/``--probabilities-style`` leave on what remains."""
    rows = json.loads(losslint_main("check", "--format", "json", str(source)).stdout)
    if not any(row["code"] in FIXERS for row in rows):
        assert all(row["fix"] is None for row in rows)
        return
    before = Counter(row["code"] for row in rows)
    for options, counted in (((), {"safe"}), (("--unsafe-fixes",), {"safe", "unsafe"}), ):
        applied, remaining = _fix_run(source, directory / "-".join(options or ("plain",)), options)
        labelled = Counter(row["code"] for row in rows if row["fix"] in counted)
        assert applied == sum(labelled.values()), (options, rows)
        left = Counter(row["code"] for row in remaining)
        for code, count in before.items():
            assert left[code] <= count - labelled[code], (options, code, rows, remaining)
    for style in ("--logits-style", "--probabilities-style"):
        applied, remaining = _fix_run(source, directory / style, (style,))
        unsafe = sum(row["fix"] == "unsafe" for row in remaining)
        assert all(row["fix"] in ("unsafe", None) for row in remaining)
        with_flag, _ = _fix_run(source, directory / f"{style}-unsafe", (style, "--unsafe-fixes"))
        assert with_flag == applied + unsafe, (style, remaining)


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=_id)
def test_check_labels_agree_with_what_fix_does(tmp_path: Path, fixture: Path) -> None:
    check_labels_agree_with_fix(fixture, tmp_path)


# Two bugs in one program: the fix of one would only trade it for another finding, which
# `losslint fix` sees by re-checking and `losslint check` by judging the fix's effect on the facts.
TWO_BUGS = {
    # a sigmoid under from_logits=True is LL101; under a categorical loss, LL105
    "softmax_one_unit_from_logits": "keras.layers.Dense(1, activation='softmax')|keras.losses.BinaryCrossentropy(from_logits=True)|",
    "softmax_one_unit_categorical": "keras.layers.Dense(1, activation='softmax')|keras.losses.CategoricalCrossentropy(from_logits=True)|",
    "softmax_layer_one_unit_sparse": "keras.layers.Dense(1), keras.layers.Softmax()|'sparse_categorical_crossentropy'|onehot",
    # categorical_crossentropy on one unit with 3-column labels is LL203
    "linear_one_unit_sparse_one_hot": "keras.layers.Dense(1)|'sparse_categorical_crossentropy'|onehot",
    "log_softmax_sparse_one_hot": "keras.layers.Dense(3, activation='log_softmax')|'sparse_categorical_crossentropy'|onehot",
    "sigmoid_three_units_categorical_integer": "keras.layers.Dense(3), keras.layers.Activation('sigmoid')|'categorical_crossentropy'|integer",
}
LABELS = {
    "": "",
    "integer": "y = np.random.randint(0, 3, size=64)\n",
    "onehot": "y = keras.utils.to_categorical(np.random.randint(0, 3, size=64), 3)\n",
}


@pytest.mark.parametrize("case", sorted(TWO_BUGS))
def test_check_labels_agree_with_fix_on_two_bugs(tmp_path: Path, case: str) -> None:
    layers, loss, labels = TWO_BUGS[case].split("|")
    source = tmp_path / "train.py"
    source.write_text(
        "import numpy as np\nimport keras\nx = np.random.rand(64, 5)\n" + LABELS[labels]
        + f"model = keras.Sequential([{layers}])\nmodel.compile(loss={loss})\n"
        + ("model.fit(x, y)\n" if labels else ""),
        encoding="utf-8",
    )
    check_labels_agree_with_fix(source, tmp_path / "runs")


@pytest.mark.parametrize("style", [STYLE_MINIMAL, STYLE_LOGITS, STYLE_PROBABILITIES])
def test_fixable_answers_for_every_fixture_finding(style: str) -> None:
    """Called directly: `losslint` hides a fixer's exception (the finding is reported unlabelled)."""
    answered = Counter()
    for fixture in FIXTURE_FILES:
        if fixture.suffix != ".py":
            continue
        source = fixture.read_text(encoding="utf-8")
        try:
            module = engine.parse(source)
        except Exception:  # noqa: BLE001 - the fixtures LibCST rejects on purpose
            continue
        analysis = engine.examine(module)
        ctx = FixContext(module, style, analysis.facts)
        for report in analysis.reports:
            assert report.finding is not None
            label = fixable(report.finding, ctx)
            assert label in (SAFE, UNSAFE, None)
            answered[label] += 1
    assert answered[SAFE] + answered[UNSAFE] > 10


def test_check_analyses_a_file_once_and_makes_no_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The labels come from the fixers' registry, not from fixing and re-checking."""
    extracted = []
    real_extract = engine.extract
    monkeypatch.setattr(
        engine, "extract", lambda module, *rest: extracted.append(module) or real_extract(module, *rest)
    )

    def no_fix(*args: object) -> None:
        raise AssertionError("check applied a fix")

    monkeypatch.setattr(driver, "apply_fix", no_fix)
    fixture = FIXTURES / "LL201" / "np_utils_validation.py"
    rows = json.loads(losslint_main("check", "--losslint-no-cache", "--format", "json", str(fixture)).stdout)
    assert [(row["code"], row["fix"]) for row in rows] == [("LL201", None)]
    fixture = FIXTURES / "LL103" / "dense_one_unit_softmax.py"
    rows = json.loads(losslint_main("check", "--losslint-no-cache", "--format", "json", str(fixture)).stdout)
    assert [(row["code"], row["fix"]) for row in rows] == [("LL103", "safe")]
    # Each file: the screen's analysis, then (it has a finding) the full pass's. Nothing more.
    assert len(extracted) == 4


# -- edge cases on small sources ----------------------------------------------------------------

def _fix(tmp_path: Path, source: str, *options: str) -> Tuple[str, str]:
    path = tmp_path / "train.py"
    path.write_text(source, encoding="utf-8")
    result = losslint_main("fix", *options, str(path))
    return path.read_text(encoding="utf-8"), result.stdout + result.stderr


def test_unsafe_fixes_need_the_flag(tmp_path: Path) -> None:
    source = (FIXTURES / "LL101" / "sequential_loss_variable.py").read_text(encoding="utf-8")
    fixed, output = _fix(tmp_path, source, "--logits-style")
    assert fixed == source
    assert "fixable with `--unsafe-fixes`" in output


def test_diff_shows_and_does_not_write(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    source = (FIXTURES / "LL103" / "dense_one_unit_softmax.py").read_text(encoding="utf-8")
    path.write_text(source, encoding="utf-8")
    result = losslint_main("fix", "--diff", str(path))
    assert result.returncode == 1
    assert path.read_text(encoding="utf-8") == source
    assert f"--- {path}\n+++ {path}\n" in result.stdout  # an absolute path as it is, no a//tmp
    assert '-    keras.layers.Dense(1, activation="softmax"),  # expect: LL103:27' in result.stdout
    assert '+    keras.layers.Dense(1, activation="sigmoid"),  # expect: LL103:27' in result.stdout


def test_fix_from_stdin_writes_the_fixed_source() -> None:
    """The one run in a subprocess: the installed command, its real standard input and output."""
    source = (FIXTURES / "LL103" / "dense_one_unit_softmax.py").read_text(encoding="utf-8")
    result = losslint("fix", "-", "--stdin-filename", "model.py", stdin=source)
    assert result.returncode == 0
    assert result.stdout == source.replace('"softmax"', '"sigmoid"')


def test_noqa_findings_are_not_fixed(tmp_path: Path) -> None:
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))  # noqa: LL101\n"
    )
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source


def test_comments_layout_and_line_endings_are_kept(tmp_path: Path) -> None:
    source = (
        "import tensorflow as tf  # the TF flavour\r\n"
        "\r\n"
        "model = tf.keras.Sequential([\r\n"
        "    tf.keras.layers.Dense(16, activation='relu'),  # hidden\r\n"
        "    tf.keras.layers.Dense(5),  # logits\r\n"
        "])\r\n"
        "model.compile(\r\n"
        "    optimizer='adam',\r\n"
        "    loss=tf.keras.losses.SparseCategoricalCrossentropy(\r\n"
        "        ignore_class=0,  # padding\r\n"
        "    ),  # the loss\r\n"
        ")\r\n"
    )
    path = tmp_path / "train.py"
    path.write_bytes(source.encode("utf-8"))
    result = losslint_main("fix", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = path.read_bytes().decode("utf-8")
    assert fixed == source.replace(
        "        ignore_class=0,  # padding\r\n",
        "        ignore_class=0,  # padding\r\n        from_logits=True,\r\n",
    )


def test_string_loss_becomes_the_class_of_the_imported_keras(tmp_path: Path) -> None:
    source = (
        "from tensorflow.keras import layers, losses, models\n"
        "model = models.Sequential([layers.Dense(3)])\n"
        "model.compile('adam', 'sparse_categorical_crossentropy')\n"
    )
    fixed, _ = _fix(tmp_path, source)
    assert fixed.splitlines()[-1] == "model.compile('adam', losses.SparseCategoricalCrossentropy(from_logits=True))"


def test_no_fix_when_two_kerases_are_imported(tmp_path: Path) -> None:
    source = (
        "import keras\n"
        "import tf_keras\n"
        "model = keras.Sequential([keras.layers.Dense(3)])\n"
        "model.compile('adam', 'sparse_categorical_crossentropy')\n"
    )
    fixed, output = _fix(tmp_path, source)
    assert fixed == source
    assert "LL102" in output


def test_softmax_call_with_an_axis_is_not_turned_into_a_sigmoid(tmp_path: Path) -> None:
    source = (
        "import tensorflow as tf\n"
        "inputs = tf.keras.Input(shape=(4,))\n"
        "score = tf.keras.layers.Dense(1)(inputs)\n"
        "prob = tf.nn.softmax(score, axis=-1)\n"
    )
    fixed, output = _fix(tmp_path, source)
    assert fixed == source  # tf.nn.sigmoid has no axis
    assert "LL103" in output


def test_a_flag_variable_is_left_to_the_user(tmp_path: Path) -> None:
    source = (
        "import keras\n"
        "USE_LOGITS = True\n"
        "model = keras.Sequential([keras.layers.Dense(4, activation='softmax')])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=USE_LOGITS))\n"
    )
    fixed, output = _fix(tmp_path, source)
    assert fixed == source
    assert "LL101" in output


def test_a_fix_that_would_raise_another_finding_is_not_applied(tmp_path: Path) -> None:
    # Dropping the sigmoid would feed the 3-way softmax of `net` to a binary loss (LL104).
    source = (
        "import keras\n"
        "net = keras.Sequential([keras.layers.Dense(3), keras.layers.Activation('softmax')])\n"
        "\n"
        "\n"
        "def step(y, x):\n"
        "    return keras.losses.binary_crossentropy(y, keras.activations.sigmoid(net(x)), from_logits=True)\n"
    )
    fixed, output = _fix(tmp_path, source, *UNSAFE_LOGITS)
    assert fixed == source
    assert "LL101" in output and "--unsafe-fixes" not in output
    fixed, _ = _fix(tmp_path, source, *UNSAFE_LOGITS, "--select", "LL101")  # LL104 counts unselected too
    assert fixed == source
    fixed, _ = _fix(tmp_path, source)  # the safe fix holds
    assert "from_logits=False" in fixed


def test_positional_activation_and_activation_functions(tmp_path: Path) -> None:
    source = (
        "import keras\n"
        "from keras.layers import Dense\n"
        "a = keras.Sequential([Dense(1, 'softmax')])\n"
        "b = keras.Sequential([Dense(1, activation=keras.activations.softmax)])\n"
    )
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("'softmax'", "'sigmoid'").replace("activations.softmax", "activations.sigmoid")


def test_fix_from_stdin_gives_the_buffer_back_when_it_cannot_parse() -> None:
    source = "import keras\nloss = \"bce\"\ndef broken(:\n"
    result = losslint_main("fix", "-", stdin=source)
    assert result.returncode == 2
    assert result.stdout == source
    assert "stdin:3:12: E999 SyntaxError: invalid syntax" in result.stderr
