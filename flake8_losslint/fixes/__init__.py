"""Autofixes: LibCST edits built from a finding's subject, keyed by rule code.

A fixer is registered for one code with ``@fixer(code, summary)``; it receives
the ``Finding`` (whose ``subject`` is the fact the rule judged: a ``LossUse``,
``LabelUse``, ``LayerFact`` or ``Head``, all holding ``Site``s, i.e. nodes of the
parsed module) and a ``FixContext``, and returns a ``Fix`` or None when the fix is
not certain.  A ``Fix`` is a list of ``Edit``s, each replacing one node (found by
identity) with a function of it, and says whether it is safe: a safe fix does
what the finding's message asks and nothing a user could have wanted
otherwise; an unsafe one (changing what a model outputs, for instance) is
applied only with ``--unsafe-fixes``.

``fix_source`` (``losslint fix``) applies one fix at a time and re-analyses after
each: a fix is kept only if the file still parses, has fewer findings than before,
and no code gained one, so a fixed file re-checks clean for what was fixed and
fixing twice changes nothing the second time.  ``fixable`` (``losslint check``)
answers "safe", "unsafe" or None without making the fix: the fix is built, and its
``effect`` on the facts is judged by the rules with the same test.  The flake8
plugin never fixes.

The package: ``driver`` (the registry, the types, ``fixable``, applying and the
fix-and-verify loop), ``context`` (``FixContext``: the module and its facts,
parents, imports, qualified names, name uses), ``effects`` (a fix's effect on the
facts, judged by the rules), ``edits`` (edit helpers every family uses), and one
module of fixers per rule family: ``activation`` (LL101-LL103) and ``labels``
(LL201/LL202).  Adding a fix for another rule is a function in its family's
module::

    @fixer("LL1xx", "What the fix does and when it is safe (the rule page's Fix section).")
    def _my_fix(finding: Finding, ctx: FixContext) -> Optional[Fix]:
        use = finding.subject                  # whatever fact the rule put there
        ...                                    # build Edits with the helpers in edits.py
        effect = changing(LossSpec, "site", use.loss.site, from_logits=False)
        return Fix("LL1xx", "use ...", True, edits, effect)
"""

from __future__ import annotations

from . import activation, labels  # noqa: F401 - each registers its fixers
from .context import STYLE_LOGITS, STYLE_MINIMAL, STYLE_PROBABILITIES, FixContext
from .driver import (
    FIXERS,
    SAFE,
    UNSAFE,
    Edit,
    Fix,
    Fixer,
    FixOutcome,
    Keep,
    apply_fix,
    fix_for,
    fix_source,
    fixable,
    fixer,
)
from .effects import Effect, changing

__all__ = [
    "FIXERS",
    "SAFE",
    "UNSAFE",
    "STYLE_LOGITS",
    "STYLE_MINIMAL",
    "STYLE_PROBABILITIES",
    "Edit",
    "Effect",
    "Fix",
    "FixContext",
    "FixOutcome",
    "Fixer",
    "Keep",
    "apply_fix",
    "changing",
    "fix_for",
    "fix_source",
    "fixable",
    "fixer",
]
