"""Fixes for the activation/loss family (LL101-LL103): set ``from_logits`` on the loss,
or (with a style) drop or add the softmax/sigmoid; a softmax over one unit becomes a sigmoid.

``rename_activation``, ``drop_activation`` and ``add_activation`` edit where a
head's activation is written; ``loss_class_expression`` spells a Keras loss class
through the file's own imports.
"""

from __future__ import annotations

import dataclasses
from typing import Any, List, Optional, Tuple

import libcst as cst

from ..facts import BINARY, LINEAR, LOG_SOFTMAX, SIGMOID, SOFTMAX, Facts, Head, LayerFact, LossSpec, LossUse, Site
from ..interp.domains import keras as kb
from ..rules import Finding
from ..syntax.names import canonical
from .context import STYLE_LOGITS, STYLE_PROBABILITIES, FixContext
from .driver import Edit, Fix, fixer
from .edits import add_keyword, extend_import, import_after, remove_argument, remove_element, replace, string_literal
from .effects import Effect, changing

# Homes whose softmax, sigmoid and log_softmax all exist (checked on TF 2.21, Keras 3.15.1).
_RENAMABLE_HOMES = ("tensorflow.nn.", "keras.activations.", "keras.ops.")


def _renamed_function(expr: cst.CSTNode, old: str, new: str, ctx: FixContext) -> Optional[cst.CSTNode]:
    """``tf.nn.<old>`` -> ``tf.nn.<new>`` when both are the activations we think they are."""
    if not isinstance(expr, cst.Attribute) or expr.attr.value != old:
        return None
    qualname = ctx.qualify(expr)
    if qualname is None or kb.ACTIVATION_FUNCTIONS.get(qualname) != old:
        return None
    if not qualname.startswith(_RENAMABLE_HOMES):
        return None
    renamed = expr.with_changes(attr=cst.Name(new))
    target = ctx.qualify(renamed)
    if target is None or kb.ACTIVATION_FUNCTIONS.get(target) != new:
        return None
    return renamed


def _activation_value_edit(value: cst.BaseExpression, old: str, new: str, ctx: FixContext) -> Optional[Edit]:
    """An ``activation=`` value naming ``old`` -> the same spelling of ``new``."""
    if isinstance(value, cst.SimpleString):
        if value.raw_value == old and "\\" not in value.value:
            return replace(value, string_literal(new, value))
        return None
    renamed = _renamed_function(value, old, new, ctx)
    return replace(value, renamed) if renamed is not None else None


def rename_activation(site: cst.CSTNode, old: str, new: str, ctx: FixContext) -> Optional[Edit]:
    """Turn the activation written at ``site`` (an ``activation=`` argument, an
    ``Activation(...)`` layer, an activation call) from ``old`` into ``new``."""
    if isinstance(site, cst.Arg):
        return _activation_value_edit(site.value, old, new, ctx)
    if not isinstance(site, cst.Call):
        return None
    qualname = ctx.qualify(site.func)
    if qualname in kb.ACTIVATION_FUNCTIONS:
        if new == SIGMOID and len(site.args) != 1:
            return None  # sigmoid takes no axis
        renamed = _renamed_function(site.func, old, new, ctx)
        return replace(site.func, renamed) if renamed is not None else None
    if qualname == kb.ACTIVATION_LAYER:
        arg = next((a for a in site.args if a.keyword is None or a.keyword.value == "activation"), None)
        return _activation_value_edit(arg.value, old, new, ctx) if arg is not None and not arg.star else None
    if qualname == kb.SOFTMAX_LAYER and old == SOFTMAX and not site.args:
        # keras.layers.Softmax() -> keras.layers.Activation("sigmoid"), spelled like the original
        if not isinstance(site.func, cst.Attribute):
            return None
        func = site.func.with_changes(attr=cst.Name("Activation"))
        if ctx.qualify(func) != kb.ACTIVATION_LAYER:
            return None
        return replace(site, site.with_changes(func=func, args=[cst.Arg(string_literal(new))]))
    return None


