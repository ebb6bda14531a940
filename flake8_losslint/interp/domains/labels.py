"""Labels: arrays, datasets and loaders, and how labels are encoded.

The domain answers for the library calls, methods, subscripts, arithmetic and
loops that build label arrays: ``Array`` (an array whose label encoding, class
count, value range, per-sample shape or sample count is known), ``Dataset``
(a ``tf.data`` pipeline, a Keras generator or a torch ``DataLoader`` of
``(x, y)`` batches), ``LibObject`` (an instance of a library class such as
``ImageDataGenerator`` or ``LabelEncoder``), ``LoaderObject``/``Record``/
``NamedSeq`` (what a data loader returns: an object with attributes, a dict or
Bunch, a namedtuple), ``Eye`` (``np.eye(n)``, for ``np.eye(n)[y]``),
``Placeholder`` (a TensorFlow 1 ``tf.placeholder``) and ``TargetLoss`` (a loss
that compares targets with the output element by element, such as ``'mse'`` or
``nn.MSELoss()``).  Where labels meet a loss is the business of
``facts/extract/labels.py``.

What the well-known loaders and encoders return is data: ``data/loaders.json``,
read by ``loader_table.py`` (each entry says the library version it was checked
against; ``scripts/check_loader_facts.py`` re-checks them).  The operations and
losses below were checked against TensorFlow 2.21, Keras 3.15.1, NumPy 2.4,
scikit-learn 1.9, pandas 3.1 and torch 2.13/2.14 (``scripts/check_feed_facts.py``,
``scripts/check_width_facts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from ...syntax.collect import Ctx
from ...syntax.nodes import argument, source_text
from ...terms import (
    BINARY,
    CATEGORICAL,
    CONTINUOUS,
    INTEGER,
    MIXED,
    MULTI_HOT,
    ONE_HOT,
    REGRESSION,
    SPARSE_CATEGORICAL,
    Labels,
    LossSpec,
    Site,
)
from ..env import in_env
from ..values import UNKNOWN, Const, LibRef, Seq, Value, int_of
from . import loader_table
from .base import Domain

if TYPE_CHECKING:
    from ..evaluator import Evaluator

CHECKED_AGAINST = (
    ("tensorflow", "2.21.0"),
    ("keras", "3.15.1"),
    ("numpy", "2.4"),
    ("scikit-learn", "1.9"),
    ("pandas", "3.1"),
    ("torch", "2.13.0"),
)


@dataclass(frozen=True)
class Array(Value):
    """An array whose label facts are (partly) known."""

    labels: Labels


@dataclass(frozen=True)
class Dataset(Value):
    """Batches of ``(x, y)``: a ``tf.data.Dataset``, a Keras generator or a torch ``DataLoader``."""

    features: Value
    labels: Value


@dataclass(frozen=True)
class LibObject(Value):
    """An instance of a library class, by canonical class name, with the literal
    keyword arguments it was built with (for the loader table's constructor arguments)."""

    qualname: str
    given: Tuple[Tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class LoaderObject(Value):
    """An object a data loader returns (``mnist.train``, a torchvision dataset): its
    attributes and methods, and what ``obj[i]`` gives."""

    qualname: str
    attributes: Tuple[Tuple[str, Value], ...] = ()
    methods: Tuple[Tuple[str, Value], ...] = ()
    item: Value = UNKNOWN


@dataclass(frozen=True)
class Record(Value):
    """A dict or a scikit-learn Bunch a loader returns: items by key (``any`` for other
    keys), also as attributes when ``attributes``."""

    items: Tuple[Tuple[str, Value], ...]
    any: Value = UNKNOWN
    attributes: bool = False

    def get(self, key: str) -> Value:
        for name, value in self.items:
            if name == key:
                return value
        return self.any


@dataclass(frozen=True)
class NamedSeq(Seq):
    """A namedtuple: unpacked like a tuple, its items also attributes."""

    fields: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Eye(Value):
    """``np.eye(n)``: indexing it with class ids one-hot encodes them."""

    size: int
    site: Site


@dataclass(frozen=True)
class Indices(Value):
    """An index array over samples (``np.random.permutation(n)``): ``y[idx]`` keeps y's rows."""

    samples: Optional[int]


@dataclass(frozen=True)
class Placeholder(Value):
    """``tf.compat.v1.placeholder(dtype, shape)``: fed through ``feed_dict``."""

    site: Site
    shape: Optional[Tuple[Optional[int], ...]]  # as written, the batch axis included


@dataclass(frozen=True)
class TargetLoss(Value):
    """A loss that compares targets with the output element by element (``'mse'``,
    ``keras.losses.Huber()``, ``nn.MSELoss()``), for the width rules."""

    spec: LossSpec
    library: str  # "keras" or "torch"


# -- library tables -----------------------------------------------------------

# (positional index of the class count, its keyword names, positional index of ``axis``)
_ONE_HOT_OPS: Dict[str, Tuple[int, Tuple[str, ...], int]] = {
    "tensorflow.one_hot": (1, ("depth",), 4),
    "keras.ops.one_hot": (1, ("num_classes",), 2),
    "keras.backend.one_hot": (1, ("num_classes",), -1),
}
# torch.nn.functional.one_hot(tensor, num_classes=-1): int64 rows; -1 infers max + 1.
_TORCH_ONE_HOT = "torch.nn.functional.one_hot"

_ARRAY_WRAPPERS = frozenset(
    {
        "numpy.array",
        "numpy.asarray",
        "tensorflow.constant",
        "tensorflow.convert_to_tensor",
        "keras.ops.array",
        "keras.ops.convert_to_tensor",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
    }
)
# torch's typed constructors: the dtype they give.
_TORCH_TYPED = {"torch.LongTensor": "int", "torch.IntTensor": "int", "torch.FloatTensor": "float"}
_CASTS = frozenset({"tensorflow.cast", "keras.ops.cast"})
# Random/constant arrays whose first dimension is the sample count:
# name -> (positional index of the shape argument, keyword, shape is varargs)
_SHAPED: Dict[str, Tuple[int, str, bool]] = {
    "numpy.random.rand": (0, "", True),
    "numpy.random.randn": (0, "", True),
    "numpy.random.random": (0, "size", False),
    "numpy.random.random_sample": (0, "size", False),
    "numpy.random.normal": (2, "size", False),
    "numpy.random.uniform": (2, "size", False),
    "numpy.zeros": (0, "shape", False),
    "numpy.ones": (0, "shape", False),
    "numpy.empty": (0, "shape", False),
    "tensorflow.random.normal": (0, "shape", False),
    "tensorflow.random.uniform": (0, "shape", False),
    "tensorflow.zeros": (0, "shape", False),
    "tensorflow.ones": (0, "shape", False),
    "torch.rand": (0, "size", True),
    "torch.randn": (0, "size", True),
    "torch.zeros": (0, "size", True),
    "torch.ones": (0, "size", True),
}
_ARGMAX = frozenset({"numpy.argmax", "tensorflow.argmax", "tensorflow.math.argmax", "keras.ops.argmax"})
_SPLIT = "sklearn.model_selection.train_test_split"
_SHUFFLE = "sklearn.utils.shuffle"
_FROM_TENSOR_SLICES = "tensorflow.data.Dataset.from_tensor_slices"
_SQUEEZE = frozenset({"numpy.squeeze", "tensorflow.squeeze", "keras.ops.squeeze", "torch.squeeze"})
_CONCATENATE = "numpy.concatenate"
_INDEX_ARRAYS = frozenset({"numpy.random.permutation", "numpy.arange", "torch.randperm", "torch.arange"})
_PLACEHOLDER = "tensorflow.placeholder"
# Python's random.randint(a, b) includes b; numpy's excludes high.
_PY_RANDINT = "random.randint"
_NP_RANDINT = "numpy.random.randint"
_TORCH_RANDINT = "torch.randint"

# Padding sequences to one length: the keyword and position of the padding value, and its
# default (Keras 3.15.1: pad_sequences(sequences, maxlen, dtype='int32', padding, truncating,
# value=0.0); torch 2.13: pad_sequence(sequences, batch_first, padding_value=0.0, padding_side)).
_PADDERS: Dict[str, Tuple[str, int, float]] = {
    "keras.utils.pad_sequences": ("value", 5, 0.0),
    "keras.preprocessing.pad_sequences": ("value", 5, 0.0),
    "keras_preprocessing.sequence.pad_sequences": ("value", 5, 0.0),
    "torch.nn.utils.rnn.pad_sequence": ("padding_value", 2, 0.0),
}

# tf.data methods that keep each element's (x, y) structure.
_DATASET_KEEPS = frozenset(
    "batch shuffle prefetch cache repeat take skip shard with_options padded_batch "
    "rebatch unbatch filter ignore_errors".split()
)
# Methods of any labels array that keep its encoding, shape and sample count
# (NumPy, pandas, scipy.sparse and torch tensors).
_ANY_KEEPS = frozenset({"copy", "numpy", "toarray", "to_numpy", "cpu", "cuda", "detach", "clone", "contiguous"})
# torch tensor methods that change only the dtype.
_TORCH_DTYPES = {"float": "float", "double": "float", "half": "float", "long": "int", "int": "int"}

# TensorFlow 1 losses (tf.compat.v1.losses, which TF 1.x also exports as tf.losses), read
# from the signatures in TF 2.21: (family, positional index and keyword of the labels,
# of the logits).
TF1_LOSSES: Dict[str, Tuple[str, Tuple[int, str], Tuple[int, str]]] = {
    "tensorflow.losses.sparse_softmax_cross_entropy": (SPARSE_CATEGORICAL, (0, "labels"), (1, "logits")),
    "tensorflow.losses.softmax_cross_entropy": (CATEGORICAL, (0, "onehot_labels"), (1, "logits")),
    "tensorflow.losses.sigmoid_cross_entropy": (BINARY, (0, "multi_class_labels"), (1, "logits")),
}

# Losses that compare the target with the output element by element.  Measured on Keras
# 3.15.1 (scripts/check_feed_facts.py): with a (N,) target against K > 1 outputs each
# raises "Dimensions must be equal", with a (N, 1) target each trains every output unit
# on the one target, in fit and in direct calls.  torch 2.13/2.14: the (N,) target
# against a (N, 1) input broadcasts to (N, N) with a UserWarning.
_KERAS_REGRESSION_NAMES = (
    "mean_squared_error mean_absolute_error mean_absolute_percentage_error mean_squared_logarithmic_error "
    "huber log_cosh mse mae mape msle MSE MAE MAPE MSLE"
).split()
REGRESSION_STRINGS = frozenset(
    ["mse", "mae", "mape", "msle", "huber", "log_cosh"]
    + _KERAS_REGRESSION_NAMES[:6]
    + "MeanSquaredError MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredLogarithmicError Huber LogCosh".split()
)
REGRESSION_CLASSES = frozenset(
    "keras.losses." + name
    for name in "MeanSquaredError MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredLogarithmicError "
    "Huber LogCosh".split()
)
REGRESSION_FUNCTIONS = frozenset(
    home + name for home in ("keras.losses.", "keras.metrics.") for name in _KERAS_REGRESSION_NAMES
)
TORCH_REGRESSION_CLASSES = {
    "torch.nn.MSELoss": "nn.MSELoss",
    "torch.nn.L1Loss": "nn.L1Loss",
    "torch.nn.SmoothL1Loss": "nn.SmoothL1Loss",
    "torch.nn.HuberLoss": "nn.HuberLoss",
}
TORCH_REGRESSION_FUNCTIONS = {
    "torch.nn.functional.mse_loss": "F.mse_loss",
    "torch.nn.functional.l1_loss": "F.l1_loss",
    "torch.nn.functional.smooth_l1_loss": "F.smooth_l1_loss",
    "torch.nn.functional.huber_loss": "F.huber_loss",
}

# Loader-table entries named in messages by something other than their last name.
_ORIGINS = {
    "keras.utils.to_categorical": "to_categorical",
    "sklearn.preprocessing.label_binarize": "label_binarize",
    "pandas.get_dummies": "pd.get_dummies",
    "tensorflow_datasets.load": "tfds.load",
}
# Keywords older releases spelled differently: Keras 1's to_categorical(y, nb_classes).
_KEYWORD_ALIASES = {"keras.utils.to_categorical": {"x": ("y",), "num_classes": ("nb_classes",)}}
_ENCODINGS = {
    "int": INTEGER,
    "binary": INTEGER,  # 0/1 ids of a two-class problem
    "one_hot": ONE_HOT,
    "multi_hot": MULTI_HOT,
    "continuous": CONTINUOUS,
}
_DTYPES = {"int": "int", "bool": "bool"}

# -- helpers --------------------------------------------------------------------
_int = int_of


def normal(qualname: str) -> str:
    """``tensorflow.compat.v1.x`` and ``tensorflow.compat.v2.x`` are ``tensorflow.x`` here."""
    for prefix in ("tensorflow.compat.v1.", "tensorflow.compat.v2."):
        if qualname.startswith(prefix):
            return "tensorflow." + qualname[len(prefix):]
    return qualname


def _int_arg(
    ev: Evaluator, call: cst.Call, index: int, names: Sequence[str], ctx: Ctx
) -> Tuple[Optional[int], Optional[cst.Arg]]:
    arg = argument(call, index, *names)
    if arg is None:
        return None, None
    return _int(ev.value(arg.value, ctx)), arg


def short_name(qualname: str) -> str:
    """A spelling for messages: ``to_categorical``, ``tf.one_hot``, ``np.random.randint``."""
    if qualname.startswith("numpy."):
        return "np." + qualname[len("numpy."):]
    if qualname.startswith("tensorflow."):
        return "tf." + qualname[len("tensorflow."):]
    if qualname.startswith("torch.nn.functional."):
        return "F." + qualname[len("torch.nn.functional."):]
    if qualname.startswith("torch.") and qualname.count(".") == 1:
        return qualname
    if qualname.startswith("keras.datasets."):
        return qualname[len("keras.datasets."):] + "()"
    return qualname.rsplit(".", 1)[-1]


def _dims(value: Value) -> Optional[Tuple[Optional[int], ...]]:
    """A shape argument as a tuple of ints (None for a dimension not known), or None."""
    if isinstance(value, Const) and _int(value) is not None:
        return (_int(value),)
    if isinstance(value, Seq) and value.items:
        return tuple(_int(item) for item in value.items)
    return None


# -- what the evaluator does not ask the domain about --------------------------------
def resolve(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx, depth: int = 0) -> Value:
    """What ``node`` is: the evaluator's answer, completed where it has none by what this
    domain knows of expressions the evaluator does not ask domains about: attributes of
    the domain's values (``mnist.train.labels``, ``bunch.target``), list comprehensions
    of random class ids, and names bound to either."""
    value = ev.value(node, ctx)
    if value is not UNKNOWN or depth > 8:
        return value
    if isinstance(node, cst.Attribute):
        return _attribute(resolve(ev, node.value, ctx, depth + 1), node.attr.value)
    if isinstance(node, cst.ListComp):
        return _comprehension(ev, node, ctx)
    if isinstance(node, cst.Name) and not _mutated(ev, node):
        return _through_name(ev, node, ctx, depth)
    return UNKNOWN


def _through_name(ev: Evaluator, node: cst.Name, ctx: Ctx, depth: int) -> Value:
    scope = ctx.scope
    bindings = ev.bindings_at(node.value, ctx)
    while not bindings and scope.parent is not None and not scope.bindings.get(node.value):
        scope = scope.parent
        bindings = list(scope.bindings.get(node.value, []))
    values: List[Value] = []
    for binding in bindings:
        if binding.value is None or not isinstance(binding.value, cst.BaseExpression):
            return UNKNOWN
        target: cst.BaseExpression = binding.value
        unpack = binding.unpack
        while unpack and isinstance(target, (cst.Tuple, cst.List)) and unpack[0] < len(target.elements):
            element = target.elements[unpack[0]]
            if isinstance(element, cst.StarredElement):
                return UNKNOWN
            target, unpack = element.value, unpack[1:]
        if not isinstance(target, (cst.Attribute, cst.ListComp, cst.Name, cst.Subscript)):
            return UNKNOWN  # calls and the rest: the evaluator's answer stands
        found = resolve(ev, target, in_env(binding.ctx, ctx.env), depth + 1)
        values.append(ev.index(found, unpack))
    return ev.agree(values)


def _attribute(base: Value, name: str) -> Value:
    if isinstance(base, NamedSeq) and name in base.fields:
        return base.items[base.fields.index(name)]
    if isinstance(base, Record) and base.attributes:
        return base.get(name)
    if isinstance(base, LoaderObject):
        for key, value in base.attributes:
            if key == name:
                return value
    if isinstance(base, Array) and name == "values":
        return base  # a pandas Series/DataFrame as its NumPy array
    return UNKNOWN


def _comprehension(ev: Evaluator, node: cst.ListComp, ctx: Ctx) -> Value:
    """``[random.randint(0, 9) for _ in range(n)]``: one class id per sample."""
    comp = node.for_in
    if comp.inner_for_in is not None or comp.ifs or not isinstance(node.elt, cst.Call):
        return UNKNOWN
    call = node.elt
    targets = [n.value for n in _names_in(comp.target)]
    if _mentions(call.args, targets):
        return UNKNOWN
    callee = ev.value(call.func, ctx)
    if not isinstance(callee, LibRef) or callee.qualname not in (_PY_RANDINT, _NP_RANDINT) or len(call.args) != 2:
        return UNKNOWN
    low, high = (_int(ev.value(arg.value, ctx)) for arg in call.args)
    if low is None or high is None or any(arg.keyword is not None or arg.star for arg in call.args):
        return UNKNOWN
    if callee.qualname == _NP_RANDINT:
        high -= 1
    if high < low:
        return UNKNOWN
    samples = None
    iterable = comp.iter
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "range"
        and len(iterable.args) == 1
        and not ev.bound_anywhere("range")
    ):
        samples = _int(ev.value(iterable.args[0].value, ctx))
    site = Site(node)
    origin = "random.randint" if callee.qualname == _PY_RANDINT else short_name(callee.qualname)
    return Array(Labels(INTEGER, origin, site, high - low + 1, samples, site if samples else None, (low, high),
                        shape=(), dtype="int"))


def _names_in(target: cst.BaseExpression) -> List[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _names_in(element.value)]
    return []


# -- evaluator hooks --------------------------------------------------------------
def _library_call(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    """A call of a library function the core evaluator does not model."""
    qualname = normal(qualname)
    site = Site(node)
    found = loader_table.entry(qualname)
    if found is not None:
        name, entry = found
        if entry.get("kind") == "method":
            return UNKNOWN
        return _table_call(ev, name, entry, node, ctx)
    if loader_table.method_class(qualname) is not None:
        return LibObject(loader_table.method_class(qualname) or qualname, _keywords(ev, node, ctx))
    if qualname in _ONE_HOT_OPS:
        index, names, axis_index = _ONE_HOT_OPS[qualname]
        arg = argument(node, 0, "indices", "x")
        source = _array(ev, arg.value, ctx) if arg is not None else None
        count, _ = _int_arg(ev, node, index, names, ctx)
        axis = argument(node, axis_index, "axis")
        if axis is not None and ev.value(axis.value, ctx) != Const(-1):
            return UNKNOWN  # classes along another axis: not rows
        return _one_hot(count, site, source, short_name(qualname))
    if qualname == _TORCH_ONE_HOT:
        arg = argument(node, 0, "tensor", "input")
        source = _array(ev, arg.value, ctx) if arg is not None else None
        count, count_arg = _int_arg(ev, node, 1, ("num_classes",), ctx)
        if count_arg is None or count == -1:
            count = source.value_range[1] + 1 if source is not None and source.value_range else None
        elif count is None:
            return _one_hot(None, site, source, "F.one_hot", dtype="int")
        return _one_hot(count, site, source, "F.one_hot", dtype="int")
    if qualname == "numpy.eye":
        size, _ = _int_arg(ev, node, 0, ("N",), ctx)
        if size is None or len(node.args) != 1:
            return UNKNOWN
        return Eye(size, site)
    if qualname == _NP_RANDINT:
        return _randint(ev, node, ctx)
    if qualname == _TORCH_RANDINT:
        return _torch_randint(ev, node, ctx)
    if qualname in _SHAPED:
        return _shaped(ev, qualname, node, ctx)
    if qualname in _ARRAY_WRAPPERS or qualname in _TORCH_TYPED:
        arg = argument(node, 0, "object", "value", "x", "a", "data", "ndarray", "obj")
        if arg is None:
            return UNKNOWN
        literal = _literal(arg.value, site, _container(node))
        inner = literal if literal is not None else _as_array(ev, arg.value, ctx)
        if not isinstance(inner, Array):
            return UNKNOWN
        dtype = _TORCH_TYPED.get(qualname) or _dtype_argument(ev, node, ctx) or inner.labels.dtype
        return Array(replace(inner.labels, dtype=dtype))
    if qualname in _CASTS:
        arg = argument(node, 0, "x")
        inner = _as_array(ev, arg.value, ctx) if arg is not None else UNKNOWN
        return inner if isinstance(inner, Array) else UNKNOWN
    if qualname in _ARGMAX:
        return _argmax(ev, node, ctx, 1)
    if qualname == _SPLIT:
        return _train_test_split(ev, node, ctx)
    if qualname == _SHUFFLE:
        return _shuffle(ev, node, ctx)
    if qualname in _SQUEEZE:
        arg = argument(node, 0, "a", "input", "x")
        inner = _as_array(ev, arg.value, ctx) if arg is not None else UNKNOWN
        axis = argument(node, 1, "axis", "dim")
        return _squeezed(inner, _int(ev.value(axis.value, ctx)) if axis is not None else None, axis is not None)
    if qualname == _CONCATENATE:
        return _concatenate(ev, node, ctx)
    if qualname in _INDEX_ARRAYS:
        return _index_array(ev, qualname, node, ctx)
    if qualname == _FROM_TENSOR_SLICES:
        return _from_tensor_slices(ev, node, ctx)
    if qualname in _PADDERS:
        return _padded(ev, qualname, node, ctx)
    if qualname == _PLACEHOLDER:
        return _placeholder(ev, node, ctx)
    if qualname in REGRESSION_CLASSES:
        return TargetLoss(LossSpec(REGRESSION, None, short_name(qualname), site), "keras")
    if qualname in TORCH_REGRESSION_CLASSES:
        return TargetLoss(LossSpec(REGRESSION, None, TORCH_REGRESSION_CLASSES[qualname], site), "torch")
    return UNKNOWN


def _padded(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    """Sequences padded to one length with a literal padding value (what they hold is not known)."""
    keyword, position, default = _PADDERS[qualname]
    arg = argument(node, position, keyword)
    value = ev.value(arg.value, ctx) if arg is not None else Const(default)
    # Const holds literals only, so this is ``type(...) in (int, float)`` in a form mypy narrows.
    if not (isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)):
        return UNKNOWN
    dtype = "int" if qualname.endswith("pad_sequences") and argument(node, 2, "dtype") is None else None
    return Array(Labels(None, short_name(qualname), Site(node), dtype=dtype, padding=value.value))


def _dtype_argument(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Optional[str]:
    """The kind of ``dtype=`` given to an array constructor, when it is a known one."""
    arg = argument(node, -1, "dtype")
    return _dtype_of(ev, arg.value, ctx) if arg is not None else None


def _keywords(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Tuple[Tuple[str, Any], ...]:
    """The keyword arguments of a constructor, as the loader table reads them."""
    return tuple(
        (arg.keyword.value, _given(ev, arg.value, ctx)) for arg in node.args if arg.keyword is not None and not arg.star
    )


def _len(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    """``len(seq)`` of a literal sequence that nothing changes in place."""
    if len(node.args) != 1 or _mutated(ev, node.args[0].value):
        return UNKNOWN
    seq = ev.value(node.args[0].value, ctx)
    return Const(len(seq.items)) if isinstance(seq, Seq) and seq.items else UNKNOWN


def _method(ev: Evaluator, receiver: Value, method: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
    """Methods of datasets, library objects, loader objects and label arrays."""
    if isinstance(receiver, Dataset):
        if method in _DATASET_KEEPS:
            return receiver
        if method == "map":
            return _dataset_map(ev, receiver, node, ctx)
        return UNKNOWN
    if isinstance(receiver, LoaderObject):
        for name, value in receiver.methods:
            if name == method:
                return value
        return UNKNOWN
    if isinstance(receiver, LibObject):
        return _object_method(ev, receiver, method, node, ctx)
    if isinstance(receiver, Array):
        labels = receiver.labels
        if method == "argmax":
            return _argmax(ev, node, ctx, -1, receiver)
        if method in _TORCH_DTYPES and not node.args:
            return Array(replace(labels, dtype=_TORCH_DTYPES[method]))
        if method in ("astype", "to", "type"):
            # ``.to(device)`` keeps the dtype; ``.astype(int)``, ``.to(torch.float32)`` set it.
            arg = argument(node, 0, "dtype")
            dtype = _dtype_of(ev, arg.value, ctx) if arg is not None else None
            return Array(replace(labels, dtype=dtype or (labels.dtype if method == "to" else None)))
        if method in ("reshape", "view"):
            return _reshaped(ev, receiver, node, ctx)
        if method in ("squeeze", "flatten", "ravel"):
            axis = argument(node, 0, "axis", "dim")
            if method != "squeeze" and node.args:
                return UNKNOWN  # flatten(start_dim, ...): not followed
            if method != "squeeze":
                return _flattened(receiver)
            return _squeezed(receiver, _int(ev.value(axis.value, ctx)) if axis is not None else None, axis is not None)
        if method == "unsqueeze":
            axis = argument(node, 0, "dim")
            return _column(receiver) if axis is not None and _int(ev.value(axis.value, ctx)) in (1, -1) else UNKNOWN
        if method in _ANY_KEEPS:
            return receiver
        return UNKNOWN
    return None


def _dtype_of(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[str]:
    value = ev.value(node, ctx)
    name = value.qualname if isinstance(value, LibRef) else value.value if isinstance(value, Const) else None
    if isinstance(node, cst.Name) and node.value in ("int", "float", "bool") and not ev.bound_anywhere(node.value):
        name = node.value
    if not isinstance(name, str):
        return None
    last = name.rsplit(".", 1)[-1]
    if last.startswith(("int", "uint", "long", "Long", "Int")):
        return "int"
    if last.startswith(("float", "double", "half", "bfloat", "Float", "Double")):
        return "float"
    return "bool" if last.startswith("bool") else None


def _object_method(ev: Evaluator, receiver: LibObject, method: str, node: cst.Call, ctx: Ctx) -> Value:
    """A method of a library object the loader table lists (``gen.flow_from_directory``,
    ``LabelEncoder().fit_transform``); ``transform`` after ``fit`` encodes as
    ``fit_transform`` does, with the class count of the fitted data (not known here)."""
    found = loader_table.method(receiver.qualname, method)
    if found is None and method == "transform":
        found = loader_table.method(receiver.qualname, "fit_transform")
        if found is None:
            return UNKNOWN
        value = _table_call(ev, found[0], found[1], node, ctx, receiver.given)
        return _forget_classes(value)
    if found is None:
        return UNKNOWN
    return _table_call(ev, found[0], found[1], node, ctx, receiver.given)


def _forget_classes(value: Value) -> Value:
    if isinstance(value, Array) and value.labels.encoding == INTEGER:
        return Array(replace(value.labels, num_classes=None, value_range=None))
    if isinstance(value, Array) and value.labels.encoding == ONE_HOT:
        return Array(replace(value.labels, num_classes=None, shape=(None,)))
    return value if isinstance(value, Array) else UNKNOWN


def _reshaped(ev: Evaluator, array: Array, node: cst.Call, ctx: Ctx) -> Value:
    """``reshape(-1)``, ``reshape(-1, 1)``, ``reshape((-1, 1))``, ``view(-1, 1)`` of one column
    of class ids or targets: the same labels as (N,) or (N, 1)."""
    values = [ev.value(arg.value, ctx) for arg in node.args]
    if len(values) == 1 and isinstance(values[0], Seq):
        values = list(values[0].items)
    dims = [_int(value) for value in values]
    if array.labels.padding is not None and dims == [-1]:
        return _flattened(array)  # targets.view(-1): every padded step in one axis
    if not _one_column(array.labels) or dims not in ([-1], [-1, 1]):
        return UNKNOWN
    return Array(replace(array.labels, shape=() if dims == [-1] else (1,)))


def _one_column(labels: Labels) -> bool:
    """Class ids (one column, whatever their written shape), or any array of one column."""
    if labels.encoding == INTEGER:
        return labels.shape is None or labels.columns == 1
    return labels.encoding in (None, CONTINUOUS) and labels.columns == 1


def _flattened(array: Array) -> Value:
    if array.labels.padding is not None:  # padded sequences, one value per step
        return Array(replace(array.labels, shape=(), samples=None, samples_site=None))
    return Array(replace(array.labels, shape=())) if _one_column(array.labels) else UNKNOWN


def _column(array: Array) -> Value:
    """``y.unsqueeze(1)``: (N,) labels as one column (N, 1)."""
    if array.labels.shape == ():
        return Array(replace(array.labels, shape=(1,)))
    return UNKNOWN


def _squeezed(value: Value, axis: Optional[int], axis_given: bool) -> Value:
    """``np.squeeze``/``tf.squeeze``: a (N, 1) column becomes (N,); wider rows stay as they are."""
    if not isinstance(value, Array):
        return UNKNOWN
    labels = value.labels
    shape = labels.shape
    if labels.samples == 1 or (axis_given and axis not in (1, -1)):
        return UNKNOWN  # the sample axis would go too, or another axis than the label columns
    if shape is None:
        return value if labels.encoding == INTEGER else UNKNOWN  # class ids stay class ids
    if any(dim is None for dim in shape) or (axis_given and shape[-1:] != (1,)):
        return UNKNOWN  # squeezing an axis that is not 1 wide raises
    return Array(replace(labels, shape=tuple(dim for dim in shape if dim != 1)))


def _expression(ev: Evaluator, node: cst.CSTNode, ctx: Ctx) -> Value:
    """Subscripts (rows of labels, items of tuples and records, ``np.eye(n)[y]``) and
    integer arithmetic (``y - 1``, ``n + 1``)."""
    if isinstance(node, cst.Subscript):
        return _subscript(ev, node, ctx)
    if isinstance(node, cst.BinaryOperation):
        left = resolve(ev, node.left, ctx)
        right = ev.value(node.right, ctx)
        op = node.operator
        a, b = _int(left), _int(right)
        if a is not None and b is not None:
            if isinstance(op, cst.Add):
                return Const(a + b)
            if isinstance(op, cst.Subtract):
                return Const(a - b)
            if isinstance(op, cst.Multiply):
                return Const(a * b)
            if isinstance(op, cst.FloorDivide) and b != 0:
                return Const(a // b)
            return UNKNOWN
        if (
            isinstance(left, Array)
            and left.labels.encoding is None
            and isinstance(right, Const)
            and isinstance(right.value, (int, float))
        ):
            # x / 255.0: still the same samples (padded sequences hold other values now)
            return Array(replace(left.labels, padding=None)) if left.labels.padding is not None else left
        if isinstance(left, Array) and b is not None and isinstance(op, (cst.Add, cst.Subtract)):
            labels = left.labels
            if labels.encoding != INTEGER:
                return UNKNOWN
            shift = b if isinstance(op, cst.Add) else -b
            value_range = None
            if labels.value_range is not None:
                value_range = (labels.value_range[0] + shift, labels.value_range[1] + shift)
            padding = labels.padding + shift if labels.padding is not None else None
            return Array(replace(labels, value_range=value_range, site=Site(node), padding=padding))
    return UNKNOWN


def _subscript(ev: Evaluator, node: cst.Subscript, ctx: Ctx) -> Value:
    if len(node.slice) != 1:
        return UNKNOWN  # y[:, k], y[i, j]: not whole rows
    part = node.slice[0].slice
    base = resolve(ev, node.value, ctx)
    if isinstance(part, cst.Slice):
        return _rows(ev, base, part, node, ctx)
    if not isinstance(part, cst.Index) or part.star is not None:
        return UNKNOWN
    if isinstance(base, Eye):
        source = _array(ev, part.value, ctx)
        return _one_hot(base.size, Site(node), source, "np.eye")
    index = ev.value(part.value, ctx)
    if isinstance(base, Seq):
        position = _int(index)
        if position is None or not -len(base.items) <= position < len(base.items):
            return UNKNOWN
        return base.items[position]
    if isinstance(base, Record):
        return base.get(index.value) if isinstance(index, Const) and isinstance(index.value, str) else UNKNOWN
    if isinstance(base, LoaderObject):
        return base.item if _int(index) is not None else UNKNOWN
    if isinstance(base, Array):
        # Rows picked by an index array (``y[idx]``) keep the labels; one index is one label.
        if isinstance(index, Indices):
            return _with_samples(base, index.samples, Site(node))
        if isinstance(index, Seq) and index.items and all(_int(item) is not None for item in index.items):
            return _with_samples(base, len(index.items), Site(node))
    return UNKNOWN


def _rows(ev: Evaluator, base: Value, part: cst.Slice, node: cst.Subscript, ctx: Ctx) -> Value:
    """``y[:n]``, ``y[a:b]``: the first-axis rows keep the labels' facts; the count is
    exact only where the bounds and the length are literal."""
    if isinstance(base, Seq):
        return UNKNOWN
    if not isinstance(base, Array):
        return UNKNOWN
    bounds: List[Optional[int]] = []
    for bound in (part.lower, part.upper, part.step):
        if bound is None:
            bounds.append(None)
            continue
        value = _int(ev.value(bound, ctx))
        if value is None:
            return _with_samples(base, None, Site(node))
        bounds.append(value)
    samples = base.labels.samples
    if samples is not None:
        count: Optional[int] = len(range(samples)[slice(*bounds)])
    elif bounds[0] in (None, 0) and bounds[1] is not None and bounds[1] >= 0 and bounds[2] in (None, 1):
        count = None  # min(stop, length), and the length is not known
    else:
        count = None
    return _with_samples(base, count, Site(node))


def _with_samples(array: Array, samples: Optional[int], site: Site) -> Value:
    return Array(replace(array.labels, samples=samples, samples_site=site if samples is not None else None))


def _loop_element(ev: Evaluator, iterable: cst.CSTNode, unpack: Tuple[int, ...], ctx: Ctx) -> Value:
    """What ``for target in iterable`` binds at ``unpack``: the ``(x, y)`` batches of a
    dataset or generator, also through ``enumerate(...)``."""
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "enumerate"
        and len(iterable.args) == 1
        and not ev.bound_anywhere("enumerate")
    ):
        if unpack[:1] != (1,):
            return UNKNOWN
        iterable, unpack = iterable.args[0].value, unpack[1:]
    data = resolve(ev, iterable, ctx)  # type: ignore[arg-type]  # a for loop's iterable: an expression
    if not isinstance(data, Dataset):
        return UNKNOWN
    element: Value = Seq((data.features, data.labels))
    for index in unpack:
        if not isinstance(element, Seq) or index >= len(element.items):
            return UNKNOWN
        element = element.items[index]
    return element


# -- the loader table -------------------------------------------------------------------
def _given(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> loader_table.Given:
    """What an argument says, for the loader table: its literal, its kind, the numbers it settles."""
    value = resolve(ev, node, ctx)
    if not isinstance(value, (Const, Seq, Array)):
        value = _as_array(ev, node, ctx)
    literal = kind = None
    if isinstance(value, Const) and (value.value is None or isinstance(value.value, (bool, int, float, str))):
        literal = repr(value.value)
        kind = type(value.value).__name__
    elif isinstance(value, Seq):
        kind = "tuple" if isinstance(node, cst.Tuple) else "list"
    length = distinct = top = samples = None
    if isinstance(value, Seq) and value.items and not _mutated(ev, node):
        length = samples = len(value.items)
        ints = [i for i in (_int(item) for item in value.items) if i is not None]
        consts = [item for item in value.items if isinstance(item, Const)]
        if len(ints) == len(value.items):
            distinct = len(set(ints))
            top = max(ints) + 1
        elif len(consts) == len(value.items):
            distinct = len({item.value for item in consts})
    if isinstance(value, Array):
        labels = value.labels
        samples = labels.samples
        if labels.encoding == INTEGER and labels.value_range is not None:
            low, high = labels.value_range
            top = high + 1
            if labels.num_classes is not None and labels.num_classes == high - low + 1:
                distinct = labels.num_classes
    return loader_table.Given(literal, kind, _int(value), length, distinct, top, samples)


def _call_given(
    ev: Evaluator,
    entry_name: str,
    entry: Dict[str, Any],
    node: cst.Call,
    ctx: Ctx,
    constructor: Tuple[Tuple[str, Any], ...],
) -> Tuple[Dict[str, loader_table.Given], Dict[str, Value]]:
    given: Dict[str, loader_table.Given] = {}
    values: Dict[str, Value] = {}
    aliases = _KEYWORD_ALIASES.get(entry_name, {})
    for name, spec in entry.get("arguments", {}).items():
        position = spec.get("position")
        arg = argument(node, position if position is not None else -1, name, *aliases.get(name, ()))
        if arg is None:
            continue
        given[name] = _given(ev, arg.value, ctx)
        values[name] = _as_array(ev, arg.value, ctx)
        if values[name] is UNKNOWN:
            values[name] = resolve(ev, arg.value, ctx)
    for name, found in constructor:
        if name in entry.get("constructor_arguments", {}):
            given[name] = found
    return given, values


def _table_call(
    ev: Evaluator,
    name: str,
    entry: Dict[str, Any],
    node: cst.Call,
    ctx: Ctx,
    constructor: Tuple[Tuple[str, Any], ...] = (),
) -> Value:
    """A call the loader table describes, as values."""
    if any(arg.star for arg in node.args):
        return UNKNOWN
    given, values = _call_given(ev, name, entry, node, ctx, constructor)
    try:
        tree = loader_table.resolve(entry, given)
    except loader_table.Unknown:
        return UNKNOWN
    lists = [g.length for g in given.values() if g.kind in ("list", "tuple") and g.length]
    # A list the table returns without a listed argument: subset='both' gives [train, validation].
    pairs = [g for g in given.values() if g.literal == "'both'"]
    length = lists[0] if len(lists) == 1 else 2 if pairs and not lists else None
    build = _Build(Site(node), _origin(name, entry, given), values, length, _counted_at(entry, values))
    return build.node(tree)


def _counted_at(entry: Dict[str, Any], values: Dict[str, Value]) -> Optional[Site]:
    """Where the sample count of an encoder's output is written: where its input was built."""
    text = str(entry.get("returns"))
    for name, value in values.items():
        if f"'samples_of_argument': '{name}'" in text and isinstance(value, Array):
            return value.labels.samples_site
    return None


def _origin(name: str, entry: Dict[str, Any], given: Dict[str, loader_table.Given]) -> str:
    """How messages name where the labels come from: ``cifar10.load_data()``,
    ``image_dataset_from_directory(label_mode='int')``, ``LabelEncoder``."""
    if name in _ORIGINS:
        return _ORIGINS[name]
    if entry.get("kind") == "method" and entry["method_of"].startswith("sklearn.preprocessing."):
        return entry["method_of"].rsplit(".", 1)[-1]
    parts = name.split(".")
    short = ".".join(parts[-2:]) if name.startswith("keras.datasets.") else parts[-1]
    mode = loader_table.mode_argument(entry)
    if mode is None:
        return f"{short}()"
    found = given.get(mode)
    literal = found.literal if found is not None else loader_table.default_literal(entry, mode)
    return f"{short}({mode}={literal})"


class _Build:
    """A resolved loader-table tree as values: tuples as ``Seq``, dicts and Bunches as
    ``Record``, objects as ``LoaderObject``, datasets as ``Dataset``, leaves as ``Array``."""

    def __init__(
        self,
        site: Site,
        origin: str,
        values: Dict[str, Value],
        list_length: Optional[int],
        counted_at: Optional[Site] = None,
    ) -> None:
        self.site = site
        self.origin = origin
        self.values = values
        self.list_length = list_length
        self.counted_at = counted_at or site

    def node(self, tree: Any) -> Value:
        if not isinstance(tree, dict):
            return UNKNOWN
        if "tuple" in tree:
            items = tuple(self.node(item) for item in tree["tuple"])
            fields = tree.get("fields")
            return NamedSeq(items, tuple(fields)) if fields else Seq(items)
        if "mapping" in tree:
            mapping = tree["mapping"]
            entries = tuple((key, self.node(value)) for key, value in mapping.items() if key != "*")
            default = self.node(mapping["*"]) if "*" in mapping else UNKNOWN
            return Record(entries, default, bool(tree.get("attributes")))
        if "list" in tree:
            if self.list_length is None:
                return UNKNOWN
            item = self.node(tree["list"])
            return Seq((item,) * self.list_length)
        if "object" in tree:
            spec = tree["object"]
            attributes = tuple((key, self.node(value)) for key, value in spec.get("attributes", {}).items())
            methods = tuple((key, self.node(value.get("returns"))) for key, value in spec.get("methods", {}).items())
            item = self.node(spec["getitem"]) if "getitem" in spec else UNKNOWN
            return LoaderObject(spec.get("class", ""), attributes, methods, item)
        if "dataset" in tree:
            return self.dataset(tree["dataset"].get("element"))
        if "labels" in tree:
            return self.labels(tree["labels"])
        if "features" in tree:
            return self.features(tree["features"])
        if "passthrough" in tree:
            return self.values.get(tree["passthrough"], UNKNOWN)
        if "batch_of" in tree:
            inner = self.values.get(tree["batch_of"], UNKNOWN)
            if isinstance(inner, LoaderObject):
                return inner.item
            return UNKNOWN
        return UNKNOWN

    def dataset(self, element: Any) -> Value:
        value = self.node(element) if element is not None else UNKNOWN
        if isinstance(value, Seq) and len(value.items) == 2:
            return Dataset(value.items[0], value.items[1])
        return Dataset(value if isinstance(value, Array) else UNKNOWN, UNKNOWN)

    def labels(self, leaf: Dict[str, Any]) -> Value:
        encoding = _ENCODINGS.get(leaf.get("encoding", "unknown"))
        classes = leaf.get("classes")
        if not isinstance(classes, int):
            classes = None
        value_range = leaf.get("value_range") if "value_range" in leaf else None
        if encoding == INTEGER and "value_range" not in leaf and classes is not None:
            value_range = [0, classes - 1]  # class ids 0..C-1
        if leaf.get("encoding") == "binary" and value_range is None:
            value_range = [0, 1]
        if encoding in (ONE_HOT, MULTI_HOT, CONTINUOUS):
            value_range = None  # a range of ids only
        return Array(
            Labels(
                encoding,
                self.origin,
                self.site,
                num_classes=classes if encoding in (INTEGER, ONE_HOT, MULTI_HOT) else None,
                samples=leaf.get("samples") if isinstance(leaf.get("samples"), int) else None,
                samples_site=self.counted_at if isinstance(leaf.get("samples"), int) else None,
                value_range=tuple(value_range) if value_range else None,
                shape=self.shape(leaf, classes),
                dtype=_leaf_dtype(leaf.get("dtype")),
            )
        )

    def features(self, leaf: Dict[str, Any]) -> Value:
        samples = leaf.get("samples") if isinstance(leaf.get("samples"), int) else None
        return Array(
            Labels(None, self.origin, self.site, samples=samples, samples_site=self.site if samples else None,
                   shape=self.shape(leaf, None), dtype=_leaf_dtype(leaf.get("dtype")))
        )

    @staticmethod
    def shape(leaf: Dict[str, Any], classes: Optional[int]) -> Optional[Tuple[Optional[int], ...]]:
        shape = leaf.get("shape")
        if not isinstance(shape, list):
            return None
        return tuple(classes if dim == "C" else dim if isinstance(dim, int) else None for dim in shape)


def _leaf_dtype(dtype: Any) -> Optional[str]:
    if not isinstance(dtype, str):
        return None
    if dtype in _DTYPES:
        return _DTYPES[dtype]
    if dtype.startswith(("int", "uint")):
        return "int"
    if dtype.startswith("float"):
        return "float"
    return None


# -- builders ----------------------------------------------------------------------
def _one_hot(
    count: Optional[int], site: Site, source: Optional[Labels], origin: str, dtype: Optional[str] = None
) -> Value:
    samples = source.samples if source is not None else None
    samples_site = source.samples_site if source is not None else None
    return Array(Labels(ONE_HOT, origin, site, count, samples, samples_site, shape=(count,), dtype=dtype))


def _array(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[Labels]:
    value = _as_array(ev, node, ctx)
    if isinstance(value, Array):
        return value.labels
    return None


def _size_dims(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[Tuple[Optional[int], ...]]:
    """The dims of a ``size`` argument; a single count that is surely an int but not a
    literal (``len(x)``, ``x.shape[0]``, arithmetic of those) gives ``(None,)``."""
    shape = ev.value(node, ctx)
    dims = _dims(shape)
    if dims is not None:
        return dims
    if shape is UNKNOWN and _surely_count(ev, node, ctx, 0):
        return (None,)
    return None


def _surely_count(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx, depth: int) -> bool:
    """An expression that can only be one number: ``len(...)``, ``int(...)``,
    ``x.shape[0]``, arithmetic of such, or a name bound only to one."""
    if depth > 4:
        return False
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("len", "int"):
        return not ev.bound_anywhere(node.func.value)
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape":
        return True
    if isinstance(node, cst.BinaryOperation):
        sides = (node.left, node.right)
        return all(_int(ev.value(side, ctx)) is not None or _surely_count(ev, side, ctx, depth + 1) for side in sides)
    if isinstance(node, cst.Name):
        bindings = ev.bindings_at(node.value, ctx)
        return bool(bindings) and all(
            isinstance(b.value, cst.BaseExpression) and not b.unpack and _surely_count(ev, b.value, b.ctx, depth + 1)
            for b in bindings
        )
    return False


def _randint(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    low, low_arg = _int_arg(ev, node, 0, ("low",), ctx)
    high, high_arg = _int_arg(ev, node, 1, ("high",), ctx)
    if low_arg is None or low is None or (high_arg is not None and high is None):
        return UNKNOWN
    if high_arg is None:
        low, high = 0, low
    assert high is not None
    if high <= low:
        return UNKNOWN
    # Class ids only for a (N,) or (N, 1) size; (N, k) is a matrix (0/1 columns:
    # multi-hot targets) and no size is a single number.
    size = argument(node, 2, "size")
    dims = _size_dims(ev, size.value, ctx) if size is not None else None
    if dims is None or any(dim is None for dim in dims[1:]):
        return UNKNOWN
    return _random_ids(dims, low, high, Site(node), "np.random.randint", "int")


def _random_ids(dims: Tuple[Optional[int], ...], low: int, high: int, site: Site, origin: str, dtype: str) -> Value:
    samples = dims[0]
    samples_site = site if samples is not None else None
    if dims[1:] not in ((), (1,)):
        encoding = MULTI_HOT if (low, high) == (0, 2) and len(dims) == 2 else None
        classes = dims[1] if encoding == MULTI_HOT else None
        return Array(Labels(encoding, origin, site, classes, samples=samples, samples_site=samples_site,
                            shape=dims[1:], dtype=dtype))
    return Array(
        Labels(
            INTEGER,
            origin,
            site,
            num_classes=high - low,
            samples=samples,
            samples_site=samples_site,
            value_range=(low, high - 1),
            shape=dims[1:],
            dtype=dtype,
        )
    )


def _torch_randint(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    """``torch.randint(high, size)`` / ``torch.randint(low, high, size)``: int64 ids."""
    positional = [arg for arg in node.args if arg.keyword is None]
    if any(arg.star for arg in node.args):
        return UNKNOWN
    size = argument(node, len(positional) - 1 if positional else -1, "size")
    bounds = [arg for arg in positional if arg is not size]
    low_arg = argument(node, -1, "low")
    high_arg = argument(node, -1, "high")
    if len(bounds) == 2:
        low_arg, high_arg = bounds
    elif len(bounds) == 1 and high_arg is None:
        high_arg = bounds[0]
    low = _int(ev.value(low_arg.value, ctx)) if low_arg is not None else 0
    high = _int(ev.value(high_arg.value, ctx)) if high_arg is not None else None
    if size is None or low is None or high is None or high <= low:
        return UNKNOWN
    dims = _size_dims(ev, size.value, ctx)
    if dims is None or any(dim is None for dim in dims[1:]):
        return UNKNOWN
    return _random_ids(dims, low, high, Site(node), "torch.randint", "int")


def _shaped(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    index, keyword, varargs = _SHAPED[qualname]
    dims: Optional[Tuple[Optional[int], ...]]
    if varargs:
        if not node.args or node.args[0].keyword is not None or node.args[0].star:
            return UNKNOWN
        positional = [arg for arg in node.args if arg.keyword is None]
        if len(positional) == 1:
            dims = _dims(ev.value(positional[0].value, ctx))
        else:
            dims = tuple(_int(ev.value(arg.value, ctx)) for arg in positional)
    else:
        arg = argument(node, index, *((keyword,) if keyword else ()))
        if arg is None:
            return UNKNOWN
        dims = _dims(ev.value(arg.value, ctx))
    if not dims or dims[0] is None:
        return UNKNOWN
    site = Site(node)
    shape = dims[1:] if all(dim is not None for dim in dims[1:]) else None
    dtype = "float" if qualname.startswith(("numpy.random.", "tensorflow.random.", "torch.rand")) else None
    return Array(Labels(None, short_name(qualname), site, samples=dims[0], samples_site=site, shape=shape,
                        dtype=dtype))


def _argmax(ev: Evaluator, node: cst.Call, ctx: Ctx, index: int, receiver: Optional[Array] = None) -> Value:
    # Only an explicit last/second axis turns rows into class ids (tf.argmax
    # defaults to axis 0, np.argmax to the flattened array).
    axis_arg = argument(node, index + 1 if index >= 0 else 0, "axis", "dimension")
    if axis_arg is None or _int(ev.value(axis_arg.value, ctx)) not in (1, -1):
        return UNKNOWN
    source: Optional[Labels] = receiver.labels if receiver is not None else None
    if receiver is None:
        arg = argument(node, 0, "a", "input", "x")
        source = _array(ev, arg.value, ctx) if arg is not None else None
    count = source.num_classes if source is not None and source.encoding == ONE_HOT else None
    value_range = (0, count - 1) if count else None
    samples = source.samples if source is not None else None
    samples_site = source.samples_site if source is not None else None
    return Array(Labels(INTEGER, "argmax", Site(node), count, samples, samples_site, value_range, shape=(),
                        dtype="int"))


def _train_test_split(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    arrays = []
    for arg in node.args:
        if arg.star:
            return UNKNOWN
        if arg.keyword is None:
            arrays.append(arg.value)
    outputs: List[Value] = []
    for array in arrays:
        value = _as_array(ev, array, ctx)
        if isinstance(value, Array):
            # Both parts keep the encoding; their sample counts are not literal.
            value = Array(replace(value.labels, samples=None, samples_site=None))
        outputs.extend((value, value))
    return Seq(tuple(outputs))


def _shuffle(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    """``sklearn.utils.shuffle(x, y)``: the same arrays in one new order (one array alone for one)."""
    arrays = []
    for arg in node.args:
        if arg.star:
            return UNKNOWN
        if arg.keyword is None:
            arrays.append(_as_array(ev, arg.value, ctx))
    count_arg = argument(node, -1, "n_samples")
    if count_arg is not None:
        count = _int(ev.value(count_arg.value, ctx))
        site = Site(node)
        arrays = [_with_samples(a, count, site) if isinstance(a, Array) else UNKNOWN for a in arrays]
    if not arrays:
        return UNKNOWN
    return arrays[0] if len(arrays) == 1 else Seq(tuple(arrays))


def _concatenate(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    """``np.concatenate([a, b])`` along the sample axis of arrays encoded alike."""
    arg = argument(node, 0, "arrays")
    axis = argument(node, 1, "axis")
    if arg is None or (axis is not None and _int(ev.value(axis.value, ctx)) != 0):
        return UNKNOWN
    if not isinstance(arg.value, (cst.List, cst.Tuple)) or not arg.value.elements:
        return UNKNOWN
    parts: List[Labels] = []
    for element in arg.value.elements:
        if isinstance(element, cst.StarredElement):
            return UNKNOWN
        found = _array(ev, element.value, ctx)
        if found is None or found.encoding in (None, MIXED):
            return UNKNOWN
        parts.append(found)
    first = parts[0]
    for other in parts[1:]:
        if (other.encoding, other.num_classes, other.shape) != (first.encoding, first.num_classes, first.shape):
            return UNKNOWN
    counts = [p.samples for p in parts if p.samples is not None]
    samples = sum(counts) if len(counts) == len(parts) else None
    ranges = [p.value_range for p in parts if p.value_range is not None]
    value_range = None
    if len(ranges) == len(parts):
        value_range = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    site = Site(node)
    return Array(replace(first, samples=samples, samples_site=site if samples is not None else None,
                         value_range=value_range))


def _index_array(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    """``np.random.permutation(n)``, ``np.arange(n)``: indices over the samples."""
    if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
        return UNKNOWN
    value = ev.value(node.args[0].value, ctx)
    return Indices(_int(value))


def _placeholder(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    """``tf.compat.v1.placeholder(dtype, shape=None, name=None)``."""
    arg = argument(node, 1, "shape")
    shape: Optional[Tuple[Optional[int], ...]] = None
    if arg is not None:
        value = ev.value(arg.value, ctx)
        if isinstance(value, Seq) and all(isinstance(item, Const) for item in value.items):
            items = [item.value for item in value.items]  # type: ignore[attr-defined]  # all Consts: checked above
            if all(item is None or type(item) is int for item in items):
                shape = tuple(items)
    return Placeholder(Site(node), shape)


def _from_tensor_slices(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    arg = argument(node, 0, "tensors")
    if arg is None:
        return UNKNOWN
    if isinstance(arg.value, cst.Tuple) and len(arg.value.elements) == 2:
        x_node, y_node = (el.value for el in arg.value.elements)
        return Dataset(_as_array(ev, x_node, ctx), _as_array(ev, y_node, ctx))
    return UNKNOWN  # one array (no labels), a list (stacked into one tensor), a dict, ...


def _dataset_map(ev: Evaluator, dataset: Dataset, node: cst.Call, ctx: Ctx) -> Value:
    """``ds.map(lambda x, y: (f(x), y))`` keeps the labels; ``(x, tf.one_hot(y, n))`` encodes them."""
    arg = argument(node, 0, "map_func")
    fn = arg.value if arg is not None else None
    if not isinstance(fn, cst.Lambda) or len(fn.params.params) != 2 or isinstance(fn.params.star_arg, cst.Param):
        return UNKNOWN
    params = [p.name.value for p in fn.params.params]
    body = fn.body
    if not isinstance(body, cst.Tuple) or len(body.elements) != 2:
        return UNKNOWN
    x_out, y_out = (el.value for el in body.elements)
    features = dataset.features if isinstance(x_out, cst.Name) and x_out.value == params[0] else UNKNOWN
    if isinstance(y_out, cst.Name) and y_out.value == params[1]:
        return Dataset(features, dataset.labels)
    first = y_out.args[0].value if isinstance(y_out, cst.Call) and y_out.args else None
    if isinstance(y_out, cst.Call) and isinstance(first, cst.Name) and first.value == params[1]:
        callee = ev.value(y_out.func, ctx)
        qualname = normal(callee.qualname) if isinstance(callee, LibRef) else None
        if qualname in _CASTS:
            return Dataset(features, dataset.labels)
        if qualname in _ONE_HOT_OPS and not _mentions(y_out.args[1:], params):
            index, names, axis_index = _ONE_HOT_OPS[qualname]
            if argument(y_out, axis_index, "axis") is not None:
                return Dataset(features, UNKNOWN)
            count, _ = _int_arg(ev, y_out, index, names, ctx)
            return Dataset(features, _one_hot(count, Site(y_out), None, short_name(qualname)))
    return Dataset(features, UNKNOWN)


def _mentions(args: Sequence[cst.Arg], names: Sequence[str]) -> bool:
    found = []

    class _Find(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value in names:
                found.append(node)

    for arg in args:
        arg.visit(_Find())
    return bool(found)


_MUTATORS = frozenset("append extend insert pop remove clear sort reverse update add".split())


def _mutated(ev: Evaluator, node: cst.BaseExpression) -> bool:
    """A name whose list is changed in place somewhere (``names.append(...)``):
    its literal length and contents are not to be trusted."""
    return isinstance(node, cst.Name) and node.value in ev.receivers(_MUTATORS)


# -- literal label arrays -------------------------------------------------------------
def _number(node: cst.BaseExpression) -> Optional[Union[int, float]]:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _number(node.expression)
        return -inner if inner is not None else None
    if isinstance(node, (cst.Integer, cst.Float)):
        return node.evaluated_value
    return None


def _container(call: cst.Call) -> Optional[str]:
    """What ``np.array(literal, dtype=...)`` makes of a literal: "array", "object", or None (another dtype)."""
    dtype = argument(call, -1, "dtype")
    if dtype is None:
        return "array"
    return "object" if source_text(dtype.value) in ("object", "np.object_", "numpy.object_") else None


def _numbers(node: cst.BaseExpression) -> Tuple[object, ...]:
    """A literal of numbers and rows of numbers, as nested tuples."""
    assert isinstance(node, (cst.List, cst.Tuple))
    return tuple(
        _numbers(el.value) if isinstance(el.value, (cst.List, cst.Tuple)) else _number(el.value) for el in node.elements
    )


def _literal(node: cst.BaseExpression, site: Site, container: Optional[str] = "list") -> Optional[Value]:
    """A list/tuple literal of class ids, of one-hot rows, or of both (MIXED)."""
    if not isinstance(node, (cst.List, cst.Tuple)) or not node.elements:
        return None
    if any(isinstance(el, cst.StarredElement) for el in node.elements):
        return None
    scalars: List[cst.BaseExpression] = []
    rows: List[Union[cst.List, cst.Tuple]] = []
    for element in node.elements:
        value = element.value
        if isinstance(value, (cst.List, cst.Tuple)):
            rows.append(value)
        elif _number(value) is not None:
            scalars.append(value)
        else:
            return None
    samples = len(node.elements)
    if scalars and rows:
        odd = rows[0] if len(rows) <= len(scalars) else scalars[0]
        return Array(Labels(MIXED, "the literal labels", site, samples=samples, samples_site=site,
                            odd_site=Site(odd), literal=_numbers(node), container=container))
    if scalars:
        ints = [n for n in (_number(s) for s in scalars) if isinstance(n, int)]
        if len(ints) != len(scalars):
            return Array(Labels(None, "the literal array", site, samples=samples, samples_site=site, shape=(),
                                dtype="float"))
        if len(ints) > 1 and set(ints) <= {0, 1} and ints.count(1) == 1:
            # [0, 0, 1]: class ids, or one one-hot row (``cce(y_true=[0, 0, 1], ...)``): not known
            return Array(Labels(None, "the literal array", site, samples=samples, samples_site=site))
        return Array(Labels(INTEGER, "the literal labels", site, samples=samples, samples_site=site,
                            value_range=(min(ints), max(ints)), shape=(), dtype="int"))
    widths = set()
    one_hot = True
    table: List[List[Union[int, float]]] = []
    for row in rows:
        numbers = [_number(el.value) if not isinstance(el, cst.StarredElement) else None for el in row.elements]
        cells = [c for c in numbers if c is not None]
        if len(cells) != len(numbers):
            return None
        table.append(cells)
        widths.add(len(cells))
        if len(cells) == 1 and isinstance(cells[0], int):
            continue  # a column of class ids: [[0], [2]]
        if sorted(cells) != [0] * (len(cells) - 1) + [1]:
            one_hot = False  # multi-hot rows or features: only the sample count is known
    if len(widths) != 1:
        return None
    width = widths.pop()
    if not one_hot:
        return Array(Labels(None, "the literal array", site, samples=samples, samples_site=site, shape=(width,)))
    if width == 1:
        ints = [int(entry[0]) for entry in table]
        return Array(Labels(INTEGER, "the literal labels", site, samples=samples, samples_site=site,
                            value_range=(min(ints), max(ints)), shape=(1,), dtype="int"))
    return Array(Labels(ONE_HOT, "the literal one-hot rows", site, num_classes=width, samples=samples,
                        samples_site=site, shape=(width,)))


def _literal_through_names(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx, depth: int = 0) -> Optional[Value]:
    """A literal reached directly or through names bound once to it."""
    if depth > 8:
        return None
    if isinstance(node, (cst.List, cst.Tuple)):
        return _literal(node, Site(node))
    if isinstance(node, cst.Name):
        if _mutated(ev, node):
            return None
        scope = ctx.scope
        bindings = scope.bindings.get(node.value)
        if not bindings:
            return None
        live = ev.reaching(bindings, ctx)
        if len(live) != 1 or live[0].value is None or live[0].unpack:
            return None
        value = live[0].value
        if isinstance(value, cst.BaseExpression):
            return _literal_through_names(ev, value, live[0].ctx, depth + 1)
    return None


def _as_array(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Value:
    value = resolve(ev, node, ctx)
    if isinstance(value, (Array, Dataset)):
        return value
    literal = _literal_through_names(ev, node, ctx)
    return literal if literal is not None else UNKNOWN


# -- what the extractors ask -----------------------------------------------------------
def labels_of(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[Labels]:
    """The label facts of what ``node`` holds, if it is an array the domain knows."""
    value = _as_array(ev, node, ctx)
    return value.labels if isinstance(value, Array) else None


def value_of(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Value:
    """What ``node`` holds, with the attributes of loader results followed (see ``resolve``)."""
    return resolve(ev, node, ctx)


def target_loss(value: Value, site: Site) -> Optional[LossSpec]:
    """The spec of an element-wise Keras loss given to ``compile(loss=...)``, if ``value`` is one."""
    if isinstance(value, TargetLoss) and value.library == "keras":
        return value.spec
    if isinstance(value, Const) and isinstance(value.value, str) and value.value in REGRESSION_STRINGS:
        return LossSpec(REGRESSION, None, repr(value.value), site)
    if isinstance(value, LibRef) and value.qualname in REGRESSION_FUNCTIONS:
        return LossSpec(REGRESSION, None, short_name(value.qualname), site)
    return None


class LabelsDomain(Domain):
    name = "labels"
    checked_against = CHECKED_AGAINST

    def call(self, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        """``mnist.train.next_batch(n)``: a method of an object reached through attributes,
        which the evaluator itself does not follow."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
            return None
        receiver = resolve(self.ev, func.value, ctx)
        if isinstance(receiver, (LoaderObject, Dataset, Array)):
            return _method(self.ev, receiver, func.attr.value, node, ctx)
        return None

    def library_call(self, qualname: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        found = _library_call(self.ev, qualname, node, ctx)
        return None if found is UNKNOWN else found

    def method(self, receiver: Value, name: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        return _method(self.ev, receiver, name, node, ctx)

    def builtin(self, name: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
        return _len(self.ev, node, ctx) if name == "len" else None

    def expression(self, node: cst.CSTNode, ctx: Ctx) -> Optional[Value]:
        found = _expression(self.ev, node, ctx)
        return None if found is UNKNOWN else found

    def loop_element(self, iterable: cst.CSTNode, unpack: Tuple[int, ...], ctx: Ctx) -> Optional[Value]:
        found = _loop_element(self.ev, iterable, unpack, ctx)
        return None if found is UNKNOWN else found
