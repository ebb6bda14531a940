"""A faster ``module.visit(visitor)`` for visitors that only read the tree.

LibCST's ``CSTNode.visit`` rebuilds every node it passes through (re-running
each node's validation) and asks the visitor for ``visit_<Type>`` and
``visit_<Type>_<field>`` by name for every node and every field, whitespace
and commas included.  On a typical file that costs as much as the parse.

``walk`` makes exactly the same calls, in exactly the same order, on the same
(original) nodes, but

- it never rebuilds a node;
- it looks up a visitor's methods once per node type, not once per node;
- it skips every subtree that cannot contain a node the visitor has a method
  for.  Which types can hold which is read off LibCST's own field annotations
  (``Call.whitespace_after_func`` holds whitespace only, a ``Name`` holds no
  node at all), so a visitor with no ``visit_Name`` never enters a ``Name``;
- it reads the order of a node type's fields from LibCST itself (one recorded
  ``_visit_and_replace_children`` per type), so textual order is LibCST's.

It only supports ``CSTVisitor`` subclasses that use no metadata: the only kind
the collector is.  Anything it does not understand falls back to LibCST.
"""

from __future__ import annotations

import collections.abc
import typing
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

_Hook = Optional[Callable[[Any, cst.CSTNode], Any]]  # unbound visitor method
# (field name, visit-attribute hook, leave-attribute hook, may hold an interesting node)
_Field = Tuple[str, _Hook, _Hook, bool]
_Plan = Tuple[_Hook, _Hook, Tuple[_Field, ...]]


def _all_node_classes() -> List[type]:
    seen: List[type] = []
    stack = [cst.CSTNode]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


def _mentioned_classes(hint: Any) -> Optional[List[type]]:
    """The classes a field annotation names (through Union, Optional, Sequence...).

    None when the annotation cannot be read: the field is then walked always.
    """
    found: List[type] = []
    stack = [hint]
    while stack:
        item = stack.pop()
        if isinstance(item, type):
            found.append(item)
            continue
        origin = typing.get_origin(item)
        if origin is typing.Literal:
            continue
        args = typing.get_args(item)
        if origin is None or not args:
            return None
        if isinstance(origin, type) and not issubclass(origin, collections.abc.Iterable):
            return None
        stack.extend(args)
    return found


class _Layout:
    """What LibCST's annotations say each node type's fields can hold."""

    def __init__(self) -> None:
        self.classes = _all_node_classes()
        self.field_classes: Dict[type, Dict[str, Optional[List[type]]]] = {}
        for cls in self.classes:
            try:
                hints = typing.get_type_hints(cls)
            except Exception:  # noqa: BLE001 - unreadable annotations: walk everything
                hints = None
            fields: Dict[str, Optional[List[type]]] = {}
            for name in getattr(cls, "__dataclass_fields__", {}):
                fields[name] = None if hints is None or name not in hints else _mentioned_classes(hints[name])
            self.field_classes[cls] = fields

    def interesting(self, hooked: Set[type]) -> Tuple[FrozenSet[type], FrozenSet[type]]:
        """Node types that have a hook or can (transitively) contain one that has,
        and every class such a node is an instance of (to test annotations against)."""
        found = set(hooked)
        covered = {base for cls in found for base in cls.__mro__}
        changed = True
        while changed:
            changed = False
            for cls in self.classes:
                if cls in found:
                    continue
                for mentioned in self.field_classes[cls].values():
                    if mentioned is None or any(outer in covered for outer in mentioned):
                        found.add(cls)
                        covered.update(cls.__mro__)
                        changed = True
                        break
        return frozenset(found), frozenset(covered)

    def may_hold(self, cls: type, field: str, covered: FrozenSet[type]) -> bool:
        mentioned = self.field_classes.get(cls, {}).get(field)
        if mentioned is None:
            return True
        return any(outer in covered for outer in mentioned)


_layout: Optional[_Layout] = None


