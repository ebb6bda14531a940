"""Which codes are reported for which file: flake8's own decision, and the checks that
catch a selection that cannot mean what the user wants.

``--select``, ``--ignore``, ``--extend-select``, ``--extend-ignore`` and
``--per-file-ignores`` are decided by flake8's ``DecisionEngine`` (the same class
flake8 uses, in flake8 6 and 7), so a configuration file shared by both front doors
selects the same findings in both.  flake8's default selection includes every
installed plugin's prefix; here that prefix is ``LL``.  ``--per-file-ignores``
follows flake8's ``StyleGuideManager``: the longest matching file pattern adds its
codes to the ignored ones.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import logging
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from flake8 import utils as flake8_utils
from flake8.style_guide import Decision, DecisionEngine

from ..report.formats import READ_ERROR, SYNTAX_ERROR
from ..rules import all_rules

_LOG = logging.getLogger(__name__)
PLUGIN_PREFIX = "LL"


class SelectionError(ValueError):
    """A code or prefix that names no rule, or a selection that leaves nothing to check."""


def rule_codes() -> List[str]:
    return [rule.code for rule in all_rules()]


def _prefixes(codes: Iterable[str]) -> List[str]:
    return sorted({code[:n] for code in codes for n in range(1, len(code) + 1)})


def known_prefixes() -> List[str]:
    """Everything ``--select``/``--ignore`` may name: each rule's code and its prefixes,
    and the codes of files that could not be checked (E999, E902), as flake8 has them."""
    return _prefixes(rule_codes() + [SYNTAX_ERROR, READ_ERROR])


_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "i": "1", "L": "1", "l": "1"})


def suggestion(word: str, choices: Sequence[str]) -> str:
    """``; did you mean LL101?`` (or nothing).  A code typed with a letter for a digit
    (``LL1O1``, ``LL1l0``) is told the one code it looks like."""
    if word[:2].upper() == "LL" and len(word) > 2:
        lookalike = "LL" + word[2:].translate(_LOOKALIKES)
        if lookalike != word and lookalike in choices:
            return f"; did you mean {lookalike}?"
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def check_codes(codes: Sequence[str], where: str, strict: bool) -> None:
    """Raise SelectionError for a code that selects nothing.  ``strict`` (the command
    line, [tool.losslint]): every code must name a rule or a prefix of one.  Otherwise (a
    [flake8] section, shared with other plugins): only codes that start with ``LL``."""
    known = set(known_prefixes())
    names = {rule.name: rule.code for rule in all_rules()}
    for code in codes:
        if code in known or (not strict and not code.startswith(PLUGIN_PREFIX)):
            continue
        if code.lower() in names:
            raise SelectionError(f"{where}: {code!r} is a rule name; codes are expected here ({names[code.lower()]})")
        choices = sorted(set(rule_codes()) | {code[:3] for code in rule_codes()})
        raise SelectionError(f"{where}: {code!r} is not a losslint code or prefix{suggestion(code, choices)}"
                             " (`losslint rules` lists them)")


@dataclass(frozen=True)
class Selection:
    """The select/ignore options as flake8 reads them (None: not set), and the
    per-file ignores: (pattern, codes), patterns normalised as flake8 does."""

    select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    extend_ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()

    def _options(self, extra_ignore: Sequence[str] = ()) -> argparse.Namespace:
        return argparse.Namespace(
            select=list(self.select) if self.select is not None else None,
            ignore=list(self.ignore) if self.ignore is not None else None,
            extend_select=list(self.extend_select),
            extend_ignore=list(self.extend_ignore) + list(extra_ignore),
            extended_default_select=[PLUGIN_PREFIX],
            extended_default_ignore=[],
        )

    def decider(self, path: str) -> Callable[[str], bool]:
        """code -> reported?, for the file ``path`` (as displayed, like flake8's filename)."""
        return _decider(self, _pattern_for(self.per_file_ignores, path))

    def selects_any(self) -> bool:
        """Whether at least one rule is reported in a file no per-file pattern names."""
        decide = _decider(self, None)
        return any(decide(code) for code in rule_codes())


def _pattern_for(per_file: Tuple[Tuple[str, Tuple[str, ...]], ...], path: str) -> Optional[int]:
    """The index of the per-file entry flake8 would use for ``path`` (the longest
    matching pattern), or None for the default."""
    best: Optional[int] = None
    best_length = 0
    for number, (pattern, _codes) in enumerate(per_file):
        if flake8_utils.matches_filename(path, patterns=[pattern], log_message="%(path)s %(whether)smatched",
                                         logger=_LOG):
            if len(pattern) > best_length:
                best, best_length = number, len(pattern)
    return best


@functools.lru_cache(maxsize=256)
def _decider(selection: Selection, entry: Optional[int]) -> Callable[[str], bool]:
    extra = selection.per_file_ignores[entry][1] if entry is not None else ()
    engine = DecisionEngine(selection._options(extra))
    return lambda code: engine.decision_for(code) is Decision.Selected


def parse_per_file_ignores(text: str, parent: Optional[str] = None) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """flake8's ``per-file-ignores`` value (``pattern: CODES`` pairs); patterns normalised
    against ``parent`` (None: the current directory, as flake8 does for its config)."""
    pairs = flake8_utils.parse_files_to_codes_mapping(text)
    return normalise_per_file([(pattern, codes) for pattern, codes in pairs], parent)


def normalise_per_file(pairs: Sequence[Tuple[str, Sequence[str]]], parent: Optional[str] = None
                       ) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    normalised = []
    for pattern, codes in pairs:
        path = flake8_utils.normalize_path(pattern, parent) if parent is not None else flake8_utils.normalize_path(pattern)
        normalised.append((path, tuple(codes)))
    return tuple(normalised)
