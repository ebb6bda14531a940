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
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..syntax.collect import Binding, CallSite, ClassInfo, Collector, Ctx, Scope, within
from ..source.target import NONE as NO_TARGET
from ..source.target import Target
from ..syntax.names import canonical
from ..syntax.nodes import literal_value
from ..terms import Head, Site
from .domains import DOMAINS, star_import
from .env import Env, Frame, in_env
from .values import (
    UNKNOWN,
    BoundMethod,
    Const,
    ForeignClass,
    ForeignFunction,
    ForeignModule,
    Instance,
    LibRef,
    Model,
    Seq,
    Tensor,
    UserClass,
    UserFunction,
    Value,
)

if TYPE_CHECKING:
    from .project import Project

_MAX_DEPTH = 120
_MAX_SEQ = 64
_MAX_CLASS_DEPTH = 8
# List methods that change a list in place.
LIST_CHANGES = frozenset("append extend insert pop remove clear sort reverse".split())
_MAX_CONTEXTS = 8  # calling contexts followed per function; more and its parameters stay unknown
# Values computed per file (memoised look-ups are free).  Every value is finite, but
# calls on ever new arguments (a function called from several places by another,
# itself called from several places, ...) can multiply the calling contexts
# without end; past this many, what is not known yet stays unknown, so one file
# costs bounded time and the rules stay silent rather than guess.
MAX_EVALUATIONS = 300_000
# User functions followed into, one inside another, while one value is computed.
_MAX_CALL_DEPTH = 8
END = 1 << 62  # an order after every statement


def _order(binding: Binding) -> int:
    return binding.order


