"""Findings → probes: plain JSON that says how to reproduce a finding in TensorFlow.

A probe never contains the linted program.  It is what the finding's fact
(``Finding.subject``) says about the loss and the output it is given:

    {"check": "double_activation",              # which check in worker.py runs it
     "loss": {"name": "SparseCategoricalCrossentropy", "args": {"from_logits": true}},
     "y_true": {"encoding": "sparse", "shape": [64], "classes": 10},
     "y_pred": {"units": 10, "activation": "softmax", "via": "keras"},
     "call": "fit"}                             # compiled fit, or "eager": loss(y, model(x))

Probes are registered per rule code: ``@probe_for("LL2xx")`` on a function
``subject -> probe dict or None``.  A finding whose code has no builder, or
whose builder returns None (a fact too vague to reproduce), passes through
the runtime step unchanged.

A probe that runs a user-defined loss is registered with
``@user_probe_for("LL3xx")`` on ``(subject, runnable) -> probe``, where
``runnable`` is the loss the fact carries, cut out of the program (``facts/extract/runnable.py``).  Such
probes are built only with ``--losslint-runtime-user-code``.

Every probe costs at most linear time and memory in the output width and the
sample count: widths above ``MAX_UNITS`` and label arrays above
``MAX_LABEL_VALUES`` numbers get no probe.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Dict, Optional, Tuple


from ..facts import (
    NOT_LITERAL,
    ClassWeightUse,
    MixedPrecisionUse,
    MultiOutputCompile,
    Labels,
    BINARY,
    CATEGORICAL,
    INTEGER,
    LINEAR,
    LOG_SOFTMAX,
    ONE_HOT,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    VIA_KERAS,
    ApiReference,
    Head,
    LabelUse,
    LayerFact,
    LogitsOpUse,
    InnerLossCall,
    LossCallArguments,
    LossSignature,
    LossSpec,
    LossUse,
    MULTI_HOT,
    PlaceholderFeed,
    ScalarLossReturn,
    UNKNOWN_HEAD,
    UnguardedLog,
)

N = 64  # samples per synthetic batch; worker.py uses the same number

# A head wider than this is not simulated (a 50k-word vocabulary would still
# cost 64 x 50k floats per tensor, but nothing is learnt that 65k units do not show).
MAX_UNITS = 65_536
MAX_LABEL_VALUES = 8_000_000  # samples x classes of one synthetic label array (32 MB as float32)

Probe = Dict[str, Any]
Builder = Callable[[Any], Optional[Probe]]
UserBuilder = Callable[[Any, Dict[str, Any]], Optional[Probe]]
Runnable = Callable[[Any], Optional[Dict[str, Any]]]

PROBES: Dict[str, Builder] = {}
USER_PROBES: Dict[str, UserBuilder] = {}


def probe_for(code: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        PROBES[code] = builder
        return builder

    return register


def user_probe_for(code: str) -> Callable[[UserBuilder], UserBuilder]:
    def register(builder: UserBuilder) -> UserBuilder:
        USER_PROBES[code] = builder
        return builder

    return register


def needs_user_code(finding: Any) -> bool:
    """Checking this finding at run time means running a loss the program defines."""
    return getattr(finding, "code", "") in USER_PROBES and getattr(finding, "subject", None) is not None


def build(finding: Any, runnable: Optional[Runnable] = None) -> Optional[Probe]:
    """The probe for a finding, or None when its rule has none or its fact is too vague.

    ``runnable`` cuts a user-defined loss out of the program; without it, no
    probe that runs user code is built.
    """
    code = getattr(finding, "code", "")
    subject = getattr(finding, "subject", None)
    if subject is None:
        return None
    try:
        if code in USER_PROBES:
            user = runnable(subject) if runnable is not None else None
            return USER_PROBES[code](subject, user) if user is not None else None
        builder = PROBES.get(code)
        probe = builder(subject) if builder is not None else None
        thin = runnable is not None and isinstance(subject, LossUse)
        if probe is not None and runnable is not None and thin and "name" in probe.get("loss", {}):
            wrapper = runnable(subject)  # a thin custom loss around the probed one: run it too
            if wrapper is not None:
                probe["wrapper"] = dict(_user(wrapper), display=_display(wrapper))
        return probe
    except Exception:  # noqa: BLE001 - no probe is always a safe answer
        return None


# -- pieces --------------------------------------------------------------------
_REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")


def loss_json(use: LossUse) -> Optional[Dict[str, Any]]:
    spec = use.loss
    if spec.from_logits is None:
        return None
    name = spec.display.strip("'\"")
    args: Dict[str, Any] = {"from_logits": spec.from_logits}
    for keyword, value in spec.arguments:
        if value is NOT_LITERAL:
            continue
        if keyword == "reduction" and value not in _REDUCTIONS:
            continue  # None / unknown: keep the default, which compile also uses
        if isinstance(value, (bool, int, float, str)) or value is None:
            args[keyword] = value
    return {"name": name, "args": args}


def call_mode(use: LossUse) -> str:
    """``compile(loss=...)`` is run through compiled fit; ``loss_fn(y, model(x))`` eagerly."""
    return "fit" if use.compiled else "eager"


def units_of(head: Head, family: Optional[str]) -> int:
    """The output width; when the source does not say, a typical one (1 for binary, else 5)."""
    if head.units is not None and head.units > 0:
        if head.units > MAX_UNITS:
            raise ValueError(f"{head.units} units are more than a probe simulates")  # build(): no probe
        return head.units
    return 1 if family == BINARY else 5


# Layers after the activation that the worker can rebuild (see worker.AFTER_LAYERS).
_AFTER_LAYERS = frozenset({"Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "ActivityRegularization"})


def pred_json(head: Head, units: int) -> Dict[str, Any]:
    pred: Dict[str, Any] = {"units": units, "activation": head.activation or LINEAR, "via": head.via or VIA_KERAS}
    after = getattr(head, "after", ())
    if after:
        if not set(after) <= _AFTER_LAYERS:
            raise ValueError(f"cannot rebuild {after}")  # build() turns this into "no probe"
        pred["after"] = list(after)
    return pred


def labels_json(family: str, units: int) -> Dict[str, Any]:
    """Labels of the encoding the loss family expects, for an output ``units`` wide."""
    if family == SPARSE_CATEGORICAL:
        return {"encoding": "sparse", "shape": [N], "classes": max(units, 2), "dtype": "int32"}
    if family == CATEGORICAL and units > 1:
        return {"encoding": "onehot", "shape": [N, units], "classes": units}
    if units == 1:
        return {"encoding": "binary", "shape": [N, 1]}
    return {"encoding": "multihot", "shape": [N, units]}


def loss_use_probe(check: str, use: LossUse, labels_family: Optional[str] = None) -> Optional[Probe]:
    loss = loss_json(use)
    if loss is None:
        return None
    family = use.loss.family
    units = units_of(use.prediction, family)
    return {
        "check": check,
        "loss": loss,
        "y_true": labels_json(labels_family or family, units),
        "y_pred": pred_json(use.prediction, units),
        "call": call_mode(use),
    }


# -- LL1xx ---------------------------------------------------------------------
@probe_for("LL101")
def _ll101(use: LossUse) -> Optional[Probe]:
    return loss_use_probe("double_activation", use)


@probe_for("LL102")
def _ll102(use: LossUse) -> Optional[Probe]:
    if use.prediction.units == 1 and use.loss.family in (CATEGORICAL, SPARSE_CATEGORICAL):
        return loss_use_probe("categorical_on_one_unit", use)  # the finding says: always 0, or fails
    return loss_use_probe("probabilities_on_logits", use)


@probe_for("LL103")
def _ll103(subject: Any) -> Optional[Probe]:
    via = subject.via if isinstance(subject, Head) else VIA_KERAS
    if isinstance(subject, (Head, LayerFact)) and subject.activation == SOFTMAX:
        return {"check": "single_unit_softmax", "y_pred": {"units": 1, "activation": SOFTMAX, "via": via or VIA_KERAS}}
    return None


@probe_for("LL104")
def _ll104(use: LossUse) -> Optional[Probe]:
    if use.prediction.units is None:
        return None
    # A softmax output stands for one class per sample: one-hot labels.
    return loss_use_probe("binary_on_softmax", use, labels_family=CATEGORICAL)


@probe_for("LL105")
def _ll105(use: LossUse) -> Optional[Probe]:
    if use.prediction.units is None or use.prediction.activation != SIGMOID:
        return None
    return loss_use_probe("categorical_on_sigmoid", use)


_OP_LABELS = {
    "softmax_cross_entropy_with_logits": CATEGORICAL,
    "softmax_cross_entropy_with_logits_v2": CATEGORICAL,
    "sparse_softmax_cross_entropy_with_logits": SPARSE_CATEGORICAL,
    "sigmoid_cross_entropy_with_logits": BINARY,
    "weighted_cross_entropy_with_logits": BINARY,
}


@probe_for("LL106")
def _ll106(use: LogitsOpUse) -> Optional[Probe]:
    family = _OP_LABELS.get(use.op.rsplit(".", 1)[-1])
    if family is None:
        return None
    units = use.logits.units or 5
    if family != BINARY and units < 2:
        units = 5
    return {
        "check": "logits_op_on_probabilities",
        "op": use.op,
        "y_true": labels_json(family, units),
        "y_pred": pred_json(use.logits, units),
    }


# -- LL2xx: labels -----------------------------------------------------------------
# Each label probe carries a ``control``: the same run with only what the finding
# says is wrong put right.  worker.check_labels_rejected confirms a finding only
# when the probe raises and the control runs, so an unrelated error never counts.

_LABEL_SAMPLES_MAX = 100_000  # literal sample counts up to this are used as written


def _label_call(use: LabelUse) -> Optional[str]:
    """How the labels meet the loss: compiled fit, a Dataset, a tf.nn op, or an eager loss call."""
    if use.meets in ("fit", "slices"):
        return use.meets
    if use.loss is not None and _op_name(use.loss) is not None:
        return "op"
    return "eager"


def _op_name(spec: LossSpec) -> Optional[str]:
    name = spec.display.strip("'\"")
    if name.startswith(("tf.nn.", "tf.compat.v1.nn.", "tf.compat.v2.nn.")) and name.rsplit(".", 1)[-1] in _OP_LABELS:
        return name
    if name.startswith(("tf.losses.", "tf.compat.v1.losses.")) and name.rsplit(".", 1)[-1] in _TF1_LOSS_LABELS:
        return "tf.compat.v1.losses." + name.rsplit(".", 1)[-1]  # TF 2's tf.losses is Keras's
    return None


# tf.compat.v1.losses functions: the keyword their labels are passed by (TF 2.21 signatures).
_TF1_LOSS_LABELS = {
    "sparse_softmax_cross_entropy": "labels",
    "softmax_cross_entropy": "onehot_labels",
    "sigmoid_cross_entropy": "multi_class_labels",
}


def _label_loss_json(spec: LossSpec) -> Dict[str, Any]:
    """The loss for a label probe: from_logits as written (the library default when unknown)."""
    op = _op_name(spec)
    if op is not None and op.rsplit(".", 1)[-1] in _TF1_LOSS_LABELS and ".losses." in op:
        return {"op": op, "labels_keyword": _TF1_LOSS_LABELS[op.rsplit(".", 1)[-1]]}
    if op is not None:
        return {"op": op}
    name = spec.display.strip("'\"")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"cannot rebuild the loss {name}")  # build() turns this into "no probe"
    known = loss_json(LossUse(dataclasses.replace(spec, from_logits=bool(spec.from_logits)), UNKNOWN_HEAD, spec.site))
    args: Dict[str, Any] = dict(known["args"]) if known else {}
    if spec.from_logits is None:
        del args["from_logits"]  # keep the library default, as the program may
    return {"name": name, "args": args}


def _label_pred(head: Head, units: int) -> Dict[str, Any]:
    if units > MAX_UNITS:
        raise ValueError(f"{units} units are more than a probe simulates")
    activation = head.activation if head.activation in (SOFTMAX, SIGMOID, LINEAR, LOG_SOFTMAX) else None
    if head.activation is not None and activation is None:
        raise ValueError(f"cannot rebuild activation {head.activation}")
    return pred_json(Head(activation or LINEAR, units, via=head.via, after=head.after), units)


def _sparse(classes: int, low: int = 0, high: Optional[int] = None) -> Dict[str, Any]:
    top = classes - 1 if high is None else high
    return {"encoding": "sparse", "shape": [N], "classes": classes, "range": [low, top], "dtype": "int32"}


def _onehot(classes: int) -> Dict[str, Any]:
    _bounded(N, classes)
    return {"encoding": "onehot", "shape": [N, classes], "classes": classes}


def _bounded(samples: int, width: int) -> None:
    if width > MAX_UNITS or samples * max(width, 1) > MAX_LABEL_VALUES:
        raise ValueError(f"{samples} x {width} labels are more than a probe simulates")  # build(): no probe


def _label_probe(use: LabelUse, y_true: Dict[str, Any], units: int, control: Dict[str, Any], fixed: str) -> Probe:
    assert use.loss is not None
    call = _label_call(use)
    if call == "slices":
        raise ValueError("a Dataset alone does not meet a loss")
    return {
        "check": "labels_rejected",
        "loss": _label_loss_json(use.loss),
        "y_true": y_true,
        "y_pred": _label_pred(use.prediction, units),
        "call": call,
        "control": control,
        "fixed": fixed,
    }


@probe_for("LL201")
def _ll201(use: LabelUse) -> Optional[Probe]:
    if isinstance(use, PlaceholderFeed):
        return _placeholder_probe(use)
    labels = use.labels
    units = use.prediction.units or labels.num_classes or 5
    width = labels.num_classes or units
    if units < 2 or width < 2:
        return None
    return _label_probe(use, _onehot(width), units, {"y_true": _sparse(units)}, f"integer labels 0..{units - 1}")


@probe_for("LL202")
def _ll202(use: LabelUse) -> Optional[Probe]:
    if isinstance(use, PlaceholderFeed):
        return _placeholder_probe(use)
    units = use.prediction.units or use.labels.num_classes or 5
    if units < 2:
        return None
    return _label_probe(use, _sparse(units), units, {"y_true": _onehot(units)}, f"one-hot labels of width {units}")


@probe_for("LL203")
def _ll203(use: LabelUse) -> Optional[Probe]:
    assert use.loss is not None
    units, classes = use.prediction.units, use.labels.num_classes
    if units is None or classes is None or units < 1 or classes < 2:
        return None
    labels = _onehot(classes) if use.loss.family == CATEGORICAL else _sparse(classes)
    control = {"y_pred": _label_pred(use.prediction, classes)}
    return _label_probe(use, labels, units, control, f"an output of {classes} units")


@probe_for("LL204")
def _ll204(use: LabelUse) -> Optional[Probe]:
    labels, features = use.labels, use.features
    if features is None or features.samples is None or labels.samples is None:
        return None
    counts = (labels.samples, features.samples)
    if min(counts) < 1 or max(counts) > _LABEL_SAMPLES_MAX:
        return None
    units = use.prediction.units or labels.num_classes or 5
    family = use.loss.family if use.loss is not None else None
    if labels.encoding == ONE_HOT or (labels.encoding is None and family == CATEGORICAL):
        y_true = _onehot(labels.num_classes or units)
    elif labels.encoding == INTEGER or family == SPARSE_CATEGORICAL or use.loss is None:
        classes = labels.num_classes or units
        low, high = labels.value_range or (0, classes - 1)
        y_true = _sparse(classes, low, high)
    else:
        return None
    y_true["shape"] = [labels.samples] + y_true["shape"][1:]
    _bounded(labels.samples, y_true["shape"][1] if len(y_true["shape"]) > 1 else 1)
    fixed = f"{labels.samples} samples in x too"
    control = {"x_samples": labels.samples}
    if _label_call(use) == "slices":
        return {"check": "labels_rejected", "y_true": y_true, "x_samples": features.samples,
                "call": "slices", "control": control, "fixed": fixed}
    probe = _label_probe(use, y_true, units, control, fixed)
    probe["x_samples"] = features.samples
    return probe


@probe_for("LL205")
def _ll205(use: LabelUse) -> Optional[Probe]:
    units, value_range = use.prediction.units, use.labels.value_range
    if units is None or value_range is None or units < 2:
        return None
    low, high = value_range
    if high - low > _LABEL_SAMPLES_MAX:
        return None
    return _label_probe(
        use, _sparse(units, low, high), units, {"y_true": _sparse(units)}, f"labels 0..{units - 1}"
    )


def _literal_labels(use: LabelUse) -> Optional[Tuple[list, str]]:
    """The program's literal label array (numbers, rows as lists) and its container."""
    labels = use.labels
    if labels.literal is None or labels.container is None:
        return None
    values = [list(v) if isinstance(v, tuple) else v for v in labels.literal]
    return values, labels.container


