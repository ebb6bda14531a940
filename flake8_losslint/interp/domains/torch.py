"""PyTorch: what a model outputs, and which torch loss it meets.

The evaluator asks this domain first about every call it evaluates (its
``call`` hook sees ``self(x)`` before anything reads it as a Keras call).  It
understands:

- torch modules: ``nn.Linear`` (logits), ``nn.Softmax``/``nn.LogSoftmax``/
  ``nn.Sigmoid``, pass-through modules (dropout, ``Identity``, ``Flatten``),
  ``nn.Sequential(...)`` (its last module decides), each applied to a tensor;
- ``nn.Module`` subclasses defined in the file: an instance is a model whose
  output is what ``forward`` returns, a tensor or a tuple (``self(x)``,
  ``self.forward(x)`` and ``self.helper(x)`` inside the class too);
- activation functions and tensor methods: ``F.softmax``, ``torch.softmax``,
  ``x.softmax(dim)``, ``log_softmax``, ``sigmoid``; value-preserving methods
  (``.view``, ``.squeeze``, ``.to(device)``, ...) keep what a tensor is;
- loss criteria (``nn.CrossEntropyLoss()``, ...) as values; their calls and
  the functional losses (``F.cross_entropy``) become ``TorchLossUse`` facts in
  ``facts/extract/torch_losses.py``.

A model changed after it is built (``model.fc = ...``, ``seq.append(...)``,
``seq[-1] = ...``) is unknown: its definition no longer says what it outputs.

Every table entry was checked against torch 2.13 (CPU) by
``scripts/check_torch_facts.py``: that each name exists and computes what the
table says, the signatures (``input`` first for functions and criteria), that
``nn.Module.to/cuda/cpu/train/eval/float/double/half`` return the module
itself, and that wrappers return the wrapped model's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from ...syntax.collect import ClassInfo, Ctx, Scope
from ...syntax.nodes import argument
from ...terms import (
    LINEAR,
    NOT_LITERAL,
    LOG_SOFTMAX,
    SIGMOID,
    SOFTMAX,
    TORCH_BCE,
    TORCH_BCE_WITH_LOGITS,
    TORCH_CROSS_ENTROPY,
    TORCH_NLL,
    UNKNOWN_HEAD,
    VIA_OP,
    Head,
    Site,
)
from ..values import UNKNOWN, Const, Layer, LibRef, Model, Seq, Tensor, UserClass, UserFunction, Value
from .base import Domain
from .labels import Array

CHECKED_AGAINST = (("torch", "2.13.0"),)

MODULE = "torch.nn.Module"
SEQUENTIAL = "torch.nn.Sequential"

# Modules whose output is raw (logits): the positional index of their width.
LOGITS_MODULES: Dict[str, Optional[int]] = {
    "torch.nn.Linear": 1,
    "torch.nn.LazyLinear": 0,
    "torch.nn.Bilinear": 2,
    "torch.nn.Conv1d": 1,
    "torch.nn.Conv2d": 1,
    "torch.nn.Conv3d": 1,
    "torch.nn.ConvTranspose1d": 1,
    "torch.nn.ConvTranspose2d": 1,
    "torch.nn.ConvTranspose3d": 1,
    "torch.nn.LazyConv1d": 0,
    "torch.nn.LazyConv2d": 0,
    "torch.nn.LazyConv3d": 0,
}
_WIDTH_NAMES = ("out_features", "out_channels")

ACTIVATION_MODULES: Dict[str, str] = {
    "torch.nn.Softmax": SOFTMAX,
    "torch.nn.Softmax2d": SOFTMAX,
    "torch.nn.LogSoftmax": LOG_SOFTMAX,
    "torch.nn.Sigmoid": SIGMOID,
}

# Modules that leave the kind of values flowing through them unchanged.
PASS_THROUGH_MODULES = frozenset(
    "torch.nn." + name
    for name in (
        "Dropout",
        "Dropout1d",
        "Dropout2d",
        "Dropout3d",
        "AlphaDropout",
        "FeatureAlphaDropout",
        "Identity",
        "Flatten",
    )
)

# Functions applying an activation to their first argument (``input``).
ACTIVATION_FUNCTIONS: Dict[str, str] = {
    "torch.softmax": SOFTMAX,
    "torch.nn.functional.softmax": SOFTMAX,
    "torch.special.softmax": SOFTMAX,
    "torch.log_softmax": LOG_SOFTMAX,
    "torch.nn.functional.log_softmax": LOG_SOFTMAX,
    "torch.special.log_softmax": LOG_SOFTMAX,
    "torch.sigmoid": SIGMOID,
    "torch.nn.functional.sigmoid": SIGMOID,
    "torch.special.expit": SIGMOID,
}
ACTIVATION_METHODS: Dict[str, str] = {
    "softmax": SOFTMAX,
    "log_softmax": LOG_SOFTMAX,
    "sigmoid": SIGMOID,
}

# Tensor functions and methods that reshape, move or cast values without
# changing what they are (the width of the last axis may change).
SAME_VALUE_FUNCTIONS = frozenset({"torch.squeeze", "torch.flatten", "torch.reshape"})
RESHAPE_TENSOR_METHODS = frozenset({"squeeze", "unsqueeze", "view", "reshape", "flatten", "permute", "transpose"})
SAME_VALUE_TENSOR_METHODS = RESHAPE_TENSOR_METHODS | {"contiguous", "float", "double", "to", "cpu", "cuda"}
# nn.Module methods that return the module itself.
SELF_MODULE_METHODS = frozenset({"to", "cpu", "cuda", "train", "eval", "float", "double", "half"})
# Wrappers whose call returns what the wrapped model returns.
MODEL_WRAPPERS = frozenset(
    {
        "torch.compile",
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
    }
)

_METHODS = frozenset(ACTIVATION_METHODS) | SAME_VALUE_TENSOR_METHODS | SELF_MODULE_METHODS | {"forward", "__call__", "exp"}
_FORWARD = ("forward", "__call__")
# exp of a log_softmax is a softmax.
EXP_FUNCTIONS = frozenset({"torch.exp", "torch.special.exp"})

# Calls that change a module in place: nn.Sequential's container methods, and a
# forward hook, which may replace what the module returns.
_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "add_module", "register_module", "register_forward_hook"}
)

LOSS_CLASSES: Dict[str, Tuple[str, str]] = {
    "torch.nn.CrossEntropyLoss": (TORCH_CROSS_ENTROPY, "nn.CrossEntropyLoss"),
    "torch.nn.NLLLoss": (TORCH_NLL, "nn.NLLLoss"),
    "torch.nn.BCELoss": (TORCH_BCE, "nn.BCELoss"),
    "torch.nn.BCEWithLogitsLoss": (TORCH_BCE_WITH_LOGITS, "nn.BCEWithLogitsLoss"),
}
LOSS_FUNCTIONS: Dict[str, Tuple[str, str]] = {
    "torch.nn.functional.cross_entropy": (TORCH_CROSS_ENTROPY, "F.cross_entropy"),
    "torch.nn.functional.nll_loss": (TORCH_NLL, "F.nll_loss"),
    "torch.nn.functional.binary_cross_entropy": (TORCH_BCE, "F.binary_cross_entropy"),
    "torch.nn.functional.binary_cross_entropy_with_logits": (
        TORCH_BCE_WITH_LOGITS,
        "F.binary_cross_entropy_with_logits",
    ),
}


# Autocast context managers (torch 2.13): the device each runs on (None: its ``device_type``
# argument, at position 0), and the position of ``enabled``.
AUTOCAST: Dict[str, Tuple[Optional[str], int]] = {
    "torch.autocast": (None, 2),
    "torch.amp.autocast": (None, 2),
    "torch.amp.autocast_mode.autocast": (None, 2),
    "torch.cuda.amp.autocast": ("cuda", 0),
    "torch.cpu.amp.autocast": ("cpu", 0),
}
# Devices whose autocast refuses binary_cross_entropy (measured by redispatching the operator
# to AutocastCUDA / AutocastXPU, scripts/check_torch_config_facts.py); CPU autocast runs it in float32.
AUTOCAST_REFUSES_BCE = frozenset({"cuda", "xpu"})


@dataclass(frozen=True)
class TorchModel(Model):
    """A torch model: ``nn.Sequential(...)`` or an instance of an ``nn.Module`` subclass.

    ``output`` is what calling it returns when that is not one tensor with
    ``head`` (a ``forward`` returning ``logits, hidden``).
    """

    output: Optional[Value] = None

    def called(self) -> Value:
        return self.output if self.output is not None else Tensor(self.head)


@dataclass(frozen=True)
class TorchLoss(Value):
    """A loss criterion object, e.g. ``nn.CrossEntropyLoss()``, or a module of the
    program whose ``forward`` hands its input ``input_index`` to one."""

    kind: str
    display: str
    site: Site
    input_index: int = 0
    # The keyword arguments it is built with (``loss_arguments``).
    arguments: Tuple[Tuple[str, Any], ...] = ()


# Keyword arguments of the losses that change which targets count or how they are weighed
# (torch 2.13 signatures): kept as literals, or for the tensors their length (``loss_arguments``).
LITERAL_ARGUMENTS = ("ignore_index", "reduction", "label_smoothing")
TENSOR_ARGUMENTS = ("weight", "pos_weight")
DEFAULT_IGNORE_INDEX = -100  # CrossEntropyLoss, NLLLoss, F.cross_entropy, F.nll_loss


@dataclass(frozen=True)
class TensorArgument:
    """A tensor given to a loss (``weight=``, ``pos_weight=``): its length when it is 1-D and known."""

    length: Optional[int]
    site: Site


_MAX_DEPTH = 8

# Every library object this domain models (what ``from torch.nn import *`` may bring).
_KNOWN = frozenset(
    set(LOGITS_MODULES)
    | set(ACTIVATION_MODULES)
    | PASS_THROUGH_MODULES
    | set(ACTIVATION_FUNCTIONS)
    | MODEL_WRAPPERS
    | set(LOSS_CLASSES)
    | set(LOSS_FUNCTIONS)
    | {MODULE, SEQUENTIAL}
)


def _last_name(node: cst.BaseExpression) -> Optional[str]:
    """``b`` for ``b``, ``a.b``, ``a.b[0]``: the name an object is reached by."""
    while isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _model(output: Value) -> TorchModel:
    """A model whose call returns ``output``."""
    if isinstance(output, Tensor):
        return TorchModel(output.head)
    return TorchModel(UNKNOWN_HEAD, output=output if isinstance(output, Seq) else None)


def _reshaped(tensor: Tensor) -> Tensor:
    """The same values, with the width and the axes no longer known."""
    head = tensor.head
    return Tensor(Head(head.activation, None, head.activation_site, head.via))


def _row(tensor: Value) -> Optional[Value]:
    """An element of a tensor's leading axis: the same kind of values when the activation
    works along the last axis (a sigmoid works on each value), else unknown."""
    if not isinstance(tensor, Tensor) or not tensor.head.known:
        return None
    head = tensor.head
    if head.activation in (SOFTMAX, LOG_SOFTMAX) and head.axis != -1:
        return UNKNOWN
    return tensor


def _on_self(node: cst.BaseExpression, ctx: Ctx) -> bool:
    """``self`` or ``self.a.b`` inside a method."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return isinstance(node, cst.Name) and node.value == ctx.scope.self_name


