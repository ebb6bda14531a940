"""Measure what the issue-17 rules rely on beyond check_multi_output_facts.py and check_keras_config_facts.py.

Run with a Python that has Keras 3 (TensorFlow backend):
    TF_CPP_MIN_LOG_LEVEL=3 /path/to/python scripts/check_config_rule_facts.py
It prints each outcome and exits non-zero when an expectation below no longer holds.
Observed with Keras 3.15.1 / TensorFlow 2.21 / NumPy 2.4 (CPU); nothing here runs during the tests.

- multi-output models: tuple outputs, loss lists with None, labels given as a dict to list outputs;
- mixed precision: which output layers keep the loss exact (an Activation after the softmax, the
  guide's Dense + Activation('softmax', dtype='float32'), a DTypePolicy object, set_dtype_policy);
- LL205: ignore_class=-1 does not cover 1-based labels;
- class_weight: tf.Tensor labels of rank 3, negative keys;
- pad_sequences: its padding value and dtype.
"""

from __future__ import annotations

import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

N = 16
RNG = np.random.default_rng(0)
X = RNG.random((N, 4)).astype("float32")
Y_CLASS = RNG.integers(0, 3, N)
Y_PRICE = RNG.random((N, 1)).astype("float32")
SPARSE, MSE = "sparse_categorical_crossentropy", "mse"
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def outcome(action):
    try:
        value = action()
    except Exception as error:  # noqa: BLE001 - reporting what the library raises
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        chosen = next((line for line in lines if "Received a label value" in line or "only " in line), None)
        return "raises", f"{type(error).__name__}: {(chosen or (lines[0] if lines else ''))[:200]}"
    return "ok", value


def show(name: str, result):
    print(f"     {name}: {result[0]} {result[1]}")
    return result


# -- multi-output models ---------------------------------------------------------------------------
def three_heads(container: str = "list") -> keras.Model:
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    category = keras.layers.Dense(3, activation="softmax", name="category")(inputs)
    price = keras.layers.Dense(1, name="price")(inputs)
    size = keras.layers.Dense(1, name="size")(inputs)
    heads = [category, price, size]
    return keras.Model(inputs, tuple(heads) if container == "tuple" else heads)


def evaluate(model: keras.Model, y, **compile_kwargs):
    def run():
        model.compile("sgd", **compile_kwargs)
        result = model.evaluate(X, y, verbose=0, batch_size=N, return_dict=True)
        return {key: round(value, 4) for key, value in result.items()}

    return outcome(run)


def multi_output() -> None:
    print("== multi-output models")
    three = [Y_CLASS, Y_PRICE, 2 * Y_PRICE]
    reference = show("list outputs, three losses", evaluate(three_heads(), three, loss=[SPARSE, MSE, MSE]))
    result = show("tuple outputs, loss list of 2 for 3 heads", evaluate(three_heads("tuple"), tuple(three), loss=[SPARSE, MSE]))
    check(result[0] == "raises" and "'tuple' object has no attribute 'shape'" in result[1],
          "tuple outputs: a loss list shorter than the outputs raises at the first step (lists are silent)")
    result = show("list outputs, loss list of 2 for 3 heads", evaluate(three_heads(), three, loss=[SPARSE, MSE]))
    check(result[0] == "ok" and "size_loss" not in result[1]
          and abs(result[1]["loss"] - reference[1]["category_loss"] - reference[1]["price_loss"]) < 1e-3,
          "list outputs: a loss list shorter than the outputs leaves the last heads without a loss, silently")
    result = show("tuple outputs, loss dict with key 'class'",
                  evaluate(three_heads("tuple"), tuple(three), loss={"class": SPARSE, "price": MSE, "size": MSE}))
    check(result[0] == "raises" and "Expected keys ['category', 'price', 'size'] in loss dict" in result[1],
          "tuple outputs: a loss key that names no output raises at the first step, as for lists")
    result = show("list outputs, loss list [sparse, None, mse]", evaluate(three_heads(), three, loss=[SPARSE, None, MSE]))
    check(result[0] == "ok" and "price_loss" not in result[1], "a None entry in a loss list: that head gets no loss")
    result = show("list outputs, labels as a dict keyed by layer name",
                  evaluate(three_heads(), {"category": Y_CLASS, "price": Y_PRICE, "size": 2 * Y_PRICE},
                           loss=[SPARSE, MSE, MSE]))
    check(result[0] == "ok" and result[1] == reference[1], "list outputs: labels given as a dict are matched by output name")
    result = show("list outputs, metrics dict with key 'class'",
                  evaluate(three_heads(), three, loss=[SPARSE, MSE, MSE], metrics={"class": ["mae"]}))
    check(result[0] == "raises", "a metrics dict key that names no output raises at the first step")


# -- mixed precision -------------------------------------------------------------------------------
def exact_sparse(z, y):
    z = z.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(-1)) - np.take_along_axis(z, y[:, None], -1)[:, 0]))


