"""LL1xx: the loss contradicts the activation of the output it is given."""

from __future__ import annotations

from typing import Iterator, Optional

from ..facts import (
    BINARY,
    CATEGORICAL,
    LINEAR,
    LOG_SOFTMAX,
    PROBABILITY_ACTIVATIONS,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    Facts,
    Head,
    MixedPrecisionUse,
)
from . import Finding, Message, Ref, at, rule

# The activation each loss family undoes itself when from_logits=True.
_OWN_ACTIVATION = {SPARSE_CATEGORICAL: SOFTMAX, CATEGORICAL: SOFTMAX, BINARY: SIGMOID}


def _at(head: Head) -> Optional[Ref]:
    return at("activation", head.activation_site)


@rule("LL101", "from-logits-on-probabilities", "loss with from_logits=True on an output already passed through softmax or sigmoid")
def from_logits_on_probabilities(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a crossentropy loss created with `from_logits=True` whose input is
    already the output of a softmax (categorical losses) or a sigmoid (binary
    losses).

    ## Why is this bad?
    `from_logits=True` tells the loss to apply softmax/sigmoid itself. Applied to
    probabilities, the activation runs twice: the loss is computed on a
    squashed distribution and the gradients are wrong, so the model trains
    slowly or not at all, with no error.

    Keras 3 with the TensorFlow backend sometimes hides the mistake: inside a
    compiled `fit`/`evaluate`, when the softmax/sigmoid is the very last op of
    the model, it warns and uses the values from before the activation. Eager
    calls (a custom training loop that calls the loss, `run_eagerly=True`),
    a layer after the activation (`Reshape`, `Flatten`, a cast), the JAX and
    PyTorch backends, reloaded models and older TensorFlow versions all
    compute the loss on the doubly activated values.

    The finding is reported on the `from_logits=True` argument, the line to
    change; the message names the line of the activation.

    ## Example
    ```python
    model = keras.Sequential([
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy())
    ```
    or keep `from_logits=True` and drop the activation (`Dense(10)`), which is
    the numerically safer of the two.

    ## Known problems
    The activation is followed through the program: models built in another
    function (or another module of the project), passed to a training function,
    kept on `self`, or chosen in an `if` whose branches end alike. A model loaded
    from disk, built by a library the linter does not know, or chosen between
    differently ending branches is not judged. A finding that holds only for one
    call of a function names that call.
    """
    for use in facts.loss_uses:
        loss, head = use.loss, use.prediction
        if loss.from_logits is True and head.activation == _OWN_ACTIVATION[loss.family]:
            site = loss.from_logits_site or loss.site
            yield Finding(
                "LL101",
                site,
                Message.of(
                    f"{loss.display} uses from_logits=True but the model output is already {head.activation}",
                    _at(head),
                    f": set from_logits=False or remove the {head.activation}",
                ),
                subject=use,
            )


@rule("LL102", "probabilities-loss-on-logits", "probabilistic loss with from_logits=False (the default) on a linear (logits) output")
def probabilities_loss_on_logits(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a crossentropy loss that expects probabilities (`from_logits=False`,
    the default, which every string loss such as
    `'sparse_categorical_crossentropy'` uses) applied to an output with no
    activation (a linear `Dense` head) or to a `log_softmax` output.

    ## Why is this bad?
    Keras clips what it believes are probabilities into `[1e-7, 1 - 1e-7]`
    (and renormalises categorical outputs). Raw logits are not probabilities:
    most of them are clipped, the gradients vanish, and the loss sits high
    (around 9 on a 5-class problem) and barely moves. Nothing raises.

    The finding is reported on the `from_logits` argument when it is written,
    else on the loss given to `compile` (the string or the loss object), or on
    the call `loss_fn(y, model(x))` that meets the logits: the line to change.

    ## Example
    ```python
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(5)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(5)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```
    or give the last layer `activation="softmax"` (`"sigmoid"` for a binary loss).

    A categorical loss on a single unit is wrong whatever `from_logits` says:
    the softmax of one value is 1, so `categorical_crossentropy` is always 0
    (measured: 6e-08 in compiled fit, 0.0 with `from_logits=True`, TF 2.21 /
    Keras 3.15) and `sparse_categorical_crossentropy` raises on any label but 0.
    The message says so instead of suggesting `from_logits=True`.

    ## Known problems
    A head whose last layer is not recognised (a custom layer, a `Lambda`) is
    not judged.
    """
    for use in facts.loss_uses:
        loss, head = use.loss, use.prediction
        if loss.from_logits is not False or head.activation not in (LINEAR, LOG_SOFTMAX):
            continue
        wanted = "sigmoid" if loss.family == BINARY else "softmax"
        what = "linear logits" if head.activation == LINEAR else "log_softmax (log-probabilities)"
        # On the from_logits argument when it is written; else where the loss meets the
        # output: the compile, or the call of a loss object that may be built far away.
        site = loss.from_logits_site or (loss.site if use.compiled else use.call_site)
        if head.units == 1 and loss.family in (CATEGORICAL, SPARSE_CATEGORICAL):
            # from_logits is not the problem: no categorical loss works on one unit.
            effect = "is always 0, whatever the labels" if loss.family == CATEGORICAL else "fails on every label but 0"
            message = Message.of(
                f"{loss.display} over a single unit",
                at("output", head.units_site),
                f" {effect}: give the output one unit per class, or use binary_crossentropy "
                "with a sigmoid for a yes/no label",
            )
        else:
            message = Message.of(
                f"{loss.display} expects probabilities (from_logits=False) but the model output is {what}",
                _at(head),
                f": pass from_logits=True or end the model with a {wanted}",
            )
        yield Finding("LL102", site, message, subject=use)


@rule("LL103", "softmax-on-single-unit", "softmax over a single unit (Dense(1, activation='softmax'), Softmax on a 1-wide output)")
def softmax_on_single_unit(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a softmax taken over an axis one unit wide: `Dense(1,
    activation="softmax")`, or an `Activation("softmax")`/`Softmax()` layer or a
    `tf.nn.softmax` call after a one-unit layer.

    ## Why is this bad?
    Softmax normalises across the last axis. With one unit the result is
    `exp(x) / exp(x) = 1.0` for every input: the model predicts the positive
    class for everything, the gradient is zero and nothing is learned. Keras
    only warns at call time, and a binary crossentropy on it still runs.

    The finding is reported on the `activation=` argument (or the softmax layer
    or call).

    ## Example
    ```python
    model.add(keras.layers.Dense(1, activation="softmax"))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```
    or, for several classes, one unit per class with softmax.

    ## Known problems
    Only widths written as literals (or names bound to literals) are known.
    """
    for layer in facts.layers:
        if layer.units == 1 and layer.activation == SOFTMAX and layer.activation_site is not None:
            yield Finding(
                "LL103",
                layer.activation_site,
                Message.of(
                    "softmax over a single unit always outputs 1.0: use activation='sigmoid' "
                    "for a binary output, or one unit per class"
                ),
                subject=layer,
            )
    for head in facts.single_unit_softmax:
        if head.activation_site is not None:
            yield Finding(
                "LL103",
                head.activation_site,
                Message.of(
                    "softmax over a single unit always outputs 1.0: use a sigmoid for a binary output, "
                    "or one unit per class"
                ),
                subject=head,
            )


@rule("LL104", "binary-loss-on-softmax", "binary crossentropy on a multi-class softmax output")
def binary_loss_on_softmax(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `binary_crossentropy` (or `BinaryCrossentropy`, binary focal
    crossentropy) used on a softmax output of three or more units.

    ## Why is this bad?
    Binary crossentropy scores every unit as an independent yes/no question
    and averages them, which is the multi-label objective, not the
    multi-class one the softmax stands for: the two disagree about what is
    being learned. Keras's TensorFlow backend even rewrites it, inside `fit`,
    into a sigmoid crossentropy on the values before the softmax. Nothing
    raises, and the loss and metrics are not those of a classifier over
    mutually exclusive classes.

    The finding is reported on the loss; the message names the softmax line.

    ## Example
    ```python
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    ```
    with one-hot labels (`sparse_categorical_crossentropy` for integer labels),
    or a sigmoid output if the task is really multi-label.

    ## Known problems
    A two-unit softmax is not flagged: with one-hot labels it is a common,
    working way to write a binary classifier.
    """
    for use in facts.loss_uses:
        loss, head = use.loss, use.prediction
        if loss.family == BINARY and head.activation == SOFTMAX and (head.units or 0) >= 3:
            yield Finding(
                "LL104",
                loss.site,
                Message.of(
                    f"{loss.display} on a {head.units}-way softmax output",
                    _at(head),
                    " scores each class as an independent yes/no: use categorical_crossentropy "
                    "(one-hot labels) or sparse_categorical_crossentropy (integer labels)",
                ),
                subject=use,
            )


@rule("LL105", "categorical-loss-on-sigmoid", "categorical/sparse categorical loss on a sigmoid (multi-label or 1-unit) output")
def categorical_loss_on_sigmoid(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a categorical or sparse categorical crossentropy applied to a
    sigmoid output.

    ## Why is this bad?
    Categorical losses expect one probability distribution per sample.
    - On a one-unit sigmoid (a binary classifier), the sparse loss sees a
      single class, so label 1 is out of range: TensorFlow raises at the
      first batch on CPU and returns garbage on GPU. The categorical loss
      renormalises the single output to 1.0 and its value is always 0, so
      nothing trains.
    - On a several-unit sigmoid, the activation says "independent labels"
      (multi-label) and the loss says "one class per sample": one of the
      two is wrong. For multi-label targets the categorical loss forces the
      scores into one distribution; for single-label targets the sigmoid
      should be a softmax.

    The finding is reported on the loss; the message names the sigmoid line.

    ## Example
    ```python
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```
    For one class per sample over several classes, use a softmax output.

    ## Known problems
    The width of the output must be known from the source.
    """
    for use in facts.loss_uses:
        loss, head = use.loss, use.prediction
        if loss.family not in (CATEGORICAL, SPARSE_CATEGORICAL) or head.activation != SIGMOID:
            continue
        if head.units == 1:
            if loss.family == SPARSE_CATEGORICAL:
                effect = "fails on label 1, out of range for a single class"
            else:
                effect = "is always 0 (one output renormalised to 1.0) and never trains"
            fix = "use binary_crossentropy"
        elif head.units is not None:
            effect = f"treats {head.units} independent sigmoid scores as one distribution"
            fix = "use binary_crossentropy for multi-label targets, or a softmax output for one class per sample"
        else:
            continue
        yield Finding(
            "LL105",
            loss.site,
            Message.of(f"{loss.display} on a {head.units}-unit sigmoid output", _at(head), f" {effect}: {fix}"),
            subject=use,
        )


@rule("LL106", "activation-before-logits-op", "softmax/sigmoid applied to what is passed as logits to a *_with_logits op")
def activation_before_logits_op(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `tf.nn.softmax_cross_entropy_with_logits`,
    `tf.nn.sparse_softmax_cross_entropy_with_logits`,
    `tf.nn.sigmoid_cross_entropy_with_logits` and
    `tf.nn.weighted_cross_entropy_with_logits` whose `logits` argument already
    went through a softmax or sigmoid (directly, through a variable, or as the
    output of a model whose last activation is one).

    ## Why is this bad?
    These ops apply the activation themselves. Given probabilities, they
    squash them a second time: the loss is wrong and the gradients shrink,
    silently. Unlike Keras losses, raw TensorFlow ops never undo this.

    The finding is reported on the `logits` argument.

    ## Example
    ```python
    probs = tf.nn.softmax(model(x))
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=probs)
    ```

    ## Use instead
    ```python
    logits = model(x)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    ```

    ## Known problems
    `log_softmax` outputs are not flagged: they are valid logits (softmax of
    log-probabilities gives back the same probabilities).
    """
    for use in facts.logits_ops:
        head = use.logits
        if head.activation in PROBABILITY_ACTIVATIONS:
            yield Finding(
                "LL106",
                use.logits_site,
                Message.of(
                    f"{use.op} applies its own activation but its logits are already {head.activation}",
                    _at(head),
                    f": pass the values from before the {head.activation}",
                ),
                subject=use,
            )


# The dtype= values that make a layer compute in 16 bits (any other known one keeps 32 or 64).
_LOW_PRECISION = ("float16", "bfloat16", "half", "mixed_float16", "mixed_bfloat16")


@rule(
    "LL107",
    "probabilities-in-half-precision",
    "softmax/sigmoid output layer computed in float16/bfloat16 under a Keras 3 mixed precision policy",
)
def probabilities_in_half_precision(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags, in a program that sets a mixed global policy
    (`keras.mixed_precision.set_global_policy("mixed_float16")` or
    `"mixed_bfloat16"`, `keras.config.set_dtype_policy`, a `DTypePolicy` of
    those) and runs on Keras 3, an output layer that applies a softmax or a
    sigmoid without `dtype="float32"` when a crossentropy that expects
    probabilities (`from_logits=False`, the default) is computed on it.

    ## Why is this bad?
    Under a mixed policy every layer computes in 16 bits unless given
    `dtype="float32"`, as the Keras mixed precision guide asks of the output
    layer. Keras 3 then loses the logits it keeps beside a softmax/sigmoid
    output, and the loss is computed on 16-bit probabilities, clipped at
    `1e-7`: confident mistakes are capped at a loss of 16.1 and get no
    gradient at all. Nothing warns. Measured on Keras 3.15.1 / TensorFlow 2.21
    (CPU), 512 rows, 10 classes, logits of magnitude ~20: the
    `SparseCategoricalCrossentropy` of a `mixed_float16` softmax output is
    13.50 where the exact loss is 30.70, and 259 of the 467 badly predicted
    rows get a zero gradient; with `dtype="float32"` on the layer the loss is
    30.70 and no row loses its gradient. `mixed_bfloat16` gives 13.60 for
    32.55; a sigmoid output with binary crossentropy (logits ~5) is 8% too
    high in float16 and 22% in bfloat16. A float32 `Activation("linear")`
    after the float16 softmax does not repair it (13.22 for 31.80: the logits
    are already lost). `compile` and loss objects cast the output to float32
    first, which drops the cached logits; a loss *function* called on the
    output itself (`keras.losses.sparse_categorical_crossentropy(y,
    model(x))`) still finds them and is exact (31.81 for 31.80), so such calls are not
    reported. Keras 2.15 (tf.keras) computes these losses exactly, so
    programs on Keras 2 are not reported.

    The finding is reported on the output layer; the message names where the
    policy is set.

    ## Example
    ```python
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```

    ## Use instead
    ```python
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ```
    or end with a linear `Dense(10)` and a loss with `from_logits=True`, or
    with `keras.layers.Activation("softmax", dtype="float32")`.

    ## Known problems
    Only a policy set by a literal name (or a policy built from one) counts,
    and only when every policy the program sets is that one. A policy given
    to single layers (`dtype="mixed_float16"`) is not followed, nor are
    softmaxes applied with `tf.nn.softmax` or layers after the activation
    (`Dropout`); the JAX and PyTorch backends were not measured.
    """
    if not facts.mixed_policies:
        return
    policy = facts.mixed_policies[0]
    low = "bfloat16" if policy.policy == "mixed_bfloat16" else "float16"
    layers = {layer.activation_site: layer for layer in facts.probability_layers}
    reported = set()
    for use in facts.loss_uses:
        loss, head = use.loss, use.prediction
        if loss.from_logits is not False or head.activation != _OWN_ACTIVATION[loss.family] or head.after:
            continue
        if not use.compiled and not loss.display[:1].isupper():
            continue  # a loss function called on the output itself reads its cached logits: exact
        layer = layers.get(head.activation_site) if head.activation_site is not None else None
        if layer is None or layer.site in reported:
            continue
        if layer.dtype_given and layer.dtype not in _LOW_PRECISION:
            continue  # float32, or a dtype not known
        reported.add(layer.site)
        yield Finding(
            "LL107",
            layer.site,
            Message.of(
                f"{head.activation} output computed in {low} under the {policy.policy} policy",
                at("policy", policy.site),
                f", then {loss.display} on its probabilities: Keras 3 loses the logits, caps the loss of confident "
                "mistakes and gives them no gradient; set dtype='float32' on this layer",
            ),
            subject=MixedPrecisionUse(use, policy, layer),
        )
