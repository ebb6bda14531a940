"""Where labels meet a loss: ``LabelUse``, ``PlaceholderFeed`` and ``TorchTargetUse`` facts.

``fit``/``evaluate``/``train_on_batch`` after the model's ``compile``,
``validation_data``, direct ``loss_fn(y_true, y_pred)`` calls (Keras losses, the
``tf.nn`` ops and ``tf.compat.v1.losses``), ``Dataset.from_tensor_slices((x, y))``,
values fed through ``feed_dict`` to TensorFlow 1 placeholders (``sess.run``,
``op.run``, ``tensor.eval``), and torch losses called on a target.  What the labels
are is the labels domain's answer (``interp/domains/labels.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from ...interp.domains import labels as ld
from ...interp.domains import torch as td
from ...interp.domains.keras import (
    FIT_METHODS,
    LOGITS_OP_FAMILIES,
    LOGITS_OPS,
    LOSS_FUNCTIONS,
    WEIGHT_ARGUMENTS,
    Compiled,
    Loss,
    MultiModel,
)
from ...interp.env import in_env
from ...interp.evaluator import Evaluator
from ...interp.values import UNKNOWN, Const, LibRef, Model, Tensor, UserClass
from ...syntax.collect import Ctx
from ...syntax.nodes import argument, source_text
from ..model import (
    REGRESSION,
    ClassWeights,
    ClassWeightUse,
    UNKNOWN_HEAD,
    Head,
    Labels,
    LabelUse,
    LossSpec,
    PlaceholderFeed,
    Site,
    TorchTargetUse,
)
from .paths import on_every_path
from .torch_losses import loss_arguments



@dataclass(frozen=True)
class Feed:
    """A value fed to a placeholder, on one call path of the function that feeds it."""

    placeholder: ld.Placeholder
    name: str  # how the program spells the placeholder
    labels: Labels
    site: Site  # the run/eval call
    called_from: Optional[Site] = None


def _with_ignore_class(use: LabelUse) -> LabelUse:
    """Notes a loss built with ``ignore_class=...`` (labels with that value are skipped)."""
    if use.loss is not None and use.loss.has_argument("ignore_class"):
        return replace(use, ignore_class=True)
    return use


def extract(ev: Evaluator) -> Dict[str, tuple]:
    feeds = _feeds(ev)
    judged: Dict[Site, Set[str]] = {}  # placeholder -> families of the loss ops it is the labels of
    uses = [_with_ignore_class(use) for use in _label_uses(ev, feeds, judged)]
    weights: List[ClassWeightUse] = []
    for site in ev.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "fit":
            weights.extend(on_every_path(ev, site.ctx, functools.partial(_class_weight_use, ev, site.node)))
    return {
        "label_uses": tuple(uses),
        "placeholder_feeds": tuple(_placeholder_feeds(feeds, judged)),
        "torch_target_uses": tuple(_torch_target_uses(ev)),
        "class_weight_uses": tuple(weights),
    }


def _label_uses(ev: Evaluator, feeds: List[Feed], judged: Dict[Site, Set[str]]) -> List[LabelUse]:
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
        uses.extend(on_every_path(ev, ctx, lambda c: _direct_uses(ev, call, c, feeds, judged)))
    return uses


def _slices_use(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Optional[LabelUse]:
    value = ev.value(call, ctx)
    if isinstance(value, ld.Dataset) and isinstance(value.labels, ld.Array):
        features = value.features.labels if isinstance(value.features, ld.Array) else None
        return LabelUse(value.labels.labels, None, UNKNOWN_HEAD, Site(call), features, meets="slices")
    return None


def _compiled_loss(model: Model) -> Optional[LossSpec]:
    """The loss of the model's last compile: a crossentropy the Keras domain knows, or an
    element-wise loss (``'mse'``, ``keras.losses.Huber()``) the labels domain knows."""
    compiled = model.compiled
    if not isinstance(compiled, Compiled):
        return None
    if compiled.spec is not None:
        return compiled.spec
    return ld.target_loss(compiled.loss, compiled.site)


def _fit_uses(ev: Evaluator, call: cst.Call, ctx: Ctx) -> List[LabelUse]:
    func = call.func
    assert isinstance(func, cst.Attribute)
    model = ev.value(func.value, ctx)
    if not isinstance(model, Model) or _custom_steps(ev, func.value, ctx):
        return []
    if isinstance(model, MultiModel):
        return _head_fit_uses(ev, model, call, ctx)
    loss = _compiled_loss(model)
    head = model.head
    uses = []
    x_arg = argument(call, 0, "x", "generator")
    y_arg = argument(call, 1, "y")
    weighted, _ = _weights(ev, call, ctx)
    if y_arg is not None:
        labels = ld.labels_of(ev, y_arg.value, ctx)
        if labels is not None:
            features = ld.labels_of(ev, x_arg.value, ctx) if x_arg is not None else None
            uses.append(LabelUse(labels, loss, head, Site(call), features, meets="fit", sample_weight=weighted))
    elif x_arg is not None:
        data = ld.value_of(ev, x_arg.value, ctx)
        if isinstance(data, ld.Dataset) and isinstance(data.labels, ld.Array):
            uses.append(LabelUse(data.labels.labels, loss, head, Site(call), meets="fit", sample_weight=weighted))
    validation = argument(call, -1, "validation_data")
    if validation is not None:
        node = validation.value
        if isinstance(node, cst.Tuple) and len(node.elements) in (2, 3):
            labels = ld.labels_of(ev, node.elements[1].value, ctx)
            if labels is not None:
                features = ld.labels_of(ev, node.elements[0].value, ctx)
                uses.append(LabelUse(labels, loss, head, Site(call), features, meets="fit"))
        else:
            data = ld.value_of(ev, node, ctx)
            if isinstance(data, ld.Dataset) and isinstance(data.labels, ld.Array):
                uses.append(LabelUse(data.labels.labels, loss, head, Site(call), meets="fit"))
    return uses


def _class_weight_use(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Optional[ClassWeightUse]:
    """``fit(x, y, class_weight=...)`` / ``fit(dataset, class_weight=...)`` on a Keras model with one output."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    _, weights = _weights(ev, call, ctx)
    if weights is None:
        return None
    model = ev.value(func.value, ctx)
    if not isinstance(model, Model) or isinstance(model, (MultiModel, td.TorchModel)) or _custom_steps(ev, func.value, ctx):
        return None
    x_arg = argument(call, 0, "x", "generator")
    y_arg = argument(call, 1, "y")
    labels: Optional[Labels] = None
    dataset = False
    if y_arg is not None:
        labels = ld.labels_of(ev, y_arg.value, ctx)
    elif x_arg is not None:
        data = ld.value_of(ev, x_arg.value, ctx)
        dataset = isinstance(data, ld.Dataset)
        if isinstance(data, ld.Dataset) and isinstance(data.labels, ld.Array):
            labels = data.labels.labels
    return ClassWeightUse(weights, labels, _compiled_loss(model), model.head, Site(call), dataset)