def drop_activation(head: Head, ctx: FixContext) -> Optional[Edit]:
    """Remove the softmax/sigmoid that ends ``head``, leaving what came before it."""
    if head.activation_site is None:
        return None
    site = head.activation_site.node
    if isinstance(site, cst.Arg):  # Dense(10, activation="softmax")
        call = ctx.parent(site)
        return remove_argument(call, site) if isinstance(call, cst.Call) else None
    if not isinstance(site, cst.Call):
        return None
    qualname = ctx.qualify(site.func)
    if qualname in kb.ACTIVATION_FUNCTIONS:  # tf.nn.softmax(x) -> x
        positional = [a for a in site.args if a.keyword is None]
        if len(positional) != 1 or positional[0].star:
            return None
        return replace(site, positional[0].value)
    if qualname not in (kb.ACTIVATION_LAYER, kb.SOFTMAX_LAYER):
        return None
    parent = ctx.parent(site)
    if isinstance(parent, cst.Call) and parent.func is site:  # Softmax()(x) -> x
        if len(parent.args) != 1 or parent.args[0].keyword is not None or parent.args[0].star:
            return None
        return replace(parent, parent.args[0].value)
    if isinstance(parent, cst.Element):  # Sequential([..., Softmax()])
        sequence = ctx.parent(parent)
        if isinstance(sequence, (cst.List, cst.Tuple)):
            return remove_element(sequence, parent)
        return None
    if isinstance(parent, cst.Arg):  # model.add(Softmax()) on a line of its own
        call = ctx.parent(parent)
        expr = ctx.parent(call) if call is not None else None
        line = ctx.parent(expr) if expr is not None else None
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "add"
            and len(call.args) == 1
            and isinstance(expr, cst.Expr)
            and isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
            and not any(empty.comment is not None for empty in line.leading_lines)
            and line.trailing_whitespace.comment is None
        ):
            return Edit(line, lambda _old: cst.RemoveFromParent())
    return None


def add_activation(head: Head, activation: str, ctx: FixContext) -> Optional[Edit]:
    """End a linear or log_softmax ``head`` with ``activation`` instead."""
    if head.activation_site is None:
        return None
    site = head.activation_site.node
    if head.activation == LOG_SOFTMAX:
        return rename_activation(site, LOG_SOFTMAX, activation, ctx) if activation == SOFTMAX else None
    if head.activation != LINEAR:
        return None
    if isinstance(site, cst.Arg):  # activation=None / "linear"
        value = site.value
        if isinstance(value, cst.Name) and value.value == "None" or (
            isinstance(value, cst.SimpleString) and value.raw_value == LINEAR
        ):
            return replace(value, string_literal(activation, value))
        return None
    if isinstance(site, cst.Call):  # Dense(10) with no activation
        kind = kb.UNIT_LAYERS.get(ctx.qualify(site.func) or "")
        if kind is None or kind.default_activation != LINEAR:
            return None
        return add_keyword(site, "activation", string_literal(activation))
    return None


# -- spelling a loss class the way the file can reach it ------------------------------------

_CLASS_OF = {
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
    "bce": "BinaryCrossentropy",
    "BCE": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
}


def _flavour(qualified: str) -> str:
    return qualified.split(".", 1)[0]  # "keras", "tensorflow" or "tf_keras"


def loss_class_expression(class_name: str, ctx: FixContext) -> Optional[str]:
    """``keras.losses.<class_name>`` as this file can spell it through its imports.

    Only one Keras may be in play: a file importing both ``keras`` and
    ``tf_keras`` (or ``tensorflow.keras``) gets no spelling.
    """
    bindings = ctx.imports.bindings()
    keras_bound = {
        local: qualified
        for local, qualified in bindings.items()
        if canonical(qualified) == "keras" or canonical(qualified).startswith("keras.")
    }
    flavours = {_flavour(q) for q in keras_bound.values()}
    if len(flavours) > 1:
        return None
    ranked: List[Tuple[int, str]] = []
    for local, qualified in keras_bound.items():
        name = canonical(qualified)
        if name == f"keras.losses.{class_name}":
            ranked.append((0, local))
        elif name == "keras.losses":
            ranked.append((1, f"{local}.{class_name}"))
        elif name == "keras":
            ranked.append((2, f"{local}.losses.{class_name}"))
    if not keras_bound:
        for local, qualified in bindings.items():
            if qualified == "tensorflow":
                ranked.append((3, f"{local}.keras.losses.{class_name}"))
    return min(ranked)[1] if ranked else None