@probe_for("LL206")
def _ll206(use: LabelUse) -> Optional[Probe]:
    found = _literal_labels(use)
    if found is None or use.loss is None:
        return None
    values, container = found
    rows = [v for v in values if isinstance(v, (list, tuple))]
    widths = {len(r) for r in rows}
    if len(widths) != 1 or not all(isinstance(v, int) or isinstance(v, (list, tuple)) for v in values):
        return None
    width = widths.pop()
    units = use.prediction.units or width
    ids = [v if isinstance(v, int) else max(range(len(v)), key=lambda i: v[i]) for v in values]
    if use.loss.family == SPARSE_CATEGORICAL:
        uniform: list = ids
        fixed = "every label a class id"
    elif use.loss.family == CATEGORICAL:
        uniform = [[1 if i == c else 0 for i in range(width)] for c in ids]
        fixed = "every label a one-hot row"
    else:
        return None
    head = use.prediction if use.prediction.known else Head(SOFTMAX, units)
    probe = _label_probe(
        dataclasses.replace(use, prediction=head),  # keeps how the labels meet the loss (``meets``)
        {"encoding": "literal", "values": values, "container": container},
        units,
        {"y_true": {"encoding": "literal", "values": uniform, "container": "list" if container == "list" else "array"}},
        fixed,
    )
    return probe


