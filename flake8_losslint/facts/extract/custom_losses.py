"""Custom losses and loss APIs: the facts behind LL301-LL306.

A custom loss is a function given to ``compile(loss=...)`` (directly or as
what a factory call returns), a function whose parameters are
``(y_true, y_pred)``, or the ``call`` of a ``keras.losses.Loss`` subclass.
Inside one, a tiny local data flow follows the two parameters through
renames, casts, reshapes and one-hot encodings; anything it cannot follow is
unknown, and the rules stay silent on unknowns.

Everything here reads what ``collect`` recorded in its one pass; nothing walks
the syntax tree again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

import libcst as cst

from ...interp.domains import api_names
from ...interp.domains import keras as kd
from ...interp.domains.keras import Loss
from ...interp.evaluator import Evaluator
from ...interp.values import Const, LibRef, Model, UserFunction
from ...syntax.collect import CallSite, Ctx, Scope
from ...syntax.names import dotted_name
from ...syntax.nodes import argument, source_text
from .runnable import Cutter
from ..model import (
    LABELS,
    PREDICTIONS,
    SPARSE_CATEGORICAL,
    ApiReference,
    ArgumentOrigin,
    InnerLossCall,
    LossCallArguments,
    LossSignature,
    Rank,
    RunnableLoss,
    ScalarLossReturn,
    Site,
    UnguardedLog,
)

_MAX_FLOW = 24  # how many assignments a value is followed back through

LOSS_BASE = "keras.losses.Loss"

# log functions (canonical names) whose input must stay away from 0.
LOG_FUNCTIONS = frozenset(
    {
        "tensorflow.math.log",
        "tensorflow.log",
        "tensorflow.compat.v1.log",
        "tensorflow.compat.v1.math.log",
        "tensorflow.experimental.numpy.log",
        "keras.backend.log",
        "keras.ops.log",
        "numpy.log",
    }
)

# Reductions that, with no ``axis``, collapse the whole batch to one number.
# All take the tensor first and ``axis`` second (inspect.signature, TF 2.21 / Keras 3.15).
REDUCERS = frozenset(
    {
        "tensorflow.reduce_mean",
        "tensorflow.reduce_sum",
        "tensorflow.math.reduce_mean",
        "tensorflow.math.reduce_sum",
        "tensorflow.compat.v1.reduce_mean",
        "tensorflow.compat.v1.reduce_sum",
        "keras.backend.mean",
        "keras.backend.sum",
        "keras.ops.mean",
        "keras.ops.sum",
    }
)

# Ops that leave a tensor's values usable as they were (a cast of y_pred can still be 0).
_TRANSPARENT = frozenset(
    {
        "tensorflow.cast",
        "tensorflow.dtypes.cast",
        "tensorflow.convert_to_tensor",
        "tensorflow.identity",
        "tensorflow.stop_gradient",
        "keras.ops.cast",
        "keras.ops.convert_to_tensor",
        "keras.backend.cast",
    }
)

# Ops that keep the rank of their first argument.
_SAME_RANK = _TRANSPARENT | frozenset(
    {
        "tensorflow.clip_by_value",
        "keras.ops.clip",
        "keras.backend.clip",
        "tensorflow.nn.softmax",
        "tensorflow.nn.sigmoid",
        "tensorflow.nn.log_softmax",
        "tensorflow.math.log",
        "keras.ops.log",
        "keras.backend.log",
    }
)

# Shape-changing ops: (positional index, keyword) of the shape/axis argument.
_RESHAPE = {
    "tensorflow.reshape": (1, "shape"),
    "keras.ops.reshape": (1, "newshape"),
    "keras.backend.reshape": (1, "shape"),
}
_FLATTEN = frozenset({"keras.backend.flatten"})
_EXPAND_DIMS = frozenset({"tensorflow.expand_dims", "keras.ops.expand_dims", "keras.backend.expand_dims"})
_SQUEEZE = {"tensorflow.squeeze": (1, "axis"), "keras.ops.squeeze": (1, "axis"), "keras.backend.squeeze": (1, "axis")}
_ONE_HOT = frozenset({"tensorflow.one_hot", "keras.ops.one_hot", "keras.backend.one_hot"})

# Losses called inside a custom loss, and what they need of the ranks
# (measured on TF 2.21 / Keras 3.15, see InnerLossCall.rule).
_INNER_LOSS_FUNCTIONS: Dict[str, str] = {
    "keras.losses.sparse_categorical_crossentropy": "sparse",
    "keras.ops.sparse_categorical_crossentropy": "sparse",
    "keras.losses.categorical_crossentropy": "same_rank",
    "keras.ops.categorical_crossentropy": "same_rank",
    "keras.losses.binary_crossentropy": "same_rank",
    "keras.ops.binary_crossentropy": "same_rank",
    "keras.backend.sparse_categorical_crossentropy": "sparse_lenient",
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": "sparse_strict",
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": "same_rank",
}

# tf.nn ops taking (labels, logits); TF 2 accepts them by position, labels first.
_TF2_LOGITS_OPS = frozenset(name for name, index in kd.LOGITS_OPS.items() if index == 1)
_V1_LOGITS_OPS = frozenset(name for name, index in kd.LOGITS_OPS.items() if index < 0)
_ANY_LOGITS_OPS = _TF2_LOGITS_OPS | _V1_LOGITS_OPS

_PREDICTION_WORDS = frozenset(
    "pred preds prediction predictions predicted logit logits output outputs out "
    "prob probs proba probas probabilities score scores yhat hat".split()
)
_LABEL_WORDS = frozenset("true label labels target targets gt truth groundtruth".split())


@dataclass
class _CustomLoss:
    scope: Scope
    name: str
    true_param: str
    pred_param: str
    subclass: bool
    compiles: List[CallSite] = field(default_factory=list)


def extract(ev: Evaluator) -> Dict[str, tuple]:
    return _Extractor(ev).run()


code = source_text


def _positional_names(params: cst.Parameters) -> List[str]:
    return [p.name.value for p in list(params.posonly_params) + list(params.params)]


class _Extractor:
    def __init__(self, evaluator: Evaluator) -> None:
        self.collected = evaluator.collected
        self.evaluator = evaluator
        self.calls_by_scope: Dict[int, List[CallSite]] = {}
        for site in evaluator.calls:
            self.calls_by_scope.setdefault(id(site.ctx.scope), []).append(site)
        self.losses: Dict[int, _CustomLoss] = {}
        self.cutter = Cutter(evaluator)
        self._runnables: Dict[int, Optional[RunnableLoss]] = {}
        self.signatures: List[LossSignature] = []

    def run(self) -> Dict[str, tuple]:
        api_references = tuple(self._judged(reference) for reference in self._api_references())
        self._compiled_losses()
        self._subclass_losses()
        self._named_losses()
        inner: List[InnerLossCall] = []
        scalars: List[ScalarLossReturn] = []
        logs: List[UnguardedLog] = []
        for loss in self.losses.values():
            logs.extend(self._unguarded_logs(loss))
            scalars.extend(self._scalar_returns(loss))
            inner.extend(self._inner_loss_calls(loss))
        return {
            "api_references": api_references,
            "loss_call_arguments": tuple(self._loss_call_arguments()),
            "inner_loss_calls": tuple(inner),
            "scalar_loss_returns": tuple(scalars),
            "unguarded_logs": tuple(logs),
            "loss_signatures": tuple(self.signatures),
        }

    # -- LL301: names under the covered modules --------------------------------
    def _api_references(self) -> Iterable[ApiReference]:
        covered = set(api_names.COVERED_MODULES)
        chains = self.collected.dotted_attributes
        inner = {id(chain.node.value) for chain in chains}
        imports = self.collected.imports
        for node, text, ctx, guarded in chains:
            if guarded or id(node) in inner:
                continue
            parts = text.split(".")
            base = imports.lookup(parts[0])
            if base is None:
                continue
            head: cst.BaseExpression = node
            while isinstance(head, cst.Attribute):
                head = head.value
            if not isinstance(self.evaluator.value(head, ctx), LibRef):
                continue  # the import is shadowed here by a local name
            full = base.split(".") + parts[1:]
            for end in range(len(full) - 1, 0, -1):
                module = ".".join(full[:end])
                if module in covered:
                    name = full[end]
                    # A name from ``from module import name`` is checked at the import.
                    if end >= len(base.split(".")) and not name.startswith("_"):
                        spelling = ".".join(parts[: len(parts) - (len(full) - end) + 1])
                        if spelling in self.collected.assigned_attributes:
                            break  # the program defines it: ``tf.keras.losses.my_loss = fn``
                        yield ApiReference(module, name, spelling, Site(node))
                    break
        for statement, guarded in self.collected.import_froms:
            if guarded or statement.relative or statement.module is None:
                continue
            source = dotted_name(statement.module)
            if source is None or source not in covered or isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                if isinstance(alias.name, cst.Name) and not alias.name.value.startswith("_"):
                    name = alias.name.value
                    yield ApiReference(source, name, f"from {source} import {name}", Site(alias), imported=True)

    def _judged(self, reference: ApiReference) -> ApiReference:
        """The reference with what the name lists of the file's target versions say of it."""
        target = self.evaluator.target
        known = api_names.load(tensorflow=_line(target.tensorflow), keras=_line(target.keras))
        module, name = reference.module, reference.name
        better = known.suggestion(module, name)
        return ApiReference(
            module,
            name,
            reference.spelling,
            reference.site,
            reference.imported,
            exists=known.exists(module, name),
            module_importable=module in known.importable,
            suggestion=api_names.display(better) if better else None,
            library=known.library_version(module),
            version_source=_why(target.source),
            module_display=api_names.display(module),
        )

    def _runnable(self, scope: Optional[Scope]) -> Optional[RunnableLoss]:
        """The custom loss ``scope`` cut out to run alone (memoised)."""
        if scope is None:
            return None
        if id(scope) not in self._runnables:
            self._runnables[id(scope)] = self.cutter.loss(scope)
        return self._runnables[id(scope)]

    # -- finding the custom losses ---------------------------------------------
    def _register(self, scope: Scope, subclass: bool) -> Optional[_CustomLoss]:
        found = self.losses.get(id(scope))
        if found is not None:
            return found
        node = scope.node
        if not isinstance(node, cst.FunctionDef):
            return None
        names = _positional_names(node.params)
        if scope.cls is not None:
            names = names[1:]  # self
        if len(names) < 2:
            return None
        name = node.name.value
        if subclass and scope.cls is not None:
            name = scope.cls.node.name.value
        loss = _CustomLoss(scope, name, names[0], names[1], subclass)
        self.losses[id(scope)] = loss
        return loss

    def _compiled_losses(self) -> None:
        for site in self.evaluator.calls:
            call, ctx = site.node, site.ctx
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "compile"):
                continue
            arg = argument(call, -1, "loss")
            if arg is None and isinstance(self.evaluator.value(func.value, ctx), Model):
                arg = argument(call, 1)
            if arg is None:
                continue
            for expr in _loss_expressions(arg.value):
                self._compiled(expr, site)

    def _compiled(self, expr: cst.BaseExpression, site: CallSite) -> None:
        if isinstance(expr, cst.Lambda):
            self._signature("lambda", expr.params, expr, expr, self.collected.scope_of_node.get(id(expr)))
            return
        value = self.evaluator.value(expr, site.ctx)
        if not isinstance(value, UserFunction):
            return
        scope = value.scope
        node = scope.node
        if not isinstance(node, cst.FunctionDef) or scope.cls is not None:
            return  # methods: binding rules we do not model
        if _plain_decorators(node):
            self._signature(node.name.value, node.params, expr, node.name, scope)
        loss = self._register(scope, subclass=False)
        if loss is not None:
            loss.compiles.append(site)

    def _signature(
        self, name: str, params: cst.Parameters, site: cst.CSTNode, definition: cst.CSTNode, scope: Optional[Scope]
    ) -> None:
        positional = list(params.posonly_params) + list(params.params)
        required = sum(1 for p in positional if p.default is None)
        star = params.star_arg
        max_positional = None if isinstance(star, cst.Param) else len(positional)
        keyword_only = tuple(p.name.value for p in params.kwonly_params if p.default is None)
        self.signatures.append(
            LossSignature(
                name, required, max_positional, keyword_only, Site(site), Site(definition), self._runnable(scope)
            )
        )

    def _subclass_losses(self) -> None:
        for scope in list(self.collected.scope_of_node.values()):
            if scope.kind == "class" and scope.cls is not None and self.evaluator.is_subclass(scope.cls, LOSS_BASE):
                method = scope.cls.methods.get("call")
                if method is not None:
                    node = method.node
                    if isinstance(node, cst.FunctionDef) and _plain_decorators(node):
                        self._method_signature(node, scope.cls.node.name.value, method)
                    self._register(method, subclass=True)

    def _method_signature(self, node: cst.FunctionDef, owner: str, scope: Scope) -> None:
        params = node.params
        positional = list(params.posonly_params) + list(params.params)
        if not positional:
            return
        trimmed = params.with_changes(posonly_params=(), params=tuple(positional[1:]))
        self._signature(f"{owner}.{node.name.value}", trimmed, node.name, node.name, scope)

    def _named_losses(self) -> None:
        # Plain functions only: methods named like this are mostly metrics' update_state.
        for scope in list(self.collected.scope_of_node.values()):
            if scope.kind != "function" or scope.cls is not None or not isinstance(scope.node, cst.FunctionDef):
                continue
            names = _positional_names(scope.node.params)
            if names[:2] == ["y_true", "y_pred"]:
                self._register(scope, subclass=False)

    # -- local data flow inside a custom loss ------------------------------------
    def _is_param(self, name: str, ctx: Ctx, loss: _CustomLoss) -> bool:
        if ctx.scope is not loss.scope:
            return False
        bindings = loss.scope.bindings.get(name)
        if not bindings:
            return False
        reaching = Evaluator.reaching(bindings, ctx)
        return len(reaching) == 1 and reaching[0] is bindings[0] and bindings[0].value is None

    def _local_value(self, name: str, ctx: Ctx) -> Optional[Tuple[cst.CSTNode, Ctx]]:
        """The one assignment ``name`` surely holds at ``ctx`` (same scope), if any."""
        bindings = ctx.scope.bindings.get(name)
        if not bindings:
            return None
        reaching = Evaluator.reaching(bindings, ctx)
        if len(reaching) != 1:
            return None
        binding = reaching[0]
        if binding.value is None or binding.unpack or isinstance(binding.value, (cst.FunctionDef, cst.ClassDef)):
            return None
        return binding.value, binding.ctx

    def _is_number(self, expr: cst.BaseExpression, ctx: Ctx, depth: int) -> bool:
        """A plain number: ``0.1``, ``N_CLASSES``, ``0.1 / N_CLASSES``, ``-1``."""
        if depth > 8:
            return False
        if isinstance(expr, cst.BinaryOperation):
            return self._is_number(expr.left, ctx, depth + 1) and self._is_number(expr.right, ctx, depth + 1)
        value = self.evaluator.value(expr, ctx)
        return isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)

    def _qualname(self, call: cst.Call, ctx: Ctx) -> Optional[str]:
        callee = self.evaluator.value(call.func, ctx)
        return callee.qualname if isinstance(callee, LibRef) else None

    # -- LL305 -----------------------------------------------------------------
    def _unguarded_logs(self, loss: _CustomLoss) -> Iterable[UnguardedLog]:
        for site in self.calls_by_scope.get(id(loss.scope), ()):
            call, ctx = site.node, site.ctx
            if self._qualname(call, ctx) not in LOG_FUNCTIONS:
                continue
            arg = argument(call, 0, "x")
            danger = self._raw_prediction(arg.value, ctx, loss, 0) if arg is not None else None
            if arg is None or danger is None:
                continue
            yield UnguardedLog(
                loss.name, code(call.func), code(arg.value), loss.pred_param, danger, Site(call), self._runnable(loss.scope)
            )

    def _raw_prediction(self, expr: cst.CSTNode, ctx: Ctx, loss: _CustomLoss, depth: int) -> Optional[str]:
        """If ``expr`` is y_pred (or ``1 - y_pred``) with nothing that keeps it off 0:
        the value of y_pred that makes it 0 ("0" or "1")."""
        if depth > _MAX_FLOW:
            return None
        if isinstance(expr, cst.Name):
            if expr.value == loss.pred_param and self._is_param(expr.value, ctx, loss):
                return "0"
            found = self._local_value(expr.value, ctx) if ctx.scope is loss.scope else None
            if found is None:
                return None
            return self._raw_prediction(found[0], found[1], loss, depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Subtract):
            left = self.evaluator.value(expr.left, ctx)
            if not (isinstance(left, Const) and left.value == 1 and not isinstance(left.value, bool)):
                return None
            inner = self._raw_prediction(expr.right, ctx, loss, depth + 1)
            return {"0": "1", "1": "0"}.get(inner or "")
        if isinstance(expr, cst.Call) and self._qualname(expr, ctx) in _TRANSPARENT:
            arg = argument(expr, 0, "x")
            return self._raw_prediction(arg.value, ctx, loss, depth + 1) if arg is not None else None
        return None

    # -- LL304 -----------------------------------------------------------------
    def _scalar_returns(self, loss: _CustomLoss) -> Iterable[ScalarLossReturn]:
        weights: Tuple[Optional[Site], Optional[str]] = (None, None)
        if not loss.subclass:
            weights = self._weighted_fit(loss)
            if weights[0] is None:
                return
        for node, ctx in loss.scope.returns:
            found = self._scalar_reducer(node, ctx, 0)
            if found is not None:
                call, display = found
                yield ScalarLossReturn(
                    loss.name, display, Site(call), loss.subclass, weights[0], weights[1], self._runnable(loss.scope)
                )

    def _scalar_reducer(self, expr: cst.CSTNode, ctx: Ctx, depth: int) -> Optional[Tuple[cst.Call, str]]:
        """The no-axis reduction ``expr`` is built from, if ``expr`` is surely a scalar."""
        if depth > _MAX_FLOW:
            return None
        if isinstance(expr, cst.Call):
            if self._qualname(expr, ctx) not in REDUCERS or any(a.star for a in expr.args):
                return None
            if argument(expr, 1, "axis") is not None:
                return None
            return expr, code(expr.func)
        if isinstance(expr, cst.UnaryOperation):
            return self._scalar_reducer(expr.expression, ctx, depth + 1)
        if isinstance(expr, cst.BinaryOperation):
            sides = []
            for side in (expr.left, expr.right):
                if self._is_number(side, ctx, 0):
                    continue
                found = self._scalar_reducer(side, ctx, depth + 1)
                if found is None:
                    return None
                sides.append(found)
            return sides[0] if sides else None
        if isinstance(expr, cst.Name):
            bound = self._local_value(expr.value, ctx)
            return self._scalar_reducer(bound[0], bound[1], depth + 1) if bound else None
        return None

    def _weighted_fit(self, loss: _CustomLoss) -> Tuple[Optional[Site], Optional[str]]:
        """A ``fit(..., sample_weight=/class_weight=)`` on a model whose last compile
        (followed through the model object, not its name) is this loss."""
        if not loss.compiles:
            return None, None
        for site in self.evaluator.calls:
            func = site.node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "fit"):
                continue
            weights = [
                (arg, keyword)
                for keyword in ("sample_weight", "class_weight")
                for arg in [argument(site.node, -1, keyword)]
                if arg is not None and self.evaluator.value(arg.value, site.ctx) != Const(None)
            ]
            if not weights:
                continue
            model = self.evaluator.value(func.value, site.ctx)
            compiled = model.compiled if isinstance(model, Model) else None
            if isinstance(compiled, kd.Compiled) and compiled.loss == UserFunction(loss.scope):
                arg, keyword = weights[0]
                return Site(arg), keyword
        return None, None

    # -- LL303 -----------------------------------------------------------------
    def _inner_loss_calls(self, loss: _CustomLoss) -> Iterable[InnerLossCall]:
        for site in self.calls_by_scope.get(id(loss.scope), ()):
            call, ctx = site.node, site.ctx
            callee = self.evaluator.value(call.func, ctx)
            if isinstance(callee, LibRef) and callee.qualname in _INNER_LOSS_FUNCTIONS:
                rule = _INNER_LOSS_FUNCTIONS[callee.qualname]
                slots: Tuple[Tuple[int, Tuple[str, ...]], ...]
                if callee.qualname.startswith("tensorflow.nn."):
                    slots = ((0, ("labels",)), (1, ("logits",)))
                else:
                    slots = ((0, ("y_true", "target")), (1, ("y_pred", "output")))
            elif isinstance(callee, Loss) and not callee.is_function and callee.spec.family == SPARSE_CATEGORICAL:
                rule = "sparse_lenient"
                slots = ((0, ("y_true",)), (1, ("y_pred",)))
            else:
                continue
            labels_arg = argument(call, slots[0][0], *slots[0][1])
            preds_arg = argument(call, slots[1][0], *slots[1][1])
            if labels_arg is None or preds_arg is None:
                continue
            labels = self._rank(labels_arg.value, ctx, loss, 0)
            predictions = self._rank(preds_arg.value, ctx, loss, 0)
            if labels.one_hot_site is None and labels.difference(predictions) is None:
                continue
            yield InnerLossCall(
                code(call.func), rule, labels, predictions, Site(labels_arg), Site(call), self._runnable(loss.scope)
            )

    def _rank(self, expr: cst.CSTNode, ctx: Ctx, loss: _CustomLoss, depth: int) -> Rank:
        unknown = Rank()
        if depth > _MAX_FLOW or ctx.scope is not loss.scope:
            return unknown
        if isinstance(expr, cst.Name):
            if expr.value in (loss.true_param, loss.pred_param) and self._is_param(expr.value, ctx, loss):
                return Rank(base=expr.value)
            found = self._local_value(expr.value, ctx)
            return self._rank(found[0], found[1], loss, depth + 1) if found else unknown
        if isinstance(expr, cst.BinaryOperation):
            for this, other in ((expr.left, expr.right), (expr.right, expr.left)):
                if self._is_number(other, ctx, 0):
                    return self._rank(this, ctx, loss, depth + 1)
            return unknown
        if not isinstance(expr, cst.Call):
            return unknown
        qualname = self._qualname(expr, ctx)
        if qualname is None:
            return unknown
        here = Site(expr)
        if qualname in _RESHAPE:
            index, keyword = _RESHAPE[qualname]
            shape = argument(expr, index, keyword)
            if shape is not None and isinstance(shape.value, (cst.List, cst.Tuple)):
                elements = shape.value.elements
                if not any(isinstance(el, cst.StarredElement) for el in elements):
                    return Rank(absolute=len(elements), changed_site=here)
            return unknown
        if qualname in _FLATTEN:
            return Rank(absolute=1, changed_site=here)
        arg = argument(expr, 0, "x", "input", "indices", "tensor", "t")
        if arg is None:
            return unknown
        inner = self._rank(arg.value, ctx, loss, depth + 1)
        if qualname in _EXPAND_DIMS:
            return _shifted(inner, 1, here)
        if qualname in _ONE_HOT:
            shifted = _shifted(inner, 1, here)
            return Rank(shifted.absolute, shifted.base, shifted.delta, one_hot_site=here, changed_site=here)
        if qualname in _SQUEEZE:
            index, keyword = _SQUEEZE[qualname]
            axis = argument(expr, index, keyword)
            if axis is None:
                return unknown
            value = self.evaluator.value(axis.value, ctx)
            if isinstance(value, Const) and type(value.value) is int:
                return _shifted(inner, -1, here)
            return unknown
        if qualname in _TRANSPARENT:
            return inner
        if qualname in _SAME_RANK:
            return Rank(inner.absolute, inner.base, inner.delta, None, inner.changed_site)
        return unknown

    # -- LL302 -----------------------------------------------------------------
    def _loss_call_arguments(self) -> Iterable[LossCallArguments]:
        for site in self.evaluator.calls:
            call, ctx = site.node, site.ctx
            if any(a.star for a in call.args):
                continue
            callee = self.evaluator.value(call.func, ctx)
            if isinstance(callee, LibRef) and callee.qualname in _ANY_LOGITS_OPS:
                index = 0 if callee.qualname in _TF2_LOGITS_OPS else -1
                first = argument(call, index, "labels")
                second = argument(call, index + 1 if index >= 0 else -1, "logits")
                slots = ("labels", "logits")
                display = api_names.display(callee.qualname)
            elif isinstance(callee, LibRef) and callee.qualname in kd.LOSS_FUNCTIONS:
                first = argument(call, 0, "y_true", "target")
                second = argument(call, 1, "y_pred", "output")
                slots = ("y_true", "y_pred")
                display = code(call.func)
            elif isinstance(callee, Loss) and not callee.is_function:
                first = argument(call, 0, "y_true")
                second = argument(call, 1, "y_pred")
                slots = ("y_true", "y_pred")
                display = code(call.func)
            else:
                continue
            if first is None or second is None:
                continue
            yield LossCallArguments(
                display, slots, self._origin(first.value, ctx), self._origin(second.value, ctx), Site(call)
            )

    def _origin(self, expr: cst.BaseExpression, ctx: Ctx) -> ArgumentOrigin:
        role = _role(self._identifier(expr, ctx, 0))
        return ArgumentOrigin(code(expr, 40), role, self._from_model(expr, ctx, 0), Site(expr))

    def _identifier(self, expr: cst.BaseExpression, ctx: Ctx, depth: int) -> Optional[str]:
        """The name that says what a value is: ``labels``, ``batch["target"]``, ``tf.cast(y, ...)`` -> ``y``."""
        if depth > 4:
            return None
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Attribute):
            return expr.attr.value
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                text = index.value.evaluated_value
                return text if isinstance(text, str) else None
            return None
        if isinstance(expr, cst.Call):
            qualname = self._qualname(expr, ctx)
            if qualname in _TRANSPARENT or qualname in _RESHAPE or qualname in _SQUEEZE or qualname in _EXPAND_DIMS:
                arg = argument(expr, 0, "x", "input", "tensor")
                return self._identifier(arg.value, ctx, depth + 1) if arg is not None else None
        return None

    def _from_model(self, expr: cst.CSTNode, ctx: Ctx, depth: int) -> bool:
        """The value is what a model computed: ``model(x)``, ``model.predict(x)``, or a name bound to one."""
        if depth > _MAX_FLOW:
            return False
        if isinstance(expr, cst.Name):
            found = self._local_value(expr.value, ctx)
            return found is not None and self._from_model(found[0], found[1], depth + 1)
        if not isinstance(expr, cst.Call):
            return False
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("predict", "predict_on_batch", "__call__"):
            func = func.value
        return isinstance(self.evaluator.value(func, ctx), Model)


