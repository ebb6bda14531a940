"""Facts: plain, immutable data that the extractors produce and the rules read.

A fact holds no syntax and no position: where something is written is a
``Site``, which only the report layer turns into a line (or a cell and a line).
The shared vocabulary (``Head``, ``LossSpec``, ``Labels``, the activation and
loss-family names) lives in ``flake8_losslint.terms``; it is re-exported here
so that rules import one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ..terms import (  # noqa: F401 - re-exported for the rules
    KeywordArguments,
    BINARY,
    CATEGORICAL,
    CONTINUOUS,
    INTEGER,
    LABELS,
    LINEAR,
    LOG_SOFTMAX,
    MIXED,
    MULTI_HOT,
    NOT_LITERAL,
    ONE_HOT,
    OTHER,
    PREDICTIONS,
    PROBABILITY_ACTIVATIONS,
    REGRESSION,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    TORCH_BCE,
    TORCH_BCE_WITH_LOGITS,
    TORCH_CROSS_ENTROPY,
    TORCH_NLL,
    UNKNOWN_HEAD,
    VIA_KERAS,
    VIA_OP,
    Head,
    Labels,
    LossSpec,
    Site,
)


@dataclass(frozen=True)
class LossUse:
    """A Keras loss applied to a prediction: ``compile(loss=...)`` or ``loss_fn(y, pred)``."""

    loss: LossSpec
    prediction: Head
    call_site: Site
    compiled: bool = False  # ``compile(loss=...)``: the loss runs inside fit; else a direct eager call
    # The call of the enclosing function on whose arguments this fact depends
    # (the fact holds on that call path only); None when it holds on every path.
    called_from: Optional[Site] = None
    # The custom loss itself, cut out to run alone (runtime user-code mode only).
    runnable: Optional["RunnableLoss"] = None


@dataclass(frozen=True)
class LogitsOpUse:
    """``tf.nn.*_with_logits(labels=..., logits=...)``: what the logits really are."""

    op: str  # e.g. "tf.nn.softmax_cross_entropy_with_logits"
    logits: Head
    logits_site: Site
    # The call of the enclosing function on whose arguments this fact depends
    # (the fact holds on that call path only); None when it holds on every path.
    called_from: Optional[Site] = None


@dataclass(frozen=True)
class LayerFact:
    """A layer construction whose width and activation are known literally."""

    kind: str  # "Dense", "Conv2D", "Activation", ...
    units: Optional[int]
    activation: Optional[str]
    activation_site: Optional[Site]
    site: Site


@dataclass(frozen=True)
class TorchLossUse(KeywordArguments):
    """A torch loss applied to a prediction: ``criterion(out, y)``, ``F.cross_entropy(out, y)``.

    Torch losses take ``(input, target)``: the prediction is the first argument.
    """

    kind: str  # TORCH_CROSS_ENTROPY, ...
    display: str  # "nn.CrossEntropyLoss", "F.cross_entropy"
    prediction: Head
    prediction_site: Site  # the input argument of the loss call
    loss_site: Site  # where the criterion is built (or the functional call)
    call_site: Site
    # The call of the enclosing function on whose arguments this fact depends
    # (the fact holds on that call path only); None when it holds on every path.
    called_from: Optional[Site] = None
    # Keyword arguments of the criterion or functional call (interp.domains.torch.loss_arguments):
    # literals, and ``weight``/``pos_weight`` as (length or None, site).
    arguments: Tuple[Tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class LossTensor:
    """A tensor given to a torch loss (``weight=``, ``pos_weight=``): its length when it is 1-D and known."""

    length: Optional[int]
    site: Site


@dataclass(frozen=True)
class ApiReference:
    """``module.name`` reached through imports, where ``module`` is one LL301 covers."""

    module: str  # e.g. "tensorflow.keras.losses" (see api_names.COVERED_MODULES)
    name: str
    spelling: str  # as written: "tf.keras.losses.sparse_softmax_cross_entropy_with_logits"
    site: Site
    imported: bool = False  # ``from module import name``
    # What the name lists of the judged library version say (api_names.py).
    exists: bool = True
    module_importable: bool = True  # ``from module import ...`` works for the module
    suggestion: Optional[str] = None  # the name to use instead, as users spell it
    library: str = ""  # "TensorFlow 2.21.0 (tf.keras is Keras 3.15.1)", for messages
    module_display: str = ""  # the module as users spell it: "tf.keras.losses"
    version_source: str = ""  # why that version: "the installed version", "as requirements.txt pins it"


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
class RunnableLoss:
    """A custom loss as source text that runs on its own (``facts/extract/runnable.py``).

    ``source`` holds the loss (a function, a Loss subclass, a lambda, or a factory and
    its literal call) with the library imports and literal constants it uses;
    ``entry`` is the expression that gives the loss once ``source`` ran; ``kind`` is
    "function" or "loss_class"; ``constants`` are the integer constants it uses
    (candidate class counts for probes).
    """

    name: str
    source: str
    entry: str
    kind: str
    constants: Tuple[int, ...] = ()


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
    # The custom loss itself, cut out to run alone (runtime user-code mode only).
    runnable: Optional["RunnableLoss"] = None


@dataclass(frozen=True)
class ScalarLossReturn:
    """A custom loss that returns one number for the whole batch."""

    loss_name: str
    reducer: str  # "tf.reduce_mean", "K.mean", ...
    site: Site  # the reducing call
    loss_subclass: bool  # the ``call`` of a keras.losses.Loss subclass
    weights_site: Optional[Site] = None  # ``sample_weight=``/``class_weight=`` in a fit of a model compiled with it
    weights_kind: Optional[str] = None
    # The custom loss itself, cut out to run alone (runtime user-code mode only).
    runnable: Optional["RunnableLoss"] = None


@dataclass(frozen=True)
class UnguardedLog:
    """``log`` of a custom loss's predictions with no clip or epsilon on the way."""

    loss_name: str
    log: str  # the log function as written
    argument: str  # the argument's source text
    prediction_name: str
    danger: str  # the value of the predictions that makes the argument 0: "0" (log(p)) or "1" (log(1 - p))
    site: Site
    # The custom loss itself, cut out to run alone (runtime user-code mode only).
    runnable: Optional["RunnableLoss"] = None