class Evaluator:
    def __init__(
        self,
        collected: Collector,
        project: Optional["Project"] = None,
        given: Target = NO_TARGET,
        fallback: Target = NO_TARGET,
    ) -> None:
        self.collected = collected
        self.project = project  # the other modules of the linted file's project, when known
        # The library versions the file is judged against: ``given`` (an option, the
        # project's pins) first, then what the file itself shows, then ``fallback``
        # (the installed libraries).
        self._given, self._fallback = given, fallback
        self._target: Optional[Target] = None
        self._dead: Optional[Set[int]] = None
        self._live_calls: Optional[List[CallSite]] = None
        self.imports = collected.imports
        self._memo: Dict[Tuple[int, Optional[Env]], Value] = {}
        self._imported: Dict[str, Value] = {}  # see _import
        self._parameter_reads = 0
        self._parameter_dependent: Set[Tuple[int, Optional[Env]]] = set()
        self._busy: Set[Tuple[int, Optional[Env]]] = set()
        self._depth = 0
        self._call_depth = 0
        self.evaluations = 0  # values computed so far; see MAX_EVALUATIONS
        self._receivers: Dict[FrozenSet[str], FrozenSet[str]] = {}
        self._contexts: Dict[int, List[Frame]] = {}
        self._calls_of: Optional[Dict[int, List[Tuple[CallSite, Optional[Value]]]]] = None
        self._lists: Optional[Dict[str, List[CallSite]]] = None
        self._subscripted: Optional[FrozenSet[str]] = None
        self._ancestors: Dict[int, Optional[List[ClassInfo]]] = {}
        self._derived: Optional[Set[int]] = None
        self.domains = [domain(self) for domain in DOMAINS]
        self._by_name = {type(domain).name: domain for domain in self.domains}

    # -- target versions and the code that cannot run on them -----------------------
    @property
    def target(self) -> Target:
        if self._target is None:
            if self._given.known:
                self._target = self._given
            else:
                from .versions import file_target

                shown = file_target(self)
                self._target = shown if shown.known else self._fallback
        return self._target

    def versions(self) -> Dict[str, str]:
        """The target versions as version tests read them (Keras follows TensorFlow when only it is known)."""
        found: Dict[str, str] = {}
        target = self.target
        if target.tensorflow is not None:
            found["tensorflow"] = target.tensorflow
        keras = target.keras or _keras_of(target.tensorflow)
        if keras is not None:
            found["keras"] = keras
        return found

    def unreachable(self, ctx: Ctx) -> bool:
        """Code that a version test keeps from running on the target versions."""
        dead = self._dead_blocks()
        if not dead:
            return False
        scope: Optional[Scope] = ctx.scope
        path = ctx.path
        while True:
            if any(block in dead for block in path):
                return True
            if scope is None:
                return False
            outer = scope.def_ctx if scope.def_ctx is not None else (scope.cls.ctx if scope.kind == "class" and scope.cls else None)
            if outer is None:
                return False
            scope, path = outer.scope, outer.path

    def _dead_blocks(self) -> Set[int]:
        if self._dead is None:
            from .versions import decide

            self._dead = set()
            versions = self.versions() if self.collected.version_tests else {}
            if versions:
                for node, ctx, body, orelse in self.collected.version_tests:
                    verdict = decide(self, node.test, ctx, versions)
                    if verdict is False and body is not None:
                        self._dead.add(body)
                    elif verdict is True and orelse is not None:
                        self._dead.add(orelse)
        return self._dead

    @property
    def calls(self) -> List[CallSite]:
        """The file's calls, in textual order, without those that cannot run on the target versions."""
        if self._live_calls is None:
            self._live_calls = [site for site in self.collected.calls if not self.unreachable(site.ctx)]
        return self._live_calls

    def domain(self, name: str):  # noqa: ANN201 - the caller knows which domain it asks for
        """A registered domain by name ("keras", "labels", "torch")."""
        return self._by_name[name]

    # -- entry point ---------------------------------------------------------
    @property
    def parameter_reads(self) -> int:
        """A count that grows whenever a value read a parameter of its function without
        knowing its call (memoised values count again): a fact whose evaluation left it
        unchanged is the same on every call path."""
        return self._parameter_reads

    def value(self, node: cst.CSTNode, ctx: Ctx) -> Value:
        key = (id(node), ctx.env)
        found = self._memo.get(key)
        if found is not None:
            if key in self._parameter_dependent:
                self._parameter_reads += 1
            return found
        if key in self._busy or self._depth > _MAX_DEPTH or self.evaluations >= MAX_EVALUATIONS:
            return UNKNOWN
        self.evaluations += 1
        self._busy.add(key)
        self._depth += 1
        reads = self._parameter_reads
        try:
            result = self._evaluate(node, ctx)
        finally:
            self._depth -= 1
            self._busy.discard(key)
        self._memo[key] = result
        if self._parameter_reads != reads:
            self._parameter_dependent.add(key)
        return result

    def _evaluate(self, node: cst.CSTNode, ctx: Ctx) -> Value:
        # The three commonest kinds by exact type, as the parser builds them: a failed
        # isinstance against a LibCST class runs ABCMeta's check, and this runs for every
        # value computed.
        if type(node) is cst.Name:
            return self._name(node.value, ctx)
        if type(node) is cst.Attribute:
            return self._attribute(node, ctx)
        if type(node) is cst.Call:
            return self._call(node, ctx)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = literal_value(node) if isinstance(node, cst.SimpleString) else node.evaluated_value
            return Const(text) if isinstance(text, str) else UNKNOWN
        if isinstance(node, (cst.Integer, cst.Float)):
            return Const(literal_value(node))
        if isinstance(node, (cst.List, cst.Tuple)):
            if len(node.elements) > _MAX_SEQ or any(isinstance(el, cst.StarredElement) for el in node.elements):
                return UNKNOWN
            return Seq(tuple(self.value(el.value, ctx) for el in node.elements))
        if isinstance(node, cst.Lambda):
            scope = self.collected.scope_of_node.get(id(node))
            return UserFunction(scope) if scope is not None else UNKNOWN
        if isinstance(node, cst.IfExp):
            return self.agree([self.value(node.body, ctx), self.value(node.orelse, ctx)])
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
                    use = in_env(Ctx(scope, END, ()), ctx.env)
                    candidates = list(bindings)
                if candidates:
                    return self.agree([self._binding(name, b, use) for b in candidates])
            scope = scope.parent
            first = False
        found = self._imported.get(name)
        if found is None:
            found = self._imported[name] = self._import(name)
        return found

    def _import(self, name: str) -> Value:
        """What a name no scope binds is through the file's imports (flow-insensitive,
        so the same wherever it is read: memoised per name, not per use, which spares a
        look-up in the project's folders for every use of ``np`` or ``plt``)."""
        qualified = self.imports.lookup(name)
        if qualified is not None:
            if self.project is not None:
                found = self.project.resolve(qualified)
                if found is not None:
                    return found
            if qualified.startswith("."):
                return UNKNOWN  # a relative import we cannot follow
            return LibRef(canonical(qualified))
        starred = star_import(self.imports, name)
        return LibRef(starred) if starred is not None else UNKNOWN

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
        """The value all of ``values`` are, or UNKNOWN when they differ.

        Models and tensors whose outputs have the same activation agree on it
        (``net = A() if big else B()``, both ending in a softmax): what differs
        between them (the width, where the activation is written) becomes unknown.
        """
        if not values:
            return UNKNOWN
        first = values[0]
        if all(v == first for v in values[1:]):
            return first
        return _join(values)

    def _binding(self, name: str, binding: Binding, use: Ctx) -> Value:
        node = binding.value
        if node is None:
            if binding.param:
                frame = use.env.frame(use.scope) if use.env is not None else None
                if frame is None:
                    self._parameter_reads += 1
                    return UNKNOWN
                return frame.get(name)
            if binding.iterable is not None:
                return self._ask("loop_element", binding.iterable, binding.unpack, in_env(binding.ctx, use.env))
            return UNKNOWN
        if isinstance(node, cst.FunctionDef):
            return UserFunction(self.collected.scope_of_node[id(node)])
        if isinstance(node, cst.ClassDef):
            info = self.class_info(node)
            return UserClass(info) if info is not None else UNKNOWN
        value = self.unpack(node, binding.unpack, in_env(binding.ctx, use.env))
        if not binding.unpack:
            if isinstance(node, cst.List) and isinstance(value, Seq):
                value = self._with_appends(name, value, binding, use)
            for domain in self.domains:
                value = domain.rebound(name, value, binding, use)
        return value

    def _with_appends(self, name: str, items: Seq, binding: Binding, use: Ctx) -> Value:
        """A list literal as it is at ``use``: grown by ``name.append(x)``/``name.extend([...])``
        calls that surely ran in between; any other change makes it unknown."""
        if name in self._subscript_stores():
            return UNKNOWN
        sites = self._list_changes().get(name, [])
        start = bisect_left(sites, binding.order + 1, key=lambda site: site.ctx.order)
        for site in sites[start:]:
            if site.ctx.order >= use.order:
                break
            if site.ctx.scope is not use.scope:
                continue
            func = site.node.func  # an attribute: _list_changes keeps ``name.method(...)`` calls only
            method = func.attr.value if isinstance(func, cst.Attribute) else ""
            if method not in ("append", "extend") or not within(site.ctx.path, use.path) or len(site.node.args) != 1:
                return UNKNOWN
            added = self.value(site.node.args[0].value, in_env(site.ctx, use.env))
            if method == "append":
                items = Seq(items.items + (added,))
            elif isinstance(added, Seq):
                items = Seq(items.items + added.items)
            else:
                return UNKNOWN
            if len(items.items) > _MAX_SEQ:
                return UNKNOWN
        return items

    def _list_changes(self) -> Dict[str, List[CallSite]]:
        """``name.append(...)`` and the other list methods that change a list, by name, in textual order."""
        if self._lists is None:
            self._lists = {}
            for site in self.collected.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in LIST_CHANGES and isinstance(func.value, cst.Name):
                    self._lists.setdefault(func.value.value, []).append(site)
        return self._lists

    def _subscript_stores(self) -> FrozenSet[str]:
        """Names whose items are assigned or deleted somewhere (``x[i] = v``, ``del x[i]``)."""
        if self._subscripted is None:
            self._subscripted = frozenset(
                target.value.value
                for target in self.collected.stores
                if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)
            )
        return self._subscripted

    def stored_attribute(self, name: str, attribute: str, ctx: Ctx) -> Optional[Tuple[cst.CSTNode, Ctx]]:
        """The value ``name.attribute = value`` surely stored before ``ctx`` (same scope,
        on the path to it, the last such store), if there is one and no other store of it."""
        found: Optional[Tuple[cst.CSTNode, Ctx]] = None
        for target, value, store in self.collected.attribute_stores:
            if not (isinstance(target.value, cst.Name) and target.value.value == name and target.attr.value == attribute):
                continue
            if store.scope is not ctx.scope or store.order >= ctx.order or not within(store.path, ctx.path):
                return None  # stored elsewhere too: which one holds is not certain
            if value is None:
                return None
            found = (value, in_env(store, ctx.env))
        return found

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
            name = node.attr.value
            method = self.method_scope(scope.cls, name)
            if method is not None and name not in scope.cls.attributes:
                if id(scope.cls.node) in self.derived_classes():
                    return UNKNOWN  # a subclass in this file may override it
                frame = ctx.env.frame(scope) if ctx.env is not None else None
                receiver = frame.get(scope.self_name) if frame is not None else UNKNOWN
                return BoundMethod(method, receiver if receiver != UNKNOWN else Instance(scope.cls))
            return self.attribute_of(scope.cls, name)
        base = self.value(node.value, ctx)
        if isinstance(base, LibRef):
            return LibRef(canonical(f"{base.qualname}.{node.attr.value}"))
        if isinstance(base, ForeignModule) and self.project is not None:
            return self.project.attribute(base, node.attr.value)
        if isinstance(base, Instance):
            method = self.method_scope(base.info, node.attr.value)
            if method is not None:
                return BoundMethod(method, base)
            return self.attribute_of(base.info, node.attr.value)
        return UNKNOWN

    def attribute_of(self, info: ClassInfo, name: str) -> Value:
        """What ``self.name`` holds: every ``self.name = ...`` in the class's methods,
        each on every calling context of its method, must agree."""
        bindings = info.attributes.get(name)
        if not bindings:
            return UNKNOWN
        values: List[Value] = []
        for binding in bindings:
            if binding.value is None:
                return UNKNOWN
            method = binding.ctx.scope
            frames = self.contexts(method) if method.kind == "function" else []
            envs: List[Optional[Env]] = [Env((frame,)) for frame in frames] or [None]
            for env in envs:
                values.append(self.unpack(binding.value, binding.unpack, in_env(binding.ctx, env)))
        return self.agree(values)

    def method_scope(self, info: ClassInfo, name: str) -> Optional[Scope]:
        """The method ``name`` an instance of the class runs (its own, or inherited in this file)."""
        for cls in self.ancestors(info) or [info]:
            if name in cls.methods:
                return cls.methods[name]
        return None

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
            return self.call_returns(callee.scope, node, ctx)
        if isinstance(callee, BoundMethod):
            return self.call_returns(callee.scope, node, ctx, callee.receiver)
        if isinstance(callee, ForeignClass):
            return callee.instance
        if isinstance(callee, ForeignFunction):
            return callee.returns
        found = self._ask("call_value", callee, node, ctx)
        if found is not UNKNOWN:
            return found
        if isinstance(callee, UserClass):
            return Instance(callee.info)
        if isinstance(callee, Instance):
            method = self.method_scope(callee.info, "__call__")
            return self.call_returns(method, node, ctx, callee) if method is not None else UNKNOWN
        if isinstance(func, cst.Attribute):
            return self._ask("method", self.value(func.value, ctx), func.attr.value, node, ctx)
        if isinstance(func, cst.Name) and callee == UNKNOWN and not self.bound_anywhere(func.value):
            return self._ask("builtin", func.value, node, ctx)
        return UNKNOWN

    def returns(self, scope: Scope, env: Optional[Env] = None) -> Value:
        """What every ``return`` of a function (or lambda) agrees on, in the calling context ``env``."""
        if not scope.returns:
            return UNKNOWN
        return self.agree([self.value(node, in_env(ctx, env)) for node, ctx in scope.returns])

    def call_returns(self, scope: Scope, call: cst.Call, ctx: Ctx, receiver: Optional[Value] = None) -> Value:
        """What calling the function (or method, on ``receiver``) ``scope`` at ``call`` returns."""
        if self._call_depth >= _MAX_CALL_DEPTH:
            return UNKNOWN
        self._call_depth += 1
        try:
            frame = self.bind(scope, call, ctx, receiver)
            outer = ctx.env.restrict(scope.parent) if ctx.env is not None and scope.parent is not None else None
            frames = (outer.frames if outer is not None else ()) + (frame,)
            return self.returns(scope, Env(frames))
        finally:
            self._call_depth -= 1

    def instance_of(self, info: ClassInfo) -> Value:
        """What an object of the program's class is, as the domain that models it says."""
        return self._ask("instance", info)

    def exported(self, name: str, binding: Binding, use: Ctx) -> Value:
        """A module-level name as another module imports it: classes by what their
        objects are, functions by what they return."""
        value = self._binding(name, binding, use)
        if isinstance(value, UserClass):
            instance = self.instance_of(value.info)
            return ForeignClass(instance) if instance != UNKNOWN else UNKNOWN
        if isinstance(value, UserFunction):
            frames = self.contexts(value.scope)
            env = Env((frames[0],)) if len(frames) == 1 and frames[0].call is None else None
            returned = self.returns(value.scope, env)
            return ForeignFunction(returned) if returned != UNKNOWN else UNKNOWN
        return value

    # -- calling contexts --------------------------------------------------------
    def bind(self, scope: Scope, call: cst.Call, ctx: Ctx, receiver: Optional[Value] = None) -> Frame:
        """The frame a call binds: arguments by position and keyword, defaults, the receiver as ``self``."""
        params = list(scope.params)
        values: Dict[str, Value] = {}
        if receiver is not None and scope.self_name is not None and params:
            values[params[0].name.value] = receiver
            params = params[1:]
        positional = [p for p in params if p.star == "" and p not in _keyword_only(scope)]
        position = 0
        complete = True  # every argument is accounted for (no ``*args``/``**kwargs`` in the call)
        for arg in call.args:
            if arg.star:
                complete = False
                continue
            if arg.keyword is not None:
                values.setdefault(arg.keyword.value, self.value(arg.value, ctx))
            elif position < len(positional):
                values[positional[position].name.value] = self.value(arg.value, ctx)
                position += 1
        for param in params:
            name = param.name.value
            if name in values or param.star != "":
                continue
            if param.default is not None and complete and scope.def_ctx is not None:
                values[name] = self.value(param.default, scope.def_ctx)
        return Frame(scope, tuple(sorted(values.items())), Site(call))

    def contexts(self, scope: Scope) -> List[Frame]:
        """Every calling context of a function in this file: one frame per call site
        (at most a few), or its defaults when the file never calls it."""
        key = id(scope)
        if key in self._contexts:
            return self._contexts[key]
        self._contexts[key] = []  # a call path through itself reads as no context
        frames: List[Frame] = []
        calls = self._calls().get(key, [])
        if len(calls) > _MAX_CONTEXTS:
            frames = []
        elif calls:
            for site, receiver in calls:
                frames.append(self.bind(scope, site.node, site.ctx, receiver))
        elif scope.params and scope.def_ctx is not None:
            defaults = tuple(
                sorted(
                    (p.name.value, self.value(p.default, scope.def_ctx))
                    for p in scope.params
                    if p.default is not None and p.star == ""
                )
            )
            if defaults:
                frames = [Frame(scope, defaults)]
        self._contexts[key] = frames
        return frames

    def _calls(self) -> Dict[int, List[Tuple[CallSite, Optional[Value]]]]:
        """The file's calls of its own functions and methods, by the scope they run
        (with the receiver a method is called on)."""
        if self._calls_of is None:
            found: Dict[int, List[Tuple[CallSite, Optional[Value]]]] = {}
            for site in self.collected.calls:
                callee = self._static_callee(site.node.func, site.ctx)
                if callee is not None:
                    scope, receiver = callee
                    found.setdefault(id(scope), []).append((site, receiver))
            self._calls_of = found
        return self._calls_of

    def _static_callee(self, func: cst.BaseExpression, ctx: Ctx) -> Optional[Tuple[Scope, Optional[Value]]]:
        """The function (and receiver) a call runs, read from the definitions alone:
        ``f(...)``, ``C(...)`` (its ``__init__``), ``self.m(...)``, ``obj.m(...)`` with
        ``obj = C(...)``.  No value is evaluated, so that finding the calling contexts
        never depends on them."""
        if isinstance(func, cst.Name):
            definition = self._definition(func.value, ctx)
            if isinstance(definition, cst.FunctionDef):
                return self.collected.scope_of_node[id(definition)], None
            if isinstance(definition, cst.ClassDef):
                info = self.class_info(definition)
                init = self.method_scope(info, "__init__") if info is not None else None
                return (init, Instance(info)) if init is not None and info is not None else None
            return None
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        scope, name = ctx.scope, func.value.value
        info = None
        if scope.cls is not None and name == scope.self_name and scope.kind == "function":
            if id(scope.cls.node) in self.derived_classes():
                return None
            info = scope.cls
        else:
            bound = self._definition(name, ctx)
            if isinstance(bound, cst.Call) and isinstance(bound.func, cst.Name):
                cls = self._definition(bound.func.value, ctx)
                info = self.class_info(cls) if isinstance(cls, cst.ClassDef) else None
        if info is None:
            return None
        method = self.method_scope(info, func.attr.value)
        return (method, Instance(info)) if method is not None else None

    def _definition(self, name: str, ctx: Ctx) -> Optional[cst.CSTNode]:
        """The one node a name is bound to where ``ctx`` reads it, if there is exactly one."""
        scope: Optional[Scope] = ctx.scope
        first = True
        while scope is not None:
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            bindings = scope.bindings.get(name)
            if bindings:
                found = self.reaching(bindings, ctx) if first else list(bindings)
                if len(found) != 1 or found[0].unpack:
                    return None
                return found[0].value
            scope = scope.parent
            first = False
        return None

    def calls_of(self, scope: Scope) -> List[CallSite]:
        """The calls in this file of the function (or method) ``scope``."""
        return [site for site, _ in self._calls().get(id(scope), [])]

    def call_contexts(self, ctx: Ctx) -> List[Ctx]:
        """``ctx`` on each calling context of its function (for extractors that report
        per call path); empty when its function has none."""
        scope: Optional[Scope] = ctx.scope
        while scope is not None and scope.kind == "class":
            scope = scope.parent
        if scope is None or scope.kind != "function":
            return []
        return [in_env(ctx, Env((frame,))) for frame in self.contexts(scope)]

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