def _keras_home(qualified: str) -> Optional[str]:
    """The module a Keras name was imported from, down to its Keras root: ``keras``,
    ``tensorflow.keras`` or ``tf_keras`` (None for ``keras.src`` and the like)."""
    for home in ("tensorflow.keras", "tf_keras", "keras"):
        if qualified == home or qualified.startswith(home + "."):
            rest = qualified[len(home):]
            return home if not rest.startswith((".src", ".api", "._")) else None
    return None


def imported_loss_class(class_name: str, ctx: FixContext) -> Optional[Tuple[str, Edit]]:
    """``class_name`` and the edit that imports it (``from keras.losses import X``), for a
    file that imports Keras only through names it cannot spell the loss with
    (``from keras.models import Sequential``).  The import goes after the top-level
    statement that imports Keras, from the same Keras; None when the name is taken or
    Keras is imported only inside a block (a ``try``, a function)."""
    homes = {_keras_home(q) for q in ctx.imports.bindings().values() if canonical(q).split(".")[0] == "keras"}
    homes.discard(None)
    if len(homes) != 1:
        return None
    (home,) = homes
    uses = ctx.name_uses(class_name)
    if uses.bindings or uses.loads or ctx.imports.lookup(class_name) is not None:
        return None  # the name means something else here
    module_name = f"{home}.losses"
    for statement in ctx.module.body:  # `from keras.losses import X` already: add to it
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative
                    and cst.Module(body=[]).code_for_node(small.module) == module_name
                    and not isinstance(small.names, cst.ImportStar)
                    and all(alias.asname is None for alias in small.names)):
                extended = extend_import(small, class_name)
                if extended is not None:
                    return class_name, extended
    anchor = None
    for statement in ctx.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                spelled = cst.Module(body=[]).code_for_node(small.module)
            elif isinstance(small, cst.Import):
                spelled = " ".join(cst.Module(body=[]).code_for_node(alias.name) for alias in small.names)
            else:
                continue
            if any(_keras_home(word) == home for word in spelled.split()):
                anchor = statement
    if anchor is None:
        return None
    return class_name, import_after(anchor, module_name, class_name)


# -- the fixes ------------------------------------------------------------------------------------

def _set_from_logits(use: LossUse, value: bool, ctx: FixContext) -> Optional[Tuple[Edit, ...]]:
    """The edits that set ``from_logits=value`` on the loss of ``use``."""
    edit = _from_logits_edit(use, value, ctx)
    if edit is None:
        return None
    return edit if isinstance(edit, tuple) else (edit,)