class _FieldOrder(cst.CSTVisitor):
    """Records the fields LibCST visits, in its order, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: List[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.fields:
            self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


_field_orders: Dict[type, Tuple[str, ...]] = {}


def _field_order(node: cst.CSTNode) -> Tuple[str, ...]:
    cls = type(node)
    order = _field_orders.get(cls)
    if order is None:
        recorder = _FieldOrder()
        node._visit_and_replace_children(recorder)  # rebuilds one node, once per type
        rest = [name for name in getattr(cls, "__dataclass_fields__", {}) if name not in recorder.fields]
        order = _field_orders[cls] = tuple(recorder.fields + rest)
    return order


class _Walker:
    """Hooks and plans for one visitor class, shared by all its instances."""

    def __init__(self, visitor_class: type) -> None:
        global _layout
        if _layout is None:
            _layout = _Layout()
        self.layout = _layout
        self.visitor_class = visitor_class
        # By name: LibCST's slotted classes replace same-named originals, and
        # __subclasses__ may still list both.
        by_name: Dict[str, List[type]] = {}
        for cls in self.layout.classes:
            by_name.setdefault(cls.__name__, []).append(cls)
        hooked: Set[type] = set()
        for name in dir(visitor_class):
            if name.startswith(("visit_", "leave_")) and self.hook(name) is not None:
                hooked.update(by_name.get(name.split("_", 2)[1], ()))
        self.interesting, self.covered = self.layout.interesting(hooked)
        self.plans: Dict[type, _Plan] = {}

    def hook(self, name: str) -> _Hook:
        """The visitor's own method ``name``; None for LibCST's do-nothing defaults."""
        found = getattr(self.visitor_class, name, None)
        if found is None or found is getattr(cst.CSTVisitor, name, None):
            return None
        return found

    def plan(self, node: cst.CSTNode) -> _Plan:
        cls = type(node)
        name = cls.__name__
        fields: List[_Field] = []
        for field in _field_order(node):
            visit_field = self.hook(f"visit_{name}_{field}")
            leave_field = self.hook(f"leave_{name}_{field}")
            may_hold = self.layout.may_hold(cls, field, self.covered)
            if visit_field is not None or leave_field is not None or may_hold:  # else nothing to do there
                fields.append((field, visit_field, leave_field, may_hold))
        plan = (
            self.hook(f"visit_{name}"),
            self.hook(f"leave_{name}"),
            tuple(fields),
        )
        self.plans[cls] = plan
        return plan

    def walk(self, node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
        plan = self.plans.get(type(node))
        if plan is None:
            plan = self.plan(node)
        visit, leave, fields = plan
        if visit is None or visit(visitor, node) is not False:
            interesting = self.interesting
            for field, visit_field, leave_field, may_hold in fields:
                if visit_field is not None:
                    visit_field(visitor, node)
                if may_hold:
                    value = getattr(node, field)
                    # Every interesting type is a node type: the set look-up also spares
                    # an isinstance against the abstract CSTNode (ABCMeta's slow check).
                    if type(value) in interesting:
                        self.walk(value, visitor)
                    elif isinstance(value, (tuple, list)):
                        for child in value:
                            if type(child) in interesting:
                                self.walk(child, visitor)
                if leave_field is not None:
                    leave_field(visitor, node)
        if leave is not None:
            leave(visitor, node)


_walkers: Dict[type, _Walker] = {}


def supports(visitor: cst.CSTVisitor) -> bool:
    """Whether ``walk`` can stand in for ``node.visit(visitor)``."""
    return (
        isinstance(visitor, cst.CSTVisitor)
        and not visitor.get_inherited_dependencies()
        and not any(name.startswith(("visit_", "leave_")) for name in vars(visitor))
        and all(
            getattr(type(visitor), hook) is getattr(cst.CSTVisitor, hook)
            for hook in ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")
        )
    )


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Same calls on ``visitor`` as ``node.visit(visitor)``, far fewer node visits."""
    if not supports(visitor):
        node.visit(visitor)
        return
    walker = _walkers.get(type(visitor))
    if walker is None:
        walker = _walkers[type(visitor)] = _Walker(type(visitor))
    walker.walk(node, visitor)
