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
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from ..facts import Facts, Site


@dataclass(frozen=True)
class Ref:
    """A related site named in a message ("the activation", "the labels").

    The report layer renders it where it stands in the message, as
    ``before + "line 9" + after`` (``"cell 2, line 3"`` in a notebook), and
    lists it as a related location in JSON and SARIF.  With
    ``unless_primary_line`` the whole piece is left out when the site is on the
    line the finding is reported on.
    """

    name: str
    site: Site
    before: str = " ("
    after: str = ")"
    unless_primary_line: bool = False


def at(name: str, site: Optional[Site], **kwargs: Any) -> Optional[Ref]:
    """``" (line N)"`` for ``site``, or nothing when the site is unknown."""
    return Ref(name, site, **kwargs) if site is not None else None


Part = Union[str, Ref]


@dataclass(frozen=True)
class Message:
    """A finding's text: literal pieces and the related sites it names."""

    parts: Tuple[Part, ...]

    @classmethod
    def of(cls, *pieces: Union[str, Ref, "Message", None]) -> "Message":
        parts: List[Part] = []
        for piece in pieces:
            if isinstance(piece, Message):
                parts.extend(piece.parts)
            elif piece is not None and piece != "":
                parts.append(piece)
        return cls(tuple(parts))

    @property
    def related(self) -> Tuple[Ref, ...]:
        return tuple(part for part in self.parts if isinstance(part, Ref))

    def render(self, describe: Callable[[Ref], Optional[str]]) -> str:
        """The text, each ``Ref`` replaced by ``describe(ref)`` (left out when None)."""
        out = []
        for part in self.parts:
            if isinstance(part, Ref):
                where = describe(part)
                if where is not None:
                    out.append(f"{part.before}{where}{part.after}")
            else:
                out.append(part)
        return "".join(out)


@dataclass(frozen=True)
class Finding:
    code: str
    site: Site
    message: Message  # without the code
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
        found.extend(_on_its_path(finding) for finding in each.check(facts))
    return found


def _on_its_path(finding: Finding) -> Finding:
    """A finding about a fact that holds on one call path names that call."""
    call = getattr(finding.subject, "called_from", None)
    if call is None:
        return finding
    via = Ref("call", call, before=" (when called at ", after=")")
    return Finding(finding.code, finding.site, Message.of(finding.message, via), finding.subject)


_loaded = False


def _load() -> None:
    """Import every module of this package: each registers its rules."""
    global _loaded
    if _loaded:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
    _loaded = True
