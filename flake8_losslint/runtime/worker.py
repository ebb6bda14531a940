"""The runtime worker: imports TensorFlow once and runs probes on synthetic tensors.

This file is run as a script in its own process (``python worker.py``) by
``flake8_losslint.runtime.client``; it imports nothing from flake8-losslint,
so a broken TensorFlow (or a crash inside it) can only take this process down.
It never sees the linted program: a probe is plain JSON (loss name and
arguments, label encoding and shape, output width and activation, how the loss
is called), see ``probes.py``.

Protocol, one JSON document per line:
  worker -> client, once at start: {"ready": true, "tensorflow": "2.21.0", "keras": "3.15.1", "devices": ["CPU"]}
                                   or {"ready": false, "error": "ModuleNotFoundError: ..."}
  client -> worker: {"probe": probe, "user_timeout": seconds, "memory_mb": megabytes}
  worker -> client: {"result": {"verdict": "confirmed"|"refuted"|"failed", "evidence": str}}

Evidence is what TensorFlow did, worded to follow "TensorFlow 2.21.0 ": a
predicate such as "raises ValueError: ..." or "computes loss 1.66 here, 1.99
with from_logits=False".  The client makes it one sentence.

The worker runs on the CPU only (``CUDA_VISIBLE_DEVICES=-1`` from the client,
and no GPU is made visible to TensorFlow here), under an address-space limit,
and dies with the flake8 process that started it (Linux: parent-death signal;
everywhere: Ctrl-C ends it, it does not outlive an interrupted run).

A probe that runs a user-defined loss (``"user"`` in the probe) never runs in
this process: the inputs are described here (``attempts_*``), ``sandbox.py``
runs the function on them in a process of its own and returns only
measurements, and the verdict is drawn from them here (``judge_*``).

Adding a check for a new rule: write ``def check_<name>(probe) -> Result`` below
and register it in CHECKS; the probe's ``"check"`` field names it.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sys
import time
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple

if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # run as a script: the package's modules are not top-level modules for TensorFlow to find

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
    chosen = re.sub(r"\s+", " ", chosen).strip()
    if len(chosen) > 160:
        chosen = chosen[:157] + "..."
    elif chosen.endswith("."):
        chosen = chosen[:-1]  # the evidence sentence goes on (", with ... it runs") or ends with its own period
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
        return _onehot_rows(values, classes).reshape(shape)
    if encoding in ("binary", "multihot"):
        values = (np.arange(int(np.prod(shape))) % 2).astype("float32")
        rng.shuffle(values)
        return values.reshape(shape).astype(spec.get("dtype", "float32"))
    raise ValueError(f"unknown label encoding {encoding!r}")


def _activation_fn(activation: Optional[str], via: str) -> Optional[Callable[[Any], Any]]:
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


def _onehot_rows(ids: Any, width: int) -> Any:
    """One-hot rows for class ``ids``, built in O(len(ids) * width) (never a width x width matrix)."""
    rows = np.zeros((len(ids), width), dtype="float32")
    rows[np.arange(len(ids)), np.asarray(ids).reshape(-1)] = 1.0
    return rows


def _confident_model(probe: Dict[str, Any], onehot: Any) -> Tuple[Any, Any]:
    """A model whose logits are 8 for each sample's true class and 0 elsewhere, and its input.

    Sample i's input is the i-th unit vector (an N x N identity) and row i of
    the kernel is 8 x its one-hot label: the kernel is N x units, linear in the
    output width however wide the head is.
    """
    x = np.eye(len(onehot), dtype="float32")
    model = _model(probe["y_pred"], kernel=8.0 * onehot, in_features=len(onehot))
    return model, x


# -- checks, one per kind of claim ---------------------------------------------
def check_crashes(probe: Dict[str, Any]) -> Result:
    """The claim: this loss on these labels and outputs fails."""
    model = _model(probe["y_pred"])
    try:
        value, _ = _run(probe, model, _features(), _labels(probe["y_true"]))
    except Exception as exc:  # noqa: BLE001
        return confirmed(f"raises {_error_text(exc)}")
    if not math.isfinite(value):
        return confirmed(f"returns loss {_num(value)} in {_describe(probe)}")
    return refuted(f"accepts it in {_describe(probe)}: loss {_num(value)}")


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
        said = "warns and uses" if warned else "silently uses"
        return confirmed(
            f"hides the bug in this setting: {where} {said} the pre-{act} logits (loss {_num(observed)}, the "
            f"from_logits=False value), but the same outputs as a plain tensor give {_num(double)}: {act} applied twice"
        )
    said = "with a warning" if warned else "no warning"
    why = f"; Keras's cached logits do not get past the {', '.join(after)} after the {act}" if after else ""
    return confirmed(
        f"computes loss {_num(observed)} here ({where}), {_num(right)} with from_logits=False: {act} applied "
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
        return refuted(f"computes the same loss {_num(observed)} here ({_describe(probe)}) as with from_logits=True")
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(_loss(probe["loss"])(tf.constant(y), outputs))
    grad = np.asarray(tape.gradient(value, outputs))
    dead = float(np.mean(grad == 0.0))
    what = "log-probabilities" if probe["y_pred"]["activation"] == "log_softmax" else "logits"
    evidence = (
        f"computes loss {_num(observed)} here ({_describe(probe)}), {_num(right)} with from_logits=True on the "
        f"same {what}"
    )
    perfect = _perfect_prediction(probe)
    if perfect is not None:
        evidence += f"; {perfect}"
    if dead > 0:
        evidence += f"; the gradient is exactly 0 for {dead:.0%} of the outputs"
    return confirmed(evidence)


def _perfect_prediction(probe: Dict[str, Any]) -> Optional[str]:
    """Loss on outputs whose softmax gives the true class 0.99+ (logits 8 for it, 0 elsewhere), if far from 0."""
    units = int(probe["y_pred"]["units"])
    encoding = probe["y_true"]["encoding"]
    if units < 2 or encoding not in ("sparse", "onehot"):
        return None
    y = _labels(probe["y_true"])
    onehot = _onehot_rows(y.reshape(-1), units) if encoding == "sparse" else y
    model, x = _confident_model(probe, onehot)
    try:
        value, _ = _run(probe, model, x, y)
    except Exception:  # noqa: BLE001
        return None
    p_true = float(np.mean(np.sum(np.asarray(tf.nn.softmax(model.dense(tf.constant(x)))) * onehot, axis=-1)))
    if value < 0.1:
        return None
    return f"a perfect prediction (softmax gives the true class {p_true:.3f}) scores {_num(value)}, not ≈0"


def check_single_unit_softmax(probe: Dict[str, Any]) -> Result:
    """LL103: softmax over a one-unit axis."""
    model = _model(probe["y_pred"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = np.asarray(model(tf.constant(_features())))
    low, high = float(out.min()), float(out.max())
    if high - low > 1e-6:
        return refuted(f"gives outputs from {low:.3g} to {high:.3g}")
    warned = _warning_text(caught, "This axis has size 1")
    tail = " (Keras warns at call time)" if warned else " (no warning)"
    return confirmed(f"outputs {high:.8g} for all {N} random inputs{tail}")


def check_binary_on_softmax(probe: Dict[str, Any]) -> Result:
    """LL104: binary crossentropy on a k-way softmax output with one-hot labels."""
    units = int(probe["y_pred"]["units"])
    y = _labels(probe["y_true"])
    # Outputs that put 0.997+ on the true class: logits 8 for it, 0 elsewhere.
    model, x = _confident_model(probe, y)
    try:
        observed, _ = _run(probe, model, x, y)
    except Exception as exc:  # noqa: BLE001
        return unexpected(exc)
    probs = _plain(model(tf.constant(x)))
    p_true = float(np.mean(np.sum(np.asarray(probs) * y, axis=-1)))
    cce = _mean(keras.losses.categorical_crossentropy(tf.constant(y), probs))
    if _close(observed, cce, rel=0.05) or observed < 0.05:
        return refuted(
            f"computes {_num(observed)} here ({_describe(probe)}) on outputs with true-class probability "
            f"{p_true:.3f} (categorical_crossentropy: {_num(cce)})"
        )
    logits = np.asarray(model.dense(tf.constant(x)))
    on_logits = _mean(keras.losses.binary_crossentropy(tf.constant(y), tf.constant(logits), from_logits=True))
    how = (
        f": Keras scores its cached pre-softmax logits as {units} independent sigmoids"
        if _close(observed, on_logits)
        else ""
    )
    return confirmed(
        f"computes loss {_num(observed)} here ({_describe(probe)}) on outputs giving the true class probability "
        f"{p_true:.3f}, where ≈0 is right (categorical_crossentropy: {_num(cce)}){how}"
    )


def check_categorical_on_one_unit(probe: Dict[str, Any]) -> Result:
    """LL102 on one unit: a categorical loss over a single output, whatever its activation."""
    return check_categorical_on_sigmoid(probe)


def check_categorical_on_sigmoid(probe: Dict[str, Any]) -> Result:
    """LL105: categorical/sparse categorical loss on a sigmoid output (also any 1-unit output:
    the loss is 0 whatever the labels, or the sparse loss fails on label 1)."""
    units = int(probe["y_pred"]["units"])
    x, y = _features(), _labels(probe["y_true"])
    model = _model(probe["y_pred"])
    try:
        observed, caught = _run(probe, model, x, y)
    except Exception as exc:  # noqa: BLE001
        if units == 1 and probe["y_true"]["encoding"] == "sparse":  # the finding says: fails on label 1
            return confirmed(f"raises {_error_text(exc)}")
        return unexpected(exc)
    if units == 1:
        flipped, _ = _run(probe, _model(probe["y_pred"]), x, 1.0 - y if y.dtype.kind == "f" else 1 - y)
        if abs(observed) < 1e-6 and abs(flipped) < 1e-6:
            warned = _warning_text(caught, "num_classes > 1")
            tail = " (Keras warns that num_classes should be > 1)" if warned else ""
            return confirmed(
                f"computes loss {_num(observed)} here ({_describe(probe)}), and {_num(flipped)} with every label "
                f"flipped: nothing to learn{tail}"
            )
        return refuted(f"computes {_num(observed)} here, {_num(flipped)} with the labels flipped")
    out = np.asarray(model(tf.constant(x)))
    sums = out.sum(axis=-1)
    low, high = float(sums.min()), float(sums.max())
    if high - low < 1e-3 and abs(high - 1.0) < 1e-3:
        return refuted(f"gives {units} outputs that sum to 1 in every row")
    logits = tf.constant(np.asarray(model.dense(tf.constant(x))))
    on_logits = _mean(_loss(probe["loss"], from_logits=True)(tf.constant(y), logits))
    how = (
        f"; the loss {_num(observed)} is softmax crossentropy on the cached pre-sigmoid logits"
        if _close(observed, on_logits)
        else f"; loss {_num(observed)}"
    )
    return confirmed(
        f"runs it ({_describe(probe)}), but the {units} sigmoid outputs of a row sum to {low:.2f}..{high:.2f}, "
        f"not 1{how}"
    )


def check_logits_op_on_probabilities(probe: Dict[str, Any]) -> Result:
    """LL106: softmax/sigmoid outputs passed as ``logits`` to a tf.nn *_with_logits op."""
    name = probe["op"]  # "tf.nn.sparse_softmax_cross_entropy_with_logits", "tf.compat.v1.nn...."
    op = _op(name)
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
        return refuted(f"computes the same {_num(observed)} with {name} on the values before the {act}")
    tail = "" if caught else ", no warning"
    return confirmed(
        f"computes {_num(observed)} with {name} on the {act} outputs, {_num(before)} on the values before the "
        f"{act}: {act} applied twice{tail}"
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
        return _onehot_rows(values, classes).reshape(shape)
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
            return confirmed(f"cannot even build the labels, NumPy raises {_error_text(exc)}; with {fixed} it runs")
        try:
            value = _label_attempt(probe)
        except Exception as exc:  # noqa: BLE001
            return confirmed(f"raises {_label_error_text(exc)}; with {fixed} it runs")
    where = {"fit": "compiled fit", "slices": "from_tensor_slices", "op": probe.get("loss", {}).get("op", "the op")}
    where_text = where.get(probe["call"], "an eager call")
    if value is not None and not math.isfinite(value):
        return confirmed(f"returns loss {_num(value)} in {where_text}")
    tail = f": loss {_num(value)}" if value is not None else ""
    return refuted(f"accepts it in {where_text}{tail}")


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
                return confirmed(f"raises {_error_text(exc)}; with {fixed} it runs")
    return refuted("accepts them in the placeholder")


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
        return refuted(f"computes {_num(observed)} here ({_describe(probe)}), not the broadcast loss {_num(broadcast)}")
    return confirmed(
        f"runs it ({_describe(probe)}) without an error: targets of shape {tuple(y.shape)} against "
        f"outputs of shape {tuple(outputs.shape)} give loss {_num(observed)}, the loss on both broadcast to "
        f"{tuple(targets.shape)}"
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
        return confirmed(f"raises {text[:200]}")  # without the file path of the installed module
    return refuted(f"has {module}.{name}")


CHECKS: Dict[str, Callable[[Dict[str, Any]], Result]] = {
    "crashes": check_crashes,
    "double_activation": check_double_activation,
    "probabilities_on_logits": check_probabilities_on_logits,
    "single_unit_softmax": check_single_unit_softmax,
    "binary_on_softmax": check_binary_on_softmax,
    "categorical_on_sigmoid": check_categorical_on_sigmoid,
    "categorical_on_one_unit": check_categorical_on_one_unit,
    "logits_op_on_probabilities": check_logits_op_on_probabilities,
    "labels_rejected": check_labels_rejected,
    "placeholder_feed": check_placeholder_feed,
    "target_broadcast": check_target_broadcast,
    "missing_api": check_missing_api,
}


# -- LL302: a loss called with its arguments swapped --------------------------------
def check_swapped_arguments(probe: Dict[str, Any]) -> Result:
    """LL302: the loss on (predictions, labels), as the program calls it, against (labels, predictions)."""
    family, classes = probe["family"], int(probe.get("classes", 5))
    ids = np.arange(N) % classes
    _rng(2).shuffle(ids)
    logits = _rng(1).normal(size=(N, 1 if family == "binary" else classes)).astype("float32")
    if family == "sparse":
        labels = ids.astype("int32")
    elif family == "binary":
        labels = (ids % 2).astype("float32").reshape(N, 1)
    else:
        labels = _onehot_rows(ids, classes)
    if "op" in probe["loss"]:
        op = _op(probe["loss"]["op"])
        outputs, what = logits, "logits"

        def call(first: Any, second: Any) -> float:
            return _mean(op(labels=first, logits=second))

    else:
        fn = getattr(keras.losses, probe["loss"]["name"])
        from_logits = bool(probe["loss"].get("from_logits", False))
        if from_logits:
            outputs, what = logits, "logits"
        elif family == "binary":
            outputs, what = np.asarray(tf.nn.sigmoid(logits)), "sigmoid outputs"
        else:
            outputs, what = np.asarray(tf.nn.softmax(logits)), "softmax outputs"

        def call(first: Any, second: Any) -> float:
            return _mean(fn(tf.constant(first), tf.constant(second), from_logits=from_logits))

    kinds = {"sparse": "class ids", "binary": "0/1 labels", "categorical": "one-hot labels"}
    given = f"({kinds.get(family, 'labels')}, {what})"
    try:
        right = call(labels, outputs)
    except Exception as exc:  # noqa: BLE001
        return failed(f"in the right order it fails too: {_error_text(exc)}")
    try:
        swapped = call(outputs, labels)
    except Exception as exc:  # noqa: BLE001
        return confirmed(
            f"raises {_error_text(exc)} with the arguments in this order; with labels first it computes "
            f"{_num(right)} {given}"
        )
    if _close(swapped, right, rel=1e-4):
        return refuted(f"computes the same loss {_num(right)} in either order {given}")
    return confirmed(
        f"computes loss {_num(swapped)} with the arguments in this order, {_num(right)} with labels first {given}"
    )


CHECKS["swapped_arguments"] = check_swapped_arguments


# -- LL107: a softmax/sigmoid output layer under a mixed precision policy ------------------
def _mixed_run(probe: Dict[str, Any], x: Any, y: Any, dtype: Optional[str]) -> Tuple[float, int]:
    """The loss on an identity Dense head (its logits are the inputs) built under the probe's
    global policy, and how many rows of a loss above 1 get an exactly zero gradient."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(probe["policy"])
    try:
        units, activation = int(probe["y_pred"]["units"]), probe["y_pred"]["activation"]
        extra = {"dtype": dtype} if dtype else {}
        layer = keras.layers.Dense(units, use_bias=False, kernel_initializer="identity", activation=activation, **extra)
        model = keras.Sequential([keras.Input((units,)), layer])
        inputs = tf.constant(x)
        loss = _loss(probe["loss"])
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = model(inputs)
            if not isinstance(loss, keras.losses.Loss):
                # compile wraps a loss function in a Loss, which casts the outputs to float32 first
                outputs = tf.cast(outputs, "float32")
            per_row = loss(tf.constant(y), outputs)
            value = tf.reduce_mean(tf.cast(per_row, "float32"))
        grad = np.asarray(tape.gradient(value, inputs))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return float(value), int(np.sum(np.abs(grad).reshape(len(x), -1).sum(axis=-1) == 0))


