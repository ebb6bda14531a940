"""``losslint fix`` on copies of the fixtures: the result re-checks clean, is the corrected
twin where the twin shows that very fix, and a second run changes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Tuple

import pytest

from .cli_run import losslint
from .conftest import FIXTURES

_EXPECT_COMMENT = re.compile(r"  # expect: [A-Z0-9: ]+$", re.MULTILINE)

TWIN = "twin"  # fixed file == the *_ok.py twin (less the # expect comments)
CLEAN = "clean"  # fixed file re-checks clean; the twin shows another fix
NO_FIX = "no fix"  # nothing certain to do: the file is left as it is

UNSAFE_LOGITS = ("--logits-style", "--unsafe-fixes")
UNSAFE_PROBABILITIES = ("--probabilities-style", "--unsafe-fixes")

# fixture, options, outcome
CASES: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ("LL101/activation_layer_direct_call.py", (), CLEAN),
    ("LL101/activation_layer_direct_call.py", UNSAFE_LOGITS, CLEAN),
    ("LL101/custom_training_loop.py", (), CLEAN),
    ("LL101/custom_training_loop.py", UNSAFE_LOGITS, TWIN),
    ("LL101/functional_softmax_layer.py", (), TWIN),
    ("LL101/functional_softmax_layer.py", UNSAFE_LOGITS, CLEAN),
    ("LL101/keras2_sigmoid_binary.py", (), CLEAN),
    ("LL101/lambda_loss.py", (), CLEAN),
    ("LL101/keras2_sigmoid_binary.py", UNSAFE_LOGITS, CLEAN),
    ("LL101/sequential_loss_variable.py", (), CLEAN),
    ("LL101/sequential_loss_variable.py", UNSAFE_LOGITS, TWIN),
    ("LL101/subclassed_tf_nn_softmax.py", (), CLEAN),
    ("LL101/subclassed_tf_nn_softmax.py", UNSAFE_LOGITS, TWIN),
    ("LL101/tf_keras_keras1_args.py", (), TWIN),
    ("LL101/tf_keras_keras1_args.py", UNSAFE_LOGITS, CLEAN),
    ("LL102/binary_head_from_builder.py", (), CLEAN),
    ("LL102/binary_head_from_builder.py", UNSAFE_PROBABILITIES, TWIN),
    ("LL102/explicit_false_activation_none.py", (), TWIN),
    ("LL102/explicit_false_activation_none.py", UNSAFE_PROBABILITIES, CLEAN),
    ("LL102/log_softmax_head.py", (), CLEAN),
    ("LL102/log_softmax_head.py", UNSAFE_PROBABILITIES, TWIN),
    # Only `from tensorflow.keras import Sequential` and layers: no way to spell the loss class.
    ("LL101/model_passed_to_a_training_function.py", (), CLEAN),
    ("LL101/star_import_layers.py", (), CLEAN),
    ("LL102/keras_layer_subclass.py", (), CLEAN),
    ("LL102/one_unit_categorical.py", (), NO_FIX),  # no categorical loss works on one unit
    ("LL102/star_import.py", (), NO_FIX),
    ("LL102/star_import.py", UNSAFE_PROBABILITIES, NO_FIX),  # the fix does not yet see through star imports
    ("LL102/string_loss_linear_head.py", (), NO_FIX),
    ("LL102/string_loss_linear_head.py", UNSAFE_PROBABILITIES, TWIN),
    ("LL102/wrapped_in_custom_loss.py", (), TWIN),
    ("LL103/dense_one_unit_softmax.py", (), TWIN),
    ("LL103/softmax_layer_after_one_unit.py", (), TWIN),
)


def _without_expectations(text: str) -> str:
    return _EXPECT_COMMENT.sub("", text)


@pytest.mark.parametrize(
    "fixture,options,outcome", CASES, ids=[f"{c[0]}{' '.join(('',) + c[1])}" for c in CASES]
)
def test_fix_fixture(tmp_path: Path, fixture: str, options: Tuple[str, ...], outcome: str) -> None:
    check_fix_outcome(tmp_path, fixture, options, outcome)


def check_fix_outcome(tmp_path: Path, fixture: str, options: Tuple[str, ...], outcome: str) -> None:
    """Fix a copy of ``fixture`` with ``losslint fix`` and check what ``outcome`` promises."""
    original = FIXTURES / fixture
    target = tmp_path / original.name
    shutil.copy(original, target)
    before = target.read_text(encoding="utf-8")
    code = fixture.split("/")[0]

    first = losslint("fix", *options, str(target))
    after = target.read_text(encoding="utf-8")
    recheck = losslint("check", str(target))
    if outcome == NO_FIX:
        assert after == before
        assert first.returncode == 1 and recheck.returncode == 1 and code in recheck.stdout
        return
    assert after != before
    assert first.returncode == 0, first.stdout + first.stderr
    assert recheck.returncode == 0, recheck.stdout
    if outcome == TWIN:
        twin = original.with_name(original.stem + "_ok.py").read_text(encoding="utf-8")
        assert _without_expectations(after) == twin
    second = losslint("fix", *options, str(target))
    assert second.returncode == 0
    assert target.read_text(encoding="utf-8") == after, "fixing is idempotent"


def test_every_fixable_fixture_is_covered() -> None:
    covered = {fixture for fixture, _, _ in CASES}
    for code in ("LL101", "LL102", "LL103"):
        for path in sorted((FIXTURES / code).glob("*.py")):
            if not path.stem.endswith("_ok"):
                assert f"{code}/{path.name}" in covered, f"add {path.name} to CASES"


def _fix(tmp_path: Path, source: str, *options: str) -> Tuple[str, str]:
    path = tmp_path / "train.py"
    path.write_text(source, encoding="utf-8")
    result = losslint("fix", *options, str(path))
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
    result = losslint("fix", "--diff", str(path))
    assert result.returncode == 1
    assert path.read_text(encoding="utf-8") == source
    assert f"--- a/{path}" in result.stdout
    assert '-    keras.layers.Dense(1, activation="softmax"),  # expect: LL103:27' in result.stdout
    assert '+    keras.layers.Dense(1, activation="sigmoid"),  # expect: LL103:27' in result.stdout


def test_fix_from_stdin_writes_the_fixed_source(tmp_path: Path) -> None:
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
    result = losslint("fix", str(path))
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
    result = losslint("fix", "-", stdin=source)
    assert result.returncode == 2
    assert result.stdout == source
    assert "cannot parse" in result.stderr
