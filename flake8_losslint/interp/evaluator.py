"""The one abstract evaluator: what an expression is, as far as the rules care.

The evaluator itself knows Python: names and the bindings that reach a use,
literals, attributes, calls of the program's own functions and classes.  What
a library call, a method of a library object, a subscript or a loop over a
dataset means is asked of the library *domains* (``domains/``), in their
registered order; the first that answers decides.

Evaluation is lazy and memoised per syntax node, so a file pays only for the
expressions that lead to a loss.  Extractors and domains use the public
methods below; nothing outside this module reads its private state.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..syntax.collect import Binding, ClassInfo, Collector, Ctx, Scope, within
from ..syntax.names import canonical
from .values import UNKNOWN, Const, LibRef, Seq, UserClass, UserFunction, Value

_MAX_DEPTH = 120
_MAX_SEQ = 64
_MAX_CLASS_DEPTH = 8
END = 1 << 62  # an order after every statement


def _order(binding: Binding) -> int:
    return binding.order


class Evaluator:
    def __init__(self, collected: Collector) -> None:
        from .domains import DOMAINS  # the registry: each domain imports the values it builds on

        self.collected = collected
        self.imports = collected.imports
        self._memo: Dict[int, Value] = {}
        self._busy: Set[int] = set()
        self._depth = 0
        self._receivers: Dict[FrozenSet[str], FrozenSet[str]] = {}
        self._ancestors: Dict[int, Optional[List[ClassInfo]]] = {}
        self._derived: Optional[Set[int]] = None
        self.domains = [domain(self) for domain in DOMAINS]
        self._by_name = {type(domain).name: domain for domain in self.domains}

    def domain(self, name: str):  # noqa: ANN201 - the caller knows which domain it asks for
        """A registered domain by name ("keras", "labels", "torch")."""
        return self._by_name[name]

    # -- entry point ---------------------------------------------------------
    def value(self, node: cst.CSTNode, ctx: Ctx) -> Value:
        key = id(node)
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._busy or self._depth > _MAX_DEPTH:
            return UNKNOWN
        self._busy.add(key)
        self._depth += 1
        try:
            result = self._evaluate(node, ctx)
        finally:
            self._depth -= 1
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def _evaluate(self, node: cst.CSTNode, ctx: Ctx) -> Value:
        if isinstance(node, cst.Name):
            return self._name(node.value, ctx)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, ctx)
        if isinstance(node, cst.Call):
            return self._call(node, ctx)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = node.evaluated_value
            return Const(text) if isinstance(text, str) else UNKNOWN
        if isinstance(node, (cst.Integer, cst.Float)):
            return Const(node.evaluated_value)
        if isinstance(node, (cst.List, cst.Tuple)):
            if len(node.elements) > _MAX_SEQ or any(isinstance(el, cst.StarredElement) for el in node.elements):
                return UNKNOWN
            return Seq(tuple(self.value(el.value, ctx) for el in node.elements))
        if isinstance(node, cst.Lambda):
            scope = self.collected.scope_of_node.get(id(node))
            return UserFunction(scope) if scope is not None else UNKNOWN
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.value(node.expression, ctx)
            if isinstance(inner, Const) and isinstance(inner.value, (int, float)):
                return Const(-inner.value)
        if isinstance(node, (cst.Subscript, cst.BinaryOperation)):
            return self._ask("expression", node, ctx)
        return UNKNOWN

    def _ask(self, hook: str, *args) -> Value:  # noqa: ANN002 - the hook's own arguments
        """The first answer of the domains' ``hook``; UNKNOWN when none answers."""
        for domain in self.domains:
            found = getattr(domain, hook)(*args)
            if found is not None:
                return found
        return UNKNOWN

    # -- names ---------------------------------------------------------------
    def _name(self, name: str, ctx: Ctx) -> Value:
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        scope: Optional[Scope] = ctx.scope
        first = True
        while scope is not None:
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            bindings = scope.bindings.get(name)
            if bindings:
                if first:
                    use = ctx
                    candidates = self.reaching(bindings, ctx)
                else:
                    # An enclosing scope: the function may run after any of its
                    # bindings, so all must agree; read them as at its end.
                    use = Ctx(scope, END, ())
                    candidates = list(bindings)
                if candidates:
                    return self.agree([self._binding(name, b, use) for b in candidates])
            scope = scope.parent
            first = False
        qualified = self.imports.lookup(name)
        if qualified is not None:
            return LibRef(canonical(qualified))
        return UNKNOWN

    @staticmethod
    def reaching(bindings: Sequence[Binding], ctx: Ctx) -> List[Binding]:
        """Bindings (of one name, in textual order) that may hold at ``ctx``: the
        last one sure to have run, and any conditional ones after it."""
        # Find the first binding at or after ``ctx`` by bisection and walk back
        # (a name rebound on every line of a long file must not make each use
        # cost a scan of all its bindings).
        end = bisect_left(bindings, ctx.order, key=_order)
        start = end
        while start > 0:
            start -= 1
            if within(bindings[start].path, ctx.path):
                return list(bindings[start:end])
        return list(bindings[:end])

    def bindings_at(self, name: str, ctx: Ctx) -> List[Binding]:
        """The bindings of ``name`` in ``ctx``'s own scope that may hold at ``ctx``."""
        return self.reaching(ctx.scope.bindings.get(name, []), ctx)

    @staticmethod
    def agree(values: List[Value]) -> Value:
        """The value all of ``values`` are, or UNKNOWN when they differ."""
        first = values[0]
        if all(v == first for v in values[1:]):
            return first
        return UNKNOWN

    def _binding(self, name: str, binding: Binding, use: Ctx) -> Value:
        node = binding.value
        if node is None:
            if binding.iterable is not None:
                return self._ask("loop_element", binding.iterable, binding.unpack, binding.ctx)
            return UNKNOWN
        if isinstance(node, cst.FunctionDef):
            return UserFunction(self.collected.scope_of_node[id(node)])
        if isinstance(node, cst.ClassDef):
            info = self.class_info(node)
            return UserClass(info) if info is not None else UNKNOWN
        value = self.unpack(node, binding.unpack, binding.ctx)
        if not binding.unpack:
            for domain in self.domains:
                value = domain.rebound(name, value, binding, use)
        return value

    def unpack(self, node: cst.CSTNode, indices: Tuple[int, ...], ctx: Ctx) -> Value:
        """The value at ``indices`` of what ``node`` evaluates to (``a, (b, c) = node``)."""
        for position, index in enumerate(indices):
            if isinstance(node, (cst.Tuple, cst.List)) and index < len(node.elements):
                element = node.elements[index]
                if isinstance(element, cst.StarredElement):
                    return UNKNOWN
                node = element.value
            else:
                return self.index(self.value(node, ctx), indices[position:])
        return self.value(node, ctx)

    @staticmethod
    def index(value: Value, indices: Tuple[int, ...]) -> Value:
        for index in indices:
            if isinstance(value, Seq) and index < len(value.items):
                value = value.items[index]
            else:
                return UNKNOWN
        return value

    def class_info(self, node: cst.ClassDef) -> Optional[ClassInfo]:
        scope = self.collected.scope_of_node.get(id(node))
        return scope.cls if scope is not None else None

    # -- attributes ----------------------------------------------------------
    def _attribute(self, node: cst.Attribute, ctx: Ctx) -> Value:
        scope = ctx.scope
        if (
            isinstance(node.value, cst.Name)
            and scope.cls is not None
            and scope.self_name is not None
            and node.value.value == scope.self_name
        ):
            bindings = scope.cls.attributes.get(node.attr.value)
            if not bindings:
                return UNKNOWN
            return self.agree(
                [self.unpack(b.value, b.unpack, b.ctx) if b.value is not None else UNKNOWN for b in bindings]
            )
        base = self.value(node.value, ctx)
        if isinstance(base, LibRef):
            return LibRef(canonical(f"{base.qualname}.{node.attr.value}"))
        return UNKNOWN

    # -- calls ---------------------------------------------------------------
    def _call(self, node: cst.Call, ctx: Ctx) -> Value:
        for domain in self.domains:
            found = domain.call(node, ctx)
            if found is not None:
                return found
        func = node.func
        callee = self.value(func, ctx)
        if isinstance(callee, LibRef):
            return self._ask("library_call", callee.qualname, node, ctx)
        if isinstance(callee, UserFunction):
            return self.returns(callee.scope)
        found = self._ask("call_value", callee, node, ctx)
        if found is not UNKNOWN:
            return found
        if isinstance(func, cst.Attribute):
            return self._ask("method", self.value(func.value, ctx), func.attr.value, node, ctx)
        if isinstance(func, cst.Name) and callee == UNKNOWN and not self.bound_anywhere(func.value):
            return self._ask("builtin", func.value, node, ctx)
        return UNKNOWN

    def returns(self, scope: Scope) -> Value:
        """What every ``return`` of a function (or lambda) agrees on."""
        if not scope.returns:
            return UNKNOWN
        return self.agree([self.value(node, ctx) for node, ctx in scope.returns])

    # -- classes ---------------------------------------------------------------
    def ancestors(self, info: ClassInfo) -> Optional[List[ClassInfo]]:
        """``info`` and the classes of this file it derives from, depth first
        (None when the chain is too deep to follow)."""
        key = id(info.node)
        if key not in self._ancestors:
            self._ancestors[key] = None  # a cycle reads as "too deep"
            self._ancestors[key] = self._chain(info, 0)
        return self._ancestors[key]

    def _chain(self, info: ClassInfo, depth: int) -> Optional[List[ClassInfo]]:
        if depth > _MAX_CLASS_DEPTH:
            return None
        chain = [info]
        for base in info.node.bases:
            value = self.value(base.value, info.ctx)
            if isinstance(value, UserClass):
                inner = self._chain(value.info, depth + 1)
                if inner is None:
                    return None
                chain.extend(inner)
        return chain

    def library_bases(self, info: ClassInfo) -> FrozenSet[str]:
        """Qualified names of the library classes ``info`` derives from, directly or through classes of this file."""
        chain = self.ancestors(info) or [info]
        found = set()
        for cls in chain:
            for base in cls.node.bases:
                value = self.value(base.value, cls.ctx)
                if isinstance(value, LibRef):
                    found.add(value.qualname)
        return frozenset(found)

    def is_subclass(self, info: ClassInfo, *qualnames: str) -> bool:
        """Whether the class derives from one of the library classes ``qualnames``."""
        return not self.library_bases(info).isdisjoint(qualnames)

    def defines(self, info: ClassInfo, *methods: str) -> bool:
        """Whether the class or one of its ancestors in this file defines one of ``methods``."""
        chain = self.ancestors(info) or [info]
        return any(name in cls.methods for cls in chain for name in methods)

    def derived_classes(self) -> Set[int]:
        """Classes (by node id) that some class in this file derives from."""
        if self._derived is None:
            self._derived = set()
            for scope in self.collected.scope_of_node.values():
                if scope.kind != "class" or scope.cls is None:
                    continue
                for base in scope.cls.node.bases:
                    value = self.value(base.value, scope.cls.ctx)
                    if isinstance(value, UserClass):
                        self._derived.add(id(value.info.node))
        return self._derived

    # -- the program as a whole --------------------------------------------------
    def bound_anywhere(self, name: str) -> bool:
        """``name`` is imported or assigned somewhere in the file (so it is not the builtin)."""
        if self.imports.lookup(name) is not None:
            return True
        root = self.collected.module_scope
        scopes = [root] + list(self.collected.scope_of_node.values())
        return any(scope is not None and name in scope.bindings for scope in scopes)

    def receivers(self, methods: FrozenSet[str]) -> FrozenSet[str]:
        """Names ``x`` on which the file calls ``x.m(...)`` for some ``m`` in ``methods``."""
        found = self._receivers.get(methods)
        if found is None:
            names = set()
            for site in self.collected.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in methods and isinstance(func.value, cst.Name):
                    names.add(func.value.value)
            found = self._receivers[methods] = frozenset(names)
        return found
