"""Source → facts: one collection pass, then evaluation of the calls that matter."""

from __future__ import annotations

from typing import List

import libcst as cst

from . import knowledge as kb
from .collect import collect
from .custom_losses import extract_custom
from .evaluate import Evaluator, Layer, LibRef, Model, Tensor, argument
from .facts import Facts, LayerFact, LogitsOpUse, LossUse, Positions, Site, TorchLossUse
from .torch_models import TorchModels
from .labelflow import label_uses


def extract(module: cst.Module, positions: Positions) -> Facts:
    collected = collect(module)
    evaluator = Evaluator(collected)
    torch_models = TorchModels(evaluator)
    evaluator.call_hooks.append(torch_models.call)
    loss_uses: List[LossUse] = []
    logits_ops: List[LogitsOpUse] = []
    layers: List[LayerFact] = []
    torch_loss_uses: List[TorchLossUse] = []

    for site in collected.calls:
        call, ctx = site.node, site.ctx
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "compile":
            use = _compile_use(evaluator, call, ctx)
            if use is not None:
                loss_uses.append(use)
            continue
        callee = evaluator.value(func, ctx)
        torch_use = torch_models.loss_use(callee, call, ctx)
        if torch_use is not None:
            torch_loss_uses.append(torch_use)
            continue
        if isinstance(callee, LibRef):
            qualname = callee.qualname
            if qualname in kb.LOGITS_OPS:
                op_use = _logits_op_use(evaluator, qualname, call, ctx)
                if op_use is not None:
                    logits_ops.append(op_use)
                continue
            if qualname in kb.UNIT_LAYERS:
                layer = evaluator.value(call, ctx)
                if isinstance(layer, Layer):
                    layers.append(
                        LayerFact(
                            kind=qualname.rsplit(".", 1)[-1],
                            units=layer.units,
                            activation=layer.activation,
                            activation_site=layer.activation_site,
                            site=layer.site,
                        )
                    )
                continue
            if qualname in (kb.SEQUENTIAL, kb.MODEL) or qualname in kb.ACTIVATION_FUNCTIONS:
                evaluator.value(call, ctx)  # notes softmax over one unit
                continue
        direct = evaluator.direct_loss_call(call, ctx)
        if direct is not None:
            spec, head = direct
            loss_uses.append(LossUse(spec, head, Site(call)))
        elif isinstance(callee, Layer):
            evaluator.value(call, ctx)  # Activation('softmax')(x): notes softmax over one unit

    custom = extract_custom(collected, evaluator)
    return Facts(
        label_uses=tuple(label_uses(evaluator, collected)),
        loss_uses=tuple(loss_uses),
        logits_ops=tuple(logits_ops),
        layers=tuple(layers),
        single_unit_softmax=tuple(evaluator.single_unit_softmax),
        torch_loss_uses=tuple(torch_loss_uses),
        api_references=custom.api_references,
        loss_call_arguments=custom.loss_call_arguments,
        inner_loss_calls=custom.inner_loss_calls,
        scalar_loss_returns=custom.scalar_loss_returns,
        unguarded_logs=custom.unguarded_logs,
        loss_signatures=custom.loss_signatures,
        positions=positions,
    )


def _compile_use(evaluator: Evaluator, call: cst.Call, ctx) -> "LossUse | None":
    func = call.func
    assert isinstance(func, cst.Attribute)
    arg = argument(call, 1, "loss")
    if arg is None:
        return None
    model = evaluator.value(func.value, ctx)
    if not isinstance(model, Model) or not model.head.known:
        return None
    spec = evaluator.loss_of(arg.value, ctx)
    if spec is None:
        return None
    return LossUse(spec, model.head, Site(call))


def _logits_op_use(evaluator: Evaluator, qualname: str, call: cst.Call, ctx) -> "LogitsOpUse | None":
    arg = argument(call, kb.LOGITS_OPS[qualname], "logits")
    if arg is None:
        return None
    logits = evaluator.value(arg.value, ctx)
    if not isinstance(logits, Tensor) or not logits.head.known:
        return None
    op = "tf." + qualname[len("tensorflow."):]
    return LogitsOpUse(op, logits.head, Site(arg))
