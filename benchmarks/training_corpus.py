"""A corpus of training scripts, generated: the code flake8-losslint's users lint.

    python benchmarks/training_corpus.py DEST [--count 300] [--seed 15]

Installed packages ship library code, not training scripts (Keras, TensorFlow
and PyTorch wheels hold no examples), and the project may not depend on files
that sit on one developer's disk.  So the scripts are written by this module,
from the project's own files alone, the same on every machine: file ``i`` is a
function of (seed, i) only, so a corpus of 300 files is the first 300 files of
a corpus of 1,000, and ``digest`` names a corpus exactly.

Each file is one of the programs people write to train a model, composed from
parts whose mix and size vary (sizes from ~40 to over 1,000 lines, a median
near 200):

- Keras (``import keras``, ``tf.keras``, ``from tensorflow.keras import ...``):
  Sequential, functional and subclassed models; image, tabular and text data
  (``keras.datasets``, pandas, ``tf.data`` pipelines); ``compile``/``fit`` with
  string, function and class losses, callbacks; custom loss functions and
  ``Loss`` subclasses; ``GradientTape`` training loops;
- PyTorch: ``nn.Module`` classes, ``Dataset``/``DataLoader``, argparse,
  train/test functions, criteria (``CrossEntropyLoss``, ``nll_loss`` on
  ``log_softmax``, ``BCEWithLogitsLoss``, ``MSELoss``), schedulers, checkpoints;
- helper modules beside the scripts: model builders, losses, data loading;
- around them what real scripts carry: argument parsing, seeding, logging,
  plots, metrics by hand, hyper-parameter sweeps, k-fold loops, export.

About one file in eight carries one of the mistakes the linter exists for
(softmax output with ``from_logits=True``, logits with a probabilistic loss,
one-hot labels with a sparse loss, an unclipped ``log`` in a custom loss, a
softmax before ``CrossEntropyLoss``, ``BCELoss`` on logits), so that the rules
and the position lookup of real findings are part of what is timed.  Every file
imports TensorFlow, Keras or PyTorch: the corpus is the worst case for the
plugin, with no files that its prefilter skips for lack of an ML import.

Files are grouped twenty to a folder (``proj_000/``, ``proj_001/``, ...), like
a tree of small projects.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from dataclasses import dataclass
from string import Template
from typing import Callable, List, Optional, Sequence, Tuple

PER_FOLDER = 20
DEFAULT_SEED = 15
BUG_RATE = 0.125


# (stem of the file name, source, the code of the mistake put in on purpose or None)
Made = Tuple[str, str, Optional[str]]


class Rng:
    """Only ``random.Random.random`` is used: its sequence for an integer or str
    seed is the same on every Python version (``choice``/``randrange`` have changed)."""

    def __init__(self, seed: "int | str") -> None:
        import random

        self._random = random.Random(seed)

    def random(self) -> float:
        return self._random.random()

    def below(self, n: int) -> int:
        return min(n - 1, int(self._random.random() * n))

    def choice(self, items: Sequence):  # type: ignore[no-untyped-def]
        return items[self.below(len(items))]

    def chance(self, p: float) -> bool:
        return self._random.random() < p

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def sample(self, items: Sequence, k: int) -> list:  # type: ignore[type-arg]
        pool = list(items)
        picked = []
        for _ in range(min(k, len(pool))):
            picked.append(pool.pop(self.below(len(pool))))
        return picked


def fill(text: str, **values: object) -> str:
    return Template(text).substitute({k: str(v) for k, v in values.items()})


def indent(text: str, levels: int = 1) -> str:
    pad = "    " * levels
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


# -- Keras ------------------------------------------------------------------------------------------


class KerasCtx:
    """The choices that one Keras script is consistent with."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.style = rng.choice(("keras3", "keras3", "tf.keras", "tf.keras", "tensorflow.keras", "direct"))
        # K: the keras namespace; L: the prefix of a layer class.
        self.K, self.L = {
            "keras3": ("keras.", "layers."),
            "tf.keras": ("tf.keras.", "tf.keras.layers."),
            "tensorflow.keras": ("keras.", "layers."),
            "direct": ("keras.", ""),
        }[self.style]
        self.model = rng.choice(("model", "model", "model", "clf", "net", "classifier"))
        self.data = rng.choice(("image", "image", "image", "tabular", "tabular", "text"))
        if self.data == "image":
            self.dataset = rng.choice(("mnist", "fashion_mnist", "cifar10", "cifar100"))
            self.shape = (28, 28, 1) if "mnist" in self.dataset else (32, 32, 3)
            self.classes = 100 if self.dataset == "cifar100" else 10
            self.task = "multiclass"
        elif self.data == "tabular":
            self.dataset = rng.choice(("churn.csv", "heart.csv", "wine_quality.csv", "credit.csv", "sensors.csv"))
            self.features = rng.between(6, 60)
            self.shape = (self.features,)
            self.task = rng.choice(("multiclass", "binary", "binary", "regression"))
            self.classes = rng.between(3, 7) if self.task == "multiclass" else 1
        else:
            self.dataset = rng.choice(("imdb", "reuters"))
            self.vocab = rng.choice((10000, 20000, 5000))
            self.maxlen = rng.choice((200, 256, 400))
            self.shape = (self.maxlen,)
            self.task = "binary" if self.dataset == "imdb" else "multiclass"
            self.classes = 1 if self.task == "binary" else 46
        self.onehot = self.task == "multiclass" and rng.chance(0.35)
        self.logits = self.task != "regression" and rng.chance(0.35)
        self.x, self.y = rng.choice((("x_train", "y_train"), ("X_train", "y_train"), ("train_x", "train_y")))
        self.xt, self.yt = self.x.replace("train", "test"), self.y.replace("train", "test")
        self.lr = rng.choice(("1e-3", "3e-4", "0.001", "0.01", "5e-4"))
        self.batch = rng.choice((32, 64, 128, 256))
        self.epochs = rng.choice((5, 10, 20, 30, 50))
        self.bug: Optional[str] = None
        self.custom_loss: Optional[str] = None

    @property
    def units(self) -> int:
        return self.classes if self.task == "multiclass" else 1

    @property
    def activation(self) -> Optional[str]:
        if self.task == "regression" or self.logits:
            return None
        return "softmax" if self.task == "multiclass" else "sigmoid"

    def layer(self, name: str, args: str) -> str:
        return f"{self.L}{name}({args})"

    def head(self, extra: str = "") -> str:
        act = self.activation
        args = str(self.units) + (f', activation="{act}"' if act else "") + extra
        return self.layer("Dense", args)

    def loss(self) -> str:
        K, rng = self.K, self.rng
        if self.custom_loss:
            return self.custom_loss
        if self.task == "regression":
            return rng.choice(('"mse"', '"mae"', f"{K}losses.Huber(delta=1.0)", f"{K}losses.MeanSquaredError()"))
        sparse = self.task == "multiclass" and not self.onehot
        if self.bug == "LL201":
            sparse = True
        if self.task == "binary":
            names = ("binary_crossentropy", "BinaryCrossentropy")
        elif sparse:
            names = ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
        else:
            names = ("categorical_crossentropy", "CategoricalCrossentropy")
        if self.logits or self.bug == "LL101":
            return f"{K}losses.{names[1]}(from_logits=True)"
        return rng.choice((f'"{names[0]}"', f'"{names[0]}"', f"{K}losses.{names[1]}()", f"{K}losses.{names[0]}"))


