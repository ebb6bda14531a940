"""The fixer registry and what is done with it: the ``Edit``/``Fix``/``Fixer`` types,
``fixable`` (what ``losslint check`` says of a finding, without fixing), ``apply_fix``, and
``fix_source`` (``losslint fix``: fix and re-check, one fix at a time).  The fixers
themselves live in one module per rule family (``activation``, ``labels``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from ..engine import Report, analyze_module, examine
from ..rules import Finding
from ..source.prefilter import worth_parsing
from .context import STYLE_MINIMAL, FixContext
from .effects import Effect, holds

Change = Callable[[cst.CSTNode], Union[cst.CSTNode, cst.RemovalSentinel]]


@dataclass(frozen=True)
class Edit:
    target: cst.CSTNode = field(repr=False)  # replaced where it stands, found by identity
    change: Change = field(repr=False)  # applied to the target as already updated


@dataclass(frozen=True)
class Fix:
    code: str
    description: str  # imperative, for people: "set from_logits=False"
    safe: bool
    edits: Tuple[Edit, ...]
    # What the edits do to the facts, for `losslint check` to judge the fix without making
    # it (see effects.py); None when the fixer cannot say.
    effect: Optional[Effect] = field(default=None, repr=False, compare=False)


# What ``losslint fix`` would do for a finding: apply the fix, apply it only with
# ``--unsafe-fixes``, or nothing (None).
SAFE = "safe"
UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fixer:
    code: str
    build: Callable[[Finding, FixContext], Optional[Fix]]
    summary: str  # what the fix does and when it is safe: the "Fix" section of the rule page

    def fixable(self, finding: Finding, ctx: FixContext) -> Optional[str]:
        """SAFE, UNSAFE or None, from the very facts and look-ups ``build`` uses: the fix is
        built (its edits are functions, not yet run) but not applied; its effect on the
        facts, when it has one, is judged by the rules as the fix loop judges the result."""
        fix = self.build(finding, ctx)
        if fix is None:
            return None
        effect = fix.effect
        if effect is not None and not holds(finding, effect, ctx.facts, ctx.places(effect.site), ctx.findings):
            return None
        return SAFE if fix.safe else UNSAFE


FIXERS: Dict[str, Fixer] = {}


def fixer(code: str, summary: str) -> Callable:
    def register(build: Callable[[Finding, FixContext], Optional[Fix]]) -> Callable:
        if code in FIXERS:
            raise ValueError(f"duplicate fixer for {code}")
        FIXERS[code] = Fixer(code, build, summary)
        return build

    return register


def fix_for(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    registered = FIXERS.get(finding.code)
    if registered is None or finding.subject is None:
        return None
    return registered.build(finding, ctx)


def fixable(finding: Finding, ctx: FixContext) -> Optional[str]:
    """What ``losslint fix`` would do for ``finding`` (a finding of ``ctx.module``):
    SAFE, UNSAFE (only with ``--unsafe-fixes``) or None, decided without re-analysing.

    ``fix_source`` re-analyses the source after each fix before keeping it; here a fix's
    effect on the facts is judged instead, so the two can differ where a fixer declares
    no effect, or where the re-analysed source holds facts the effect did not foresee."""
    registered = FIXERS.get(finding.code)
    if registered is None or finding.subject is None:
        return None
    return registered.fixable(finding, ctx)


def apply_fix(module: cst.Module, fix: Fix) -> cst.Module:
    changes: Dict[int, List[Change]] = {}
    for edit in fix.edits:
        changes.setdefault(id(edit.target), []).append(edit.change)

    class Apply(cst.CSTTransformer):
        def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
            for change in changes.get(id(original_node), ()):
                updated_node = change(updated_node)
                if isinstance(updated_node, cst.RemovalSentinel):
                    break
            return updated_node

    return module.visit(Apply())


# -- fixing a whole file ------------------------------------------------------------------------

Keep = Callable[[str, List[Report]], List[Report]]  # (source, reports) -> the reports that count


@dataclass
class FixOutcome:
    source: str
    applied: List[Fix]
    remaining: List[Report]


def fix_source(
    source: str,
    keep: Keep = lambda source, reports: reports,
    unsafe: bool = False,
    style: str = STYLE_MINIMAL,
    max_fixes: int = 200,
    path: Optional[str] = None,
    target: Any = None,
) -> FixOutcome:
    """Apply every allowed fix to ``source``, one at a time, re-checking after each.

    ``keep`` filters the reports (selection, ``# noqa``): a finding it drops is
    neither fixed nor remaining.  ``path`` and ``target`` are the analysis's (the file
    on disk, for its sibling modules and pins; ``--losslint-target-version``).
    """
    applied: List[Fix] = []
    checked = _reports(source, keep, path, target)
    reports = checked[1] if checked is not None else []
    rejected: set = set()
    while len(applied) < max_fixes and checked is not None:
        module = cst.parse_module(source)
        # The sites of findings must be nodes of the module we edit.
        analysis = examine(module, path=path, target=target)
        everything = analysis.reports
        current = keep(source, everything)
        ctx = FixContext(module, style, analysis.facts)
        progressed = False
        for report in current:
            key = (report.line, report.col, report.code)
            if key in rejected:
                continue
            tried = try_fix(ctx, report, everything, current, keep, unsafe, path, target)
            if tried is None:
                rejected.add(key)
                continue
            fix, source, reports = tried
            applied.append(fix)
            rejected = set()
            progressed = True
            break
        if not progressed:
            break
    return FixOutcome(source, applied, reports)


def try_fix(
    ctx: FixContext,
    report: Report,
    everything: Sequence[Report],
    current: Sequence[Report],
    keep: Keep,
    unsafe: bool,
    path: Optional[str] = None,
    target: Any = None,
) -> Optional[Tuple[Fix, str, List[Report]]]:
    """The fix for ``report`` (one of ``current``, the kept reports among ``everything``
    that ``ctx.module`` has), with the fixed source and its kept reports, if it is allowed
    and it works: the result parses, has fewer kept findings, and no code gained a
    finding, whether selected or silenced or not."""
    if report.finding is None:
        return None
    fix = fix_for(report.finding, ctx)
    if fix is None or not (fix.safe or unsafe):
        return None
    candidate = apply_fix(ctx.module, fix).code
    if candidate == ctx.module.code:
        return None
    checked = _reports(candidate, keep, path, target)
    if checked is None:
        return None
    after_everything, after = checked
    if len(after) >= len(current) or not _no_code_gains(everything, after_everything):
        return None
    return fix, candidate, after


def _reports(
    source: str, keep: Keep, path: Optional[str] = None, target: Any = None
) -> Optional[Tuple[List[Report], List[Report]]]:
    """All the reports of ``source`` and the kept ones; None if it does not parse."""
    if not worth_parsing(source):
        return [], []
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    everything = analyze_module(module, path=path, target=target)
    return everything, keep(source, everything)


def _no_code_gains(before: Sequence[Report], after: Sequence[Report]) -> bool:
    counts: Dict[str, int] = {}
    for report in before:
        counts[report.code] = counts.get(report.code, 0) + 1
    for report in after:
        counts[report.code] = counts.get(report.code, 0) - 1
        if counts[report.code] < 0:
            return False
    return True
