"""Abstract evaluation: what an expression is, as far as the rules care.

Values are small immutable objects: a reference to a library object, a layer,
a tensor with a known head, a model, a loss, a constant.  Anything else is
``UNKNOWN`` and every rule stays silent on it.  Evaluation is lazy and
memoised per syntax node, so a file pays only for the expressions that lead
to a loss.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from . import knowledge as kb
from .collect import Binding, CallSite, ClassInfo, Collector, Ctx, Scope
from .facts import (
    LINEAR,
    SOFTMAX,
    UNKNOWN_HEAD,
    VIA_KERAS,
    VIA_OP,
    Head,
    LossSpec,
    Site,
)
from .names import canonical


class Value:
    """Base of the abstract values."""


@dataclass(frozen=True)
class Unknown(Value):
    pass


UNKNOWN = Unknown()


@dataclass(frozen=True)
class LibRef(Value):
    """A library object reached through imports, by canonical name."""

    qualname: str


@dataclass(frozen=True)
class Const(Value):
    value: object


@dataclass(frozen=True)
class Seq(Value):
    """A list or tuple literal, element by element."""

    items: Tuple[Value, ...]


@dataclass(frozen=True)
class Layer(Value):
    """A layer object, not yet applied."""

    qualname: str
    units: Optional[int]
    activation: Optional[str]
    activation_site: Optional[Site]
    via: Optional[str]
    site: Site


@dataclass(frozen=True)
class Tensor(Value):
    head: Head


@dataclass(frozen=True)
class Model(Value):
    head: Head
    sequential: bool = False  # built by Sequential(...): later .add() calls extend it


@dataclass(frozen=True)
class Loss(Value):
    """A loss object (``callable_kind='object'``) or a loss function reference."""

    spec: LossSpec
    is_function: bool = False


@dataclass(frozen=True)
class UserClass(Value):
    info: ClassInfo


@dataclass(frozen=True)
class UserFunction(Value):
    scope: Scope


_MAX_DEPTH = 120
_MAX_SEQ = 64
_END = 1 << 62  # an order after every statement


def argument(
    call: cst.Call, index: int, *names: str
) -> Optional[cst.Arg]:
    """The argument passed as keyword ``names`` or at positional ``index``."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg
    if index < 0:
        return None
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            if arg.star:
                return None  # *args: positions are unknowable from here on
            continue
        if position == index:
            return arg
        position += 1
    return None


def _order(binding: Binding) -> int:
    return binding.order


def _site_order(site: CallSite) -> int:
    return site.ctx.order


def _prefix(short: Tuple[int, ...], long: Tuple[int, ...]) -> bool:
    return long[: len(short)] == short


