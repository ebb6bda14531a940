"""``losslint fix`` for LL201/LL202: the loss is switched to the encoding the labels have.

Fixture cases follow tests/test_fixes.py: the fixed copy re-checks clean, equals the
``_ok`` twin where the twin shows that very fix, and a second run changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Tuple

import pytest

from flake8_losslint.fixes import fix_source

from .cli_run import losslint
from .conftest import FIXTURES
from .test_fixes import CLEAN, NO_FIX, TWIN, _fix, check_fix_outcome

UNSAFE = ("--unsafe-fixes",)

# fixture, options, outcome
CASES: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    # The model is compiled in a builder and returned: other callers may give it integer labels.
    ("LL201/builder_compiles.py", (), NO_FIX),
    ("LL201/builder_compiles.py", UNSAFE, CLEAN),
    ("LL201/dataset_map_one_hot.py", (), TWIN),
    # The model is compiled outside the function that fits it: other calls may pass other labels.
    ("LL201/labels_through_helper_call.py", (), NO_FIX),
    ("LL201/flow_from_directory_default.py", (), CLEAN),
    ("LL201/loop_enumerate_dataset.py", (), TWIN),
    ("LL201/mnist_to_categorical.py", (), TWIN),
    # fit's own labels are integer, only validation_data is one-hot: no loss fits both.
    ("LL201/np_utils_validation.py", (), NO_FIX),
    ("LL201/np_utils_validation.py", UNSAFE, NO_FIX),
    ("LL201/shuffled_one_hot.py", (), TWIN),
    # Labels fed to a placeholder: its written shape ([None]) must change with the op.
    ("LL201/tf1_feed_onehot_into_sparse.py", (), NO_FIX),
    # tf.compat.v1.losses takes the one-hot labels by another keyword (onehot_labels=).
    ("LL201/tf1_losses_module.py", (), NO_FIX),
    ("LL201/tf1_mnist_loader_one_hot.py", (), TWIN),
    ("LL201/tf_nn_sparse_op.py", (), TWIN),
    ("LL201/training_loop_eye.py", (), CLEAN),
    ("LL202/argmax_direct_call.py", (), CLEAN),
    ("LL202/cifar10_categorical.py", (), CLEAN),
    ("LL202/image_dataset_default_int.py", (), CLEAN),
    ("LL202/label_encoder_split.py", (), TWIN),
    ("LL202/sliced_labels_keep_encoding.py", (), TWIN),
    ("LL202/tf1_feed_dict_int_labels.py", (), NO_FIX),
    # The twin one-hot encodes at the loader instead; switching the loss is clean too.
    ("LL202/tf1_mnist_loader_default_ints.py", (), CLEAN),
    # A placeholder finding: no loss to switch.
    ("LL202/tf1_placeholder_width_handwritten_ce.py", (), NO_FIX),
    ("LL202/tuple_index_labels.py", (), TWIN),
    ("LL202/tf_keras_sparse_generator.py", (), CLEAN),
)


@pytest.mark.parametrize(
    "fixture,options,outcome", CASES, ids=[f"{c[0]}{' '.join(('',) + c[1])}" for c in CASES]
)
def test_fix_fixture(tmp_path: Path, fixture: str, options: Tuple[str, ...], outcome: str) -> None:
    check_fix_outcome(tmp_path, fixture, options, outcome)


def test_every_fixture_is_covered() -> None:
    covered = {fixture for fixture, _, _ in CASES}
    for code in ("LL201", "LL202"):
        for path in sorted((FIXTURES / code).glob("*.py")):
            if not path.stem.endswith("_ok"):
                assert f"{code}/{path.name}" in covered, f"add {path.name} to CASES"


ONE_HOT = (
    "import numpy as np\n"
    "import keras\n"
    "x = np.random.rand(64, 5)\n"
    "y = keras.utils.to_categorical(np.random.randint(0, 3, size=64), 3)\n"
    "model = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
)
INTEGER = (
    "import numpy as np\n"
    "import keras\n"
    "x = np.random.rand(64, 5)\n"
    "y = np.random.randint(0, 3, size=64)\n"
    "model = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
)


def test_arguments_comments_and_layout_are_kept(tmp_path: Path) -> None:
    source = ONE_HOT + (
        "model.compile(\n"
        "    optimizer='adam',  # plain Adam\n"
        "    loss=keras.losses.SparseCategoricalCrossentropy(\n"
        "        from_logits=False,  # softmax head\n"
        "        reduction='sum',\n"
        "    ),  # the loss\n"
        ")\n"
        "model.fit(x, y)\n"
    )
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("SparseCategoricalCrossentropy", "CategoricalCrossentropy")


def test_a_loss_argument_the_counterpart_lacks_means_no_fix(tmp_path: Path) -> None:
    sparse = ONE_HOT + "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=-1))\nmodel.fit(x, y)\n"
    fixed, output = _fix(tmp_path, sparse, *UNSAFE)
    assert fixed == sparse and "LL201" in output
    for loss in (
        "keras.losses.CategoricalCrossentropy(label_smoothing=0.1)",
        "keras.losses.CategoricalCrossentropy(False, 0.1)",
        "keras.losses.CategoricalCrossentropy(axis=-1)",  # Keras 2's sparse class has no axis
        "'categorical_focal_crossentropy'",  # no sparse counterpart
    ):
        categorical = INTEGER + f"model.compile(loss={loss})\nmodel.fit(x, y)\n"
        fixed, output = _fix(tmp_path, categorical, *UNSAFE)
        assert fixed == categorical, loss
        assert "LL202" in output


def test_metric_strings_follow_the_loss(tmp_path: Path) -> None:
    source = INTEGER + (
        "model.compile('adam', 'categorical_crossentropy', metrics=['accuracy', \"categorical_accuracy\", "
        "'top_k_categorical_accuracy'])\n"
        "model.fit(x, y)\n"
    )
    outcome = fix_source(source)
    assert [fix.description for fix in outcome.applied] == [
        "use sparse_categorical_crossentropy (and sparse_categorical_accuracy, "
        "sparse_top_k_categorical_accuracy in the metrics)"
    ]
    assert outcome.applied[0].safe
    assert outcome.source == source.replace("'categorical_crossentropy'", "'sparse_categorical_crossentropy'").replace(
        "\"categorical_accuracy\"", "\"sparse_categorical_accuracy\""
    ).replace("'top_k_categorical_accuracy'", "'sparse_top_k_categorical_accuracy'")


def test_an_encoding_metric_object_means_no_fix(tmp_path: Path) -> None:
    source = ONE_HOT + (
        "model.compile(loss='sparse_categorical_crossentropy', metrics=[keras.metrics.SparseCategoricalAccuracy()])\n"
        "model.fit(x, y)\n"
    )
    fixed, _ = _fix(tmp_path, source, *UNSAFE)
    assert fixed == source


def test_metrics_the_fix_cannot_see_make_it_unsafe(tmp_path: Path) -> None:
    source = ONE_HOT + "METRICS = ['sparse_categorical_accuracy']\n" + (
        "model.compile(loss='sparse_categorical_crossentropy', metrics=METRICS)\nmodel.fit(x, y)\n"
    )
    fixed, output = _fix(tmp_path, source)
    assert fixed == source and "fixable with `--unsafe-fixes`" in output
    fixed, _ = _fix(tmp_path, source, *UNSAFE)
    assert "loss='categorical_crossentropy'" in fixed


@pytest.mark.parametrize(
    "tail",
    [
        # the same model trained twice: the other call's labels may be integer
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, y)\nmodel.evaluate(x, y)\n",
        # the model goes elsewhere
        "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, y)\nexport(model)\n",
        # one loss object for two models
        "loss = keras.losses.SparseCategoricalCrossentropy()\n"
        "model.compile(loss=loss)\nmodel.fit(x, y)\n"
        "other = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\nother.compile(loss=loss)\n",
        # one loss object called twice
        "loss_fn = keras.losses.SparseCategoricalCrossentropy()\n"
        "value = loss_fn(y, model(x))\nagain = loss_fn(y, model(x))\n",
    ],
)
def test_a_loss_used_in_more_than_one_place_is_an_unsafe_fix(tmp_path: Path, tail: str) -> None:
    source = ONE_HOT + tail
    fixed, output = _fix(tmp_path, source)
    assert fixed == source
    assert "fixable with `--unsafe-fixes`" in output
    fixed, _ = _fix(tmp_path, source, *UNSAFE)
    assert "SparseCategorical" not in fixed and "sparse_categorical" not in fixed
    assert losslint("check", str(tmp_path / "train.py")).returncode == 0


def test_a_loss_object_used_once_is_a_safe_fix(tmp_path: Path) -> None:
    source = ONE_HOT + (
        "loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=False)\n"
        "model.compile(loss=loss_fn)\nmodel.fit(x, y)\n"
    )
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("SparseCategoricalCrossentropy", "CategoricalCrossentropy")


def test_from_imported_names(tmp_path: Path) -> None:
    header = (
        "import numpy as np\n"
        "import keras\n"
        "{imports}\n"
        "x = np.random.rand(64, 5)\n"
        "y = np.random.randint(0, 3, size=64)\n"
        "model = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
        "model.compile(loss=CategoricalCrossentropy())\n"
        "model.fit(x, y)\n"
    )
    # The old name has no other use: the import is renamed.
    source = header.format(imports="from keras.losses import CategoricalCrossentropy")
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("CategoricalCrossentropy", "SparseCategoricalCrossentropy")
    # It has another use: the import is extended on its line.
    source = header.format(imports="from keras.losses import CategoricalCrossentropy") + "spare = CategoricalCrossentropy()\n"
    fixed, _ = _fix(tmp_path, source)
    assert "from keras.losses import CategoricalCrossentropy, SparseCategoricalCrossentropy\n" in fixed
    assert "model.compile(loss=SparseCategoricalCrossentropy())\n" in fixed
    assert fixed.endswith("spare = CategoricalCrossentropy()\n")
    # Already imported: used as it is.
    source = header.format(imports="from keras.losses import CategoricalCrossentropy, SparseCategoricalCrossentropy")
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("compile(loss=CategoricalCrossentropy())", "compile(loss=SparseCategoricalCrossentropy())")
    # Imported under another name: we do not invent one.
    source = header.format(imports="from keras.losses import CategoricalCrossentropy as CCE").replace(
        "loss=CategoricalCrossentropy()", "loss=CCE()"
    )
    fixed, output = _fix(tmp_path, source, *UNSAFE)
    assert fixed == source and "LL202" in output


def test_function_forms(tmp_path: Path) -> None:
    source = (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "net = tf.keras.Sequential([tf.keras.layers.Dense(4)])\n"
        "y = tf.one_hot(np.random.randint(0, 4, size=16), 4)\n"
        "x = np.random.rand(16, 3)\n"
        "a = tf.keras.losses.sparse_categorical_crossentropy(y, net(x), from_logits=True)\n"
    )
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("sparse_categorical_crossentropy", "categorical_crossentropy")
    # The slot after from_logits differs (ignore_class / label_smoothing): no fix.
    source = source.replace("from_logits=True)", "True, None)")
    fixed, output = _fix(tmp_path, source, *UNSAFE)
    assert fixed == source and "LL201" in output


def test_a_compile_reference_to_a_loss_function(tmp_path: Path) -> None:
    source = INTEGER + "model.compile(loss=keras.losses.categorical_crossentropy)\nmodel.fit(x, y)\n"
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("losses.categorical_crossentropy", "losses.sparse_categorical_crossentropy")


def test_tf_nn_op_with_an_axis_is_not_made_sparse(tmp_path: Path) -> None:
    source = (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "net = tf.keras.Sequential([tf.keras.layers.Dense(4)])\n"
        "ids = np.random.randint(0, 4, size=16)\n"
        "x = np.random.rand(16, 3)\n"
        "a = tf.nn.softmax_cross_entropy_with_logits(labels=ids, logits=net(x), axis=-1)\n"
    )
    fixed, output = _fix(tmp_path, source, *UNSAFE)
    assert fixed == source and "LL202" in output  # the sparse op has no axis
    without_axis = source.replace(", axis=-1", "")
    fixed, _ = _fix(tmp_path, without_axis)
    assert fixed == without_axis.replace("tf.nn.softmax_", "tf.nn.sparse_softmax_")


def test_other_fit_calls_do_not_make_it_unsafe(tmp_path: Path) -> None:
    source = (
        "import numpy as np\n"
        "import keras\n"
        "from sklearn.preprocessing import LabelEncoder\n"
        "encoder = LabelEncoder()\n"
        "encoder.fit(['a', 'b', 'c'])\n"
    ) + ONE_HOT.split("\n", 2)[2] + "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, y)\n"
    fixed, _ = _fix(tmp_path, source)
    assert fixed == source.replace("sparse_categorical", "categorical")
