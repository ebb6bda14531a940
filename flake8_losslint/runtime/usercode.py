"""A user-defined loss function, cut out of its module so that a probe can run it.

Running user code is a separate opt-in (``--losslint-runtime-user-code``).
What is run is only:

- the ``def`` itself, without its decorators (a decorator is arbitrary code);
- the module's top-level ``import`` statements that bind a name the function
  uses *and* come from a library on ``LIBRARIES`` (never the user's own
  packages, whose import would run their code).

Nothing else of the module: no module-level statement, constant or class.
A function that needs more (a module constant, a helper) fails with a
NameError inside the probe, and its finding keeps its static message.

The probe carries the result as ``{"loss": {"user": {"source": ..., "name": ...}}}``;
the worker runs such probes in a fresh process of their own, with a timeout.
"""

from __future__ import annotations

from typing import Dict, Optional, Set

import libcst as cst

LIBRARIES = frozenset({"tensorflow", "keras", "tf_keras", "numpy", "math", "functools"})


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


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


def user_function_json(module: cst.Module, function: cst.FunctionDef) -> Optional[Dict[str, str]]:
    """``{"name": ..., "source": ...}`` for ``function`` of ``module``, or None if it cannot be cut out."""
    if isinstance(function.asynchronous, cst.Asynchronous):
        return None
    wanted = _Names()
    function.visit(wanted)
    imports = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            bound = _bound_names(small)
            used = {name: root for name, root in bound.items() if name in wanted.names}
            if used and all(root in LIBRARIES for root in bound.values()):
                imports.append(module.code_for_node(cst.SimpleStatementLine(body=[small])).strip())
    bare = function.with_changes(decorators=[], leading_lines=[])
    source = "\n".join(imports + ["", module.code_for_node(bare)])
    return {"name": function.name.value, "source": source}