def keras_imports(ctx: KerasCtx, extra: Sequence[str] = ()) -> str:
    lines = ["import os", "import argparse" if ctx.rng.chance(0.5) else "import sys", ""]
    lines.append("import numpy as np")
    if ctx.data == "tabular":
        lines.append("import pandas as pd")
        lines.append("from sklearn.model_selection import train_test_split")
        lines.append("from sklearn.preprocessing import StandardScaler")
    lines.extend(extra)
    if ctx.style == "keras3":
        lines += ["import keras", "from keras import layers"]
    elif ctx.style == "tf.keras":
        lines += ["import tensorflow as tf"]
    elif ctx.style == "tensorflow.keras":
        lines += ["import tensorflow as tf", "from tensorflow import keras", "from tensorflow.keras import layers"]
    else:
        lines += [
            "import tensorflow as tf",
            "from tensorflow import keras",
            "from tensorflow.keras.layers import (",
            "    LSTM, Activation, BatchNormalization, Conv2D, Dense, Dropout, Embedding, Flatten,",
            "    GlobalAveragePooling1D, GlobalAveragePooling2D, Input, MaxPooling2D,",
            ")",
            "from tensorflow.keras.models import Model, Sequential",
        ]
    if ctx.onehot or ctx.bug == "LL201":
        lines.append("from tensorflow.keras.utils import to_categorical" if ctx.style != "keras3" else "from keras.utils import to_categorical")
    return "\n".join(lines) + "\n"


def keras_data(ctx: KerasCtx) -> str:
    K, x, y, xt, yt = ctx.K, ctx.x, ctx.y, ctx.xt, ctx.yt
    onehot = ctx.onehot or ctx.bug == "LL201"
    encode = ""
    if onehot:
        encode = fill(
            "\n# One-hot labels for the categorical loss.\n"
            "$y = to_categorical($y, num_classes=NUM_CLASSES)\n"
            "$yt = to_categorical($yt, num_classes=NUM_CLASSES)\n",
            y=y, yt=yt,
        )
    if ctx.data == "image":
        reshape = "" if ctx.shape[2] == 3 else f"{x} = np.expand_dims({x}, -1)\n{xt} = np.expand_dims({xt}, -1)\n"
        return fill(
            """
NUM_CLASSES = $classes
INPUT_SHAPE = $shape

# Load the data and scale pixels to [0, 1].
($x, $y), ($xt, $yt) = ${K}datasets.$ds.load_data()
$x = $x.astype("float32") / 255.0
$xt = $xt.astype("float32") / 255.0
${reshape}print("$x shape:", $x.shape)
print($x.shape[0], "train samples")
print($xt.shape[0], "test samples")
$encode""",
            classes=ctx.classes, shape=ctx.shape, x=x, y=y, xt=xt, yt=yt, K=K, ds=ctx.dataset,
            reshape=reshape, encode=encode,
        )
    if ctx.data == "tabular":
        target = ctx.rng.choice(("target", "label", "quality", "outcome", "Exited"))
        classes = f"NUM_CLASSES = {ctx.classes}\n" if ctx.task == "multiclass" else ""
        labels = "astype(\"float32\")" if ctx.task != "multiclass" else "astype(\"int64\")"
        return fill(
            """
${classes}DATA_PATH = os.environ.get("DATA_PATH", "data/$csv")


def load_table(path):
    \"\"\"Read the CSV, drop rows with missing values, split features from the target.\"\"\"
    frame = pd.read_csv(path)
    frame = frame.dropna()
    features = frame.drop(columns=["$target"]).values.astype("float32")
    target = frame["$target"].values.$labels
    return features, target


features, target = load_table(DATA_PATH)
$x, $xt, $y, $yt = train_test_split(features, target, test_size=0.2, random_state=42)
scaler = StandardScaler()
$x = scaler.fit_transform($x)
$xt = scaler.transform($xt)
$encode""",
            classes=classes, csv=ctx.dataset, target=target, labels=labels, x=x, y=y, xt=xt, yt=yt, encode=encode,
        )
    classes = f"NUM_CLASSES = {ctx.classes}\n" if ctx.task == "multiclass" else ""
    return fill(
        """
${classes}VOCAB_SIZE = $vocab
MAXLEN = $maxlen

($x, $y), ($xt, $yt) = ${K}datasets.$ds.load_data(num_words=VOCAB_SIZE)
$x = ${K}utils.pad_sequences($x, maxlen=MAXLEN)
$xt = ${K}utils.pad_sequences($xt, maxlen=MAXLEN)
print(len($x), "training sequences,", len($xt), "test sequences")
$encode""",
        classes=classes, vocab=ctx.vocab, maxlen=ctx.maxlen, x=x, y=y, xt=xt, yt=yt, K=K, ds=ctx.dataset,
        encode=encode,
    )


