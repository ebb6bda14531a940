"""Keras and TensorFlow: where a loss meets a model's output, and the layers that decide it.

- ``LossUse``: ``model.compile(loss=...)`` on a model whose output is known,
  and direct calls ``loss_fn(y_true, y_pred)`` / ``keras.losses.fn(...)``;
- ``LogitsOpUse``: ``tf.nn.*_with_logits(labels=..., logits=...)``;
- ``LayerFact``: a layer constructed with a literal width and activation;
- single-unit softmax: a softmax layer or op applied to a one-unit-wide tensor.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Union

import libcst as cst

from ...interp.domains import keras as kd
from ...interp.evaluator import Evaluator
from ...interp.values import Layer, LibRef, Model, Seq, Tensor, UserFunction
from ...syntax.collect import Ctx
from ...syntax.nodes import argument
from ..model import SOFTMAX, Head, LayerFact, LogitsOpUse, LossUse, Site
from .paths import on_every_path
from .runnable import Cutter

_ACTIVATION_LAYERS = (kd.ACTIVATION_LAYER, kd.SOFTMAX_LAYER)


def extract(ev: Evaluator) -> Dict[str, tuple]:
    keras = ev.domain("keras")
    loss_uses: List[LossUse] = []
    logits_ops: List[LogitsOpUse] = []
    layers: List[LayerFact] = []
    softmax: List[Head] = []

    def note(head: Head) -> None:
        if head.activation == SOFTMAX and head.units == 1 and head not in softmax:
            softmax.append(head)

    for site in ev.calls:
        call, ctx = site.node, site.ctx
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "compile":
            loss_uses.extend(on_every_path(ev, ctx, lambda c: _compile_use(ev, call, c)))
            continue
        if isinstance(func, cst.Attribute) and func.attr.value == "add":
            _added_layer(ev, call, ctx, note)
        callee = ev.value(func, ctx)
        if isinstance(callee, LibRef):
            qualname = callee.qualname
            if qualname in kd.LOGITS_OPS:
                logits_ops.extend(on_every_path(ev, ctx, lambda c: _logits_op_use(ev, qualname, call, c)))
                continue
            if qualname in kd.UNIT_LAYERS:
                layer = ev.value(call, ctx)
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
            if qualname == kd.SEQUENTIAL:
                _sequential_layers(ev, call, ctx, note)
                continue
            if qualname == kd.MODEL:
                continue
            if qualname in kd.ACTIVATION_FUNCTIONS:
                applied = ev.value(call, ctx)
                if isinstance(applied, Tensor):
                    note(applied.head)
                continue
        direct = on_every_path(ev, ctx, lambda c: _direct_loss_call(ev, keras, call, c))
        if direct:
            loss_uses.extend(direct)
        elif isinstance(callee, Layer) and callee.qualname in _ACTIVATION_LAYERS:
            applied = ev.value(call, ctx)  # Activation('softmax')(x)
            if isinstance(applied, Tensor):
                note(applied.head)
    return {
        "loss_uses": tuple(loss_uses),
        "logits_ops": tuple(logits_ops),
        "layers": tuple(layers),
        "single_unit_softmax": tuple(softmax),
    }


def _sequential_layers(ev: Evaluator, call: cst.Call, ctx: Ctx, note) -> None:  # noqa: ANN001
    """Softmax layers in ``Sequential([...])``, each applied to what the layer before outputs."""
    arg = argument(call, 0, "layers")
    layers = ev.value(arg.value, ctx) if arg is not None else None
    if not isinstance(layers, Seq):
        return
    for layer, head in zip(layers.items, ev.domain("keras").fold(layers.items)):
        if isinstance(layer, Layer) and layer.qualname in _ACTIVATION_LAYERS:
            note(head)


def _added_layer(ev: Evaluator, call: cst.Call, ctx: Ctx, note) -> None:  # noqa: ANN001
    """``model.add(Softmax())``: the softmax applied to what the model output before."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    model = ev.value(func.value, ctx)
    arg = argument(call, 0, "layer")
    if not isinstance(model, Model) or not model.sequential or arg is None:
        return
    layer = ev.value(arg.value, ctx)
    if isinstance(layer, Layer) and layer.qualname in _ACTIVATION_LAYERS:
        note(ev.domain("keras").apply(layer, model.head))


def _compile_use(ev: Evaluator, call: cst.Call, ctx: Ctx) -> Union[None, LossUse, List[LossUse]]:
    func = call.func
    assert isinstance(func, cst.Attribute)
    arg = argument(call, 1, "loss")
    if arg is None:
        return None
    model = ev.value(func.value, ctx)
    if isinstance(model, kd.MultiModel):
        return _head_uses(ev, model, arg.value, call, ctx)
    if not isinstance(model, Model) or not model.head.known:
        return None
    spec = ev.domain("keras").loss_of(arg.value, ctx)
    if spec is None:
        return None
    given = ev.value(arg.value, ctx)  # a thin custom loss around the spec's loss: it can run too
    runnable = Cutter(ev).loss(given.scope) if isinstance(given, UserFunction) else None
    return LossUse(spec, model.head, Site(call), compiled=True, runnable=runnable)


def _head_uses(ev: Evaluator, model: "kd.MultiModel", loss: cst.BaseExpression, call: cst.Call, ctx: Ctx) -> List[LossUse]:
    """A loss dict or list given to a model with several outputs: one use per output whose
    head is known, with the loss Keras gives that output."""
    keras = ev.domain("keras")
    mapping = keras.compile_mapping(loss, ctx, losses=True)
    outputs = model.outputs
    entries = keras.entry_for_outputs(outputs, mapping) if mapping is not None and outputs is not None else None
    if entries is None or outputs is None:
        return []
    uses = []
    for head, entry in zip(outputs.heads, entries):
        if entry is not None and entry.spec is not None and head.known:
            uses.append(LossUse(entry.spec, head, Site(call), compiled=True))
    return uses


def _direct_loss_call(ev: Evaluator, keras: "kd.KerasDomain", call: cst.Call, ctx: Ctx) -> Optional[LossUse]:
    """``loss_fn(y_true, y_pred)`` or ``keras.losses.fn(y_true, y_pred, from_logits=...)``."""
    spec = keras.called_loss_spec(call, ctx)
    if spec is None:
        return None
    pred_arg = argument(call, 1, "y_pred", "output")
    if pred_arg is None:
        return None
    pred = ev.value(pred_arg.value, ctx)
    if not isinstance(pred, Tensor):
        return None
    return LossUse(spec, pred.head, Site(call))


def _logits_op_use(ev: Evaluator, qualname: str, call: cst.Call, ctx: Ctx) -> Optional[LogitsOpUse]:
    arg = argument(call, kd.LOGITS_OPS[qualname], "logits")
    if arg is None:
        return None
    logits = ev.value(arg.value, ctx)
    if not isinstance(logits, Tensor) or not logits.head.known:
        return None
    op = "tf." + qualname[len("tensorflow."):]
    return LogitsOpUse(op, logits.head, Site(arg))
