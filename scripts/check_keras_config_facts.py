"""Measure how Keras treats loss configuration: mixed precision outputs, ignore_class, class_weight, label_smoothing.

Run with a Python that has TensorFlow and Keras (Keras 3, or Keras 2 / tf.keras 2.x):
    TF_CPP_MIN_LOG_LEVEL=3 /path/to/python scripts/check_keras_config_facts.py
It prints what each situation does and exits non-zero when an expectation no longer holds;
expectations that differ between Keras 2 and Keras 3 are checked against the running version.
Observed with Keras 3.15.1 / TensorFlow 2.21 / NumPy 2.4 and with Keras 2.15.0 / TensorFlow 2.15.1 /
NumPy 1.26 (Python 3.11, CPU). Nothing here runs during the tests.
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

KERAS3 = int(keras.__version__.split(".")[0]) >= 3
SPARSE, CATEGORICAL = "sparse_categorical_crossentropy", "categorical_crossentropy"
failures: list[str] = []
# lines of an error that carry the cause (TF puts a traceback of the graph before them)
CAUSES = ("Received a label value", "indices[", "must be broadcastable", "Dimensions must be equal", "only ",
          "can only concatenate", "Expected `class_weight`", "unexpected keyword")


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def message(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    for line in lines:
        if any(cause in line for cause in CAUSES):
            return f"{type(error).__name__}: {line[:220]}"
    return f"{type(error).__name__}: {lines[0][:220] if lines else ''}"


def attempt(name: str, action):
    """Run action; print and return ('ok', value) or ('raises', message)."""
    try:
        value = action()
    except Exception as error:  # noqa: BLE001 - reporting what the library raises
        outcome = ("raises", message(error))
    else:
        outcome = ("ok", round(float(value), 4) if np.ndim(value) == 0 and not isinstance(value, str) else value)
    print(f"     {name}: {outcome[0]} {outcome[1]}")
    return outcome


def softmax(z):
    return tf.nn.softmax(tf.constant(z), axis=-1)


# -- 2. mixed precision ------------------------------------------------------------------------------
def exact_sparse(z, y):
    """Per-row loss from the logits, in float64."""
    z = z.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    return np.log(np.exp(z).sum(-1)) - np.take_along_axis(z, y[:, None], -1)[:, 0]


def exact_binary(z, y):
    z = z.astype(np.float64)
    return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))[:, 0]


def head(activation: str, units: int, dtype):
    """Identity Dense head: the logits are the inputs, so gradients w.r.t. the inputs are w.r.t. the logits."""
    inputs = keras.Input((units,))
    extra = {} if dtype is None else {"dtype": dtype}
    outputs = keras.layers.Dense(units, use_bias=False, kernel_initializer="identity", activation=activation, **extra)(inputs)
    return keras.Model(inputs, outputs)


def loss_and_dead_rows(model, loss, x, y, wrong):
    """The batch loss and how many rows of `wrong` (exact loss > 1) get an exactly zero gradient."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        value = loss(y, model(xt))
    grad = tape.gradient(value, xt).numpy()
    return float(value), int(((np.abs(grad).sum(-1) == 0) & wrong).sum())