def _from_logits_edit(use: LossUse, value: bool, ctx: FixContext) -> Any:
    loss = use.loss
    literal = cst.Name("True" if value else "False")
    if loss.from_logits_site is not None:
        arg = loss.from_logits_site.node
        if not (isinstance(arg, cst.Arg) and isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False")):
            return None  # from_logits=SOME_FLAG: the flag is the user's to change
        return replace(arg.value, literal)
    node = loss.site.node
    if isinstance(node, cst.Call):  # SparseCategoricalCrossentropy() / loss function called directly
        return add_keyword(node, "from_logits", literal)
    # A loss string or function reference written as the compile() argument itself.
    arg = ctx.parent(node)
    if not (isinstance(arg, cst.Arg) and ctx.parent(arg) is use.call_site.node):
        return None
    if isinstance(node, cst.SimpleString):
        name = node.raw_value if "\\" not in node.value else None
    else:
        qualname = ctx.qualify(node)
        name = qualname.rsplit(".", 1)[-1] if qualname in kb.LOSS_FUNCTIONS else None
    class_name = _CLASS_OF.get(name or "", name if name in _CLASS_OF.values() else None)
    if class_name is None:
        return None
    spelled = loss_class_expression(class_name, ctx)
    if spelled is not None:
        return replace(node, cst.parse_expression(f"{spelled}(from_logits={literal.value})"))
    imported = imported_loss_class(class_name, ctx)
    if imported is None:
        return None
    name, import_edit = imported
    return (replace(node, cst.parse_expression(f"{name}(from_logits={literal.value})")), import_edit)


def _loss_becomes(use: LossUse, **changes: Any) -> Effect:
    return changing(LossSpec, "site", use.loss.site, **changes)


def _activation_becomes(site: Optional[Site], activation: str) -> Optional[Effect]:
    """The head (and the layer) whose activation is written at ``site`` ends in ``activation``."""
    return changing((Head, LayerFact), "activation_site", site, activation=activation) if site is not None else None


def _sigmoid_instead_of_softmax(site: Site) -> Effect:
    heads = _activation_becomes(site, SIGMOID)
    assert heads is not None

    def change(fact: Any) -> Any:
        if isinstance(fact, Facts):  # a sigmoid is no softmax over one unit
            kept = tuple(head for head in fact.single_unit_softmax if head.activation_site != site)
            return dataclasses.replace(fact, single_unit_softmax=kept)
        return heads.change(fact)

    return Effect(site, change)


@fixer(
    "LL101",
    "`losslint fix` sets `from_logits=False` on the loss (safe: the model is not touched). "
    "With `--logits-style` it removes the softmax/sigmoid instead and keeps `from_logits=True`; "
    "that changes what the model outputs (`predict` returns logits), so it is unsafe and needs "
    "`--unsafe-fixes`. A `from_logits=` set from a variable is left for you to change.",
)
def _from_logits_on_probabilities(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    use = finding.subject
    if not isinstance(use, LossUse):
        return None
    head = use.prediction
    in_this_file = head.activation_site is None or isinstance(head.activation_site.node, cst.CSTNode)
    if ctx.style == STYLE_LOGITS and in_this_file:
        edit = drop_activation(head, ctx)
        if edit is None:
            return None
        # Without its activation= argument a layer is linear; a removed Softmax() or
        # tf.nn.softmax(x) leaves whatever came before it, which the head does not record.
        linear = head.activation_site is not None and isinstance(head.activation_site.node, cst.Arg)
        effect = _activation_becomes(head.activation_site, LINEAR) if linear else None
        return Fix("LL101", f"remove the {head.activation} and keep from_logits=True", False, (edit,), effect)
    # The minimal fix; also --logits-style's when the activation is written in another
    # module, which a fix of this file cannot edit.
    edits = _set_from_logits(use, False, ctx)
    if edits is None:
        return None
    return Fix("LL101", "set from_logits=False", True, edits, _loss_becomes(use, from_logits=False))


@fixer(
    "LL102",
    "`losslint fix` sets `from_logits=True` on the loss (safe). A string loss or a loss function "
    "passed to `compile` becomes the matching class, spelled through the Keras the file already "
    "imports (`keras.losses.SparseCategoricalCrossentropy(from_logits=True)`); a file that imports "
    "Keras only through other names (`from keras.models import Sequential`) gets the class imported "
    "beside them (`from keras.losses import SparseCategoricalCrossentropy`), as ruff's fixes add "
    "what they need. There is no fix for a `from_logits=` set from a variable. "
    "With `--probabilities-style` it ends the model with a softmax "
    "(sigmoid for a binary loss) instead, which changes the model's output: unsafe, needs "
    "`--unsafe-fixes`.",
)
def _probabilities_loss_on_logits(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    use = finding.subject
    if not isinstance(use, LossUse):
        return None
    if use.prediction.units == 1 and use.loss.family != BINARY:
        return None  # no categorical loss works on one unit: the layer or the loss must change, by hand
    if ctx.style == STYLE_PROBABILITIES:
        wanted = SIGMOID if use.loss.family == BINARY else SOFTMAX
        if wanted == SOFTMAX and use.prediction.units == 1:
            return None  # a softmax over one unit is LL103
        edit = add_activation(use.prediction, wanted, ctx)
        if edit is None:
            return None
        effect = _activation_becomes(use.prediction.activation_site, wanted)
        return Fix("LL102", f"end the model with a {wanted}", False, (edit,), effect)
    edits = _set_from_logits(use, True, ctx)
    if edits is None:
        return None
    return Fix("LL102", "set from_logits=True", True, edits, _loss_becomes(use, from_logits=True))


@fixer(
    "LL103",
    "`losslint fix` replaces the softmax with a sigmoid (`activation=\"sigmoid\"`, "
    "`Activation(\"sigmoid\")`, `tf.nn.sigmoid`), the activation of a one-unit binary output. "
    "Safe: a softmax over one unit is constant, so no working program relies on it. If you "
    "meant several classes, widen the layer instead.",
)
def _softmax_on_single_unit(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    subject = finding.subject
    site = getattr(subject, "activation_site", None)
    if site is None:
        return None
    edit = rename_activation(site.node, SOFTMAX, SIGMOID, ctx)
    if edit is None:
        return None
    return Fix("LL103", "use a sigmoid", True, (edit,), _sigmoid_instead_of_softmax(site))
