"""Fixes for the labels family (LL201/LL202): switch the loss to its counterpart for the
encoding the labels have, spelled as the file spells it.

``_renamed_reference`` renames a loss spelling (extending a from-import when
needed); ``_loss_places`` judges whether the loss is used in one place only,
which is what makes the fix safe.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from ..facts import CATEGORICAL, SPARSE_CATEGORICAL, LabelUse, LossSpec
from ..interp.domains import keras as kb
from ..rules import Finding
from ..syntax.names import canonical, dotted_name
from .context import FixContext
from .driver import Edit, Fix, fixer
from .effects import changing
from .edits import extend_import, replace, string_literal

# -- LL201/LL202: switch the loss to the encoding the labels have -------------------------------
#
# Every pair below exists, with these signatures, in keras.losses, keras.metrics, keras.ops,
# tf.keras.losses, tf.keras.metrics, tf.keras.backend and keras.src.losses (TF 2.21,
# Keras 3.15.1), so renaming the last part of a spelling that reaches one reaches the other.
_SPARSE_TO_CATEGORICAL = {
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "CategoricalCrossentropy",
    "sparse_softmax_cross_entropy_with_logits": "softmax_cross_entropy_with_logits",
}
_CATEGORICAL_TO_SPARSE = {new: old for old, new in _SPARSE_TO_CATEGORICAL.items()}

# Arguments both losses of a pair accept with one meaning, by the form of the loss.
# Class constructors: only ``from_logits`` is positional in both (index 0); the next
# slot is ``ignore_class`` in one and ``label_smoothing`` in the other.  ``axis`` is
# in both Keras 3 classes, but not in Keras 2's SparseCategoricalCrossentropy, so a
# categorical loss with ``axis=`` is not made sparse.
# Functions (y_true, y_pred, from_logits, ...): the slot after from_logits differs too.
# tf.nn ops (labels, logits, ...): the third slot is ``name`` in the sparse op and
# ``axis`` in the other, and the sparse op has no ``axis``.
_KEPT = {
    ("class", "categorical"): (1, frozenset({"from_logits", "reduction", "name", "dtype", "axis"})),
    ("class", "sparse"): (1, frozenset({"from_logits", "reduction", "name", "dtype"})),
    ("function", "categorical"): (3, frozenset({"y_true", "y_pred", "target", "output", "from_logits", "axis"})),
    ("function", "sparse"): (3, frozenset({"y_true", "y_pred", "target", "output", "from_logits", "axis"})),
    ("op", "categorical"): (2, frozenset({"labels", "logits", "name"})),
    ("op", "sparse"): (2, frozenset({"labels", "logits", "name"})),
}

# Metric strings of compile(metrics=...) that, like the loss, assume one encoding
# (keras.metrics.get accepts each, Keras 3.15.1).  'accuracy'/'acc' and
# 'crossentropy' follow the loss by themselves.
_METRICS_TO_CATEGORICAL = {
    "sparse_categorical_accuracy": "categorical_accuracy",
    "SparseCategoricalAccuracy": "CategoricalAccuracy",
    "sparse_top_k_categorical_accuracy": "top_k_categorical_accuracy",
    "SparseTopKCategoricalAccuracy": "TopKCategoricalAccuracy",
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "CategoricalCrossentropy",
}
_METRICS_TO_SPARSE = {new: old for old, new in _METRICS_TO_CATEGORICAL.items()}
# Metric objects and functions that assume one encoding: a compile using one as a metric
# gets no fix (their arguments differ; changing them is left to the user).
_ENCODING_METRICS = frozenset(
    f"keras.metrics.{name}" for name in list(_METRICS_TO_CATEGORICAL) + list(_METRICS_TO_SPARSE)
)


def _is_method_call(node: Optional[cst.CSTNode], methods: frozenset) -> bool:
    return (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in methods
    )


def _enclosing_function(node: cst.CSTNode, ctx: FixContext) -> Optional[cst.CSTNode]:
    parent = ctx.parent(node)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda)):
        parent = ctx.parent(parent)
    return parent


def _only_fit_of_model(compile_call: cst.Call, use_call: cst.CSTNode, ctx: FixContext) -> bool:
    """The model compiled by ``compile_call`` is trained or evaluated in this file only by
    ``use_call``, in the same function, and goes nowhere else (no ``return model``,
    ``train(model)``, ``other = model``, ``model(x)``).  Names are counted over the whole
    module, whatever their scope: a name reused elsewhere only makes the fix unsafe."""
    func = compile_call.func
    assert isinstance(func, cst.Attribute)
    if not isinstance(func.value, cst.Name):
        return False
    if _enclosing_function(compile_call, ctx) is not _enclosing_function(use_call, ctx):
        return False
    uses = ctx.name_uses(func.value.value)
    if uses.bindings != 1:
        return False
    fits = 0
    for load in uses.loads:
        parent = ctx.parent(load)
        if not (isinstance(parent, cst.Attribute) and parent.value is load):
            return False  # the model itself is called, passed, returned or rebound
        call = ctx.parent(parent)
        if parent.attr.value == "compile" and call is not compile_call:
            return False  # compiled again
        if parent.attr.value in kb.FIT_METHODS:
            if call is not use_call:
                return False  # trained or evaluated elsewhere, maybe on other labels
            fits += 1
    return fits == 1


def _loss_places(loss_node: cst.CSTNode, use_call: cst.CSTNode, ctx: FixContext) -> Tuple[Optional[cst.Call], bool]:
    """The ``compile`` call the loss is given to (None for a loss called directly), and
    whether the loss is used in exactly one place: one compile of a model trained by the
    finding's call only, or one direct call."""
    if loss_node is use_call:
        return None, True  # keras.losses.fn(y, p) / tf.nn.*_with_logits(labels=..., logits=...)
    expression = loss_node
    parent = ctx.parent(expression)
    if isinstance(parent, cst.Assign) and parent.value is expression:  # loss_fn = Loss(...)
        targets = parent.targets
        if len(targets) != 1 or not isinstance(targets[0].target, cst.Name):
            return None, False
        uses = ctx.name_uses(targets[0].target.value)
        if uses.bindings != 1 or len(uses.loads) != 1:
            return None, False
        expression = uses.loads[0]
        parent = ctx.parent(expression)
        if isinstance(parent, cst.Call) and parent.func is expression:
            return None, parent is use_call
    if isinstance(parent, cst.Arg) and parent.value is expression:
        call = ctx.parent(parent)
        if _is_method_call(call, frozenset({"compile"})):
            assert isinstance(call, cst.Call)
            return call, _only_fit_of_model(call, use_call, ctx)
    return None, False


