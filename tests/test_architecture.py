"""The package's stages import one way, without cycles and without each other's private names.

The layers, lowest first (ARCHITECTURE.md describes them).  A module may import
its own layer and the ones below, never one above.  Imports under
``if TYPE_CHECKING:`` are annotations only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "flake8_losslint"

LAYERS: List[Tuple[str, ...]] = [
    ("terms", "__init__"),  # the package itself holds only __version__
    ("source",),
    ("syntax",),
    ("interp",),
    ("facts",),
    ("rules",),
    ("report",),
    ("runtime",),
    ("engine", "resultcache"),
    ("fixes",),
    ("noqa", "options", "docs", "plugin", "cli", "__main__"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


MODULES: Dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    for number, names in enumerate(LAYERS):
        if head in names:
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to ARCHITECTURE.md)")


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path) -> Iterator[Tuple[str, List[str], int]]:
    """(imported module, names taken from it, line) for every real import of a file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stack: List[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            if f"{target}" in MODULES or not node.module:
                # ``from . import keras``: each name may be a module of the package.
                submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
                for sub in submodules:
                    yield sub, [], node.lineno
                rest = [n for n in names if f"{target}.{n}" not in MODULES]
                if rest:
                    yield target, rest, node.lineno
            else:
                yield target, names, node.lineno
        stack.extend(ast.iter_child_nodes(node))


GRAPH: Dict[str, Set[str]] = {
    module: {target for target, _, _ in _imports(path) if target in MODULES and target != module}
    for module, path in MODULES.items()
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_higher_layer(module: str) -> None:
    mine = layer(module)
    for target, _, line in _imports(MODULES[module]):
        if target in MODULES:
            assert layer(target) <= mine, f"{module}:{line} imports {target}, a higher layer"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_from_another_module(module: str) -> None:
    for target, names, line in _imports(MODULES[module]):
        if target in MODULES and target != module:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{module}:{line} imports private {private} from {target}"


def test_no_import_cycles() -> None:
    # A package importing its own submodules (``domains/__init__`` listing the
    # domains) is how a registry is built; cycles through it still count.
    state: Dict[str, int] = {}
    path: List[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)
