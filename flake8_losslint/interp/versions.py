"""Which library version a file is written for, and which of its version branches can run.

- ``decide``: the truth of a version test (``tf.__version__ >= "2.3"``,
  ``tf.__version__.startswith("1")``, ``version.parse(keras.__version__) < version.parse("3")``,
  ``int(tf.__version__.split(".")[0]) == 1``) for given versions, or None when it is not
  such a test.  Versions are compared as versions (the test's intent), not as strings.
- ``file_target``: what the file itself shows: TensorFlow 1 only API in use
  (``tf.placeholder``, ``tf.Session``, ``tf.contrib``, ``tf.train.AdamOptimizer``), Keras 2
  only usage (``Adam(lr=...)``, ``keras.layers.merge``, ``fit_generator``), or a
  module-level check that exits on the versions it refuses.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import libcst as cst

from ..source.target import CANDIDATES, Target
from ..syntax.names import canonical, dotted_name
from .domains import api_names
from .values import LibRef

if TYPE_CHECKING:
    from ..syntax.collect import Ctx
    from .evaluator import Evaluator

Versions = Dict[str, str]  # library -> version

_VERSION_ATTRIBUTES = {"tensorflow.__version__": "tensorflow", "keras.__version__": "keras", "tensorflow.VERSION": "tensorflow"}
_PARSERS = ("parse", "Version", "LooseVersion", "StrictVersion", "parse_version")
_EXITS = frozenset({"exit", "quit", "sys.exit", "os._exit"})

# Keras 2 only: optimizers took ``lr=`` (Keras 3 raises), these layers and modules existed.
_KERAS2_MODULES = ("keras.layers.merge", "keras.engine", "keras.wrappers", "keras.layers.core", "keras.legacy")
_KERAS2_NAMES = frozenset({"keras.layers.merge", "keras.layers.Merge", "keras.layers.core"})
_KERAS2_METHODS = frozenset({"fit_generator", "evaluate_generator", "predict_generator"})


def _release(text: str) -> Tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


class _Version:
    """A library's version as the test reads it: whole, or one component (``split('.')[0]``)."""

    def __init__(self, library: str, part: Optional[int] = None) -> None:
        self.library = library
        self.part = part


def _operand(ev: "Evaluator", node: cst.BaseExpression, ctx: "Ctx"):  # noqa: ANN202
    """A version, a literal (str or int), or None."""
    if isinstance(node, cst.Call):
        name = dotted_name(node.func) or ""
        if name.rsplit(".", 1)[-1] in _PARSERS + ("str",) and len(node.args) == 1:
            return _operand(ev, node.args[0].value, ctx)
        if name == "int" and len(node.args) == 1:
            inner = _operand(ev, node.args[0].value, ctx)
            return inner if isinstance(inner, _Version) and inner.part is not None else None
        return None
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        # tf.__version__.split(".")[0] or tf.__version__[0]
        index = node.slice[0].slice.value
        if not isinstance(index, cst.Integer) or not isinstance(index.evaluated_value, int):
            return None
        base = node.value
        if (
            isinstance(base, cst.Call)
            and isinstance(base.func, cst.Attribute)
            and base.func.attr.value == "split"
        ):
            inner = _operand(ev, base.func.value, ctx)
            if isinstance(inner, _Version) and inner.part is None:
                return _Version(inner.library, index.evaluated_value)
            return None
        inner = _operand(ev, base, ctx)
        if isinstance(inner, _Version) and inner.part is None and index.evaluated_value == 0:
            return _Version(inner.library, 0)  # the first character: the major version, for 1 and 2
        return None
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        text = node.evaluated_value
        return text if isinstance(text, str) else None
    if isinstance(node, cst.Integer):
        value = node.evaluated_value
        return value if isinstance(value, int) else None
    if isinstance(node, (cst.Attribute, cst.Name)):
        bound = ev.value(node, ctx)
        if isinstance(bound, LibRef) and bound.qualname in _VERSION_ATTRIBUTES:
            return _Version(_VERSION_ATTRIBUTES[bound.qualname])
    return None


def _compare(left: Tuple[int, ...], operator: cst.BaseCompOp, right: Tuple[int, ...]) -> Optional[bool]:
    width = max(len(left), len(right))
    a, b = left + (0,) * (width - len(left)), right + (0,) * (width - len(right))
    if isinstance(operator, cst.LessThan):
        return a < b
    if isinstance(operator, cst.LessThanEqual):
        return a <= b
    if isinstance(operator, cst.GreaterThan):
        return a > b
    if isinstance(operator, cst.GreaterThanEqual):
        return a >= b
    if isinstance(operator, cst.Equal):
        return a == b
    if isinstance(operator, cst.NotEqual):
        return a != b
    return None


