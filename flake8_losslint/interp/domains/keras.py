"""Keras and TensorFlow: layers, models, losses and activations.

The tables were read off the installed libraries (TensorFlow 2.21, Keras
3.15.1): ``inspect.signature`` of each loss, ``keras.losses.get`` and
``keras.activations.get`` for the strings they accept.  The domain answers
what a layer, a ``Sequential``/functional/subclassed model and a loss object
are, and what a model or an activation outputs (its ``Head``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from ...syntax.collect import Binding, CallSite, ClassInfo, Ctx, within
from ..env import in_env
from ...syntax.nodes import argument, source_text
from ...terms import (
    BINARY,
    CATEGORICAL,
    LINEAR,
    LOG_SOFTMAX,
    NOT_LITERAL,
    OTHER,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    UNKNOWN_HEAD,
    VIA_KERAS,
    VIA_OP,
    Head,
    LossSpec,
    Site,
)
from ..values import UNKNOWN, Const, Layer, LibRef, Model, Seq, Tensor, UserClass, UserFunction, Value
from . import api_names
from .base import Domain

CHECKED_AGAINST = (("tensorflow", "2.21.0"), ("keras", "3.15.1"))


@dataclass(frozen=True)
class LossKind:
    family: str
    display: str
    # Position of ``from_logits`` among the positional arguments of the class
    # constructor (for classes) or of the function (after y_true, y_pred).
    from_logits_index: int


# Strings that ``compile(loss=...)`` accepts for the crossentropy family
# (keras.losses.get; class names are accepted as strings too).
LOSS_STRINGS: Dict[str, LossKind] = {}
for _name, _family in (
    ("sparse_categorical_crossentropy", SPARSE_CATEGORICAL),
    ("SparseCategoricalCrossentropy", SPARSE_CATEGORICAL),
    ("categorical_crossentropy", CATEGORICAL),
    ("CategoricalCrossentropy", CATEGORICAL),
    ("categorical_focal_crossentropy", CATEGORICAL),
    ("CategoricalFocalCrossentropy", CATEGORICAL),
    ("binary_crossentropy", BINARY),
    ("BinaryCrossentropy", BINARY),
    ("bce", BINARY),
    ("BCE", BINARY),
    ("binary_focal_crossentropy", BINARY),
    ("BinaryFocalCrossentropy", BINARY),
):
    LOSS_STRINGS[_name] = LossKind(_family, repr(_name), -1)

# keras.losses.<Class>(...): from_logits position in the constructor.
LOSS_CLASSES: Dict[str, LossKind] = {
    "keras.losses.SparseCategoricalCrossentropy": LossKind(
        SPARSE_CATEGORICAL, "SparseCategoricalCrossentropy", 0
    ),
    "keras.losses.CategoricalCrossentropy": LossKind(CATEGORICAL, "CategoricalCrossentropy", 0),
    "keras.losses.BinaryCrossentropy": LossKind(BINARY, "BinaryCrossentropy", 0),
    "keras.losses.BinaryFocalCrossentropy": LossKind(BINARY, "BinaryFocalCrossentropy", 3),
    "keras.losses.CategoricalFocalCrossentropy": LossKind(
        CATEGORICAL, "CategoricalFocalCrossentropy", 2
    ),
}

# keras.losses.<function>(y_true, y_pred, ...): from_logits position.
LOSS_FUNCTIONS: Dict[str, LossKind] = {}
for _home in ("keras.losses.", "keras.metrics.", "keras.backend.", "keras.ops."):
    LOSS_FUNCTIONS[_home + "sparse_categorical_crossentropy"] = LossKind(
        SPARSE_CATEGORICAL, "sparse_categorical_crossentropy", 2
    )
    LOSS_FUNCTIONS[_home + "categorical_crossentropy"] = LossKind(
        CATEGORICAL, "categorical_crossentropy", 2
    )
    LOSS_FUNCTIONS[_home + "binary_crossentropy"] = LossKind(BINARY, "binary_crossentropy", 2)
LOSS_FUNCTIONS["keras.losses.binary_focal_crossentropy"] = LossKind(
    BINARY, "binary_focal_crossentropy", 5
)
LOSS_FUNCTIONS["keras.losses.categorical_focal_crossentropy"] = LossKind(
    CATEGORICAL, "categorical_focal_crossentropy", 4
)

# tf.nn ops that take logits: the positional index of ``logits`` in TF 2.
# (tf.compat.v1 variants start with a sentinel: keyword-only there.)
LOGITS_OPS: Dict[str, int] = {
    "tensorflow.nn.softmax_cross_entropy_with_logits": 1,
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": 1,
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": 1,
    "tensorflow.nn.weighted_cross_entropy_with_logits": 1,
    "tensorflow.compat.v1.nn.softmax_cross_entropy_with_logits": -1,
    "tensorflow.compat.v1.nn.softmax_cross_entropy_with_logits_v2": -1,
    "tensorflow.compat.v1.nn.sparse_softmax_cross_entropy_with_logits": -1,
    "tensorflow.compat.v1.nn.sigmoid_cross_entropy_with_logits": -1,
}

# Activation functions called on a tensor, and whether Keras caches the logits
# beside the result (keras.activations.softmax/sigmoid do; raw ops do not).
ACTIVATION_FUNCTIONS: Dict[str, str] = {
    "tensorflow.nn.softmax": SOFTMAX,
    "tensorflow.nn.sigmoid": SIGMOID,
    "tensorflow.nn.log_softmax": LOG_SOFTMAX,
    "keras.activations.softmax": SOFTMAX,
    "keras.activations.sigmoid": SIGMOID,
    "keras.activations.log_softmax": LOG_SOFTMAX,
    "keras.activations.linear": LINEAR,
    "keras.ops.softmax": SOFTMAX,
    "keras.ops.sigmoid": SIGMOID,
    "keras.ops.log_softmax": LOG_SOFTMAX,
    "keras.backend.softmax": SOFTMAX,
    "keras.backend.sigmoid": SIGMOID,
}
KERAS_CACHING_ACTIVATIONS = frozenset({"keras.activations.softmax", "keras.activations.sigmoid"})

# keras.activations.get accepts these strings (Keras 3.15).
_OTHER_ACTIVATION_STRINGS = (
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
    "leaky_relu log_sigmoid mish relu relu6 selu silu soft_shrink softplus softsign "
    "sparse_plus sparse_sigmoid sparsemax squareplus swish tanh tanh_shrink threshold"
).split()
ACTIVATION_STRINGS: Dict[str, str] = {
    "softmax": SOFTMAX,
    "sigmoid": SIGMOID,
    "log_softmax": LOG_SOFTMAX,
    "linear": LINEAR,
}
ACTIVATION_STRINGS.update({name: OTHER for name in _OTHER_ACTIVATION_STRINGS})


@dataclass(frozen=True)
class LayerKind:
    """How a layer class is called: where its width and activation are given."""

    units_names: tuple  # keyword names for the width, Keras 1 spellings included
    units_index: Optional[int]  # positional index of the width
    activation_index: Optional[int]  # positional index of ``activation``
    default_activation: Optional[str]  # activation when none is given


_DENSE = LayerKind(("units", "output_dim"), 0, 1, LINEAR)
_CONV = LayerKind(("filters", "nb_filter"), 0, None, LINEAR)
_RNN = LayerKind(("units", "output_dim"), 0, None, OTHER)  # tanh by default

UNIT_LAYERS: Dict[str, LayerKind] = {
    "keras.layers.Dense": _DENSE,
    "keras.layers.EinsumDense": LayerKind(("output_shape",), None, None, LINEAR),
    "keras.layers.Conv1D": _CONV,
    "keras.layers.Conv2D": _CONV,
    "keras.layers.Conv3D": _CONV,
    "keras.layers.Convolution1D": _CONV,
    "keras.layers.Convolution2D": _CONV,
    "keras.layers.Convolution3D": _CONV,
    "keras.layers.Conv1DTranspose": _CONV,
    "keras.layers.Conv2DTranspose": _CONV,
    "keras.layers.Conv3DTranspose": _CONV,
    "keras.layers.SeparableConv1D": _CONV,
    "keras.layers.SeparableConv2D": _CONV,
    "keras.layers.LSTM": _RNN,
    "keras.layers.GRU": _RNN,
    "keras.layers.SimpleRNN": _RNN,
}

# Layers that leave the activation of what flows through them unchanged.
PASS_THROUGH_LAYERS = frozenset(
    "keras.layers." + name
    for name in (
        "Dropout",
        "AlphaDropout",
        "GaussianDropout",
        "GaussianNoise",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "ActivityRegularization",
    )
)

ACTIVATION_LAYER = "keras.layers.Activation"
SOFTMAX_LAYER = "keras.layers.Softmax"
TIME_DISTRIBUTED = "keras.layers.TimeDistributed"
INPUT_LAYERS = frozenset({"keras.Input", "keras.layers.Input", "keras.layers.InputLayer"})
SEQUENTIAL = "keras.Sequential"
MODEL = "keras.Model"
LAYER = "keras.layers.Layer"  # a layer subclass of the program is called like a model

# Every library class this domain models.
_KNOWN = frozenset(
    set(UNIT_LAYERS)
    | PASS_THROUGH_LAYERS
    | INPUT_LAYERS
    | {ACTIVATION_LAYER, SOFTMAX_LAYER, TIME_DISTRIBUTED, SEQUENTIAL, MODEL, LAYER}
    | set(LOSS_CLASSES)
)

# Methods that train or evaluate a compiled model on labels.
FIT_METHODS = frozenset({"fit", "fit_generator", "evaluate", "evaluate_generator", "train_on_batch", "test_on_batch"})
# Where a training/evaluation method takes its weights (positional index, self excluded), Keras
# 3.15.1 and 2.15.0 alike.
WEIGHT_ARGUMENTS: Dict[str, Dict[str, int]] = {
    "fit": {"class_weight": 9, "sample_weight": 10},
    "evaluate": {"sample_weight": 4},
    "train_on_batch": {"sample_weight": 2, "class_weight": 3},
    "test_on_batch": {"sample_weight": 2},
}
# Methods of a model that return what the model outputs.
PREDICT_METHODS = frozenset({"predict", "predict_on_batch", "__call__"})

# tf.nn ops whose labels are class ids (sparse) or one row per class.
LOGITS_OP_FAMILIES: Dict[str, str] = {
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": SPARSE_CATEGORICAL,
    "tensorflow.compat.v1.nn.sparse_softmax_cross_entropy_with_logits": SPARSE_CATEGORICAL,
    "tensorflow.nn.softmax_cross_entropy_with_logits": CATEGORICAL,
    "tensorflow.compat.v1.nn.softmax_cross_entropy_with_logits": CATEGORICAL,
    "tensorflow.compat.v1.nn.softmax_cross_entropy_with_logits_v2": CATEGORICAL,
}

# Keyword arguments of the loss classes, besides from_logits, that change what
# the loss computes or which labels it takes; they are carried in LossSpec.arguments.
LOSS_ARGUMENTS = ("label_smoothing", "ignore_class", "axis", "gamma", "alpha", "apply_class_balancing", "reduction")

# Mixed precision (Keras 3.15.1 names; scripts/check_config_rule_facts.py): the calls that set the
# global dtype policy, the policy classes, and the policies under which layers compute in 16 bits.
POLICY_SETTERS = frozenset(
    {
        "keras.mixed_precision.set_global_policy",
        "keras.mixed_precision.set_dtype_policy",
        "keras.config.set_dtype_policy",
        "keras.mixed_precision.experimental.set_policy",
    }
)
POLICY_CLASSES = frozenset(
    {
        "keras.mixed_precision.Policy",
        "keras.mixed_precision.DTypePolicy",
        "keras.DTypePolicy",
        "keras.dtype_policies.DTypePolicy",
        "keras.dtype_policies.FloatDTypePolicy",
    }
)
MIXED_POLICIES = frozenset({"mixed_float16", "mixed_bfloat16"})

# Methods that change a dict or a list in place: a literal they are called on is not all it holds.
_DICT_CHANGES = frozenset({"update", "pop", "setdefault", "popitem", "clear"})
_LIST_CHANGES = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"})


def _legacy_keras_environment(ev) -> bool:  # noqa: ANN001 - the Evaluator
    """``os.environ["TF_USE_LEGACY_KERAS"] = ...`` or ``os.environ.setdefault("TF_USE_LEGACY_KERAS", ...)``."""
    for target in ev.collected.stores:
        if isinstance(target, cst.Subscript) and "TF_USE_LEGACY_KERAS" in _strings(target.slice):
            return True
    for site in ev.collected.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("setdefault", "update", "__setitem__"):
            if any("TF_USE_LEGACY_KERAS" in _strings(arg) for arg in site.node.args):
                return True
    return False


def _strings(nodes) -> List[str]:  # noqa: ANN001 - a node or a sequence of nodes
    """The literal strings directly inside a subscript's slice or an argument."""
    found: List[str] = []
    for node in nodes if isinstance(nodes, (list, tuple)) else [nodes]:
        value = getattr(node, "slice", None) or getattr(node, "value", None) or node
        if isinstance(value, cst.Index):
            value = value.value
        if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
            found.append(value.evaluated_value)
    return found