def _weights(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Tuple[bool, Optional[ClassWeights]]:
    """Whether a training call weighs samples (``sample_weight=``, or ``**kwargs`` that may),
    and the ``class_weight=`` it gives."""
    func = call.func
    assert isinstance(func, cst.Attribute)  # both callers take ``model.fit(...)``-style calls
    method = func.attr.value
    places = WEIGHT_ARGUMENTS.get(method, {})
    starred = any(arg.star == "**" for arg in call.args)
    sample = "sample_weight" in places and argument(call, places["sample_weight"], "sample_weight") is not None
    found = argument(call, places["class_weight"], "class_weight") if "class_weight" in places else None
    if found is None or (isinstance(found.value, cst.Name) and found.value.value == "None"):
        return sample or starred, None
    keys = _constant_keys(ev, found.value, ctx)
    return sample or starred, ClassWeights(Site(found.value), keys or (), keys is not None, ev.domain("keras").keras3())


def _constant_keys(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[Tuple[Tuple[object, Site], ...]]:
    """The keys of a dict literal, each with where it is written, when every key is a constant."""
    if not isinstance(node, cst.Dict):
        return None
    keys: List[Tuple[object, Site]] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = ev.value(element.key, ctx)
        if not isinstance(key, Const):
            return None
        keys.append((key.value, Site(element.key)))
    return tuple(keys)


def _head_fit_uses(ev: Evaluator, model: MultiModel, call: cst.Call, ctx: Ctx) -> List[LabelUse]:
    """``fit(x, [y1, y2])`` or ``fit(x, {"a": y1, ...})`` on a model with several outputs compiled
    with a loss dict or list: the labels of each output against the loss Keras gives it (labels
    are matched like the losses: a list by position, a dict by output name; Keras 3.15.1,
    scripts/check_config_rule_facts.py)."""
    keras = ev.domain("keras")
    outputs, compiled = model.outputs, model.compiled
    if outputs is None or not isinstance(compiled, Compiled) or compiled.mapping is None:
        return []
    entries = keras.entry_for_outputs(outputs, compiled.mapping)
    y_arg = argument(call, 1, "y")
    found = keras.literal(y_arg.value, ctx) if y_arg is not None and entries is not None else None
    if found is None or entries is None:
        return []
    literal, at = found
    nodes: List[Optional[cst.BaseExpression]] = []
    if isinstance(literal, cst.Dict):
        if not outputs.named or (outputs.form == "dict" and not keras.keras3()):
            return []
        given: Dict[str, cst.BaseExpression] = {}
        for element in literal.elements:
            if not isinstance(element, cst.DictElement):
                return []
            key = ev.value(element.key, at)
            if not (isinstance(key, Const) and isinstance(key.value, str)):
                return []
            given[key.value] = element.value
        nodes = [given.get(name) for name in outputs.keys if name is not None]  # all of them: outputs.named
    elif outputs.form != "dict" and len(literal.elements) == len(outputs.heads):
        if any(isinstance(element, cst.StarredElement) for element in literal.elements):
            return []
        nodes = [element.value for element in literal.elements]
    else:
        return []
    x_arg = argument(call, 0, "x")
    features = ld.labels_of(ev, x_arg.value, ctx) if x_arg is not None else None
    uses = []
    for head, entry, node in zip(outputs.heads, entries, nodes):
        if entry is None or node is None:
            continue
        labels = ld.labels_of(ev, node, at)
        spec = entry.spec or ld.target_loss(entry.value, entry.site)
        if labels is not None:
            uses.append(LabelUse(labels, spec, head, Site(call), features, meets="fit"))
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


def _direct_uses(
    ev: Evaluator, call: cst.Call, ctx: Ctx, feeds: List[Feed], judged: Dict[Site, Set[str]]
) -> List[LabelUse]:
    """``loss_fn(y_true, y_pred)`` with a Keras loss object or function, a ``tf.nn`` op or a
    ``tf.compat.v1.losses`` function; labels that are a placeholder meet the loss with
    every value fed to it."""
    callee = ev.value(call.func, ctx)
    spec: Optional[LossSpec] = None
    true_names: Tuple[str, ...] = ("y_true", "target")
    pred_names: Tuple[str, ...] = ("y_pred", "output")
    true_index, pred_index = 0, 1
    if isinstance(callee, Loss):
        spec = callee.spec
    elif isinstance(callee, ld.TargetLoss) and callee.library == "keras":
        spec = replace(callee.spec, site=Site(call.func))
    elif isinstance(callee, LibRef) and callee.qualname in LOSS_FUNCTIONS:
        kind = LOSS_FUNCTIONS[callee.qualname]
        spec = LossSpec(kind.family, None, kind.display, Site(call))
    elif isinstance(callee, LibRef) and callee.qualname in ld.REGRESSION_FUNCTIONS:
        spec = LossSpec(REGRESSION, None, ld.short_name(callee.qualname), Site(call))
    elif isinstance(callee, LibRef) and callee.qualname in LOGITS_OP_FAMILIES:
        spec = LossSpec(LOGITS_OP_FAMILIES[callee.qualname], True, ld.short_name(callee.qualname), Site(call))
        true_names, pred_names = ("labels",), ("logits",)
        if LOGITS_OPS[callee.qualname] < 0:
            true_index = pred_index = -1  # tf.compat.v1: keywords only
    elif isinstance(callee, LibRef) and ld.normal(callee.qualname) in ld.TF1_LOSSES:
        family, (true_index, true_name), (pred_index, pred_name) = ld.TF1_LOSSES[ld.normal(callee.qualname)]
        spec = LossSpec(family, True, ld.short_name(callee.qualname), Site(call))
        true_names, pred_names = (true_name,), (pred_name,)
    if spec is None:
        return []
    true_arg = argument(call, true_index, *true_names)
    if true_arg is None:
        return []
    pred_arg = argument(call, pred_index, *pred_names)
    pred = ev.value(pred_arg.value, ctx) if pred_arg is not None else UNKNOWN
    head: Head = pred.head if isinstance(pred, Tensor) else UNKNOWN_HEAD
    target = ld.value_of(ev, true_arg.value, ctx)
    if isinstance(target, ld.Placeholder):
        judged.setdefault(target.site, set()).add(spec.family)
        return [
            LabelUse(feed.labels, spec, head, Site(call), meets="feed", called_from=feed.called_from)
            for feed in feeds
            if feed.placeholder.site == target.site
        ]
    labels = ld.labels_of(ev, true_arg.value, ctx)
    if labels is None:
        return []
    return [LabelUse(labels, spec, head, Site(call), meets="call")]


# -- TensorFlow 1 feeds ---------------------------------------------------------------
def _feeds(ev: Evaluator) -> List[Feed]:
    """Every ``placeholder: value`` of a ``feed_dict`` whose value's labels are known, also
    on each call path of the function that feeds it."""
    found: List[Feed] = []
    for site in ev.calls:
        if _feed_dict(ev, site.node, site.ctx) is not None:
            found.extend(on_every_path(ev, site.ctx, functools.partial(_fed, ev, site.node)))
    return found


def _fed(ev: Evaluator, call: cst.Call, ctx: Ctx) -> List[Feed]:
    fed = _feed_dict(ev, call, ctx)
    if fed is None:
        return []
    node, dict_ctx = fed
    found: List[Feed] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            continue
        key = ld.value_of(ev, element.key, dict_ctx)
        if not isinstance(key, ld.Placeholder):
            continue
        labels = ld.labels_of(ev, element.value, dict_ctx)
        if labels is not None:
            found.append(Feed(key, source_text(element.key, 30), labels, Site(call)))
    return found


def _feed_dict(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Optional[Tuple[cst.Dict, Ctx]]:
    """The ``feed_dict`` of ``sess.run(fetches, feed_dict)``, ``op.run(feed_dict)`` or
    ``tensor.eval(feed_dict)``: a dict literal, or a name bound once to one."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in ("run", "eval"):
        return None
    arg = argument(call, -1, "feed_dict")
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if arg is None and func.attr.value == "run" and len(positional) >= 2:
        arg = positional[1]  # Session.run(fetches, feed_dict)
    elif arg is None and len(positional) == 1 and (func.attr.value == "eval" or _is_dict(ev, positional[0].value, ctx)):
        arg = positional[0]  # Operation.run(feed_dict), Tensor.eval(feed_dict)
    if arg is None:
        return None
    return _dict_literal(ev, arg.value, ctx)


def _is_dict(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> bool:
    return _dict_literal(ev, node, ctx) is not None


def _dict_literal(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[Tuple[cst.Dict, Ctx]]:
    if isinstance(node, cst.Dict):
        return node, ctx
    if not isinstance(node, cst.Name):
        return None
    if any(isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and t.value.value == node.value
           for t in ev.collected.stores):
        return None  # ``feed[y] = ...`` elsewhere: the literal is not all it holds
    bindings = ev.bindings_at(node.value, ctx)
    if len(bindings) != 1 or bindings[0].unpack or not isinstance(bindings[0].value, cst.Dict):
        return None
    return bindings[0].value, in_env(bindings[0].ctx, ctx.env)


def _placeholder_feeds(feeds: List[Feed], judged: Dict[Site, Set[str]]) -> List[PlaceholderFeed]:
    found: List[PlaceholderFeed] = []
    for feed in feeds:
        placeholder = feed.placeholder
        if placeholder.shape is None:
            continue
        families = tuple(sorted(judged.get(placeholder.site, ())))
        fact = PlaceholderFeed(
            feed.labels, placeholder.shape, feed.name, placeholder.site, feed.site, families, feed.called_from
        )
        if fact not in found:
            found.append(fact)
    return found


# -- torch losses and their targets -------------------------------------------------
def _torch_target_uses(ev: Evaluator) -> List[TorchTargetUse]:
    uses: List[TorchTargetUse] = []
    for site in ev.calls:
        call, ctx = site.node, site.ctx
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "compile":
            continue
        uses.extend(on_every_path(ev, ctx, lambda c: _torch_target_use(ev, call, c)))
    return uses


def _torch_target_use(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Optional[TorchTargetUse]:
    """``criterion(input, target)`` or ``F.cross_entropy(input, target)`` with a known target."""
    callee = ev.value(call.func, ctx)
    if isinstance(callee, td.TorchLoss) and callee.input_index == 0:
        kind, display, loss_site = callee.kind, callee.display, callee.site
    elif isinstance(callee, LibRef) and callee.qualname in td.LOSS_FUNCTIONS:
        kind, display = td.LOSS_FUNCTIONS[callee.qualname]
        loss_site = Site(call)
    elif isinstance(callee, ld.TargetLoss) and callee.library == "torch":
        kind, display, loss_site = REGRESSION, callee.spec.display, callee.spec.site
    elif isinstance(callee, LibRef) and callee.qualname in ld.TORCH_REGRESSION_FUNCTIONS:
        kind, display = REGRESSION, ld.TORCH_REGRESSION_FUNCTIONS[callee.qualname]
        loss_site = Site(call)
    else:
        return None
    input_arg = argument(call, 0, "input")
    target_arg = argument(call, 1, "target")
    if input_arg is None or target_arg is None:
        return None
    target = ld.labels_of(ev, target_arg.value, ctx)
    if target is None:
        return None
    prediction = ev.value(input_arg.value, ctx)
    head = prediction.head if isinstance(prediction, Tensor) else UNKNOWN_HEAD
    arguments = loss_arguments(ev, callee, call, ctx)
    return TorchTargetUse(kind, display, head, target, Site(target_arg.value), loss_site, Site(call), arguments=arguments)