def identity_dense(activation=None, **kwargs):
    return keras.layers.Dense(10, use_bias=False, kernel_initializer="identity", activation=activation, **kwargs)


def mixed_precision() -> None:
    print("== mixed precision (|logits| ~ 20, 512 rows, 10 classes)")
    x = (RNG.standard_normal((512, 10)) * 20).astype("float32")
    y = RNG.integers(0, 10, 512)
    rounded = tf.cast(tf.cast(x, "float16"), "float32").numpy()
    exact = exact_sparse(rounded, y)
    loss = keras.losses.SparseCategoricalCrossentropy()
    layouts = {
        "Dense(softmax)": lambda: [identity_dense("softmax")],
        "Dense(softmax, dtype='float32')": lambda: [identity_dense("softmax", dtype="float32")],
        "Dense(softmax, dtype=DTypePolicy('float32'))": lambda: [identity_dense("softmax", dtype=keras.DTypePolicy("float32"))],
        "Dense(softmax) + Activation('linear', dtype='float32')":
            lambda: [identity_dense("softmax"), keras.layers.Activation("linear", dtype="float32")],
        "Dense() + Activation('softmax', dtype='float32')":
            lambda: [identity_dense(), keras.layers.Activation("softmax", dtype="float32")],
        "Dense() + Activation('softmax')": lambda: [identity_dense(), keras.layers.Activation("softmax")],
        "Dense() + Softmax(dtype='float32')": lambda: [identity_dense(), keras.layers.Softmax(dtype="float32")],
    }
    found = {}
    for setter in ("keras.mixed_precision.set_global_policy", "keras.config.set_dtype_policy"):
        for policy in ("mixed_float16", keras.DTypePolicy("mixed_float16")):
            (keras.mixed_precision.set_global_policy if setter.startswith("keras.mixed") else keras.config.set_dtype_policy)(policy)
            for name, layers in layouts.items():
                model = keras.Sequential([keras.Input((10,))] + layers())
                value = float(loss(y, model(x)))
                found[(setter, str(policy), name)] = value
            keras.config.set_dtype_policy("float32")
    for (setter, policy, name), value in found.items():
        if setter == "keras.mixed_precision.set_global_policy" and policy == "mixed_float16":
            print(f"     {name}: {value:.4f} (exact {exact:.4f})")
    check(len({round(v, 4) for (s, p, n), v in found.items() if n == "Dense(softmax)"}) == 1,
          "set_global_policy and set_dtype_policy, with a string or a DTypePolicy: the same numbers")

    def damaged(name: str) -> bool:
        return found[("keras.mixed_precision.set_global_policy", "mixed_float16", name)] < 0.8 * exact

    check(damaged("Dense(softmax)"), "a float16 softmax output: the loss is >20% too low")
    check(not damaged("Dense(softmax, dtype='float32')") and not damaged("Dense(softmax, dtype=DTypePolicy('float32'))"),
          "dtype='float32' (string or DTypePolicy) on the softmax layer: exact")
    check(not damaged("Dense() + Activation('softmax', dtype='float32')") and not damaged("Dense() + Softmax(dtype='float32')"),
          "the guide's pattern (linear Dense, then a float32 softmax layer): exact")
    check(damaged("Dense() + Activation('softmax')"), "a float16 Activation('softmax') layer: damaged like a Dense softmax")
    check(damaged("Dense(softmax) + Activation('linear', dtype='float32')"),
          "a float32 linear Activation AFTER a float16 softmax does not repair it (the cached logits are lost)")
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((10,)), identity_dense("softmax")])
    outputs = model(x)
    function = float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, outputs)))
    cast = float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, tf.cast(outputs, "float32"))))
    model.compile("sgd", "sparse_categorical_crossentropy")
    compiled = model.evaluate(x, y, batch_size=512, verbose=0)
    keras.config.set_dtype_policy("float32")
    print(f"     loss function on the float16 output: {function:.4f}; on it cast to float32: {cast:.4f}; compiled: {compiled:.4f}")
    check(abs(function - exact) < 0.05 * exact, "the loss FUNCTION called on the float16 output finds the cached logits: exact")
    check(abs(cast - compiled) < 1e-3 and compiled < 0.8 * exact,
          "compile (like a Loss object) casts the output to float32 first, dropping the logits: damaged")


# -- LL205 and ignore_class ------------------------------------------------------------------------
def ignore_class() -> None:
    print("== ignore_class against 1-based labels")
    probs = tf.nn.softmax(RNG.standard_normal((6, 3)).astype("float32"))
    labels = np.array([1, 2, 3, 1, 2, 3])
    result = show("labels 1..3, 3 units, ignore_class=-1",
                  outcome(lambda: float(keras.losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, probs))))
    check(result[0] == "raises" and "Received a label value of 3" in result[1],
          "ignore_class=-1 does not cover the label 3: InvalidArgumentError on CPU")
    result = show("labels 1..3, 3 units, ignore_class=3",
                  outcome(lambda: float(keras.losses.SparseCategoricalCrossentropy(ignore_class=3)(labels, probs))))
    check(result[0] == "ok", "ignore_class equal to the out-of-range value: runs")


