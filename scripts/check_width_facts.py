"""Measure what Keras and PyTorch do when the label width differs from the output width.

The width rules of issue 13 (LL207 binary/sigmoid label columns, LL208 regression
target shape, the PyTorch target-shape checks) rest on these measurements.  Run it
with any interpreter; each half runs where its library imports:

    TF_CPP_MIN_LOG_LEVEL=3 /work/main/.venv/bin/python scripts/check_width_facts.py
    CHECK_WITH_TF_KERAS=1 /path/to/venv-with-tf_keras/bin/python scripts/check_width_facts.py
    /path/to/torch-venv/bin/python scripts/check_width_facts.py

For each situation it prints whether the library raised (type and first line of
the message) or ran, and when it ran, the loss it returned beside the numbers a
NumPy reference computes for the candidate readings (aligned, broadcast to
(N, K), broadcast to (N, N)), so "silent" says what was computed.  Nothing here
runs during the tests.

Last run, N = 64, batch_size = N (messages as printed; "aligned"/"broadcast" name the NumPy
reading the returned loss equalled):

Keras 3.15.1 on TensorFlow 2.21.0 (and the same with torch 2.14.1 installed beside it):
  (1) binary_crossentropy, y (N,) of 0/1, Dense(2, sigmoid): fit/evaluate raise ValueError
      "Arguments `target` and `output` must have the same rank (ndim). Received:
      target.shape=(64,), output.shape=(64, 2)"; y (N, 1): ValueError "... must have the same
      shape. Received: target.shape=(64, 1), output.shape=(64, 2)".
  (2) one-hot (N, 2) against Dense(1, sigmoid) + binary_crossentropy: ValueError "... must have
      the same shape. Received: target.shape=(64, 2), output.shape=(64, 1)".
  (3) one-hot (N, C) against K != C softmax units (C/K = 5/3, 3/5, 2/3; 4 against one sigmoid
      unit): categorical and binary crossentropy both raise that same-shape ValueError.
  (4) multi-hot (N, 6) against Dense(6, sigmoid) + binary_crossentropy: runs, aligned loss.
  (5) mse/mae/huber: y (N,) against Dense(4) raises ValueError "Dimensions must be equal, but
      are 64 and 4 for '{{node compile_loss/mse/sub}} ...' with input shapes: [64], [64,4]"
      (when the batch is exactly 4 rows it runs, broadcasting y along the units);
      y (N, 1) against Dense(4) runs silently on the (N, 4) broadcast; y (N,) against Dense(1)
      runs on the aligned loss (compile's wrapper expands y to (N, 1)).  Direct calls of
      keras.losses.mean_squared_error / MeanSquaredError() / Huber() on y (N,), p (N, 1): aligned.
      A custom function loss passed to compile: aligned (wrapped the same way).  A
      keras.losses.Loss subclass with the same body: runs silently on the (N, N) broadcast,
      in fit and when called directly.  keras.losses.binary_crossentropy(y (N,), p (N, 1))
      called directly raises the same-rank ValueError; BinaryCrossentropy()(...) runs.
Keras 2 (tf_keras 2.21.0, CHECK_WITH_TF_KERAS=1), where they differ:
  binary widths raise ValueError "`logits` and `labels` must have the same shape, received
  ((64, 2) vs (64, 1))."; categorical: "Shapes (64, 5) and (64, 3) are incompatible";
  mse/mae/huber y (N,) against Dense(4) run silently on the (N, 4) broadcast; direct
  mean_squared_error / MeanSquaredError() / Huber() on y (N,), p (N, 1) compute the (N, N)
  broadcast (tf.keras.losses.MSE of TF 2.21 is Keras 3's and aligns); a Loss subclass in fit
  is aligned; BinaryCrossentropy()(y (N,), p (N, 1)) raises.
torch 2.13.0+cpu and 2.14.1 (identical):
  MSELoss/L1Loss/SmoothL1Loss/HuberLoss, input (N, 1), target (N,): run on the (N, N)
  broadcast with UserWarning "Using a target size (torch.Size([64])) that is different to the
  input size (torch.Size([64, 1])). This will likely lead to incorrect results due to
  broadcasting. Please ensure they have the same size."; input (N, 4), target (N, 1): the
  (N, 4) broadcast, same warning; input (N, 4), target (N,): RuntimeError "The size of tensor
  a (4) must match the size of tensor b (64) at non-singleton dimension 1".
  BCELoss / F.binary_cross_entropy, target shape != input shape: ValueError "Using a target
  size (torch.Size([64])) that is different to the input size (torch.Size([64, 1])) is
  deprecated. Please ensure they have the same size."; BCEWithLogitsLoss /
  F.binary_cross_entropy_with_logits: ValueError "Target size (torch.Size([64])) must be the
  same as input size (torch.Size([64, 1]))".
  CrossEntropyLoss / F.cross_entropy with one-hot int64 (N, C): RuntimeError "Expected floating
  point type for target with class probabilities, got Long" (int32: "got Int"); one-hot float
  (N, C): runs, equal to the class-index loss; float (N, C+1) or int64 ids (N, 1): RuntimeError
  "0D or 1D target tensor expected, multi-target not supported".  NLLLoss / F.nll_loss with
  one-hot targets, int64 or float: that same RuntimeError.
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

N = 64
RNG = np.random.default_rng(0)


def first_line(error: BaseException) -> str:
    text = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if text and text[0] == "in user code:":
        # a tf.function traceback: the library's own message is the last line
        return text[-1][:240]
    return f"{type(error).__name__}: {text[0][:240] if text else ''}"


def report(name: str, action, references=None) -> None:
    """Run ``action``; print what it raised, or its value beside the reference readings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = float(action())
        except Exception as error:  # noqa: BLE001 - the point is to report what the library raises
            print(f"{name}: raises {first_line(error)}")
            return
    said = [str(w.message).splitlines()[0] for w in caught if "deprecat" not in str(w.message).lower()]
    readings = ""
    if references:
        close = [label for label, ref in references.items() if ref is not None and np.isclose(value, ref, rtol=1e-4)]
        shown = ", ".join(f"{label}={ref:.4f}" for label, ref in references.items() if ref is not None)
        readings = f" [{shown}] -> equals {' / '.join(close) or 'none of them'}"
    print(f"{name}: runs, loss={value:.4f}{readings}" + (f"; warning: {said[0]}" if said else ""))


