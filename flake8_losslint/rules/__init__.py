"""The rule catalogue: one table of codes, names, summaries and checks.

A rule is a pure function ``Facts -> Iterable[Finding]``.  Its docstring is
its documentation page (What it does / Why is this bad? / Example / Use
instead / Known problems); ``scripts/document_rules.py`` renders the pages
under ``docs/rules/`` from it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List

from ..facts import Facts, Site


@dataclass(frozen=True)
class Finding:
    code: str
    site: Site
    message: str  # without the code


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


def _load() -> None:
    from . import activation  # noqa: F401  (registers its rules)