@dataclass(frozen=True)
class LossSignature:
    """A function given to ``compile(loss=...)``, with what Keras needs to call it as ``fn(y_true, y_pred)``."""

    name: str
    required_positional: int
    max_positional: Optional[int]  # None with ``*args``
    required_keyword_only: Tuple[str, ...]
    site: Site  # the ``loss=`` argument
    definition_site: Site
    # The custom loss itself, cut out to run alone (runtime user-code mode only).
    runnable: Optional["RunnableLoss"] = None


@dataclass(frozen=True)
class ClassWeights:
    """``class_weight=`` given to ``fit``: a dict literal's keys, when every key is a literal."""

    site: Site  # the argument's value
    keys: Tuple[Tuple[object, Site], ...] = ()
    literal: bool = False  # a dict literal whose every key is a literal (``keys`` is all of it)
    keras3: bool = True  # the program runs on Keras 3 (Keras 2 reads class_weight otherwise)


@dataclass(frozen=True)
class ClassWeightUse:
    """``fit(..., class_weight=...)``: the weights, and what is known of the
    labels they weigh (None when not known) and of the loss and output they meet."""

    weights: ClassWeights
    labels: Optional[Labels]
    loss: Optional[LossSpec]
    prediction: Head
    call_site: Site
    dataset: bool = False  # the labels come batched from a dataset or generator, not arrays
    called_from: Optional[Site] = None


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
    # how: "fit" (compiled fit/evaluate), "slices" (from_tensor_slices), "call" (loss(y, pred)),
    # "feed" (fed through feed_dict to a TensorFlow 1 placeholder that is the loss op's labels)
    meets: str = "fit"
    # The call of the enclosing function on whose arguments this fact depends
    # (the fact holds on that call path only); None when it holds on every path.
    called_from: Optional[Site] = None
    # Training labels of fit/train_on_batch (not validation data): weights given beside them.
    sample_weight: bool = False  # ``sample_weight=`` (or ``**kwargs`` that may hold it)


