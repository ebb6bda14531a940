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
from ..syntax.parse import parse_module
from .context import STYLE_MINIMAL, FixContext
from .effects import Effect, holds

# A change may flatten its target into several statements (adding an import after it).
Change = Callable[[cst.CSTNode], Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]]


@dataclass(frozen=True)
class Edit:
    target: cst.CSTNode = field(repr=False)  # replaced where it stands, found by identity
    change: Change = field(repr=False)  # applied to the target as already updated
    # A change that several fixes may make to the same node, each keeping the others'
    # (adding an import): fixes made together may share its target.
    shared: bool = False


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
        def on_leave(self, original_node, updated_node):
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
    max_fixes: int = 10_000,  # each kept fix removes a finding: a guard, not a limit users meet
    path: Optional[str] = None,
    target: Any = None,
) -> FixOutcome:
    """Apply every allowed fix to ``source``, re-checking what each round made.

    Each round makes, together, every allowed fix whose edits touch no node another one
    edits, and re-analyses once: kept if the result parses, has at least one kept finding
    fewer per fix, and no code gained a finding.  Otherwise the round falls back to one fix
    at a time, each re-checked the same way.  A file with many findings so costs a few
    analyses, not one per finding.

    ``keep`` filters the reports (selection, ``# noqa``): a finding it drops is
    neither fixed nor remaining.  ``path`` and ``target`` are the analysis's (the file
    on disk, for its sibling modules and pins; ``--losslint-target-version``).
    """
    applied: List[Fix] = []
    checked = _reports(source, keep, path, target)
    reports = checked[1] if checked is not None else []
    rejected: set = set()
    while len(applied) < max_fixes and checked is not None:
        module = parse_module(source)
        # The sites of findings must be nodes of the module we edit.
        analysis = examine(module, path=path, target=target)
        everything = analysis.reports
        current = keep(source, everything)
        ctx = FixContext(module, style, analysis.facts)
        batch = _independent_fixes(ctx, current, rejected, unsafe, max_fixes - len(applied))
        if len(batch) > 1:
            together = _checked(ctx, [fix for _, fix in batch], everything, current, keep, path, target)
            if together is not None:
                source, reports = together
                applied.extend(fix for _, fix in batch)
                rejected = set()
                continue
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


def _independent_fixes(
    ctx: FixContext, current: Sequence[Report], rejected: set, unsafe: bool, limit: int
) -> List[Tuple[Report, Fix]]:
    """The allowed fixes of ``current``, in order, whose edits do not overlap: no fix edits a
    node that another edits, or one inside it, or one around it (edits marked ``shared``
    may share their target)."""
    chosen: List[Tuple[Report, Fix]] = []
    claimed: Dict[int, bool] = {}  # edited node -> every edit of it is shared
    around: set = set()  # the ancestors of edited nodes
    for report in current:
        if len(chosen) >= limit:
            break
        if report.finding is None or (report.line, report.col, report.code) in rejected:
            continue
        try:
            fix = fix_for(report.finding, ctx)
        except Exception:  # noqa: BLE001 - a fixer bug: the one-at-a-time pass says no to it
            continue
        if fix is None or not (fix.safe or unsafe) or not fix.edits:
            continue
        targets = [(edit.target, edit.shared) for edit in fix.edits]
        ancestors = set()
        for node, _ in targets:
            parent = ctx.parent(node)
            while parent is not None:
                ancestors.add(id(parent))
                parent = ctx.parent(parent)
        clash = any(
            (id(node) in claimed and not (shared and claimed[id(node)])) or id(node) in around
            for node, shared in targets
        ) or any(ancestor in claimed for ancestor in ancestors)
        if clash:
            continue
        chosen.append((report, fix))
        for node, shared in targets:
            claimed[id(node)] = claimed.get(id(node), True) and shared
        around |= ancestors
    return chosen


def _checked(
    ctx: FixContext,
    fixes: Sequence[Fix],
    everything: Sequence[Report],
    current: Sequence[Report],
    keep: Keep,
    path: Optional[str],
    target: Any,
) -> Optional[Tuple[str, List[Report]]]:
    """The source with ``fixes`` made together, and its kept reports, if the result parses,
    has at least ``len(fixes)`` kept findings fewer, and no code gained a finding."""
    together = Fix("", "", True, tuple(edit for fix in fixes for edit in fix.edits))
    candidate = apply_fix(ctx.module, together).code
    if candidate == ctx.module.code:
        return None
    checked = _reports(candidate, keep, path, target)
    if checked is None:
        return None
    after_everything, after = checked
    if len(after) > len(current) - len(fixes) or not _no_code_gains(everything, after_everything):
        return None
    return candidate, after


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
        module = parse_module(source)
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
