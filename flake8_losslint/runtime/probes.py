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
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Dict, Optional

import libcst as cst

from ..facts import (
    BINARY,
    CATEGORICAL,
    LINEAR,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    VIA_KERAS,
    Head,
    LayerFact,
    LogitsOpUse,
    LossUse,
)

N = 64  # samples per synthetic batch; worker.py uses the same number

Probe = Dict[str, Any]
Builder = Callable[[Any], Optional[Probe]]

PROBES: Dict[str, Builder] = {}


def probe_for(code: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        PROBES[code] = builder
        return builder

    return register


def build(finding: Any) -> Optional[Probe]:
    """The probe for a finding, or None when its rule has none or its fact is too vague."""
    builder = PROBES.get(getattr(finding, "code", ""))
    subject = getattr(finding, "subject", None)
    if builder is None or subject is None:
        return None
    try:
        return builder(subject)
    except Exception:  # noqa: BLE001 - no probe is always a safe answer
        return None


# -- pieces --------------------------------------------------------------------
# Loss arguments besides from_logits that change what the loss computes; only
# literal values are carried over (anything else keeps the library default).
_LOSS_ARGS = ("label_smoothing", "ignore_class", "axis", "gamma", "alpha", "apply_class_balancing", "reduction")


_REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")


def loss_json(use: LossUse) -> Optional[Dict[str, Any]]:
    spec = use.loss
    if spec.from_logits is None:
        return None
    name = spec.display.strip("'\"")
    args: Dict[str, Any] = {"from_logits": spec.from_logits}
    node = spec.site.node
    if isinstance(node, cst.Call):
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in _LOSS_ARGS:
                continue
            try:
                value = ast.literal_eval(cst.Module([]).code_for_node(arg.value))
            except (ValueError, SyntaxError):
                continue
            if arg.keyword.value == "reduction" and value not in _REDUCTIONS:
                continue  # None / unknown: keep the default, which compile also uses
            if isinstance(value, (bool, int, float, str)) or value is None:
                args[arg.keyword.value] = value
    return {"name": name, "args": args}


def call_mode(use: LossUse) -> str:
    """``compile(loss=...)`` is run through compiled fit; ``loss_fn(y, model(x))`` eagerly."""
    node = use.call_site.node
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile":
        return "fit"
    return "eager"


def units_of(head: Head, family: Optional[str]) -> int:
    """The output width; when the source does not say, a typical one (1 for binary, else 5)."""
    if head.units is not None and head.units > 0:
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
