"""Source tree → facts: one collection pass, one evaluator, then each extractor.

An extractor is a module here with ``extract(evaluator) -> {Facts field: tuple}``
that asks the evaluator about the calls that matter to its kind of fact.  A
new kind of fact is a field of ``Facts`` and one extractor listed in
``EXTRACTORS``.
"""

from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from ...interp.evaluator import Evaluator
from ...interp.project import Project
from ...source.target import NONE, Target
from ...syntax.collect import collect
from ..model import Facts
from . import custom_losses, keras_losses, labels, masks, multi_output, precision, torch_losses

EXTRACTORS = (keras_losses, torch_losses, labels, custom_losses, multi_output, precision, masks)


def extract(
    module: cst.Module, project: Optional[Project] = None, given: Target = NONE, fallback: Target = NONE
) -> Facts:
    """The facts of a parsed module.  ``project`` lets imports of sibling modules be
    followed; ``given`` (an option, the project's pins) and ``fallback`` (the installed
    libraries) are the target versions around what the file itself shows."""
    evaluator = Evaluator(collect(module), project, given, fallback)
    fields: Dict[str, tuple] = {}
    for extractor in EXTRACTORS:
        found = extractor.extract(evaluator)
        assert fields.keys().isdisjoint(found), "two extractors produce one kind of fact"
        fields.update(found)
    return Facts(**fields)
