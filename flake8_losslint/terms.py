"""The terms every stage speaks: what an output is, how a loss is configured, how labels are encoded.

This module imports nothing from the package.  The interpreter computes these
values, the facts carry them, the rules judge them, the runtime probes rebuild
them.  A ``Site`` is the only link back to the source: an opaque handle that
the report layer turns into a position, and the autofixes into a node to edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

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

# Keras loss families.
SPARSE_CATEGORICAL = "sparse_categorical"
CATEGORICAL = "categorical"
BINARY = "binary"

# PyTorch loss kinds.
TORCH_CROSS_ENTROPY = "cross_entropy"  # nn.CrossEntropyLoss, F.cross_entropy: takes logits
TORCH_NLL = "nll"  # nn.NLLLoss, F.nll_loss: takes log-probabilities
TORCH_BCE = "bce"  # nn.BCELoss, F.binary_cross_entropy: takes probabilities
TORCH_BCE_WITH_LOGITS = "bce_with_logits"  # nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits

# Loss families that compare targets with the output element by element
# (mean squared error, mean absolute error, Huber, ...).
REGRESSION = "regression"

# Label encodings.
ONE_HOT = "one-hot"
INTEGER = "integer"  # class ids, (N,) or (N, 1); 0/1 labels of a two-class problem too
MIXED = "mixed"  # class ids beside one-hot rows in one array literal
MULTI_HOT = "multi-hot"  # independent 0/1 columns, any number of them set per sample
CONTINUOUS = "continuous"  # regression targets

# Roles of a loss argument, judged by its name or by where its value comes from.
LABELS = "labels"
PREDICTIONS = "predictions"


@dataclass(frozen=True, eq=False)
class Site:
    """Where something is written.  Compared by identity of the node.

    Only the report layer (positions) and the autofixes (which edit the tree)
    look inside; everything else passes sites along.
    """

    node: Any = field(repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Site) and other.node is self.node

    def __hash__(self) -> int:
        return id(self.node)


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
    # The axis a softmax/log_softmax normalises over, as written (-1: the last);
    # None when it is not written as a literal or does not apply.
    axis: Optional[int] = None

    @property
    def known(self) -> bool:
        return self.activation is not None


UNKNOWN_HEAD = Head(activation=None, units=None)


class _NotLiteral:
    """A loss argument written with a value that is not a literal."""

    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Any = _NotLiteral()


class KeywordArguments:
    """Keyword arguments of a loss, as ``(name, value)`` pairs, looked up by name."""

    arguments: Tuple[Tuple[str, Any], ...]

    def argument(self, name: str, default: Any = None) -> Any:
        for key, value in self.arguments:
            if key == name:
                return value
        return default

    def has_argument(self, name: str) -> bool:
        return any(key == name for key, _ in self.arguments)


@dataclass(frozen=True)
class LossSpec(KeywordArguments):
    """A Keras loss as configured: which family, and whether it expects logits.

    ``from_logits`` is True/False when known (False when left at the default),
    None when it is set from something we cannot evaluate.  ``arguments`` are
    the other keyword arguments given to a loss class, by name, with their
    literal value (``NOT_LITERAL`` when it is not one).
    """

    family: str
    from_logits: Optional[bool]
    display: str  # how the program spells it, for messages
    site: Site  # the loss expression (string, class call, function name)
    from_logits_site: Optional[Site] = None  # the ``from_logits=`` argument, when written
    arguments: Tuple[Tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Labels:
    """What is known about an array used as labels (or as the x beside them).

    ``encoding`` is ONE_HOT, INTEGER, MIXED, MULTI_HOT, CONTINUOUS or None
    (only the sample count or shape is known, e.g. ``np.random.rand(512, 20)``).  ``value_range`` is the inclusive
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
    # MIXED: the literal's numbers (rows as tuples), and what holds them: "list",
    # "array" (np.array(...)), "object" (np.array(..., dtype=object)); None: another dtype.
    literal: Optional[Tuple[Any, ...]] = None
    container: Optional[str] = None
    # The shape of one sample's label, without the sample axis: () for (N,), (1,)
    # for (N, 1), (C,) for one column per class; None inside for a dimension not
    # known; None for the whole when even the rank is not known.
    shape: Optional[Tuple[Optional[int], ...]] = None
    dtype: Optional[str] = None  # "int", "float" or "bool" when known
    # The value sequences were padded with (``pad_sequences(value=...)``, ``pad_sequence(padding_value=...)``)
    # when the labels are such a padded array; None otherwise.
    padding: Optional[float] = None

    @property
    def columns(self) -> Optional[int]:
        """How many label columns one sample has (1 for (N,) and (N, 1)), when known."""
        if self.shape is None or len(self.shape) > 1:
            return None
        if not self.shape:
            return 1
        return self.shape[0]
