"""What a fix does to the facts, judged by the rules without touching the source.

``losslint fix`` re-analyses the fixed source and keeps a fix only when the
finding goes and no code gains a finding.  ``losslint check`` cannot afford
that for every finding, but the rules are pure functions of the facts and cost
next to nothing: a fix that says how it changes the facts (its ``Effect``: the
loss at this site gets ``from_logits=False``, the activation at that site
becomes a sigmoid) is judged on the changed facts by the same test.  That is
how ``check`` knows that turning a one-unit softmax into a sigmoid under a
``from_logits=True`` loss would only trade LL103 for LL101.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, Union

from ..facts import Facts, Site
from ..rules import Finding, run_rules


@dataclasses.dataclass(frozen=True)
class Effect:
    """What a fix changes: the facts that hold ``site`` (a ``LossUse`` holding the
    ``LossSpec`` written there, say) are rebuilt with ``change`` applied to each fact in
    them, innermost first; ``change`` is then given the ``Facts`` themselves."""

    site: Site
    change: Callable[[Any], Any]  # a fact as it stands -> as it will be (or the same object)


def changing(kinds: Union[Type, Tuple[Type, ...]], site_field: str, site: Site, **changes: Any) -> Effect:
    """Every fact of ``kinds`` whose ``site_field`` is ``site`` gets ``changes``."""

    def change(fact: Any) -> Any:
        if isinstance(fact, kinds) and getattr(fact, site_field) == site:
            return dataclasses.replace(fact, **changes)
        return fact

    return Effect(site, change)


Place = Tuple[str, int]  # a fact among the Facts: (field, index)


def places(facts: Facts) -> Dict[Site, List[Place]]:
    """For every site, the facts that hold it (at any depth)."""
    found: Dict[Site, List[Place]] = {}
    for name in _fields(Facts) or ():
        for index, fact in enumerate(getattr(facts, name)):
            for site in _sites(fact):
                found.setdefault(site, []).append((name, index))
    return found


def after(facts: Facts, effect: Effect, held: Sequence[Place]) -> Facts:
    """``facts`` once ``effect`` is made; ``held`` are the places of the facts holding its site."""
    fields: Dict[str, list] = {}
    for name, index in held:
        items = fields.setdefault(name, list(getattr(facts, name)))
        items[index] = _apply(items[index], effect.change)
    changed = dataclasses.replace(facts, **{name: tuple(items) for name, items in fields.items()})
    return effect.change(changed)


def holds(finding: Finding, effect: Effect, facts: Facts, held: Sequence[Place], before: Sequence[Finding]) -> bool:
    """Whether the fix of ``finding`` passes the fix loop's test on the facts: once the
    effect is made, ``finding`` is gone and no code has more findings than in ``before``
    (the findings of ``facts``)."""
    now = run_rules(after(facts, effect, held))
    if any(each.code == finding.code and each.site == finding.site for each in now):
        return False
    counts: Dict[str, int] = {}
    for each in before:
        counts[each.code] = counts.get(each.code, 0) + 1
    for each in now:
        counts[each.code] = counts.get(each.code, 0) - 1
        if counts[each.code] < 0:
            return False
    return True


# -- walking the facts ---------------------------------------------------------------------------

_FIELDS: Dict[type, Optional[Tuple[str, ...]]] = {}
_ATOMS = (str, int, float, bool, type(None))


def _fields(kind: type) -> Optional[Tuple[str, ...]]:
    """A dataclass's field names; None for anything else (and for ``Site``, a leaf)."""
    if kind not in _FIELDS:
        plain = dataclasses.is_dataclass(kind) and not issubclass(kind, Site)
        _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind)) if plain else None
    return _FIELDS[kind]


def _sites(value: Any) -> List[Site]:
    found: List[Site] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _ATOMS):
            continue
        if isinstance(item, Site):
            found.append(item)
        elif isinstance(item, tuple):
            stack.extend(item)
        else:
            names = _fields(type(item))
            if names is not None:
                stack.extend(getattr(item, name) for name in names)
    return found


def _apply(value: Any, change: Callable[[Any], Any]) -> Any:
    if isinstance(value, _ATOMS) or isinstance(value, Site):
        return value
    if isinstance(value, tuple):
        items = tuple(_apply(item, change) for item in value)
        if any(new is not old for new, old in zip(items, value)):
            value = items
    else:
        names = _fields(type(value))
        if names is not None:
            changes = {}
            for name in names:
                old = getattr(value, name)
                new = _apply(old, change)
                if new is not old:
                    changes[name] = new
            if changes:
                value = dataclasses.replace(value, **changes)
    return change(value)