def _keyword_only(scope: Scope) -> List[cst.Param]:
    node = scope.node
    params = getattr(node, "params", None)
    return list(params.kwonly_params) if params is not None else []


def _join(values: List[Value]) -> Value:
    """Models or tensors that differ only in what their shared activation's head says besides the activation."""
    first = values[0]
    if not isinstance(first, (Model, Tensor)) or not first.head.known:
        return UNKNOWN
    heads: List[Head] = []
    compiled = getattr(first, "compiled", None)
    for value in values:
        if type(value) is not type(first) or value.head.activation != first.head.activation:
            return UNKNOWN
        if isinstance(value, Model) and value.compiled != compiled:
            compiled = None  # compiled differently, or not at all, on some path: the loss is not known
        if replace(value, head=first.head, **_same_compile(value, first)) != first:
            return UNKNOWN  # they differ in more than the head
        heads.append(value.head)

    def same(attribute: str):  # noqa: ANN202
        seen = {id(getattr(h, attribute)) if isinstance(getattr(h, attribute), Site) else getattr(h, attribute) for h in heads}
        return getattr(heads[0], attribute) if len(seen) == 1 else None

    joined = Head(
        first.head.activation,
        same("units"),
        same("activation_site"),
        same("via"),
        first.head.after if all(h.after == first.head.after for h in heads) else (),
        same("units_site"),
        same("axis"),
    )
    if isinstance(first, Model):
        return replace(first, head=joined, compiled=compiled)
    return replace(first, head=joined)


def _same_compile(value: Value, first: Value) -> Dict[str, Any]:
    return {"compiled": first.compiled} if isinstance(value, Model) and isinstance(first, Model) else {}


def _keras_of(tensorflow: Optional[str]) -> Optional[str]:
    """The Keras that ``tf.keras`` is for a TensorFlow version (2.16 moved to Keras 3)."""
    if tensorflow is None:
        return None
    parts = tuple(int(p) for p in tensorflow.split(".")[:2] if p.isdigit())
    if parts < (2, 0):
        return "2.2.4"
    return "2.15.0" if parts < (2, 16) else "3.0.0"
