"""Facts that hold on one call path: a function's body judged with what each of its calls passes."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, List, TypeVar, Union

from ...interp.evaluator import Evaluator
from ...syntax.collect import Ctx

T = TypeVar("T")


def on_every_path(ev: Evaluator, ctx: Ctx, facts_at: Callable[[Ctx], Union[None, T, List[T]]]) -> List[T]:
    """The facts ``facts_at`` finds at ``ctx``, and those it finds only on one calling
    context of the enclosing function, marked ``called_from`` that call."""
    reads = ev.parameter_reads
    found: List[T] = list(_listed(facts_at(ctx)))
    if ev.parameter_reads == reads:
        return found  # no parameter was read: every call path gives the same
    plain = list(found)
    for context in ev.call_contexts(ctx):
        call = context.env.frames[-1].call if context.env is not None else None
        for fact in _listed(facts_at(context)):
            if fact in plain:
                continue
            if call is not None:
                # Every fact collected here is a dataclass with a called_from field.
                fact = replace(fact, called_from=call)  # type: ignore[type-var]
            if fact not in found:
                found.append(fact)
    return found


def _listed(found: Union[None, T, List[T]]) -> List[T]:
    if found is None:
        return []
    return found if isinstance(found, list) else [found]
