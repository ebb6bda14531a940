"""LL3xx: custom losses and the loss APIs they call."""

from __future__ import annotations

from typing import Iterator, Optional

from ..facts import LABELS, PREDICTIONS, ApiReference, ArgumentOrigin, Facts, Rank
from . import Finding, Message, at, rule


@rule("LL301", "nonexistent-loss-api", "a loss API that does not exist in the library it names")
def nonexistent_loss_api(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a loss API used under a TensorFlow/Keras module that the module does
    not have, e.g. `tf.keras.losses.sparse_softmax_cross_entropy_with_logits`,
    `tf.losses.sparse_softmax_cross_entropy` or `tf.nn.softmax_cross_entropy_with_logits_v2`
    in TensorFlow 2. A loss API is any name under a `losses` module, or a name
    that says it is one (`...entropy...`, `...loss...`, `...logits...`, `hinge`,
    `divergence`, `huber`, `poisson`, `..._error`, `logcosh`); other missing names
    (`keras.backend.mean` in Keras 3, say) are left to the import-time error
    they raise, since they are real in Keras 2.

    The modules checked are `tf.nn`, `tf.math`, `tf.losses`, `tf.keras.losses`,
    `tf.keras.backend`, `tf.keras.metrics`, `tf.keras.activations`, `tf.keras.ops`,
    `tf.compat.v1.losses`, `tf.compat.v1.nn`, `tf.compat.v2.nn`, `keras.losses`,
    `keras.ops`, `keras.backend`, `keras.metrics` and `keras.activations`, however
    they are imported (`import tensorflow as tf`, `from tensorflow.keras import losses`,
    `from keras import backend as K`, ...). Both attribute uses (`tf.nn.x`) and
    imports (`from tensorflow.keras.losses import x`) are checked.

    The lists of real names come from the installed libraries:
    `scripts/generate_api_names.py` writes them to `flake8_losslint/data/api_names_tf2.21.json`.
    This release reflects **TensorFlow 2.21.0 and Keras 3.15.1** (where `tf.keras`
    is Keras 3).

    The finding is reported on the name, the line to change.

    ## Why is this bad?
    The program stops with an `AttributeError` (or an `ImportError`) when it
    reaches the line, often after minutes of data loading. Many such names come
    from TensorFlow 1 tutorials: `tf.losses` is Keras's losses module in
    TensorFlow 2, and the old functions only live on in `tf.compat.v1`.

    ## Example
    ```python
    import tensorflow as tf

    def loss(y_true, y_pred):
        return tf.keras.losses.sparse_softmax_cross_entropy_with_logits(y_true, y_pred)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    def loss(y_true, y_pred):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    ```

    ## Known problems
    The verdict is about the versions above. Code that pins TensorFlow 1, Keras 2
    (`keras<3`, TensorFlow 2.15 or older, whose `tf.keras` is Keras 2, or `tf_keras`
    through `TF_USE_LEGACY_KERAS=1`) has other names and will see findings for
    names that exist there: `tf.keras.losses.mean_squared_error` is real in
    Keras 2. Regenerate the data
    file under the versions you use to check against them. Uses inside a `try` that catches `AttributeError`/`ImportError`, or
    under an `if` that tests a version or `hasattr`, are not reported: that is
    code probing for an API on purpose. Top-level `tf.*` names (`tf.log`) are not
    checked.
    """
    for reference in facts.api_references:
        module, name = reference.module, reference.name
        if not _is_loss_api(module, name) or reference.exists:
            continue
        if reference.imported and not reference.module_importable:
            continue  # ``from tensorflow.losses import x`` fails on the module, not the name
        where = reference.module_display
        fix = f"use {reference.suggestion}" if reference.suggestion else f"check the {where} API"
        resolved = f"{where}.{name}"
        subject = resolved if reference.imported or reference.spelling == resolved else f"{reference.spelling} ({resolved})"
        yield Finding(
            "LL301",
            reference.site,
            Message.of(f"{subject} does not exist in {_judged_against(reference)}: {fix}"),
            subject=reference,
        )


def _judged_against(reference: ApiReference) -> str:
    """"TensorFlow 2.21.0 (tf.keras is Keras 3.15.1; the installed version)"."""
    library, why = reference.library, reference.version_source
    if not why:
        return library
    if library.endswith(")"):
        return f"{library[:-1]}; {why})"
    return f"{library} ({why})"


_LOSS_WORDS = ("entropy", "loss", "logit", "hinge", "divergence", "huber", "poisson", "_error", "logcosh")


def _is_loss_api(module: str, name: str) -> bool:
    """Only loss APIs are judged: backend ops that Keras 3 dropped are real in Keras 2."""
    lowered = name.lower()
    return module.split(".")[-1] == "losses" or any(word in lowered for word in _LOSS_WORDS)


def _predictions_like(origin: ArgumentOrigin) -> bool:
    return (origin.role == PREDICTIONS or origin.from_model) and origin.role != LABELS


def _labels_like(origin: ArgumentOrigin) -> bool:
    return origin.role == LABELS and not origin.from_model


@rule("LL302", "swapped-loss-arguments", "loss called with y_true/y_pred (labels/logits) in swapped order")
def swapped_loss_arguments(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a crossentropy called with the predictions where the labels go and
    the labels where the predictions go: a Keras loss called as
    `loss(predictions, labels)` (Keras losses take `(y_true, y_pred)`), or a
    `tf.nn.*_with_logits` op given `(logits, labels)` by position (TensorFlow 2
    takes `labels` first) or `labels=logits, logits=labels` by keyword.

    An argument counts as predictions when its name says so (`pred`, `logits`,
    `output`, `probs`, `scores`, ...) or when its value is a model's output
    (`model(x)`, `model.predict(x)`, or a name bound to one); as labels when
    its name says so (`y_true`, `labels`, `target`, `y`, `y_batch`, ...). Both
    arguments must be clear; a name that says both or neither is left alone.
    Only crossentropies are checked: symmetric losses such as
    `mean_squared_error` give the same value either way.

    The finding is reported on the first argument of the call.

    ## Why is this bad?
    Crossentropy is not symmetric. With the arguments swapped the loss
    treats the model's outputs as the target distribution: categorical and
    binary crossentropy run silently and return a different number (on one
    test batch 12.7 instead of 1.9), and the gradients push the model
    somewhere else. The sparse variants fail with a rank error.

    ## Example
    ```python
    logits = model(x_batch, training=True)
    loss = tf.nn.softmax_cross_entropy_with_logits(logits, y_batch)
    ```

    ## Use instead
    ```python
    logits = model(x_batch, training=True)
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=y_batch, logits=logits)
    ```

    ## Known problems
    The judgement rests on names: a variable called `labels` that holds
    predictions fools it either way. Calls through `*args` are skipped.
    """
    for call in facts.loss_call_arguments:
        first, second = call.first, call.second
        if not (_predictions_like(first) and _labels_like(second)):
            continue
        true_slot, pred_slot = call.slots
        yield Finding(
            "LL302",
            first.site,
            Message.of(
                f"{call.loss} gets predictions `{first.spelling}` as {true_slot} and labels "
                f"`{second.spelling}` as {pred_slot}: swap them ({true_slot} comes first)"
            ),
            subject=call,
        )


def _describe(rank: Rank, name: str) -> Message:
    if rank.absolute is not None:
        text = f"rank {rank.absolute}"
    elif rank.base is not None:
        sign = f" + {rank.delta}" if rank.delta > 0 else (f" - {-rank.delta}" if rank.delta < 0 else "")
        text = f"rank of {rank.base}{sign}"
    else:
        return Message.of("an unknown rank")
    return Message.of(text, at(name, rank.changed_site))


def _rank_problem(rule_name: str, labels: Rank, predictions: Rank) -> Optional[str]:
    """What the inner loss cannot accept, or None (see InnerLossCall.rule)."""
    difference = labels.difference(predictions)
    if rule_name in ("sparse", "sparse_strict", "sparse_lenient") and labels.one_hot_site is not None:
        if difference != -1:
            return "one_hot"
    if difference is None:
        return None
    if rule_name == "sparse" and (difference >= 1 or difference <= -2):
        return "needs labels of rank predictions - 1"
    if rule_name == "sparse_strict" and difference != -1:
        return "needs labels of rank logits - 1 exactly"
    if rule_name == "same_rank" and difference != 0:
        return "needs labels and predictions of the same rank"
    return None


@rule("LL303", "loss-rank-mismatch", "custom loss changes the rank of y_true/y_pred so the inner loss cannot match them")
def loss_rank_mismatch(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Inside a custom loss, follows `y_true` and `y_pred` through `reshape`,
    `squeeze(axis=...)`, `expand_dims`, `one_hot`, `K.flatten` and casts, and
    flags the loss they are then given when their ranks cannot match what it
    accepts (measured on TensorFlow 2.21 / Keras 3.15):

    - `tf.nn.sparse_softmax_cross_entropy_with_logits`: labels of rank
      `logits - 1` exactly (`(batch, 1)` labels with `(batch, classes)` logits fail);
    - `keras.losses`/`keras.ops` `sparse_categorical_crossentropy`: labels of rank
      `y_pred - 1`, or the same rank with a last axis of 1;
    - `categorical_crossentropy`, `binary_crossentropy` (the `keras.losses` and
      `keras.ops` functions) and `tf.nn.sigmoid_cross_entropy_with_logits`: the same rank;
    - any sparse loss (the `SparseCategoricalCrossentropy` object and the legacy
      `tf.keras.backend` function included): labels that went through `one_hot`.

    Ranks are compared only when both are known the same way: both fixed by a
    literal `reshape`, or both counted from the same parameter.

    The finding is reported on the `one_hot` for one-hot labels, otherwise on
    the loss call; the message names the lines that set each rank.

    ## Why is this bad?
    The loss raises a `ValueError` at the first batch, e.g. "`labels.shape.rank`
    must equal `logits.shape.rank - 1`" or "Argument `output` must have rank
    (ndim) `target.ndim - 1`", after the data pipeline and model have been
    built.

    ## Example
    ```python
    def pixel_loss(y_true, y_pred):
        labels = tf.reshape(y_true, [-1, 1])
        logits = tf.reshape(y_pred, [-1, NUM_CLASSES])
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    ```

    ## Use instead
    ```python
    def pixel_loss(y_true, y_pred):
        labels = tf.reshape(y_true, [-1])
        logits = tf.reshape(y_pred, [-1, NUM_CLASSES])
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    ```

    ## Known problems
    The ranks Keras hands the loss are not known statically, so a reshape of
    one side only is not judged against the other. `squeeze` without an axis,
    reshapes to a computed shape and losses the rule does not list stay
    unchecked. The `Loss` objects and the legacy backend adjust ranks
    themselves and are only checked for one-hot labels.
    """
    for call in facts.inner_loss_calls:
        problem = _rank_problem(call.rule, call.labels, call.predictions)
        if problem is None:
            continue
        if problem == "one_hot":
            assert call.labels.one_hot_site is not None
            yield Finding(
                "LL303",
                call.labels.one_hot_site,
                Message.of(
                    f"labels are one-hot encoded here but {call.loss}",
                    at("loss", call.site),
                    " is a sparse loss that expects integer class ids: drop the one_hot or use a categorical loss",
                ),
                subject=call,
            )
            continue
        yield Finding(
            "LL303",
            call.site,
            Message.of(
                f"{call.loss} {problem}, but gets labels of ",
                _describe(call.labels, "labels reshaped"),
                " and predictions of ",
                _describe(call.predictions, "predictions reshaped"),
                ": fix the reshape",
            ),
            subject=call,
        )


@rule("LL304", "batch-reduced-custom-loss", "custom loss reduces over the batch axis (scalar) where sample_weight/class_weight is used")
def batch_reduced_custom_loss(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a custom loss that returns one number for the whole batch
    (`tf.reduce_mean(x)`, `tf.reduce_sum(x)`, `K.mean(x)`, `keras.ops.mean(x)`
    with no `axis`) when
    - it is passed to `compile(loss=...)` of a model whose `fit` in the same
      scope gets `sample_weight=` or `class_weight=`, or
    - it is the `call` of a `keras.losses.Loss` subclass.

    The finding is reported on the reducing call.

    ## Why is this bad?
    Keras weights and reduces the *per-sample* losses a loss returns. Given a
    scalar, every sample gets the batch mean: `sample_weight`/`class_weight`
    then only rescale the loss by the mean weight instead of weighting samples
    (measured: 4.48 where the weighted loss is 6.00), so rare classes are not
    up-weighted at all. In a `Loss` subclass the `reduction` is applied to a
    scalar, so `reduction="sum"` returns the mean and `sample_weight` passed
    to the loss object has the same non-effect. Nothing warns.

    ## Example
    ```python
    def weighted_ce(y_true, y_pred):
        return tf.reduce_mean(keras.losses.categorical_crossentropy(y_true, y_pred))

    model.compile(optimizer="adam", loss=weighted_ce)
    model.fit(x, y, class_weight={0: 1.0, 1: 8.0})
    ```

    ## Use instead
    ```python
    def weighted_ce(y_true, y_pred):
        return keras.losses.categorical_crossentropy(y_true, y_pred)  # one value per sample

    model.compile(optimizer="adam", loss=weighted_ce)
    model.fit(x, y, class_weight={0: 1.0, 1: 8.0})
    ```
    (or reduce over the non-batch axes only: `tf.reduce_mean(x, axis=-1)`).

    ## Known problems
    The `fit` must be on the same variable, in the same scope, as the
    `compile`; weights that arrive through a `tf.data` dataset are not seen.
    A `Loss` subclass used without weights and with the default reduction
    computes the same number, but still mis-states what its reduction does.
    """
    for scalar in facts.scalar_loss_returns:
        if scalar.loss_subclass:
            why = Message.of(
                f"the Loss subclass {scalar.loss_name} then applies its reduction and sample_weight to that one number"
            )
        elif scalar.weights_site is not None:
            why = Message.of(
                f"the {scalar.weights_kind} given to fit", at("weights", scalar.weights_site), " then only rescales the loss"
            )
        else:
            continue
        yield Finding(
            "LL304",
            scalar.site,
            Message.of(
                f"{scalar.reducer} with no axis reduces the batch to a scalar and ",
                why,
                ": return one loss per sample (reduce with axis=-1)",
            ),
            subject=scalar,
        )


@rule("LL305", "unclipped-log-of-predictions", "log of predictions without clipping or epsilon")
def unclipped_log_of_predictions(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `log` of a custom loss's predictions (`tf.math.log`, `tf.log`,
    `K.log`, `keras.ops.log`, `np.log` of `y_pred` or `1 - y_pred`, also
    through renames and casts) with no clip and no epsilon on the way.

    The finding is reported on the `log` call.

    ## Why is this bad?
    A softmax or sigmoid output reaches exactly 0 or 1 in float32 as soon as a
    logit is large (`sigmoid(-120.0) == 0.0`, `sigmoid(20.0) == 1.0`). Then
    `log(0)` is `-inf`, `0 * -inf` is `NaN`, and one batch turns the loss and
    every weight into `NaN` for the rest of training. Keras's own
    crossentropies clip to `[epsilon, 1 - epsilon]` for this reason.

    ## Example
    ```python
    def crossentropy(y_true, y_pred):
        return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)
    ```

    ## Use instead
    ```python
    def crossentropy(y_true, y_pred):
        y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0 - 1e-7)
        return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)
    ```
    or, better, a built-in crossentropy with `from_logits=True` on the logits.

    ## Known problems
    Only the loss's own `y_pred` parameter is followed, through plain
    assignments, casts and `1 - x`; any other arithmetic on the way counts as
    a guard, so a division that can still produce 0 is not reported. Lambda
    losses and methods other than a `Loss` subclass's `call` are not analysed.
    """
    for log in facts.unguarded_logs:
        yield Finding(
            "LL305",
            log.site,
            Message.of(
                f"{log.log}({log.argument}) in {log.loss_name} gives -inf/NaN when {log.prediction_name} reaches {log.danger}: "
                f"clip {log.prediction_name} to [1e-7, 1 - 1e-7] first or add an epsilon"
            ),
            subject=log,
        )


@rule("LL306", "uncallable-loss-signature", "custom loss with a signature Keras cannot call (not (y_true, y_pred))")
def uncallable_loss_signature(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a function (or lambda) given to `compile(loss=...)`, directly or in a
    list/dict of losses, that cannot be called as `fn(y_true, y_pred)`: more
    than two required positional parameters, fewer than two positional
    parameters, or a required keyword-only parameter. The `call` method of a
    `keras.losses.Loss` subclass is checked the same way (after `self`).
    A factory call (`loss=focal_loss(gamma=2.0)`) is judged by the function it
    returns, not by the factory's own parameters.

    The finding is reported on the `loss=` argument (on the `def` for a
    `Loss.call`); the message names the definition's line.

    ## Why is this bad?
    Keras calls every loss with exactly `(y_true, y_pred)`. `compile` accepts
    anything, and `fit` fails at the first batch with a `TypeError` such as
    "missing 1 required positional argument: 'weights'" or "takes 1
    positional argument but 2 were given".

    ## Example
    ```python
    def weighted_mse(y_true, y_pred, weights):
        return tf.reduce_mean(weights * tf.square(y_true - y_pred), axis=-1)

    model.compile(optimizer="adam", loss=weighted_mse)
    ```

    ## Use instead
    ```python
    def make_weighted_mse(weights):
        def weighted_mse(y_true, y_pred):
            return tf.reduce_mean(weights * tf.square(y_true - y_pred), axis=-1)
        return weighted_mse

    model.compile(optimizer="adam", loss=make_weighted_mse(weights))
    ```

    ## Known problems
    Functions with decorators other than `tf.function` and Keras's
    serialisation registration are skipped (a decorator can change the
    signature), and so are methods and `functools.partial` objects.
    """
    for signature in facts.loss_signatures:
        if signature.required_keyword_only:
            problem = f"requires keyword-only {', '.join(signature.required_keyword_only)}"
        elif signature.required_positional > 2:
            problem = f"requires {signature.required_positional} positional arguments"
        elif signature.max_positional is not None and signature.max_positional < 2:
            problem = f"takes {signature.max_positional} positional argument{'s' if signature.max_positional != 1 else ''}"
        else:
            continue
        yield Finding(
            "LL306",
            signature.site,
            Message.of(
                f"Keras calls a loss as fn(y_true, y_pred), but {signature.name}",
                at("definition", signature.definition_site, unless_primary_line=True),
                f" {problem}: give it exactly (y_true, y_pred) and bind other values with a closure",
            ),
            subject=signature,
        )
