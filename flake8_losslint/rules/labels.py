"""LL2xx: the labels contradict the loss or the output they are trained against."""

from __future__ import annotations

from typing import Iterator, Set, Tuple

from ..facts import (
    CATEGORICAL,
    INTEGER,
    MIXED,
    ONE_HOT,
    SIGMOID,
    SPARSE_CATEGORICAL,
    Facts,
    LabelUse,
    Site,
)
from . import Finding, Message, at, rule


def _once(facts: Facts) -> Iterator[Tuple[LabelUse, Set[Site]]]:
    """Each use, with the set of sites already reported (one finding per site)."""
    seen: Set[Site] = set()
    for use in facts.label_uses:
        yield use, seen


def _other(display: str, tf_nn: str, keras_name: str) -> str:
    """The loss to switch to, in the same API as the one used."""
    return tf_nn if display.startswith("tf.") else keras_name


def _units(count: int) -> str:
    return "1 unit" if count == 1 else f"{count} units"


def _classes_mismatch(use: LabelUse) -> bool:
    """LL203's condition (shared so that LL205 does not report the same labels twice)."""
    loss, head, labels = use.loss, use.prediction, use.labels
    if loss is None or head.units is None or labels.num_classes is None or head.activation == SIGMOID:
        return False
    if loss.family == CATEGORICAL and labels.encoding == ONE_HOT:
        return labels.num_classes != head.units
    if loss.family == SPARSE_CATEGORICAL and labels.encoding == INTEGER and not use.ignore_class:
        return labels.num_classes > head.units
    return False


