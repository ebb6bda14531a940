from __future__ import annotations

import libcst as cst
import pytest

from flake8_losslint.syntax.collect import collect
from flake8_losslint.syntax.names import canonical, qualify


@pytest.mark.parametrize(
    "spelling, expected",
    [
        ("tensorflow.keras.layers.Dense", "keras.layers.Dense"),
        ("keras.layers.core.Dense", "keras.layers.Dense"),
        ("keras.src.layers.core.dense.Dense", "keras.layers.Dense"),
        ("tf_keras.layers.Dense", "keras.layers.Dense"),
        ("tensorflow.python.keras.layers.Dense", "keras.layers.Dense"),
        ("keras._tf_keras.keras.losses.BinaryCrossentropy", "keras.losses.BinaryCrossentropy"),
        ("tensorflow.keras.models.Sequential", "keras.Sequential"),
        ("keras.engine.training.Model", "keras.Model"),
        ("tensorflow.keras", "keras"),
        ("tensorflow.math.softmax", "tensorflow.nn.softmax"),
        ("tensorflow.sigmoid", "tensorflow.nn.sigmoid"),
        ("torch.nn.modules.loss.CrossEntropyLoss", "torch.nn.CrossEntropyLoss"),
        ("numpy.argmax", "numpy.argmax"),
    ],
)
def test_canonical(spelling: str, expected: str) -> None:
    assert canonical(spelling) == expected


@pytest.mark.parametrize(
    "imports, expression, expected",
    [
        ("import tensorflow as tf", "tf.keras.layers.Dense", "keras.layers.Dense"),
        ("from tensorflow import keras", "keras.losses.BinaryCrossentropy", "keras.losses.BinaryCrossentropy"),
        ("from tensorflow.keras.layers import Dense as D", "D", "keras.layers.Dense"),
        ("import keras as K", "K.activations.softmax", "keras.activations.softmax"),
        ("from keras import backend as K", "K.softmax", "keras.backend.softmax"),
        ("import tensorflow.keras", "tensorflow.keras.Sequential", "keras.Sequential"),
        ("import tensorflow as tf", "np.argmax", None),
    ],
)
def test_qualify_through_imports(imports: str, expression: str, expected: str) -> None:
    collected = collect(cst.parse_module(imports + "\n"))
    assert qualify(cst.parse_expression(expression), collected.imports) == expected


def test_a_name_imported_from_two_libraries_is_ambiguous() -> None:
    collected = collect(cst.parse_module("from keras.layers import Dense\nfrom mylib import Dense\n"))
    assert qualify(cst.parse_expression("Dense"), collected.imports) is None
