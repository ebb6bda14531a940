"""The runtime worker: imports TensorFlow once and runs probes on synthetic tensors.

This file is run as a script in its own process (``python worker.py``) by
``flake8_losslint.runtime.client``; it imports nothing from flake8-losslint,
so a broken TensorFlow (or a crash inside it) can only take this process down.
It never sees the linted program: a probe is plain JSON (loss name and
arguments, label encoding and shape, output width and activation, how the loss
is called), see ``probes.py``.

Protocol, one JSON document per line:
  worker -> client, once at start: {"ready": true, "tensorflow": "2.21.0", "keras": "3.15.1"}
                                   or {"ready": false, "error": "ModuleNotFoundError: ..."}
  client -> worker: {"probes": [probe, ...], "user_timeout": seconds for a probe that runs user code}
  worker -> client: {"results": [{"verdict": "confirmed"|"refuted"|"failed", "evidence": str}, ...]}

Adding a check for a new rule: write ``def check_<name>(probe) -> Result`` below
and register it in CHECKS; the probe's ``"check"`` field names it.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple

N = 64  # samples in every synthetic batch
FEATURES = 8

tf: Any = None
keras: Any = None
np: Any = None

Result = Dict[str, str]


# -- helpers -------------------------------------------------------------------
def _num(value: float) -> str:
    """A loss value as a person reads it: 3 significant digits, no exponent noise."""
    value = float(value)
    if value == 0.0:
        return "0.0"
    if not math.isfinite(value):
        return str(value)
    if abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.3g}"


def _close(a: float, b: float, rel: float = 1e-3) -> bool:
    return abs(float(a) - float(b)) <= rel * max(1.0, abs(float(a)), abs(float(b)))


def confirmed(evidence: str) -> Result:
    return {"verdict": "confirmed", "evidence": evidence}


def refuted(evidence: str) -> Result:
    return {"verdict": "refuted", "evidence": evidence}


def failed(evidence: str) -> Result:
    """The probe could not answer (the finding keeps its static message)."""
    return {"verdict": "failed", "evidence": evidence}


def unexpected(exc: BaseException) -> Result:
    """An error where the finding claims a silent wrong result: not a confirmation of that claim."""
    return failed(f"the probe raised instead: {_error_text(exc)}")


def _error_text(exc: BaseException) -> str:
    """``Type: the informative sentence`` of a TensorFlow/Keras error, one line."""
    message = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(exc))  # TF's op-location prefix (eager)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    chosen = None
    for pattern in (r"Received a label value", r"must have", r"must be", r"Shapes? ", r"Incompatible", r"Argument"):
        for line in lines:
            if re.search(pattern, line):
                chosen = line
                break
        if chosen:
            break
    if chosen is None:
        chosen = lines[0] if lines else ""
    chosen = re.sub(r"\s+Label values:.*$", "", chosen)
    chosen = re.sub(r"\s+", " ", chosen)
    if len(chosen) > 160:
        chosen = chosen[:157] + "..."
    return f"{type(exc).__name__}: {chosen}"


def _warning_text(caught: List[Any], *needles: str) -> Optional[str]:
    for item in caught:
        text = str(item.message)
        if all(n in text for n in needles):
            text = re.sub(r"\s+", " ", text).strip()
            return text if len(text) <= 160 else text[:157] + "..."
    return None


# -- synthetic data and models -------------------------------------------------
def _rng(salt: int = 0):
    return np.random.default_rng(1234 + salt)


def _features() -> Any:
    return _rng(1).normal(size=(N, FEATURES)).astype("float32")


def _labels(spec: Dict[str, Any]) -> Any:
    """Labels as the probe describes them: integer classes, one-hot, binary or multi-hot."""
    rng = _rng(2)
    encoding = spec["encoding"]
    shape = tuple(spec["shape"])
    if encoding == "sparse":
        classes = int(spec["classes"])
        values = np.arange(N) % classes  # every class present, label 1 included
        rng.shuffle(values)
        return values.reshape(shape).astype(spec.get("dtype", "int32"))
    if encoding == "onehot":
        classes = int(spec["classes"])
        values = np.arange(N) % classes
        rng.shuffle(values)
        return np.eye(classes, dtype="float32")[values].reshape(shape)
    if encoding in ("binary", "multihot"):
        values = (np.arange(int(np.prod(shape))) % 2).astype("float32")
        rng.shuffle(values)
        return values.reshape(shape).astype(spec.get("dtype", "float32"))
    raise ValueError(f"unknown label encoding {encoding!r}")


def _activation_fn(activation: str, via: str) -> Optional[Callable[[Any], Any]]:
    """The activation as the program applies it: a Keras activation (caches logits) or a raw tf.nn op."""
    if activation in (None, "linear"):
        return None
    if via == "op":
        return {"softmax": tf.nn.softmax, "sigmoid": tf.nn.sigmoid, "log_softmax": tf.nn.log_softmax}[activation]
    return keras.activations.get(activation)


# Layers that may follow the activation (their rate is not known from the source: a typical one).
AFTER_LAYERS = {
    "Dropout": lambda: keras.layers.Dropout(0.2, seed=3),
    "AlphaDropout": lambda: keras.layers.AlphaDropout(0.2, seed=3),
    "GaussianDropout": lambda: keras.layers.GaussianDropout(0.2, seed=3),
    "GaussianNoise": lambda: keras.layers.GaussianNoise(0.1, seed=3),
    "ActivityRegularization": lambda: keras.layers.ActivityRegularization(),
}


def _model(pred: Dict[str, Any], kernel: Any = None, in_features: int = FEATURES) -> Any:
    """A tiny model: one Dense layer of ``units`` logits, the activation, then any ``after`` layers."""
    units = int(pred["units"])
    activation = _activation_fn(pred.get("activation"), pred.get("via", "keras"))
    after_names = list(pred.get("after", []))

    class Probe(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            init = keras.initializers.RandomNormal(stddev=1.0, seed=7)
            self.dense = keras.layers.Dense(units, kernel_initializer=init, bias_initializer="zeros")
            self.after = [AFTER_LAYERS[name]() for name in after_names]

        def call(self, inputs, training=None):
            out = self.dense(inputs)
            out = out if activation is None else activation(out)
            for layer in self.after:
                out = layer(out, training=training)
            return out

    model = Probe()
    model(tf.zeros((1, in_features)))  # builds the Dense layer
    if kernel is not None:
        model.dense.kernel.assign(kernel)
    return model


def _loss(spec: Dict[str, Any], **override: Any) -> Any:
    """The named Keras loss, with the program's arguments (and overrides): a class instance or a function."""
    if "user" in spec:  # a user-defined function: only ever run in an isolated process (see run_probe)
        if override:
            raise ValueError("a user-defined loss cannot be re-configured")
        namespace: Dict[str, Any] = {"__name__": "losslint_user_loss"}
        exec(compile(spec["user"]["source"], "<user loss>", "exec"), namespace)  # noqa: S102 - explicit opt-in
        return namespace[spec["user"]["name"]]
    name = spec["name"]
    args = dict(spec.get("args", {}))
    args.update(override)
    obj = getattr(keras.losses, name, None)
    if obj is None:
        obj = keras.losses.get(name)  # 'bce', ...
    if isinstance(obj, type):
        return obj(**args)
    if not args or isinstance(obj, keras.losses.Loss):
        return obj

    def bound(y_true, y_pred, _fn=obj, _args=args):
        return _fn(y_true, y_pred, **_args)

    bound.__name__ = getattr(obj, "__name__", name)
    return bound


