"""The cheap text test that decides whether a file is worth parsing at all."""

from __future__ import annotations

import re

# An import of a library whose losses we check.  Files without one (the vast
# majority of any codebase) are never parsed.
_ML_IMPORT = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:tensorflow|keras|tf_keras|torch)\b", re.MULTILINE
)

# Every finding is about a loss, a logits op or a softmax, and each of those is
# spelled in the file: a loss class, function or string ("...Crossentropy",
# "bce", "nll_loss", "CrossEntropyLoss"), a ``*_with_logits`` op, a custom loss
# ``(y_true, y_pred)``, ``fit`` with its labels, a softmax, a ``feed_dict`` that
# gives a TensorFlow 1 placeholder labels of the wrong shape.  An ML file that
# mentions none of them (most of a model library: layers, ops, utilities) is
# not parsed.  A new rule whose bug can be written without any of these words
# must add its word here; tests/test_reliability.py checks that every fixture
# that expects a finding passes this test.
_RELEVANT_WORDS = (
    "loss", "entropy", "logits", "softmax", "y_pred", "y_true", ".fit(", "from_tensor_slices", "feed_dict"
)
_RELEVANT_SHORT = re.compile(r"\bs?[bc]ce\b")  # 'bce', 'scce': loss strings


def worth_parsing(source: str) -> bool:
    if _ML_IMPORT.search(source) is None:
        return False
    # Substring tests on a lower-cased copy: several times faster than one
    # case-insensitive regex alternation, which has no literal to skip ahead by.
    lowered = source.lower()
    return any(word in lowered for word in _RELEVANT_WORDS) or _RELEVANT_SHORT.search(lowered) is not None
