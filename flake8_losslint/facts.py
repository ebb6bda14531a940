"""Plain, immutable facts that extraction produces and rules read.

A fact holds the syntax node it came from only as a ``Site``: an opaque handle
the report turns into a line and column.  Positions are computed lazily (most
files have no finding, and LibCST's position pass costs about two parses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

# Activations the rules distinguish.  ``None`` wherever the value is unknown.
SOFTMAX = "softmax"
SIGMOID = "sigmoid"
LOG_SOFTMAX = "log_softmax"
LINEAR = "linear"
OTHER = "other"  # relu, tanh, ...: known, but neither probabilities nor logits

PROBABILITY_ACTIVATIONS = (SOFTMAX, SIGMOID)

# How an activation was applied: a Keras layer/activation (Keras caches the
# pre-activation logits on the TensorFlow backend) or a raw op such as
# ``tf.nn.softmax`` (nothing is cached).
VIA_KERAS = "keras"
VIA_OP = "op"

# Loss families.
SPARSE_CATEGORICAL = "sparse_categorical"
CATEGORICAL = "categorical"
BINARY = "binary"


@dataclass(frozen=True, eq=False)
class Site:
    """Where something is written.  Compared by identity of the node."""

    node: cst.CSTNode = field(repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Site) and other.node is self.node

    def __hash__(self) -> int:
        return id(self.node)


class Positions:
    """Line and column of a node, computed for the whole module on first use."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._table: Optional[Dict[cst.CSTNode, object]] = None

    def __call__(self, site: Site) -> Tuple[int, int]:
        """1-based line, 0-based column (what flake8 expects from a plugin)."""
        if self._table is None:
            # A fresh parse that nobody else holds: skipping the deep copy is safe.
            wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
            self._table = wrapper.resolve(PositionProvider)
        start = self._table[site.node].start  # type: ignore[attr-defined]
        return start.line, start.column


@dataclass(frozen=True)
class Head:
    """What a model (or a tensor) outputs: its last activation and width.

    ``activation_site`` is where that activation is written (the ``activation=``
    argument, the ``Softmax()`` layer, the ``tf.nn.softmax`` call), or the layer
    when the output is linear because no activation was given.
    """

    activation: Optional[str]
    units: Optional[int]
    activation_site: Optional[Site] = None
    via: Optional[str] = None
    # Layers that leave the activation unchanged but come after it (Dropout,
    # GaussianNoise, ...), by class name: runtime probes rebuild them, since
    # Keras's cached logits do not survive them in training.
    after: Tuple[str, ...] = ()
    units_site: Optional[Site] = None  # the layer whose width ``units`` is

    @property
    def known(self) -> bool:
        return self.activation is not None


UNKNOWN_HEAD = Head(activation=None, units=None)


@dataclass(frozen=True)
class LossSpec:
    """A Keras loss as configured: which family, and whether it expects logits.

    ``from_logits`` is True/False when known (False when left at the default),
    None when it is set from something we cannot evaluate.
    """

    family: str
    from_logits: Optional[bool]
    display: str  # how the program spells it, for messages
    site: Site  # the loss expression (string, class call, function name)
    from_logits_site: Optional[Site] = None  # the ``from_logits=`` argument, when written


@dataclass(frozen=True)
class LossUse:
    """A Keras loss applied to a prediction: ``compile(loss=...)`` or ``loss_fn(y, pred)``."""

    loss: LossSpec
    prediction: Head
    call_site: Site


@dataclass(frozen=True)
class LogitsOpUse:
    """``tf.nn.*_with_logits(labels=..., logits=...)``: what the logits really are."""

    op: str  # e.g. "tf.nn.softmax_cross_entropy_with_logits"
    logits: Head
    logits_site: Site


@dataclass(frozen=True)
class LayerFact:
    """A layer construction whose width and activation are known literally."""

    kind: str  # "Dense", "Conv2D", "Activation", ...
    units: Optional[int]
    activation: Optional[str]
    activation_site: Optional[Site]
    site: Site


