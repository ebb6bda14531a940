"""The one pass over the syntax tree.

It records, in source order, what the evaluator needs and nothing more:
imports, name bindings per scope (with the block they sit in, so that a
binding inside an ``if`` is known to be conditional), calls, ``return``
values, classes and their ``self.x = ...`` attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from .names import ImportTable, dotted_name
from .walk import walk

Path = Tuple[int, ...]


class Scope:
    """A module, function or class body."""

    __slots__ = ("kind", "parent", "node", "bindings", "returns", "self_name", "cls", "params", "def_ctx")

    def __init__(self, kind: str, parent: Optional["Scope"], node: cst.CSTNode) -> None:
        self.kind = kind  # "module" | "function" | "class"
        self.parent = parent
        self.node = node
        self.bindings: Dict[str, List[Binding]] = {}
        self.returns: List[Tuple[cst.BaseExpression, Ctx]] = []
        self.self_name: Optional[str] = None  # first parameter of a method
        self.cls: Optional[ClassInfo] = None  # the class a method belongs to
        # A function or lambda: its parameters in order (positional-only, positional,
        # then ``*args``, keyword-only, ``**kwargs``), and where its defaults are evaluated.
        self.params: List[cst.Param] = []
        self.def_ctx: Optional[Ctx] = None

    def is_within(self, other: "Scope") -> bool:
        """This scope is ``other`` or nested in it."""
        scope: Optional[Scope] = self
        while scope is not None:
            if scope is other:
                return True
            scope = scope.parent
        return False


@dataclass(frozen=True)
class Ctx:
    """Where an expression is evaluated: scope, textual order, enclosing blocks."""

    scope: Scope
    order: int
    path: Path
    # The interpreter's calling context (``interp.evaluator.Env``): the values the
    # parameters of enclosing functions hold on one call path.  None: unknown.
    env: Any = None


def within(block: Path, path: Path) -> bool:
    """Whether code at ``path`` lies inside the block ``block`` (or at its level)."""
    return path[: len(block)] == block


@dataclass(frozen=True)
class Binding:
    """``name = value`` (``value`` None when it cannot be known, e.g. a loop target).

    ``unpack`` is the index path into the value for ``a, (b, c) = value``.
    ``ctx`` is where ``value`` is evaluated.
    """

    order: int
    path: Path
    value: Optional[cst.CSTNode]
    ctx: Ctx
    unpack: Tuple[int, ...] = ()
    iterable: Optional[cst.CSTNode] = None  # ``for target in iterable``: value is None
    param: bool = False  # a parameter of the function (its value comes from the calls)


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    ctx: Ctx  # where the bases are evaluated
    methods: Dict[str, Scope] = field(default_factory=dict)
    attributes: Dict[str, List[Binding]] = field(default_factory=dict)


@dataclass(frozen=True)
class CallSite:
    node: cst.Call
    ctx: Ctx


class DottedAttribute(NamedTuple):
    """A dotted attribute chain (``tf.keras.losses.x``) and its text, read once here
    for the three readers of every chain in a file."""

    node: cst.Attribute
    text: str
    ctx: Ctx
    guarded: bool  # under a guard: a try catching AttributeError/ImportError, a version test


@dataclass(frozen=True)
class WithBlock:
    """A ``with`` statement: code in its scope whose order is after ``ctx.order`` and at most
    ``end`` is written inside it (its items included)."""

    node: cst.With
    ctx: Ctx  # where its items are evaluated
    end: int

    def contains(self, ctx: Ctx) -> bool:
        return self.ctx.order < ctx.order <= self.end


class Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.imports = ImportTable()
        self.module_scope: Optional[Scope] = None
        self.calls: List[CallSite] = []
        # id(FunctionDef/ClassDef node) -> the scope of its body
        self.scope_of_node: Dict[int, Scope] = {}
        self._scope: Optional[Scope] = None
        self._path: Path = ()
        self._saved_paths: List[Path] = []
        self._order = 0
        self._next_block = 0
        self._rhs_ctx: List[Ctx] = []
        # Stores into an existing object: ``obj.attr = v`` (outside obj's own
        # methods), ``obj[i] = v``, ``del obj[i]``.  A model changed after it
        # was built (a replaced head) no longer outputs what its definition says.
        self.stores: List[cst.BaseExpression] = []
        # Dotted attribute chains (``tf.keras.losses.x``, sub-chains included)
        # and ``from m import x`` statements, each with whether it sits under a
        # guard (a try that catches AttributeError/ImportError, an if on a
        # version or ``hasattr``): where code probes for an API on purpose.
        self.dotted_attributes: List[DottedAttribute] = []
        self.import_froms: List[Tuple[cst.ImportFrom, bool]] = []
        # ``a.b.c = ...`` targets, as dotted text: a name a program puts on a module exists.
        self.assigned_attributes: Set[str] = set()
        # ``obj.attr = value`` outside obj's own methods: (target, value or None, ctx).
        self.attribute_stores: List[Tuple[cst.Attribute, Optional[cst.CSTNode], Ctx]] = []
        self._guards: List[bool] = []
        self._ifs: List[cst.If] = []
        # ``if`` statements that test a version: [node, ctx, body block, else block (or None)];
        # the interpreter decides which block cannot run on the target version.
        self.version_tests: List[List[Any]] = []
        self._version_test: Dict[int, List[Any]] = {}
        # ``with`` statements, in the order they end (PyTorch's autocast regions).
        self.withs: List[WithBlock] = []
        self._with_starts: List[Ctx] = []

    # -- bookkeeping ---------------------------------------------------------
    def _tick(self) -> int:
        self._order += 1
        return self._order

    def ctx(self) -> Ctx:
        assert self._scope is not None
        return Ctx(self._scope, self._tick(), self._path)

    def _push_block(self) -> None:
        self._next_block += 1
        self._path = self._path + (self._next_block,)

    def _pop_block(self) -> None:
        self._path = self._path[:-1]

    # -- scopes --------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self.module_scope = self._scope = Scope("module", None, node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self._scope
        assert outer is not None
        self._bind_name(node.name.value, node, self.ctx())
        scope = Scope("function", outer, node)
        self.scope_of_node[id(node)] = scope
        params = [p.name.value for p in node.params.params] + [
            p.name.value for p in node.params.posonly_params
        ]
        if outer.kind == "class" and outer.cls is not None:
            scope.cls = outer.cls
            if params:
                scope.self_name = params[0]
            outer.cls.methods[node.name.value] = scope
        self._saved_paths.append(self._path)
        self._scope, self._path = scope, ()
        start = self.ctx()
        scope.def_ctx = Ctx(outer, start.order, self._saved_paths[-1])
        scope.params = _params(node.params)
        for param in scope.params:
            self._bind_name(param.name.value, None, start, param=True)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        assert self._scope is not None
        self._scope = self._scope.parent
        self._path = self._saved_paths.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self._scope
        assert outer is not None
        here = self.ctx()
        info = ClassInfo(node=node, ctx=here)
        self._bind_name(node.name.value, node, here)
        scope = Scope("class", outer, node)
        scope.cls = info
        self.scope_of_node[id(node)] = scope
        self._saved_paths.append(self._path)
        self._scope, self._path = scope, ()

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        assert self._scope is not None
        self._scope = self._scope.parent
        self._path = self._saved_paths.pop()

    # Lambdas and comprehensions have scopes of their own: their parameters
    # and loop variables must not resolve to outer bindings of the same name.
    def _enter_inner_scope(self, node: cst.CSTNode, names: List[str], params: bool = False) -> None:
        assert self._scope is not None
        scope = Scope("function", self._scope, node)
        self._saved_paths.append(self._path)
        self._scope, self._path = scope, ()
        start = self.ctx()
        for name in names:
            self._bind_name(name, None, start, param=params)

    def _leave_inner_scope(self) -> None:
        assert self._scope is not None
        self._scope = self._scope.parent
        self._path = self._saved_paths.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        every = _params(node.params)
        outer = self._scope
        self._enter_inner_scope(node, [p.name.value for p in every], params=True)
        assert self._scope is not None and outer is not None
        self._scope.params = every
        self._scope.def_ctx = Ctx(outer, self._order, self._saved_paths[-1])
        # A lambda is a function whose body is what it returns.
        self.scope_of_node[id(node)] = self._scope
        self._scope.returns.append((node.body, self.ctx()))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._leave_inner_scope()

    def _visit_comprehension(self, node: cst.CSTNode) -> None:
        names: List[str] = []
        comp = getattr(node, "for_in", None)
        while comp is not None:
            names.extend(_target_names(comp.target))
            comp = comp.inner_for_in
        self._enter_inner_scope(node, names)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_inner_scope()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave_inner_scope()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_inner_scope()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_inner_scope()

    # -- blocks that may not run -------------------------------------------
    def visit_If_body(self, node: cst.If) -> None:
        self._push_block()
        test = self._version_test.get(id(node))
        if test is not None:
            test[2] = self._path[-1]

    def leave_If_body(self, node: cst.If) -> None:
        self._pop_block()

    def visit_Else(self, node: cst.Else) -> None:
        self._push_block()
        if self._ifs and self._ifs[-1].orelse is node:
            test = self._version_test.get(id(self._ifs[-1]))
            if test is not None:
                test[3] = self._path[-1]

    def leave_Else(self, original_node: cst.Else) -> None:
        self._pop_block()

    def visit_For_body(self, node: cst.For) -> None:
        self._push_block()
        self._bind_target(node.target, None, self.ctx(), iterable=node.iter)

    def leave_For_body(self, node: cst.For) -> None:
        self._pop_block()

    def visit_While_body(self, node: cst.While) -> None:
        self._push_block()

    def leave_While_body(self, node: cst.While) -> None:
        self._pop_block()

    def visit_Try_body(self, node: cst.Try) -> None:
        self._push_block()

    def leave_Try_body(self, node: cst.Try) -> None:
        self._pop_block()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._push_block()

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._pop_block()

    def visit_TryStar_body(self, node: cst.CSTNode) -> None:
        self._push_block()

    def leave_TryStar_body(self, node: cst.CSTNode) -> None:
        self._pop_block()

    def visit_ExceptStarHandler(self, node: cst.CSTNode) -> None:
        self._push_block()

    def leave_ExceptStarHandler(self, original_node: cst.CSTNode) -> None:
        self._pop_block()

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        self._push_block()

    def leave_MatchCase(self, original_node: cst.MatchCase) -> None:
        self._pop_block()

    # -- imports -------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        self.imports.visit_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.imports.visit_import_from(node)
        self.import_froms.append((node, any(self._guards)))

    # -- API probes and attribute chains -----------------------------------
    def visit_Try(self, node: cst.Try) -> None:
        self._guards.append(any(_catches_missing_api(h.type) for h in node.handlers))

    def leave_Try(self, original_node: cst.Try) -> None:
        self._guards.pop()

    def visit_If(self, node: cst.If) -> None:
        probes = _probes_version(node.test)
        self._guards.append(probes)
        self._ifs.append(node)
        if probes:
            record: List[Any] = [node, self.ctx(), None, None]
            self._version_test[id(node)] = record
            self.version_tests.append(record)

    def leave_If(self, original_node: cst.If) -> None:
        self._guards.pop()
        self._ifs.pop()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._scope is None:
            return
        text = dotted_name(node)
        if text is not None:
            self.dotted_attributes.append(DottedAttribute(node, text, self.ctx(), any(self._guards)))

    # -- bindings ------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        self._rhs_ctx.append(self.ctx())

    def leave_Assign(self, original_node: cst.Assign) -> None:
        rhs = self._rhs_ctx.pop()
        for target in original_node.targets:
            self._bind_target(target.target, original_node.value, rhs)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._rhs_ctx.append(self.ctx())

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        rhs = self._rhs_ctx.pop()
        if original_node.value is not None:
            self._bind_target(original_node.target, original_node.value, rhs)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        self._bind_target(original_node.target, None, self.ctx())

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        self._bind_target(original_node.target, original_node.value, self.ctx())

    def visit_With(self, node: cst.With) -> None:
        self._with_starts.append(self.ctx())

    def leave_With(self, original_node: cst.With) -> None:
        self.withs.append(WithBlock(original_node, self._with_starts.pop(), self._order))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None, self.ctx())

    def _bind_target(
        self,
        target: cst.BaseExpression,
        value: Optional[cst.CSTNode],
        rhs: Ctx,
        unpack: Tuple[int, ...] = (),
        iterable: Optional[cst.CSTNode] = None,
    ) -> None:
        if isinstance(target, cst.Name):
            self._bind_name(target.value, value, rhs, unpack, iterable)
        elif isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(el, cst.StarredElement) for el in target.elements)
            for index, element in enumerate(target.elements):
                inner = value if not starred else None
                self._bind_target(
                    element.value, inner, rhs, unpack + (index,), iterable if not starred else None
                )
        elif isinstance(target, cst.Attribute):
            dotted = dotted_name(target)
            if dotted is not None:
                self.assigned_attributes.add(dotted)
            self._bind_attribute(target, value, rhs, unpack)
        elif isinstance(target, cst.Subscript):
            self.stores.append(target)

    def _bind_name(
        self,
        name: str,
        value: Optional[cst.CSTNode],
        rhs: Ctx,
        unpack: Tuple[int, ...] = (),
        iterable: Optional[cst.CSTNode] = None,
        param: bool = False,
    ) -> None:
        assert self._scope is not None
        binding = Binding(self._tick(), self._path, value, rhs, unpack, iterable, param)
        self._scope.bindings.setdefault(name, []).append(binding)

    def _bind_attribute(
        self,
        target: cst.Attribute,
        value: Optional[cst.CSTNode],
        rhs: Ctx,
        unpack: Tuple[int, ...],
    ) -> None:
        scope = self._scope
        if (
            scope is None
            or scope.cls is None
            or scope.self_name is None
            or not isinstance(target.value, cst.Name)
            or target.value.value != scope.self_name
        ):
            self.stores.append(target)
            self.attribute_stores.append((target, value if not unpack else None, rhs))
            return
        binding = Binding(self._tick(), self._path, value, rhs, unpack)
        scope.cls.attributes.setdefault(target.attr.value, []).append(binding)

    def visit_Del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, (cst.Tuple, cst.List)) else ()
        for target in [el.value for el in targets] or [node.target]:
            if isinstance(target, (cst.Attribute, cst.Subscript)):
                self.stores.append(target)

    # -- uses ----------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(CallSite(node, self.ctx()))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self._scope is not None:
            self._scope.returns.append((node.value, self.ctx()))


def _params(params: cst.Parameters) -> List[cst.Param]:
    """Every parameter, in the order ``Scope.params`` documents."""
    every = list(params.posonly_params) + list(params.params)
    if isinstance(params.star_arg, cst.Param):
        every.append(params.star_arg)
    every.extend(params.kwonly_params)
    if isinstance(params.star_kwarg, cst.Param):
        every.append(params.star_kwarg)
    return every


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[str] = []
        for element in target.elements:
            names.extend(_target_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []

_MISSING_API_ERRORS = {"AttributeError", "ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_missing_api(caught: Optional[cst.BaseExpression]) -> bool:
    if caught is None:  # a bare ``except:``
        return True
    if isinstance(caught, cst.Tuple):
        return any(_catches_missing_api(el.value) for el in caught.elements)
    dotted = dotted_name(caught)
    return dotted is not None and dotted.rsplit(".", 1)[-1] in _MISSING_API_ERRORS


def _probes_version(test: cst.BaseExpression) -> bool:
    """``if tf.__version__ ...``, ``if hasattr(tf.nn, ...)``, ``if TF2:``: code written for two versions."""
    # ``walk``, not ``node.children``: LibCST builds the children list by rebuilding the node.
    probe = _VersionProbe()
    walk(test, probe)
    return probe.found


class _VersionProbe(cst.CSTVisitor):
    """Whether any name in an expression speaks of a version or probes for an API."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        word = node.value.lower()
        if "version" in word or word in ("hasattr", "getattr") or "tf1" in word or "tf2" in word:
            self.found = True
        elif "ver" in word.split("_"):  # tf_ver, TF_VER
            self.found = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if "version" in node.attr.value.lower():
            self.found = True


def collect(module: cst.Module) -> Collector:
    collector = Collector()
    # Same visitor calls as ``module.visit(collector)``, without rebuilding the tree.
    walk(module, collector)
    return collector