def check_mixed_precision_output(probe: Dict[str, Any]) -> Result:
    """LL107: the loss of a 16-bit softmax/sigmoid output against the same layer with dtype='float32'."""
    rows, units = 512, int(probe["y_pred"]["units"])
    rng = _rng(5)
    x = (rng.standard_normal((rows, units)) * 20).astype("float32")  # confident logits, as a trained model's
    ids = rng.integers(0, max(units, 2), rows)
    family = probe["family"]
    if family == "sparse_categorical":
        y = ids.astype("int32")
    elif family == "categorical":
        y = _onehot_rows(ids, units)
    else:
        y = (rng.random((rows, units)) < 0.5).astype("float32")
    try:
        low, dead = _mixed_run(probe, x, y, None)
        full, full_dead = _mixed_run(probe, x, y, "float32")
    except Exception as exc:  # noqa: BLE001
        return unexpected(exc)
    activation = probe["y_pred"]["activation"]
    if _close(low, full, rel=0.01) and dead == full_dead:
        return refuted(f"computes the same loss {_num(low)} with the {probe['policy']} {activation} output and with dtype='float32'")
    return confirmed(
        f"computes loss {_num(low)} on the {probe['policy']} {activation} output, {_num(full)} with dtype='float32' on "
        f"the same logits ({rows} rows of magnitude ~20); {dead} rows get a zero gradient ({full_dead} with float32)"
    )