def _import_of(name: str, ctx: FixContext) -> Optional[Tuple[cst.ImportFrom, cst.ImportAlias]]:
    """The module-level ``from M import name`` (no ``as``) that binds ``name``."""
    for statement in ctx.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                if alias.asname is None and isinstance(alias.name, cst.Name) and alias.name.value == name:
                    return small, alias
    return None


def _renamed_reference(
    expr: cst.CSTNode, names: Dict[str, str], ctx: FixContext
) -> Optional[Tuple[str, str, List[Edit]]]:
    """``tf.keras.losses.Old`` -> ``tf.keras.losses.New`` (or a from-imported ``Old`` ->
    ``New``, importing it beside ``Old`` from the same module): the old and new canonical
    names and the edits, when the new spelling reaches the counterpart."""
    qualname = ctx.qualify(expr)
    if qualname is None:
        return None
    old = qualname.rsplit(".", 1)[-1]
    new = names.get(old)
    if new is None or qualname.startswith("tensorflow.compat."):
        return None
    target = qualname[: -len(old)] + new
    if isinstance(expr, cst.Attribute):
        if expr.attr.value != old:
            return None
        renamed = expr.with_changes(attr=cst.Name(new))
        if ctx.qualify(renamed) != target:
            return None
        return qualname, target, [replace(expr, renamed)]
    if not isinstance(expr, cst.Name) or expr.value != old:
        return None  # imported under another name: we do not invent one for the counterpart
    new_uses = ctx.name_uses(new)
    if ctx.imports.lookup(new) is not None:  # already imported
        if ctx.qualify(cst.Name(new)) != target or new_uses.bindings != 1:
            return None
        return qualname, target, [replace(expr, cst.Name(new))]
    if new_uses.bindings or new_uses.loads:
        return None  # the new name means something else here
    found = _import_of(old, ctx)
    if found is None:
        return None
    statement, alias = found
    module = dotted_name(statement.module) if statement.module is not None else None
    if module is None or canonical(f"{module}.{new}") != target:
        return None
    edits = [replace(expr, cst.Name(new))]
    if len(ctx.name_uses(old).loads) == 1:  # the import served only this use: rename it
        edits.append(replace(alias.name, cst.Name(new)))
    else:
        extended = extend_import(statement, new)
        if extended is None:
            return None
        edits.append(extended)
    return qualname, target, edits