def _placeholder_probe(feed: PlaceholderFeed) -> Optional[Probe]:
    """Labels fed to a TF1 placeholder of the written shape (worker.check_placeholder_feed)."""
    shape = list(feed.shape)
    if len(shape) == 1:  # [None] fed one-hot rows
        classes = feed.labels.num_classes or 5
        if classes < 2:
            return None
        y_true, control, fixed = _onehot(classes), _sparse(classes), f"class ids 0..{classes - 1}"
    elif len(shape) == 2 and isinstance(shape[1], int) and shape[1] > 1:  # [None, C] fed class ids
        columns = shape[1]
        y_true, control, fixed = _sparse(columns), _onehot(columns), f"one-hot rows of width {columns}"
    else:
        return None
    return {"check": "placeholder_feed", "placeholder_shape": shape, "y_true": y_true,
            "control": {"y_true": control}, "fixed": fixed}


def _width_labels(labels: Labels, columns: int) -> Dict[str, Any]:
    """Synthetic labels of the program's encoding and per-sample shape (0/1 values for one column)."""
    if labels.encoding == ONE_HOT:
        return _onehot(columns)
    if labels.encoding == MULTI_HOT or (labels.shape is not None and columns > 1):
        return {"encoding": "multihot", "shape": [N, columns]}
    return {"encoding": "binary", "shape": [N] + list(labels.shape or ())}