CHECKS["mixed_precision_output"] = check_mixed_precision_output


# -- LL108-LL111: compile's dicts and lists on a model with several outputs -------------------
_STAND_INS = ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh")


def check_multi_output_compile(probe: Dict[str, Any]) -> Result:
    """A model with the program's output names (one linear unit each), compiled with the program's
    loss/metrics/loss_weights forms and keys (a stand-in loss for each distinct loss written),
    evaluated once: what Keras raises, or which loss and weight each output got."""
    names, form, rule = probe["names"], probe["outputs"], probe["rule"]
    count = len(names)
    layer_names = [name or f"layer_{i}" for i, name in enumerate(probe["layer_names"])]
    keys = [name or layer_names[i] for i, name in enumerate(names)] if form == "dict" else layer_names
    arguments = probe["arguments"]
    loss_values = list(dict.fromkeys(arguments.get("loss", {}).get("values", [])))
    if len(loss_values) > len(_STAND_INS):
        return failed("more distinct losses than the probe has stand-ins")
    stand_in = dict(zip(loss_values, _STAND_INS))

    def loss_of(value: str) -> Any:
        return stand_in.get(value, _STAND_INS[0])

    compile_args: Dict[str, Any] = {}
    for name, arg in arguments.items():
        if arg["form"] == "single":
            compile_args[name] = _STAND_INS[0]
            continue
        values = arg["values"]
        if arg["form"] == "dict":
            entries = list(zip(arg["keys"], values))
            if name == "loss":
                compile_args[name] = {k: None if k in arg["empty"] else loss_of(v) for k, v in entries}
            elif name == "metrics":
                compile_args[name] = {k: ["mae"] for k, _ in entries}
            else:
                compile_args[name] = {k: _weight(v) for k, v in entries}
        else:
            if name == "loss":
                compile_args[name] = [None if i in arg["empty"] else loss_of(v) for i, v in enumerate(values)]
            elif name == "loss_weights":
                compile_args[name] = [_weight(v) for v in values]
    rng = _rng(6)
    x = rng.normal(size=(N, 4)).astype("float32")
    targets = [(rng.normal(size=(N, 1)) * (i + 1) + i).astype("float32") for i in range(count)]
    inputs = keras.Input((4,))
    heads = [
        keras.layers.Dense(1, name=layer_names[i], kernel_initializer=keras.initializers.RandomNormal(seed=i))(inputs)
        for i in range(count)
    ]
    if form == "dict":
        outputs: Any = dict(zip(keys, heads))
        y: Any = dict(zip(keys, targets))
    else:
        outputs = heads if form == "list" else tuple(heads)
        y = targets if form == "list" else tuple(targets)
    model = keras.Model(inputs, outputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), **compile_args)
            result = model.evaluate(x, y, batch_size=N, verbose=0, return_dict=True)
        except Exception as exc:  # noqa: BLE001
            if rule == "LL108":
                return confirmed(f"raises {_error_text(exc)} at the first evaluate step")
            return unexpected(exc)
        predictions = model.predict(x, batch_size=N, verbose=0)
    if form == "dict":
        predicted = [np.asarray(predictions[key]) for key in keys]
    else:
        predicted = [np.asarray(p) for p in predictions]
    head_loss = {key: float(result[f"{key}_loss"]) for key in keys if f"{key}_loss" in result}
    total = float(result["loss"])
    if rule == "LL109":
        loss_arg = arguments["loss"]
        if loss_arg["form"] == "list":
            given = {keys[i]: v for i, v in enumerate(loss_arg["values"]) if i not in loss_arg["empty"]}
        else:
            given = {k: v for k, v in zip(loss_arg["keys"], loss_arg["values"]) if k not in loss_arg["empty"]}
        by_hand = {
            key: _mean(keras.losses.get(loss_of(given.get(key, "")))(targets[i], predicted[i]))
            for i, key in enumerate(keys)
        }
        trained = sum(by_hand[key] for key in keys if key in given)
        missing = [key for key in keys if key not in given]
        if not missing or not _close(total, trained, rel=1e-4) or _close(total, sum(by_hand.values()), rel=1e-4):
            return refuted(f"computes total loss {_num(total)}, a loss for every output")
        return confirmed(
            f"evaluates it without an error: total loss {_num(total)} is the loss of "
            f"{', '.join(repr(k) for k in keys if k in given)} alone; "
            + ", ".join(f"'{key}' (its loss would be {_num(by_hand[key])})" for key in missing)
            + f" {'is' if len(missing) == 1 else 'are'} not trained"
        )
    if rule in ("LL108", "LL110"):
        weights = compile_args.get("loss_weights")
        if not isinstance(weights, dict):
            return refuted(f"accepts it: total loss {_num(total)}")
        by_name = sum(weights.get(key, 1.0) * head_loss.get(key, 0.0) for key in keys)
        if _close(total, by_name, rel=1e-4):
            return refuted(f"weighs each output by its own key: total loss {_num(total)}")
        return confirmed(
            f"computes total loss {_num(total)} from the per-output losses "
            f"{', '.join(f'{k} {_num(v)}' for k, v in head_loss.items())}, not {_num(by_name)} as the weights' keys say: "
            "the weights go by position, no error"
        )
    # LL111: which stand-in each output got, against the one written for it.
    order = arguments["loss"]["values"]
    moved = []
    for index, key in enumerate(keys):
        if key not in head_loss:
            continue
        fits = [v for v in loss_values if _close(_mean(keras.losses.get(loss_of(v))(targets[index], predicted[index])),
                                                 head_loss[key], rel=1e-4)]
        meant = order[index] if index < len(order) else None
        if len(fits) == 1 and fits[0] != meant:
            moved.append(f"'{key}' gets {fits[0]} (written for '{keys[order.index(fits[0])]}')")
    if not moved:
        return refuted("gives each output the loss written in its place")
    return confirmed(f"evaluates it without an error, but {'; '.join(moved)}")


