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

Adding a fix for another rule is a function in this module::

    @fixer("LL1xx", "What the fix does and when it is safe (the rule page's Fix section).")
    def _my_fix(finding: Finding, ctx: FixContext) -> Optional[Fix]:
        use = finding.subject                  # whatever fact the rule put there
        ...                                    # build Edits with the helpers below
        return Fix("LL1xx", "use ...", True, edits)

``loss_class_expression`` spells a loss class the way the file's imports
allow; ``replace``, ``remove_argument``, ``add_keyword`` and
``rename_activation`` cover the edits the existing fixes make.  LL201/LL202
(at the end) switch a loss to its counterpart for the other label encoding:
``_renamed_reference`` renames a loss spelling (extending a from-import when
needed) and ``_loss_places`` judges whether the loss is used in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from .engine import Report, analyze_module
from .facts import BINARY, LINEAR, LOG_SOFTMAX, SIGMOID, SOFTMAX, Head, LabelUse, LossUse
from .interp.domains import keras as kb
from .rules import Finding
from .source.prefilter import worth_parsing
from .syntax.names import ImportTable, canonical, dotted_name

# Which way to resolve a mismatch between a loss and the activation before it.
STYLE_MINIMAL = "minimal"  # change the loss (from_logits), never the model
STYLE_LOGITS = "logits"  # linear head + from_logits=True (LL101: drop the activation)
STYLE_PROBABILITIES = "probabilities"  # softmax/sigmoid head + from_logits=False (LL102: add it)

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
    if use.prediction.units == 1 and use.loss.family != BINARY:
        return None  # no categorical loss works on one unit: the layer or the loss must change, by hand
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

_FIT_METHODS = frozenset({"fit", "fit_generator", "evaluate", "evaluate_generator", "train_on_batch", "test_on_batch"})


class _NameUses(cst.CSTVisitor):
    """Where one identifier is bound and read in the whole module (scopes are ignored:
    more uses only make a fix unsafe)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loads: List[cst.Name] = []
        self.bindings = 0
        self._targets: set = set()

    def _mark_targets(self, node: cst.CSTNode) -> None:
        class Mark(cst.CSTVisitor):
            def visit_Name(inner, name: cst.Name) -> None:  # noqa: N805
                self._targets.add(id(name))

            def visit_Attribute(inner, attribute: cst.Attribute) -> bool:  # noqa: N805
                return False  # obj.x = ... binds no name

            def visit_Subscript(inner, subscript: cst.Subscript) -> bool:  # noqa: N805
                return False

        node.visit(Mark())

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._mark_targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._mark_targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._mark_targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._mark_targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._mark_targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._mark_targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._mark_targets(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self._targets.add(id(node.name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._targets.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._targets.add(id(node.name))

    def _imported(self, alias: cst.ImportAlias) -> None:
        if alias.asname is not None:
            bound = alias.asname.name
            if isinstance(bound, cst.Name) and bound.value == self.name:
                self.bindings += 1
            return
        dotted = dotted_name(alias.name)
        if dotted is not None and dotted.split(".")[0] == self.name:
            self.bindings += 1  # ``import a.b`` binds ``a``; ``from m import a`` binds ``a``

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            self._imported(alias)
        return False  # the imported paths are no loads

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._imported(alias)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``x.attr``: the attr is no name of ours
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # ``f(name=...)``: the keyword is no name of ours
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value != self.name:
            return
        if id(node) in self._targets:
            self.bindings += 1
        else:
            self.loads.append(node)


def _name_uses(module: cst.Module, name: str) -> _NameUses:
    uses = _NameUses(name)
    module.visit(uses)
    return uses


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
    uses = _name_uses(ctx.module, func.value.value)
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
        if parent.attr.value in _FIT_METHODS:
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
        uses = _name_uses(ctx.module, targets[0].target.value)
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


def _extend_import(statement: cst.ImportFrom, new: str) -> Optional[Edit]:
    """``from M import a`` -> ``from M import a, new`` on one line; None for a multi-line import."""
    assert not isinstance(statement.names, cst.ImportStar)
    for alias in statement.names:
        if isinstance(alias.comma, cst.Comma) and not isinstance(alias.comma.whitespace_after, cst.SimpleWhitespace):
            return None

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar)
        names = list(node.names)
        last = names[-1]
        added = cst.ImportAlias(name=cst.Name(new), comma=last.comma)
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(names=names + [added])

    return Edit(statement, change)


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
    new_uses = _name_uses(ctx.module, new)
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
    if len(_name_uses(ctx.module, old).loads) == 1:  # the import served only this use: rename it
        edits.append(replace(alias.name, cst.Name(new)))
    else:
        extended = _extend_import(statement, new)
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
                    edits.append(replace(element, _string(new, element)))
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
        edits.append(replace(node, _string(new, node)))
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
    return Fix(finding.code, description, safe, tuple(edits))


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
    "a metric object of that kind (`SparseCategoricalAccuracy()`) means no fix. "
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
    "in exactly one place, else unsafe. One-hot encoding the labels instead is left to you.",
)
def _categorical_loss_integer_labels(finding: Finding, ctx: FixContext) -> Optional[Fix]:
    return _switch_encoding(finding, ctx, "sparse")