def decide(ev: "Evaluator", test: cst.BaseExpression, ctx: "Ctx", versions: Versions) -> Optional[bool]:
    """The truth of a version test under ``versions``; None when it is not one, or the
    library it reads has no version there."""
    if isinstance(test, cst.BooleanOperation):
        first, second = decide(ev, test.left, ctx, versions), decide(ev, test.right, ctx, versions)
        if isinstance(test.operator, cst.And):
            return False if False in (first, second) else (True if first is True and second is True else None)
        return True if True in (first, second) else (False if first is False and second is False else None)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = decide(ev, test.expression, ctx, versions)
        return None if inner is None else not inner
    if (
        isinstance(test, cst.Call)
        and isinstance(test.func, cst.Attribute)
        and test.func.attr.value == "startswith"
        and len(test.args) == 1
    ):
        version = _operand(ev, test.func.value, ctx)
        prefix = _operand(ev, test.args[0].value, ctx)
        if isinstance(version, _Version) and version.part is None and isinstance(prefix, str):
            current = versions.get(version.library)
            return None if current is None else current.startswith(prefix)
        return None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        left = _operand(ev, test.left, ctx)
        target = test.comparisons[0]
        right = _operand(ev, target.comparator, ctx)
        operator = target.operator
        if isinstance(right, _Version) and not isinstance(left, _Version):
            mirrored = _MIRROR.get(type(operator), lambda: None)()
            if mirrored is None:
                return None
            left, right, operator = right, left, mirrored
        if not isinstance(left, _Version) or right is None or isinstance(right, _Version):
            return None
        current = versions.get(left.library)
        if current is None:
            return None
        mine = _release(current)
        if left.part is not None:
            if left.part >= len(mine):
                return None
            mine = (mine[left.part],)
        other = _release(str(right))
        if not other:
            return None
        return _compare(mine, operator, other)
    return None


_MIRROR = {
    cst.LessThan: cst.GreaterThan,
    cst.LessThanEqual: cst.GreaterThanEqual,
    cst.GreaterThan: cst.LessThan,
    cst.GreaterThanEqual: cst.LessThanEqual,
    cst.Equal: cst.Equal,
    cst.NotEqual: cst.NotEqual,
}


# -- what the file itself shows ------------------------------------------------------------------
def file_target(ev: "Evaluator") -> Target:
    """The versions the file's own code implies, or NONE."""
    refused = _refused_by_an_exit(ev)
    if refused is not None:
        return refused
    tf1 = _tf1_api(ev)
    if tf1 is not None:
        return Target(tensorflow=CANDIDATES["tensorflow"][0], source=f"this file uses TensorFlow 1 API ({tf1})")
    keras2 = _keras2_usage(ev)
    if keras2 is not None:
        return Target(keras=CANDIDATES["keras"][1], source=f"this file uses Keras 2 API ({keras2})")
    return Target()


def _refused_by_an_exit(ev: "Evaluator") -> Optional[Target]:
    """``if tf.__version__.startswith("2"): exit(...)`` at module level: the newest line it accepts."""
    for node, ctx, body, _ in ev.collected.version_tests:
        if ctx.scope is not ev.collected.module_scope or not _exits(node.body):
            continue
        for library in ("tensorflow", "keras"):
            accepted: List[str] = []
            for candidate in CANDIDATES[library]:
                verdict = decide(ev, node.test, ctx, {library: candidate})
                if verdict is None:
                    break
                if verdict is False:
                    accepted.append(candidate)
            else:
                if accepted and len(accepted) < len(CANDIDATES[library]):
                    shown = "TensorFlow" if library == "tensorflow" else "Keras"
                    why = f"it exits on other {shown} versions"
                    return Target(**{library: accepted[-1]}, source=why)
    return None


def _exits(body: cst.BaseSuite) -> bool:
    """A block that only leaves: ``exit(...)``, ``sys.exit(...)``, ``raise ...``."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Raise):
                    return True
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    if (dotted_name(small.value.func) or "") in _EXITS:
                        return True
    return False


def _tf1_api(ev: "Evaluator") -> Optional[str]:
    """A ``tf.X`` reference (module-level TensorFlow, ``tf.train``, ``tf.contrib``) that only TF 1 has."""
    imports = ev.collected.imports
    for chain in ev.collected.dotted_attributes:
        # Read through the imports alone: evaluating every attribute of a file costs more
        # than this question is worth (a local name shadowing ``tf`` is rare enough).
        head, _, rest = chain.text.partition(".")
        base = imports.lookup(head)
        if base is None or not base.startswith("tensorflow") or not rest:
            continue
        value = LibRef(canonical(f"{base}.{rest}"))
        module, _, name = value.qualname.rpartition(".")
        if module == "tensorflow.contrib" or value.qualname == "tensorflow.contrib":
            return "tf.contrib"
        if module not in ("tensorflow", "tensorflow.train") or not name:
            continue
        if api_names.only_in_tf1(module, name):
            return api_names.display(value.qualname)
    return None


def _keras2_usage(ev: "Evaluator") -> Optional[str]:
    imports = ev.collected.imports
    for chain in ev.collected.dotted_attributes:
        head, _, rest = chain.text.partition(".")
        base = imports.lookup(head)
        if base is not None and rest and canonical(f"{base}.{rest}") in _KERAS2_NAMES:
            return canonical(f"{base}.{rest}")
    for statement, _ in ev.collected.import_froms:
        module = dotted_name(statement.module) if statement.module is not None else None
        if not module or not module.startswith("keras."):
            continue
        if module.startswith(_KERAS2_MODULES):
            return f"from {module} import ..."
        if not isinstance(statement.names, cst.ImportStar):
            for alias in statement.names:
                if f"{module}.{dotted_name(alias.name)}" in _KERAS2_NAMES:
                    return f"{module}.{dotted_name(alias.name)}"
    for site in ev.collected.calls:  # all of them: which code is live depends on this answer
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _KERAS2_METHODS:
            return func.attr.value
        callee = ev.value(func, site.ctx)
        if (
            isinstance(callee, LibRef)
            and callee.qualname.startswith("keras.optimizers.")
            and any(arg.keyword is not None and arg.keyword.value == "lr" for arg in site.node.args)
        ):
            return f"{callee.qualname.rsplit('.', 1)[-1]}(lr=...)"
        if any(arg.keyword is not None and arg.keyword.value == "nb_epoch" for arg in site.node.args):
            return "nb_epoch="
    return None
