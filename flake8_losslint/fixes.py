"""Autofixes: LibCST edits built from a finding's subject, keyed by rule code.

A fixer is registered for one code with ``@fixer(code, summary)``; it receives
the ``Finding`` (whose ``subject`` is the fact the rule judged: a ``LossUse``,
``LayerFact`` or ``Head``, all holding ``Site``s, i.e. nodes of the parsed
module) and a ``FixContext``, and returns a ``Fix`` or None when the fix is not
certain.  A ``Fix`` is a list of ``Edit``s, each replacing one node (found by
identity) with a function of it, and says whether it is safe: a safe fix does
what the finding's message asks and nothing a user could have wanted
otherwise; an unsafe one (changing what a model outputs, for instance) is
applied only with ``--unsafe-fixes``.

``fix_source`` applies one fix at a time and re-analyses after each: a fix is
kept only if the file still parses, has fewer findings than before, and no
code gained one, so a fixed file re-checks clean for what was fixed and
fixing twice changes nothing the second time.  The flake8 plugin never fixes.

Adding a fix for another rule (LL201/LL202: switch the loss to the encoding
the labels have) is a function in this module::

    @fixer("LL201", "Replaces the loss with the one for the labels' encoding (safe).")
    def _labels_encoding(finding: Finding, ctx: FixContext) -> Optional[Fix]:
        use = finding.subject                  # whatever fact the rule put there
        ...                                    # build Edits with the helpers below
        return Fix("LL201", "use sparse_categorical_crossentropy", True, edits)

``loss_class_expression`` spells a loss class the way the file's imports
allow; ``replace``, ``remove_argument``, ``add_keyword`` and
``rename_activation`` cover the edits the existing fixes make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from . import knowledge as kb
from .engine import Report, analyze_module
from .facts import BINARY, LINEAR, LOG_SOFTMAX, SIGMOID, SOFTMAX, Head, LossUse
from .names import ImportTable, canonical, dotted_name
from .prefilter import worth_parsing
from .rules import Finding

# Which way to resolve a mismatch between a loss and the activation before it.
STYLE_MINIMAL = "minimal"  # change the loss (from_logits), never the model
STYLE_LOGITS = "logits"  # linear head + from_logits=True (LL101: drop the activation)
STYLE_PROBABILITIES = "probabilities"  # softmax/sigmoid head + from_logits=False (LL102: add it)
STYLES = (STYLE_MINIMAL, STYLE_LOGITS, STYLE_PROBABILITIES)

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


@dataclass(frozen=True)
class Fixer:
    code: str
    build: Callable[[Finding, "FixContext"], Optional[Fix]]
    summary: str  # what the fix does and when it is safe: the "Fix" section of the rule page


FIXERS: Dict[str, Fixer] = {}


def fixer(code: str, summary: str) -> Callable:
    def register(build: Callable[[Finding, "FixContext"], Optional[Fix]]) -> Callable:
        if code in FIXERS:
            raise ValueError(f"duplicate fixer for {code}")
        FIXERS[code] = Fixer(code, build, summary)
        return build

    return register


class FixContext:
    """The module being fixed, with the look-ups fixers need, computed on demand."""

    def __init__(self, module: cst.Module, style: str = STYLE_MINIMAL) -> None:
        self.module = module
        self.style = style
        self._parents: Optional[Dict[int, cst.CSTNode]] = None
        self._imports: Optional[ImportTable] = None

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        if self._parents is None:
            self._parents = _parent_table(self.module)
        return self._parents.get(id(node))

    @property
    def imports(self) -> ImportTable:
        if self._imports is None:
            table = ImportTable()

            class Imports(cst.CSTVisitor):
                def visit_Import(self, node: cst.Import) -> None:
                    table.visit_import(node)

                def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
                    table.visit_import_from(node)

            self.module.visit(Imports())
            self._imports = table
        return self._imports

    def qualify(self, node: cst.CSTNode) -> Optional[str]:
        """Canonical library name of a dotted expression, through the imports."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        base = self.imports.lookup(head)
        if base is None:
            return None
        return canonical(f"{base}.{rest}" if rest else base)


