"""Where labels meet a loss: ``LabelUse`` facts.

``fit``/``evaluate``/``train_on_batch`` after the model's ``compile``,
``validation_data``, direct ``loss_fn(y_true, y_pred)`` calls (Keras losses and
the ``tf.nn`` ops), and ``Dataset.from_tensor_slices((x, y))``.  What the labels
are is the labels domain's answer (``interp/domains/labels.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import libcst as cst

from ...interp.domains.keras import FIT_METHODS, LOGITS_OP_FAMILIES, LOGITS_OPS, LOSS_FUNCTIONS, Compiled, Loss
from ...interp.domains.labels import Array, Dataset, labels_of, short_name
from ...interp.evaluator import Evaluator
from ...interp.values import UNKNOWN, LibRef, Model, Tensor, UserClass
from ...syntax.collect import Ctx
from ...syntax.nodes import argument
from ..model import UNKNOWN_HEAD, Head, LabelUse, LossSpec, Site
from .paths import on_every_path

def _with_ignore_class(use: LabelUse) -> LabelUse:
    """Notes a loss built with ``ignore_class=...`` (labels with that value are skipped)."""
    if use.loss is not None and use.loss.has_argument("ignore_class"):
        return replace(use, ignore_class=True)
    return use


def extract(ev: Evaluator) -> Dict[str, tuple]:
    return {"label_uses": tuple(_with_ignore_class(use) for use in _label_uses(ev))}


def _label_uses(ev: Evaluator) -> List[LabelUse]:
    uses: List[LabelUse] = []
    for site in ev.calls:
        call, ctx = site.node, site.ctx
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in FIT_METHODS:
            uses.extend(on_every_path(ev, ctx, lambda c: _fit_uses(ev, call, c)))
            continue
        if isinstance(func, cst.Attribute) and func.attr.value == "from_tensor_slices":
            uses.extend(on_every_path(ev, ctx, lambda c: _slices_use(ev, call, c)))
            continue
        uses.extend(on_every_path(ev, ctx, lambda c: _direct_use(ev, call, c)))
    return uses


def _slices_use(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Optional[LabelUse]:
    value = ev.value(call, ctx)
    if isinstance(value, Dataset) and isinstance(value.labels, Array):
        features = value.features.labels if isinstance(value.features, Array) else None
        return LabelUse(value.labels.labels, None, UNKNOWN_HEAD, Site(call), features, meets="slices")
    return None


def _fit_uses(ev: Evaluator, call: cst.Call, ctx: Ctx) -> List[LabelUse]:
    func = call.func
    assert isinstance(func, cst.Attribute)
    model = ev.value(func.value, ctx)
    if not isinstance(model, Model) or _custom_steps(ev, func.value, ctx):
        return []
    loss = model.compiled.spec if isinstance(model.compiled, Compiled) else None
    head = model.head
    uses = []
    x_arg = argument(call, 0, "x", "generator")
    y_arg = argument(call, 1, "y")
    if y_arg is not None:
        labels = labels_of(ev, y_arg.value, ctx)
        if labels is not None:
            features = labels_of(ev, x_arg.value, ctx) if x_arg is not None else None
            uses.append(LabelUse(labels, loss, head, Site(call), features, meets="fit"))
    elif x_arg is not None:
        data = ev.value(x_arg.value, ctx)
        if isinstance(data, Dataset) and isinstance(data.labels, Array):
            uses.append(LabelUse(data.labels.labels, loss, head, Site(call), meets="fit"))
    validation = argument(call, -1, "validation_data")
    if validation is not None:
        node = validation.value
        if isinstance(node, cst.Tuple) and len(node.elements) in (2, 3):
            labels = labels_of(ev, node.elements[1].value, ctx)
            if labels is not None:
                features = labels_of(ev, node.elements[0].value, ctx)
                uses.append(LabelUse(labels, loss, head, Site(call), features, meets="fit"))
        else:
            data = ev.value(node, ctx)
            if isinstance(data, Dataset) and isinstance(data.labels, Array):
                uses.append(LabelUse(data.labels.labels, loss, head, Site(call), meets="fit"))
    return uses


def _custom_steps(ev: Evaluator, receiver: cst.BaseExpression, ctx: Ctx) -> bool:
    """An instance of a model class of this file that overrides ``train_step``/``test_step``:
    those may transform the labels before the loss sees them."""
    if not isinstance(receiver, cst.Name):
        return False
    for binding in ev.reaching(ctx.scope.bindings.get(receiver.value, []), ctx):
        if isinstance(binding.value, cst.Call):
            cls = ev.value(binding.value.func, binding.ctx)
            if isinstance(cls, UserClass) and ev.defines(cls.info, "train_step", "test_step", "compute_loss"):
                return True
    return False


def _direct_use(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Optional[LabelUse]:
    """``loss_fn(y_true, y_pred)`` with a Keras loss object or function."""
    callee = ev.value(call.func, ctx)
    spec: Optional[LossSpec] = None
    true_names: Tuple[str, ...] = ("y_true", "target")
    pred_names: Tuple[str, ...] = ("y_pred", "output")
    true_index = 0
    if isinstance(callee, Loss):
        spec = callee.spec
    elif isinstance(callee, LibRef) and callee.qualname in LOSS_FUNCTIONS:
        kind = LOSS_FUNCTIONS[callee.qualname]
        spec = LossSpec(kind.family, None, kind.display, Site(call))
    elif isinstance(callee, LibRef) and callee.qualname in LOGITS_OP_FAMILIES:
        spec = LossSpec(LOGITS_OP_FAMILIES[callee.qualname], True, short_name(callee.qualname), Site(call))
        true_names, pred_names = ("labels",), ("logits",)
        true_index = 0 if LOGITS_OPS[callee.qualname] >= 0 else -1  # tf.compat.v1: keywords only
    if spec is None:
        return None
    true_arg = argument(call, true_index, *true_names)
    if true_arg is None:
        return None
    labels = labels_of(ev, true_arg.value, ctx)
    if labels is None:
        return None
    pred_arg = argument(call, 1 if true_index == 0 else -1, *pred_names)
    pred = ev.value(pred_arg.value, ctx) if pred_arg is not None else UNKNOWN
    head: Head = pred.head if isinstance(pred, Tensor) else UNKNOWN_HEAD
    return LabelUse(labels, spec, head, Site(call), meets="call")