def _weight(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0


CHECKS["multi_output_compile"] = check_multi_output_compile


# -- LL209: labels padded with a value the loss does not ignore -------------------------------
def check_padding_not_ignored(probe: Dict[str, Any]) -> Result:
    """Sequences of class ids padded after their real steps, the loss as configured against the same
    loss ignoring the padding value (the mean over the real steps)."""
    pad, classes = int(probe["padding"]), int(probe["classes"])
    rng = _rng(7)
    ids = rng.integers(0, classes, (16, 10))
    ids[:, 6:] = pad
    logits = rng.normal(size=(16, 10, classes)).astype("float32")
    from_logits = bool(probe["loss"].get("args", {}).get("from_logits", False))
    outputs = tf.constant(logits) if from_logits else tf.nn.softmax(logits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            real = _mean(_loss(probe["loss"], ignore_class=pad)(tf.constant(ids), outputs))
        except Exception as exc:  # noqa: BLE001
            return failed(f"ignoring the padding fails too: {_error_text(exc)}")
        try:
            value = _mean(_loss(probe["loss"])(tf.constant(ids), outputs))
        except Exception as exc:  # noqa: BLE001
            return confirmed(f"raises {_error_text(exc)}; with ignore_class={pad} it runs")
    if _close(value, real, rel=1e-4):
        return refuted(f"computes {_num(value)}, the loss of the real steps")
    return confirmed(
        f"computes loss {_num(value)} on sequences padded with {pad}, counting the padded steps; with "
        f"ignore_class={pad} it is {_num(real)}, the loss of the real steps"
    )


CHECKS["padding_not_ignored"] = check_padding_not_ignored


# -- LL210/LL211: class_weight -----------------------------------------------------------------
def _weighted_fit(model_of: Callable[[], Any], x: Any, y: Any, loss: str, **kwargs: Any) -> float:
    keras.utils.set_random_seed(0)
    model = model_of()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(x, y, batch_size=N, epochs=1, verbose=0, shuffle=False, **kwargs)
    return float(history.history["loss"][0])


def check_class_weight_labels(probe: Dict[str, Any]) -> Result:
    """LL210: class_weight on labels with several classes per sample, against per-step (or no) weights."""
    layout, shape, classes = probe["layout"], [int(d) for d in probe["shape"]], int(probe["classes"])
    rng = _rng(8)
    weights = {c: float(c + 1) for c in range(classes)}
    if layout == "multi_hot":
        x = rng.normal(size=(N, 8)).astype("float32")
        y = (rng.random((N, classes)) < 0.5).astype("float32")

        def model_of() -> Any:
            return keras.Sequential([keras.Input((8,)), keras.layers.Dense(classes, activation="sigmoid")])

        loss, reference, what = "binary_crossentropy", {}, "unweighted"
    else:
        steps = shape[0]
        x = rng.normal(size=(N, steps, 2)).astype("float32")
        ids = rng.integers(0, classes, (N, steps))

        def model_of() -> Any:
            return keras.Sequential([keras.Input((steps, 2)), keras.layers.Dense(classes, activation="softmax")])

        if layout == "rank3":
            y, loss = _onehot_rows(ids.reshape(-1), classes).reshape(N, steps, classes), "categorical_crossentropy"
        else:
            y, loss = ids.astype("int32"), "sparse_categorical_crossentropy"
        per_step = np.vectorize(weights.get)(ids).astype("float32")
        reference, what = {"sample_weight": per_step}, "per-step sample_weight"
    try:
        wanted = _weighted_fit(model_of, x, y, loss, **reference)
    except Exception as exc:  # noqa: BLE001
        return failed(f"with {what} it fails too: {_error_text(exc)}")
    try:
        value = _weighted_fit(model_of, x, y, loss, class_weight=weights)
    except Exception as exc:  # noqa: BLE001
        return confirmed(f"raises {_error_text(exc)}; with {what} it runs")
    if layout != "multi_hot" and _close(value, wanted, rel=1e-4):
        return refuted(f"weighs each step by its class: loss {_num(value)}")
    return confirmed(f"computes loss {_num(value)} with class_weight, {_num(wanted)} {what}, no error")


def check_class_weight_keys(probe: Dict[str, Any]) -> Result:
    """LL211: fit with the program's keys (weight 5 each) against the same fit without the keys
    no label takes: equal losses show Keras never used them."""
    classes, binary = int(probe["classes"]), bool(probe["binary"])
    keys = probe["keys"]
    rng = _rng(9)
    x = rng.normal(size=(N, 8)).astype("float32")
    ids = np.arange(N) % classes
    rng.shuffle(ids)

    def model_of() -> Any:
        units, activation = (1, "sigmoid") if binary else (classes, "softmax")
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(units, activation=activation)])

    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    y = ids.reshape(N, 1).astype("float32") if binary else ids.astype("int32")
    given = {k: 5.0 for k in keys}
    matching = {k: w for k, w in given.items() if not isinstance(k, str) and 0 <= k < classes and float(k).is_integer()}
    stray = [k for k in keys if k not in matching]
    try:
        without = _weighted_fit(model_of, x, y, loss, class_weight=matching) if matching else _weighted_fit(model_of, x, y, loss)
    except Exception as exc:  # noqa: BLE001
        return failed(f"without the keys no label takes it fails too: {_error_text(exc)}")
    try:
        value = _weighted_fit(model_of, x, y, loss, class_weight=given)
    except Exception as exc:  # noqa: BLE001
        return confirmed(f"raises {_error_text(exc)}; without {', '.join(repr(k) for k in stray)} it runs")
    if not _close(value, without, rel=1e-6):
        return refuted(f"computes loss {_num(value)} with those keys, {_num(without)} without them")
    return confirmed(
        f"computes the same loss {_num(value)} with and without {', '.join(repr(k) for k in stray)}: "
        "never used, no error"
    )