@dataclass(frozen=True)
class PlaceholderFeed:
    """A value fed through ``feed_dict`` to a TensorFlow 1 ``placeholder`` whose shape is written.

    ``loss_families`` are the families of the loss ops the placeholder is the labels of
    (``tf.nn.*_with_logits``, ``tf.compat.v1.losses.*``): those judge the feed as a
    ``LabelUse`` of their own.  ``name`` is how the program spells the placeholder.
    """

    labels: Labels  # what is fed
    shape: Tuple[Optional[int], ...]  # the placeholder's shape as written, the batch axis included
    name: str
    placeholder_site: Site
    feed_site: Site  # the run/eval call
    loss_families: Tuple[str, ...] = ()
    called_from: Optional[Site] = None


@dataclass(frozen=True)
class TorchTargetUse(KeywordArguments):
    """A torch loss called on an input whose width is known and a target whose labels are known.

    ``kind`` is a torch loss kind (TORCH_CROSS_ENTROPY, ...) or REGRESSION (``nn.MSELoss``,
    ``nn.L1Loss``, ``nn.SmoothL1Loss``, ``nn.HuberLoss`` and their functional forms).
    """

    kind: str
    display: str  # "nn.BCELoss", "F.mse_loss"
    prediction: Head  # the input; ``units`` is the width of its last axis when known
    target: Labels
    target_site: Site  # the target argument of the loss call
    loss_site: Site  # where the criterion is built (or the functional call)
    call_site: Site
    called_from: Optional[Site] = None
    arguments: Tuple[Tuple[str, Any], ...] = ()  # as in ``TorchLossUse``


@dataclass(frozen=True)
class CompileKey:
    """A literal string key of a dict given to ``compile``."""

    key: str
    site: Site


@dataclass(frozen=True)
class CompileArgument:
    """``loss=``, ``metrics=`` or ``loss_weights=`` of a compile, as far as its form is written.

    ``form`` is "dict", "list" (a list or tuple literal), "single" (one loss object, string
    or function) or "other" (not known).  ``keys`` are a dict's keys when every one is a
    literal string; ``length`` a list's length; ``empty`` the keys (dict) or positions
    (list) given ``None`` on purpose; ``values`` each entry's value as written (for
    messages, and to tell entries that compute alike), in the dict's or list's order.
    """

    name: str
    form: str
    site: Site  # the argument's value
    keys: Tuple[CompileKey, ...] = ()
    length: Optional[int] = None
    empty: Tuple[object, ...] = ()
    values: Tuple[str, ...] = ()


@dataclass(frozen=True)
class MultiOutputCompile:
    """``compile`` of a functional Keras model with several outputs (Keras 3 targets only).

    ``names`` are what compile's dict keys must be, in ``outputs`` order: the output
    layers' literal ``name=`` for list and tuple outputs, the dict's keys for dict outputs
    (None where not known).  ``layer_names`` are the output layers' names.
    """

    outputs: str  # "list", "tuple" or "dict"
    names: Tuple[Optional[str], ...]
    layer_names: Tuple[Optional[str], ...]
    model_site: Site  # the keras.Model(...) call
    call_site: Site  # the compile call
    arguments: Tuple[CompileArgument, ...] = ()
    called_from: Optional[Site] = None

    @property
    def named(self) -> bool:
        return all(name is not None for name in self.names)

    def argument(self, name: str) -> Optional[CompileArgument]:
        for argument in self.arguments:
            if argument.name == name:
                return argument
        return None


@dataclass(frozen=True)
class MaskSource:
    """Something in the program that may give a Keras model a mask over padded steps, which the
    loss then leaves out: ``Embedding(mask_zero=True)``, a ``Masking`` layer, a layer class of the
    program defining ``compute_mask``, any ``mask_zero=`` not literally False."""

    kind: str  # "mask_zero", "Masking", "compute_mask"
    site: Site