# -- NumPy references -----------------------------------------------------------
def bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def try_broadcast(fn, y, p):
    try:
        return float(np.mean(fn(y, p)))
    except ValueError:
        return None


def keras_half() -> None:
    try:
        import tensorflow as tf

        if os.environ.get("CHECK_WITH_TF_KERAS"):
            # Keras 2 (tf_keras), what `tf.keras` was up to TF 2.15: its loss wrappers differ
            import tf_keras as keras
        else:
            import keras
    except ImportError:
        print("TensorFlow/Keras not installed: Keras half skipped")
        return
    tf.get_logger().setLevel("ERROR")  # retracing notices from the many small models
    print(f"TensorFlow {tf.__version__} / Keras {keras.__version__} / NumPy {np.__version__}")
    keras.utils.set_random_seed(0)
    x = RNG.random((N, 10)).astype("float32")

    def model(units, activation):
        m = keras.Sequential([keras.Input((10,)), keras.layers.Dense(units, activation=activation)])
        # small weights keep regression outputs near the [0, 1) targets, where the readings differ
        m.layers[0].set_weights(
            [RNG.normal(0, 0.3, (10, units)).astype("float32"), RNG.normal(0, 0.3, (units,)).astype("float32")]
        )
        return m

    def compiled(units, activation, loss, y, refs_fn=None, label=""):
        m = model(units, activation)
        p = m.predict(x, verbose=0)
        m.compile(optimizer="sgd", loss=loss)
        refs = refs_fn(y, p) if refs_fn else None
        # evaluate computes the same compiled loss as fit, on fixed weights
        report(f"{label} evaluate", lambda: m.evaluate(x, y, batch_size=N, verbose=0), refs)
        report(f"{label} fit", lambda: m.fit(x, y, batch_size=N, epochs=1, verbose=0).history["loss"][-1])
        return m, p

    def bce_refs(y, p):
        return {
            "aligned": try_broadcast(bce, y.reshape(p.shape) if y.size == p.size else None, p)
            if y.size == p.size
            else None,
            "broadcast(N,K)": try_broadcast(bce, y.reshape(len(y), -1), p),
            "broadcast(N,N)": try_broadcast(bce, y, p) if y.ndim == 1 else None,
        }

    def sq(y, p):
        return (y - p) ** 2

    def ab(y, p):
        return np.abs(y - p)

    def hub(y, p):
        d = np.abs(y - p)
        return np.where(d <= 1.0, 0.5 * d**2, d - 0.5)

    def reg_refs(fn):
        def refs(y, p):
            return {
                "aligned": try_broadcast(fn, y.reshape(p.shape), p) if y.size == p.size else None,
                "broadcast(N,K)": try_broadcast(fn, y.reshape(len(y), -1), p),
                "broadcast(N,N)": try_broadcast(fn, y, p) if y.ndim == 1 and p.shape[-1] == 1 else None,
            }

        return refs

    y01 = RNG.integers(0, 2, N)
    print("\n(1) binary_crossentropy, labels (N,) of 0/1, Dense(2, sigmoid)")
    _, p2 = compiled(2, "sigmoid", "binary_crossentropy", y01.astype("float32"), bce_refs, "  y (N,)")
    report(
        "  direct keras.losses.binary_crossentropy(y (N,), p (N,2))",
        lambda: tf.reduce_mean(keras.losses.binary_crossentropy(y01.astype("float32"), p2)),
    )
    compiled(2, "sigmoid", "binary_crossentropy", y01.reshape(-1, 1).astype("float32"), bce_refs, "  y (N,1)")

    print("\n(2) one-hot (N,2) labels, Dense(1, sigmoid), binary_crossentropy")
    one_hot2 = keras.utils.to_categorical(y01, 2)
    compiled(1, "sigmoid", "binary_crossentropy", one_hot2, bce_refs, "  one-hot (N,2)")

    print("\n(3) one-hot (N,C) labels against K != C softmax units")
    for c, k in ((5, 3), (3, 5), (2, 3)):
        y = keras.utils.to_categorical(RNG.integers(0, c, N), c)
        for loss in ("categorical_crossentropy", "binary_crossentropy"):
            compiled(
                k, "softmax", loss, y, bce_refs if loss == "binary_crossentropy" else None, f"  C={c} K={k} {loss}"
            )
    y4 = keras.utils.to_categorical(RNG.integers(0, 4, N), 4)
    compiled(1, "sigmoid", "binary_crossentropy", y4, bce_refs, "  C=4 against Dense(1, sigmoid) binary_crossentropy")

    print("\n(4) multi-hot (N,6), Dense(6, sigmoid), binary_crossentropy")
    compiled(
        6, "sigmoid", "binary_crossentropy", RNG.integers(0, 2, (N, 6)).astype("float32"), bce_refs, "  multi-hot (N,6)"
    )

    print("\n(5) regression targets")
    # targets on both sides of the outputs, so that the aligned and broadcast MAE differ
    y_reg = RNG.normal(0, 1, N).astype("float32")
    for loss, fn in (("mse", sq), ("mae", ab), ("huber", hub)):
        compiled(4, None, loss, y_reg, reg_refs(fn), f"  {loss} y (N,) vs Dense(4)")
        compiled(4, None, loss, y_reg.reshape(-1, 1), reg_refs(fn), f"  {loss} y (N,1) vs Dense(4)")
        compiled(1, None, loss, y_reg, reg_refs(fn), f"  {loss} y (N,) vs Dense(1)")
    small_x = x[:4]
    m4 = model(4, None)
    m4.compile(optimizer="sgd", loss="mse")
    p4 = m4.predict(small_x, verbose=0)
    report(
        "  mse y (4,) vs Dense(4) with N == 4",
        lambda: m4.evaluate(small_x, y_reg[:4], batch_size=4, verbose=0),
        {
            "row broadcast": float(np.mean((y_reg[:4][None, :] - p4) ** 2)),
            "broadcast(N,K)": float(np.mean((y_reg[:4][:, None] - p4) ** 2)),
        },
    )

    p1 = model(1, None).predict(x, verbose=0)
    refs = reg_refs(sq)(y_reg, p1)
    report(
        "  direct keras.losses.mean_squared_error(y (N,), p (N,1)) mean",
        lambda: tf.reduce_mean(keras.losses.mean_squared_error(y_reg, p1)),
        refs,
    )
    report(
        "  direct keras.losses.MeanSquaredError()(y (N,), p (N,1))",
        lambda: keras.losses.MeanSquaredError()(y_reg, p1),
        refs,
    )
    report(
        "  direct tf.keras.losses.MSE(y (N,), p (N,1)) mean",
        lambda: tf.reduce_mean(tf.keras.losses.MSE(y_reg, p1)),
        refs,
    )
    report(
        "  direct keras.losses.Huber()(y (N,), p (N,1))",
        lambda: keras.losses.Huber()(y_reg, p1),
        reg_refs(hub)(y_reg, p1),
    )

    def custom_mse(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

    compiled(1, None, custom_mse, y_reg, reg_refs(sq), "  custom mean(square(y_true - y_pred), -1) y (N,) vs Dense(1)")

    def custom_mse_scalar(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred))

    compiled(
        1,
        None,
        custom_mse_scalar,
        y_reg,
        reg_refs(sq),
        "  custom tf.reduce_mean(tf.square(y_true - y_pred)) y (N,) vs Dense(1)",
    )

    class SubclassedMse(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

    compiled(
        1, None, SubclassedMse(), y_reg, reg_refs(sq), "  keras.losses.Loss subclass, same body, y (N,) vs Dense(1)"
    )
    report("  the same Loss subclass called directly on y (N,), p (N,1)", lambda: SubclassedMse()(y_reg, p1), refs)
    pb = keras.activations.sigmoid(p1)
    report(
        "  direct keras.losses.binary_crossentropy(y (N,), p (N,1))",
        lambda: tf.reduce_mean(keras.losses.binary_crossentropy(y01.astype("float32"), pb)),
    )
    report(
        "  direct keras.losses.BinaryCrossentropy()(y (N,), p (N,1))",
        lambda: keras.losses.BinaryCrossentropy()(y01.astype("float32"), pb),
    )


def torch_half() -> None:
    try:
        import torch
        import torch.nn as nn
    except ImportError:
        print("torch not installed: PyTorch half skipped")
        return
    print(f"\ntorch {torch.__version__}")
    torch.manual_seed(0)
    out1 = torch.randn(N, 1)
    y = torch.rand(N)
    print("\n(6a) regression losses, target (N,) vs input (N,1)")
    for loss, fn in ((nn.MSELoss, sq_t), (nn.L1Loss, ab_t), (nn.SmoothL1Loss, sl1_t), (nn.HuberLoss, sl1_t)):
        ref = {
            "aligned": float(fn(y.numpy().reshape(-1, 1), out1.numpy()).mean()),
            "broadcast(N,N)": float(fn(y.numpy(), out1.numpy()).mean()),
        }
        report(f"  {loss.__name__}()(input (N,1), target (N,))", lambda loss=loss: loss()(out1, y), ref)
    out4 = torch.randn(N, 4)
    report("  MSELoss()(input (N,4), target (N,))", lambda: nn.MSELoss()(out4, y))
    report(
        "  MSELoss()(input (N,4), target (N,1))",
        lambda: nn.MSELoss()(out4, y.reshape(-1, 1)),
        {"broadcast(N,4)": float(((y.numpy().reshape(-1, 1) - out4.numpy()) ** 2).mean())},
    )
    report("  MSELoss()(input (4,4), target (4,))", lambda: nn.MSELoss()(out4[:4], y[:4]))

    print("\n(6b) binary losses, target shape != input shape")
    probs1 = torch.sigmoid(out1)
    y01 = torch.randint(0, 2, (N,)).float()
    report("  BCELoss()(input (N,1), target (N,))", lambda: nn.BCELoss()(probs1, y01))
    report("  BCEWithLogitsLoss()(input (N,1), target (N,))", lambda: nn.BCEWithLogitsLoss()(out1, y01))
    two = torch.nn.functional.one_hot(y01.long(), 2).float()
    report("  BCELoss()(input (N,1), target one-hot (N,2))", lambda: nn.BCELoss()(probs1, two))
    report("  BCEWithLogitsLoss()(input (N,1), target one-hot (N,2))", lambda: nn.BCEWithLogitsLoss()(out1, two))
    logits2 = torch.randn(N, 2)
    report("  BCEWithLogitsLoss()(input (N,2), target (N,))", lambda: nn.BCEWithLogitsLoss()(logits2, y01))
    report("  BCELoss()(input (N,2), target (N,))", lambda: nn.BCELoss()(torch.sigmoid(logits2), y01))
    report(
        "  F.binary_cross_entropy(input (N,1), target (N,))",
        lambda: torch.nn.functional.binary_cross_entropy(probs1, y01),
    )
    report(
        "  F.binary_cross_entropy_with_logits(input (N,1), target (N,))",
        lambda: torch.nn.functional.binary_cross_entropy_with_logits(out1, y01),
    )

    print("\n(6c) CrossEntropyLoss / NLLLoss with one-hot targets")
    c = 5
    logits = torch.randn(N, c)
    ids = torch.randint(0, c, (N,))
    hot_long = torch.nn.functional.one_hot(ids, c)
    ref = float(nn.CrossEntropyLoss()(logits, ids))
    print(f"  one_hot dtype: {hot_long.dtype}")
    report("  CrossEntropyLoss()(logits (N,C), one-hot int64 (N,C))", lambda: nn.CrossEntropyLoss()(logits, hot_long))
    report(
        "  CrossEntropyLoss()(logits (N,C), one-hot float (N,C))",
        lambda: nn.CrossEntropyLoss()(logits, hot_long.float()),
        {"class-index loss": ref},
    )
    report("  NLLLoss()(log_softmax (N,C), one-hot int64 (N,C))", lambda: nn.NLLLoss()(logits.log_softmax(1), hot_long))
    report(
        "  NLLLoss()(log_softmax (N,C), one-hot float (N,C))",
        lambda: nn.NLLLoss()(logits.log_softmax(1), hot_long.float()),
    )
    report(
        "  F.cross_entropy(logits (N,C), one-hot int64 (N,C))",
        lambda: torch.nn.functional.cross_entropy(logits, hot_long),
    )
    report(
        "  F.nll_loss(log_softmax (N,C), one-hot int64 (N,C))",
        lambda: torch.nn.functional.nll_loss(logits.log_softmax(1), hot_long),
    )
    report(
        "  CrossEntropyLoss()(logits (N,C), ids (N,1) int64)", lambda: nn.CrossEntropyLoss()(logits, ids.reshape(-1, 1))
    )
    report(
        "  CrossEntropyLoss()(logits (N,C), one-hot float (N,C+1))",
        lambda: nn.CrossEntropyLoss()(logits, torch.nn.functional.one_hot(ids, c + 1).float()),
    )
    # a (N, C) int64 target is read as K-dimensional class ids when the input is (N, C', C)
    report(
        "  CrossEntropyLoss()(logits (N,C), one-hot int32 (N,C))", lambda: nn.CrossEntropyLoss()(logits, hot_long.int())
    )


def sq_t(y, p):
    return (y - p) ** 2


def ab_t(y, p):
    return np.abs(y - p)


def sl1_t(y, p):
    d = np.abs(y - p)
    return np.where(d < 1.0, 0.5 * d**2, d - 0.5)


if __name__ == "__main__":
    keras_half()
    torch_half()