def _parent_table(module: cst.Module) -> Dict[int, cst.CSTNode]:
    parents: Dict[int, cst.CSTNode] = {}
    stack: List[cst.CSTNode] = []

    class Parents(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if stack:
                parents[id(node)] = stack[-1]
            stack.append(node)
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            stack.pop()

    module.visit(Parents())
    return parents


def fix_for(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    registered = FIXERS.get(finding.code)
    if registered is None or finding.subject is None:
        return None
    return registered.build(finding, ctx)


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
) -> FixOutcome:
    """Apply every allowed fix to ``source``, one at a time, re-checking after each.

    ``keep`` filters the reports (selection, ``# noqa``): a finding it drops is
    neither fixed nor remaining.
    """
    applied: List[Fix] = []
    checked = _reports(source, keep)
    reports = checked[1] if checked is not None else []
    rejected: set = set()
    while len(applied) < max_fixes and checked is not None:
        module = cst.parse_module(source)
        # The sites of findings must be nodes of the module we edit.
        everything = analyze_module(module)
        current = keep(source, everything)
        ctx = FixContext(module, style)
        progressed = False
        for report in current:
            key = (report.line, report.col, report.code)
            if key in rejected:
                continue
            tried = try_fix(ctx, report, everything, current, keep, unsafe)
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
    checked = _reports(candidate, keep)
    if checked is None:
        return None
    after_everything, after = checked
    if len(after) >= len(current) or not _no_code_gains(everything, after_everything):
        return None
    return fix, candidate, after


def _reports(source: str, keep: Keep) -> Optional[Tuple[List[Report], List[Report]]]:
    """All the reports of ``source`` and the kept ones; None if it does not parse."""
    if not worth_parsing(source):
        return [], []
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    everything = analyze_module(module)
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


# -- edit helpers -------------------------------------------------------------------------------

def replace(node: cst.CSTNode, new: cst.CSTNode) -> Edit:
    return Edit(node, lambda _old: new)


def _no_space() -> cst.AssignEqual:
    return cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )


def _drop_item(items: Sequence, index: int) -> list:
    """``items`` without ``items[index]``; a removed last item leaves its comma to the new last."""
    kept = list(items)
    removed = kept.pop(index)
    if kept and index == len(kept):
        kept[-1] = kept[-1].with_changes(comma=removed.comma)
    return kept


def remove_argument(call: cst.Call, arg: cst.Arg) -> Optional[Edit]:
    """Remove ``arg`` from ``call``; None when later positional arguments would shift."""
    index = next((i for i, each in enumerate(call.args) if each is arg), None)
    if index is None:
        return None
    if arg.keyword is None:
        if arg.star or any(a.keyword is None for a in call.args[index + 1:]):
            return None

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        args = _drop_item(node.args, index)
        if not args:
            return node.with_changes(args=args, whitespace_before_args=cst.SimpleWhitespace(""))
        return node.with_changes(args=args)

    return Edit(call, change)


def _remove_element(sequence: Union[cst.List, cst.Tuple], element: cst.BaseElement) -> Optional[Edit]:
    index = next((i for i, each in enumerate(sequence.elements) if each is element), None)
    if index is None or len(sequence.elements) < 2:
        return None

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, (cst.List, cst.Tuple))
        return node.with_changes(elements=_drop_item(node.elements, index))

    return Edit(sequence, change)


