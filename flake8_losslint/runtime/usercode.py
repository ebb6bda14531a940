"""A user-defined loss, cut out of its module so that a probe can run it on its own.

Running user code is a separate opt-in (``--losslint-runtime-user-code``).
What is run is only:

- the loss itself, without decorators (a decorator is arbitrary code): a
  top-level ``def``; the ``call`` of a top-level ``keras.losses.Loss``
  subclass (the class body, instantiated with no arguments); a lambda; or a
  ``def`` nested in a top-level factory, when the program calls that factory
  with literal arguments only (``loss=weighted_crossentropy([1.0, 2.0])``):
  then the factory runs, with those arguments, and must return the loss;
- the module's top-level ``import`` statements that bind a name the code uses
  *and* come from a library on ``LIBRARIES`` (never the user's own packages,
  whose import would run their code);
- the module's top-level assignments of a plain literal (``NUM_CLASSES = 21``)
  to a name the code uses.

Nothing else of the module: no other statement, class or helper.  A loss that
needs more fails with a NameError inside the probe, and its finding keeps its
static message.

Transitional: the facts do not yet carry the loss's definition, so
``Program.runnable`` finds it from the fact's site in the parsed module.
When a fact has a ``runnable`` field (see docs/runtime.md, "User-defined
losses"), that is used instead and this lookup goes.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Any, Dict, List, Optional, Set, Union

import libcst as cst

from ..facts import InnerLossCall, LossSignature, LossUse, ScalarLossReturn, UnguardedLog

LIBRARIES = frozenset({"tensorflow", "keras", "tf_keras", "numpy", "math", "functools"})

LAMBDA_NAME = "losslint_lambda"

Runnable = Dict[str, Any]  # {"name", "source", "entry", "kind": "function"|"loss_class", "constants": [int]}


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _Parents(cst.CSTVisitor):
    """Every node's parent, and every call, in one pass."""

    def __init__(self) -> None:
        self.parents: Dict[int, cst.CSTNode] = {}
        self.calls: List[cst.Call] = []
        self.stack: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parents[id(node)] = self.stack[-1]
        self.stack.append(node)
        if isinstance(node, cst.Call):
            self.calls.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


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


def _used(*nodes: cst.CSTNode) -> Set[str]:
    wanted = _Names()
    for node in nodes:
        node.visit(wanted)
    return wanted.names


