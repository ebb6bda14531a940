"""What the libraries are: names, signatures and defaults the rules rely on.

Every entry here was read off the installed libraries (TensorFlow 2.21,
Keras 3.15.1): ``inspect.signature`` of each loss, ``keras.losses.get`` and
``keras.activations.get`` for the strings they accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from .facts import BINARY, CATEGORICAL, LINEAR, LOG_SOFTMAX, OTHER, SIGMOID, SOFTMAX, SPARSE_CATEGORICAL


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
