"""Label facts: how labels are encoded, where they flow, which loss they meet."""

from __future__ import annotations

import textwrap
from typing import List

import libcst as cst
import pytest

from flake8_losslint.facts.extract import extract
from flake8_losslint.facts import (
    CATEGORICAL,
    INTEGER,
    MIXED,
    MULTI_HOT,
    ONE_HOT,
    SPARSE_CATEGORICAL,
    LabelUse,
    )
from flake8_losslint.report import Positions

HEADER = """\
import numpy as np
import tensorflow as tf
import keras
"""

MODEL = """\
model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""


def uses(body: str, header: str = HEADER) -> List[LabelUse]:
    module = cst.parse_module(header + textwrap.dedent(body))
    return list(extract(module).label_uses)


def only(body: str, header: str = HEADER) -> LabelUse:
    found = uses(body, header)
    assert len(found) == 1, found
    return found[0]


# -- encodings ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "expr, encoding, classes",
    [
        ("keras.utils.to_categorical(ids, 7)", ONE_HOT, 7),
        ("keras.utils.to_categorical(ids, num_classes=7)", ONE_HOT, 7),
        ("keras.utils.to_categorical(y=ids, nb_classes=7)", ONE_HOT, 7),  # Keras 1's keywords
        ("keras.utils.to_categorical(ids)", ONE_HOT, 5),  # inferred: max + 1
        ("tf.keras.utils.to_categorical(ids, n)", ONE_HOT, 3),
        ("tf.one_hot(ids, depth=6)", ONE_HOT, 6),
        ("keras.ops.one_hot(ids, 4)", ONE_HOT, 4),
        ("tf.keras.backend.one_hot(ids, 4)", ONE_HOT, 4),
        ("np.eye(8)[ids]", ONE_HOT, 8),
        ("np.eye(n)[ids]", ONE_HOT, 3),
        ("np.argmax(keras.utils.to_categorical(ids, 5), axis=1)", INTEGER, 5),
        ("keras.utils.to_categorical(ids, 5).argmax(axis=-1)", INTEGER, 5),
        ("ids", INTEGER, 5),
        ("ids.astype('int32')", INTEGER, 5),
        ("ids.reshape(-1, 1)", INTEGER, 5),
        ("ids.reshape((-1, 1))", INTEGER, 5),
        ("ids.reshape(-1)", INTEGER, 5),
        ("ids[:50]", INTEGER, 5),  # rows keep the labels' facts
        ("ids[np.random.permutation(100)]", INTEGER, 5),
        ("tf.cast(ids, tf.int64)", INTEGER, 5),
        ("np.array([0, 1, 2, 1])", INTEGER, None),
        ("np.array([[0, 1, 0], [1, 0, 0]])", ONE_HOT, 3),
        ("np.array([[0.0, 1.0], [1.0, 0.0]])", ONE_HOT, 2),
    ],
)
def test_encoding_of_labels(expr: str, encoding: str, classes) -> None:
    use = only(
        "n = 3\nids = np.random.randint(0, 5, size=100)\n"
        f"y = {expr}\n{MODEL}model.fit(np.random.rand(100, 4), y)\n"
    )
    assert use.labels.encoding == encoding
    assert use.labels.num_classes == classes


@pytest.mark.parametrize(
    "expr",
    [
        "np.argmax(scores)",  # no axis: one index for the whole array
        "tf.argmax(scores)",  # TF's default axis is 0
        "scores.astype(int)",  # a one-hot array cast to int stays one-hot
        "np.eye(5, 3)[ids]",
        "tf.one_hot(ids, 5, axis=0)",
        "ids.reshape(50, 2)",
        "ids[:, 0]",  # a column, not rows
        "ids[3]",  # one label
        "load_labels()",
    ],
)
def test_unknown_encodings_give_no_use(expr: str) -> None:
    body = f"""\