class Evaluator:
    def __init__(self, collected: Collector) -> None:
        self.collected = collected
        self.imports = collected.imports
        self._memo: Dict[int, Value] = {}
        self._busy: set = set()
        self._depth = 0
        # Softmax applied to something one unit wide, met while evaluating.
        self.single_unit_softmax: List[Head] = []
        self._adds: Optional[Dict[str, List[CallSite]]] = None
        # Evaluators of calls for other libraries (torch_models.py), asked first;
        # a hook returns None for calls it does not handle.
        self.call_hooks: List[Callable[[cst.Call, Ctx], Optional[Value]]] = []

    # -- entry point ---------------------------------------------------------
    def value(self, node: cst.CSTNode, ctx: Ctx) -> Value:
        key = id(node)
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._busy or self._depth > _MAX_DEPTH:
            return UNKNOWN
        self._busy.add(key)
        self._depth += 1
        try:
            result = self._evaluate(node, ctx)
        finally:
            self._depth -= 1
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def _evaluate(self, node: cst.CSTNode, ctx: Ctx) -> Value:
        if isinstance(node, cst.Name):
            return self._name(node.value, ctx)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, ctx)
        if isinstance(node, cst.Call):
            return self._call(node, ctx)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = node.evaluated_value
            return Const(text) if isinstance(text, str) else UNKNOWN
        if isinstance(node, cst.Integer):
            return Const(node.evaluated_value)
        if isinstance(node, cst.Float):
            return Const(node.evaluated_value)
        if isinstance(node, (cst.List, cst.Tuple)):
            if len(node.elements) > _MAX_SEQ or any(
                isinstance(el, cst.StarredElement) for el in node.elements
            ):
                return UNKNOWN
            return Seq(tuple(self.value(el.value, ctx) for el in node.elements))
        if isinstance(node, cst.Lambda):
            scope = self.collected.scope_of_node.get(id(node))
            return UserFunction(scope) if scope is not None else UNKNOWN
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.value(node.expression, ctx)
            if isinstance(inner, Const) and isinstance(inner.value, (int, float)):
                return Const(-inner.value)
        if isinstance(node, (cst.Subscript, cst.BinaryOperation)):
            from . import labelflow  # labels: np.eye(n)[y], y - 1

            return labelflow.expression(self, node, ctx)
        return UNKNOWN

    # -- names ---------------------------------------------------------------
    def _name(self, name: str, ctx: Ctx) -> Value:
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        scope: Optional[Scope] = ctx.scope
        first = True
        while scope is not None:
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            bindings = scope.bindings.get(name)
            if bindings:
                if first:
                    use = ctx
                    candidates = self._reaching(bindings, ctx)
                else:
                    # An enclosing scope: the function may run after any of its
                    # bindings, so all must agree; read them as at its end.
                    use = Ctx(scope, _END, ())
                    candidates = list(bindings)
                if candidates:
                    return self._agree([self._binding(name, b, use) for b in candidates])
            scope = scope.parent
            first = False
        qualified = self.imports.lookup(name)
        if qualified is not None:
            return LibRef(canonical(qualified))
        return UNKNOWN

    @staticmethod
    def _reaching(bindings: Sequence[Binding], ctx: Ctx) -> List[Binding]:
        """Bindings that may hold at ``ctx``: the last one sure to have run, and
        any conditional ones after it."""
        # Bindings are in textual order: find the first one at or after ``ctx``
        # by bisection and walk back (a name rebound on every line of a long
        # file must not make each use cost a scan of all its bindings).
        end = bisect_left(bindings, ctx.order, key=_order)
        start = end
        while start > 0:
            start -= 1
            if _prefix(bindings[start].path, ctx.path):
                return list(bindings[start:end])
        return list(bindings[:end])

    @staticmethod
    def _agree(values: List[Value]) -> Value:
        first = values[0]
        if all(v == first for v in values[1:]):
            return first
        return UNKNOWN

    def _binding(self, name: str, binding: Binding, use: Ctx) -> Value:
        node = binding.value
        if node is None:
            if binding.iterable is not None:
                from . import labelflow  # labels: ``for x, y in dataset``

                return labelflow.loop_element(self, binding.iterable, binding.unpack, binding.ctx)
            return UNKNOWN
        if isinstance(node, cst.FunctionDef):
            return UserFunction(self._function_scope(node))
        if isinstance(node, cst.ClassDef):
            info = self._class_info(node)
            return UserClass(info) if info is not None else UNKNOWN
        value = self._unpack(node, binding.unpack, binding.ctx)
        if isinstance(value, Model) and value.sequential and not binding.unpack:
            value = self._with_adds(name, value, binding, use)
        return value

    def _unpack(self, node: cst.CSTNode, indices: Tuple[int, ...], ctx: Ctx) -> Value:
        for index in indices:
            if isinstance(node, (cst.Tuple, cst.List)) and index < len(node.elements):
                element = node.elements[index]
                if isinstance(element, cst.StarredElement):
                    return UNKNOWN
                node = element.value
            else:
                value = self.value(node, ctx)
                return self._index(value, indices[indices.index(index):])
        return self.value(node, ctx)

    @staticmethod
    def _index(value: Value, indices: Tuple[int, ...]) -> Value:
        for index in indices:
            if isinstance(value, Seq) and index < len(value.items):
                value = value.items[index]
            else:
                return UNKNOWN
        return value

    def _function_scope(self, node: cst.FunctionDef) -> Scope:
        return self.collected.scope_of_node[id(node)]

    def _class_info(self, node: cst.ClassDef) -> Optional[ClassInfo]:
        scope = self.collected.scope_of_node.get(id(node))
        return scope.cls if scope is not None else None

    # -- Sequential().add(...) -------------------------------------------------
    def _with_adds(self, name: str, model: Model, binding: Binding, use: Ctx) -> Model:
        if self._adds is None:
            adds: Dict[str, List[CallSite]] = {}
            for site in self.collected.calls:
                func = site.node.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in ("add", "pop")
                    and isinstance(func.value, cst.Name)
                ):
                    adds.setdefault(func.value.value, []).append(site)
            self._adds = adds
        head = model.head
        changed = False
        sites = self._adds.get(name, [])
        # Calls are in textual order: only those between the binding and the use.
        first = bisect_right(sites, binding.order, key=_site_order)
        window = sites[first : bisect_left(sites, use.order, key=_site_order)]
        for site in window:
            if site.ctx.scope is not use.scope:
                continue
            changed = True
            if site.node.func.attr.value == "pop" or not _prefix(site.ctx.path, use.path):  # type: ignore[union-attr]
                head = UNKNOWN_HEAD
                continue
            arg = argument(site.node, 0, "layer")
            layer = self.value(arg.value, site.ctx) if arg is not None else UNKNOWN
            head = self._apply(layer, head)
        if not changed:
            return model
        return Model(head, sequential=True)

    # -- attributes ----------------------------------------------------------
    def _attribute(self, node: cst.Attribute, ctx: Ctx) -> Value:
        scope = ctx.scope
        if (
            isinstance(node.value, cst.Name)
            and scope.cls is not None
            and scope.self_name is not None
            and node.value.value == scope.self_name
        ):
            bindings = scope.cls.attributes.get(node.attr.value)
            if not bindings:
                return UNKNOWN
            return self._agree(
                [self._unpack(b.value, b.unpack, b.ctx) if b.value is not None else UNKNOWN for b in bindings]
            )
        base = self.value(node.value, ctx)
        if isinstance(base, LibRef):
            return LibRef(canonical(f"{base.qualname}.{node.attr.value}"))
        return UNKNOWN

    # -- calls ---------------------------------------------------------------
    def _call(self, node: cst.Call, ctx: Ctx) -> Value:
        for hook in self.call_hooks:
            found = hook(node, ctx)
            if found is not None:
                return found
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("predict", "predict_on_batch", "__call__"):
            receiver = self.value(func.value, ctx)
            if isinstance(receiver, Model):
                return Tensor(receiver.head)
            return UNKNOWN
        callee = self.value(func, ctx)
        if isinstance(callee, LibRef):
            return self._library_call(callee.qualname, node, ctx)
        if isinstance(callee, (Layer, Model)):
            arg = argument(node, 0, "inputs", "x")
            tensor = self.value(arg.value, ctx) if arg is not None else UNKNOWN
            if isinstance(callee, Model):
                return Tensor(callee.head)
            incoming = tensor.head if isinstance(tensor, Tensor) else UNKNOWN_HEAD
            return Tensor(self._apply(callee, incoming))
        if isinstance(callee, UserClass):
            if self._is_keras_model_class(callee.info, 0):
                return Model(self._call_head(callee.info))
            return UNKNOWN
        if isinstance(callee, UserFunction):
            return self._returns(callee.scope)
        from . import labelflow  # labels: len(...), methods of arrays and datasets

        return labelflow.other_call(self, node, callee, ctx)

    def _returns(self, scope: Scope) -> Value:
        if not scope.returns:
            return UNKNOWN
        return self._agree([self.value(node, ctx) for node, ctx in scope.returns])

    def _is_keras_model_class(self, info: ClassInfo, depth: int) -> bool:
        if depth > 8:
            return False
        for base in info.node.bases:
            value = self.value(base.value, info.ctx)
            if isinstance(value, LibRef) and value.qualname == kb.MODEL:
                return True
            if isinstance(value, UserClass) and self._is_keras_model_class(value.info, depth + 1):
                return True
        return False

    def _call_head(self, info: ClassInfo) -> Head:
        method = info.methods.get("call")
        if method is None:
            return UNKNOWN_HEAD
        value = self._returns(method)
        return value.head if isinstance(value, Tensor) else UNKNOWN_HEAD

    def _library_call(self, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
        if qualname in kb.UNIT_LAYERS:
            return self._unit_layer(qualname, kb.UNIT_LAYERS[qualname], node, ctx)
        if qualname == kb.ACTIVATION_LAYER:
            arg = argument(node, 0, "activation")
            activation, via = self._activation(arg, ctx) if arg is not None else (None, None)
            site = Site(node)
            return Layer(qualname, None, activation, site, via, site)
        if qualname == kb.SOFTMAX_LAYER:
            site = Site(node)
            return Layer(qualname, None, SOFTMAX, site, VIA_KERAS, site)
        if qualname in kb.PASS_THROUGH_LAYERS:
            return Layer(qualname, None, None, None, None, Site(node))
        if qualname == kb.TIME_DISTRIBUTED:
            arg = argument(node, 0, "layer")
            return self.value(arg.value, ctx) if arg is not None else UNKNOWN
        if qualname in kb.INPUT_LAYERS:
            return Tensor(UNKNOWN_HEAD)
        if qualname == kb.SEQUENTIAL:
            return self._sequential(node, ctx)
        if qualname == kb.MODEL:
            arg = argument(node, 1, "outputs", "output")
            out = self.value(arg.value, ctx) if arg is not None else UNKNOWN
            if isinstance(out, Seq) and len(out.items) == 1:
                out = out.items[0]
            return Model(out.head) if isinstance(out, Tensor) else UNKNOWN
        if qualname in kb.LOSS_CLASSES:
            kind = kb.LOSS_CLASSES[qualname]
            return Loss(self._loss_spec(kind, node, kind.from_logits_index, ctx, node))
        if qualname in kb.ACTIVATION_FUNCTIONS:
            arg = argument(node, 0, "x", "logits", "features")
            inner = self.value(arg.value, ctx) if arg is not None else UNKNOWN
            incoming = inner.head if isinstance(inner, Tensor) else UNKNOWN_HEAD
            via = VIA_KERAS if qualname in kb.KERAS_CACHING_ACTIVATIONS else VIA_OP
            head = Head(kb.ACTIVATION_FUNCTIONS[qualname], incoming.units, Site(node), via, units_site=incoming.units_site)
            self._note_softmax(head)
            return Tensor(head)
        from . import labelflow  # labels: to_categorical, load_data, datasets, ...

        return labelflow.library_call(self, qualname, node, ctx)

    def _sequential(self, node: cst.Call, ctx: Ctx) -> Value:
        arg = argument(node, 0, "layers")
        if arg is None:
            return Model(UNKNOWN_HEAD, sequential=True)
        layers = self.value(arg.value, ctx)
        if not isinstance(layers, Seq):
            return UNKNOWN
        head = UNKNOWN_HEAD
        for layer in layers.items:
            head = self._apply(layer, head)
        return Model(head, sequential=True)

    def _apply(self, layer: Value, incoming: Head) -> Head:
        """The head after ``layer`` is applied to a tensor with head ``incoming``."""
        if isinstance(layer, Tensor):  # keras.Input inside Sequential([...])
            return layer.head
        if isinstance(layer, Model):
            return layer.head
        if not isinstance(layer, Layer):
            return UNKNOWN_HEAD
        if layer.qualname in kb.PASS_THROUGH_LAYERS:
            if not incoming.known:
                return incoming
            return replace(incoming, after=incoming.after + (layer.qualname.rsplit(".", 1)[-1],))
        if layer.qualname in (kb.ACTIVATION_LAYER, kb.SOFTMAX_LAYER):
            if layer.activation is None:
                return UNKNOWN_HEAD
            if layer.activation == LINEAR:
                return incoming
            head = Head(layer.activation, incoming.units, layer.activation_site, layer.via, units_site=incoming.units_site)
            self._note_softmax(head)
            return head
        return Head(layer.activation, layer.units, layer.activation_site, layer.via, units_site=layer.site)

    def _note_softmax(self, head: Head) -> None:
        if head.activation == SOFTMAX and head.units == 1 and head not in self.single_unit_softmax:
            self.single_unit_softmax.append(head)

    def _unit_layer(self, qualname: str, kind: kb.LayerKind, node: cst.Call, ctx: Ctx) -> Layer:
        units = None
        units_arg = argument(node, kind.units_index if kind.units_index is not None else -1, *kind.units_names)
        if units_arg is not None:
            units_value = self.value(units_arg.value, ctx)
            if isinstance(units_value, Const) and type(units_value.value) is int:
                units = units_value.value
        act_arg = argument(
            node, kind.activation_index if kind.activation_index is not None else -1, "activation"
        )
        if act_arg is None:
            return Layer(qualname, units, kind.default_activation, Site(node), VIA_KERAS, Site(node))
        activation, via = self._activation(act_arg, ctx)
        return Layer(qualname, units, activation, Site(act_arg), via, Site(node))

    def _activation(self, arg: cst.Arg, ctx: Ctx) -> Tuple[Optional[str], Optional[str]]:
        value = self.value(arg.value, ctx)
        if isinstance(value, Const):
            if value.value is None:
                return LINEAR, VIA_KERAS
            if isinstance(value.value, str):
                return kb.ACTIVATION_STRINGS.get(value.value), VIA_KERAS
        if isinstance(value, LibRef) and value.qualname in kb.ACTIVATION_FUNCTIONS:
            via = VIA_KERAS if value.qualname.startswith("keras.activations.") else VIA_OP
            return kb.ACTIVATION_FUNCTIONS[value.qualname], via
        return None, None

    # -- losses ----------------------------------------------------------------
    def _loss_spec(
        self, kind: kb.LossKind, node: cst.Call, index: int, ctx: Ctx, site_node: cst.CSTNode
    ) -> LossSpec:
        arg = argument(node, index, "from_logits")
        if arg is None:
            return LossSpec(kind.family, False, kind.display, Site(site_node))
        value = self.value(arg.value, ctx)
        from_logits = value.value if isinstance(value, Const) and isinstance(value.value, bool) else None
        return LossSpec(kind.family, from_logits, kind.display, Site(site_node), Site(arg))

    def loss_of(self, node: cst.CSTNode, ctx: Ctx) -> Optional[LossSpec]:
        """The loss an expression passed as ``loss=`` configures, if known."""
        value = self.value(node, ctx)
        if isinstance(value, Loss):
            return value.spec
        if isinstance(value, Const) and isinstance(value.value, str):
            kind = kb.LOSS_STRINGS.get(value.value)
            if kind is not None:
                return LossSpec(kind.family, False, kind.display, Site(node))
        if isinstance(value, LibRef) and value.qualname in kb.LOSS_FUNCTIONS:
            kind = kb.LOSS_FUNCTIONS[value.qualname]
            return LossSpec(kind.family, False, kind.display, Site(node))
        if isinstance(value, UserFunction):
            return self._wrapped_loss(value.scope)
        return None

    def _wrapped_loss(self, scope: Scope) -> Optional[LossSpec]:
        """The loss a thin custom loss wraps: ``def f(y_true, y_pred): return
        keras.losses.fn(y_true, y_pred, ...)`` (or a lambda), whose every return is
        one known crossentropy called on the untouched ``y_pred`` parameter."""
        node = scope.node
        params = getattr(getattr(node, "params", None), "params", ())
        if len(params) < 2 or not scope.returns:
            return None
        y_pred = params[1].name.value
        if len(scope.bindings.get(y_pred, ())) != 1:  # reassigned inside: not untouched
            return None
        specs = []
        for returned, ctx in scope.returns:
            if not isinstance(returned, cst.Call):
                return None
            pred_arg = argument(returned, 1, "y_pred", "output")
            if pred_arg is None or not (isinstance(pred_arg.value, cst.Name) and pred_arg.value.value == y_pred):
                return None
            spec = self._called_loss_spec(returned, ctx)
            if spec is None:
                return None
            specs.append(spec)
        return specs[0] if len(specs) == 1 else None

    def _called_loss_spec(self, node: cst.Call, ctx: Ctx) -> Optional[LossSpec]:
        """The spec of a call to a loss object or a Keras loss function."""
        callee = self.value(node.func, ctx)
        if isinstance(callee, Loss):
            return callee.spec
        if isinstance(callee, LibRef) and callee.qualname in kb.LOSS_FUNCTIONS:
            kind = kb.LOSS_FUNCTIONS[callee.qualname]
            return self._loss_spec(kind, node, kind.from_logits_index, ctx, node)
        return None

    def direct_loss_call(self, node: cst.Call, ctx: Ctx) -> Optional[Tuple[LossSpec, Head]]:
        """``loss_fn(y_true, y_pred)`` or ``keras.losses.fn(y_true, y_pred, from_logits=...)``."""
        spec = self._called_loss_spec(node, ctx)
        if spec is None:
            return None
        pred_arg = argument(node, 1, "y_pred", "output")
        if pred_arg is None:
            return None
        pred = self.value(pred_arg.value, ctx)
        if not isinstance(pred, Tensor):
            return None
        return spec, pred.head