def _form(qualname: str) -> Optional[str]:
    if qualname in kb.LOSS_CLASSES:
        return "class"
    if qualname in kb.LOSS_FUNCTIONS:
        return "function"
    if qualname in kb.LOGITS_OPS:
        return "op"
    return None


def _arguments_carry_over(call: cst.Call, form: str, to: str) -> bool:
    positional, keywords = _KEPT[(form, to)]
    for index, arg in enumerate(call.args):
        if arg.star:
            return False  # *args/**kwargs may hold anything
        if arg.keyword is None:
            if index >= positional:
                return False
        elif arg.keyword.value not in keywords:
            return False  # ignore_class, label_smoothing, ...
    return True


def _metric_edits(
    compile_call: cst.Call, metrics: Dict[str, str], ctx: FixContext
) -> Tuple[List[Edit], List[str], bool]:
    """Switch encoding-specific metric strings in ``metrics=``/``weighted_metrics=``: the edits,
    the new names, and whether every metric could be seen (a literal list or tuple of strings,
    library metrics and metric objects, or one string)."""
    edits: List[Edit] = []
    switched: List[str] = []
    seen = True
    for keyword in ("metrics", "weighted_metrics"):
        arg = next((a for a in compile_call.args if a.keyword is not None and a.keyword.value == keyword), None)
        if arg is None:
            continue
        value = arg.value
        elements = [e.value for e in value.elements] if isinstance(value, (cst.List, cst.Tuple)) else [value]
        for element in elements:
            if isinstance(element, cst.SimpleString):
                if "\\" in element.value or element.prefix:
                    seen = False
                    continue
                new = metrics.get(element.raw_value)
                if new is not None:
                    edits.append(replace(element, string_literal(new, element)))
                    switched.append(new)
            elif isinstance(element, cst.Call) or ctx.qualify(element) is not None:
                continue  # a metric object or library function: see _encoding_metric_objects
            else:
                seen = False  # a variable or function of the user's: its metric is not seen
    return edits, switched, seen


