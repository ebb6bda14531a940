"""``FixContext``: the module being fixed, with the look-ups fixers need, each computed
once per module and only when a fixer asks for it.

Names are qualified the way the analysis qualifies them: through the collector's
import table (``syntax.collect``) and ``syntax.names.qualify``.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from ..facts import Facts, Site
from ..rules import Finding, run_rules
from ..syntax.collect import collect
from ..interp.domains import star_import
from ..syntax.names import ImportTable, canonical, dotted_name, qualify
from ..syntax.walk import walk
from .effects import Place, places

# Which way to resolve a mismatch between a loss and the activation before it.
STYLE_MINIMAL = "minimal"  # change the loss (from_logits), never the model
STYLE_LOGITS = "logits"  # linear head + from_logits=True (LL101: drop the activation)
STYLE_PROBABILITIES = "probabilities"  # softmax/sigmoid head + from_logits=False (LL102: add it)


@dataclasses.dataclass
class NameUses:
    """Where one identifier is bound and read in the whole module (scopes are ignored:
    more uses only make a fix unsafe)."""

    bindings: int = 0
    loads: List[cst.Name] = dataclasses.field(default_factory=list)


class FixContext:
    """``module`` is what the fixes edit; ``facts`` are its facts (the analysis of that
    very module), for a fixer to see the other uses of what it changes."""

    def __init__(self, module: cst.Module, style: str = STYLE_MINIMAL, facts: Optional[Facts] = None) -> None:
        self.module = module
        self.style = style
        self.facts = facts if facts is not None else Facts()
        self._findings: Optional[List[Finding]] = None
        self._places: Optional[Dict[Site, List[Place]]] = None
        self._parents: Optional[Dict[int, cst.CSTNode]] = None
        self._imports: Optional[ImportTable] = None
        self._names: Optional[Dict[str, NameUses]] = None

    @property
    def findings(self) -> List[Finding]:
        """What the rules find in ``facts`` (before positions, duplicates included)."""
        if self._findings is None:
            self._findings = run_rules(self.facts)
        return self._findings

    def places(self, site: Site) -> List[Place]:
        """Where the facts that hold ``site`` are (see effects.py)."""
        if self._places is None:
            self._places = places(self.facts)
        return self._places.get(site, [])

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        if self._parents is None:
            self._parents = _parent_table(self.module)
        return self._parents.get(id(node))

    @property
    def imports(self) -> ImportTable:
        """The module's imports, as the analysis reads them."""
        if self._imports is None:
            self._imports = collect(self.module).imports
        return self._imports

    def qualify(self, node: cst.CSTNode) -> Optional[str]:
        """Canonical library name of a dotted expression, through the imports."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        found = qualify(node, self.imports)
        if found is None and self.imports.star_modules:
            dotted = dotted_name(node)
            if dotted is not None and self.imports.lookup(dotted.split(".")[0]) is None:
                head, _, rest = dotted.partition(".")
                starred = star_import(self.imports, head)
                if starred is not None:
                    found = canonical(f"{starred}.{rest}") if rest else starred
        return found

    def name_uses(self, name: str) -> NameUses:
        if self._names is None:
            table = _NameTable()
            walk(self.module, table)
            self._names = table.uses
        return self._names.get(name, NameUses())


# -- the parent of every node ------------------------------------------------------------------

# Each node type's fields, in declaration order.  Reading them directly is what LibCST's
# visit does without rebuilding every node (which costs as much as the analysis itself).
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _parent_table(module: cst.Module) -> Dict[int, cst.CSTNode]:
    parents: Dict[int, cst.CSTNode] = {}
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        names = _FIELDS.get(type(node))
        if names is None:
            names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
        for name in names:
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                parents[id(value)] = node
                stack.append(value)
            elif isinstance(value, (tuple, list)):
                for child in value:
                    if isinstance(child, cst.CSTNode):
                        parents[id(child)] = node
                        stack.append(child)
    return parents


# -- where names are bound and read -------------------------------------------------------------

class _Targets(cst.CSTVisitor):
    """The names an assignment target binds: not those under ``obj.x`` or ``obj[i]``."""

    def __init__(self, found: Set[int]) -> None:
        super().__init__()
        self.found = found

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(id(node))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False  # obj.x = ... binds no name

    def visit_Subscript(self, node: cst.Subscript) -> bool:
        return False


class _NameTable(cst.CSTVisitor):
    """Every identifier's bindings and loads, in one pass over the module."""

    def __init__(self) -> None:
        super().__init__()
        self.uses: Dict[str, NameUses] = {}
        self._targets: Set[int] = set()

    def _use(self, name: str) -> NameUses:
        found = self.uses.get(name)
        if found is None:
            found = self.uses[name] = NameUses()
        return found

    def _mark_targets(self, node: cst.CSTNode) -> None:
        walk(node, _Targets(self._targets))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._mark_targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._mark_targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._mark_targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._mark_targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._mark_targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._mark_targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._mark_targets(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self._targets.add(id(node.name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._targets.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._targets.add(id(node.name))

    def _imported(self, alias: cst.ImportAlias) -> None:
        if alias.asname is not None:
            bound = alias.asname.name
            if isinstance(bound, cst.Name):
                self._use(bound.value).bindings += 1
            return
        dotted = dotted_name(alias.name)
        if dotted is not None:
            self._use(dotted.split(".")[0]).bindings += 1  # ``import a.b`` binds ``a``

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            self._imported(alias)
        return False  # the imported paths are no loads

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._imported(alias)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        walk(node.value, self)  # ``x.attr``: the attr is no name
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        walk(node.value, self)  # ``f(name=...)``: the keyword is no name
        return False

    def visit_Name(self, node: cst.Name) -> None:
        uses = self._use(node.value)
        if id(node) in self._targets:
            uses.bindings += 1
        else:
            uses.loads.append(node)
