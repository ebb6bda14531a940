"""Re-check the library facts the LL2xx rules rely on, against an installed TensorFlow/Keras.

Run with a Python that has tensorflow (and optionally scikit-learn/pandas):
    TF_CPP_MIN_LOG_LEVEL=3 /path/to/python scripts/check_label_facts.py
It prints what each situation does; nothing here runs during the tests.
Observed with TensorFlow 2.21 / Keras 3.15.1 / NumPy 2.4 / scikit-learn 1.9 / pandas 3.1.
"""

from __future__ import annotations

import inspect
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

N = 64


def outcome(name, action):
    try:
        result = action()
        print(f"{name}: runs ({getattr(result, 'shape', result)})")
    except Exception as error:  # noqa: BLE001 - reporting what the library raises
        print(f"{name}: {type(error).__name__}: {str(error).splitlines()[0][:140]}")


def fit(units, loss, y, x=None):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="softmax")])
    model.compile("adam", loss)
    x = np.random.rand(N, 4).astype("float32") if x is None else x
    return model.fit(x, y, epochs=1, verbose=0).history["loss"][-1]


def main() -> None:
    print("to_categorical", inspect.signature(keras.utils.to_categorical))
    print("keras.ops.one_hot", inspect.signature(keras.ops.one_hot))
    print("tf.one_hot", inspect.signature(tf.one_hot))
    print("tf.keras.backend.one_hot", inspect.signature(tf.keras.backend.one_hot))
    for loader in ("image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory"):
        params = inspect.signature(getattr(keras.utils, loader)).parameters
        print(loader, list(params)[:4], "label_mode default", params["label_mode"].default)
    generator = tf.keras.preprocessing.image.ImageDataGenerator
    for method in ("flow_from_directory", "flow_from_dataframe"):
        params = inspect.signature(getattr(generator, method)).parameters
        print(method, list(params)[:10], "class_mode default", params["class_mode"].default)
    print("randint", np.random.randint.__doc__.splitlines()[1].strip())
    print("tf.argmax", inspect.signature(tf.argmax))
    print("cifar100.load_data", inspect.signature(keras.datasets.cifar100.load_data))

    ids = np.random.randint(0, 5, size=N)
    one_hot = keras.utils.to_categorical(ids, 5)
    print("to_categorical infers max + 1:", keras.utils.to_categorical(np.array([0, 3, 1])).shape)
    outcome("LL201 sparse loss + one-hot labels in fit", lambda: fit(5, "sparse_categorical_crossentropy", one_hot))
    outcome("LL201 tf.nn sparse op + one-hot labels", lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=one_hot, logits=tf.random.normal((N, 5))))
    outcome("LL202 categorical loss + (N,) ids", lambda: fit(5, "categorical_crossentropy", ids))
    outcome("LL202 categorical loss + (N, 1) ids", lambda: fit(5, "categorical_crossentropy", ids.reshape(-1, 1)))
    outcome("LL203 categorical loss, depth 10 vs 5 units", lambda: fit(
        5, "categorical_crossentropy", keras.utils.to_categorical(np.random.randint(0, 10, N), 10)))
    outcome("LL203 sparse loss, 10 classes vs 5 units", lambda: fit(
        5, "sparse_categorical_crossentropy", np.random.randint(0, 10, N)))
    outcome("LL203 (not flagged) sparse loss, 3 classes vs 5 units", lambda: fit(
        5, "sparse_categorical_crossentropy", np.random.randint(0, 3, N)))
    outcome("LL204 x 512 vs y 256 in fit", lambda: fit(
        3, "sparse_categorical_crossentropy", np.random.randint(0, 3, size=256), np.random.rand(512, 4)))
    outcome("LL204 from_tensor_slices 512 vs 256", lambda: tf.data.Dataset.from_tensor_slices(
        (np.random.rand(512, 4), np.random.randint(0, 3, size=256))))
    outcome("LL205 sparse loss, labels 1..5 for 5 units", lambda: fit(
        5, "sparse_categorical_crossentropy", np.random.randint(1, 6, N)))
    outcome("LL205 (not flagged) ignore_class=-1", lambda: keras.losses.SparseCategoricalCrossentropy(
        ignore_class=-1)(np.array([0, 1, -1]), np.full((3, 2), 0.5, "float32")))
    outcome("LL206 np.array mixing ids and rows", lambda: np.array([0, [0, 1, 0], 2]))
    mixed = np.array([0, 2, [0, 1, 0], 1], dtype=object)
    outcome("LL206 the same with dtype=object in fit", lambda: fit(3, "sparse_categorical_crossentropy", mixed, np.random.rand(4, 4)))
    outcome("LL206 a mixed list in a loss call", lambda: keras.losses.categorical_crossentropy(
        [[1, 0, 0], [0, 0, 1], 1, [0, 1, 0]], tf.constant(np.full((4, 3), 1 / 3, "float32"))))

    try:
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import LabelBinarizer, OneHotEncoder, label_binarize
    except ImportError:
        print("scikit-learn/pandas not installed: skipped")
        return
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) % 3
    print("train_test_split order", [part.shape for part in train_test_split(x, y, test_size=0.3)])
    print("OneHotEncoder sparse_output default", inspect.signature(OneHotEncoder).parameters["sparse_output"])
    print("LabelBinarizer 3 / 2 classes", LabelBinarizer().fit_transform(y).shape, LabelBinarizer().fit_transform(y % 2).shape)
    print("label_binarize", inspect.signature(label_binarize), label_binarize(y % 2, classes=[0, 1]).shape)
    print("get_dummies / drop_first", pd.get_dummies(pd.Series(y)).shape, pd.get_dummies(pd.Series(y), drop_first=True).shape)


if __name__ == "__main__":
    main()