@probe_for("LL207")
def _ll207(use: LabelUse) -> Optional[Probe]:
    units, labels = use.prediction.units, use.labels
    columns = labels.columns or (labels.num_classes if labels.encoding == ONE_HOT else None)
    if labels.encoding == INTEGER and labels.shape is None:
        columns = 1
    if units is None or columns is None or units == columns:
        return None
    control = {"y_pred": _label_pred(use.prediction, columns)}
    return _label_probe(use, _width_labels(labels, columns), units, control, f"an output of {_unit_text(columns)}")


@probe_for("LL208")
def _ll208(use: LabelUse) -> Optional[Probe]:
    units, labels = use.prediction.units, use.labels
    shape, columns = labels.shape, labels.columns
    if units is None or shape is None or columns is None or len(shape) > 1 or columns == units:
        return None
    y_true = {"encoding": "binary", "shape": [N] + list(shape)}  # 0/1 values stand for any targets
    if units > 1 and (shape == () or columns > 1):  # Keras 3 raises: "Dimensions must be equal"
        control = {"y_pred": _label_pred(use.prediction, columns)}
        return _label_probe(use, y_true, units, control, f"an output of {_unit_text(columns)}")
    assert use.loss is not None
    return {
        "check": "target_broadcast",
        "loss": _label_loss_json(use.loss),
        "y_true": y_true,
        "y_pred": _label_pred(use.prediction, units),
        "call": _label_call(use),
    }


