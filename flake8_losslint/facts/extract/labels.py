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

from ...interp.domains.keras import FIT_METHODS, LOGITS_OP_FAMILIES, LOGITS_OPS, LOSS_FUNCTIONS, Loss
from ...interp.domains.labels import Array, Dataset, labels_of, short_name
from ...interp.evaluator import Evaluator
from ...interp.values import UNKNOWN, LibRef, Model, Tensor, UserClass, UserFunction
from ...syntax.collect import Binding, CallSite, Ctx
from ...syntax.nodes import argument
from ..model import UNKNOWN_HEAD, Head, LabelUse, LossSpec, Site

def _with_ignore_class(use: LabelUse) -> LabelUse:
    """Notes a loss built with ``ignore_class=...`` (labels with that value are skipped)."""
    if use.loss is not None and use.loss.has_argument("ignore_class"):
        return replace(use, ignore_class=True)
    return use


def extract(ev: Evaluator) -> Dict[str, tuple]:
    return {"label_uses": tuple(_with_ignore_class(use) for use in _label_uses(ev))}


def _label_uses(ev: Evaluator) -> List[LabelUse]:
    collected = ev.collected
    uses: List[LabelUse] = []
    compiles: Dict[str, List[CallSite]] = {}
    for site in collected.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "compile" and isinstance(func.value, cst.Name):
            compiles.setdefault(func.value.value, []).append(site)
    for site in collected.calls:
        call, ctx = site.node, site.ctx
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in FIT_METHODS:
            uses.extend(_fit_uses(ev, site, compiles))
            continue
        if isinstance(func, cst.Attribute) and func.attr.value == "from_tensor_slices":
            value = ev.value(call, ctx)
            if isinstance(value, Dataset) and isinstance(value.labels, Array):
                features = value.features.labels if isinstance(value.features, Array) else None
                uses.append(LabelUse(value.labels.labels, None, UNKNOWN_HEAD, Site(call), features, meets="slices"))
            continue
        use = _direct_use(ev, call, ctx)
        if use is not None:
            uses.append(use)
    return uses


def _fit_uses(ev: Evaluator, site: CallSite, compiles: Dict[str, List[CallSite]]) -> List[LabelUse]:
    call, ctx = site.node, site.ctx
    func = call.func
    assert isinstance(func, cst.Attribute)
    model = ev.value(func.value, ctx)
    if not isinstance(model, Model) or _custom_steps(ev, func.value, ctx):
        return []
    loss = _compiled_loss(ev, func.value, site, compiles)
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


def _compiled_loss(
    ev: Evaluator, receiver: cst.BaseExpression, fit: CallSite, compiles: Dict[str, List[CallSite]]
) -> Optional[LossSpec]:
    """The loss of the ``compile`` on the same model object that reaches ``fit``."""
    if not isinstance(receiver, cst.Name):
        return None
    return _loss_at(ev, receiver.value, fit.ctx, compiles, 0)


def _loss_at(
    ev: Evaluator, name: str, ctx: Ctx, compiles: Dict[str, List[CallSite]], depth: int
) -> Optional[LossSpec]:
    """The loss ``name`` was compiled with, as seen at ``ctx``.

    Compiles on the same name in the same scope count when the name reaches
    them bound as it is at ``ctx`` (a rebinding in between means another
    object).  Every compile that may have run last must be the same one.
    Without such a compile, a model returned by a function of this file is
    followed into that function (``model = build_and_compile()``).
    """
    if depth > 4:
        return None
    bindings = ctx.scope.bindings.get(name, [])
    here = ev.reaching(bindings, ctx)
    candidates = [
        c
        for c in compiles.get(name, ())
        if c.ctx.scope is ctx.scope and c.ctx.order < ctx.order and ev.reaching(bindings, c.ctx) == here
    ]
    if not candidates:
        return _builder_loss(ev, here, compiles, depth)
    live: List[CallSite] = []
    for candidate in candidates:
        if candidate.ctx.path == ctx.path[: len(candidate.ctx.path)]:
            live = [candidate]
        else:
            live.append(candidate)
    if len(live) != 1:
        return None  # two compiles that may each have run last: the loss is not certain
    arg = argument(live[0].node, 1, "loss")
    if arg is None:
        return None
    return ev.domain("keras").loss_of(arg.value, live[0].ctx)


def _builder_loss(
    ev: Evaluator, here: List[Binding], compiles: Dict[str, List[CallSite]], depth: int
) -> Optional[LossSpec]:
    if len(here) != 1:
        return None
    binding = here[0]
    if not isinstance(binding.value, cst.Call) or binding.unpack:
        return None
    callee = ev.value(binding.value.func, binding.ctx)
    if not isinstance(callee, UserFunction) or not callee.scope.returns:
        return None
    specs: List[LossSpec] = []
    for node, return_ctx in callee.scope.returns:
        if not isinstance(node, cst.Name):
            return None
        spec = _loss_at(ev, node.value, return_ctx, compiles, depth + 1)
        if spec is None:
            return None
        specs.append(spec)
    return specs[0] if all(spec == specs[0] for spec in specs) else None


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
