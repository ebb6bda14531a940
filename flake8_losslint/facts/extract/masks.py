"""What may mask padded steps in a Keras model: ``MaskSource`` facts.

A Keras loss leaves out the steps a model's mask hides (Keras 3.15.1: labels padded with 0
and ``Embedding(mask_zero=True)`` give the loss of the real steps alone,
scripts/check_keras_config_facts.py).  Which model a mask reaches is not followed: any
source in the file keeps the padding rule (LL209) silent for the whole file.
"""

from __future__ import annotations

from typing import Dict, List

from ...interp.evaluator import Evaluator
from ...interp.values import Const, LibRef
from ..model import MaskSource, Site

_MASKING = frozenset({"keras.layers.Masking"})


def extract(ev: Evaluator) -> Dict[str, tuple]:
    found: List[MaskSource] = []
    for site in ev.calls:
        call = site.node
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "mask_zero":
                if ev.value(arg.value, site.ctx) != Const(False):
                    found.append(MaskSource("mask_zero", Site(arg)))
        callee = ev.value(call.func, site.ctx)
        if isinstance(callee, LibRef) and callee.qualname in _MASKING:
            found.append(MaskSource("Masking", Site(call)))
        elif isinstance(callee, LibRef) and callee.qualname == "keras.layers.Embedding":
            if sum(1 for arg in call.args if arg.keyword is None and not arg.star) > 5 or any(arg.star for arg in call.args):
                found.append(MaskSource("mask_zero", Site(call)))  # mask_zero may be among these
    for scope in ev.collected.scope_of_node.values():
        info = scope.cls if scope.kind == "class" else None
        if info is not None and scope.node is info.node and ("compute_mask" in info.methods or "supports_masking" in info.attributes):
            found.append(MaskSource("compute_mask", Site(info.node)))
    return {"mask_sources": tuple(found)}