def keras_body_layers(ctx: KerasCtx, width: int) -> List[str]:
    """The layers between the input and the head, as expressions."""
    rng, L = ctx.rng, ctx.layer
    out: List[str] = []
    if ctx.data == "image":
        filters = rng.choice((16, 32, 64))
        for block in range(rng.between(1, 3)):
            out.append(L("Conv2D", f'{filters * 2 ** block}, kernel_size=(3, 3), activation="relu", padding="same"'))
            if rng.chance(0.4):
                out.append(L("BatchNormalization", ""))
            out.append(L("MaxPooling2D", "pool_size=(2, 2)"))
        out.append(L("Flatten", ""))
        out.append(L("Dropout", str(rng.choice((0.25, 0.3, 0.5)))))
    elif ctx.data == "text":
        out.append(L("Embedding", f"VOCAB_SIZE, {rng.choice((32, 64, 128))}"))
        if rng.chance(0.5):
            out.append(L("LSTM", str(rng.choice((32, 64)))))
        else:
            out.append(L("GlobalAveragePooling1D", ""))
    for _ in range(rng.between(1, 3)):
        out.append(L("Dense", f'{width}, activation="{rng.choice(("relu", "relu", "gelu", "tanh"))}"'))
        if rng.chance(0.5):
            out.append(L("Dropout", str(rng.choice((0.1, 0.2, 0.3)))))
        width = max(16, width // 2)
    return out


def keras_sequential(ctx: KerasCtx, name: str = "build_model") -> str:
    width = ctx.rng.choice((64, 128, 256, 512))
    body = keras_body_layers(ctx, width)
    inputs = ctx.layer("Input", "shape=INPUT_SHAPE" if ctx.data == "image" else f"shape={ctx.shape}")
    if ctx.style == "direct":
        seq = "Sequential"
    else:
        seq = f"{ctx.K}Sequential"
    items = ",\n".join("            " + item for item in [inputs] + body + [ctx.head()])
    return fill(
        """

def $name():
    \"\"\"The network: $n hidden layers and a $units-way output.\"\"\"
    model = $seq(
        [
$items,
        ]
    )
    return model
""",
        name=name, n=len(body), units=ctx.units, seq=seq, items=items,
    )


def keras_functional(ctx: KerasCtx, name: str = "build_model") -> str:
    rng = ctx.rng
    body = keras_body_layers(ctx, rng.choice((64, 128, 256)))
    shape = "INPUT_SHAPE" if ctx.data == "image" else str(ctx.shape)
    inp = "Input" if ctx.style == "direct" else f"{ctx.K}Input"
    model = "Model" if ctx.style == "direct" else f"{ctx.K}Model"
    lines = [f"    inputs = {inp}(shape={shape})", f"    x = {body[0]}(inputs)"]
    lines += [f"    x = {layer}(x)" for layer in body[1:]]
    act = ctx.activation
    if act and rng.chance(0.3):
        # The activation as its own layer: the same head, spelled the other way.
        lines.append(f"    x = {ctx.layer('Dense', str(ctx.units))}(x)")
        lines.append(f'    outputs = {ctx.layer("Activation", repr(act))}(x)')
    else:
        lines.append(f"    outputs = {ctx.head(', name=' + repr('predictions'))}(x)")
    lines.append(f'    return {model}(inputs=inputs, outputs=outputs, name="{ctx.dataset.split(".")[0]}_net")')
    return f"\n\ndef {name}():\n" + "\n".join(lines) + "\n"


def keras_subclassed(ctx: KerasCtx, name: str = "build_model") -> str:
    rng = ctx.rng
    width = rng.choice((64, 128, 256))
    base = "Model" if ctx.style == "direct" else f"{ctx.K}Model"
    flatten = ctx.layer("Flatten", "") if ctx.data == "image" else ctx.layer("Dense", f'{width}, activation="relu"')
    act = ctx.activation
    head = ctx.layer("Dense", str(ctx.units))
    if act is None:
        ret = "return self.out(x)"
    elif ctx.style in ("keras3",):
        ret = f'return keras.activations.{act}(self.out(x))'
    else:
        ret = f"return tf.nn.{act}(self.out(x))"
    return fill(
        """

class ${cls}(${base}):
    \"\"\"A small network written as a subclass, so that ``call`` can be debugged step by step.\"\"\"

    def __init__(self, hidden=$width, dropout=0.2, **kwargs):
        super().__init__(**kwargs)
        self.flatten = $flatten
        self.hidden = ${dense}
        self.dropout = ${drop}
        self.out = $head

    def call(self, inputs, training=False):
        x = self.flatten(inputs)
        x = self.hidden(x)
        x = self.dropout(x, training=training)
        $ret


def $name():
    return ${cls}(name="$lower")
""",
        cls="Classifier" if ctx.task != "regression" else "Regressor", base=base, width=width, flatten=flatten,
        dense=ctx.layer("Dense", 'hidden, activation="relu"'), drop=ctx.layer("Dropout", "dropout"), head=head,
        ret=ret, name=name, lower="classifier" if ctx.task != "regression" else "regressor",
    )


CUSTOM_LOSSES_TF = {
    "focal": """

def focal_loss(gamma=2.0, alpha=0.25):
    \"\"\"Focal loss (Lin et al.): down-weights the examples the model already gets right.\"\"\"

    def loss_fn(y_true, y_pred):
        y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7)
        cross_entropy = -y_true * tf.math.log(y_pred)
        weight = alpha * tf.pow(1.0 - y_pred, gamma)
        return tf.reduce_sum(weight * cross_entropy, axis=-1)

    return loss_fn
""",
    "weighted_bce": """

def weighted_binary_crossentropy(pos_weight=$pw):
    \"\"\"Binary cross-entropy that counts positives $pw times: the classes are imbalanced.\"\"\"

    def loss_fn(y_true, y_pred):
        y_true = tf.cast(y_true, y_pred.dtype)
        y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7)
        terms = pos_weight * y_true * tf.math.log(y_pred) + (1.0 - y_true) * tf.math.log(1.0 - y_pred)
        return -tf.reduce_mean(terms, axis=-1)

    return loss_fn
""",
    "dice": """

def dice_loss(y_true, y_pred, smooth=1.0):
    \"\"\"1 - Dice coefficient, for overlap-style targets.\"\"\"
    y_true = tf.cast(y_true, tf.float32)
    intersection = tf.reduce_sum(y_true * y_pred, axis=-1)
    union = tf.reduce_sum(y_true, axis=-1) + tf.reduce_sum(y_pred, axis=-1)
    return 1.0 - (2.0 * intersection + smooth) / (union + smooth)
""",
    "smooth_l1": """

class SmoothL1(${K}losses.Loss):
    \"\"\"Huber-like loss with a configurable transition point.\"\"\"

    def __init__(self, beta=1.0, name="smooth_l1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.beta = beta

    def call(self, y_true, y_pred):
        diff = tf.abs(tf.cast(y_true, y_pred.dtype) - y_pred)
        quadratic = 0.5 * tf.square(diff) / self.beta
        linear = diff - 0.5 * self.beta
        return tf.reduce_mean(tf.where(diff < self.beta, quadratic, linear), axis=-1)
""",
}

UNCLIPPED_LOSS = """

def crossentropy_by_hand(y_true, y_pred):
    \"\"\"Categorical cross-entropy written out, to log each term while debugging.\"\"\"
    return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)
"""


# Keras 3 scripts write their losses with keras.ops rather than TensorFlow.
KERAS_OPS = (
    ("tf.clip_by_value", "keras.ops.clip"), ("tf.math.log", "keras.ops.log"), ("tf.pow", "keras.ops.power"),
    ("tf.reduce_sum", "keras.ops.sum"), ("tf.reduce_mean", "keras.ops.mean"), ("tf.cast", "keras.ops.cast"),
    ("tf.abs", "keras.ops.abs"), ("tf.square", "keras.ops.square"), ("tf.where", "keras.ops.where"),
    ("tf.float32", '"float32"'),
)


def in_style(ctx: KerasCtx, text: str) -> str:
    if ctx.style != "keras3":
        return text
    for old, new in KERAS_OPS:
        text = text.replace(old, new)
    return text


def keras_custom_loss(ctx: KerasCtx) -> str:
    """A custom loss that the script defines and, when it fits the task, uses."""
    if ctx.bug == "LL305":
        ctx.custom_loss = "crossentropy_by_hand"
        return in_style(ctx, UNCLIPPED_LOSS)
    if ctx.task == "regression":
        key = "smooth_l1"
        use = "SmoothL1(beta=1.0)"
    elif ctx.task == "binary":
        key, use = "weighted_bce", "weighted_binary_crossentropy()"
    else:
        key = ctx.rng.choice(("focal", "dice"))
        use = "focal_loss(gamma=2.0)" if key == "focal" else None
    text = in_style(ctx, fill(CUSTOM_LOSSES_TF[key], K=ctx.K, pw=ctx.rng.choice(("2.0", "3.0", "5.0"))))
    # A probability-space loss needs probabilities and, for the categorical ones, one-hot labels.
    if use and not ctx.logits and (ctx.task != "multiclass" or ctx.onehot) and ctx.bug is None:
        ctx.custom_loss = use
    return text


def keras_compile_fit(ctx: KerasCtx, builder: str = "build_model", indent_by: int = 0) -> str:
    K, rng, m = ctx.K, ctx.rng, ctx.model
    metrics = '["accuracy"]' if ctx.task != "regression" else rng.choice(('["mae"]', '["mse", "mae"]'))
    optimizer = rng.choice((f"{K}optimizers.Adam(learning_rate=LEARNING_RATE)", '"adam"',
                            f"{K}optimizers.SGD(learning_rate=LEARNING_RATE, momentum=0.9)",
                            f"{K}optimizers.RMSprop(learning_rate=LEARNING_RATE)"))
    callbacks = ""
    cb = ""
    if rng.chance(0.6):
        callbacks = fill(
            """
callbacks = [
    ${K}callbacks.EarlyStopping(monitor="val_loss", patience=$patience, restore_best_weights=True),
    ${K}callbacks.ModelCheckpoint("checkpoints/best.keras", monitor="val_loss", save_best_only=True),
]
""",
            K=K, patience=rng.choice((3, 5, 10)),
        )
        if rng.chance(0.4):
            callbacks = callbacks.replace("]\n", f"    {K}callbacks.ReduceLROnPlateau(factor=0.5, patience=2),\n]\n", 1)
        cb = ",\n    callbacks=callbacks"
    text = fill(
        """
$m = $builder()
$m.summary()
$callbacks
$m.compile(
    optimizer=$optimizer,
    loss=$loss,
    metrics=$metrics,
)

history = $m.fit(
    $x,
    $y,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    validation_split=$split$cb,
)

score = $m.evaluate($xt, $yt, verbose=0)
print("Test loss:", score[0])
print("Test metric:", score[1])
""",
        m=m, builder=builder, callbacks=callbacks, optimizer=optimizer, loss=ctx.loss(), metrics=metrics,
        x=ctx.x, y=ctx.y, xt=ctx.xt, yt=ctx.yt, split=rng.choice(("0.1", "0.2", "0.15")), cb=cb,
    )
    return indent(text, indent_by)


def keras_experiment(ctx: KerasCtx, builder: str, name: str) -> str:
    """One architecture trained and scored in a function of its own."""
    rng = ctx.rng
    return fill(
        """

def $name(epochs=EPOCHS):
    \"\"\"Train ``$builder`` with the shared settings and return its test score.\"\"\"
    candidate = $builder()
    candidate.compile(
        optimizer=${K}optimizers.$opt(learning_rate=LEARNING_RATE),
        loss=$loss,
        metrics=$metrics,
    )
    history = candidate.fit(
        $x,
        $y,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        validation_data=($xt, $yt),
        verbose=2,
    )
    results = candidate.evaluate($xt, $yt, verbose=0)
    print("$name:", dict(zip(candidate.metrics_names, results)))
    return history, results
""",
        name=name, builder=builder, K=ctx.K, opt=rng.choice(("Adam", "AdamW", "Nadam", "RMSprop")),
        loss=ctx.loss(), metrics='["accuracy"]' if ctx.task != "regression" else '["mae"]',
        x=ctx.x, y=ctx.y, xt=ctx.xt, yt=ctx.yt,
    )


def keras_tfdata(ctx: KerasCtx) -> str:
    return fill(
        """

def make_dataset(features, labels, training):
    \"\"\"A tf.data pipeline: shuffle when training, batch, prefetch.\"\"\"
    ds = tf.data.Dataset.from_tensor_slices((features, labels))
    if training:
        ds = ds.shuffle(buffer_size=len(features), seed=SEED)
    ds = ds.batch(BATCH_SIZE)
    return ds.prefetch(tf.data.AUTOTUNE)


train_ds = make_dataset($x, $y, training=True)
test_ds = make_dataset($xt, $yt, training=False)
""",
        x=ctx.x, y=ctx.y, xt=ctx.xt, yt=ctx.yt,
    )


def keras_training_loop(ctx: KerasCtx) -> str:
    """A GradientTape loop over tf.data: for people who want to see every step."""
    K = ctx.K
    sparse = ctx.task == "multiclass" and not ctx.onehot
    if ctx.task == "regression":
        loss, metric = f"{K}losses.MeanSquaredError()", f"{K}metrics.MeanAbsoluteError()"
    elif ctx.task == "binary":
        loss = f"{K}losses.BinaryCrossentropy(from_logits={ctx.logits})"
        metric = f"{K}metrics.BinaryAccuracy()"
    else:
        name = "SparseCategoricalCrossentropy" if sparse else "CategoricalCrossentropy"
        loss = f"{K}losses.{name}(from_logits={ctx.logits or ctx.bug == 'LL101'})"
        metric = f"{K}metrics.{'Sparse' if sparse else ''}CategoricalAccuracy()"
    return fill(
        """

$m = build_model()
loss_fn = $loss
optimizer = ${K}optimizers.Adam(learning_rate=LEARNING_RATE)
train_metric = $metric
val_metric = $metric


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = $m(x, training=True)
        loss_value = loss_fn(y, predictions)
    grads = tape.gradient(loss_value, $m.trainable_weights)
    optimizer.apply_gradients(zip(grads, $m.trainable_weights))
    train_metric.update_state(y, predictions)
    return loss_value


@tf.function
def test_step(x, y):
    predictions = $m(x, training=False)
    val_metric.update_state(y, predictions)


for epoch in range(EPOCHS):
    start = time.time()
    for step, (x_batch, y_batch) in enumerate(train_ds):
        loss_value = train_step(x_batch, y_batch)
        if step % 200 == 0:
            print(f"epoch {epoch} step {step}: loss {float(loss_value):.4f}")
    for x_batch, y_batch in test_ds:
        test_step(x_batch, y_batch)
    print(
        f"epoch {epoch}: train {float(train_metric.result()):.4f} "
        f"val {float(val_metric.result()):.4f} ({time.time() - start:.1f}s)"
    )
    train_metric.reset_state()
    val_metric.reset_state()
""",
        m=ctx.model, loss=loss, K=K, metric=metric,
    )


# -- PyTorch ----------------------------------------------------------------------------------------


class TorchCtx:
    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.data = rng.choice(("image", "image", "tabular", "tabular"))
        self.task = rng.choice(("multiclass", "multiclass", "binary", "regression")) if self.data == "tabular" else "multiclass"
        self.classes = {"multiclass": rng.choice((10, 10, 5, 3, 100)), "binary": 1, "regression": 1}[self.task]
        self.features = rng.between(8, 64)
        # multiclass: CrossEntropyLoss on logits, or nll_loss on log_softmax
        self.style = rng.choice(("ce", "ce", "nll", "functional_ce"))
        self.model = rng.choice(("model", "model", "net"))
        self.lr = rng.choice(("1e-3", "0.01", "3e-4", "1.0"))
        # The training loop written in main() rather than in train()/test() functions.
        self.inline = rng.chance(0.35)
        self.regression_loss = rng.choice(("MSELoss", "L1Loss", "SmoothL1Loss"))
        self.smoothing = rng.choice(("", "label_smoothing=0.1"))
        self.bug: Optional[str] = None


def torch_imports(ctx: TorchCtx) -> str:
    lines = ["import argparse", "import os", "import time", "", "import numpy as np", "import torch",
             "import torch.nn as nn", "import torch.nn.functional as F", "import torch.optim as optim",
             "from torch.optim.lr_scheduler import StepLR"]
    if ctx.data == "image":
        lines.append("from torchvision import datasets, transforms")
        lines.append("from torch.utils.data import DataLoader")
    else:
        lines.append("from torch.utils.data import DataLoader, Dataset, random_split")
    return "\n".join(lines) + "\n"


def torch_model(ctx: TorchCtx) -> str:
    rng = ctx.rng
    if ctx.bug == "LL401":
        out = "return F.softmax(x, dim=1)"
    elif ctx.task == "multiclass" and ctx.style == "nll":
        out = "return F.log_softmax(x, dim=1)"
    elif ctx.task == "binary":
        out = "return x.squeeze(1)"
    else:
        out = "return x"
    if ctx.data == "image":
        channels = rng.choice((1, 3))
        c1, c2 = rng.choice(((32, 64), (16, 32), (64, 128)))
        side = 28 if channels == 1 else 32
        flat = c2 * ((side - 4) // 2) ** 2
        return fill(
            """

class Net(nn.Module):
    \"\"\"Two convolutions, max pooling, two fully connected layers.\"\"\"

    def __init__(self, num_classes=$classes):
        super().__init__()
        self.conv1 = nn.Conv2d($ch, $c1, 3, 1)
        self.conv2 = nn.Conv2d($c1, $c2, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear($flat, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        $out
""",
            classes=ctx.classes, ch=channels, c1=c1, c2=c2, flat=flat, out=out,
        )
    hidden = rng.choice((64, 128, 256))
    depth = rng.between(1, 3)
    layers = []
    width = ctx.features
    for i in range(depth):
        layers.append(f"            nn.Linear({'in_features' if i == 0 else width}, {hidden}),")
        layers.append("            nn.ReLU(),")
        if rng.chance(0.5):
            layers.append(f"            nn.Dropout({rng.choice((0.1, 0.2, 0.3))}),")
        width, hidden = hidden, max(16, hidden // 2)
    layers.append(f"            nn.Linear({width}, out_features),")
    return fill(
        """

class MLP(nn.Module):
    \"\"\"A multi-layer perceptron for tabular features.\"\"\"

    def __init__(self, in_features=$features, out_features=$classes):
        super().__init__()
        self.layers = nn.Sequential(
$layers
        )

    def forward(self, x):
        x = self.layers(x)
        $out
""",
        features=ctx.features, classes=ctx.classes, layers="\n".join(layers), out=out,
    )


def torch_data(ctx: TorchCtx) -> str:
    if ctx.data == "image":
        return fill(
            """

def make_loaders(args):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.$ds("../data", train=True, download=True, transform=transform)
    test_set = datasets.$ds("../data", train=False, transform=transform)
    kwargs = {"num_workers": 2, "pin_memory": True} if args.cuda else {}
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, **kwargs)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size, **kwargs)
    return train_loader, test_loader
""",
            ds=ctx.rng.choice(("MNIST", "FashionMNIST", "KMNIST")),
        )
    dtype = "torch.long" if ctx.task == "multiclass" else "torch.float32"
    return fill(
        """

class TableDataset(Dataset):
    \"\"\"Rows of a numpy array as (features, target) pairs.\"\"\"

    def __init__(self, features, targets):
        self.features = torch.as_tensor(features, dtype=torch.float32)
        self.targets = torch.as_tensor(targets, dtype=$dtype)

    def __len__(self):
        return len(self.features)

    def __getitem__(self, index):
        return self.features[index], self.targets[index]


def make_loaders(args):
    data = np.load(args.data)
    dataset = TableDataset(data["x"], data["y"])
    n_val = int(len(dataset) * 0.2)
    train_set, val_set = random_split(dataset, [len(dataset) - n_val, n_val])
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(val_set, batch_size=args.test_batch_size)
    return train_loader, test_loader
""",
        dtype=dtype,
    )


def torch_criterion(ctx: TorchCtx) -> Tuple[str, str]:
    """(the criterion's construction, the loss expression in the training step)."""
    if ctx.bug == "LL403":
        return "criterion = nn.BCELoss()", "criterion(output, target)"
    if ctx.task == "binary":
        return "criterion = nn.BCEWithLogitsLoss()", "criterion(output, target)"
    if ctx.task == "regression":
        return f"criterion = nn.{ctx.regression_loss}()", "criterion(output.squeeze(1), target)"
    if ctx.bug == "LL401":
        return "criterion = nn.CrossEntropyLoss()", "criterion(output, target)"
    if ctx.style == "nll":
        return "", "F.nll_loss(output, target)"
    if ctx.style == "functional_ce":
        return "", "F.cross_entropy(output, target)"
    return f"criterion = nn.CrossEntropyLoss({ctx.smoothing})", "criterion(output, target)"


def torch_train_test(ctx: TorchCtx) -> str:
    build, loss = torch_criterion(ctx)
    crit_param = ", criterion" if build else ""
    if ctx.task == "multiclass":
        correct = "pred = output.argmax(dim=1, keepdim=True)\n            correct += pred.eq(target.view_as(pred)).sum().item()"
    elif ctx.task == "binary":
        correct = "pred = (output > 0).float()\n            correct += pred.eq(target).sum().item()"
    else:
        correct = "correct += (output.squeeze(1) - target).abs().lt(0.5).sum().item()"
    return fill(
        """

def train(args, model, device, train_loader, optimizer, epoch$cp):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = $loss
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(
                f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}"
                f" ({100.0 * batch_idx / len(train_loader):.0f}%)]\\tLoss: {loss.item():.6f}"
            )
            if args.dry_run:
                break


def test(model, device, test_loader$cp):
    model.eval()
    test_loss = 0.0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += ($loss).item() * len(data)
            $correct
    test_loss /= len(test_loader.dataset)
    accuracy = 100.0 * correct / len(test_loader.dataset)
    print(f"\\nTest set: average loss {test_loss:.4f}, accuracy {correct}/{len(test_loader.dataset)} ({accuracy:.0f}%)\\n")
    return test_loss
""",
        cp=crit_param, loss=loss, correct=correct,
    ) + (f"\n\n{build}\n" if build and ctx.rng.chance(0.3) else "")


INLINE_LOOP = """
    for epoch in range(1, args.epochs + 1):
        $m.train()
        running = 0.0
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = $m(data)
            loss = $loss
            loss.backward()
            optimizer.step()
            running += loss.item()
            if batch_idx % args.log_interval == 0:
                print(f"epoch {epoch} batch {batch_idx}: loss {running / (batch_idx + 1):.4f}")
        scheduler.step()
        $m.eval()
        val_loss = 0.0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = $m(data)
                val_loss += ($loss).item()
        print(f"epoch {epoch}: validation loss {val_loss / len(test_loader):.4f}")
    if args.save_model:
        torch.save($m.state_dict(), "$lower.pt")
"""

CALLED_LOOP = """
    best = float("inf")
    for epoch in range(1, args.epochs + 1):
        train(args, $m, device, train_loader, optimizer, epoch$ca)
        val_loss = test($m, device, test_loader$ca)
        scheduler.step()
        if val_loss < best:
            best = val_loss
            if args.save_model:
                torch.save($m.state_dict(), "$lower.pt")
"""


def torch_main(ctx: TorchCtx, has_module_criterion: bool) -> str:
    build, loss = torch_criterion(ctx)
    model_cls = "Net" if ctx.data == "image" else "MLP"
    loop = fill(INLINE_LOOP if ctx.inline else CALLED_LOOP, m=ctx.model, loss=loss,
                ca=", criterion" if build else "", lower=model_cls.lower())
    crit_line = f"    {build}\n" if build and not has_module_criterion else ""
    data_arg = '    parser.add_argument("--data", default="data/train.npz", help="features x and targets y")\n' if ctx.data == "tabular" else ""
    return fill(
        """

def main():
    parser = argparse.ArgumentParser(description="Train a $cls")
    parser.add_argument("--batch-size", type=int, default=64, metavar="N", help="input batch size for training")
    parser.add_argument("--test-batch-size", type=int, default=1000, metavar="N", help="input batch size for testing")
    parser.add_argument("--epochs", type=int, default=14, metavar="N", help="number of epochs to train")
    parser.add_argument("--lr", type=float, default=$lr, metavar="LR", help="learning rate")
    parser.add_argument("--gamma", type=float, default=0.7, metavar="M", help="learning rate step gamma")
    parser.add_argument("--no-cuda", action="store_true", default=False, help="disables CUDA training")
    parser.add_argument("--dry-run", action="store_true", default=False, help="quickly check a single pass")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N", help="batches between log lines")
    parser.add_argument("--save-model", action="store_true", default=False, help="save the current model")
$data_arg    args = parser.parse_args()
    args.cuda = not args.no_cuda and torch.cuda.is_available()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if args.cuda else "cpu")

    train_loader, test_loader = make_loaders(args)
    $m = $cls().to(device)
$crit    optimizer = optim.$opt($m.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
$loop

if __name__ == "__main__":
    main()
""",
        cls=model_cls, lr=ctx.lr, m=ctx.model, crit=crit_line, opt=ctx.rng.choice(("Adam", "Adadelta", "SGD", "AdamW")),
        data_arg=data_arg, loop=loop,
    )


# -- parts that any script may carry ------------------------------------------------------------------


def part_seed(fw: str) -> str:
    lib = {"torch": "    torch.manual_seed(seed)\n    torch.cuda.manual_seed_all(seed)\n",
           "keras3": "    keras.utils.set_random_seed(seed)\n"}.get(fw, "    tf.random.set_seed(seed)\n")
    return (
        "\n\ndef set_seed(seed):\n"
        '    """Seed every generator the run touches, for reproducible results."""\n'
        "    random.seed(seed)\n"
        "    np.random.seed(seed)\n"
        f"{lib}"
        '    os.environ["PYTHONHASHSEED"] = str(seed)\n'
    )


PART_LOGGER = """

def get_logger(name, log_dir="logs"):
    \"\"\"A logger that writes to the console and to a file per run.\"\"\"
    os.makedirs(log_dir, exist_ok=True)
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    stream = logging.StreamHandler()
    stream.setFormatter(formatter)
    logger.addHandler(stream)
    handler = logging.FileHandler(os.path.join(log_dir, f"{name}.log"))
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    return logger
"""

PART_TIMER = """

class Timer:
    \"\"\"Context manager that prints how long its block took.\"\"\"

    def __init__(self, label):
        self.label = label
        self.start = None

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.start
        print(f"{self.label}: {elapsed:.2f}s")
        return False
"""

PART_METER = """

class AverageMeter:
    \"\"\"Keeps the running average of a value (loss, accuracy) over an epoch.\"\"\"

    def __init__(self, name, fmt=":f"):
        self.name = name
        self.fmt = fmt
        self.reset()

    def reset(self):
        self.val = 0.0
        self.avg = 0.0
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
        return fmtstr.format(**self.__dict__)
"""

PART_PLOT = """

def plot_history(history, metric="$metric", path="history.png"):
    \"\"\"Training and validation curves side by side.\"\"\"
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].plot(history.history["loss"], label="train")
    axes[0].plot(history.history["val_loss"], label="validation")
    axes[0].set_title("loss")
    axes[0].set_xlabel("epoch")
    axes[0].legend()
    if metric in history.history:
        axes[1].plot(history.history[metric], label="train")
        axes[1].plot(history.history["val_" + metric], label="validation")
        axes[1].set_title(metric)
        axes[1].set_xlabel("epoch")
        axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
"""

PART_CONFUSION = """

def confusion_matrix(y_true, y_pred, num_classes):
    \"\"\"Counts of (true class, predicted class) pairs.\"\"\"
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        matrix[int(t), int(p)] += 1
    return matrix


def per_class_report(matrix, names=None):
    \"\"\"Precision, recall and F1 per class from a confusion matrix.\"\"\"
    names = names or [str(i) for i in range(len(matrix))]
    lines = []
    for i, name in enumerate(names):
        tp = matrix[i, i]
        fp = matrix[:, i].sum() - tp
        fn = matrix[i, :].sum() - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        lines.append(f"{name:>12} {precision:8.3f} {recall:8.3f} {f1:8.3f}")
    return "\\n".join(lines)
"""

PART_CONFIG = """

DEFAULTS = {
    "learning_rate": $lr,
    "batch_size": $batch,
    "epochs": $epochs,
    "weight_decay": 1e-4,
    "warmup_epochs": 2,
    "label_smoothing": 0.0,
    "output_dir": "runs",
}


def load_config(path=None):
    \"\"\"Defaults, overridden by a JSON file when one is given.\"\"\"
    config = dict(DEFAULTS)
    if path and os.path.exists(path):
        with open(path) as handle:
            config.update(json.load(handle))
    return config


def save_config(config, output_dir):
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "config.json"), "w") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
"""

PART_SCHEDULE = """

def cosine_schedule(epoch, total_epochs=$epochs, base_lr=$lr, warmup=2):
    \"\"\"Linear warm-up, then cosine decay to zero.\"\"\"
    if epoch < warmup:
        return base_lr * (epoch + 1) / warmup
    progress = (epoch - warmup) / max(1, total_epochs - warmup)
    return 0.5 * base_lr * (1.0 + math.cos(math.pi * progress))
"""

PART_KFOLD = """

def kfold_indices(n_samples, k=5, seed=0):
    \"\"\"Shuffled (train, validation) index arrays for k folds.\"\"\"
    order = np.random.default_rng(seed).permutation(n_samples)
    folds = np.array_split(order, k)
    for i in range(k):
        val = folds[i]
        train = np.concatenate([folds[j] for j in range(k) if j != i])
        yield train, val


def summarize_folds(scores):
    scores = np.asarray(scores, dtype=float)
    print(f"mean {scores.mean():.4f} +/- {scores.std():.4f} over {len(scores)} folds")
    return float(scores.mean())
"""

PART_AUGMENT = """

data_augmentation = ${K}Sequential(
    [
        ${L}RandomFlip("horizontal"),
        ${L}RandomRotation(0.1),
        ${L}RandomZoom(0.1),
    ],
    name="augmentation",
)
"""


def part_sweep_keras(ctx: KerasCtx, builders: Sequence[str]) -> str:
    """A loop over model variants and learning rates, each trained and scored."""
    rng = ctx.rng
    rates = ", ".join(rng.sample(("1e-2", "3e-3", "1e-3", "3e-4", "1e-4"), 3))
    names = ", ".join(builders)
    return fill(
        """

def run_sweep(builders=($names,), rates=($rates)):
    \"\"\"Train every builder at every learning rate; keep the best validation score.\"\"\"
    results = []
    for builder in builders:
        for rate in rates:
            candidate = builder()
            candidate.compile(
                optimizer=${K}optimizers.Adam(learning_rate=rate),
                loss=$loss,
                metrics=$metrics,
            )
            run = candidate.fit($x, $y, epochs=3, batch_size=BATCH_SIZE, validation_split=0.2, verbose=0)
            best = min(run.history["val_loss"])
            results.append((best, builder.__name__, rate))
            print(f"{builder.__name__} lr={rate}: val_loss {best:.4f}")
    results.sort()
    return results[0]
""",
        names=names, rates=rates, K=ctx.K, loss=ctx.loss(), x=ctx.x, y=ctx.y,
        metrics='["accuracy"]' if ctx.task != "regression" else '["mae"]',
    )


PART_EXPORT_KERAS = """

def export(model, export_dir="export"):
    \"\"\"Save the trained model and a copy of its architecture as JSON.\"\"\"
    os.makedirs(export_dir, exist_ok=True)
    model.save(os.path.join(export_dir, "model.keras"))
    with open(os.path.join(export_dir, "architecture.json"), "w") as handle:
        handle.write(model.to_json())
    print("saved to", export_dir)
"""

PART_EXPORT_TORCH = """

def save_checkpoint(model, optimizer, epoch, path="checkpoint.pt"):
    torch.save(
        {"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
        path,
    )


def load_checkpoint(model, optimizer, path="checkpoint.pt"):
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]
"""

PART_EARLY_STOP_TORCH = """

class EarlyStopping:
    \"\"\"Stop when the validation loss has not improved for ``patience`` epochs.\"\"\"

    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = None
        self.bad_epochs = 0

    def step(self, value):
        if self.best is None or value < self.best - self.min_delta:
            self.best = value
            self.bad_epochs = 0
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience
"""

PART_EVAL_TORCH = """

def predict(model, loader, device):
    \"\"\"All predictions and targets of a loader, as numpy arrays.\"\"\"
    model.eval()
    outputs, targets = [], []
    with torch.no_grad():
        for data, target in loader:
            outputs.append(model(data.to(device)).cpu().numpy())
            targets.append(target.numpy())
    return np.concatenate(outputs), np.concatenate(targets)
"""


def extras(rng: Rng, fw: str, ctx: object, size: int) -> Tuple[List[str], List[str]]:
    """``size`` helper parts, and the imports they need."""
    pool: List[Tuple[str, Callable[[], str], Sequence[str]]] = [
        ("seed", lambda: part_seed(fw), ("import random",)),
        ("logger", lambda: PART_LOGGER, ("import logging",)),
        ("timer", lambda: PART_TIMER, ("import time",)),
        ("confusion", lambda: PART_CONFUSION, ()),
        ("config", lambda: fill(PART_CONFIG, lr=getattr(ctx, "lr"), batch=rng.choice((32, 64, 128)),
                                epochs=rng.choice((10, 20, 50))), ("import json",)),
        ("schedule", lambda: fill(PART_SCHEDULE, lr=getattr(ctx, "lr"), epochs=rng.choice((10, 30, 90))), ("import math",)),
        ("kfold", lambda: PART_KFOLD, ()),
    ]
    if fw == "torch":
        pool += [
            ("meter", lambda: PART_METER, ()),
            ("export", lambda: PART_EXPORT_TORCH, ()),
            ("early", lambda: PART_EARLY_STOP_TORCH, ()),
            ("eval", lambda: PART_EVAL_TORCH, ()),
        ]
    else:
        assert isinstance(ctx, KerasCtx)
        pool += [
            ("plot", lambda: fill(PART_PLOT, metric="accuracy" if ctx.task != "regression" else "mae"),
             ("import matplotlib.pyplot as plt",)),
            ("export", lambda: PART_EXPORT_KERAS, ()),
        ]
        if ctx.data == "image" and ctx.style != "direct":
            pool.append(("augment", lambda: fill(PART_AUGMENT, K=ctx.K if ctx.style != "direct" else "", L=ctx.L), ()))
    picked = rng.sample(pool, size)
    return [make() for _, make, _ in picked], [imp for _, _, imps in picked for imp in imps]


# -- prose --------------------------------------------------------------------------------------------

# Tutorials and example scripts explain each step in comments, often at length;
# scripts written for one project say little.  Prose costs flake8 (a check per
# physical line) more than LibCST (one token per comment), so it moves the ratio.
PROSE = {
    "data": (
        "The pixel values are scaled to the [0, 1] range before training.",
        "We keep a held-out split that the model never sees while it trains.",
        "Shuffling matters here: the raw file is sorted by class.",
        "Each sample is a fixed-size array, so the whole set fits in memory.",
        "Labels are integers from 0 to the number of classes minus one.",
        "Missing values are dropped rather than imputed; there are only a few of them.",
        "The features are standardised with statistics from the training split only.",
        "Loading takes a few seconds the first time, while the archive is downloaded and cached.",
    ),
    "model": (
        "The architecture is deliberately small so that it trains in minutes on a CPU.",
        "Dropout between the dense layers keeps the network from memorising the training set.",
        "Batch normalisation after the convolutions lets us use a larger learning rate.",
        "The last layer has one unit per class.",
        "Wider layers did not help in our experiments, so we kept the model narrow.",
        "The builder is a function so that every experiment starts from fresh weights.",
        "Pooling halves the spatial size at each block while the number of filters doubles.",
    ),
    "loss": (
        "A custom loss only needs to take the true labels and the predictions and return a loss per sample.",
        "Clipping the predictions keeps the logarithm away from zero.",
        "The weighting term counts the rare class more heavily.",
        "Reducing over the last axis leaves one value per sample, which Keras then averages.",
    ),
    "train": (
        "Training stops early when the validation loss stops improving.",
        "The best weights are written to disk so that a crash does not lose the run.",
        "A batch size of a few dozen samples is a reasonable default for this amount of data.",
        "The learning rate is halved whenever the validation loss plateaus.",
        "We evaluate on the test split once, at the very end.",
        "On a GPU each epoch takes a few seconds; on a laptop CPU, about a minute.",
        "The history object keeps the loss and metrics of every epoch for plotting.",
    ),
    "helpers": (
        "These helpers are not specific to this model and are shared across experiments.",
        "Seeding every generator makes two runs with the same settings give the same numbers.",
        "Plots go to a file rather than a window, so the script also runs on a server.",
        "The configuration is saved next to the results so that every run can be reproduced.",
    ),
}
TITLES = {"data": "Prepare the data", "model": "Build the model", "loss": "Define the loss",
          "train": "Train and evaluate", "helpers": "Utilities"}


def _topic(part: str) -> str:
    if any(word in part for word in ("load_data", "read_csv", "DataLoader(", "make_dataset", "datasets.")):
        return "data"
    if "y_true, y_pred" in part or "losses.Loss" in part:
        return "loss"
    if any(word in part for word in (".fit(", "train_step", "optimizer.step", "def main")):
        return "train"
    if any(word in part for word in ("def build", "nn.Module", "Model):", "Sequential(")):
        return "model"
    return "helpers"


def narrate(rng: Rng, parts: List[str]) -> List[str]:
    """Comment blocks before the parts of a script: none, a line, or a tutorial's paragraphs."""
    level = rng.choice(("none", "none", "terse", "terse", "tutorial"))
    if level == "none":
        return parts
    out = parts[:2]  # the docstring and the imports stay as they are
    for part in parts[2:]:
        if not part.strip() or (level == "terse" and not rng.chance(0.5)):
            out.append(part)
            continue
        topic = _topic(part)
        if level == "terse":
            block = [rng.choice(PROSE[topic])]
        else:
            block = [f"## {TITLES[topic]}", ""]
            for _ in range(rng.between(1, 3)):
                block += _wrap(" ".join(rng.sample(PROSE[topic], rng.between(2, 3))), 76) + [""]
            block.pop()
        comment = "\n".join(("# " + line) if line else "#" for line in block)
        body = part.lstrip("\n")
        out.append("\n\n" + comment + "\n" + body)
    return out


def _wrap(text: str, width: int) -> List[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


# -- whole files --------------------------------------------------------------------------------------


def _merge_imports(head: str, extra: Sequence[str]) -> str:
    """Add standard-library imports at the top, once each, sorted like isort would."""
    have = set(head.splitlines())
    stdlib = sorted({imp for imp in extra if imp not in have and "matplotlib" not in imp})
    third = sorted({imp for imp in extra if imp not in have and "matplotlib" in imp})
    lines = head.splitlines()
    first_blank = lines.index("") if "" in lines else 0
    lines[first_blank:first_blank] = stdlib
    if third:
        at = next((i for i, line in enumerate(lines) if line.startswith("import numpy")), len(lines))
        lines[at + 1:at + 1] = third
    return "\n".join(lines) + "\n"


def tail_variants(rng: Rng) -> int:
    """Extra model variants: none in most scripts, many in a few (the long tail of sizes)."""
    roll = rng.random()
    if roll < 0.04:
        return rng.between(12, 30)
    if roll < 0.18:
        return rng.between(3, 10)
    return 0


def keras_script(rng: Rng, index: int, prose: Rng) -> Made:
    ctx = KerasCtx(rng)
    if rng.chance(BUG_RATE):
        options = ["LL305"]
        if ctx.task != "regression":
            options += ["LL101", "LL101"]
        if ctx.task == "multiclass" and not ctx.onehot and not ctx.logits:
            options += ["LL201"]
        ctx.bug = rng.choice(options)
        if ctx.bug == "LL101":
            ctx.logits = False  # a softmax/sigmoid head, and from_logits=True in the loss
        if ctx.bug == "LL201":
            ctx.onehot = False
    size = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6, 8))
    kind = rng.choice(("sequential", "sequential", "functional", "subclassed"))
    if ctx.style == "direct" and kind == "subclassed":
        kind = "functional"
    loop = ctx.style != "keras3" and kind != "subclassed" and rng.chance(0.2)
    parts, extra_imports = extras(rng, ctx.style, ctx, size)
    if loop:
        extra_imports = list(extra_imports) + ["import time"]
    doc = fill(
        '"""Train a $kind $task model on $ds.\n\nUsage: python train.py [--epochs N]\n"""\n\n',
        kind=kind, task=ctx.task.replace("multiclass", "multi-class"), ds=ctx.dataset,
    )
    out = [doc, _merge_imports(keras_imports(ctx), extra_imports)]
    out.append(fill("\nSEED = 42\nBATCH_SIZE = $b\nEPOCHS = $e\nLEARNING_RATE = $lr\n", b=ctx.batch, e=ctx.epochs, lr=ctx.lr))
    out.extend(parts[: len(parts) // 2])
    out.append(keras_data(ctx))
    if rng.chance(0.3) or ctx.bug == "LL305":
        out.append(keras_custom_loss(ctx))
    build = {"sequential": keras_sequential, "functional": keras_functional, "subclassed": keras_subclassed}[kind]
    out.append(build(ctx))
    # Bigger scripts compare several architectures, each in an experiment of its own.
    builders = ["build_model"]
    for variant in range(size // 3 + tail_variants(rng)):
        name = f"build_model_v{variant + 2}"
        maker = rng.choice((keras_sequential, keras_functional)) if ctx.style != "direct" else keras_functional
        out.append(maker(ctx, name))
        if variant >= 2:
            out.append(keras_experiment(ctx, name, f"experiment_v{variant + 2}"))
        builders.append(name)
    out.extend(parts[len(parts) // 2:])
    if loop:
        out.append(keras_tfdata(ctx))
        out.append(keras_training_loop(ctx))
    else:
        if len(builders) > 1:
            out.append(part_sweep_keras(ctx, builders))
        if rng.chance(0.5):
            out.append("\n\nif __name__ == \"__main__\":\n" + keras_compile_fit(ctx, indent_by=1))
        else:
            out.append(keras_compile_fit(ctx))
    return f"train_{kind}_{ctx.dataset.split('.')[0]}", "".join(narrate(prose, out)), ctx.bug


def torch_script(rng: Rng, index: int, prose: Rng) -> Made:
    ctx = TorchCtx(rng)
    if rng.chance(BUG_RATE):
        ctx.bug = "LL401" if ctx.task == "multiclass" else "LL403" if ctx.task == "binary" else None
        if ctx.bug == "LL401":
            ctx.style = "ce"
    size = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6, 8))
    parts, extra_imports = extras(rng, "torch", ctx, size)
    doc = f'"""Train a {"CNN" if ctx.data == "image" else "MLP"} with PyTorch ({ctx.task}).\n"""\n\n'
    out = [doc, _merge_imports(torch_imports(ctx), extra_imports)]
    out.extend(parts[: len(parts) // 2])
    out.append(torch_model(ctx))
    variants = tail_variants(rng)
    if variants:
        base = "Net" if ctx.data == "image" else "MLP"
        names = [base]
        for variant in range(variants):
            name = f"{base}V{variant + 2}"
            out.append(torch_model(ctx).replace(f"class {base}(", f"class {name}("))
            names.append(name)
        registry = ",\n".join(f'    "{n.lower()}": {n}' for n in names)
        out.append(f"\n\n# Architectures selectable by name (--arch).\nARCHITECTURES = {{\n{registry},\n}}\n")
    out.append(torch_data(ctx))
    body = "" if ctx.inline else torch_train_test(ctx)
    out.append(body)
    out.extend(parts[len(parts) // 2:])
    build, _ = torch_criterion(ctx)
    out.append(torch_main(ctx, has_module_criterion=bool(build) and f"\n{build}\n" in body))
    return f"train_torch_{ctx.data}_{ctx.task}", "".join(narrate(prose, out)), ctx.bug


def keras_module(rng: Rng, index: int, prose: Rng) -> Made:
    """A ``models.py``/``losses.py`` beside the scripts: builders and losses, no training."""
    ctx = KerasCtx(rng)
    if ctx.style == "direct":
        ctx.style, ctx.K, ctx.L = "tensorflow.keras", "keras.", "layers."
    out = ['"""Models and losses shared by the training scripts of this project."""\n\n']
    head = keras_imports(ctx).replace("import argparse\n", "").replace("import sys\n", "")
    if ctx.style == "keras3":
        head += "import tensorflow as tf\n"
    out.append(head)
    if ctx.data == "image":
        out.append(f"\nINPUT_SHAPE = {ctx.shape}\n")
    elif ctx.data == "text":
        out.append(f"\nVOCAB_SIZE = {ctx.vocab}\n")
    if ctx.task == "multiclass":
        out.append(f"NUM_CLASSES = {ctx.classes}\n")
    for key in rng.sample(list(CUSTOM_LOSSES_TF), rng.between(1, 3)):
        out.append(fill(CUSTOM_LOSSES_TF[key], K=ctx.K, pw="2.0"))
    for variant in range(rng.between(1, 4)):
        maker = rng.choice((keras_sequential, keras_functional, keras_subclassed))
        text = maker(ctx, f"build_{maker.__name__.split('_')[1]}_{variant}")
        if maker is keras_subclassed:
            text = text.replace("class Classifier", f"class Classifier{variant}").replace(
                "return Classifier(", f"return Classifier{variant}(").replace(
                "class Regressor", f"class Regressor{variant}").replace("return Regressor(", f"return Regressor{variant}(")
        out.append(text)
    return "models", "".join(out), None


KINDS: Tuple[Tuple[float, Callable[[Rng, int, Rng], Made]], ...] = (
    (0.55, keras_script),
    (0.35, torch_script),
    (0.10, keras_module),
)


@dataclass(frozen=True)
class CorpusFile:
    path: str  # relative to the corpus root
    source: str
    bug: Optional[str]  # the code of the mistake put in on purpose, if any


def generate(index: int, seed: int = DEFAULT_SEED) -> CorpusFile:
    """File ``index`` of the corpus."""
    rng = Rng(seed * 1_000_003 + index)
    pick, total = rng.random(), 0.0
    make = KINDS[-1][1]
    for share, maker in KINDS:
        total += share
        if pick < total:
            make = maker
            break
    # Comments come from a stream of their own: the code of file i does not depend on them.
    stem, source, bug = make(rng, index, Rng(f"prose {seed} {index}"))
    compile(source, f"<corpus file {index}>", "exec")  # a generator bug must not pass as a benchmark
    return CorpusFile(f"proj_{index // PER_FOLDER:03d}/{stem}_{index:04d}.py", source, bug)


def build(dest: Path, count: int, seed: int = DEFAULT_SEED) -> List[Path]:
    """Write ``count`` files under ``dest`` (which must be empty or absent); return their paths."""
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty")
    written = []
    for index in range(count):
        made = generate(index, seed)
        path = dest / made.path
        path.parent.mkdir(exist_ok=True)
        path.write_text(made.source, encoding="utf-8")
        written.append(path)
    return written


def digest(paths: Sequence[Path], root: Path) -> str:
    """A short hash of the files' relative names and contents: the same corpus, the same digest."""
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()[:12]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Write the generated training-script corpus.")
    parser.add_argument("dest", type=Path, help="an empty or new directory")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    paths = build(args.dest, args.count, args.seed)
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in paths)
    print(f"{len(paths)} files, {lines} lines, digest {digest(paths, args.dest)}: {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