scores = np.load("scores.npy")
ids = np.random.randint(0, 5, size=100)
y = {expr}
{MODEL}
model.fit(scores, y)
"""
    assert uses(body) == []


def test_randint_forms() -> None:
    use = only(f"y = np.random.randint(10, size=(64, 1))\n{MODEL}model.fit(np.random.rand(64, 3), y)\n")
    assert (use.labels.num_classes, use.labels.value_range, use.labels.samples) == (10, (0, 9), 64)
    use = only(f"y = np.random.randint(low=1, high=4, size=8)\n{MODEL}model.fit(x, y)\n")
    assert (use.labels.num_classes, use.labels.value_range, use.labels.samples) == (3, (1, 3), 8)
    # a (N, k) matrix of 0/1 is not class ids but multi-hot targets; no size is one number
    use = only(f"y = np.random.randint(0, 2, size=(8, 3))\n{MODEL}model.fit(x, y)\n")
    assert (use.labels.encoding, use.labels.samples, use.labels.shape) == (MULTI_HOT, 8, (3,))
    assert uses(f"y = np.random.randint(0, 2)\n{MODEL}model.fit(x, y)\n") == []
    assert uses(f"y = np.random.randint(0, 2, size=shape)\n{MODEL}model.fit(x, y)\n") == []


def test_arithmetic_shifts_the_range() -> None:
    use = only(f"y = np.random.randint(1, 11, size=50) - 1\n{MODEL}model.fit(x, y)\n")
    assert use.labels.value_range == (0, 9)
    assert use.labels.num_classes == 10


def test_literal_mixed_encoding() -> None:
    use = only(f"y = [0, [0, 0, 1], 2, 1]\n{MODEL}model.fit(x, y)\n")
    assert use.labels.encoding == MIXED
    assert use.labels.odd_site is not None


def test_literal_feature_rows_give_a_sample_count() -> None:
    use = only(f"x = np.array([[0.5, 0.1], [0.2, 0.3], [0.9, 0.4]])\ny = np.array([0, 1])\n{MODEL}model.fit(x, y)\n")
    assert use.features is not None and use.features.samples == 3
    assert use.labels.samples == 2


# -- datasets and loaders ------------------------------------------------------------
@pytest.mark.parametrize(
    "header_line, call, classes",
    [
        ("from keras.datasets import mnist", "mnist.load_data()", 10),
        ("from tensorflow.keras.datasets import fashion_mnist", "fashion_mnist.load_data()", 10),
        ("import keras", "keras.datasets.cifar10.load_data()", 10),
        ("from keras.datasets import cifar100", "cifar100.load_data()", 100),
        ("from keras.datasets import cifar100", "cifar100.load_data(label_mode='coarse')", 20),
        ("from keras.datasets import cifar100", "cifar100.load_data('fine')", 100),
        ("from keras.datasets import reuters", "reuters.load_data(num_words=1000)", 46),
        ("from keras.datasets import imdb", "imdb.load_data(num_words=1000)", 2),
        ("from keras.src.datasets.mnist import load_data", "load_data()", 10),
    ],
)
def test_bundled_datasets(header_line: str, call: str, classes: int) -> None:
    body = f"(x_train, y_train), (x_test, y_test) = {call}\n{MODEL}model.fit(x_train, y_train)\n"
    use = only(body, HEADER + header_line + "\n")
    assert use.labels.encoding == INTEGER
    assert use.labels.num_classes == classes
    assert use.labels.value_range == (0, classes - 1)


def test_unknown_cifar100_label_mode_is_unknown() -> None:
    body = f"(x_train, y_train), _ = keras.datasets.cifar100.load_data(label_mode=mode)\n{MODEL}model.fit(x_train, y_train)\n"
    assert uses(body) == []


@pytest.mark.parametrize(
    "args, encoding, classes",
    [
        ("'dir'", INTEGER, None),  # label_mode defaults to 'int'
        ("'dir', label_mode='categorical'", ONE_HOT, None),
        ("'dir', label_mode='binary'", INTEGER, 2),
        ("'dir', label_mode='categorical', class_names=['a', 'b', 'c']", ONE_HOT, 3),
        ("'dir', 'inferred', 'int', ['a', 'b']", INTEGER, 2),
    ],
)
def test_directory_datasets(args: str, encoding: str, classes) -> None:
    for loader in (
        "keras.utils.image_dataset_from_directory",
        "tf.keras.preprocessing.image_dataset_from_directory",
        "keras.utils.text_dataset_from_directory",
        "keras.utils.audio_dataset_from_directory",
    ):
        use = only(f"ds = {loader}({args})\n{MODEL}model.fit(ds.prefetch(2), epochs=1)\n")
        assert (use.labels.encoding, use.labels.num_classes) == (encoding, classes)


def test_directory_dataset_without_labels_is_unknown() -> None:
    assert uses(f"ds = keras.utils.image_dataset_from_directory('d', labels=None)\n{MODEL}model.fit(ds)\n") == []
    assert uses(f"ds = keras.utils.image_dataset_from_directory('d', label_mode=None)\n{MODEL}model.fit(ds)\n") == []


def test_subset_both_unpacks_two_datasets() -> None:
    found = uses(
        "train, val = keras.utils.image_dataset_from_directory('d', validation_split=0.2, subset='both', seed=1)\n"
        f"{MODEL}model.fit(train, validation_data=val)\n"
    )
    assert [u.labels.encoding for u in found] == [INTEGER, INTEGER]


@pytest.mark.parametrize(
    "call, encoding",
    [
        ("gen.flow_from_directory('d')", ONE_HOT),  # class_mode defaults to 'categorical'
        ("gen.flow_from_directory('d', class_mode='sparse')", INTEGER),
        ("gen.flow_from_directory('d', (64, 64), 'rgb', None, 'binary')", INTEGER),
        ("gen.flow_from_dataframe(frame, x_col='path', y_col='label')", ONE_HOT),
        ("gen.flow(x, keras.utils.to_categorical(np.random.randint(0, 3, size=9)))", ONE_HOT),
    ],
)
def test_image_data_generator(call: str, encoding: str) -> None:
    header = HEADER + "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
    use = only(f"gen = ImageDataGenerator(rescale=1 / 255)\nflow = {call}\n{MODEL}model.fit(flow)\n", header)
    assert use.labels.encoding == encoding


def test_sklearn_and_pandas_encoders() -> None:
    header = (
        HEADER
        + "import pandas as pd\nfrom sklearn.preprocessing import LabelEncoder, OneHotEncoder, label_binarize\n"
    )
    cases = {
        "LabelEncoder().fit_transform(raw)": (INTEGER, None),
        "OneHotEncoder(sparse_output=False).fit_transform(raw)": (ONE_HOT, None),
        "OneHotEncoder().fit_transform(raw).toarray()": (ONE_HOT, None),
        "label_binarize(raw, classes=[0, 1, 2])": (ONE_HOT, 3),
        "pd.get_dummies(raw)": (ONE_HOT, None),
    }
    for expr, (encoding, classes) in cases.items():
        use = only(f"y = {expr}\n{MODEL}model.fit(x, y)\n", header)
        assert (use.labels.encoding, use.labels.num_classes) == (encoding, classes), expr
    # Two classes give a single 0/1 column; drop_first removes a column.
    use = only(f"y = label_binarize(raw, classes=[0, 1])\n{MODEL}model.fit(x, y)\n", header)
    assert (use.labels.encoding, use.labels.num_classes, use.labels.shape) == (INTEGER, 2, (1,))
    assert uses(f"y = pd.get_dummies(raw, drop_first=True)\n{MODEL}model.fit(x, y)\n", header) == []


def test_train_test_split_unpacking() -> None:
    header = HEADER + "from sklearn.model_selection import train_test_split\n"
    body = (
        "features = np.random.rand(200, 5)\nids = np.random.randint(0, 4, size=200)\n"
        "X_train, X_test, y_train, y_test = train_test_split(features, ids, test_size=0.25)\n"
        f"{MODEL}model.fit(X_train, y_train, validation_data=(X_test, y_test))\n"
    )
    found = uses(body, header)
    assert [u.labels.encoding for u in found] == [INTEGER, INTEGER]
    assert all(u.labels.num_classes == 4 and u.labels.samples is None for u in found)


# -- flow into fit, datasets and loss calls ----------------------------------------------------
def test_fit_keywords_and_loss() -> None:
    use = only(f"y = keras.utils.to_categorical(ids, 10)\n{MODEL}model.fit(x=x, y=y, epochs=2)\n")
    assert use.loss is not None and use.loss.family == SPARSE_CATEGORICAL
    assert use.prediction.units == 10


def test_dataset_chain_and_map() -> None:
    body = (
        "ids = np.random.randint(0, 10, size=64)\n"
        "ds = tf.data.Dataset.from_tensor_slices((np.random.rand(64, 3), ids))\n"
        "ds = ds.shuffle(64).map(lambda a, b: (a / 2, tf.one_hot(b, 10))).batch(8).prefetch(1)\n"
        f"{MODEL}model.fit(ds, epochs=1)\n"
    )
    found = uses(body)
    # from_tensor_slices itself (sample counts) and the fit (encoding after map)
    assert [u.labels.encoding for u in found] == [INTEGER, ONE_HOT]
    assert found[0].loss is None and found[0].features is not None and found[0].features.samples == 64
    assert found[1].labels.num_classes == 10 and found[1].loss is not None


def test_map_that_rewrites_labels_is_unknown() -> None:
    body = (
        "ds = tf.data.Dataset.from_tensor_slices((x, np.random.randint(0, 3, size=9)))\n"
        "ds = ds.map(lambda a, b: (a, b * 2))\n"
        f"{MODEL}model.fit(ds)\n"
    )
    assert [u.call_site for u in uses(body) if u.loss is not None] == []


def test_direct_loss_calls() -> None:
    body = (
        "y = keras.utils.to_categorical(np.random.randint(0, 3, size=8), 3)\n"
        "model = keras.Sequential([keras.layers.Dense(3)])\n"
        "loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
        "a = loss_fn(y, model(x))\n"
        "b = keras.losses.categorical_crossentropy(y_true=y, y_pred=model(x))\n"
    )
    found = uses(body)
    assert [u.loss.family for u in found if u.loss] == [SPARSE_CATEGORICAL, CATEGORICAL]
    assert all(u.prediction.units == 3 for u in found)


def test_branch_with_two_encodings_is_unknown() -> None:
    body = (
        "y = np.random.randint(0, 10, size=8)\n"
        "if flag:\n    y = keras.utils.to_categorical(y, 10)\n"
        f"{MODEL}model.fit(x, y)\n"
    )
    assert uses(body) == []


def test_later_unconditional_assignment_wins() -> None:
    body = (
        "y = np.random.randint(0, 10, size=8)\n"
        "if flag:\n    y = keras.utils.to_categorical(y, 10)\n"
        "y = np.random.randint(0, 10, size=8)\n"
        f"{MODEL}model.fit(x, y)\n"
    )
    assert only(body).labels.encoding == INTEGER


def test_compile_association() -> None:
    fit = "model.fit(x, keras.utils.to_categorical(ids, 10))\n"
    # compiled on another object: the name was rebound in between
    assert only(f"{MODEL}model = keras.Sequential([keras.layers.Dense(10)])\n{fit}").loss is None
    # two compiles that may each have run last
    body = f"{MODEL}if flag:\n    model.compile(loss='categorical_crossentropy')\n{fit}"
    assert only(body).loss is None
    # a later unconditional compile wins
    body = f"{MODEL}model.compile(loss='categorical_crossentropy')\n{fit}"
    assert only(body).loss.family == CATEGORICAL
    # compile after fit does not count
    body = f"model = keras.Sequential([keras.layers.Dense(10)])\n{fit}model.compile(loss='sparse_categorical_crossentropy')\n"
    assert only(body).loss is None


def test_len_of_a_literal_counts_classes_and_units() -> None:
    body = (
        "names = ['a', 'b', 'c']\n"
        "y = keras.utils.to_categorical(ids, len(names))\n"
        "model = keras.Sequential([keras.layers.Dense(len(names) + 1, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n"
        "model.fit(x, y)\n"
    )
    use = only(body)
    assert use.labels.num_classes == 3
    assert use.prediction.units == 4


def test_compile_inside_a_builder_function() -> None:
    body = (
        "def build(units):\n"
        "    net = keras.Sequential([keras.layers.Dense(units, activation='softmax')])\n"
        "    net.compile(optimizer='adam', loss='categorical_crossentropy')\n"
        "    return net\n"
        "model = build(3)\n"
        "model.fit(x, np.random.randint(0, 3, size=10))\n"
    )
    assert only(body).loss.family == CATEGORICAL
    # a compile after the builder call overrides it
    override = body.replace("model.fit", "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit")
    assert only(override).loss.family == SPARSE_CATEGORICAL
    # a builder that may return the model before compiling it is not followed
    branching = body.replace("    net.compile(", "    if units > 2:\n        return net\n    net.compile(")
    assert only(branching).loss is None


@pytest.mark.parametrize(
    "loop, target",
    [
        ("for xb, yb in ds:", "yb"),
        ("for step, (xb, yb) in enumerate(ds):", "yb"),
        ("for batch in ds:", "batch[1]"),
    ],
)
def test_training_loop_over_a_dataset(loop: str, target: str) -> None:
    body = (
        "y = keras.utils.to_categorical(np.random.randint(0, 3, size=30), 3)\n"
        "ds = tf.data.Dataset.from_tensor_slices((np.random.rand(30, 2), y)).batch(5)\n"
        "model = keras.Sequential([keras.layers.Dense(3)])\n"
        "loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
        f"{loop}\n"
        f"    loss = loss_fn({target}, model(xb))\n"
    )
    found = [u for u in uses(body) if u.loss is not None]
    assert [u.labels.encoding for u in found] == [ONE_HOT]  # batch[1]: a constant index into the (x, y) batch


@pytest.mark.parametrize(
    "call, family",
    [
        ("tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)", SPARSE_CATEGORICAL),
        ("tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)", SPARSE_CATEGORICAL),
        ("tf.nn.softmax_cross_entropy_with_logits(y, logits)", CATEGORICAL),
        ("tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)", CATEGORICAL),
    ],
)
def test_tf_nn_ops_take_labels(call: str, family: str) -> None:
    body = (
        "y = tf.one_hot(np.random.randint(0, 4, size=10), 4)\n"
        "logits = keras.layers.Dense(4)(np.random.rand(10, 3))\n"
        f"loss = {call}\n"
    )
    use = only(body)
    assert use.loss.family == family and use.labels.encoding == ONE_HOT
    assert use.prediction.units == 4


def test_compat_v1_ops_take_no_positional_labels() -> None:
    body = "y = tf.one_hot(ids, 4)\nloss = tf.compat.v1.nn.softmax_cross_entropy_with_logits(y, logits)\n"
    assert uses(body) == []


def test_map_with_a_cast_keeps_the_labels() -> None:
    body = (
        "ds = tf.data.Dataset.from_tensor_slices((x, keras.utils.to_categorical(np.random.randint(0, 3, size=9))))\n"
        "ds = ds.map(lambda a, b: (a, tf.cast(b, tf.float32)))\n"
        f"{MODEL}model.fit(ds)\n"
    )
    assert [u.labels.encoding for u in uses(body) if u.loss is not None] == [ONE_HOT]


def test_lists_changed_in_place_are_not_literal() -> None:
    body = (
        "names = []\nfor d in dirs:\n    names.append(d)\n"
        "y = keras.utils.to_categorical(ids, len(names))\n"
        f"{MODEL}model.fit(x, y)\n"
    )
    assert only(body).labels.num_classes is None
    body = "targets = [0, 1, 2]\ntargets.append(3)\n" f"{MODEL}model.fit(np.random.rand(3, 2), targets)\n"
    assert uses(body) == []


def test_scaled_features_keep_their_sample_count() -> None:
    use = only(f"x = np.random.rand(64, 3) / 255.0\ny = np.random.randint(0, 3, size=32)\n{MODEL}model.fit(x, y)\n")
    assert use.features is not None and use.features.samples == 64


def test_head_knows_where_its_width_is_written() -> None:
    body = (
        "model = keras.Sequential([keras.layers.Dense(4), keras.layers.Activation('softmax')])\n"
        "model.compile(loss='categorical_crossentropy')\n"
        "model.fit(x, keras.utils.to_categorical(ids, 3))\n"
    )
    module = cst.parse_module(HEADER + body)
    use = extract(module).label_uses[0]
    assert use.prediction.units == 4
    assert Positions(module)(use.prediction.units_site) == (4, 26)