def _line(version: Optional[str]) -> Optional[str]:
    """A version the name lists can place (None for one they cannot read)."""
    try:
        return version if version is None or api_names.release(version) else None
    except ValueError:
        return None


def _why(source: str) -> str:
    """How the judged version was chosen, for messages."""
    if not source:
        return "the newest version flake8-losslint knows"
    if source == "installed":
        return "the installed version"
    if source.startswith("--"):
        return f"as {source} says"
    if source.startswith(("this file", "it exits")):
        return source
    return f"as {source} pins it"


def _shifted(rank: Rank, by: int, site: Site) -> Rank:
    if rank.absolute is not None:
        return Rank(absolute=rank.absolute + by, changed_site=site)
    if rank.base is not None:
        return Rank(base=rank.base, delta=rank.delta + by, changed_site=site)
    return Rank()


def _loss_expressions(expr: cst.BaseExpression) -> Iterable[cst.BaseExpression]:
    """``loss=fn``, ``loss=[fn, 'mse']``, ``loss={'out': fn}``: each loss given."""
    if isinstance(expr, (cst.List, cst.Tuple)):
        for element in expr.elements:
            if isinstance(element, cst.Element):
                yield element.value
    elif isinstance(expr, cst.Dict):
        for entry in expr.elements:
            if isinstance(entry, cst.DictElement):
                yield entry.value
    else:
        yield expr


def _plain_decorators(node: cst.FunctionDef) -> bool:
    """Decorators that keep the signature: none, ``tf.function``, Keras's serialisation registration."""
    for decorator in node.decorators:
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        name = dotted_name(target) or ""
        if not (name.endswith("function") or name.endswith("register_keras_serializable")):
            return False
    return True


def _role(identifier: Optional[str]) -> Optional[str]:
    """LABELS or PREDICTIONS from a name's words; None when it says neither or both."""
    if not identifier:
        return None
    words = [w for w in identifier.lower().replace("-", "_").split("_") if w]
    stripped = [w.rstrip("0123456789") for w in words]
    is_prediction = any(w in _PREDICTION_WORDS for w in stripped)
    is_label = any(w in _LABEL_WORDS for w in stripped)
    if not is_prediction and stripped and stripped[0] in ("y", "ys") and len(stripped) <= 2:
        is_label = True  # y, y_batch, y_train, ys
    if is_prediction == is_label:
        return None
    return PREDICTIONS if is_prediction else LABELS
