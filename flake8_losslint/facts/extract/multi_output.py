"""Compiles of Keras models with several outputs: ``MultiOutputCompile`` facts.

``model.compile(loss=..., metrics=..., loss_weights=...)`` on a functional model whose
outputs the Keras domain knows one by one (``Model(inputs, [a, b])`` or a dict of
outputs), with the form of each argument as written.  Only programs that run on Keras 3
get these facts: Keras 2 maps the same arguments otherwise (measured on 2.15.0:
a partial loss dict for list outputs and layer-name keys for dict outputs run silently there).
"""

from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from ...interp.domains import keras as kd
from ...interp.evaluator import Evaluator
from ...interp.values import Const, Seq
from ...syntax.collect import Ctx
from ...syntax.nodes import argument
from ..model import CompileArgument, CompileKey, MultiOutputCompile, Site
from .paths import on_every_path

# compile(optimizer, loss, loss_weights, metrics, ...): positions in Keras 3.15.1.
_ARGUMENTS = (("loss", 1), ("metrics", 3), ("loss_weights", 2))


def extract(ev: Evaluator) -> Dict[str, tuple]:
    keras: kd.KerasDomain = ev.domain("keras")
    found: List[MultiOutputCompile] = []
    if not any(isinstance(s.node.func, cst.Attribute) and s.node.func.attr.value == "compile" for s in ev.calls):
        return {"multi_output_compiles": ()}
    if not keras.keras3():
        return {"multi_output_compiles": ()}
    for site in ev.calls:
        call, ctx = site.node, site.ctx
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "compile":
            found.extend(on_every_path(ev, ctx, lambda c: _compile(ev, keras, call, c)))
    return {"multi_output_compiles": tuple(found)}


def _compile(ev: Evaluator, keras: "kd.KerasDomain", call: cst.Call, ctx: Ctx) -> Optional[MultiOutputCompile]:
    func = call.func
    assert isinstance(func, cst.Attribute)
    model = ev.value(func.value, ctx)
    if not isinstance(model, kd.MultiModel) or model.outputs is None:
        return None
    outputs = model.outputs
    arguments = []
    for name, index in _ARGUMENTS:
        arg = argument(call, index, name)
        if arg is not None:
            arguments.append(_argument(ev, keras, name, arg.value, ctx))
    return MultiOutputCompile(
        outputs.form, outputs.keys, outputs.layer_names, outputs.site, Site(call), tuple(arguments)
    )


def _argument(ev: Evaluator, keras: "kd.KerasDomain", name: str, node: cst.BaseExpression, ctx: Ctx) -> CompileArgument:
    mapping = keras.compile_mapping(node, ctx)
    if mapping is None:
        value = ev.value(node, ctx)
        single = name == "loss" and (keras.loss_of(node, ctx) is not None or isinstance(value, Const) and isinstance(value.value, str))
        return CompileArgument(name, "single" if single and not isinstance(value, Seq) else "other", Site(node))
    empty = tuple(
        entry.key if mapping.form == "dict" else position
        for position, entry in enumerate(mapping.entries)
        if entry.value == Const(None)
    )
    values = tuple(entry.text for entry in mapping.entries)
    if mapping.form == "list":
        return CompileArgument(name, "list", Site(node), length=len(mapping.entries), empty=empty, values=values)
    if any(entry.key is None or entry.key_site is None for entry in mapping.entries):
        return CompileArgument(name, "other", Site(node))
    # No key or key site is None: checked above.
    keys = tuple(CompileKey(entry.key, entry.key_site) for entry in mapping.entries)  # type: ignore[arg-type]
    return CompileArgument(name, "dict", Site(node), keys=keys, empty=empty, values=values)