def _unit_text(count: int) -> str:
    return "1 unit" if count == 1 else f"{count} units"


# -- LL107: mixed precision ---------------------------------------------------------
@probe_for("LL107")
def _ll107(subject: MixedPrecisionUse) -> Optional[Probe]:
    use = subject.use
    loss = loss_json(use)
    if loss is None or use.prediction.activation not in (SOFTMAX, SIGMOID):
        return None
    units = units_of(use.prediction, use.loss.family)
    if use.prediction.activation == SOFTMAX and units < 2 or units > 1024:
        return None
    return {
        "check": "mixed_precision_output",
        "policy": subject.policy.policy,
        "loss": loss,
        "family": use.loss.family,
        "y_pred": {"units": units, "activation": use.prediction.activation},
    }


# -- LL108-LL111: multi-output compile --------------------------------------------------
_MAX_OUTPUTS = 16


def _multi_output(code: str, fact: MultiOutputCompile) -> Optional[Probe]:
    """The model's outputs (one linear unit each, named as in the program) and compile's
    arguments as written, with one stand-in loss per distinct loss written."""
    if not 2 <= len(fact.names) <= _MAX_OUTPUTS:
        return None
    arguments: Dict[str, Any] = {}
    for argument in fact.arguments:
        if argument.form == "dict":
            arguments[argument.name] = {
                "form": "dict",
                "keys": [key.key for key in argument.keys],
                "empty": list(argument.empty),
                "values": list(argument.values),
            }
        elif argument.form == "list":
            arguments[argument.name] = {
                "form": "list",
                "length": argument.length,
                "empty": list(argument.empty),
                "values": list(argument.values),
            }
        elif argument.form == "single" and argument.name == "loss":
            arguments[argument.name] = {"form": "single"}
        else:
            return None
    return {
        "check": "multi_output_compile",
        "rule": code,
        "outputs": fact.outputs,
        "names": list(fact.names),
        "layer_names": list(fact.layer_names),
        "arguments": arguments,
    }


