"""Reduced precision: ``MixedPolicy``, ``ProbabilityLayer`` and ``AutocastLoss`` facts.

- Keras: the global dtype policy the program sets (``set_global_policy('mixed_float16')``),
  on Keras 3 targets only (Keras 2.15 keeps the loss exact: measured), and the layers that
  apply a softmax or sigmoid with the ``dtype=`` they are given; the rule joins them with
  the loss uses by the activation's site.
- PyTorch: binary crossentropy on probabilities called inside ``with torch.autocast(...)``.
"""

from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from ...interp.domains import keras as kd
from ...interp.domains import torch as td
from ...interp.evaluator import Evaluator
from ...interp.values import Const, Layer, LibRef
from ...syntax.collect import Ctx, Scope, WithBlock
from ...syntax.nodes import argument
from ..model import SIGMOID, SOFTMAX, TORCH_BCE, VIA_KERAS, AutocastLoss, MixedPolicy, ProbabilityLayer, Site
from .paths import on_every_path

_KERAS_LAYERS = frozenset(kd.UNIT_LAYERS) | {kd.ACTIVATION_LAYER, kd.SOFTMAX_LAYER}


def extract(ev: Evaluator) -> Dict[str, tuple]:
    policy = _mixed_policy(ev)
    layers = _probability_layers(ev) if policy is not None else []
    return {
        "mixed_policies": (policy,) if policy is not None else (),
        "probability_layers": tuple(layers),
        "autocast_losses": tuple(_autocast_losses(ev)),
    }


# -- Keras mixed precision ------------------------------------------------------------
def _mixed_policy(ev: Evaluator) -> Optional[MixedPolicy]:
    """The mixed policy a Keras 3 program sets, when every policy it sets is that one literal."""
    keras: kd.KerasDomain = ev.domain("keras")
    found: List[MixedPolicy] = []
    for site in ev.calls:
        callee = ev.value(site.node.func, site.ctx)
        if not (isinstance(callee, LibRef) and callee.qualname in kd.POLICY_SETTERS):
            continue
        arg = argument(site.node, 0, "policy")
        name = keras.policy_name(arg.value, site.ctx) if arg is not None else None
        if name not in kd.MIXED_POLICIES:
            return None  # float32 somewhere, or a policy not known: which one holds is not certain
        found.append(MixedPolicy(name, Site(site.node)))
    if not found or len({p.policy for p in found}) != 1 or not keras.keras3():
        return None
    return found[0]


def _probability_layers(ev: Evaluator) -> List[ProbabilityLayer]:
    keras: kd.KerasDomain = ev.domain("keras")
    found: List[ProbabilityLayer] = []
    for site in ev.calls:
        call, ctx = site.node, site.ctx
        callee = ev.value(call.func, ctx)
        if not (isinstance(callee, LibRef) and callee.qualname in _KERAS_LAYERS):
            continue
        layer = ev.value(call, ctx)
        if not isinstance(layer, Layer) or layer.activation not in (SOFTMAX, SIGMOID) or layer.via != VIA_KERAS:
            continue
        if layer.activation_site is None:
            continue
        arg = argument(call, -1, "dtype")
        dtype = keras.policy_name(arg.value, ctx) if arg is not None else None
        found.append(ProbabilityLayer(layer.activation, layer.activation_site, Site(call), dtype, arg is not None))
    return found


# -- PyTorch autocast -------------------------------------------------------------------
def _autocast_losses(ev: Evaluator) -> List[AutocastLoss]:
    regions = [(block, region) for block in ev.collected.withs for region in [_region(ev, block)] if region is not None]
    if not regions:
        return []
    found: List[AutocastLoss] = []
    for site in ev.calls:
        inside = [(block, region) for block, region in regions if _in_block(block, site.ctx)]
        if not inside:
            continue
        block, (enabled, device, autocast_site) = max(inside, key=lambda pair: pair[0].ctx.order)  # the innermost
        if not enabled:
            continue
        call = site.node
        found.extend(on_every_path(ev, site.ctx, lambda c: _bce(ev, call, c, block, device, autocast_site)))
    return found


def _region(ev: Evaluator, block: WithBlock):  # noqa: ANN202 - (enabled, device, site) or None
    """An autocast ``with``: whether it is enabled, its device when known, and the autocast call."""
    for item in block.node.items:
        node = item.item
        if not isinstance(node, cst.Call):
            continue
        callee = ev.value(node.func, block.ctx)
        if not (isinstance(callee, LibRef) and callee.qualname in td.AUTOCAST):
            continue
        device, enabled_index = td.AUTOCAST[callee.qualname]
        if device is None:
            arg = argument(node, 0, "device_type")
            value = ev.value(arg.value, block.ctx) if arg is not None else None
            device = value.value if isinstance(value, Const) and isinstance(value.value, str) else None
        arg = argument(node, enabled_index, "enabled")
        value = ev.value(arg.value, block.ctx) if arg is not None else Const(True)
        enabled = not (isinstance(value, Const) and value.value is False)
        return enabled, device, Site(node)
    return None


def _in_block(block: WithBlock, ctx: Ctx) -> bool:
    """Code written in the block's body (or its lambdas and comprehensions), not in a function
    defined there: that runs when it is called."""
    if not block.contains(ctx):
        return False
    scope: Optional[Scope] = ctx.scope
    while scope is not None and scope is not block.ctx.scope:
        if not isinstance(scope.node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return False
        scope = scope.parent
    return scope is block.ctx.scope


def _bce(
    ev: Evaluator, call: cst.Call, ctx: Ctx, block: WithBlock, device: Optional[str], autocast_site: Site
) -> Optional[AutocastLoss]:
    """``criterion(p, y)`` with an ``nn.BCELoss`` criterion, or ``F.binary_cross_entropy(p, y)``."""
    callee = ev.value(call.func, ctx)
    if isinstance(callee, td.TorchLoss) and callee.kind == TORCH_BCE and callee.input_index == 0:
        display, loss_site = callee.display, callee.site
    elif isinstance(callee, LibRef) and td.LOSS_FUNCTIONS.get(callee.qualname, ("",))[0] == TORCH_BCE:
        display, loss_site = td.LOSS_FUNCTIONS[callee.qualname][1], Site(call)
    else:
        return None
    arg = argument(call, 0, "input")
    inside = arg is not None and _computed_inside(ev, arg.value, ctx, block, 0)
    return AutocastLoss(display, Site(call), loss_site, autocast_site, device, inside)


def _computed_inside(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx, block: WithBlock, depth: int) -> bool:
    """The loss's input is computed in the region: by a call written there (a model, a layer),
    or held by a name bound only there to such a value.  A sigmoid, a reshape or a cast is
    computed in the precision of its input, so its input decides."""
    if depth > 8:
        return False
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in td.SAME_VALUE_TENSOR_METHODS | {"sigmoid"}:
            return _computed_inside(ev, func.value, ctx, block, depth + 1)
        callee = ev.value(func, ctx)
        if isinstance(callee, LibRef) and td.ACTIVATION_FUNCTIONS.get(callee.qualname) == SIGMOID:
            arg = argument(node, 0, "input")
            return arg is not None and _computed_inside(ev, arg.value, ctx, block, depth + 1)
        return True
    if not isinstance(node, cst.Name):
        return False
    bindings = ev.bindings_at(node.value, ctx)
    return bool(bindings) and all(
        block.contains(binding.ctx)
        and not binding.param
        and isinstance(binding.value, cst.BaseExpression)
        and _computed_inside(ev, binding.value, binding.ctx, block, depth + 1)
        for binding in bindings
    )