@rule("LL201", "sparse-loss-with-one-hot-labels", "sparse categorical loss with one-hot labels")
def sparse_loss_with_one_hot_labels(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a sparse categorical crossentropy (`'sparse_categorical_crossentropy'`,
    `SparseCategoricalCrossentropy`) trained or called with one-hot labels:
    labels built with `to_categorical`, `tf.one_hot`, `keras.ops.one_hot`,
    `np.eye(n)[y]`, `OneHotEncoder`, `label_binarize` (three or more classes),
    `pd.get_dummies`, `image_dataset_from_directory(label_mode='categorical')`,
    `flow_from_directory` (its default `class_mode` is `'categorical'`) or a
    literal array of one-hot rows.

    The labels are followed through assignments, tuple unpacking,
    `train_test_split`, `tf.data.Dataset.from_tensor_slices((x, y))` and its
    `.batch/.shuffle/.map/.prefetch` chain, into `fit(x, y)`, `fit(dataset)`,
    `validation_data=(x, y)`, `evaluate`, `train_on_batch` and direct
    `loss_fn(y_true, y_pred)` calls.

    ## Why is this bad?
    A sparse loss expects one class id per sample, shape `(N,)` or `(N, 1)`.
    Given `(N, C)` one-hot rows, Keras raises at the first batch:
    `ValueError: Argument output must have rank (ndim) target.ndim - 1`,
    after the data has been loaded and the model built.

    The finding is reported on the loss, the line to change; the message names
    the line where the labels were one-hot encoded.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    y_train = keras.utils.to_categorical(y_train, 10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```

    ## Use instead
    ```python
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    y_train = keras.utils.to_categorical(y_train, 10)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x_train, y_train)
    ```
    or keep the sparse loss and drop the `to_categorical` call.

    ## Known problems
    The loss is the one of the last `compile` that surely ran on the very model
    object that reaches `fit` (followed through functions that build and return
    it, or receive it as an argument); rebinding the name ends the pairing.
    Labels from functions the linter cannot see, labels assigned two different encodings on different branches, and
    `Dataset.map` with a named function are not checked. `LabelBinarizer` is
    not followed: with two classes it gives one 0/1 column, not one-hot rows.
    """
    for use, seen in _once(facts):
        loss, labels = use.loss, use.labels
        if loss is None or loss.family != SPARSE_CATEGORICAL or labels.encoding != ONE_HOT:
            continue
        if labels.num_classes == 1 or loss.site in seen:
            continue
        seen.add(loss.site)
        yield Finding(
            "LL201",
            loss.site,
            Message.of(
                f"{loss.display} gets one-hot labels from {labels.origin}",
                at("labels", labels.site),
                ": pass the integer labels or use "
                + _other(loss.display, "tf.nn.softmax_cross_entropy_with_logits", "categorical_crossentropy"),
            ),
            subject=use,
        )


@rule("LL202", "categorical-loss-with-integer-labels", "categorical (non-sparse) loss with integer labels")
def categorical_loss_with_integer_labels(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a categorical crossentropy (`'categorical_crossentropy'`,
    `CategoricalCrossentropy`, the focal variant) trained or called with
    integer class ids: the labels of `keras.datasets.*.load_data()`,
    `np.random.randint`, `LabelEncoder`, `argmax(..., axis=-1)`,
    `image_dataset_from_directory` (its default `label_mode` is `'int'`),
    `flow_from_directory(class_mode='sparse' or 'binary')`, or a literal array
    of class ids.

    ## Why is this bad?
    A categorical loss expects one row per sample with one entry per class,
    the shape of the model's output. Given `(N,)` or `(N, 1)` class ids, Keras
    raises at the first batch: `ValueError: Arguments target and output must
    have the same rank (ndim)` (or `... the same shape`).

    The finding is reported on the loss; the message names the line the
    labels come from.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x_train, y_train)
    ```

    ## Use instead
    ```python
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```
    or one-hot encode the labels with `keras.utils.to_categorical(y_train, 10)`.

    ## Known problems
    Outputs of a single unit are left to LL105. `.astype(int)` alone does not
    make labels integer class ids here (a one-hot array cast to int is still
    one-hot), so such labels are not checked.
    """
    for use, seen in _once(facts):
        loss, labels, head = use.loss, use.labels, use.prediction
        if loss is None or loss.family != CATEGORICAL or labels.encoding != INTEGER:
            continue
        if head.units == 1 or loss.site in seen:
            continue
        seen.add(loss.site)
        yield Finding(
            "LL202",
            loss.site,
            Message.of(
                f"{loss.display} gets integer labels from {labels.origin}",
                at("labels", labels.site),
                ": one-hot encode them (to_categorical) or use "
                + _other(loss.display, "tf.nn.sparse_softmax_cross_entropy_with_logits", "sparse_categorical_crossentropy"),
            ),
            subject=use,
        )


@rule("LL203", "units-differ-from-classes", "output units differ from the number of classes the labels imply")
def units_differ_from_classes(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a classifier whose output width differs from the number of classes
    of its labels: `to_categorical(y, 100)`, `tf.one_hot(y, depth)` or
    `label_mode='categorical'` with `class_names=[...]` against a
    categorical loss, or class ids beyond the last unit against a sparse loss
    (`cifar100.load_data()` has 100 classes, `reuters` 46,
    `np.random.randint(0, 10)` 10).

    ## Why is this bad?
    With a categorical loss, `(N, C)` labels against a `(N, K)` output raise
    `ValueError: Arguments target and output must have the same shape`. With a
    sparse loss, a class id `>= K` raises `InvalidArgumentError` at the first
    batch on CPU; on GPU there is no error, only a wrong loss.

    The finding is reported on the output layer, usually the line to change;
    the message names the line the class count comes from.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.cifar100.load_data()
    model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```

    ## Use instead
    ```python
    (x_train, y_train), _ = keras.datasets.cifar100.load_data()
    model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(100, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```

    ## Known problems
    A sparse loss with more units than classes computes a correct loss (the
    extra units only learn to stay unlikely), so it is not reported. Sigmoid
    outputs are left to LL105.
    """
    for use, seen in _once(facts):
        if not _classes_mismatch(use):
            continue
        loss, head, labels = use.loss, use.prediction, use.labels
        assert loss is not None
        site = head.units_site or loss.site
        if site in seen:
            continue
        seen.add(site)
        yield Finding(
            "LL203",
            site,
            Message.of(
                f"the output has {_units(head.units)} but the labels have {labels.num_classes} classes",
                at("labels", labels.site, before=f" ({labels.origin}, "),
                f": give the output layer {labels.num_classes} units",
            ),
            subject=use,
        )


@rule("LL204", "sample-count-mismatch", "x and y built with different sample counts")
def sample_count_mismatch(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `fit(x, y)`, `validation_data=(x, y)` or
    `tf.data.Dataset.from_tensor_slices((x, y))` where both arrays are built
    with a literal number of samples and the numbers differ, e.g.
    `np.random.rand(512, 20)` beside `np.random.randint(0, 3, size=256)`.

    ## Why is this bad?
    Keras raises `ValueError: Data cardinality is ambiguous` in `fit`, and
    `from_tensor_slices` raises `Dimensions 512 and 256 are not compatible`.

    The finding is reported where the labels are built; the message names the
    line where x is built.

    ## Example
    ```python
    x = np.random.rand(512, 20)
    y = np.random.randint(0, 3, size=256)
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    x = np.random.rand(512, 20)
    y = np.random.randint(0, 3, size=512)
    model.fit(x, y)
    ```

    ## Known problems
    Only literal sample counts are compared (random or constant arrays,
    array literals); slicing, loaded data and `train_test_split` are not.
    """
    for use, seen in _once(facts):
        labels, features = use.labels, use.features
        if features is None or features.samples is None or labels.samples is None:
            continue
        if features.samples == labels.samples or labels.samples_site is None or features.samples_site is None:
            continue
        if labels.samples_site in seen:
            continue
        seen.add(labels.samples_site)
        yield Finding(
            "LL204",
            labels.samples_site,
            Message.of(
                f"y has {labels.samples} samples but x has {features.samples}",
                at("x", features.samples_site),
                ": build x and y with the same number of samples",
            ),
            subject=use,
        )


@rule("LL205", "labels-out-of-range", "label values outside [0, units) (e.g. 1-based labels)")
def labels_out_of_range(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags integer labels used with a sparse categorical loss whose values fall
    outside `0 .. units - 1`: 1-based class ids (`np.random.randint(1, 11)`
    for 10 units, a literal `[1, 2, 3]` for 3 units) or negative ones.

    ## Why is this bad?
    Keras indexes the output with the label. On CPU the first batch raises
    `InvalidArgumentError: Received a label value of 10 which is outside the
    valid range of [0, 10)`; on GPU there is no error and the loss is NaN or
    garbage.

    The finding is reported where the labels are built (shift them there);
    the message names the output layer.

    ## Example
    ```python
    y = np.random.randint(1, 11, size=512)  # classes 1..10
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = np.random.randint(1, 11, size=512) - 1  # classes 0..9
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```

    ## Known problems
    When the labels also have more classes than the output has units, LL203
    reports it instead. Sigmoid outputs are left to LL105. A loss built with
    `ignore_class=...` is not checked.
    """
    for use, seen in _once(facts):
        loss, head, labels = use.loss, use.prediction, use.labels
        if loss is None or loss.family != SPARSE_CATEGORICAL or labels.encoding != INTEGER:
            continue
        if labels.value_range is None or head.units is None or head.activation == SIGMOID:
            continue
        if use.ignore_class:
            continue  # e.g. ignore_class=-1 for padding labels
        low, high = labels.value_range
        if 0 <= low and high < head.units:
            continue
        if _classes_mismatch(use) or labels.site in seen:
            continue
        seen.add(labels.site)
        fix = f"subtract {low} from them" if low > 0 else f"map them to 0..{head.units - 1}"
        yield Finding(
            "LL205",
            labels.site,
            Message.of(
                f"labels range over {low}..{high} but {loss.display} on {_units(head.units)}",
                at("output", head.units_site),
                f" needs 0..{head.units - 1}: {fix}",
            ),
            subject=use,
        )


@rule("LL206", "mixed-label-encodings", "mixed label encodings in one array (ints beside one-hot rows)")
def mixed_label_encodings(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a label array literal that mixes class ids and rows, such as
    `np.array([0, [0, 1, 0], 2])`, when it is used as labels (in `fit`, a
    loss call or `from_tensor_slices`).

    ## Why is this bad?
    The array has no regular shape. NumPy raises `ValueError: setting an
    array element with a sequence ... inhomogeneous shape`; with
    `dtype=object` the error moves to `fit` (`ValueError: Invalid dtype:
    object`), and a plain list fails in `fit` or in the loss
    (`Can't convert non-rectangular Python sequence to Tensor`).

    The finding is reported on the first element of the rarer kind.

    ## Example
    ```python
    y = np.array([0, 2, [0, 1, 0], 1])
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = np.array([0, 2, 1, 1])
    model.fit(x, y)
    ```

    ## Known problems
    Only literal arrays are checked; arrays concatenated from differently
    encoded parts are not.
    """
    for use, seen in _once(facts):
        labels = use.labels
        if labels.encoding != MIXED or labels.odd_site is None or labels.odd_site in seen:
            continue
        seen.add(labels.odd_site)
        yield Finding(
            "LL206",
            labels.odd_site,
            "label array mixes class ids and one-hot rows: encode every label the same way "
            "(all class ids or all one-hot rows)",
            subject=use,
        )