# -- class_weight ----------------------------------------------------------------------------------
def class_weight() -> None:
    print("== class_weight")
    n, t, c = 8, 5, 3
    x_seq = RNG.random((n, t, 2)).astype("float32")
    one_hot = keras.utils.to_categorical(RNG.integers(0, c, (n, t)), c)

    def sequence_fit(y, weights):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((t, 2))
        model = keras.Model(inputs, keras.layers.Dense(c, activation="softmax")(inputs))
        model.compile("sgd", "categorical_crossentropy")
        return model.fit(x_seq, y, epochs=1, verbose=0, batch_size=n, class_weight=weights).history["loss"][-1]

    result = show("tf.constant (N,T,C) one-hot labels, class_weight",
                  outcome(lambda: sequence_fit(tf.constant(one_hot), {0: 1.0, 1: 2.0, 2: 3.0})))
    check(result[0] == "raises" and "only 0-dimensional arrays" in result[1],
          "Keras 3, tf.Tensor labels of rank 3 in fit(x, y): the same TypeError as NumPy labels")

    ids = RNG.integers(0, c, (n, t))
    weights = {0: 1.0, 1: 2.0, 2: 3.0}

    def sparse_sequence_fit(**kwargs):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((t, 2))
        model = keras.Model(inputs, keras.layers.Dense(c, activation="softmax")(inputs))
        model.compile("sgd", SPARSE)
        return model.fit(x_seq, ids, epochs=1, verbose=0, batch_size=n, shuffle=False, **kwargs).history["loss"][-1]

    per_step = np.vectorize(weights.get)(ids).astype("float32")
    result = show("(N,T) class ids + sample_weight (N,T)", outcome(lambda: sparse_sequence_fit(sample_weight=per_step)))
    keras.utils.set_random_seed(0)
    inputs = keras.Input((t, 2))
    reference = keras.Model(inputs, keras.layers.Dense(c, activation="softmax")(inputs))
    probs = np.asarray(reference(x_seq))
    nll = -np.log(np.take_along_axis(probs, ids[..., None], -1)[..., 0])
    want = float((nll * per_step).mean())
    check(result[0] == "ok" and abs(result[1] - want) < 1e-3,
          f"sparse (N,T) labels with sample_weight (N,T): per-step weights, as wanted ({want:.4f})")

    x = RNG.random((64, 4)).astype("float32")
    y = RNG.integers(0, c, 64)

    def classifier_fit(weights):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(c, activation="softmax")(inputs))
        model.compile("sgd", SPARSE)
        return model.fit(x, y, epochs=1, verbose=0, batch_size=64, shuffle=False, class_weight=weights).history["loss"][-1]

    plain = show("keys 0..2", outcome(lambda: classifier_fit({0: 1.0, 1: 1.0, 2: 1.0})))
    mixed = show("keys 0, 1 and '2'", outcome(lambda: classifier_fit({0: 1.0, 1: 1.0, "2": 9.0})))
    check(mixed[0] == "ok" and abs(mixed[1] - plain[1]) < 1e-6, "a string key beside int keys is never matched (weight 1.0)")
    negative = show("keys 0..2 and -1", outcome(lambda: classifier_fit({0: 1.0, 1: 1.0, 2: 1.0, -1: 9.0})))
    check(negative[0] == "ok" and abs(negative[1] - plain[1]) < 1e-6, "a key no label takes (-1) is ignored silently")


# -- padding ---------------------------------------------------------------------------------------
def padding() -> None:
    print("== pad_sequences")
    padded = keras.utils.pad_sequences([[3, 1, 2], [4]])
    print("    ", padded.tolist(), padded.dtype)
    check(padded.tolist() == [[3, 1, 2], [0, 0, 4]] and padded.dtype == np.int32,
          "pad_sequences pads with 0 by default (value=0.0), as int32, at the front ('pre')")
    padded = keras.utils.pad_sequences([[3, 1, 2], [4]], padding="post", value=-1)
    check(padded.tolist() == [[3, 1, 2], [4, -1, -1]], "value=-1 pads with -1")
    check(keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
          and tf.keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences,
          "keras.preprocessing.sequence.pad_sequences and tf.keras's are keras.utils.pad_sequences")


def main() -> None:
    print("keras", keras.__version__, "tensorflow", tf.__version__, "numpy", np.__version__)
    multi_output()
    mixed_precision()
    ignore_class()
    class_weight()
    padding()
    print("all checks passed" if not failures else f"{len(failures)} checks FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