def plain_float32(activation: str, loss, x, y, wrong):
    """The same head in float32 through tf.nn, so no Keras-cached logits: what other backends compute."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        value = loss(y, tf.nn.softmax(xt) if activation == "softmax" else tf.nn.sigmoid(xt))
    grad = tape.gradient(value, xt).numpy()
    return float(value), int(((np.abs(grad).sum(-1) == 0) & wrong).sum())


def mixed_precision() -> None:
    print("== mixed precision")
    rng = np.random.default_rng(0)
    n = 512
    for policy in ("mixed_float16", "mixed_bfloat16"):
        keras.mixed_precision.set_global_policy(policy)
        low = "float16" if policy == "mixed_float16" else "bfloat16"
        seq = keras.Sequential([keras.Input((8,)), keras.layers.Dense(10, activation="softmax")])
        fixed = keras.Sequential([keras.Input((8,)), keras.layers.Dense(10, activation="softmax", dtype="float32")])
        dtype, fixed_dtype = seq(np.zeros((1, 8), "float32")).dtype, fixed(np.zeros((1, 8), "float32")).dtype
        print(f"     {policy}: Dense(10, 'softmax') output {dtype}; with dtype='float32' {fixed_dtype}")
        check(tf.as_dtype(dtype).name == low and tf.as_dtype(fixed_dtype).name == "float32",
              f"{policy}: the output layer computes in {low} unless it is given dtype='float32'")
        cases = (("softmax", 10, keras.losses.SparseCategoricalCrossentropy(), (3, 10, 20, 50), exact_sparse),
                 ("sigmoid", 1, keras.losses.BinaryCrossentropy(), (3, 5, 10, 20), exact_binary))
        for activation, units, loss, magnitudes, exact in cases:
            for magnitude in magnitudes:
                x = (rng.standard_normal((n, units)) * magnitude).astype("float32")
                y = rng.integers(0, 10, n) if units > 1 else (rng.random((n, 1)) < 0.5).astype("float32")
                # the low-precision Dense emits rounded logits; the reference starts from the same numbers
                rounded = tf.cast(tf.cast(x, low), tf.float32).numpy()
                rows = exact(rounded, y)
                want, wrong = float(rows.mean()), rows > 1.0
                low_loss, low_dead = loss_and_dead_rows(head(activation, units, None), loss, x, y, wrong)
                f32_loss, f32_dead = loss_and_dead_rows(head(activation, units, "float32"), loss, x, y, wrong)
                plain_loss, plain_dead = plain_float32(activation, loss, rounded, y, wrong)
                print(f"     {policy} {activation} |logits|~{magnitude}: exact {want:.4f} | output {low}: {low_loss:.4f},"
                      f" zero gradient on {low_dead} of {int(wrong.sum())} rows with loss > 1 | output float32:"
                      f" {f32_loss:.4f}, {f32_dead} such rows | float32 without cached logits: {plain_loss:.4f}, {plain_dead}")
                if activation == "softmax" and magnitude == 20:
                    model = head(activation, units, None)
                    model.compile("sgd", "sparse_categorical_crossentropy")
                    evaluated = model.evaluate(x, y, batch_size=n, verbose=0)
                    check(abs(evaluated - low_loss) < 1e-3 * low_loss, f"compile('sparse_categorical_crossentropy') +"
                          f" evaluate gives the same {evaluated:.4f}")
                    linear = head(None, units, None)
                    logits_loss = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, linear(x)))
                    check(abs(logits_loss - want) < 1e-2 * want, f"a linear {low} output with from_logits=True: {logits_loss:.4f}"
                          " (exact up to the rounding of the logits)")
                if not KERAS3:
                    # tf.keras keeps the cached logits through the float16 output: the loss stays exact
                    if magnitude >= 10:
                        check(abs(low_loss - want) < 0.01 * want and low_dead == 0,
                              f"Keras 2, {low} {activation} output, |logits|~{magnitude}: loss exact to 1%, no dead rows")
                    continue
                if magnitude >= 20:
                    check(low_dead > 0.1 * wrong.sum() and f32_dead == 0 and abs(f32_loss - want) < 1e-3 * want,
                          f"{low} {activation} output, |logits|~{magnitude}: >10% of the badly predicted rows get no"
                          " gradient; with dtype='float32' none, and the loss is exact")
                if activation == "softmax" and magnitude >= 10:
                    check(low_loss < 0.8 * want, f"{low} softmax output, |logits|~{magnitude}: the loss is >20% too low")
                if activation == "sigmoid" and magnitude == 5:
                    check(abs(low_loss - want) > 3 * abs(plain_loss - want) and abs(low_loss - want) > 0.05 * want,
                          f"{low} sigmoid output, |logits|~5: >5% off where float32 probabilities are not")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = head("softmax", 10, None)
            model.compile("sgd", "sparse_categorical_crossentropy")
            model.fit(rng.standard_normal((64, 10)).astype("float32") * 20, rng.integers(0, 10, 64), epochs=1, verbose=0)
        check(not [w for w in caught if "precision" in str(w.message).lower() or "float16" in str(w.message)],
              f"{policy}: compile/fit with a low-precision softmax output warn about nothing")
    keras.mixed_precision.set_global_policy("float32")


# -- 3. ignore_class -------------------------------------------------------------------------------
def ignore_class() -> None:
    print("== ignore_class")
    print("     SparseCategoricalCrossentropy", inspect.signature(keras.losses.SparseCategoricalCrossentropy))
    rng = np.random.default_rng(0)
    n, h, w, c = 4, 8, 8, 21
    probs = softmax(rng.standard_normal((n, h, w, c)).astype("float32"))
    masks = rng.integers(0, c, (n, h, w))
    masks[:, :2, :] = 255
    sparse = keras.losses.SparseCategoricalCrossentropy
    outcome = attempt("21 classes, masks with 255, no ignore_class", lambda: sparse()(masks, probs))
    check("Received a label value of 255 which is outside the valid range of [0, 21)" in outcome[1],
          "void 255 without ignore_class: InvalidArgumentError on CPU (the LL205 situation)")

    def segmentation_fit(loss):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((h, w, 3))
        model = keras.Model(inputs, keras.layers.Conv2D(c, 1, activation="softmax")(inputs))
        model.compile("sgd", loss)
        return model.fit(rng.random((n, h, w, 3)).astype("float32"), masks, epochs=1, verbose=0).history["loss"][-1]

    outcome = attempt("the same in fit", lambda: segmentation_fit("sparse_categorical_crossentropy"))
    check("Received a label value of 255" in outcome[1], "void 255 without ignore_class: raises at the first fit step")
    got = attempt("ignore_class=255", lambda: sparse(ignore_class=255)(masks, probs))
    picked = np.take_along_axis(np.asarray(probs), np.where(masks == 255, 0, masks)[..., None], -1)[..., 0]
    want = float(np.mean(-np.log(picked)[masks != 255]))
    check(got[0] == "ok" and abs(got[1] - want) < 1e-3,
          f"ignore_class=255 averages over the non-void pixels only ({want:.4f})")

    one_hot = keras.utils.to_categorical(rng.integers(0, 5, 16), 5)
    probs5 = softmax(rng.standard_normal((16, 5)).astype("float32"))
    outcome = attempt("ignore_class=0 with one-hot labels", lambda: sparse(ignore_class=0)(one_hot, probs5))
    check(outcome[0] == "raises", "ignore_class with one-hot labels raises (a different message from LL201's)")
    outcome = attempt("CategoricalCrossentropy(ignore_class=0)", lambda: keras.losses.CategoricalCrossentropy(ignore_class=0))
    check("unexpected keyword" in outcome[1], "CategoricalCrossentropy has no ignore_class: TypeError at construction")

    t = 6
    tokens = rng.integers(1, 5, (8, t))
    tokens[:, 4:] = 0
    probs_seq = softmax(rng.standard_normal((8, t, 5)).astype("float32"))
    nll = -np.log(np.take_along_axis(np.asarray(probs_seq), tokens[..., None], -1)[..., 0])
    print(f"     padded with 0: mean over all steps {nll.mean():.4f}, over real steps {nll[tokens != 0].mean():.4f}")
    outcome = attempt("padding 0, ignore_class=-1", lambda: sparse(ignore_class=-1)(tokens, probs_seq))
    check(outcome[0] == "ok" and abs(outcome[1] - nll.mean()) < 1e-3,
          "ignore_class=-1 with 0 padding: SILENT, the pad steps train as class 0")
    outcome = attempt("padding 0, ignore_class=0", lambda: sparse(ignore_class=0)(tokens, probs_seq))
    check(outcome[0] == "ok" and abs(outcome[1] - nll[tokens != 0].mean()) < 1e-3, "ignore_class=0 with 0 padding excludes them")
    minus = np.where(tokens == 0, -1, tokens)
    outcome = attempt("padding -1, no ignore_class", lambda: sparse()(minus, probs_seq))
    check("Received a label value of -1" in outcome[1], "padding -1 without ignore_class: InvalidArgumentError on CPU")


# -- 4. class_weight -------------------------------------------------------------------------------
def class_weight() -> None:
    print("== class_weight")
    rng = np.random.default_rng(0)
    n, t, c = 8, 5, 3
    weights = {0: 1.0, 1: 2.0, 2: 3.0}
    x_seq = rng.random((n, t, 2)).astype("float32")
    y_seq = rng.integers(0, c, (n, t))
    one_hot_seq = keras.utils.to_categorical(y_seq, c)

    def sequence_fit(loss, *data, **kwargs):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((t, 2))
        model = keras.Model(inputs, keras.layers.Dense(c, activation="softmax")(inputs))
        model.compile("sgd", loss)
        return model.fit(*data, epochs=1, verbose=0, **kwargs).history["loss"][-1]

    per_step = np.vectorize(weights.get)(y_seq).astype("float32")
    in_order = {"batch_size": n, "shuffle": False}
    reference = attempt("reference: (N,T,C) one-hot + sample_weight (N,T) per step",
                        lambda: sequence_fit(CATEGORICAL, x_seq, one_hot_seq, sample_weight=per_step, **in_order))
    arrays = attempt("arrays (N,T,C) one-hot, class_weight",
                     lambda: sequence_fit(CATEGORICAL, x_seq, one_hot_seq, class_weight=weights, **in_order))
    sparse = attempt("arrays (N,T) sparse, class_weight",
                     lambda: sequence_fit(SPARSE, x_seq, y_seq, class_weight=weights, **in_order))
    batches = tf.data.Dataset.from_tensor_slices((x_seq, one_hot_seq)).batch(n)
    dataset = attempt("tf.data (N,T,C) one-hot, class_weight",
                      lambda: sequence_fit(CATEGORICAL, batches, class_weight=weights))
    if KERAS3:
        check("only 0-dimensional arrays can be converted to Python scalars" in arrays[1],
              "Keras 3, NumPy targets of rank 3: TypeError when fit builds the sample weights")
        check(sparse[0] == "raises", "Keras 3, (N,T) sparse targets: argmax over T, then a shape error at the first step")
        check(dataset[0] == "ok" and abs(dataset[1] - reference[1]) < 1e-4,
              "Keras 3, tf.data one-hot (N,T,C): correct per-step weighting")
    else:
        check(arrays[0] == "ok" and abs(arrays[1] - reference[1]) < 1e-4,
              "Keras 2, arrays one-hot (N,T,C): correct per-step weighting")
        check(sparse[0] == "ok" and abs(sparse[1] - reference[1]) > 0.1,
              "Keras 2, (N,T) sparse targets: SILENT, weighted by argmax over T (a position, not a class)")

    x = rng.random((64, 4)).astype("float32")
    y = rng.integers(0, c, 64)

    def classifier_fit(weights, data=None):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(c, activation="softmax")(inputs))
        model.compile("sgd", SPARSE)
        data = (x, y) if data is None else (data,)
        kwargs = {"batch_size": 64, "shuffle": False} if len(data) == 2 else {}
        return model.fit(*data, epochs=1, verbose=0, class_weight=weights, **kwargs).history["loss"][-1]

    plain = attempt("no class_weight", lambda: classifier_fit(None))
    right = attempt("keys 0..K-1", lambda: classifier_fit(weights))
    shifted = attempt("keys 1..K", lambda: classifier_fit({1: 1.0, 2: 2.0, 3: 3.0}))
    missing = attempt("key 2 missing", lambda: classifier_fit({0: 1.0, 1: 2.0}))
    strings = attempt("string keys", lambda: classifier_fit({"0": 1.0, "1": 2.0, "2": 3.0}))
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)
    ds_missing = attempt("tf.data, key 2 missing", lambda: classifier_fit({0: 1.0, 1: 2.0}, dataset))
    ds_strings = attempt("tf.data, string keys", lambda: classifier_fit({"0": 1.0}, dataset))
    if KERAS3:
        check(shifted[0] == "ok" and shifted[1] != right[1],
              "Keras 3, keys 1..K for labels 0..K-1: SILENT (label 0 gets 1.0, the rest shifted)")
        check(missing[0] == "ok", "Keras 3, NumPy labels, a missing key: SILENT, weight 1.0")
        check(strings[0] == "ok" and abs(strings[1] - plain[1]) < 1e-6,
              "Keras 3, NumPy labels, string keys: SILENT, class_weight ignored")
        check("indices[" in ds_missing[1], "Keras 3, tf.data, a label above the largest key: InvalidArgumentError (CPU)")
        check("can only concatenate str" in ds_strings[1], "Keras 3, tf.data, string keys: TypeError")
    else:
        expected = "Expected `class_weight` to be a dict with keys from 0 to one less than the number of classes"
        check(expected in shifted[1] and expected in strings[1], "Keras 2: keys that are not 0..n-1: ValueError at fit")
        check("indices[" in missing[1], "Keras 2, a label above the largest key: InvalidArgumentError (CPU)")

    multi_hot = (rng.random((64, c)) < 0.5).astype("float32")

    def multi_label_fit(weights):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(c, activation="sigmoid")(inputs))
        model.compile("sgd", "binary_crossentropy")
        history = model.fit(x, multi_hot, epochs=1, verbose=0, batch_size=64, shuffle=False, class_weight=weights)
        return history.history["loss"][-1]

    unweighted = attempt("multi-label sigmoid (N,K), no class_weight", lambda: multi_label_fit(None))
    weighted = attempt("multi-label sigmoid (N,K), class_weight", lambda: multi_label_fit(weights))
    check(weighted[0] == "ok" and weighted[1] != unweighted[1],
          "multi-hot targets: class_weight runs, each row weighted by argmax (its first positive column)")


# -- 5. label_smoothing ----------------------------------------------------------------------------
def label_smoothing() -> None:
    print("== label_smoothing")
    accepting = []
    for name in sorted(dir(keras.losses)):
        obj = getattr(keras.losses, name)
        try:
            if not name.startswith("_") and callable(obj) and "label_smoothing" in inspect.signature(obj).parameters:
                accepting.append(name)
        except (TypeError, ValueError):
            continue
    print("     accept label_smoothing:", accepting)
    check("SparseCategoricalCrossentropy" not in accepting and "CategoricalCrossentropy" in accepting,
          "label_smoothing: categorical/binary (focal) losses only, not the sparse one")
    outcome = attempt("SparseCategoricalCrossentropy(label_smoothing=0.1)",
                      lambda: keras.losses.SparseCategoricalCrossentropy(label_smoothing=0.1))
    check("unexpected keyword argument 'label_smoothing'" in outcome[1],
          "sparse loss + label_smoothing: TypeError at construction")
    labels = np.array([0, 1, 2, 1])
    probs = softmax(np.random.default_rng(0).standard_normal((4, 3)).astype("float32"))
    outcome = attempt("sparse_categorical_crossentropy(..., label_smoothing=0.1)",
                      lambda: keras.losses.sparse_categorical_crossentropy(labels, probs, label_smoothing=0.1))
    check("unexpected keyword argument 'label_smoothing'" in outcome[1],
          "the sparse function + label_smoothing: TypeError at the call")
    one_hot = keras.utils.to_categorical(labels, 3)
    smoothed = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
    got = attempt("CategoricalCrossentropy(label_smoothing=0.1), one-hot", lambda: smoothed(one_hot, probs))
    want = float(np.mean(np.sum(-(one_hot * 0.9 + 0.1 / 3) * np.log(np.asarray(probs)), 1)))
    check(abs(got[1] - want) < 1e-4, f"label_smoothing=0.1 mixes the one-hot target with 0.1/K ({want:.4f})")
    outcome = attempt("CategoricalCrossentropy(label_smoothing=0.1), class ids", lambda: smoothed(labels, probs))
    check(outcome[0] == "raises", "categorical loss with label_smoothing on class ids raises (the LL202 situation)")


def main() -> None:
    print("keras", keras.__version__, "tensorflow", tf.__version__, "numpy", np.__version__)
    mixed_precision()
    ignore_class()
    class_weight()
    label_smoothing()
    print("all checks passed" if not failures else f"{len(failures)} checks FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