# PyTorch loss kinds (torch_models.py).
TORCH_CROSS_ENTROPY = "cross_entropy"  # nn.CrossEntropyLoss, F.cross_entropy: takes logits
TORCH_NLL = "nll"  # nn.NLLLoss, F.nll_loss: takes log-probabilities
TORCH_BCE = "bce"  # nn.BCELoss, F.binary_cross_entropy: takes probabilities
TORCH_BCE_WITH_LOGITS = "bce_with_logits"  # nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits


@dataclass(frozen=True)
class TorchLossUse:
    """A torch loss applied to a prediction: ``criterion(out, y)``, ``F.cross_entropy(out, y)``.

    Torch losses take ``(input, target)``: the prediction is the first argument.
    """

    kind: str  # TORCH_CROSS_ENTROPY, ...
    display: str  # "nn.CrossEntropyLoss", "F.cross_entropy"
    prediction: Head
    prediction_site: Site  # the input argument of the loss call
    loss_site: Site  # where the criterion is built (or the functional call)
    call_site: Site


@dataclass(frozen=True)
class ApiReference:
    """``module.name`` reached through imports, where ``module`` is one LL301 covers."""

    module: str  # e.g. "tensorflow.keras.losses" (see api_names.COVERED_MODULES)
    name: str
    spelling: str  # as written: "tf.keras.losses.sparse_softmax_cross_entropy_with_logits"
    site: Site
    imported: bool = False  # ``from module import name``


# Roles of a loss argument, judged by its name or by where its value comes from.
LABELS = "labels"
PREDICTIONS = "predictions"


@dataclass(frozen=True)
class ArgumentOrigin:
    """What is passed in one argument slot of a loss call."""

    spelling: str  # the argument's source text
    role: Optional[str]  # LABELS / PREDICTIONS by its name; None when unclear
    from_model: bool  # the value is a model's output (``model(x)``, ``model.predict``)
    site: Site


@dataclass(frozen=True)
class LossCallArguments:
    """A crossentropy called on two tensors: ``loss(y_true, y_pred)``, ``tf.nn.*_with_logits(labels, logits)``."""

    loss: str  # for messages: "categorical_crossentropy", "tf.nn.softmax_cross_entropy_with_logits"
    slots: Tuple[str, str]  # ("y_true", "y_pred") or ("labels", "logits")
    first: ArgumentOrigin  # what fills slots[0]
    second: ArgumentOrigin  # what fills slots[1]
    site: Site


@dataclass(frozen=True)
class Rank:
    """The rank of a tensor inside a custom loss, as far as it is known.

    Either ``absolute`` (after ``reshape(x, [-1, 1])``: 2), or relative to a
    parameter of the loss (``base`` + ``delta``: ``expand_dims(y_true, -1)`` is
    y_true + 1), or unknown (both None).  ``one_hot_site`` is set when the value
    is a ``one_hot`` encoding; ``changed_site`` is the op that last set the rank.
    """

    absolute: Optional[int] = None
    base: Optional[str] = None
    delta: int = 0
    one_hot_site: Optional[Site] = None
    changed_site: Optional[Site] = None

    def difference(self, other: "Rank") -> Optional[int]:
        """``self - other`` when both are known on the same footing, else None."""
        if self.absolute is not None and other.absolute is not None:
            return self.absolute - other.absolute
        if self.base is not None and self.base == other.base:
            return self.delta - other.delta
        return None


@dataclass(frozen=True)
class InnerLossCall:
    """A loss called inside a custom loss, with what is known of its inputs' ranks.

    ``rule`` says what the callee needs (read off the installed library):
    "sparse" (labels rank = predictions rank - 1, or equal with a last axis of 1),
    "sparse_strict" (exactly rank - 1: tf.nn), "same_rank", or "sparse_lenient"
    (only one-hot labels are sure to fail: Loss objects, the legacy backend).
    """

    loss: str
    rule: str
    labels: Rank
    predictions: Rank
    labels_site: Site
    site: Site