for _code in ("LL108", "LL109", "LL110", "LL111"):
    probe_for(_code)(functools.partial(_multi_output, _code))


# -- LL209: padding not ignored ------------------------------------------------------------
@probe_for("LL209")
def _ll209(use: LabelUse) -> Optional[Probe]:
    if use.loss is None or use.labels.padding is None or float(use.labels.padding) != int(use.labels.padding):
        return None
    units = use.prediction.units or 5
    if units < 2 or units > 1024:
        return None
    return {
        "check": "padding_not_ignored",
        "loss": _label_loss_json(use.loss),
        "padding": int(use.labels.padding),
        "classes": units,
    }


# -- LL210/LL211: class_weight ---------------------------------------------------------------
@probe_for("LL210")
def _ll210(use: ClassWeightUse) -> Optional[Probe]:
    labels = use.labels
    if labels is not None and labels.shape is None and labels.padding is not None:
        labels = dataclasses.replace(labels, shape=(12,))  # padded sequences: one id per step, some length
    if labels is None or labels.shape is None:
        return None
    shape = [d for d in labels.shape if isinstance(d, int) and d >= 1]
    if len(shape) != len(labels.shape):
        return None
    if labels.encoding == MULTI_HOT and len(shape) == 1:
        layout, classes = "multi_hot", shape[0]
    elif len(shape) == 1:
        layout, classes = "steps", use.prediction.units or 5
    else:
        layout, classes = "rank3", shape[-1]
    if classes < 2 or classes > 64 or shape[0] > 256:
        return None
    return {"check": "class_weight_labels", "layout": layout, "shape": shape, "classes": classes}


@probe_for("LL211")
def _ll211(use: ClassWeightUse) -> Optional[Probe]:
    keys = [key for key, _ in use.weights.keys]
    if not use.weights.literal or not all(isinstance(k, (int, float, str)) and type(k) is not bool for k in keys):
        return None
    head, loss = use.prediction, use.loss
    if loss is None or head.units is None or not 1 <= head.units <= 64:
        return None
    if loss.family == BINARY and head.units == 1:
        classes, binary = 2, True
    elif loss.family in (SPARSE_CATEGORICAL, CATEGORICAL) and head.units > 1:
        classes, binary = head.units, False
    else:
        return None
    return {"check": "class_weight_keys", "keys": keys, "classes": classes, "binary": binary}


