"""Where a PyTorch loss meets a prediction: ``TorchLossUse`` facts.

``criterion(pred, y)`` with a criterion object (``nn.CrossEntropyLoss()``) or
a functional loss (``F.cross_entropy(pred, y)``), whose prediction the torch
domain knows.  Torch losses take ``(input, target)``: the prediction comes first.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from ...interp.domains.torch import LOSS_FUNCTIONS, TensorArgument, TorchLoss
from ...interp.evaluator import Evaluator
from ...interp.values import LibRef, Tensor, Value
from ...syntax.collect import Ctx
from ...syntax.nodes import argument
from ..model import LossTensor, Site, TorchLossUse
from .paths import on_every_path


def extract(ev: Evaluator) -> Dict[str, tuple]:
    uses: List[TorchLossUse] = []
    for site in ev.calls:
        call, ctx = site.node, site.ctx
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "compile":
            continue
        uses.extend(on_every_path(ev, ctx, lambda c: loss_use(ev, ev.value(call.func, c), call, c)))
    return {"torch_loss_uses": tuple(uses)}


def loss_use(ev: Evaluator, callee: Value, call: cst.Call, ctx: Ctx) -> Optional[TorchLossUse]:
    """``criterion(pred, y)`` or ``F.cross_entropy(pred, y)`` with a known prediction."""
    index = 0
    if isinstance(callee, TorchLoss):
        kind, display, loss_site, index = callee.kind, callee.display, callee.site, callee.input_index
    elif isinstance(callee, LibRef) and callee.qualname in LOSS_FUNCTIONS:
        kind, display = LOSS_FUNCTIONS[callee.qualname]
        loss_site = Site(call)
    else:
        return None
    arg = argument(call, index, "input")
    if arg is None:
        return None
    prediction = ev.value(arg.value, ctx)
    if not isinstance(prediction, Tensor) or not prediction.head.known:
        return None
    arguments = loss_arguments(ev, callee, call, ctx)
    return TorchLossUse(kind, display, prediction.head, Site(arg.value), loss_site, Site(call), arguments=arguments)


def loss_arguments(ev: Evaluator, callee: Value, call: cst.Call, ctx: Ctx) -> Tuple[Tuple[str, Any], ...]:
    """The keyword arguments a torch loss is built (criteria) or called (functions) with."""
    if isinstance(callee, TorchLoss):
        found = callee.arguments
    elif isinstance(callee, LibRef) and callee.qualname in LOSS_FUNCTIONS:
        found = ev.domain("torch").loss_arguments(call, ctx)
    else:
        return ()
    return tuple(
        (name, LossTensor(value.length, value.site) if isinstance(value, TensorArgument) else value)
        for name, value in found
    )
