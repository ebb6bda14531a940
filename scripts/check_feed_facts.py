"""Re-check what the labels domain and the width rules assume about TensorFlow 1 feeds,
tf.compat.v1.losses and Keras's element-wise losses (issue 13).

    TF_CPP_MIN_LOG_LEVEL=3 /work/main/.venv/bin/python scripts/check_feed_facts.py

Prints each outcome and exits 1 when one differs from what the linter relies on.  The
PyTorch and binary-crossentropy widths are measured by scripts/check_width_facts.py.

Last run: TensorFlow 2.21.0, Keras 3.15.1, NumPy 2.4 (CPU), N = 64:
  placeholders (tf.compat.v1, graph mode): a [None, 3] placeholder fed (N,) class ids raises
    ValueError "Cannot feed value of shape (64,) for Tensor Placeholder_1:0, which has shape
    (None, 3)" in sess.run, op.run and tensor.eval alike, also when a batch has exactly 3 rows;
    a [None] placeholder fed one-hot rows (N, 3) raises "Cannot feed value of shape (64, 3) ...
    which has shape (None,)"; fed what their shape takes, both run.
  tf.compat.v1.losses: sparse_softmax_cross_entropy(labels, logits, ...),
    softmax_cross_entropy(onehot_labels, logits, ...), sigmoid_cross_entropy(multi_class_labels,
    logits, ...); one-hot rows into the sparse one raise ValueError "`labels.shape.rank` must equal
    `logits.shape.rank - 1`"; class ids into softmax_cross_entropy raise ValueError "Shapes (64, 3)
    and (64,) are incompatible".  TF 2's tf.losses (Keras's) has no sparse_softmax_cross_entropy.
  element-wise losses in compiled fit (mse, mae, mape, msle, huber, log_cosh, their long names and
    classes): targets (N,) against Dense(4) raise ValueError "Dimensions must be equal, but are 64
    and 4"; (N, 1) against Dense(4) run on the (N, 4) broadcast; (N, 3) against Dense(1) run on the
    (N, 3) broadcast; (N, 3) against Dense(4) raise; (N,) against Dense(1) run aligned.  Direct
    calls (mean_squared_error, MeanSquaredError(), huber, MeanAbsoluteError()) on the same shapes:
    the same outcomes (InvalidArgumentError "Incompatible shapes" where fit raises).
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

N = 64
FAILURES = []


def check(ok: bool, what: str) -> None:
    print(("ok     " if ok else "FAILED ") + what)
    if not ok:
        FAILURES.append(what)


def first_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:160]}" if str(error) else type(error).__name__


def placeholders(tf) -> None:
    v1 = tf.compat.v1
    rng = np.random.default_rng(0)
    graph = tf.Graph()
    with graph.as_default():
        wide = v1.placeholder(tf.float32, [None, 3])
        flat = v1.placeholder(tf.int32, [None])
        total = tf.reduce_sum(wide)
        count = tf.reduce_sum(flat)
        step = tf.group(total)
        ids = rng.integers(0, 3, N)
        onehot = np.eye(3)[ids]
        with v1.Session(graph=graph) as session:
            cases = [
                ("sess.run: [None, 3] fed (N,) ids", lambda: session.run(total, {wide: ids}), True),
                ("op.run: [None, 3] fed (N,) ids", lambda: step.run({wide: ids}, session=session), True),
                ("tensor.eval: [None, 3] fed (N,) ids", lambda: total.eval({wide: ids}, session=session), True),
                ("sess.run: [None, 3] fed (3,) ids", lambda: session.run(total, {wide: ids[:3]}), True),
                ("sess.run: [None] fed (N, 3) one-hot", lambda: session.run(count, {flat: onehot}), True),
                ("sess.run: [None, 3] fed (N, 3) one-hot", lambda: session.run(total, {wide: onehot}), False),
                ("sess.run: [None] fed (N,) ids", lambda: session.run(count, {flat: ids}), False),
            ]
            for what, run, raises in cases:
                try:
                    run()
                    print(f"       {what}: runs")
                    check(not raises, f"{what} runs")
                except Exception as exc:  # noqa: BLE001
                    print(f"       {what}: {first_line(exc)}")
                    check(raises and "Cannot feed value of shape" in str(exc), f"{what} raises a feed error")


def tf1_losses(tf) -> None:
    losses = tf.compat.v1.losses
    for name, keyword in (
        ("sparse_softmax_cross_entropy", "labels"),
        ("softmax_cross_entropy", "onehot_labels"),
        ("sigmoid_cross_entropy", "multi_class_labels"),
    ):
        params = list(inspect.signature(getattr(losses, name)).parameters)
        print(f"       tf.compat.v1.losses.{name}{tuple(params[:2])}")
        check(params[:2] == [keyword, "logits"], f"{name} takes ({keyword}, logits) first")
    check(not hasattr(tf.losses, "sparse_softmax_cross_entropy"), "TF 2's tf.losses lacks sparse_softmax_cross_entropy")
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 3, N)
    onehot = np.eye(3, dtype="float32")[ids]
    logits = tf.constant(rng.normal(size=(N, 3)).astype("float32"))
    for what, run in (
        ("sparse_softmax_cross_entropy on one-hot rows", lambda: losses.sparse_softmax_cross_entropy(onehot, logits)),
        ("softmax_cross_entropy on class ids", lambda: losses.softmax_cross_entropy(ids, logits)),
    ):
        try:
            run()
            check(False, f"{what} raises")
        except Exception as exc:  # noqa: BLE001
            print(f"       {what}: {first_line(exc)}")
            check(True, f"{what} raises")


REGRESSION = ["mse", "mae", "mape", "msle", "huber", "log_cosh", "mean_squared_error", "mean_absolute_error",
              "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "MeanSquaredError",
              "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh"]


def regression(keras, tf) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(N, 8)).astype("float32")
    for loss in REGRESSION:
        shapes = (((N,), 4, "raises"), ((N, 1), 4, "broadcast"), ((N, 3), 1, "broadcast"), ((N, 3), 4, "raises"),
                  ((N,), 1, "aligned"))
        for target_shape, units, expected in shapes:
            y = (np.abs(rng.normal(size=target_shape)) + 0.1).astype("float32")
            model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(units)])
            model.compile(optimizer=keras.optimizers.SGD(0.0), loss=loss)
            shown = "(N,)" if len(target_shape) == 1 else f"(N, {target_shape[1]})"
            what = f"{loss}: targets {shown} against Dense({units})"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = model.fit(x, y, batch_size=N, epochs=1, verbose=0).history["loss"][0]
            except Exception as exc:  # noqa: BLE001
                check(expected == "raises" and "Dimensions must be equal" in str(exc), f"{what} raises")
                continue
            outputs = np.asarray(model(tf.constant(x)))
            fn = keras.losses.get(loss)
            targets = y.reshape(N, -1)
            wide_y, wide_p = np.broadcast_arrays(targets, outputs)
            broadcast = float(np.mean(fn(tf.constant(wide_y), tf.constant(wide_p))))
            check(expected in ("broadcast", "aligned") and abs(value - broadcast) <= 1e-3 * max(1.0, abs(value)),
                  f"{what} runs on the {expected} loss ({value:.4f} = {broadcast:.4f})")
    p = tf.constant(rng.normal(size=(N, 4)).astype("float32"))
    direct = (
        ("mean_squared_error", keras.losses.mean_squared_error),
        ("MeanSquaredError()", keras.losses.MeanSquaredError()),
        ("huber", keras.losses.huber),
        ("MeanAbsoluteError()", keras.losses.MeanAbsoluteError()),
    )
    for name, fn in direct:
        for target_shape, raises in (((N,), True), ((N, 1), False), ((N, 3), True)):
            y = tf.constant(rng.normal(size=target_shape).astype("float32"))
            try:
                fn(y, p)
                check(not raises, f"direct {name}: targets {target_shape} against (N, 4) run")
            except Exception as exc:  # noqa: BLE001
                check(raises and "Incompatible shapes" in str(exc), f"direct {name}: targets {target_shape} raise")


def main() -> int:
    try:
        import keras
        import tensorflow as tf
    except ImportError as exc:
        print(f"TensorFlow/Keras not installed ({exc}): nothing to check")
        return 0
    print(f"TensorFlow {tf.__version__} / Keras {keras.__version__} / NumPy {np.__version__}")
    placeholders(tf)
    tf1_losses(tf)
    regression(keras, tf)
    print(f"{len(FAILURES)} failed" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