# -- LL301: APIs -------------------------------------------------------------------
@probe_for("LL301")
def _ll301(reference: ApiReference) -> Optional[Probe]:
    return {"check": "missing_api", "module": reference.module, "name": reference.name, "imported": reference.imported}


# -- LL302: swapped arguments (the library's loss only, nothing of the program) -----
_SWAPPABLE_FUNCTIONS = {
    "categorical_crossentropy": CATEGORICAL,
    "sparse_categorical_crossentropy": SPARSE_CATEGORICAL,
    "binary_crossentropy": BINARY,
}


@probe_for("LL302")
def _ll302(call: LossCallArguments) -> Optional[Probe]:
    """The named loss on (predictions, labels) as written, against (labels, predictions).

    Transitional: the fact names the loss as written (``call.loss``); a Keras
    loss *object* (``criterion(...)``) has no probe until the fact carries its
    spec.  ``from_logits`` is the library default (see docs/runtime.md).
    """
    short = call.loss.rsplit(".", 1)[-1]
    op = _op_name(LossSpec(CATEGORICAL, True, call.loss, call.site))
    if op is not None:
        family = {CATEGORICAL: "categorical", SPARSE_CATEGORICAL: "sparse", BINARY: "binary"}[_OP_LABELS[short]]
        return {"check": "swapped_arguments", "loss": {"op": op}, "family": family, "classes": 5}
    if call.slots != ("y_true", "y_pred") or short not in _SWAPPABLE_FUNCTIONS:
        return None
    family = {CATEGORICAL: "categorical", SPARSE_CATEGORICAL: "sparse", BINARY: "binary"}[_SWAPPABLE_FUNCTIONS[short]]
    return {"check": "swapped_arguments", "loss": {"name": short, "from_logits": False}, "family": family, "classes": 5}


# -- LL303-LL306: user-defined losses (only with --losslint-runtime-user-code) -----
_CLASS_COUNTS = (5, 3, 2, 10)  # tried in this order, after the program's own integer constants


def _classes(user: Dict[str, Any]) -> list:
    counts = [c for c in user.get("constants", ()) if 2 <= c <= 1024] + list(_CLASS_COUNTS)
    return list(dict.fromkeys(counts))[:8]


def _user(user: Dict[str, Any]) -> Dict[str, Any]:
    """What the sandbox needs of the loss: the code and how to reach the callable."""
    return {key: user[key] for key in ("name", "source", "entry", "kind")}


def _display(user: Dict[str, Any], name: Optional[str] = None) -> str:
    if user["kind"] == "loss_class":
        return f"`{user['name']}.call`"
    if user["name"] == "<lambda>":
        return "the lambda"
    return f"`{name or user['name']}`"


@user_probe_for("LL303")
def _ll303(call: InnerLossCall, user: Dict[str, Any]) -> Optional[Probe]:
    short = call.loss.rsplit(".", 1)[-1]
    frame = short if "entropy" in short else None  # a Loss object's variable name says nothing
    return {"check": "user_inner_loss", "user": _user(user), "display": _display(user), "inner": call.loss,
            "frame": frame, "classes": _classes(user)}


@user_probe_for("LL304")
def _ll304(scalar: ScalarLossReturn, user: Dict[str, Any]) -> Optional[Probe]:
    weights = "loss_object" if scalar.loss_subclass else scalar.weights_kind
    return {"check": "user_scalar", "user": _user(user), "display": _display(user, scalar.loss_name),
            "weights": weights, "classes": _classes(user)}


@user_probe_for("LL305")
def _ll305(log: UnguardedLog, user: Dict[str, Any]) -> Optional[Probe]:
    if log.danger not in ("0", "1"):
        return None
    return {"check": "user_log", "user": _user(user), "display": _display(user, log.loss_name),
            "danger": log.danger, "classes": _classes(user)}


@user_probe_for("LL306")
def _ll306(signature: LossSignature, user: Dict[str, Any]) -> Optional[Probe]:
    return {"check": "user_signature", "user": _user(user), "display": _display(user, signature.name)}
