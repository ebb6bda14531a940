"""The rule catalogue: one table of codes, names, summaries and checks.

A rule is a pure function ``Facts -> Iterable[Finding]``.  Its docstring is
its documentation page (What it does / Why is this bad? / Example / Use
instead / Known problems); ``scripts/document_rules.py`` renders the pages
under ``docs/rules/`` from it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from ..facts import Facts, Site


@dataclass(frozen=True)
class Finding:
    code: str
    site: Site
    message: str  # without the code
    # The fact the finding is about (a LossUse, LogitsOpUse, LayerFact or
    # Head): autofixes and runtime probes are built from it, not from text.
    subject: Optional[Any] = None


Check = Callable[[Facts], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # the bad pattern, kebab-case: "ignore softmax-with-from-logits" reads naturally
    summary: str
    check: Check

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")


RULES: Dict[str, Rule] = {}


def rule(code: str, name: str, summary: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = Rule(code, name, summary, check)
        return check

    return register


def all_rules() -> List[Rule]:
    _load()
    return [RULES[code] for code in sorted(RULES)]


def run_rules(facts: Facts) -> List[Finding]:
    found: List[Finding] = []
    for each in all_rules():
        found.extend(each.check(facts))
    return found


_loaded = False


def _load() -> None:
    """Import every module of this package: each registers its rules."""
    global _loaded
    if _loaded:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
    _loaded = True