# Methods that change a model in place: Sequential's layers, and compile's loss.
_SEQUENTIAL_CHANGES = frozenset({"add", "pop"})
_IN_PLACE = _SEQUENTIAL_CHANGES | {"compile"}


@dataclass(frozen=True)
class Compiled:
    """What ``model.compile(loss=...)`` gave a model: the loss as evaluated, and its
    spec when it is a crossentropy Keras knows.  ``loss`` is UNKNOWN when two
    compiles may each have run last."""

    loss: Value
    spec: Optional[LossSpec]
    site: Site  # the compile call
    # A loss dict or list for the outputs of a model with several (``compile_mapping``).
    mapping: Optional["Mapping"] = None


@dataclass(frozen=True)
class Loss(Value):
    """A loss object (``SparseCategoricalCrossentropy(...)``) or a loss function reference."""

    spec: LossSpec
    is_function: bool = False


@dataclass(frozen=True)
class OutputTensor(Tensor):
    """The output of a layer built with a literal ``name=``: Keras names a model output after it."""

    name: str = ""


@dataclass(frozen=True)
class Outputs:
    """The outputs of a functional model with several: ``Model(inputs, [a, b])`` or ``{"a": a, "b": b}``.

    ``keys`` are what compile's dict keys must be, in ``outputs`` order: the output
    layers' names for list and tuple outputs, the dict's keys for dict outputs (Keras
    3.15.1, scripts/check_multi_output_facts.py); None where not known (a layer without
    a literal ``name=``: Keras names it from a global counter).
    """

    form: str  # "list", "tuple" or "dict"
    keys: Tuple[Optional[str], ...]
    layer_names: Tuple[Optional[str], ...]
    heads: Tuple[Head, ...]
    site: Site  # the Model(...) call

    @property
    def named(self) -> bool:
        return all(key is not None for key in self.keys)