class Program:
    """The parsed module a finding comes from, and the user-defined losses in it."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._index: Optional[_Parents] = None

    @property
    def index(self) -> _Parents:
        if self._index is None:
            self._index = _Parents()
            self.module.visit(self._index)
        return self._index

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.index.parents.get(id(node))

    def runnable(self, fact: Any) -> Optional[Runnable]:
        """The loss a fact is about, ready to run on its own, or None when it cannot be cut out."""
        direct = getattr(fact, "runnable", None)
        if direct is not None:  # a fact that carries its definition (see the module docstring)
            fields = dataclasses.asdict(direct) if dataclasses.is_dataclass(direct) else dict(direct)
            return dict(fields, constants=list(fields.get("constants", ())))
        try:
            return self._runnable(fact)
        except (RecursionError, ValueError):
            return None

    def _runnable(self, fact: Any) -> Optional[Runnable]:
        if isinstance(fact, LossSignature):
            anchor = fact.definition_site.node
            if isinstance(anchor, cst.Lambda):
                return self._lambda(anchor)
            definition = self.parent(anchor)
        elif isinstance(fact, (UnguardedLog, ScalarLossReturn, InnerLossCall)):
            definition = self._enclosing(fact.site.node)
        elif isinstance(fact, LossUse):
            return self._thin(fact)
        else:
            return None
        if not isinstance(definition, cst.FunctionDef) or isinstance(definition.asynchronous, cst.Asynchronous):
            return None
        return self._definition(definition)

    def _thin(self, use: LossUse) -> Optional[Runnable]:
        """The thin custom loss a LossUse's loss comes from: ``def f(y_true, y_pred): return loss(...)``
        (or a lambda) whose returned call is the loss the fact describes."""
        call = use.loss.site.node
        holder = self.parent(call)
        if isinstance(holder, cst.Lambda) and holder.body is call:
            return self._lambda(holder)
        if not isinstance(holder, cst.Return) or holder.value is not call:
            return None
        definition = self._enclosing(holder)
        if not isinstance(definition, cst.FunctionDef) or isinstance(definition.asynchronous, cst.Asynchronous):
            return None
        return self._definition(definition)

    def _enclosing(self, node: cst.CSTNode) -> Optional[Union[cst.FunctionDef, cst.Lambda]]:
        current = self.parent(node)
        while current is not None and not isinstance(current, (cst.FunctionDef, cst.Lambda)):
            current = self.parent(current)
        return current  # type: ignore[return-value]

    def _owner(self, definition: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The statement that holds ``definition``: the module, a class or a function."""
        current = self.parent(definition)
        while current is not None and not isinstance(current, (cst.Module, cst.ClassDef, cst.FunctionDef)):
            current = self.parent(current)
        return current

    def _definition(self, definition: cst.FunctionDef) -> Optional[Runnable]:
        owner = self._owner(definition)
        if isinstance(owner, cst.Module):
            bare = definition.with_changes(decorators=[], leading_lines=[])
            return self._cut([bare], definition.name.value, definition.name.value, "function")
        if isinstance(owner, cst.ClassDef) and definition.name.value == "call":
            if not isinstance(self._owner(owner), cst.Module) or not self._no_required_init(owner):
                return None
            bare = owner.with_changes(decorators=[], leading_lines=[])
            name = owner.name.value
            return self._cut([bare], name, f"{name}()", "loss_class")
        if isinstance(owner, cst.FunctionDef) and isinstance(self._owner(owner), cst.Module):
            call = self._factory_call(owner)
            if call is not None:
                bare = owner.with_changes(decorators=[], leading_lines=[])
                return self._cut([bare, call], definition.name.value, self.module.code_for_node(call), "function")
            bare = definition.with_changes(decorators=[], leading_lines=[])  # its free names will be missing
            return self._cut([bare], definition.name.value, definition.name.value, "function")
        return None

    def _lambda(self, node: cst.Lambda) -> Optional[Runnable]:
        text = f"{LAMBDA_NAME} = {self.module.code_for_node(node)}"
        return self._cut([node], "<lambda>", LAMBDA_NAME, "function", text)

    @staticmethod
    def _no_required_init(cls: cst.ClassDef) -> bool:
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
                params = statement.params
                required = [p for p in list(params.posonly_params) + list(params.params)[1:] if p.default is None]
                return not required and not any(p.default is None for p in params.kwonly_params)
        return True

    def _factory_call(self, factory: cst.FunctionDef) -> Optional[cst.Call]:
        """The one call of ``factory`` in the program whose arguments are all literals."""
        found: Dict[str, cst.Call] = {}
        for call in self.index.calls:
            if not (isinstance(call.func, cst.Name) and call.func.value == factory.name.value):
                continue
            if any(arg.star for arg in call.args):
                return None
            if all(_literal(self.module, arg.value) is not None for arg in call.args):
                found.setdefault(self.module.code_for_node(call), call)
        return next(iter(found.values())) if len(found) == 1 else None

    def _cut(
        self, nodes: List[cst.CSTNode], name: str, entry: str, kind: str, text: Optional[str] = None
    ) -> Runnable:
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
                value = _literal(self.module, small.value)  # type: ignore[attr-defined]
                if value is None:
                    continue
                constants.append(f"{target} = {value!r}")
                if type(value) is int:
                    numbers.append(value)
        code = [text if text is not None else self.module.code_for_node(nodes[0])]
        source = "\n".join(imports + constants + [""] + code)
        return {"name": name, "source": source, "entry": entry, "kind": kind, "constants": numbers}


def _constant_target(small: cst.BaseSmallStatement) -> Optional[str]:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value
    if isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
        return small.target.value
    return None