def add_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> Optional[Edit]:
    """Append ``keyword=value`` to ``call``, following its layout (one line, or one argument a line)."""
    if any(a.keyword is not None and a.keyword.value == keyword for a in call.args):
        return None
    if any(a.star for a in call.args):
        return None  # *args/**kwargs may already carry it

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        new = cst.Arg(value=value, keyword=cst.Name(keyword), equal=_no_space())
        args = list(node.args)
        if not args:
            return node.with_changes(args=[new])
        last = args[-1]
        tail = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
        if isinstance(tail, cst.ParenthesizedWhitespace):  # one argument a line, trailing comma
            # The last argument keeps its comment; the new one goes on the next line,
            # indented like the others, and takes over the line break before ")".
            before = args[-2].comma.whitespace_after if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) else node.whitespace_before_args
            indent = before.last_line if isinstance(before, cst.ParenthesizedWhitespace) else tail.last_line
            args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=tail.with_changes(last_line=indent)))
            new = new.with_changes(
                comma=cst.Comma(
                    whitespace_after=cst.ParenthesizedWhitespace(indent=tail.indent, last_line=tail.last_line)
                )
            )
        elif isinstance(last.comma, cst.Comma):  # f(a,) -> f(a, from_logits=True,)
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            new = new.with_changes(comma=last.comma)
        elif len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) and isinstance(
            args[-2].comma.whitespace_after, cst.ParenthesizedWhitespace
        ):  # one argument a line, no trailing comma
            between = args[-2].comma.whitespace_after
            args[-1] = last.with_changes(
                comma=cst.Comma(
                    whitespace_after=cst.ParenthesizedWhitespace(indent=between.indent, last_line=between.last_line)
                ),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(args=args + [new])

    return Edit(call, change)


def _string(text: str, like: Optional[cst.CSTNode] = None) -> cst.SimpleString:
    quote = like.quote if isinstance(like, cst.SimpleString) and like.quote in ('"', "'") else '"'
    return cst.SimpleString(f"{quote}{text}{quote}")


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
            return replace(value, _string(new, value))
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
        return replace(site, site.with_changes(func=func, args=[cst.Arg(_string(new))]))
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
            return _remove_element(sequence, parent)
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
            return replace(value, _string(activation, value))
        return None
    if isinstance(site, cst.Call):  # Dense(10) with no activation
        kind = kb.UNIT_LAYERS.get(ctx.qualify(site.func) or "")
        if kind is None or kind.default_activation != LINEAR:
            return None
        return add_keyword(site, "activation", _string(activation))
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


# -- the fixes ------------------------------------------------------------------------------------

def _set_from_logits(use: LossUse, value: bool, ctx: FixContext) -> Optional[Edit]:
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
    if spelled is None:
        return None
    return replace(node, cst.parse_expression(f"{spelled}(from_logits={literal.value})"))


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
    activation = use.prediction.activation
    if ctx.style == STYLE_LOGITS:
        edit = drop_activation(use.prediction, ctx)
        return Fix("LL101", f"remove the {activation} and keep from_logits=True", False, (edit,)) if edit else None
    edit = _set_from_logits(use, False, ctx)
    return Fix("LL101", "set from_logits=False", True, (edit,)) if edit else None


@fixer(
    "LL102",
    "`losslint fix` sets `from_logits=True` on the loss (safe). A string loss or a loss function "
    "passed to `compile` becomes the matching class, spelled through the Keras the file already "
    "imports (`keras.losses.SparseCategoricalCrossentropy(from_logits=True)`); with no usable "
    "import there is no fix, nor for a `from_logits=` set from a variable. "
    "With `--probabilities-style` it ends the model with a softmax "
    "(sigmoid for a binary loss) instead, which changes the model's output: unsafe, needs "
    "`--unsafe-fixes`.",
)
def _probabilities_loss_on_logits(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    use = finding.subject
    if not isinstance(use, LossUse):
        return None
    if ctx.style == STYLE_PROBABILITIES:
        wanted = SIGMOID if use.loss.family == BINARY else SOFTMAX
        if wanted == SOFTMAX and use.prediction.units == 1:
            return None  # a softmax over one unit is LL103
        edit = add_activation(use.prediction, wanted, ctx)
        return Fix("LL102", f"end the model with a {wanted}", False, (edit,)) if edit else None
    edit = _set_from_logits(use, True, ctx)
    return Fix("LL102", "set from_logits=True", True, (edit,)) if edit else None


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
    return Fix("LL103", "use a sigmoid", True, (edit,)) if edit else None