class TorchDomain(Domain):
    name = "torch"
    checked_against = CHECKED_AGAINST

    def __init__(self, evaluator) -> None:  # noqa: ANN001
        super().__init__(evaluator)
        self.collected = evaluator.collected
        self._mutated: Optional[FrozenSet[str]] = None
        self._bound_as: Optional[Dict[int, str]] = None
        self._outputs: Dict[int, Value] = {}
        self._busy: Set[int] = set()

    # -- the evaluator hook ----------------------------------------------------
    @staticmethod
    def exports(module: str, name: str, qualname: str) -> bool:
        return qualname in _KNOWN

    def call(self, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """What a call evaluates to, or None when it is not torch's business."""
        func = node.func
        if isinstance(func, cst.Name) and func.value == ctx.scope.self_name:
            return self._self_call(ctx)
        if isinstance(func, cst.Name):
            replaced = self.ev.stored_attribute(func.value, "forward", ctx)
            if replaced is not None:  # ``model.forward = lambda x: ...``: calling the model runs it
                forward = self.ev.value(*replaced)
                if isinstance(forward, UserFunction):
                    return self.ev.call_returns(forward.scope, node, ctx)
                return UNKNOWN
        if isinstance(func, cst.Attribute):
            found = self._method(func, node, ctx)
            if found is not None:
                return found
        callee = self.ev.value(func, ctx)
        if isinstance(callee, LibRef):
            if callee.qualname.startswith("torch."):
                found = self._library_call(callee.qualname, node, ctx)
                # What this domain does not model (``torch.randint``, ``F.one_hot``,
                # ``DataLoader``) is left to the other domains' ``library_call``.
                return None if found is UNKNOWN else found
            return None
        if isinstance(callee, TorchModel):
            return UNKNOWN if self._is_mutated(func) else callee.called()
        if isinstance(callee, Layer) and callee.qualname.startswith("torch."):
            if self._is_mutated(func):
                return UNKNOWN
            return Tensor(self._apply(callee, self._input_head(node, ctx)))
        if isinstance(callee, TorchLoss):
            return UNKNOWN  # a loss value: nothing the rules follow
        if isinstance(callee, UserClass) and self._is_module_class(callee.info, 0):
            if self._is_rebuilt(node) and self._wrapped_loss(callee.info) is None:
                return UNKNOWN
            return self.instance(callee.info)
        return None

    def instance(self, info: ClassInfo) -> Optional[Value]:
        if not self._is_module_class(info, 0):
            return None
        wrapped = self._wrapped_loss(info)
        return wrapped if wrapped is not None else _model(self.class_output(info))

    def _method(self, func: cst.Attribute, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        method = func.attr.value
        if isinstance(func.value, cst.Name) and func.value.value == ctx.scope.self_name:
            return self._self_call(ctx) if method in _FORWARD else self._own_method_call(method, ctx)
        if method not in _METHODS:
            return None
        receiver = self.ev.value(func.value, ctx)
        if isinstance(receiver, LibRef):
            return None  # torch.softmax(...): a library function, not a method
        if method in ACTIVATION_METHODS and (
            isinstance(receiver, Tensor) or (receiver == UNKNOWN and not _on_self(func.value, ctx))
        ):
            # Among what a torch program passes around, only tensors have
            # .softmax/.log_softmax/.sigmoid; ``self.softmax(x)`` is a submodule.
            units = receiver.head.units if isinstance(receiver, Tensor) else None
            activation = ACTIVATION_METHODS[method]
            return _activated(activation, units, Site(node), self._dim(node, 0, activation, ctx))
        if method == "exp":
            return _exp(receiver, node)
        if isinstance(receiver, Tensor) and method in SAME_VALUE_TENSOR_METHODS:
            return _reshaped(receiver) if method in RESHAPE_TENSOR_METHODS else receiver
        if isinstance(receiver, Layer) and receiver.qualname.startswith("torch.") and method in SELF_MODULE_METHODS:
            return receiver
        if isinstance(receiver, TorchModel):
            if method in SELF_MODULE_METHODS:
                return receiver
            if method in _FORWARD:
                return UNKNOWN if self._is_mutated(func.value) else receiver.called()
        if isinstance(receiver, TorchLoss) and method in ("to", "cpu", "cuda"):
            return receiver
        return None

    def _self_call(self, ctx: Ctx) -> Optional[Value]:
        """``self(x)`` / ``self.forward(x)`` inside a method of a module class."""
        info = ctx.scope.cls
        if info is None or not self._is_module_class(info, 0):
            return None
        if id(info.node) in self.ev.derived_classes():
            return UNKNOWN  # a subclass in this file may override forward
        return self.class_output(info)

    def _own_method_call(self, name: str, ctx: Ctx) -> Optional[Value]:
        """``self.decode(z)`` inside a module class: what that method returns."""
        info = ctx.scope.cls
        method = info.methods.get(name) if info is not None else None
        if info is None or method is None or name in info.attributes or not self._is_module_class(info, 0):
            return None
        # A method's scope node is its FunctionDef.
        if id(info.node) in self.ev.derived_classes() or method.node.decorators:  # type: ignore[attr-defined]
            return UNKNOWN  # overridden in a subclass, or wrapped by a decorator
        return self._returned(method)

    def _returned(self, method: Scope) -> Value:
        """What every ``return`` of a function agrees on: a tensor or a tuple."""
        if not method.returns:
            return UNKNOWN
        values = [self.ev.value(node, ctx) for node, ctx in method.returns]
        first = values[0]
        if not isinstance(first, (Tensor, Seq)) or any(v != first for v in values[1:]):
            return UNKNOWN
        return first

    # -- library calls ---------------------------------------------------------
    def _library_call(self, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
        site = Site(node)
        if qualname in LOGITS_MODULES:
            return Layer(qualname, self._width(qualname, node, ctx), LINEAR, site, VIA_OP, site)
        if qualname in ACTIVATION_MODULES:
            activation = ACTIVATION_MODULES[qualname]
            return Layer(qualname, None, activation, site, VIA_OP, site, self._dim(node, 0, activation, ctx))
        if qualname in PASS_THROUGH_MODULES:
            return Layer(qualname, None, None, None, None, site)
        if qualname == SEQUENTIAL:
            return self._sequential(node, ctx)
        if qualname in ACTIVATION_FUNCTIONS:
            incoming = self._input_head(node, ctx)
            activation = ACTIVATION_FUNCTIONS[qualname]
            return _activated(activation, incoming.units, site, self._dim(node, 1, activation, ctx))
        if qualname in EXP_FUNCTIONS:
            arg = argument(node, 0, "input")
            return _exp(self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN, node)
        if qualname in SAME_VALUE_FUNCTIONS:
            arg = argument(node, 0, "input")
            value = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
            return _reshaped(value) if isinstance(value, Tensor) else UNKNOWN
        if qualname in MODEL_WRAPPERS:
            arg = argument(node, 0, "model", "module")
            value = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
            return value if isinstance(value, TorchModel) else UNKNOWN
        if qualname in LOSS_CLASSES:
            kind, display = LOSS_CLASSES[qualname]
            return TorchLoss(kind, display, site, arguments=self.loss_arguments(node, ctx))
        return UNKNOWN

    def loss_arguments(self, node: cst.Call, ctx: Ctx) -> Tuple[Tuple[str, Any], ...]:
        """The keyword arguments of a loss construction or functional call: literals (NOT_LITERAL
        when not one) and, for tensors, a ``TensorArgument``."""
        found: List[Tuple[str, Any]] = []
        for arg in node.args:
            if arg.keyword is None or arg.star:
                continue
            name = arg.keyword.value
            if name in LITERAL_ARGUMENTS:
                value = self.ev.value(arg.value, ctx)
                found.append((name, value.value if isinstance(value, Const) else NOT_LITERAL))
            elif name in TENSOR_ARGUMENTS:
                found.append((name, TensorArgument(_length(self.ev.value(arg.value, ctx)), Site(arg.value))))
        return tuple(found)

    def _dim(self, node: cst.Call, index: int, activation: str, ctx: Ctx) -> Optional[int]:
        """The literal ``dim`` of a softmax/log_softmax (None: not given, or not a literal)."""
        if activation not in (SOFTMAX, LOG_SOFTMAX):
            return None
        arg = argument(node, index, "dim")
        value = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
        return value.value if isinstance(value, Const) and type(value.value) is int else None

    def _width(self, qualname: str, node: cst.Call, ctx: Ctx) -> Optional[int]:
        index = LOGITS_MODULES[qualname]
        arg = argument(node, index if index is not None else -1, *_WIDTH_NAMES)
        if arg is None:
            return None
        value = self.ev.value(arg.value, ctx)
        return value.value if isinstance(value, Const) and type(value.value) is int else None

    def _input_head(self, node: cst.Call, ctx: Ctx) -> Head:
        arg = argument(node, 0, "input")
        value = self.ev.value(arg.value, ctx) if arg is not None else UNKNOWN
        return value.head if isinstance(value, Tensor) else UNKNOWN_HEAD

    def _sequential(self, node: cst.Call, ctx: Ctx) -> Value:
        if self._is_rebuilt(node) or not node.args or any(a.keyword for a in node.args):
            return UNKNOWN
        if len(node.args) == 1 and node.args[0].star == "*":
            # nn.Sequential(*layers): the list as built (appends followed by the evaluator)
            layers = self.ev.value(node.args[0].value, ctx)
            if not isinstance(layers, Seq) or not layers.items:
                return UNKNOWN
            modules = list(layers.items)
        elif any(a.star for a in node.args):
            return UNKNOWN
        else:
            modules = []
            for arg in node.args:
                if self._is_mutated(arg.value):
                    return UNKNOWN
                modules.append(self.ev.value(arg.value, ctx))
        head = UNKNOWN_HEAD
        for module in modules:
            head = self._apply(module, head)
        return TorchModel(head)

    @staticmethod
    def _apply(module: Value, incoming: Head) -> Head:
        """The head after ``module`` is applied to a tensor with head ``incoming``."""
        if isinstance(module, TorchModel):
            return module.head
        if not isinstance(module, Layer) or not module.qualname.startswith("torch."):
            return UNKNOWN_HEAD
        if module.qualname in PASS_THROUGH_MODULES:
            return incoming
        if module.qualname in ACTIVATION_MODULES:
            if module.activation in (SOFTMAX, LOG_SOFTMAX) and module.axis == 0:
                return UNKNOWN_HEAD  # normalised across the batch: not a classifier's output
            return Head(module.activation, incoming.units, module.activation_site, VIA_OP, axis=module.axis)
        return Head(module.activation, module.units, module.activation_site, VIA_OP)

    # -- tensors indexed and iterated -------------------------------------------
    def expression(self, node: cst.CSTNode, ctx: Ctx) -> Optional[Value]:
        """``probs[i]``: a row of a tensor (an integer index on the leading axis)."""
        if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
            return None
        index = node.slice[0].slice
        if not isinstance(index, cst.Index) or index.star is not None:
            return None
        position = self.ev.value(index.value, ctx)
        if isinstance(position, Const):
            if type(position.value) is not int:
                return None
        elif not isinstance(index.value, cst.Name):
            return None  # a slice, a tuple of indices, an expression: not one row
        return _row(self.ev.value(node.value, ctx))

    def loop_element(self, iterable: cst.CSTNode, unpack: Tuple[int, ...], ctx: Ctx) -> Optional[Value]:
        """``for p in probs`` / ``for i, p in enumerate(probs)``: the rows of a tensor."""
        if (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "enumerate"
            and len(iterable.args) == 1
            and not self.ev.bound_anywhere("enumerate")
        ):
            if unpack[:1] != (1,):
                return None
            iterable, unpack = iterable.args[0].value, unpack[1:]
        if unpack:
            return None
        return _row(self.ev.value(iterable, ctx))

    # -- modules of the program that wrap a loss ---------------------------------
    def _wrapped_loss(self, info: ClassInfo) -> Optional[TorchLoss]:
        """A module whose ``forward`` returns a torch loss of one of its inputs (through
        reshapes): ``def forward(self, pred, target): return F.nll_loss(pred.flatten(0, 1), ...)``."""
        forward = info.methods.get("forward")
        if forward is None or not forward.returns or id(info.node) in self.ev.derived_classes():
            return None
        names = [p.name.value for p in forward.params[1:] if p.star == ""]
        found: Optional[TorchLoss] = None
        for returned, ctx in forward.returns:
            if not isinstance(returned, cst.Call):
                return None
            callee = self.ev.value(returned.func, ctx)
            if isinstance(callee, LibRef) and callee.qualname in LOSS_FUNCTIONS:
                kind, display = LOSS_FUNCTIONS[callee.qualname]
            elif isinstance(callee, TorchLoss) and callee.input_index == 0:
                kind, display = callee.kind, callee.display
            else:
                return None
            arg = argument(returned, 0, "input")
            source = _reshaped_name(arg.value) if arg is not None else None
            if source not in names:
                return None
            loss = TorchLoss(kind, f"{info.node.name.value} ({display})", Site(returned), names.index(source))
            if found is not None and loss != found:
                return None
            found = loss
        return found

    # -- nn.Module subclasses --------------------------------------------------
    def _is_module_class(self, info: ClassInfo, depth: int = 0) -> bool:
        return self.ev.is_subclass(info, MODULE)

    def class_output(self, info: ClassInfo) -> Value:
        """What an instance's ``forward`` returns."""
        key = id(info.node)
        if key in self._outputs:
            return self._outputs[key]
        if key in self._busy:
            return UNKNOWN
        self._busy.add(key)
        try:
            output = self._forward_output(info)
        finally:
            self._busy.discard(key)
        self._outputs[key] = output
        return output

    def _forward_output(self, info: ClassInfo) -> Value:
        chain = self._forward_chain(info, 0)
        if chain is None:
            return UNKNOWN
        owner = chain[-1]
        # An inherited forward reads the attributes its own class sets; a
        # subclass that sets any may have replaced them.
        if any(cls.attributes for cls in chain[:-1]):
            return UNKNOWN
        return self._returned(owner.methods["forward"])

    def _forward_chain(self, info: ClassInfo, depth: int) -> Optional[List[ClassInfo]]:
        """The classes from ``info`` to the one defining ``forward`` (method
        resolution order, depth first), or None when a base is not known."""
        if "forward" in info.methods:
            return [info]
        if depth > _MAX_DEPTH:
            return None
        for base in info.node.bases:
            value = self.ev.value(base.value, info.ctx)
            if isinstance(value, LibRef) and value.qualname == MODULE:
                continue  # nn.Module.forward is not implemented
            if not isinstance(value, UserClass):
                return None  # a mixin we cannot see may define forward
            found = self._forward_chain(value.info, depth + 1)
            if found is not None:
                return [info] + found
        return None

    # -- models changed after they are built -----------------------------------
    def _mutated_names(self) -> FrozenSet[str]:
        """Names through which some object is changed in place in this file."""
        if self._mutated is None:
            names: Set[str] = set()
            for target in self.collected.stores:
                receiver = target.value
                name = _last_name(receiver)
                if name is not None:
                    names.add(name)
            for site in self.collected.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
                    name = _last_name(func.value)
                elif isinstance(func, cst.Name) and func.value in ("setattr", "delattr") and site.node.args:
                    name = _last_name(site.node.args[0].value)
                else:
                    continue
                if name is not None:
                    names.add(name)
            self._mutated = frozenset(names)
        return self._mutated

    def _is_mutated(self, expression: cst.BaseExpression) -> bool:
        name = _last_name(expression)
        return name is not None and name in self._mutated_names()

    def _is_rebuilt(self, node: cst.Call) -> bool:
        """Whether the name this construction is assigned to is changed later."""
        if self._bound_as is None:
            bound: Dict[int, str] = {}
            scopes = [self.collected.module_scope] + list(self.collected.scope_of_node.values())
            for scope in scopes:
                if scope is None:
                    continue
                for name, bindings in scope.bindings.items():
                    for binding in bindings:
                        if binding.value is not None:
                            bound[id(binding.value)] = name
                if scope.kind == "class" and scope.cls is not None:
                    for name, bindings in scope.cls.attributes.items():
                        for binding in bindings:
                            if binding.value is not None:
                                bound[id(binding.value)] = name
            self._bound_as = bound
        name = self._bound_as.get(id(node))
        return name is not None and name in self._mutated_names()


def _length(value: Value) -> Optional[int]:
    """The length of a 1-D tensor the labels domain knows (``torch.tensor([...])``, ``torch.ones(n)``)."""
    if isinstance(value, Array) and value.labels.shape == () and isinstance(value.labels.samples, int):
        return value.labels.samples
    return None


def _activated(activation: str, units: Optional[int], site: Site, axis: Optional[int]) -> Tensor:
    """A tensor after an activation; a softmax over dim 0 (across the batch) is not a classifier's output."""
    if activation in (SOFTMAX, LOG_SOFTMAX) and axis == 0:
        return Tensor(UNKNOWN_HEAD)
    return Tensor(Head(activation, units, site, VIA_OP, axis=axis))


def _exp(value: Value, node: cst.Call) -> Value:
    """``exp`` of a log_softmax is its softmax; of anything else, nothing known."""
    if isinstance(value, Tensor) and value.head.activation == LOG_SOFTMAX:
        head = value.head
        return Tensor(Head(SOFTMAX, head.units, Site(node), VIA_OP, units_site=head.units_site, axis=head.axis))
    return UNKNOWN


def _reshaped_name(node: cst.BaseExpression) -> Optional[str]:
    """The name under reshapes: ``pred`` for ``pred``, ``pred.flatten(0, 1)``, ``pred.view(-1, C)``."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value not in SAME_VALUE_TENSOR_METHODS:
            return None
        node = node.func.value
    return node.value if isinstance(node, cst.Name) else None