CHECKS["class_weight_labels"] = check_class_weight_labels
CHECKS["class_weight_keys"] = check_class_weight_keys


# -- user-defined losses (LL303-LL306): measured in sandbox.py, judged here ------------
Attempt = Dict[str, Any]  # what sandbox.py is to run: label and prediction layout, call, weights
Outcome = Dict[str, Any]  # what it measured, checked by _clean_outcome
SANDBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.py")
MAX_REPLY = 1 << 20  # bytes: a real reply is a few kilobytes
_SIGNATURE_ERROR = re.compile(
    r"missing \d+ required (positional|keyword-only) argument|takes \d+ positional arguments? but \d+ (was|were) given"
    r"|takes (no|\d+) arguments|got an unexpected keyword argument"
)


def _layout(encoding: str, kind: str, classes: int = 1, **extra: Any) -> Dict[str, Any]:
    attempt = {"y_true": {"encoding": encoding, "classes": classes}, "y_pred": {"kind": kind}, "call": "compile"}
    attempt.update(extra)
    return attempt


def _categorical_layouts(probe: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [_layout("onehot", "softmax", int(c)) for c in probe.get("classes", [5])]


def attempts_user_log(probe: Dict[str, Any]) -> List[Dict[str, Any]]:
    """LL305: each layout twice, without and with one saturated prediction (exact 0 or 1 in float32)."""
    binary = [_layout("binary", "sigmoid")]
    layouts = _categorical_layouts(probe) + binary if probe["danger"] == "0" else binary + _categorical_layouts(probe)
    saturate = "zero" if probe["danger"] == "0" else "one"
    attempts = []
    for layout in layouts:
        attempts.append(layout)
        attempts.append(dict(layout, y_pred=dict(layout["y_pred"], saturate=saturate)))
    return attempts


def judge_user_log(probe: Dict[str, Any], attempts: List[Attempt], outcomes: List[Outcome]) -> Result:
    name = probe["display"]
    first_error = None
    for index in range(0, len(outcomes) - 1, 2):
        control, danger = outcomes[index], outcomes[index + 1]
        if not (control["ok"] and control["finite"] and control.get("grad_finite") is not False):
            first_error = first_error or control.get("error") or "a non-finite loss without any saturated output"
            continue
        kind = attempts[index]["y_pred"]["kind"]
        if kind == "softmax":
            how = "a softmax row that is exactly one-hot in float32"
        else:
            how = f"a sigmoid output of exactly {'0.0' if probe['danger'] == '0' else '1.0'} in float32"
        shapes = _shapes(control)
        if not danger["ok"]:
            return failed(f"{name} raises {danger['error']} on a saturated prediction instead of returning a loss")
        if not danger["finite"]:
            return confirmed(
                f"computes loss {danger['value']} for {name} when one prediction is saturated ({how}), "
                f"{_num(control['value'])} on the same {shapes} without it"
            )
        if danger.get("grad_finite") is False:
            return confirmed(
                f"computes a finite loss {_num(danger['value'])} for {name} but a NaN gradient when one prediction "
                f"is saturated ({how})"
            )
        return refuted(
            f"computes a finite loss ({_num(danger['value'])}) and gradient for {name} even with a saturated "
            f"prediction ({how}, {shapes})"
        )
    return failed(f"{name} does not run on any synthetic input tried: {first_error}")


def attempts_user_signature(probe: Dict[str, Any]) -> List[Dict[str, Any]]:
    """LL306: one call as compile makes it; the arguments' shapes do not matter to the signature."""
    return [_layout("onehot", "softmax", 5)]


def judge_user_signature(probe: Dict[str, Any], attempts: List[Attempt], outcomes: List[Outcome]) -> Result:
    name, (outcome,) = probe["display"], outcomes
    how = "calling it as loss(y_true, y_pred), as compile does"
    if outcome["ok"]:
        return refuted(f"runs {name} as loss(y_true, y_pred) without an error (loss {_num(outcome['value'])})")
    error = outcome["error"] or ""
    if error.startswith("TypeError:") and _SIGNATURE_ERROR.search(error) and not outcome.get("user_frames"):
        return confirmed(f"raises TypeError {how}: {error.split(': ', 1)[1]}")
    return failed(f"{how} fails for another reason: {error}")


def attempts_user_scalar(probe: Dict[str, Any]) -> List[Dict[str, Any]]:
    """LL304: each layout unweighted, with weight 5 on the first half of the batch, and on the second."""
    layouts = _categorical_layouts(probe) + [_layout("regression", "linear"), _layout("binary", "sigmoid")]
    return [dict(layout, sample_weight=weights) for layout in layouts for weights in (None, "first", "second")]


def judge_user_scalar(probe: Dict[str, Any], attempts: List[Attempt], outcomes: List[Outcome]) -> Result:
    name = probe["display"]
    weights = "sample_weight (what class_weight becomes)" if probe.get("weights") == "class_weight" else "sample_weight"
    first_error = None
    for index in range(0, len(outcomes) - 2, 3):
        plain, first, second = outcomes[index], outcomes[index + 1], outcomes[index + 2]
        if not all(o["ok"] and o["finite"] for o in (plain, first, second)):
            first_error = first_error or next((o.get("error") for o in (plain, first, second) if o.get("error")), None)
            continue
        if abs(plain["value"]) < 1e-3:  # too near 0 for float32 sums to tell weightings apart
            continue
        if _same(first["value"], second["value"]):
            return confirmed(
                f"computes the same loss {_num(first['value'])} for {name} whether {weights} puts weight 5 on the "
                f"first or on the second half of the batch ({_num(plain['value'])} unweighted): the weights only "
                f"rescale the batch mean"
            )
        return refuted(
            f"weights the samples of {name}: {_num(first['value'])} with weight 5 on the first half of the batch, "
            f"{_num(second['value'])} on the second"
        )
    return failed(f"{name} does not run on any synthetic input tried: {first_error or 'a non-finite loss'}")


def attempts_user_inner_loss(probe: Dict[str, Any]) -> List[Dict[str, Any]]:
    """LL303: the loss on every usual pair of label and prediction shapes."""
    attempts = []
    for classes in probe.get("classes", [5]):
        for encoding in ("sparse", "sparse_column", "onehot"):
            attempts.append(_layout(encoding, "softmax", int(classes)))
    return attempts + [_layout("binary", "sigmoid"), _layout("mask", "sigmoid")]


def judge_user_inner_loss(probe: Dict[str, Any], attempts: List[Attempt], outcomes: List[Outcome]) -> Result:
    name, inner = probe["display"], probe["inner"]
    for outcome in outcomes:
        if outcome["ok"]:
            return refuted(f"runs {name} on {_shapes(outcome)} (loss {_num(outcome['value'])})")
    needle = probe.get("frame") or "crossentropy"
    reached = [o for o in outcomes if any(needle in frame for frame in o.get("frames", []))]
    about_rank = [o for o in reached if re.search(r"rank|ndim|shape", o.get("error") or "")]
    if about_rank:
        outcome = about_rank[0]
        kind, _, message = outcome["error"].partition(": ")
        return confirmed(f"raises {kind} inside {inner} when {name} gets {_shapes(outcome)}: {message}")
    if reached:
        return failed(f"{inner} raises, but not about ranks: {reached[0]['error']}")
    first = next((o.get("error") for o in outcomes if o.get("error")), "no error")
    return failed(f"{name} fails before it reaches {inner} on every synthetic input tried: {first}")


def _same(a: float, b: float) -> bool:
    """Equal up to float32 summation order (no absolute floor: these values may all be small)."""
    return abs(a - b) <= 1e-5 * max(abs(a), abs(b))


def _shapes(outcome: Dict[str, Any]) -> str:
    def shape(dims: List[int]) -> str:
        return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"

    return f"{shape(outcome['true_shape'])} labels and {shape(outcome['pred_shape'])} predictions"


USER_CHECKS: Dict[str, Tuple[Callable[..., List[Dict[str, Any]]], Callable[..., Result]]] = {
    "user_log": (attempts_user_log, judge_user_log),
    "user_signature": (attempts_user_signature, judge_user_signature),
    "user_scalar": (attempts_user_scalar, judge_user_scalar),
    "user_inner_loss": (attempts_user_inner_loss, judge_user_inner_loss),
}


def _clean_outcome(raw: Any) -> Dict[str, Any]:
    """One measurement from the sandbox, with the types the judges expect (anything else: an error)."""
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    ok = raw.get("ok") is True
    outcome: Dict[str, Any] = {"ok": ok}
    for field in ("true_shape", "pred_shape"):
        dims = raw.get(field)
        if not (isinstance(dims, list) and len(dims) <= 8 and all(type(d) is int and 0 <= d < 1 << 31 for d in dims)):
            raise ValueError(f"bad {field}")
        outcome[field] = dims
    if ok:
        value = raw.get("value")
        if isinstance(value, str) and value in ("nan", "inf", "-inf"):
            value = float(value)
        # From JSON: isinstance with bool ruled out is ``type(value) in (int, float)``.
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError("bad value")
        outcome["value"] = float(value)
        outcome["finite"] = math.isfinite(outcome["value"])
        grad = raw.get("grad_finite")
        outcome["grad_finite"] = grad if isinstance(grad, bool) else None
    else:
        error = raw.get("error")
        if not isinstance(error, str):
            raise ValueError("bad error")
        outcome["error"] = _printable(error, 200)
        for field in ("frames", "user_frames"):
            names = raw.get(field, [])
            if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
                raise ValueError(f"bad {field}")
            outcome[field] = [n[:80] for n in names[:40]]
    return outcome


def _printable(text: str, limit: int) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _isolation_text(isolation: Any) -> str:
    """What the sandbox could not do on this system, for a notice ('' when everything held)."""
    if not isinstance(isolation, dict):
        return ""
    missing = [what for what in ("network", "filesystem", "processes") if isolation.get(what) is not True]
    if not missing:
        return ""
    labels = {
        "network": "with network access",
        "filesystem": "with a writable file system",
        "processes": "without a PID namespace",
    }
    said = [labels[m] for m in missing]
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    why = isolation.get("why") if isinstance(isolation.get("why"), str) else ""
    return _printable(
        f"user-defined losses run here {listed}" + (f" ({why})" if why else "")
        + "; they still run in a session of their own, under resource and time limits",
        300,
    )


def _end_group(proc: Any, force: bool) -> None:
    """Stop the sandbox and everything it started.

    ``force``: it is still running, so its watchdog is told first (SIGTERM: it
    kills the function's PID namespace); otherwise it is given a moment to exit
    on its own.  Then whatever is left in its process group is killed.
    """
    import subprocess

    if force:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except OSError:
            pass
    try:
        proc.wait(timeout=1.0 if force else 5.0)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def run_sandbox(request: Dict[str, Any], seconds: float) -> Tuple[Optional[Dict[str, Any]], str]:
    """The sandbox's report, or None and why not.  Waits at most ``seconds`` (plus a moment to clean up)."""
    import select
    import subprocess

    env = dict(os.environ)
    env.pop("FLAKE8_LOSSLINT_CACHE_DIR", None)
    env.update(
        KERAS_HOME="/tmp/.keras",
        OMP_NUM_THREADS="1",
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        CUDA_VISIBLE_DEVICES="-1",
        HIP_VISIBLE_DEVICES="-1",
        MALLOC_ARENA_MAX="2",
        KERAS_BACKEND="tensorflow",
    )
    try:
        proc = subprocess.Popen(
            [sys.executable, SANDBOX],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("FLAKE8_LOSSLINT_RUNTIME_STDERR") else subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own session and process group: killed as a whole
        )
    except OSError as exc:
        return None, f"the user-defined loss's process could not start: {exc.strerror or exc}"
    deadline = time.monotonic() + seconds + 3.0  # the sandbox's own watchdog fires at ``seconds``
    chunks: List[bytes] = []
    size = 0
    problem = ""
    try:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8"))
            proc.stdin.close()
        except OSError:
            pass
        fd = proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                problem = f"the user-defined loss did not finish within {seconds:g}s"
                break
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_REPLY:
                problem = "the user-defined loss's process wrote more than a reply"
                break
            chunks.append(chunk)
    finally:
        _end_group(proc, force=bool(problem))
    status = proc.returncode
    if problem:
        return None, problem
    if status == 124:
        return None, f"the user-defined loss did not finish within {seconds:g}s"
    text = b"".join(chunks).decode("utf-8", "replace").strip()
    try:
        report = json.loads(text.splitlines()[-1]) if text else None
    except (ValueError, RecursionError):
        report = None
    if not isinstance(report, dict):
        if status is not None and status < 0:
            return None, f"the user-defined loss's process was killed ({_signal_name(-status)})"
        return None, f"the user-defined loss's process exited with status {status} without an answer"
    return report, ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_user_probe(probe: Dict[str, Any], seconds: float, memory_mb: int) -> Result:
    """A probe of a user-defined loss: inputs built here, run in the sandbox, verdict from its measurements."""
    found = USER_CHECKS.get(probe.get("check", ""))
    if found is None:
        return failed(f"no check named {probe.get('check')!r}")
    attempts_for, judge = found
    attempts = attempts_for(probe)
    request = {"user": probe["user"], "attempts": attempts, "seconds": seconds, "memory_mb": memory_mb}
    report, problem = run_sandbox(request, seconds)
    if report is None:
        return failed(problem)
    isolation = _isolation_text(report.get("isolation"))
    setup = report.get("setup_error")
    if isinstance(setup, str):
        result = failed(f"{probe['display']} could not be set up on its own: {_printable(setup, 200)}")
    else:
        try:
            outcomes = [_clean_outcome(raw) for raw in report.get("outcomes", [])]
            if len(outcomes) != len(attempts):
                raise ValueError("wrong number of outcomes")
        except ValueError as exc:
            return failed(f"the user-defined loss's process answered garbage ({exc})")
        result = judge(probe, attempts, outcomes)
    if isolation:
        result = dict(result, isolation=isolation)
    return result


_WRAPPED_LABELS = {"sparse": "sparse", "onehot": "onehot", "binary": "binary", "multihot": "multihot"}


def check_wrapper(probe: Dict[str, Any], result: Result, seconds: float, memory_mb: int) -> Result:
    """A thin custom loss around the probed Keras loss: does the program's own function compute
    what the probe computed?  Then the evidence holds for it; if not, nothing is claimed."""
    wrapper, truth, pred = probe["wrapper"], probe["y_true"], probe["y_pred"]
    encoding = _WRAPPED_LABELS.get(truth.get("encoding", ""))
    kind = pred.get("activation", "linear")
    if encoding is None or kind not in ("softmax", "sigmoid", "linear", "log_softmax"):
        return failed(f"{wrapper['display']} was not run: its inputs cannot be rebuilt")
    classes = int(truth.get("classes") or pred.get("units") or 1)
    attempt = {"y_true": {"encoding": encoding, "classes": classes}, "y_pred": {"kind": kind},
               "call": "compile", "reference": probe["loss"]}
    user = {key: wrapper[key] for key in ("name", "source", "entry", "kind")}
    report, problem = run_sandbox({"user": user, "attempts": [attempt], "seconds": seconds, "memory_mb": memory_mb},
                                  seconds)
    if report is None:
        return failed(problem)
    try:
        (outcome,) = [_clean_outcome(raw) for raw in report.get("outcomes", [])]
        reference = report["outcomes"][0].get("reference") if outcome["ok"] else None
        reference = float(reference) if isinstance(reference, (int, float, str)) and outcome["ok"] else None
    except (ValueError, TypeError, KeyError):
        return failed("the user-defined loss's process answered garbage")
    name = wrapper["display"]
    if isinstance(report.get("setup_error"), str):
        return failed(f"{name} could not be set up on its own: {_printable(report['setup_error'], 200)}")
    if not outcome["ok"]:
        return failed(f"{name} raises {outcome['error']} where the loss it wraps runs")
    agrees = reference is not None and outcome["finite"] and math.isfinite(reference)
    if not agrees or reference is None or not _same(outcome["value"], reference):
        wrapped = _num(reference) if reference is not None else "nothing"
        return failed(f"{name} computes {_num(outcome['value'])} where the loss it wraps computes {wrapped}")
    joined = dict(result, evidence=f"{result['evidence']}; {name} itself computes the same as the loss it wraps")
    isolation = _isolation_text(report.get("isolation"))
    return dict(joined, isolation=isolation) if isolation else joined


def run_probe(probe: Dict[str, Any], user_timeout: float = 120.0, memory_mb: int = 6144) -> Result:
    if "user" in probe:  # user code never runs in this process
        try:
            return run_user_probe(probe, user_timeout, memory_mb)
        except Exception as exc:  # noqa: BLE001
            return failed(f"probe failed: {type(exc).__name__}: {exc}"[:300])
    if "wrapper" in probe:
        library = {key: value for key, value in probe.items() if key != "wrapper"}
        result = run_probe(library, user_timeout, memory_mb)
        if result["verdict"] == "failed":
            return result
        try:
            return check_wrapper(probe, result, user_timeout, memory_mb)
        except Exception as exc:  # noqa: BLE001
            return failed(f"probe failed: {type(exc).__name__}: {exc}"[:300])
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

        tensorflow.config.set_visible_devices([], "GPU")  # CPU only, also where CUDA_VISIBLE_DEVICES is not obeyed
        devices = sorted({device.device_type for device in tensorflow.config.get_visible_devices()})
    except BaseException as exc:  # noqa: BLE001 - anything TF's import does is reported, not raised
        return {"ready": False, "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
    tf, keras, np = tensorflow, keras_module, numpy
    backend = keras.backend.backend()
    if backend != "tensorflow":
        return {"ready": False, "error": f"Keras backend is {backend!r}, not 'tensorflow'"}
    return {"ready": True, "tensorflow": tf.__version__, "keras": keras.__version__, "devices": devices}


def _bind_to_parent(parent: Optional[int]) -> None:
    """End with the flake8 process that started this one, and at once on Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = megabytes << 20
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard if hard != resource.RLIM_INFINITY else limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, OSError, ValueError):
        pass


def _option(name: str) -> Optional[str]:
    if name in sys.argv:
        index = sys.argv.index(name)
        if index + 1 < len(sys.argv):
            return sys.argv[index + 1]
    return None


def main() -> int:
    parent = _option("--parent")
    memory = _option("--memory-mb")
    _bind_to_parent(int(parent) if parent else None)
    if memory:
        _limit_memory(int(memory))
    # The protocol owns the real stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    hello = _import()
    out.write(json.dumps(hello) + "\n")
    if not hello["ready"]:
        return 1
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        result = run_probe(
            request["probe"], float(request.get("user_timeout", 120.0)), int(request.get("memory_mb", 6144))
        )
        out.write(json.dumps({"result": result}) + "\n")
    out.flush()
    os._exit(0)  # skip TensorFlow's slow interpreter teardown: nothing is left to clean up


if __name__ == "__main__":
    sys.exit(main())