@dataclass(frozen=True)
class MixedPolicy:
    """The program sets a mixed global dtype policy (every policy it sets is this one; Keras 3 only)."""

    policy: str  # "mixed_float16" or "mixed_bfloat16"
    site: Site  # the call that sets it


@dataclass(frozen=True)
class ProbabilityLayer:
    """A Keras layer that applies a softmax or sigmoid (``Dense(..., activation="softmax")``,
    ``Activation("sigmoid")``, ``Softmax()``), with the ``dtype=`` it is given.

    ``dtype`` is the policy or dtype name given (a literal, or a policy built from one);
    None with ``dtype_given`` when it is given some other way.
    """

    activation: str
    activation_site: Site  # as in the ``Head`` of what the layer outputs
    site: Site  # the layer construction
    dtype: Optional[str] = None
    dtype_given: bool = False


@dataclass(frozen=True)
class MixedPrecisionUse:
    """A loss use whose softmax/sigmoid output layer computes under a mixed policy (LL107's subject)."""

    use: LossUse
    policy: MixedPolicy
    layer: ProbabilityLayer

    @property
    def called_from(self) -> Optional[Site]:
        return self.use.called_from


@dataclass(frozen=True)
class AutocastLoss:
    """A probability-space torch loss (``nn.BCELoss``, ``F.binary_cross_entropy``) called inside an
    enabled autocast region (``with torch.autocast(...)``).

    ``device`` is the region's device when known ("cuda", "cpu", ...); ``prediction_inside``
    says whether the input was computed inside the region (so in low precision).
    """

    display: str
    call_site: Site
    loss_site: Site  # where the criterion is built (or the functional call)
    autocast_site: Site
    device: Optional[str]
    prediction_inside: bool
    called_from: Optional[Site] = None


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
    placeholder_feeds: Tuple[PlaceholderFeed, ...] = ()
    torch_target_uses: Tuple[TorchTargetUse, ...] = ()
    class_weight_uses: Tuple[ClassWeightUse, ...] = ()
    multi_output_compiles: Tuple[MultiOutputCompile, ...] = ()
    mixed_policies: Tuple[MixedPolicy, ...] = ()
    mask_sources: Tuple[MaskSource, ...] = ()
    probability_layers: Tuple[ProbabilityLayer, ...] = ()
    autocast_losses: Tuple[AutocastLoss, ...] = ()


__all__ = [
    "ApiReference",
    "ArgumentOrigin",
    "AutocastLoss",
    "BINARY",
    "CATEGORICAL",
    "CONTINUOUS",
    "ClassWeightUse",
    "ClassWeights",
    "CompileArgument",
    "CompileKey",
    "Facts",
    "Head",
    "INTEGER",
    "InnerLossCall",
    "LABELS",
    "LINEAR",
    "LOG_SOFTMAX",
    "LabelUse",
    "Labels",
    "LayerFact",
    "LogitsOpUse",
    "LossCallArguments",
    "LossSignature",
    "LossSpec",
    "LossTensor",
    "LossUse",
    "MIXED",
    "MULTI_HOT",
    "MaskSource",
    "MixedPolicy",
    "MixedPrecisionUse",
    "MultiOutputCompile",
    "NOT_LITERAL",
    "ONE_HOT",
    "OTHER",
    "PREDICTIONS",
    "PROBABILITY_ACTIVATIONS",
    "PlaceholderFeed",
    "ProbabilityLayer",
    "REGRESSION",
    "Rank",
    "SIGMOID",
    "SOFTMAX",
    "SPARSE_CATEGORICAL",
    "ScalarLossReturn",
    "Site",
    "TORCH_BCE",
    "TORCH_BCE_WITH_LOGITS",
    "TORCH_CROSS_ENTROPY",
    "TORCH_NLL",
    "TorchLossUse",
    "TorchTargetUse",
    "UNKNOWN_HEAD",
    "UnguardedLog",
    "VIA_KERAS",
    "VIA_OP",
]