def _mean(value: Any) -> float:
    return float(np.mean(np.asarray(value)))


def _run(probe: Dict[str, Any], model: Any, x: Any, y: Any, loss: Any = None) -> Tuple[float, List[Any]]:
    """Call the loss the way the program does; return (loss value, warnings caught)."""
    loss = loss if loss is not None else _loss(probe["loss"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if probe["call"] == "fit":
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=loss)
            history = model.fit(x, y, batch_size=N, epochs=1, verbose=0, shuffle=False)
            value = history.history["loss"][0]
        else:
            value = _mean(loss(tf.constant(y), model(tf.constant(x))))
    return float(value), list(caught)


def _describe(probe: Dict[str, Any]) -> str:
    return "compiled fit" if probe["call"] == "fit" else "an eager call"


def _plain(values: Any) -> Any:
    """Outputs as a plain tensor: no Keras-cached logits, no graph op to recognise."""
    return tf.constant(np.asarray(values))


# -- checks, one per kind of claim ---------------------------------------------
def check_crashes(probe: Dict[str, Any]) -> Result:
    """The claim: this loss on these labels and outputs fails."""
    model = _model(probe["y_pred"])
    try:
        value, _ = _run(probe, model, _features(), _labels(probe["y_true"]))
    except Exception as exc:  # noqa: BLE001
        return confirmed(_error_text(exc))
    if not math.isfinite(value):
        return confirmed(f"{_describe(probe)} returns loss {_num(value)}")
    return refuted(f"{_describe(probe)} accepts it: loss {_num(value)}")


def check_double_activation(probe: Dict[str, Any]) -> Result:
    """LL101: from_logits=True on a softmax/sigmoid output."""
    act = probe["y_pred"]["activation"]
    after = probe["y_pred"].get("after", [])
    x, y = _features(), _labels(probe["y_true"])
    model = _model(probe["y_pred"])
    try:
        observed, caught = _run(probe, model, x, y)
    except Exception as exc:  # noqa: BLE001
        return unexpected(exc)
    # The same run (same seeds, same dropout masks) with from_logits=False.
    keras.utils.set_random_seed(0)
    right, _ = _run(probe, _model(probe["y_pred"]), x, y, loss=_loss(probe["loss"], from_logits=False))
    outputs = _plain(model(tf.constant(x)))
    double = _mean(_loss(probe["loss"], from_logits=True)(tf.constant(y), outputs))
    warned = _warning_text(caught, "from_logits=True", "does not represent logits")
    where = _describe(probe)
    if _close(observed, right):
        said = "warns" if warned else "does not warn"
        return confirmed(
            f"in this setting Keras hides the bug: {where} {said} and uses the pre-{act} logits instead "
            f"(loss {_num(observed)} = the from_logits=False value); the same outputs as a plain tensor, "
            f"with nothing for Keras to recover the logits from, give {_num(double)}: {act} applied twice"
        )
    said = f'Keras warns ("{warned}")' if warned else "no warning"
    why = f"; Keras's cached logits do not get past the {', '.join(after)} after the {act}" if after else ""
    return confirmed(
        f"{where} computes {_num(observed)} where from_logits=False gives {_num(right)}: {act} applied "
        f"twice, {said}{why}"
    )


def check_probabilities_on_logits(probe: Dict[str, Any]) -> Result:
    """LL102: from_logits=False on a linear or log_softmax output."""
    x, y = _features(), _labels(probe["y_true"])
    model = _model(probe["y_pred"])
    try:
        observed, _ = _run(probe, model, x, y)
    except Exception as exc:  # noqa: BLE001
        return unexpected(exc)
    outputs = tf.Variable(np.asarray(model(tf.constant(x))))
    right = _mean(_loss(probe["loss"], from_logits=True)(tf.constant(y), outputs))
    if _close(observed, right):
        return refuted(f"{_describe(probe)} gives {_num(observed)}, the same as from_logits=True")
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(_loss(probe["loss"])(tf.constant(y), outputs))
    grad = np.asarray(tape.gradient(value, outputs))
    dead = float(np.mean(grad == 0.0))
    what = "log-probabilities" if probe["y_pred"]["activation"] == "log_softmax" else "logits"
    evidence = (
        f"{_describe(probe)} gives loss {_num(observed)} where from_logits=True gives {_num(right)} "
        f"on the same {what}"
    )
    if dead > 0:
        evidence += f"; the gradient is exactly 0 for {dead:.0%} of the outputs"
    perfect = _perfect_prediction(probe)
    if perfect is not None:
        evidence = perfect + "; " + evidence
    return confirmed(evidence)


def _perfect_prediction(probe: Dict[str, Any]) -> Optional[str]:
    """Loss on outputs whose softmax gives the true class 0.99+ (logits 8 for it, 0 elsewhere), if far from 0."""
    units = int(probe["y_pred"]["units"])
    encoding = probe["y_true"]["encoding"]
    if units < 2 or encoding not in ("sparse", "onehot"):
        return None
    y = _labels(probe["y_true"])
    onehot = np.eye(units, dtype="float32")[y.reshape(-1)] if encoding == "sparse" else y
    model = _model(probe["y_pred"], kernel=8.0 * np.eye(units, dtype="float32"), in_features=units)
    try:
        value, _ = _run(probe, model, onehot, y)
    except Exception:  # noqa: BLE001
        return None
    p_true = float(np.mean(np.sum(np.asarray(tf.nn.softmax(model.dense(tf.constant(onehot)))) * onehot, axis=-1)))
    if value < 0.1:
        return None
    return f"loss on a perfect prediction (softmax gives the true class {p_true:.3f}) is {_num(value)}, expected ≈0"


def check_single_unit_softmax(probe: Dict[str, Any]) -> Result:
    """LL103: softmax over a one-unit axis."""
    model = _model(probe["y_pred"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = np.asarray(model(tf.constant(_features())))
    low, high = float(out.min()), float(out.max())
    if high - low > 1e-6:
        return refuted(f"the outputs vary from {low:.3g} to {high:.3g}")
    warned = _warning_text(caught, "This axis has size 1")
    tail = " (Keras warns at call time)" if warned else " (no warning)"
    return confirmed(f"the output is {high:.8g} for all {N} random inputs{tail}")


def check_binary_on_softmax(probe: Dict[str, Any]) -> Result:
    """LL104: binary crossentropy on a k-way softmax output with one-hot labels."""
    units = int(probe["y_pred"]["units"])
    # Outputs that put 0.997+ on the true class: input = one-hot label, logits = 8 for it, 0 elsewhere.
    y = _labels(probe["y_true"])
    model = _model(probe["y_pred"], kernel=8.0 * np.eye(units, dtype="float32"), in_features=units)
    try:
        observed, _ = _run(probe, model, y.copy(), y)
    except Exception as exc:  # noqa: BLE001
        return unexpected(exc)
    probs = _plain(model(tf.constant(y)))
    p_true = float(np.mean(np.sum(np.asarray(probs) * y, axis=-1)))
    cce = _mean(keras.losses.categorical_crossentropy(tf.constant(y), probs))
    if _close(observed, cce, rel=0.05) or observed < 0.05:
        return refuted(
            f"{_describe(probe)} on outputs with true-class probability {p_true:.3f} gives {_num(observed)} "
            f"(categorical_crossentropy {_num(cce)})"
        )
    logits = np.asarray(model.dense(tf.constant(y)))
    on_logits = _mean(keras.losses.binary_crossentropy(tf.constant(y), tf.constant(logits), from_logits=True))
    how = (
        f": Keras scores its cached pre-softmax logits as {units} independent sigmoids"
        if _close(observed, on_logits)
        else ""
    )
    return confirmed(
        f"{_describe(probe)} on outputs giving the true class probability {p_true:.3f} returns loss "
        f"{_num(observed)}, expected ≈0 (categorical_crossentropy: {_num(cce)}){how}"
    )


def check_categorical_on_sigmoid(probe: Dict[str, Any]) -> Result:
    """LL105: categorical/sparse categorical loss on a sigmoid output."""
    units = int(probe["y_pred"]["units"])
    x, y = _features(), _labels(probe["y_true"])
    model = _model(probe["y_pred"])
    try:
        observed, caught = _run(probe, model, x, y)
    except Exception as exc:  # noqa: BLE001
        if units == 1 and probe["y_true"]["encoding"] == "sparse":  # the finding says: fails on label 1
            return confirmed(_error_text(exc))
        return unexpected(exc)
    if units == 1:
        flipped, _ = _run(probe, _model(probe["y_pred"]), x, 1.0 - y if y.dtype.kind == "f" else 1 - y)
        if abs(observed) < 1e-6 and abs(flipped) < 1e-6:
            warned = _warning_text(caught, "num_classes > 1")
            tail = " (Keras warns that num_classes should be > 1)" if warned else ""
            return confirmed(
                f"{_describe(probe)} returns loss {_num(observed)}, and {_num(flipped)} with every label "
                f"flipped: nothing to learn{tail}"
            )
        return refuted(f"{_describe(probe)} gives {_num(observed)}, {_num(flipped)} with the labels flipped")
    out = np.asarray(model(tf.constant(x)))
    sums = out.sum(axis=-1)
    low, high = float(sums.min()), float(sums.max())
    if high - low < 1e-3 and abs(high - 1.0) < 1e-3:
        return refuted(f"the {units} outputs of a row sum to 1")
    logits = tf.constant(np.asarray(model.dense(tf.constant(x))))
    on_logits = _mean(_loss(probe["loss"], from_logits=True)(tf.constant(y), logits))
    how = (
        f"; the loss {_num(observed)} is softmax crossentropy on the cached pre-sigmoid logits"
        if _close(observed, on_logits)
        else f"; loss {_num(observed)}"
    )
    return confirmed(
        f"{_describe(probe)} runs, but the {units} sigmoid outputs of a row sum to {low:.2f}..{high:.2f}, "
        f"not 1{how}"
    )


def check_logits_op_on_probabilities(probe: Dict[str, Any]) -> Result:
    """LL106: softmax/sigmoid outputs passed as ``logits`` to a tf.nn *_with_logits op."""
    name = probe["op"]  # "tf.nn.sparse_softmax_cross_entropy_with_logits", "tf.compat.v1.nn...."
    op = tf
    for part in name.split(".")[1:]:
        op = getattr(op, part)
    act = probe["y_pred"]["activation"]
    model = _model(probe["y_pred"])
    x, y = tf.constant(_features()), tf.constant(_labels(probe["y_true"]))
    extra = {"pos_weight": 1.0} if name.endswith("weighted_cross_entropy_with_logits") else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            observed = _mean(op(labels=y, logits=model(x), **extra))
        except Exception as exc:  # noqa: BLE001
            return unexpected(exc)
    before = _mean(op(labels=y, logits=model.dense(x), **extra))
    if _close(observed, before):
        return refuted(f"{name} gives {_num(observed)}, the same as on the values before the {act}")
    tail = "" if caught else ", no warning"
    return confirmed(
        f"{name} on the {act} outputs gives {_num(observed)}, on the values before the {act} "
        f"{_num(before)}: {act} applied twice{tail}"
    )


# -- labels (LL2xx) ------------------------------------------------------------
def _label_values(spec: Dict[str, Any]) -> Any:
    """Labels of any count: class ids over ``range`` (both ends present), one-hot rows, or a literal."""
    encoding = spec["encoding"]
    if encoding == "literal":  # the program's own literal labels (numbers only, read from the source)
        values, container = spec["values"], spec.get("container", "list")
        if container == "list":
            return values
        if container == "object":
            return np.array(values, dtype=object)
        return np.array(values)
    shape = tuple(spec["shape"])
    count = int(shape[0])
    rng = _rng(2)
    if encoding == "sparse":
        low, high = spec.get("range", [0, int(spec["classes"]) - 1])
        values = low + np.arange(count) % (high - low + 1)
        rng.shuffle(values)
        values[0], values[-1] = low, high  # the extremes are what the claim is about
        return values.reshape(shape).astype(spec.get("dtype", "int32"))
    if encoding == "onehot":
        classes = int(spec["classes"])
        values = np.arange(count) % classes
        rng.shuffle(values)
        return np.eye(classes, dtype="float32")[values].reshape(shape)
    if encoding in ("binary", "multihot"):
        values = (np.arange(int(np.prod(shape))) % 2).astype("float32")
        rng.shuffle(values)
        return values.reshape(shape)
    raise ValueError(f"unknown label encoding {encoding!r}")


def _op(name: str) -> Any:
    """``tf.nn.x`` / ``tf.compat.v1.nn.x`` from the installed TensorFlow."""
    op = tf
    for part in name.split(".")[1:]:
        op = getattr(op, part)
    return op


def _label_attempt(probe: Dict[str, Any]) -> Optional[float]:
    """Labels meet the loss the way the program brings them together; the loss value (None: no loss)."""
    y = _label_values(probe["y_true"])
    samples = int(probe.get("x_samples") or len(y))
    x = _rng(1).normal(size=(samples, FEATURES)).astype("float32")
    call = probe["call"]
    if call == "slices":
        tf.data.Dataset.from_tensor_slices((x, y))
        return None
    model = _model(probe["y_pred"])
    if call == "fit":
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=_loss(probe["loss"]))
        history = model.fit(x, y, batch_size=N, epochs=1, verbose=0, shuffle=False)
        return float(history.history["loss"][0])
    if call == "op":
        labels = {probe["loss"].get("labels_keyword", "labels"): y}  # tf.compat.v1.losses name them differently
        return _mean(_op(probe["loss"]["op"])(logits=model(tf.constant(x)), **labels))
    return _mean(_loss(probe["loss"])(y, model(tf.constant(x))))


def _label_error_text(exc: BaseException) -> str:
    """``_error_text``, with the sample counts of Keras's cardinality error on one line."""
    message = str(exc)
    if "Data cardinality is ambiguous" in message:
        sizes = re.findall(r"'(\w+)' sizes: ([\d, ]+)", message)
        said = ", ".join(f"'{name}' sizes: {count.strip().rstrip(',')}" for name, count in sizes)
        return f"{type(exc).__name__}: Data cardinality is ambiguous" + (f" ({said})" if said else "")
    return _error_text(exc)


def check_labels_rejected(probe: Dict[str, Any]) -> Result:
    """LL2xx: these labels, with this loss and output, fail; the corrected setting (``control``) runs.

    The control differs from the probe only in what the finding says is wrong, so an
    error that the control raises too is not about the finding: the probe fails.
    """
    control = dict(probe, **probe["control"])
    fixed = probe.get("fixed", "the corrected labels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _label_attempt(control)
        except Exception as exc:  # noqa: BLE001
            return failed(f"with {fixed} it fails too: {_error_text(exc)}")
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        try:
            _label_values(probe["y_true"])
        except Exception as exc:  # noqa: BLE001 - only np.array(literal) can fail here
            return confirmed(f"NumPy cannot even build the labels: {_error_text(exc)} (with {fixed} it runs)")
        try:
            value = _label_attempt(probe)
        except Exception as exc:  # noqa: BLE001
            return confirmed(f"{_label_error_text(exc)} (with {fixed} it runs)")
    where = {"fit": "compiled fit", "slices": "from_tensor_slices", "op": probe.get("loss", {}).get("op", "the op")}
    where_text = where.get(probe["call"], "an eager call")
    if value is not None and not math.isfinite(value):
        return confirmed(f"{where_text} returns loss {_num(value)}")
    tail = f": loss {_num(value)}" if value is not None else ""
    return refuted(f"{where_text} accepts it{tail}")


def check_placeholder_feed(probe: Dict[str, Any]) -> Result:
    """LL201/LL202 on a TensorFlow 1 placeholder: labels of this shape fed to a placeholder of
    the written shape (``probe["placeholder_shape"]``); the control feeds the corrected labels."""
    v1 = tf.compat.v1
    fixed = probe.get("fixed", "the corrected labels")
    graph = tf.Graph()
    with graph.as_default():
        placeholder = v1.placeholder(tf.float32, probe["placeholder_shape"])
        total = tf.reduce_sum(placeholder)
        with v1.Session(graph=graph) as session:
            try:
                session.run(total, feed_dict={placeholder: _label_values(probe["control"]["y_true"])})
            except Exception as exc:  # noqa: BLE001
                return failed(f"with {fixed} it fails too: {_error_text(exc)}")
            try:
                session.run(total, feed_dict={placeholder: _label_values(probe["y_true"])})
            except Exception as exc:  # noqa: BLE001
                return confirmed(f"{_error_text(exc)} (with {fixed} it runs)")
    return refuted("the placeholder accepts them")


def check_target_broadcast(probe: Dict[str, Any]) -> Result:
    """LL208: an element-wise loss on targets whose shape differs from the output's runs
    silently on the broadcast: its value equals the loss on both explicitly broadcast."""
    x, y = _features(), _label_values(probe["y_true"])
    model = _model(probe["y_pred"])
    try:
        observed, _ = _run(probe, model, x, y)
    except Exception as exc:  # noqa: BLE001
        return unexpected(exc)
    outputs = np.asarray(model(tf.constant(x)))
    targets, predictions = np.broadcast_arrays(y.astype("float32"), outputs)
    broadcast = _mean(_loss(probe["loss"])(tf.constant(targets), tf.constant(predictions)))
    if not _close(observed, broadcast):
        return refuted(f"{_describe(probe)} gives {_num(observed)}, not the broadcast loss {_num(broadcast)}")
    return confirmed(
        f"{_describe(probe)} runs without an error: targets of shape {tuple(y.shape)} against outputs of shape "
        f"{tuple(outputs.shape)} give loss {_num(observed)}, the loss on both broadcast to {tuple(targets.shape)}"
    )


# -- APIs (LL301) ----------------------------------------------------------------
def check_missing_api(probe: Dict[str, Any]) -> Result:
    """LL301: ``module.name`` as the program reaches it: an attribute chain, or ``from module import name``."""
    import importlib

    module, name = probe["module"], probe["name"]
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts + [name]):
        return failed(f"not a dotted name: {module}.{name}")
    try:  # the control: the module itself is there
        obj = importlib.import_module(parts[0])
        for part in parts[1:]:
            obj = getattr(obj, part)
    except Exception as exc:  # noqa: BLE001
        return failed(f"{module} itself is not available: {_error_text(exc)}")
    try:
        if probe.get("imported"):
            namespace: Dict[str, Any] = {}
            exec(f"from {module} import {name}", namespace)  # noqa: S102 - two checked identifiers, no user code
        else:
            getattr(obj, name)
    except (AttributeError, ImportError) as exc:
        text = re.sub(r" \((/|[A-Za-z]:\\)[^)]*\)$", "", f"{type(exc).__name__}: {exc}".splitlines()[0])
        return confirmed(text[:200])  # without the file path of the installed module
    return refuted(f"{module}.{name} exists")


CHECKS: Dict[str, Callable[[Dict[str, Any]], Result]] = {
    "crashes": check_crashes,
    "double_activation": check_double_activation,
    "probabilities_on_logits": check_probabilities_on_logits,
    "single_unit_softmax": check_single_unit_softmax,
    "binary_on_softmax": check_binary_on_softmax,
    "categorical_on_sigmoid": check_categorical_on_sigmoid,
    "logits_op_on_probabilities": check_logits_op_on_probabilities,
    "labels_rejected": check_labels_rejected,
    "placeholder_feed": check_placeholder_feed,
    "target_broadcast": check_target_broadcast,
    "missing_api": check_missing_api,
}


def _has_user_code(probe: Dict[str, Any]) -> bool:
    return isinstance(probe.get("loss"), dict) and "user" in probe["loss"]


def run_isolated(probe: Dict[str, Any], seconds: float) -> Result:
    """A probe with user code, in a fresh process of its own, killed after ``seconds``."""
    import subprocess

    try:
        done = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--isolated"],
            input=json.dumps(probe),
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        return failed(f"the user-defined loss did not finish within {seconds:g}s")
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        return failed(f"the user-defined loss's process exited with status {done.returncode}")


def run_probe(probe: Dict[str, Any], user_timeout: float = 120.0) -> Result:
    if _has_user_code(probe) and "--isolated" not in sys.argv:
        return run_isolated(probe, user_timeout)
    check = CHECKS.get(probe.get("check", ""))
    if check is None:
        return failed(f"no check named {probe.get('check')!r}")
    keras.utils.set_random_seed(0)
    try:
        return check(probe)
    except Exception as exc:  # noqa: BLE001 - a probe that cannot be built says nothing about the finding
        return failed(f"probe failed: {type(exc).__name__}: {exc}"[:300])
    finally:
        keras.backend.clear_session()


# -- process -------------------------------------------------------------------
def _import() -> Dict[str, Any]:
    global tf, keras, np
    if os.environ.get("FLAKE8_LOSSLINT_RUNTIME_FAIL_IMPORT"):  # tests: simulate a missing TensorFlow
        return {"ready": False, "error": "ModuleNotFoundError: No module named 'tensorflow' (simulated)"}
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["KERAS_BACKEND"] = "tensorflow"  # the probes ask TensorFlow, whatever the user runs
    try:
        import numpy
        import tensorflow
        import keras as keras_module
    except BaseException as exc:  # noqa: BLE001 - anything TF's import does is reported, not raised
        return {"ready": False, "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
    tf, keras, np = tensorflow, keras_module, numpy
    backend = keras.backend.backend()
    if backend != "tensorflow":
        return {"ready": False, "error": f"Keras backend is {backend!r}, not 'tensorflow'"}
    return {"ready": True, "tensorflow": tf.__version__, "keras": keras.__version__}


def main() -> int:
    # The protocol owns the real stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    hello = _import()
    if "--isolated" in sys.argv:  # one probe with user code, from run_isolated
        result = run_probe(json.loads(sys.stdin.read())) if hello["ready"] else failed(hello["error"])
        out.write(json.dumps(result) + "\n")
        out.flush()
        os._exit(0)
    out.write(json.dumps(hello) + "\n")
    if not hello["ready"]:
        return 1
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        user_timeout = float(request.get("user_timeout", 120.0))
        results = [run_probe(p, user_timeout) for p in request.get("probes", [])]
        out.write(json.dumps({"results": results}) + "\n")
    out.flush()
    os._exit(0)  # skip TensorFlow's slow interpreter teardown: nothing is left to clean up


if __name__ == "__main__":
    sys.exit(main())