def _encoding_metric_objects(compile_call: cst.Call, ctx: FixContext) -> bool:
    """A metric object or function in the compile that assumes one encoding."""
    found = False

    class Find(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            nonlocal found
            if ctx.qualify(node) in _ENCODING_METRICS:
                found = True
            return True

        def visit_Name(self, node: cst.Name) -> None:
            nonlocal found
            if ctx.qualify(node) in _ENCODING_METRICS:
                found = True

    for arg in compile_call.args:
        if arg.keyword is not None and arg.keyword.value in ("metrics", "weighted_metrics"):
            arg.value.visit(Find())
    return found


def _switch_encoding(finding: Finding, ctx: FixContext, to: str) -> Optional[Fix]:
    use = finding.subject
    if not isinstance(use, LabelUse) or use.loss is None:
        return None
    if use.meets == "feed":
        return None  # the placeholder's written shape takes the old encoding too: switching the op alone still fails
    names = _SPARSE_TO_CATEGORICAL if to == "categorical" else _CATEGORICAL_TO_SPARSE
    node = use.loss.site.node
    edits: List[Edit] = []
    if isinstance(node, cst.SimpleString):  # 'sparse_categorical_crossentropy'
        new = names.get(node.raw_value) if "\\" not in node.value and not node.prefix else None
        if new is None or new not in kb.LOSS_STRINGS:
            return None
        edits.append(replace(node, string_literal(new, node)))
    elif isinstance(node, cst.Call):  # SparseCategoricalCrossentropy(...), fn(y, p), tf.nn op
        qualname = ctx.qualify(node.func)
        form = _form(qualname or "")
        if form is None or not _arguments_carry_over(node, form, to):
            return None
        renamed = _renamed_reference(node.func, names, ctx)
        if renamed is None or _form(renamed[1]) != form:
            return None
        new = renamed[1].rsplit(".", 1)[-1]
        edits.extend(renamed[2])
    elif isinstance(node, (cst.Name, cst.Attribute)):  # loss=keras.losses.sparse_categorical_crossentropy
        renamed = _renamed_reference(node, names, ctx)
        if renamed is None or _form(renamed[1]) is None:
            return None
        new = renamed[1].rsplit(".", 1)[-1]
        edits.extend(renamed[2])
    else:
        return None
    compile_call, safe = _loss_places(node, use.call_site.node, ctx)
    description = f"use {new}"
    if compile_call is not None:
        if _encoding_metric_objects(compile_call, ctx):
            return None
        metric_edits, switched, seen = _metric_edits(
            compile_call, _METRICS_TO_CATEGORICAL if to == "categorical" else _METRICS_TO_SPARSE, ctx
        )
        edits.extend(metric_edits)
        if switched:
            description += " (and " + ", ".join(switched) + " in the metrics)"
        safe = safe and seen
    family = CATEGORICAL if to == "categorical" else SPARSE_CATEGORICAL
    return Fix(finding.code, description, safe, tuple(edits), changing(LossSpec, "site", use.loss.site, family=family))


@fixer(
    "LL201",
    "`losslint fix` switches the loss to its categorical counterpart, spelled as the file spells "
    "it: `'sparse_categorical_crossentropy'` becomes `'categorical_crossentropy'`, "
    "`tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)` becomes "
    "`tf.keras.losses.CategoricalCrossentropy(from_logits=True)`, the function "
    "`sparse_categorical_crossentropy(y, p)` becomes `categorical_crossentropy(y, p)`, and "
    "`tf.nn.sparse_softmax_cross_entropy_with_logits` becomes `tf.nn.softmax_cross_entropy_with_logits`. "
    "Arguments are kept (`from_logits`, `reduction`, `name`, `dtype`, `axis`); a loss with an argument "
    "the counterpart lacks (`ignore_class`, a third positional argument, `*args`) gets no fix. "
    "A name from `from keras.losses import SparseCategoricalCrossentropy` is replaced by the "
    "counterpart imported from the same module (the import is renamed when the old name has no "
    "other use, else extended on its line); a name imported `as` something else gets no fix. "
    "Metric strings of the same `compile` that assume the labels' old encoding "
    "(`'sparse_categorical_accuracy'`, `'sparse_top_k_categorical_accuracy'`) are switched too; "
    "a metric object of that kind (`SparseCategoricalAccuracy()`) means no fix, and so do "
    "integer labels meeting the same loss elsewhere (`fit`'s own labels beside one-hot "
    "`validation_data`): no loss fits both. "
    "Safe when the loss is used in exactly one place: a loss called directly, a loss object used "
    "once, or a `compile` whose model is trained or evaluated in this file only by the call with "
    "the one-hot labels, in the same function, and passed nowhere (metrics written as literals). "
    "Otherwise (the model is returned by a builder, or fitted twice) the other uses may have "
    "integer labels, so the fix is unsafe and needs `--unsafe-fixes`. Dropping the one-hot "
    "encoding instead is left to you.",
)
def _sparse_loss_one_hot_labels(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    return _switch_encoding(finding, ctx, "categorical")


@fixer(
    "LL202",
    "`losslint fix` switches the loss to its sparse counterpart, spelled as the file spells it: "
    "`'categorical_crossentropy'` becomes `'sparse_categorical_crossentropy'`, "
    "`keras.losses.CategoricalCrossentropy(from_logits=True)` becomes "
    "`keras.losses.SparseCategoricalCrossentropy(from_logits=True)`, the function form and "
    "`tf.nn.softmax_cross_entropy_with_logits` likewise. Arguments are kept (`from_logits`, "
    "`reduction`, `name`, `dtype`; `axis` for the function form); a loss with an argument the sparse "
    "loss lacks (`label_smoothing`, `axis=` on the class, whose Keras 2 sparse counterpart has none, "
    "a third positional argument) gets no fix, nor does `categorical_focal_crossentropy`, which has "
    "no sparse counterpart. Imports, metric strings (`'categorical_accuracy'` becomes "
    "`'sparse_categorical_accuracy'`) and safety are as for LL201: safe only when the loss is used "
    "in exactly one place, else unsafe; one-hot labels meeting the same loss elsewhere mean no fix. "
    "One-hot encoding the labels instead is left to you.",
)
def _categorical_loss_integer_labels(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    return _switch_encoding(finding, ctx, "sparse")