@dataclass(frozen=True)
class ScalarLossReturn:
    """A custom loss that returns one number for the whole batch."""

    loss_name: str
    reducer: str  # "tf.reduce_mean", "K.mean", ...
    site: Site  # the reducing call
    loss_subclass: bool  # the ``call`` of a keras.losses.Loss subclass
    weights_site: Optional[Site] = None  # ``sample_weight=``/``class_weight=`` in a fit of a model compiled with it
    weights_kind: Optional[str] = None


@dataclass(frozen=True)
class UnguardedLog:
    """``log`` of a custom loss's predictions with no clip or epsilon on the way."""

    loss_name: str
    log: str  # the log function as written
    argument: str  # the argument's source text
    prediction_name: str
    danger: str  # the value of the predictions that makes the argument 0: "0" (log(p)) or "1" (log(1 - p))
    site: Site


@dataclass(frozen=True)
class LossSignature:
    """A function given to ``compile(loss=...)``, with what Keras needs to call it as ``fn(y_true, y_pred)``."""

    name: str
    required_positional: int
    max_positional: Optional[int]  # None with ``*args``
    required_keyword_only: Tuple[str, ...]
    site: Site  # the ``loss=`` argument
    definition_site: Site


# Label encodings.
ONE_HOT = "one-hot"
INTEGER = "integer"  # class ids, (N,) or (N, 1)
MIXED = "mixed"  # class ids beside one-hot rows in one array literal


@dataclass(frozen=True)
class Labels:
    """What is known about an array used as labels (or as the x beside them).

    ``encoding`` is ONE_HOT, INTEGER, MIXED or None (only the sample count is
    known, e.g. ``np.random.rand(512, 20)``).  ``value_range`` is the inclusive
    range of integer labels.  Each known number carries the site it was read
    from, for messages.
    """

    encoding: Optional[str]
    origin: str  # how the program builds it, for messages: "to_categorical", "mnist.load_data()"
    site: Site  # where the encoding is decided
    num_classes: Optional[int] = None
    samples: Optional[int] = None
    samples_site: Optional[Site] = None
    value_range: Optional[Tuple[int, int]] = None
    odd_site: Optional[Site] = None  # MIXED: the first element of the rarer kind


@dataclass(frozen=True)
class LabelUse:
    """Labels meeting a loss or their inputs.

    ``fit(x, y)``/``evaluate``/``train_on_batch`` (the loss of the model's
    ``compile``), ``validation_data=(x, y)``, ``loss_fn(y_true, y_pred)``, or
    ``Dataset.from_tensor_slices((x, y))`` (``loss`` None).
    """

    labels: Labels
    loss: Optional[LossSpec]
    prediction: Head
    call_site: Site
    features: Optional[Labels] = None  # what is known about x (its sample count)
    ignore_class: bool = False  # the loss sets ``ignore_class``: some label values are skipped


@dataclass(frozen=True)
class Facts:
    """Everything one file tells the rules."""

    loss_uses: Tuple[LossUse, ...] = ()
    logits_ops: Tuple[LogitsOpUse, ...] = ()
    layers: Tuple[LayerFact, ...] = ()
    # Softmax applied over a tensor known to be one unit wide (Activation/Softmax
    # layers, tf.nn.softmax): the head of that application.
    single_unit_softmax: Tuple[Head, ...] = ()
    torch_loss_uses: Tuple[TorchLossUse, ...] = ()
    # Custom losses and loss APIs (LL3xx).
    api_references: Tuple[ApiReference, ...] = ()
    loss_call_arguments: Tuple[LossCallArguments, ...] = ()
    inner_loss_calls: Tuple[InnerLossCall, ...] = ()
    scalar_loss_returns: Tuple[ScalarLossReturn, ...] = ()
    unguarded_logs: Tuple[UnguardedLog, ...] = ()
    loss_signatures: Tuple[LossSignature, ...] = ()
    label_uses: Tuple[LabelUse, ...] = ()
    positions: Optional[Positions] = field(default=None, compare=False, repr=False)

    def line(self, site: Site) -> int:
        assert self.positions is not None
        return self.positions(site)[0]
