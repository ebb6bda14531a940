"""Labels: arrays, datasets and loaders, and how labels are encoded.

The domain answers for the library calls, methods, subscripts, arithmetic and
loops that build label arrays: ``Array`` (an array whose label encoding, class
count, value range or sample count is known), ``Dataset`` (a ``tf.data``
pipeline or a Keras generator of ``(x, y)`` batches), ``LibObject`` (an
instance of a library class such as ``ImageDataGenerator``) or ``Eye``
(``np.eye(n)``, for ``np.eye(n)[y]``).  Where labels meet a loss is the
business of ``facts/extract/labels.py``.

Every library fact here was checked against the installed libraries
(TensorFlow 2.21, Keras 3.15.1, NumPy 2.4, scikit-learn 1.9, pandas 3.1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from ...syntax.collect import Ctx
from ...syntax.nodes import argument, source_text
from ...terms import INTEGER, MIXED, ONE_HOT, Labels, Site
from ..values import UNKNOWN, Const, LibRef, Seq, Value, int_of
from .base import Domain

if TYPE_CHECKING:
    from ..evaluator import Evaluator

CHECKED_AGAINST = (
    ("tensorflow", "2.21.0"),
    ("keras", "3.15.1"),
    ("numpy", "2.4"),
    ("scikit-learn", "1.9"),
    ("pandas", "3.1"),
)


@dataclass(frozen=True)
class Array(Value):
    """An array whose label facts are (partly) known."""

    labels: Labels


@dataclass(frozen=True)
class Dataset(Value):
    """Batches of ``(x, y)``: a ``tf.data.Dataset`` or a Keras generator."""

    features: Value
    labels: Value


@dataclass(frozen=True)
class LibObject(Value):
    """An instance of a library class, by canonical class name."""

    qualname: str


@dataclass(frozen=True)
class Eye(Value):
    """``np.eye(n)``: indexing it with class ids one-hot encodes them."""

    size: int
    site: Site


# -- library tables -----------------------------------------------------------

# keras.datasets.<name>.load_data(): ((x_train, y_train), (x_test, y_test)) with
# integer labels 0..n-1 (read from each loader's docstring and code in Keras 3.15).
_DATASET_CLASSES: Dict[str, int] = {
    "mnist": 10,
    "fashion_mnist": 10,
    "cifar10": 10,
    "cifar100": 100,  # label_mode="coarse": 20
    "reuters": 46,
    "imdb": 2,
}

_TO_CATEGORICAL = frozenset({"keras.utils.to_categorical"})
# (positional index of the class count, its keyword names, positional index of ``axis``)
_ONE_HOT_OPS: Dict[str, Tuple[int, Tuple[str, ...], int]] = {
    "tensorflow.one_hot": (1, ("depth",), 4),
    "keras.ops.one_hot": (1, ("num_classes",), 2),
    "keras.backend.one_hot": (1, ("num_classes",), -1),
}
_DIRECTORY_DATASETS = frozenset(
    {
        "keras.utils.image_dataset_from_directory",
        "keras.utils.text_dataset_from_directory",
        "keras.utils.audio_dataset_from_directory",
        "keras.preprocessing.image_dataset_from_directory",
        "keras.preprocessing.text_dataset_from_directory",
    }
)
_IMAGE_DATA_GENERATORS = frozenset(
    {
        "keras.preprocessing.ImageDataGenerator",
        "keras.legacy.preprocessing.image.ImageDataGenerator",
    }
)
# method -> (positional index of ``classes``, of ``class_mode``), self excluded
_FLOW_METHODS = {"flow_from_directory": (3, 4), "flow_from_dataframe": (7, 8)}

_ARRAY_WRAPPERS = frozenset(
    {
        "numpy.array",
        "numpy.asarray",
        "tensorflow.constant",
        "tensorflow.convert_to_tensor",
        "keras.ops.array",
        "keras.ops.convert_to_tensor",
    }
)
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
}
_ARGMAX = frozenset({"numpy.argmax", "tensorflow.argmax", "tensorflow.math.argmax", "keras.ops.argmax"})
_SPLIT = "sklearn.model_selection.train_test_split"
_FROM_TENSOR_SLICES = "tensorflow.data.Dataset.from_tensor_slices"
_LABEL_ENCODER = "sklearn.preprocessing.LabelEncoder"
_ONE_HOT_ENCODER = "sklearn.preprocessing.OneHotEncoder"
_LABEL_BINARIZE = "sklearn.preprocessing.label_binarize"
_GET_DUMMIES = "pandas.get_dummies"
_INSTANCES = _IMAGE_DATA_GENERATORS | {_LABEL_ENCODER, _ONE_HOT_ENCODER}

# tf.data methods that keep each element's (x, y) structure.
_DATASET_KEEPS = frozenset(
    "batch shuffle prefetch cache repeat take skip shard with_options padded_batch "
    "rebatch unbatch filter ignore_errors".split()
)
# Methods of an array of class ids that keep it one: casts, flattening (of a
# (N, 1) column) and ``reshape(-1)``/``reshape(-1, 1)`` (checked where used).
_INTEGER_KEEPS = frozenset("astype flatten ravel squeeze reshape copy numpy".split())
# Methods of any labels array that keep its encoding and sample count.
_ANY_KEEPS = frozenset({"astype", "copy", "numpy", "toarray", "to_numpy"})

# -- helpers --------------------------------------------------------------------
_int = int_of


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
    if qualname.startswith("keras.datasets."):
        return qualname[len("keras.datasets."):] + "()"
    return qualname.rsplit(".", 1)[-1]


def _first_dim(value: Value) -> Optional[int]:
    if isinstance(value, Const):
        return _int(value)
    if isinstance(value, Seq) and value.items:
        return _int(value.items[0])
    return None


# -- evaluator hooks --------------------------------------------------------------
def _library_call(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    """A call of a library function the core evaluator does not model."""
    site = Site(node)
    if qualname in _TO_CATEGORICAL:
        arg = argument(node, 0, "x", "y")
        source = _array(ev, arg.value, ctx) if arg is not None else None
        count, count_arg = _int_arg(ev, node, 1, ("num_classes", "nb_classes"), ctx)
        if count_arg is not None and count is None:
            return _one_hot(None, site, source, "to_categorical")
        if count is None and source is not None and source.value_range is not None:
            count = source.value_range[1] + 1  # to_categorical infers max + 1
        return _one_hot(count, site, source, "to_categorical")
    if qualname in _ONE_HOT_OPS:
        index, names, axis_index = _ONE_HOT_OPS[qualname]
        arg = argument(node, 0, "indices", "x")
        source = _array(ev, arg.value, ctx) if arg is not None else None
        count, _ = _int_arg(ev, node, index, names, ctx)
        axis = argument(node, axis_index, "axis")
        if axis is not None and ev.value(axis.value, ctx) != Const(-1):
            return UNKNOWN  # classes along another axis: not rows
        return _one_hot(count, site, source, short_name(qualname))
    if qualname == "numpy.eye":
        size, _ = _int_arg(ev, node, 0, ("N",), ctx)
        if size is None or len(node.args) != 1:
            return UNKNOWN
        return Eye(size, site)
    if qualname == "numpy.random.randint":
        return _randint(ev, node, ctx)
    if qualname in _SHAPED:
        return _shaped(ev, qualname, node, ctx)
    if qualname in _ARRAY_WRAPPERS:
        arg = argument(node, 0, "object", "value", "x", "a")
        if arg is None:
            return UNKNOWN
        literal = _literal(arg.value, site, _container(node))
        if literal is not None:
            return literal
        inner = ev.value(arg.value, ctx)
        return inner if isinstance(inner, Array) else UNKNOWN
    if qualname in _CASTS:
        arg = argument(node, 0, "x")
        inner = ev.value(arg.value, ctx) if arg is not None else UNKNOWN
        return inner if isinstance(inner, Array) else UNKNOWN
    if qualname in _ARGMAX:
        return _argmax(ev, node, ctx, 1)
    if qualname.startswith("keras.datasets.") and qualname.endswith(".load_data"):
        return _load_data(ev, qualname, node, ctx)
    if qualname in _DIRECTORY_DATASETS:
        return _directory_dataset(ev, qualname, node, ctx)
    if qualname == _SPLIT:
        return _train_test_split(ev, node, ctx)
    if qualname == _FROM_TENSOR_SLICES:
        return _from_tensor_slices(ev, node, ctx)
    if qualname == _LABEL_BINARIZE:
        classes = argument(node, -1, "classes")
        values = ev.value(classes.value, ctx) if classes is not None else UNKNOWN
        if not isinstance(values, Seq) or len(values.items) < 3:
            return UNKNOWN  # two classes give one 0/1 column, not one-hot rows
        return _one_hot(len(values.items), site, None, "label_binarize")
    if qualname == _GET_DUMMIES:
        if argument(node, -1, "drop_first") is not None:
            return UNKNOWN
        return _one_hot(None, site, None, "pd.get_dummies")
    if qualname in _INSTANCES:
        return LibObject(qualname)
    return UNKNOWN


def _len(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    """``len(seq)`` of a literal sequence that nothing changes in place."""
    if len(node.args) != 1 or _mutated(ev, node.args[0].value):
        return UNKNOWN
    seq = ev.value(node.args[0].value, ctx)
    return Const(len(seq.items)) if isinstance(seq, Seq) and seq.items else UNKNOWN


def _method(ev: Evaluator, receiver: Value, method: str, node: cst.Call, ctx: Ctx) -> Optional[Value]:
    """Methods of datasets, library objects and label arrays."""
    site = Site(node)
    if isinstance(receiver, Dataset):
        if method in _DATASET_KEEPS:
            return receiver
        if method == "map":
            return _dataset_map(ev, receiver, node, ctx)
        return UNKNOWN
    if isinstance(receiver, LibObject):
        if receiver.qualname in _IMAGE_DATA_GENERATORS and method in _FLOW_METHODS:
            return _flow(ev, method, node, ctx)
        if receiver.qualname in _IMAGE_DATA_GENERATORS and method == "flow":
            x_arg, y_arg = argument(node, 0, "x"), argument(node, 1, "y")
            if x_arg is None or y_arg is None:
                return UNKNOWN
            return Dataset(_as_array(ev, x_arg.value, ctx), _as_array(ev, y_arg.value, ctx))
        if receiver.qualname == _LABEL_ENCODER and method in ("fit_transform", "transform"):
            return Array(Labels(INTEGER, "LabelEncoder", site))
        if receiver.qualname == _ONE_HOT_ENCODER and method in ("fit_transform", "transform"):
            return _one_hot(None, site, None, "OneHotEncoder")
        return UNKNOWN
    if isinstance(receiver, Array):
        labels = receiver.labels
        if method == "argmax":
            return _argmax(ev, node, ctx, -1, receiver)
        if labels.encoding == INTEGER and method == "reshape" and not _column_reshape(ev, node, ctx):
            return UNKNOWN
        if labels.encoding == INTEGER and method in _INTEGER_KEEPS:
            return receiver
        if method in _ANY_KEEPS:
            return receiver
        return UNKNOWN
    return None


def _column_reshape(ev: Evaluator, node: cst.Call, ctx: Ctx) -> bool:
    """``reshape(-1)``, ``reshape(-1, 1)``, ``reshape((-1, 1))``: class ids stay class ids."""
    values = [ev.value(arg.value, ctx) for arg in node.args]
    if len(values) == 1 and isinstance(values[0], Seq):
        values = list(values[0].items)
    dims = [_int(value) for value in values]
    return dims in ([-1], [-1, 1])


def _expression(ev: Evaluator, node: cst.CSTNode, ctx: Ctx) -> Value:
    """Subscripts (``np.eye(n)[y]``) and integer arithmetic (``y - 1``, ``n + 1``)."""
    if isinstance(node, cst.Subscript):
        base = ev.value(node.value, ctx)
        if isinstance(base, Eye) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            index = node.slice[0].slice.value
            source = _array(ev, index, ctx)
            return _one_hot(base.size, Site(node), source, "np.eye")
        return UNKNOWN
    if isinstance(node, cst.BinaryOperation):
        left = ev.value(node.left, ctx)
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
            return left  # x / 255.0: still the same samples
        if isinstance(left, Array) and b is not None and isinstance(op, (cst.Add, cst.Subtract)):
            labels = left.labels
            if labels.encoding != INTEGER:
                return UNKNOWN
            shift = b if isinstance(op, cst.Add) else -b
            value_range = None
            if labels.value_range is not None:
                value_range = (labels.value_range[0] + shift, labels.value_range[1] + shift)
            return Array(replace(labels, value_range=value_range, site=Site(node)))
    return UNKNOWN


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
    data = ev.value(iterable, ctx)
    if not isinstance(data, Dataset):
        return UNKNOWN
    element: Value = Seq((data.features, data.labels))
    for index in unpack:
        if not isinstance(element, Seq) or index >= len(element.items):
            return UNKNOWN
        element = element.items[index]
    return element if unpack else UNKNOWN


# -- builders ----------------------------------------------------------------------
def _one_hot(count: Optional[int], site: Site, source: Optional[Labels], origin: str) -> Value:
    samples = source.samples if source is not None else None
    samples_site = source.samples_site if source is not None else None
    return Array(Labels(ONE_HOT, origin, site, count, samples, samples_site))


def _array(ev: Evaluator, node: cst.CSTNode, ctx: Ctx) -> Optional[Labels]:
    value = ev.value(node, ctx)
    if isinstance(value, Array):
        return value.labels
    return None


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
    # Class ids only for a (N,) or (N, 1) size; (N, k) is a matrix (e.g. multi-hot
    # targets) and no size is a single number.
    size = argument(node, 2, "size")
    shape = ev.value(size.value, ctx) if size is not None else UNKNOWN
    if isinstance(shape, Const):
        dims: Tuple[Optional[int], ...] = (_int(shape),)
    elif isinstance(shape, Seq) and shape.items:
        dims = tuple(_int(item) for item in shape.items)
    else:
        return UNKNOWN
    if any(dim is None for dim in dims):
        return UNKNOWN
    site = Site(node)
    if dims[1:] not in ((), (1,)):
        return Array(Labels(None, "np.random.randint", site, samples=dims[0], samples_site=site))
    return Array(
        Labels(
            INTEGER,
            "np.random.randint",
            site,
            num_classes=high - low,
            samples=dims[0],
            samples_site=site,
            value_range=(low, high - 1),
        )
    )


def _shaped(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    index, keyword, varargs = _SHAPED[qualname]
    if varargs:
        if not node.args or node.args[0].keyword is not None or node.args[0].star:
            return UNKNOWN
        samples = _int(ev.value(node.args[0].value, ctx))
    else:
        arg = argument(node, index, *((keyword,) if keyword else ()))
        if arg is None:
            return UNKNOWN
        samples = _first_dim(ev.value(arg.value, ctx))
    if samples is None:
        return UNKNOWN
    return Array(Labels(None, short_name(qualname), Site(node), samples=samples, samples_site=Site(node)))


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
    return Array(Labels(INTEGER, "argmax", Site(node), count, samples, samples_site, value_range))


def _load_data(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    name = qualname.split(".")[-2]
    count = _DATASET_CLASSES.get(name)
    if count is None:
        return UNKNOWN
    if name == "cifar100":
        mode = argument(node, 0, "label_mode")
        if mode is not None:
            mode_value = ev.value(mode.value, ctx)
            if mode_value == Const("coarse"):
                count = 20
            elif mode_value != Const("fine"):
                return UNKNOWN
    labels = Labels(INTEGER, f"{name}.load_data()", Site(node), num_classes=count, value_range=(0, count - 1))
    split = Seq((UNKNOWN, Array(labels)))
    return Seq((split, split))


def _label_mode(ev: Evaluator, arg: Optional[cst.Arg], default: str, ctx: Ctx) -> Optional[str]:
    if arg is None:
        return default
    value = ev.value(arg.value, ctx)
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def _mode_labels(mode: Optional[str], count: Optional[int], origin: str, site: Site) -> Value:
    if mode == "int" or mode == "sparse":
        value_range = (0, count - 1) if count else None
        return Array(Labels(INTEGER, origin, site, count, value_range=value_range))
    if mode == "binary":
        return Array(Labels(INTEGER, origin, site, 2, value_range=(0, 1)))
    if mode == "categorical":
        return Array(Labels(ONE_HOT, origin, site, count))
    return UNKNOWN


def _directory_dataset(ev: Evaluator, qualname: str, node: cst.Call, ctx: Ctx) -> Value:
    labels_arg = argument(node, 1, "labels")
    if labels_arg is not None and ev.value(labels_arg.value, ctx) != Const("inferred"):
        return UNKNOWN  # explicit label lists (or labels=None): not followed
    mode = _label_mode(ev, argument(node, 2, "label_mode"), "int", ctx)
    names = argument(node, 3, "class_names")
    count = None
    if names is not None:
        names_value = ev.value(names.value, ctx)
        if not isinstance(names_value, Seq):
            return UNKNOWN
        count = len(names_value.items)
    origin = f"{short_name(qualname)}(label_mode={mode!r})"
    dataset = Dataset(UNKNOWN, _mode_labels(mode, count, origin, Site(node)))
    subset = argument(node, -1, "subset")  # its position differs between the three loaders
    if subset is not None:
        subset_value = ev.value(subset.value, ctx)
        if subset_value == Const("both"):
            return Seq((dataset, dataset))
        if not isinstance(subset_value, Const):
            return UNKNOWN
    return dataset


def _flow(ev: Evaluator, method: str, node: cst.Call, ctx: Ctx) -> Value:
    classes_index, mode_index = _FLOW_METHODS[method]
    mode = _label_mode(ev, argument(node, mode_index, "class_mode"), "categorical", ctx)
    count = None
    classes = argument(node, classes_index, "classes")
    if classes is not None:
        classes_value = ev.value(classes.value, ctx)
        if isinstance(classes_value, Seq):
            count = len(classes_value.items)
        elif classes_value != Const(None):
            return UNKNOWN
    origin = f"{method}(class_mode={mode!r})"
    return Dataset(UNKNOWN, _mode_labels(mode, count, origin, Site(node)))


def _train_test_split(ev: Evaluator, node: cst.Call, ctx: Ctx) -> Value:
    arrays = []
    for arg in node.args:
        if arg.star:
            return UNKNOWN
        if arg.keyword is None:
            arrays.append(arg.value)
    outputs: List[Value] = []
    for array in arrays:
        value = ev.value(array, ctx)
        if not isinstance(value, Array):
            literal = _literal_through_names(ev, array, ctx)
            value = literal if literal is not None else UNKNOWN
        if isinstance(value, Array):
            # Both parts keep the encoding; their sample counts are not literal.
            value = Array(replace(value.labels, samples=None, samples_site=None))
        outputs.extend((value, value))
    return Seq(tuple(outputs))


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
        if isinstance(callee, LibRef) and callee.qualname in _CASTS:
            return Dataset(features, dataset.labels)
        if isinstance(callee, LibRef) and callee.qualname in _ONE_HOT_OPS and not _mentions(y_out.args[1:], params):
            index, names, axis_index = _ONE_HOT_OPS[callee.qualname]
            if argument(y_out, axis_index, "axis") is not None:
                return Dataset(features, UNKNOWN)
            count, _ = _int_arg(ev, y_out, index, names, ctx)
            return Dataset(features, _one_hot(count, Site(y_out), None, short_name(callee.qualname)))
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
def _number(node: cst.BaseExpression) -> Optional[float]:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _number(node.expression)
        return -inner if inner is not None else None
    if isinstance(node, (cst.Integer, cst.Float)):
        return node.evaluated_value  # type: ignore[return-value]
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
    rows: List[cst.BaseExpression] = []
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
        numbers = [_number(s) for s in scalars]
        if not all(isinstance(n, int) for n in numbers):
            return Array(Labels(None, "the literal array", site, samples=samples, samples_site=site))
        ints = [int(n) for n in numbers]  # type: ignore[arg-type]
        if len(ints) > 1 and set(ints) <= {0, 1} and ints.count(1) == 1:
            # [0, 0, 1]: class ids, or one one-hot row (``cce(y_true=[0, 0, 1], ...)``): not known
            return Array(Labels(None, "the literal array", site, samples=samples, samples_site=site))
        return Array(Labels(INTEGER, "the literal labels", site, samples=samples, samples_site=site,
                            value_range=(min(ints), max(ints))))
    widths = set()
    one_hot = True
    for row in rows:
        assert isinstance(row, (cst.List, cst.Tuple))
        cells = [_number(el.value) if not isinstance(el, cst.StarredElement) else None for el in row.elements]
        if any(c is None for c in cells):
            return None
        widths.add(len(cells))
        if len(cells) == 1 and isinstance(cells[0], int):
            continue  # a column of class ids: [[0], [2]]
        if sorted(cells) != [0] * (len(cells) - 1) + [1]:
            one_hot = False  # multi-hot rows or features: only the sample count is known
    if len(widths) != 1:
        return None
    if not one_hot:
        return Array(Labels(None, "the literal array", site, samples=samples, samples_site=site))
    width = widths.pop()
    if width == 1:
        ints = [int(_number(r.elements[0].value)) for r in rows]  # type: ignore[union-attr,arg-type]
        return Array(Labels(INTEGER, "the literal labels", site, samples=samples, samples_site=site,
                            value_range=(min(ints), max(ints))))
    return Array(Labels(ONE_HOT, "the literal one-hot rows", site, num_classes=width, samples=samples,
                        samples_site=site))


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
    value = ev.value(node, ctx)
    if isinstance(value, (Array, Dataset)):
        return value
    literal = _literal_through_names(ev, node, ctx)
    return literal if literal is not None else UNKNOWN


def labels_of(ev: Evaluator, node: cst.BaseExpression, ctx: Ctx) -> Optional[Labels]:
    value = _as_array(ev, node, ctx)
    return value.labels if isinstance(value, Array) else None


class LabelsDomain(Domain):
    name = "labels"
    checked_against = CHECKED_AGAINST

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
