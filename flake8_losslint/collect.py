"""The one pass over the syntax tree.

It records, in source order, what the evaluator needs and nothing more:
imports, name bindings per scope (with the block they sit in, so that a
binding inside an ``if`` is known to be conditional), calls, ``return``
values, classes and their ``self.x = ...`` attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from .names import ImportTable
from .walk import walk

Path = Tuple[int, ...]


class Scope:
    """A module, function or class body."""

    __slots__ = ("kind", "parent", "node", "bindings", "returns", "self_name", "cls")

    def __init__(self, kind: str, parent: Optional["Scope"], node: cst.CSTNode) -> None:
        self.kind = kind  # "module" | "function" | "class"
        self.parent = parent
        self.node = node
        self.bindings: Dict[str, List[Binding]] = {}
        self.returns: List[Tuple[cst.BaseExpression, Ctx]] = []
        self.self_name: Optional[str] = None  # first parameter of a method
        self.cls: Optional[ClassInfo] = None  # the class a method belongs to


@dataclass(frozen=True)
class Ctx:
    """Where an expression is evaluated: scope, textual order, enclosing blocks."""

    scope: Scope
    order: int
    path: Path


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


@dataclass
class ClassInfo:
    node: cst.ClassDef
    ctx: Ctx  # where the bases are evaluated
    methods: Dict[str, Scope] = field(default_factory=dict)
    attributes: Dict[str, List[Binding]] = field(default_factory=dict)


@dataclass(frozen=True)
class CallSite:
    node: cst.Call
    ctx: Ctx


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
        every = (
            list(node.params.posonly_params)
            + list(node.params.params)
            + list(node.params.kwonly_params)
        )
        for extra in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            self._bind_name(param.name.value, None, start)

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

    # -- blocks that may not run -------------------------------------------
    def visit_If_body(self, node: cst.If) -> None:
        self._push_block()

    def leave_If_body(self, node: cst.If) -> None:
        self._pop_block()

    def visit_Else(self, node: cst.Else) -> None:
        self._push_block()

    def leave_Else(self, original_node: cst.Else) -> None:
        self._pop_block()

    def visit_For_body(self, node: cst.For) -> None:
        self._push_block()
        self._bind_target(node.target, None, self.ctx())

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

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None, self.ctx())

    def _bind_target(
        self,
        target: cst.BaseExpression,
        value: Optional[cst.CSTNode],
        rhs: Ctx,
        unpack: Tuple[int, ...] = (),
    ) -> None:
        if isinstance(target, cst.Name):
            self._bind_name(target.value, value, rhs, unpack)
        elif isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(el, cst.StarredElement) for el in target.elements)
            for index, element in enumerate(target.elements):
                inner = value if not starred else None
                self._bind_target(element.value, inner, rhs, unpack + (index,))
        elif isinstance(target, cst.Attribute):
            self._bind_attribute(target, value, rhs, unpack)

    def _bind_name(
        self, name: str, value: Optional[cst.CSTNode], rhs: Ctx, unpack: Tuple[int, ...] = ()
    ) -> None:
        assert self._scope is not None
        binding = Binding(self._tick(), self._path, value, rhs, unpack)
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
            return
        binding = Binding(self._tick(), self._path, value, rhs, unpack)
        scope.cls.attributes.setdefault(target.attr.value, []).append(binding)

    # -- uses ----------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(CallSite(node, self.ctx()))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self._scope is not None:
            self._scope.returns.append((node.value, self.ctx()))


def collect(module: cst.Module) -> Collector:
    collector = Collector()
    # Same visitor calls as ``module.visit(collector)``, without rebuilding the tree.
    walk(module, collector)
    return collector