@dataclass(frozen=True)
class MultiModel(Model):
    """A Keras model with several outputs; ``head`` is unknown, each output's is in ``outputs``."""

    outputs: Optional[Outputs] = None


@dataclass(frozen=True)
class MapEntry:
    """One entry of a dict or list given to compile: its key (dict: the literal string, None
    when not one; list: None), where the key is written, and the value as evaluated."""

    key: Optional[str]
    key_site: Optional[Site]
    value: Value
    site: Site  # the value expression
    spec: Optional[LossSpec] = None  # a crossentropy this domain knows (loss mappings)
    text: str = ""  # the value as written, for messages


@dataclass(frozen=True)
class Mapping:
    """A dict or list literal given to compile's ``loss``, ``metrics`` or ``loss_weights``."""

    form: str  # "dict" or "list" (a tuple literal too)
    entries: Tuple[MapEntry, ...]
    site: Site  # the argument's value

    def get(self, key: str) -> Optional[MapEntry]:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


def _method(site: CallSite) -> str:
    """The method an in-place change calls (``KerasDomain.changes`` keeps ``name.method(...)`` only)."""
    func = site.node.func
    return func.attr.value if isinstance(func, cst.Attribute) else ""


class KerasDomain(Domain):
    name = "keras"
    checked_against = CHECKED_AGAINST

    def __init__(self, evaluator) -> None:  # noqa: ANN001
        super().__init__(evaluator)
        self._changes: Optional[Dict[str, List[CallSite]]] = None
        self._wrapped: set = set()  # layer constructions wrapped in TimeDistributed, by node id
        self._keras3: Optional[bool] = None

    # -- evaluator hooks ---------------------------------------------------------
    @staticmethod
    def exports(module: str, name: str, qualname: str) -> bool:
        if qualname in _KNOWN or qualname in LOSS_FUNCTIONS or qualname in ACTIVATION_FUNCTIONS:
            return True
        return api_names.recorded(module, name)

    def call(self, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in PREDICT_METHODS:
            receiver = self.ev.value(func.value, ctx)
            return Tensor(receiver.head) if isinstance(receiver, Model) else UNKNOWN
        return None

    def library_call(self, qualname: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        if qualname in UNIT_LAYERS:
            return self._unit_layer(qualname, UNIT_LAYERS[qualname], node, ctx)
        if qualname == ACTIVATION_LAYER:
            arg = argument(node, 0, "activation")
            activation, via = self._activation(arg, ctx) if arg is not None else (None, None)
            site = Site(node)
            return Layer(qualname, None, activation, site, via, site, axis=-1)
        if qualname == SOFTMAX_LAYER:
            site = Site(node)
            return Layer(qualname, None, SOFTMAX, site, VIA_KERAS, site, self._axis(node, 0, ctx))
        if qualname in PASS_THROUGH_LAYERS:
            return Layer(qualname, None, None, None, None, Site(node))
        if qualname == TIME_DISTRIBUTED:
            arg = argument(node, 0, "layer")
            inner = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
            if isinstance(inner, Layer):
                self._wrapped.add(id(inner.site.node))  # the wrapper, not this layer, names the output
            return inner
        if qualname in INPUT_LAYERS:
            return Tensor(UNKNOWN_HEAD)
        if qualname == SEQUENTIAL:
            return self._sequential(node, ctx)
        if qualname == MODEL:
            arg = argument(node, 1, "outputs", "output")
            out = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
            if isinstance(out, Seq) and len(out.items) == 1:
                out = out.items[0]
            if isinstance(out, Tensor):
                return Model(out.head)
            outputs = self._outputs(arg.value, node, ctx) if arg is not None else None
            return MultiModel(UNKNOWN_HEAD, outputs=outputs) if outputs is not None else UNKNOWN
        if qualname in LOSS_CLASSES:
            kind = LOSS_CLASSES[qualname]
            return Loss(self.loss_spec(kind, node, kind.from_logits_index, ctx, node))
        if qualname in ACTIVATION_FUNCTIONS:
            arg = argument(node, 0, "x", "logits", "features")
            inner = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
            incoming = inner.head if isinstance(inner, Tensor) else UNKNOWN_HEAD
            via = VIA_KERAS if qualname in KERAS_CACHING_ACTIVATIONS else VIA_OP
            activation = ACTIVATION_FUNCTIONS[qualname]
            axis = self._axis(node, 1, ctx) if activation in (SOFTMAX, LOG_SOFTMAX) else None
            if activation in (SOFTMAX, LOG_SOFTMAX) and axis != -1:
                # Over another axis (attention weights over time): not a classifier's output.
                return Tensor(UNKNOWN_HEAD)
            return Tensor(
                Head(activation, incoming.units, Site(node), via, units_site=incoming.units_site, axis=axis)
            )
        return None

    def call_value(self, callee: Value, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        if isinstance(callee, (Layer, Model)):
            if isinstance(callee, Layer) and callee.qualname.startswith("torch."):
                return None
            arg = argument(node, 0, "inputs", "x")
            tensor = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
            if isinstance(callee, Model):
                return Tensor(callee.head)
            incoming = tensor.head if isinstance(tensor, Tensor) else UNKNOWN_HEAD
            head = self.apply(callee, incoming)
            name = self._layer_name(callee)
            return OutputTensor(head, name) if name is not None else Tensor(head)
        if isinstance(callee, UserClass):
            return self.instance(callee.info)
        return None

    def instance(self, info: ClassInfo) -> Optional[Value]:
        if self.ev.is_subclass(info, MODEL, LAYER):
            return Model(self._call_head(UserClass(info)))
        return None

    def rebound(self, name: str, value: Value, binding: Binding, use: Ctx) -> Value:
        if not (type(value) is Model or type(value) is MultiModel):
            return value  # PyTorch models (a subclass) are not compiled
        window = self._window(name, binding, use)
        if value.sequential:
            value = self._with_changes(value, window, use)
        compiled = self._compiled(window, use, several=isinstance(value, MultiModel))
        return replace(value, compiled=compiled) if compiled is not None else value

    # -- models --------------------------------------------------------------------
    def _call_head(self, cls: UserClass) -> Head:
        method = cls.info.methods.get("call")
        if method is None:
            return UNKNOWN_HEAD
        value = self.ev.returns(method)
        return value.head if isinstance(value, Tensor) else UNKNOWN_HEAD

    def _sequential(self, node: cst.Call, ctx: Ctx) -> Value:
        arg = argument(node, 0, "layers")
        if arg is None:
            return Model(UNKNOWN_HEAD, sequential=True)
        layers = self.ev.value(arg.value, ctx)
        if not isinstance(layers, Seq):
            return UNKNOWN
        heads = self.fold(layers.items)
        return Model(heads[-1] if heads else UNKNOWN_HEAD, sequential=True)

    def fold(self, layers: Sequence[Value], head: Head = UNKNOWN_HEAD) -> List[Head]:
        """The head after each of ``layers``, applied in order from ``head``."""
        heads = []
        for layer in layers:
            head = self.apply(layer, head)
            heads.append(head)
        return heads

    def changes(self, name: str) -> List[CallSite]:
        """``name.add(...)``, ``name.pop()``, ``name.compile(...)`` calls, in textual order."""
        if self._changes is None:
            found: Dict[str, List[CallSite]] = {}
            for site in self.ev.collected.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in _IN_PLACE and isinstance(func.value, cst.Name):
                    found.setdefault(func.value.value, []).append(site)
            self._changes = found
        return self._changes.get(name, [])

    def _window(self, name: str, binding: Binding, use: Ctx) -> List[CallSite]:
        """The in-place changes of ``name`` between its binding and ``use``, in ``use``'s scope."""
        sites = self.changes(name)
        first = bisect_right(sites, binding.order, key=lambda site: site.ctx.order)
        window = sites[first : bisect_left(sites, use.order, key=lambda site: site.ctx.order)]
        return [site for site in window if site.ctx.scope is use.scope]

    def _compiled(self, window: List[CallSite], use: Ctx, several: bool = False) -> Optional[Compiled]:
        """The compile that surely ran last before ``use`` (UNKNOWN loss when two may have)."""
        live: List[CallSite] = []
        for site in window:
            if _method(site) != "compile":
                continue
            if within(site.ctx.path, use.path):
                live = [site]
            else:
                live.append(site)
        if not live:
            return None
        site = live[-1]
        if len(live) != 1:
            return Compiled(UNKNOWN, None, Site(site.node))
        arg = argument(site.node, 1, "loss")
        if arg is None:
            return Compiled(UNKNOWN, None, Site(site.node))
        ctx = in_env(site.ctx, use.env)
        mapping = self.compile_mapping(arg.value, ctx, losses=True) if several else None
        return Compiled(self.ev.value(arg.value, ctx), self.loss_of(arg.value, ctx), Site(site.node), mapping)

    def _with_changes(self, model: Model, window: List[CallSite], use: Ctx) -> Model:
        head = model.head
        changed = False
        for site in window:
            if _method(site) == "compile":
                continue
            changed = True
            if _method(site) == "pop" or not within(site.ctx.path, use.path):
                head = UNKNOWN_HEAD
                continue
            arg = argument(site.node, 0, "layer")
            layer = self.ev.value(arg.value, in_env(site.ctx, use.env)) if arg is not None else UNKNOWN
            head = self.apply(layer, head)
        if not changed:
            return model
        return replace(model, head=head)

    def apply(self, layer: Value, incoming: Head) -> Head:
        """The head after ``layer`` is applied to a tensor with head ``incoming``."""
        if isinstance(layer, Tensor):  # keras.Input inside Sequential([...])
            return layer.head
        if isinstance(layer, Model):
            return layer.head
        if not isinstance(layer, Layer):
            return UNKNOWN_HEAD
        if layer.qualname in PASS_THROUGH_LAYERS:
            if not incoming.known:
                return incoming
            return replace(incoming, after=incoming.after + (layer.qualname.rsplit(".", 1)[-1],))
        if layer.qualname in (ACTIVATION_LAYER, SOFTMAX_LAYER):
            if layer.activation is None or (layer.activation in (SOFTMAX, LOG_SOFTMAX) and layer.axis != -1):
                return UNKNOWN_HEAD  # a softmax over another axis is not a classifier's output
            if layer.activation == LINEAR:
                return incoming
            return Head(
                layer.activation,
                incoming.units,
                layer.activation_site,
                layer.via,
                units_site=incoming.units_site,
                axis=layer.axis if layer.activation in (SOFTMAX, LOG_SOFTMAX) else None,
            )
        return Head(
            layer.activation,
            layer.units,
            layer.activation_site,
            layer.via,
            units_site=layer.site,
            axis=layer.axis if layer.activation in (SOFTMAX, LOG_SOFTMAX) else None,
        )

    def _unit_layer(self, qualname: str, kind: LayerKind, node: cst.Call, ctx: Ctx) -> Layer:
        units = None
        units_arg = argument(node, kind.units_index if kind.units_index is not None else -1, *kind.units_names)
        if units_arg is not None:
            units_value = self.ev.value(units_arg.value, ctx)
            if isinstance(units_value, Const) and type(units_value.value) is int:
                units = units_value.value
        act_arg = argument(node, kind.activation_index if kind.activation_index is not None else -1, "activation")
        if act_arg is None:
            return Layer(qualname, units, kind.default_activation, Site(node), VIA_KERAS, Site(node), axis=-1)
        activation, via = self._activation(act_arg, ctx)
        return Layer(qualname, units, activation, Site(act_arg), via, Site(node), axis=-1)

    def _axis(self, node: cst.Call, index: int, ctx: Ctx) -> Optional[int]:
        """The literal ``axis`` argument of a softmax (its default, the last axis, when not given)."""
        arg = argument(node, index, "axis", "dim")
        if arg is None:
            return -1
        value = self.ev.value(arg.value, ctx)
        if isinstance(value, Const) and value.value is None:
            return -1  # tf.nn.softmax(axis=None): the last axis
        return value.value if isinstance(value, Const) and type(value.value) is int else None

    def _activation(self, arg: cst.Arg, ctx: Ctx) -> Tuple[Optional[str], Optional[str]]:
        value = self.ev.value(arg.value, ctx)
        if isinstance(value, Const):
            if value.value is None:
                return LINEAR, VIA_KERAS
            if isinstance(value.value, str):
                return ACTIVATION_STRINGS.get(value.value), VIA_KERAS
        if isinstance(value, LibRef) and value.qualname in ACTIVATION_FUNCTIONS:
            via = VIA_KERAS if value.qualname.startswith("keras.activations.") else VIA_OP
            return ACTIVATION_FUNCTIONS[value.qualname], via
        return None, None

    # -- models with several outputs ----------------------------------------------------
    def _layer_name(self, layer: Layer) -> Optional[str]:
        """A Keras layer's literal ``name=`` (None when not given, not a literal string, or wrapped)."""
        node = layer.site.node
        if layer.qualname.startswith("torch.") or not isinstance(node, cst.Call) or id(node) in self._wrapped:
            return None
        arg = argument(node, -1, "name")
        if arg is None or not isinstance(arg.value, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        text = arg.value.evaluated_value
        return text if isinstance(text, str) else None

    def literal(self, node: cst.BaseExpression, ctx: Ctx) -> Optional[Tuple[Union[cst.List, cst.Tuple, cst.Dict], Ctx]]:
        """A list, tuple or dict literal written at ``node`` or bound, once, to the name ``node``
        (and nothing assigned into it later), with where it is evaluated."""
        if isinstance(node, (cst.List, cst.Tuple, cst.Dict)):
            return node, ctx
        if not isinstance(node, cst.Name):
            return None
        if any(
            isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and target.value.value == node.value
            for target in self.ev.collected.stores
        ):
            return None
        bindings = self.ev.bindings_at(node.value, ctx)
        if len(bindings) != 1 or bindings[0].unpack or not isinstance(bindings[0].value, (cst.List, cst.Tuple, cst.Dict)):
            return None
        if isinstance(bindings[0].value, cst.Dict) and node.value in self.ev.receivers(_DICT_CHANGES):
            return None  # ``outputs.update(...)``: more than the literal
        return bindings[0].value, in_env(bindings[0].ctx, ctx.env)

    def _outputs(self, node: cst.BaseExpression, call: cst.Call, ctx: Ctx) -> Optional[Outputs]:
        """The outputs of ``Model(inputs, outputs)`` when there are several, each evaluated."""
        found = self.literal(node, ctx)
        if found is None:
            return None
        literal, at = found
        keys: List[Optional[str]] = []
        values: List[Value] = []
        if isinstance(literal, cst.Dict):
            form = "dict"
            for element in literal.elements:
                if not isinstance(element, cst.DictElement):
                    return None  # ``**more``
                key = self.ev.value(element.key, at)
                keys.append(key.value if isinstance(key, Const) and isinstance(key.value, str) else None)
                values.append(self.ev.value(element.value, at))
        else:
            form = "list" if isinstance(literal, cst.List) else "tuple"
            value = self.ev.value(node, ctx)
            if not isinstance(value, Seq) or len(value.items) != len(literal.elements):
                return None  # grown by appends: the literal is not all of it
            values = list(value.items)
        if len(values) < 2:
            return None
        names = tuple(value.name if isinstance(value, OutputTensor) else None for value in values)
        heads = tuple(value.head if isinstance(value, Tensor) else UNKNOWN_HEAD for value in values)
        if form != "dict":
            keys = list(names)
        return Outputs(form, tuple(keys), names, heads, Site(call))

    def compile_mapping(self, node: cst.BaseExpression, ctx: Ctx, losses: bool = False) -> Optional[Mapping]:
        """A dict or list literal given to compile (``loss``, ``metrics``, ``loss_weights``),
        entry by entry; with ``losses``, each entry's loss spec when it is one this domain knows."""
        found = self.literal(node, ctx)
        if found is None:
            return None
        literal, at = found
        entries: List[MapEntry] = []
        if isinstance(literal, cst.Dict):
            for element in literal.elements:
                if not isinstance(element, cst.DictElement):
                    return None
                key = self.ev.value(element.key, at)
                text = key.value if isinstance(key, Const) and isinstance(key.value, str) else None
                spec = self.loss_of(element.value, at) if losses else None
                value = self.ev.value(element.value, at)
                written = source_text(element.value, 40)
                entries.append(MapEntry(text, Site(element.key), value, Site(element.value), spec, written))
            return Mapping("dict", tuple(entries), Site(node))
        if any(isinstance(element, cst.StarredElement) for element in literal.elements):
            return None
        if isinstance(node, cst.Name) and node.value in self.ev.receivers(_LIST_CHANGES):
            return None
        for item in literal.elements:
            spec = self.loss_of(item.value, at) if losses else None
            value = self.ev.value(item.value, at)
            entries.append(MapEntry(None, None, value, Site(item.value), spec, source_text(item.value, 40)))
        return Mapping("list", tuple(entries), Site(node))

    def entry_for_outputs(self, outputs: Outputs, mapping: Mapping) -> Optional[Tuple[Optional[MapEntry], ...]]:
        """The entry of a loss mapping each output gets, in ``outputs`` order (None: no loss), as
        Keras 3.15.1 maps them (scripts/check_multi_output_facts.py): a list by position (on dict
        outputs, in the sorted order of the keys), a dict by output name (on dict outputs, by
        key).  None when the mapping does not fit the outputs (Keras raises) or is not known."""
        count = len(outputs.heads)
        if mapping.form == "list":
            if len(mapping.entries) > count or outputs.form == "tuple" and len(mapping.entries) != count:
                return None
            if outputs.form == "dict":
                if not outputs.named or not self.keras3() or len(set(outputs.keys)) != count:
                    return None
                keys = [key for key in outputs.keys if key is not None]  # all of them: outputs.named
                by_key = dict(zip(sorted(keys), mapping.entries))
                return tuple(by_key.get(key) for key in keys)
            return tuple(mapping.entries) + (None,) * (count - len(mapping.entries))
        if not outputs.named or any(entry.key is None for entry in mapping.entries):
            return None
        if not {entry.key for entry in mapping.entries} <= set(outputs.keys):
            return None  # a key that names no output: Keras raises (LL108)
        if outputs.form == "dict" and not self.keras3():
            return None  # Keras 2 maps dict outputs otherwise (its dict keys are layer names)
        if outputs.form != "dict" and len(mapping.entries) != count:
            return None  # Keras 3 raises on a partial dict for list outputs
        # No key is None: outputs.named.
        return tuple(mapping.get(key) for key in outputs.keys)  # type: ignore[arg-type]

    def keras3(self) -> bool:
        """Whether the program runs on Keras 3: its target Keras version, unless it imports
        ``tf_keras`` or sets ``TF_USE_LEGACY_KERAS`` (tf.keras is then Keras 2)."""
        if self._keras3 is None:
            version = self.ev.versions().get("keras")
            major = version.split(".")[0] if version else ""
            legacy = any(found.split(".")[0] == "tf_keras" for found in self.ev.imports.bindings().values())
            legacy = legacy or _legacy_keras_environment(self.ev)
            self._keras3 = major.isdigit() and int(major) >= 3 and not legacy
        return self._keras3

    def policy_name(self, node: cst.BaseExpression, ctx: Ctx) -> Optional[str]:
        """The policy a dtype argument names: a literal string, or a policy object built from one."""
        value = self.ev.value(node, ctx)
        if isinstance(value, Const) and isinstance(value.value, str):
            return value.value
        if isinstance(node, cst.Call) and isinstance(callee := self.ev.value(node.func, ctx), LibRef):
            if callee.qualname in POLICY_CLASSES:
                arg = argument(node, 0, "name")
                inner = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
                if isinstance(inner, Const) and isinstance(inner.value, str):
                    return inner.value
        return None

    # -- losses ----------------------------------------------------------------------
    def loss_spec(self, kind: LossKind, node: cst.Call, index: int, ctx: Ctx, site_node: cst.CSTNode) -> LossSpec:
        """The spec of a loss class constructed (or a loss function called) by ``node``."""
        arguments = []
        for given in node.args:
            if given.keyword is not None and given.keyword.value in LOSS_ARGUMENTS:
                value = self.ev.value(given.value, ctx)
                literal = value.value if isinstance(value, Const) else NOT_LITERAL
                arguments.append((given.keyword.value, literal))
        arg = argument(node, index, "from_logits")
        if arg is None:
            return LossSpec(kind.family, False, kind.display, Site(site_node), arguments=tuple(arguments))
        value = self.ev.value(arg.value, ctx)
        from_logits = value.value if isinstance(value, Const) and isinstance(value.value, bool) else None
        return LossSpec(kind.family, from_logits, kind.display, Site(site_node), Site(arg), tuple(arguments))

    def loss_of(self, node: cst.CSTNode, ctx: Ctx) -> Optional[LossSpec]:
        """The loss an expression passed as ``loss=`` configures, if known."""
        value = self.ev.value(node, ctx)
        if isinstance(value, Loss):
            return value.spec
        if isinstance(value, Const) and isinstance(value.value, str):
            kind = LOSS_STRINGS.get(value.value)
            if kind is not None:
                return LossSpec(kind.family, False, kind.display, Site(node))
        if isinstance(value, LibRef) and value.qualname in LOSS_FUNCTIONS:
            kind = LOSS_FUNCTIONS[value.qualname]
            return LossSpec(kind.family, False, kind.display, Site(node))
        if isinstance(value, UserFunction):
            return self._wrapped_loss(value)
        return None

    def _wrapped_loss(self, function: UserFunction) -> Optional[LossSpec]:
        """The loss a thin custom loss wraps: ``def f(y_true, y_pred): return
        keras.losses.fn(y_true, y_pred, ...)`` (or a lambda), whose every return is
        one known crossentropy called on the untouched ``y_pred`` parameter."""
        scope = function.scope
        node = scope.node
        params: Sequence[cst.Param] = getattr(getattr(node, "params", None), "params", ())
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
            spec = self.called_loss_spec(returned, ctx)
            if spec is None:
                return None
            specs.append(spec)
        return specs[0] if len(specs) == 1 else None

    def called_loss_spec(self, node: cst.Call, ctx: Ctx) -> Optional[LossSpec]:
        """The spec of a call to a loss object or a Keras loss function."""
        callee = self.ev.value(node.func, ctx)
        if isinstance(callee, Loss):
            return callee.spec
        if isinstance(callee, LibRef) and callee.qualname in LOSS_FUNCTIONS:
            kind = LOSS_FUNCTIONS[callee.qualname]
            return self.loss_spec(kind, node, kind.from_logits_index, ctx, node)
        return None
