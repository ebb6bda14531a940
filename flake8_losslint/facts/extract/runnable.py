"""A user-defined loss, cut out of its module as text, so that a runtime probe can run it alone.

Only the runtime's user-code mode (``--losslint-runtime-user-code``) ever runs it.
What is cut out is only:

- the loss itself, without decorators (a decorator is arbitrary code): a
  top-level ``def``; the ``call`` of a top-level ``keras.losses.Loss``
  subclass (the class, instantiated with no arguments); a lambda; or a
  ``def`` nested in a top-level factory, when the program calls that factory
  with literal arguments only (``loss=weighted_crossentropy([1.0, 2.0])``):
  then the factory runs, with those arguments, and must return the loss;
- the module's top-level ``import`` statements that bind a name the code uses
  *and* come from a library on ``LIBRARIES`` (never the program's own packages,
  whose import would run their code);
- the module's top-level assignments of a plain literal (``NUM_CLASSES = 21``)
  to a name the code uses.

A loss that needs more fails with a NameError inside the probe, and its finding
keeps its static message.
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional, Set

import libcst as cst

from ...interp.evaluator import Evaluator
from ...syntax.collect import Scope
from ...syntax.walk import walk
from ..model import RunnableLoss

LIBRARIES = frozenset({"tensorflow", "keras", "tf_keras", "numpy", "math", "functools"})
LAMBDA_NAME = "losslint_lambda"


class Cutter:
    """Cuts the program's losses out of one module."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        module = ev.collected.module_scope.node if ev.collected.module_scope is not None else None
        self.module: cst.Module = module if isinstance(module, cst.Module) else cst.Module(body=[])

    def loss(self, scope: Scope) -> Optional[RunnableLoss]:
        """The function (or lambda) ``scope`` as a loss that runs on its own, or None."""
        try:
            return self._loss(scope)
        except (RecursionError, ValueError):
            return None

    def _loss(self, scope: Scope) -> Optional[RunnableLoss]:
        node = scope.node
        if isinstance(node, cst.Lambda):
            text = f"{LAMBDA_NAME} = {self.module.code_for_node(node)}"
            return self._cut([node], "<lambda>", LAMBDA_NAME, "function", text)
        if not isinstance(node, cst.FunctionDef) or isinstance(node.asynchronous, cst.Asynchronous):
            return None
        owner = scope.parent
        if owner is None:
            return None
        if owner.kind == "module":
            bare = node.with_changes(decorators=[], leading_lines=[])
            return self._cut([bare], node.name.value, node.name.value, "function")
        if owner.kind == "class" and node.name.value == "call" and owner.cls is not None:
            cls = owner.cls.node
            if owner.parent is None or owner.parent.kind != "module" or not _no_required_init(cls):
                return None
            bare_class = cls.with_changes(decorators=[], leading_lines=[])
            return self._cut([bare_class], cls.name.value, f"{cls.name.value}()", "loss_class")
        factory = owner.node
        if owner.kind == "function" and isinstance(factory, cst.FunctionDef) and owner.parent is not None and owner.parent.kind == "module":
            call = self._factory_call(owner)
            if call is not None:
                bare_factory = factory.with_changes(decorators=[], leading_lines=[])
                return self._cut([bare_factory, call], node.name.value, self.module.code_for_node(call), "function")
            bare = node.with_changes(decorators=[], leading_lines=[])  # its free names will be missing
            return self._cut([bare], node.name.value, node.name.value, "function")
        return None

    def _factory_call(self, factory: Scope) -> Optional[cst.Call]:
        """The one call of ``factory`` in the program whose arguments are all literals."""
        found: Dict[str, cst.Call] = {}
        for site in self.ev.calls_of(factory):
            call = site.node
            if any(arg.star for arg in call.args):
                return None
            if all(_literal(self.module, arg.value) is not None for arg in call.args):
                found.setdefault(self.module.code_for_node(call), call)
        return next(iter(found.values())) if len(found) == 1 else None

    def _cut(
        self, nodes: List[cst.CSTNode], name: str, entry: str, kind: str, text: Optional[str] = None
    ) -> RunnableLoss:
        wanted = _used(*nodes)
        imports: List[str] = []
        constants: List[str] = []
        numbers: List[int] = []
        for statement in self.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                bound = _bound_names(small)
                if bound:
                    if set(bound) & wanted and all(root in LIBRARIES for root in bound.values()):
                        imports.append(self.module.code_for_node(cst.SimpleStatementLine(body=[small])).strip())
                    continue
                target = _constant_target(small)
                if target is None or target not in wanted:
                    continue
                # _constant_target named an assignment with a value.
                value = _literal(self.module, small.value)  # type: ignore[attr-defined]
                if value is None:
                    continue
                constants.append(f"{target} = {value!r}")
                if type(value) is int:
                    numbers.append(value)
        code = [text if text is not None else self.module.code_for_node(nodes[0])]
        source = "\n".join(imports + constants + [""] + code)
        return RunnableLoss(name, source, entry, kind, tuple(numbers))


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _used(*nodes: cst.CSTNode) -> Set[str]:
    wanted = _Names()
    for node in nodes:
        walk(node, wanted)  # the same visits, without rebuilding the tree
    return wanted.names


def _root(node: cst.BaseExpression) -> str:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def _bound_names(stmt: cst.BaseSmallStatement) -> Dict[str, str]:
    """name bound by an import statement -> the top-level package it comes from."""
    bound: Dict[str, str] = {}
    if isinstance(stmt, cst.Import):
        for alias in stmt.names:
            root = _root(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound[alias.asname.name.value] = root
            else:
                bound[root] = root
    elif isinstance(stmt, cst.ImportFrom) and stmt.module is not None and not stmt.relative:
        root = _root(stmt.module)
        if isinstance(stmt.names, cst.ImportStar):
            return {}
        for alias in stmt.names:
            name = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(name, cst.Name):
                bound[name.value] = root
    return bound


def _literal(module: cst.Module, node: cst.CSTNode) -> Optional[Any]:
    """The value of a plain literal expression (``21``, ``(1.0, 2.0)``, ``-3``), else None."""
    try:
        return ast.literal_eval(module.code_for_node(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _constant_target(small: cst.BaseSmallStatement) -> Optional[str]:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value
    if isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
        return small.target.value
    return None


def _no_required_init(cls: cst.ClassDef) -> bool:
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            params = statement.params
            required = [p for p in list(params.posonly_params) + list(params.params)[1:] if p.default is None]
            return not required and not any(p.default is None for p in params.kwonly_params)
    return True
