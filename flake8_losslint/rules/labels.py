"""LL2xx: the labels contradict the loss or the output they are trained against."""

from __future__ import annotations

from typing import Iterator, Optional, Set, Tuple

from ..facts import (
    BINARY,
    CATEGORICAL,
    INTEGER,
    ClassWeightUse,
    MIXED,
    MULTI_HOT,
    NOT_LITERAL,
    ONE_HOT,
    REGRESSION,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    Facts,
    Labels,
    LabelUse,
    PlaceholderFeed,
    Site,
)
from . import Finding, Message, at, rule


def _once(facts: Facts) -> Iterator[Tuple[LabelUse, Set[Site]]]:
    """Each use, with the set of sites already reported (one finding per site)."""
    seen: Set[Site] = set()
    for use in facts.label_uses:
        yield use, seen


# TensorFlow 1's loss functions, each beside the one for the other label encoding.
_TF1_PAIRS = {
    "sparse_softmax_cross_entropy": "softmax_cross_entropy",
    "softmax_cross_entropy": "sparse_softmax_cross_entropy",
}


def _other(display: str, tf_nn: str, keras_name: str) -> str:
    """The loss to switch to, in the same API as the one used."""
    module, _, name = display.rpartition(".")
    if module.endswith("losses") and display.startswith("tf.") and name in _TF1_PAIRS:
        return f"{module}.{_TF1_PAIRS[name]}"
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


def _placeholder_columns(feed: PlaceholderFeed) -> Optional[int]:
    """The label columns a placeholder's written shape takes: 0 for ``[None]`` (one class id
    per sample), C for ``[None, C]``; None for any other shape."""
    if len(feed.shape) == 1:
        return 0
    if len(feed.shape) == 2 and isinstance(feed.shape[1], int):
        return feed.shape[1]
    return None


def _shape_text(shape: Tuple[Optional[int], ...]) -> str:
    return "[" + ", ".join("None" if dim is None else str(dim) for dim in shape) + "]"


@rule("LL201", "sparse-loss-with-one-hot-labels", "sparse categorical loss with one-hot labels")
def sparse_loss_with_one_hot_labels(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a sparse categorical crossentropy (`'sparse_categorical_crossentropy'`,
    `SparseCategoricalCrossentropy`, `tf.nn.sparse_softmax_cross_entropy_with_logits`,
    `tf.compat.v1.losses.sparse_softmax_cross_entropy`) trained or called with
    one-hot labels: labels built with `to_categorical`, `tf.one_hot`,
    `keras.ops.one_hot`, `np.eye(n)[y]`, `OneHotEncoder`, `LabelBinarizer` and
    `label_binarize` (three or more classes), `pd.get_dummies`,
    `read_data_sets(..., one_hot=True)` (TensorFlow 1's MNIST),
    `image_dataset_from_directory(label_mode='categorical')`,
    `flow_from_directory` (its default `class_mode` is `'categorical'`) or a
    literal array of one-hot rows. It also flags a TensorFlow 1 placeholder
    written as `[None]` (one class id per sample) that `feed_dict` fills with
    one-hot rows, on the placeholder's line, when no sparse loss op already
    reports those labels.

    The labels are followed through assignments, tuple unpacking, row slices,
    `train_test_split`, `sklearn.utils.shuffle`, `tf.data.Dataset.from_tensor_slices((x, y))`
    and its `.batch/.shuffle/.map/.prefetch` chain, into `fit(x, y)`, `fit(dataset)`,
    `validation_data=(x, y)`, `evaluate`, `train_on_batch`, direct
    `loss_fn(y_true, y_pred)` calls and `feed_dict` (README, "What it
    understands", lists every loader and operation).

    ## Why is this bad?
    A sparse loss expects one class id per sample, shape `(N,)` or `(N, 1)`.
    Given `(N, C)` one-hot rows, Keras raises at the first batch:
    `ValueError: Argument output must have rank (ndim) target.ndim - 1`,
    after the data has been loaded and the model built.

    The finding is reported on the loss, the line to change; the message names
    the line where the labels were one-hot encoded. A `[None]` placeholder fed
    one-hot rows fails at the feed: `ValueError: Cannot feed value of shape
    (64, 3) for Tensor Placeholder:0, which has shape (None,)`.

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
    Labels from functions the linter cannot see, labels assigned two different
    encodings on different branches, and `Dataset.map` with a named function
    are not checked. `LabelBinarizer` and `label_binarize` are followed only
    when the class count is known: with two classes they give one 0/1 column,
    not one-hot rows.
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
    reported: Set[Site] = set()
    for feed in facts.placeholder_feeds:
        labels = feed.labels
        if _placeholder_columns(feed) != 0 or labels.encoding != ONE_HOT or labels.num_classes == 1:
            continue
        if SPARSE_CATEGORICAL in feed.loss_families or feed.placeholder_site in reported:
            continue  # the sparse loss op reports these labels itself
        reported.add(feed.placeholder_site)
        yield Finding(
            "LL201",
            feed.placeholder_site,
            Message.of(
                f"placeholder {feed.name} takes one class id per sample ({_shape_text(feed.shape)}) "
                f"but is fed one-hot rows from {labels.origin}",
                at("labels", labels.site),
                " through feed_dict",
                at("feed", feed.feed_site),
                ": feed the class ids, or declare it [None, C] with a categorical loss",
            ),
            subject=feed,
        )


@rule("LL202", "categorical-loss-with-integer-labels", "categorical (non-sparse) loss with integer labels")
def categorical_loss_with_integer_labels(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a categorical crossentropy (`'categorical_crossentropy'`,
    `CategoricalCrossentropy`, the focal variant,
    `tf.nn.softmax_cross_entropy_with_logits`, `tf.compat.v1.losses.softmax_cross_entropy`)
    trained or called with integer class ids: the labels of
    `keras.datasets.*.load_data()`, TensorFlow 1's `read_data_sets` (its
    default is `one_hot=False`), `tensorflow_datasets.load(..., as_supervised=True)`,
    torchvision and scikit-learn data sets, `np.random.randint`, `LabelEncoder`,
    `argmax(..., axis=-1)`, `image_dataset_from_directory` (its default
    `label_mode` is `'int'`), `flow_from_directory(class_mode='sparse' or
    'binary')`, or a literal array of class ids. It also flags a TensorFlow 1
    placeholder written as `[None, C]` (one-hot rows) that `feed_dict` fills
    with class ids, on the placeholder's line, even when the crossentropy is
    written by hand (`-tf.reduce_sum(y_ * tf.log(p))`), unless a categorical
    loss op already reports those labels.

    ## Why is this bad?
    A categorical loss expects one row per sample with one entry per class,
    the shape of the model's output. Given `(N,)` or `(N, 1)` class ids, Keras
    raises at the first batch: `ValueError: Arguments target and output must
    have the same rank (ndim)` (or `... the same shape`).

    The finding is reported on the loss; the message names the line the
    labels come from. A `[None, C]` placeholder fed class ids fails at the
    feed: `ValueError: Cannot feed value of shape (64,) for Tensor
    Placeholder:0, which has shape (None, 3)` (TensorFlow 2.21,
    `tf.compat.v1`).

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
    reported: Set[Site] = set()
    for feed in facts.placeholder_feeds:
        columns = _placeholder_columns(feed)
        if columns is None or columns < 2 or feed.labels.encoding != INTEGER:
            continue
        if CATEGORICAL in feed.loss_families or feed.placeholder_site in reported:
            continue  # the categorical loss op reports these labels itself
        reported.add(feed.placeholder_site)
        yield Finding(
            "LL202",
            feed.placeholder_site,
            Message.of(
                f"placeholder {feed.name} takes one-hot rows ({_shape_text(feed.shape)}) "
                f"but is fed integer labels from {feed.labels.origin}",
                at("labels", feed.labels.site),
                " through feed_dict",
                at("feed", feed.feed_site),
                f": one-hot encode what is fed (np.eye({columns})[y]), or declare it [None] with a sparse loss",
            ),
            subject=feed,
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
        assert loss is not None and head.units is not None  # _classes_mismatch checked both
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

    A value that marks pixels or steps to leave out (255 for void pixels in
    segmentation masks, -1 for padding) raises the same way unless the loss
    skips it: `SparseCategoricalCrossentropy(ignore_class=255)` averages over
    the other labels only (Keras 3.15.1: 3.5364, the mean over the non-void
    pixels). An `ignore_class` skips that one value and no other:
    `ignore_class=-1` with labels 1..3 on 3 units still raises `Received a
    label value of 3 which is outside the valid range of [0, 3)`.

    ## Known problems
    When the labels also have more classes than the output has units, LL203
    reports it instead. Sigmoid outputs are left to LL105. An `ignore_class`
    equal to the lowest out-of-range value (below 0) or the highest (from
    `units` up) is taken to cover the values beyond it; one that is not a
    literal is not checked.
    """
    for use, seen in _once(facts):
        loss, head, labels = use.loss, use.prediction, use.labels
        if loss is None or loss.family != SPARSE_CATEGORICAL or labels.encoding != INTEGER:
            continue
        if labels.value_range is None or head.units is None or head.activation == SIGMOID:
            continue
        low, high = labels.value_range
        if 0 <= low and high < head.units:
            continue
        ignore = loss.argument("ignore_class")
        if ignore is NOT_LITERAL or _ignored(ignore, low, high, head.units):
            continue  # e.g. ignore_class=-1 for padding labels
        if _classes_mismatch(use) or labels.site in seen:
            continue
        seen.add(labels.site)
        fix = f"subtract {low} from them" if low > 0 else f"map them to 0..{head.units - 1}"
        void = _void_value(low, high, head.units)
        if void is not None and ignore is None and _takes_ignore_class(loss.display):
            fix += f", or, if {void} marks labels to leave out, {_ignoring(loss.display, str(void))}"
        skipped = f" (ignore_class={ignore} skips only {ignore})" if ignore is not None else ""
        yield Finding(
            "LL205",
            labels.site,
            Message.of(
                f"labels range over {low}..{high} but {loss.display} on {_units(head.units)}",
                at("output", head.units_site),
                f" needs 0..{head.units - 1}{skipped}: {fix}",
            ),
            subject=use,
        )


# Values that mark labels to leave out, by convention: void pixels (255), padding (-1, -100).
_VOID_VALUES = (255, -1, -100)


def _ignored(ignore: object, low: int, high: int, units: int) -> bool:
    """Whether ``ignore_class=ignore`` covers every out-of-range value of labels ``low..high``."""
    if ignore is None or type(ignore) is not int:
        return False
    if low < 0 and high >= units:
        return False  # values out of range on both sides: one ignored value cannot cover them
    return ignore == low if low < 0 else ignore == high


def _void_value(low: int, high: int, units: int) -> Optional[int]:
    """The one conventional leave-out value at the out-of-range end of ``low..high``, if any."""
    if low < 0 and high < units and low in _VOID_VALUES:
        return low
    if low >= 0 and high >= units and high in _VOID_VALUES:
        return high
    return None


def _takes_ignore_class(display: str) -> bool:
    """A Keras sparse crossentropy (class, function or string), not a tf.nn/tf.compat.v1 op."""
    return not display.startswith("tf.")


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
            Message.of(
                "label array mixes class ids and one-hot rows: encode every label the same way "
                "(all class ids or all one-hot rows)"
            ),
            subject=use,
        )


def _columns(labels: Labels) -> Optional[int]:
    """Label columns per sample: 1 for class ids ((N,) or (N, 1)), C for one-hot and multi-hot rows."""
    if labels.encoding == INTEGER:
        return labels.columns if labels.shape is not None else 1
    if labels.encoding == ONE_HOT:
        return labels.columns or labels.num_classes
    return labels.columns


def _binary_ids(labels: Labels) -> bool:
    """Class ids of a two-class problem: 0/1 in one column."""
    if labels.encoding != INTEGER:
        return False
    if labels.value_range is not None:
        return 0 <= labels.value_range[0] and labels.value_range[1] <= 1
    return labels.num_classes == 2


def _maybe_steps(labels: Labels, columns: int, units: int) -> bool:
    """W > 1 label columns against one output unit may be W time steps against a sequence
    output (N, W, 1), which Keras aligns by expanding the labels: only one-hot columns are
    surely columns."""
    return columns > 1 and units == 1 and labels.encoding != ONE_HOT


def _columns_text(count: int) -> str:
    return "1 column" if count == 1 else f"{count} columns"


@rule(
    "LL207",
    "label-columns-differ-from-units",
    "label columns differ from the output units under a binary/sigmoid loss",
)
def label_columns_differ_from_units(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a binary crossentropy (or a crossentropy on sigmoid units) whose
    labels have a different number of columns than the output has units:
    one column of 0/1 labels (`np.random.randint(0, 2, n)`, `imdb.load_data()`,
    `label_mode='binary'`) against `K > 1` sigmoid units, or `C` one-hot
    columns (`to_categorical(y, 2)`) against `K != C` units.

    ## Why is this bad?
    Binary crossentropy compares each output unit with its own label column,
    so labels and output must have the same shape. Keras 3.15 raises at the
    first batch of `fit`: `ValueError: Arguments target and output must have
    the same rank (ndim)` for `(N,)` labels against `(N, 2)`, `... must have
    the same shape` for `(N, 1)` or `(N, 2)` against `(N, 1)`; Keras 2 raises
    `logits and labels must have the same shape`.

    The finding is reported on the output layer; the message names the line
    the labels come from.

    ## Example
    ```python
    y = np.random.randint(0, 2, 500)  # one 0/1 label per sample
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = np.random.randint(0, 2, 500)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y)
    ```

    ## Known problems
    Multi-hot labels with as many sigmoid units as columns, and
    `Dense(1, "sigmoid")` with 0/1 labels, are correct and stay silent. Several
    0/1 columns against one unit are not reported unless they are one-hot rows:
    they may be time steps against a sequence output `(N, T, 1)`.
    Softmax outputs are left to LL104 (binary loss) and LL203 (categorical
    loss); class ids of more than two classes under a binary loss are not
    checked.
    """
    for use, seen in _once(facts):
        loss, head, labels = use.loss, use.prediction, use.labels
        if loss is None or head.units is None or head.activation == SOFTMAX:
            continue
        if loss.family == BINARY:
            if labels.encoding == INTEGER and not _binary_ids(labels):
                continue
            if labels.encoding not in (INTEGER, ONE_HOT, MULTI_HOT):
                continue
        elif not (loss.family == CATEGORICAL and head.activation == SIGMOID and labels.encoding == ONE_HOT):
            continue  # softmax and sparse losses: LL203
        columns = _columns(labels)
        if columns is None or columns == head.units or _maybe_steps(labels, columns, head.units):
            continue
        site = head.units_site or loss.site
        if site in seen:
            continue
        seen.add(site)
        if columns == 1:
            described, fix = "one 0/1 column", "give the output layer 1 unit"
        elif labels.encoding == ONE_HOT and head.units == 1 and columns == 2:
            described = "2 one-hot columns"
            fix = "pass the class ids as one 0/1 column, or give the output layer 2 units"
        else:
            kind = "one-hot " if labels.encoding == ONE_HOT else ""
            described, fix = f"{columns} {kind}columns", f"give the output layer {columns} units"
        yield Finding(
            "LL207",
            site,
            Message.of(
                f"the output has {_units(head.units)} but the labels have {described}",
                at("labels", labels.site, before=f" ({labels.origin}, "),
                f": {loss.display} needs one label column per unit; {fix}",
            ),
            subject=use,
        )


@rule("LL208", "target-shape-differs-from-output", "regression target shape differs from the output shape")
def target_shape_differs_from_output(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a Keras element-wise loss (`'mse'`, `'mae'`, `'mape'`, `'msle'`,
    `'huber'`, `'log_cosh'`, their classes and functions) whose target
    columns differ from the output's: one target column against `K > 1`
    outputs, `W` columns against `K != W`. (PyTorch's element-wise losses are
    LL407.)

    ## Why is this bad?
    These losses subtract target from output element by element, with
    broadcasting. Measured on Keras 3.15: a `(N,)` target against a `(N, 4)`
    output raises `ValueError: Dimensions must be equal, but are 64 and 4`
    (it runs, wrongly, when a batch has exactly 4 rows); a `(N, 1)` target
    runs silently and trains every output unit towards the one target;
    Keras 2 does that for `(N,)` targets too. In fit, Keras 3 aligns a `(N,)`
    target with a `(N, 1)` output, so that case is not reported.

    The finding is reported on the output layer; the message names the line
    the targets come from.

    ## Example
    ```python
    y = np.random.rand(200)  # one target per sample
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = np.random.rand(200)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y)
    ```

    ## Known problems
    Only targets whose per-sample shape is known are checked (random arrays,
    literals, loaders that say so). `W` target columns against one output unit
    run silently on the broadcast (measured), but they are not reported: the
    output may be a sequence `(N, W, 1)`, which Keras aligns with `(N, W)`
    targets, and the output's rank is not followed. A `keras.losses.Loss` subclass computing
    the same element-wise loss broadcasts `(N,)` against `(N, 1)` to `(N, N)`
    in Keras 3 (measured), but what a subclass computes is not followed, so
    it is not reported.
    """
    for use, seen in _once(facts):
        loss, head, labels = use.loss, use.prediction, use.labels
        if loss is None or loss.family != REGRESSION or head.units is None:
            continue
        columns = labels.columns
        if columns is None or columns == head.units or _maybe_steps(labels, columns, head.units):
            continue
        site = head.units_site or loss.site
        if site in seen:
            continue
        seen.add(site)
        if columns == 1 and labels.shape == ():
            effect = "Keras 3 raises unless a batch has exactly that many rows; Keras 2 broadcasts silently"
        elif columns == 1:
            effect = "Keras trains every output on the one target, silently"
        else:
            effect = "Keras raises at the first batch"
        yield Finding(
            "LL208",
            site,
            Message.of(
                f"{loss.display} compares targets of {_columns_text(columns)}",
                at("targets", labels.site, before=f" ({labels.origin}, "),
                f" with an output of {_units(head.units)}: {effect}; "
                f"give the output layer {_units(columns)} or reshape the targets",
            ),
            subject=use,
        )


def _ignoring(display: str, value: str) -> str:
    """How to make the sparse loss ``display`` skip the label ``value``."""
    if display.startswith(("'", '"')) or not display[:1].isupper():
        return f"use keras.losses.SparseCategoricalCrossentropy(ignore_class={value})"
    return f"set ignore_class={value}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@rule("LL209", "padding-label-not-ignored", "labels padded with a value the sparse loss does not ignore (pad_sequences)")
def padding_label_not_ignored(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags sequence labels padded by `pad_sequences` (`keras.utils`,
    `keras.preprocessing.sequence`) that meet a Keras sparse categorical
    crossentropy whose `ignore_class` is not the padding value (`value=`,
    0 by default), when nothing in the file masks padded steps
    (`Embedding(mask_zero=True)`, a `Masking` layer, a layer defining
    `compute_mask`) and `fit` is given no `sample_weight`.

    ## Why is this bad?
    The padded steps are labels like any other. Padded with 0, they train
    the model to predict class 0 after every sequence's end, silently, and
    weigh in the loss and the metrics. Measured on Keras 3.15.1 (TensorFlow
    2.21, CPU): labels of 8 sequences padded with 0 after 4 of 6 steps give a
    loss of 2.0251 with `ignore_class=-1` or none, the mean over all steps;
    `ignore_class=0` gives 1.9562, the mean over the real steps. With
    `Embedding(mask_zero=True)` in the model the padded steps are left out
    already: `evaluate` gives the same loss for `ignore_class` None, 0 and -1.
    Padded with a value outside the
    classes (-1) and not ignored, the first batch raises `InvalidArgumentError:
    Received a label value of -1 which is outside the valid range of [0, 5)`
    on CPU (Keras 2.15 alike).

    The finding is reported on the loss, where `ignore_class` goes; the message
    names the padding.

    ## Example
    ```python
    tags = keras.utils.pad_sequences(tag_ids, maxlen=40, padding="post")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(tokens, tags)
    ```

    ## Use instead
    ```python
    tags = keras.utils.pad_sequences(tag_ids, maxlen=40, padding="post")
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0))
    model.fit(tokens, tags)
    ```
    (when 0 is no real class), or mask the padded steps in the model with
    `Embedding(..., mask_zero=True)`.

    ## Known problems
    Any mask source anywhere in the file silences the rule: which model it
    reaches is not followed. A loss built with `reduction=None` (`"none"`) is
    left alone, since the program may mask the per-step losses itself. Labels
    padded another way (`np.pad`, a loop) are not recognised.
    """
    if facts.mask_sources:
        return
    seen: Set[Site] = set()
    for use in facts.label_uses:
        loss, labels = use.loss, use.labels
        if labels.padding is None or loss is None or loss.family != SPARSE_CATEGORICAL or use.sample_weight:
            continue
        if loss.display.startswith("tf.") or loss.argument("reduction", "sum_over_batch_size") in (None, "none", NOT_LITERAL):
            continue
        ignore = loss.argument("ignore_class")
        if ignore is NOT_LITERAL or ignore == labels.padding or loss.site in seen:
            continue
        seen.add(loss.site)
        pad = _number(labels.padding)
        ignoring = f"which ignores {ignore}" if ignore is not None else "which ignores no class"
        units = use.prediction.units
        if labels.padding < 0 or (units is not None and labels.padding >= units):
            effect = f"Keras raises InvalidArgumentError at the first batch on CPU (label {pad} is out of range)"
        else:
            effect = f"the padded steps train as class {pad}, silently"
        yield Finding(
            "LL209",
            loss.site,
            Message.of(
                f"labels padded with {pad} by {labels.origin}",
                at("labels", labels.site),
                f" meet {loss.display}, {ignoring}: {effect}; {_ignoring(loss.display, pad)}, "
                "or mask the padded steps (Embedding(mask_zero=True))",
            ),
            subject=use,
        )


def _shape_of(labels: Labels) -> str:
    shape = labels.shape or ()
    return "(N" + "".join(f", {'?' if dim is None else dim}" for dim in shape) + ")"


def _per_step_ids(labels: Labels) -> bool:
    """One id (or 0/1 value) per step or column: labels of rank 2 whose last axis is not a class axis."""
    shape = labels.shape
    if shape is None or len(shape) != 1 or not isinstance(shape[0], int) or shape[0] < 2:
        return False
    if labels.encoding in (INTEGER, MULTI_HOT):
        return True
    return labels.encoding is None and labels.dtype == "int"


@rule("LL210", "class-weight-on-sequence-labels", "class_weight with labels that hold more than one class per sample")
def class_weight_on_sequence_labels(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `fit(..., class_weight=...)` whose labels
    hold more than one class per sample: class ids per time step or pixel
    (`(N, T)` integers such as `np.random.randint(0, 5, (N, T))`, sequences
    from `pad_sequences`), multi-hot rows `(N, K)`, and, on Keras 3, any
    label array of rank 3 or more (`(N, T, C)` one-hot steps, `(N, H, W)`
    masks).

    ## Why is this bad?
    `class_weight` gives each *sample* one weight, looked up by one class id
    per sample: Keras takes the labels as they are when they have rank 1,
    drops a last axis of 1, and otherwise takes the argmax over the last
    axis. Measured on Keras 3.15.1 (TensorFlow 2.21, CPU) and Keras 2.15.0:

    - `(N, T)` class ids: the argmax is a *position*, not a class. Keras 3
      raises `ValueError: Dimensions must be equal, but are 5 and 8` at the
      first step (silently wrong when `T` equals the batch size); Keras 2
      trains silently with weights by position (1.7354 where per-step weights
      give 2.1934).
    - multi-hot `(N, K)`: each row is weighted by its first positive column
      (0.9886 instead of 0.7104 unweighted), not each label by its class.
    - NumPy or tensor labels of rank 3 or more in Keras 3: `TypeError: only
      0-dimensional arrays can be converted to Python scalars` when `fit`
      builds the weights, before the first step. (One-hot `(N, T, C)` steps
      from a `tf.data.Dataset` are weighted per step correctly in Keras 3,
      and as arrays in Keras 2: not reported.)

    The finding is reported on `class_weight=`; the message names the labels.

    ## Example
    ```python
    tags = np.random.randint(0, 5, size=(1000, 40))  # one tag per token
    model.fit(tokens, tags, class_weight={0: 0.1, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0})
    ```

    ## Use instead
    ```python
    tags = np.random.randint(0, 5, size=(1000, 40))
    weights = np.array([0.1, 1.0, 1.0, 1.0, 1.0])[tags]  # one weight per token, shape (1000, 40)
    model.fit(tokens, tags, sample_weight=weights)
    ```

    ## Known problems
    Only labels whose per-sample shape is known are judged (random arrays,
    literals, loaders that say so, `pad_sequences`), and only when the labels
    reach `fit` beside the `class_weight`.
    """
    seen: Set[Site] = set()
    for use in facts.class_weight_uses:
        weights, labels = use.weights, use.labels
        if labels is None or weights.site in seen:
            continue
        shape = labels.shape
        if weights.keras3 and not use.dataset and (
            (shape is not None and len(shape) >= 2) or (labels.padding is not None and labels.shape is None)
        ):
            if labels.padding is not None and shape is None:
                what = f"padded sequences from {labels.origin}"
            else:
                what = f"labels of shape {_shape_of(labels)}"
            effect = "Keras 3 raises TypeError when fit builds the weights (only 0-dimensional arrays ...)"
            if labels.padding is not None and shape is None:
                effect = "Keras 3 raises (TypeError, or a shape error at the first step) or weights by position"
            fix = "pass per-step weights as sample_weight, shaped like the labels without their class axis"
        elif _per_step_ids(labels):
            if labels.encoding == MULTI_HOT:
                what = f"multi-hot labels of shape {_shape_of(labels)}"
                effect = "Keras weighs each row by its first positive column (the argmax), not each label"
                fix = "weigh the label columns inside the loss instead"
            else:
                what = f"one class id per step, shape {_shape_of(labels)}"
                effect = (
                    "the argmax over the last axis is a position, not a class: Keras 3 raises at the first step "
                    "(or weights by position when the steps equal the batch size), Keras 2 weights by position silently"
                )
                fix = f"pass per-step weights as sample_weight of shape {_shape_of(labels)}"
        else:
            continue
        seen.add(weights.site)
        yield Finding(
            "LL210",
            weights.site,
            Message.of(
                "class_weight gives one weight per sample, but these are ",
                what,
                at("labels", labels.site),
                f": {effect}; {fix}",
            ),
            subject=use,
        )


def _class_count(use: ClassWeightUse) -> Optional[Tuple[int, int, str]]:
    """The class ids the labels can take, as (low, high, why), when known."""
    loss, head, labels = use.loss, use.prediction, use.labels
    if labels is not None and labels.encoding == INTEGER and labels.value_range is not None:
        low, high = labels.value_range
        return low, high, f"the labels are {low}..{high}"
    if loss is None or head.units is None:
        return None
    if loss.family in (SPARSE_CATEGORICAL, CATEGORICAL) and head.activation != SIGMOID and head.units > 1:
        return 0, head.units - 1, f"the output has {_units(head.units)}"
    if loss.family == BINARY and head.units == 1:
        return 0, 1, "the binary labels are 0 and 1"
    return None


@rule("LL211", "class-weight-key-matches-no-label", "a class_weight key that no label takes (a string, or an id beyond the classes)")
def class_weight_key_matches_no_label(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a key of a `class_weight` dict literal given to `fit` that no label
    can take: a string (`{"cat": 1.0, "dog": 3.0}`, `{"0": ...}`), or a class
    id outside the labels' classes, which are known from the labels' values or
    from the output (`0..units-1` for a softmax classifier, 0 and 1 for one
    sigmoid unit): `{1: 1.0, 2: 5.0, 3: 1.0}` for a 3-unit output.

    ## Why is this bad?
    Keras looks each label up among the keys. Measured on Keras 3.15.1
    (TensorFlow 2.21, CPU) with NumPy labels: string keys make `fit` ignore
    `class_weight` entirely (loss 1.2051, as unweighted), silently; keys 1..K
    for labels 0..K-1 train silently with label 0 at weight 1.0 and every
    other label at its neighbour's weight; a key no label takes is ignored.
    With a `tf.data.Dataset`, string keys raise `TypeError: can only
    concatenate str (not "int") to str`. Keras 2.15 raises `ValueError:
    Expected class_weight to be a dict with keys from 0 to one less than the
    number of classes`.

    The finding is reported on the key.

    ## Example
    ```python
    model.add(keras.layers.Dense(3, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, class_weight={1: 1.0, 2: 5.0, 3: 1.0})
    ```

    ## Use instead
    ```python
    model.fit(x, y, class_weight={0: 1.0, 1: 5.0, 2: 1.0})
    ```

    ## Known problems
    Only dict literals with literal keys are judged. A class with no key gets
    weight 1.0 in Keras 3 with arrays (measured) and is not reported.
    """
    seen: Set[Site] = set()
    for use in facts.class_weight_uses:
        weights = use.weights
        if not weights.literal:
            continue
        classes = _class_count(use)
        effect3 = "Keras 3 never applies it, silently"
        effect = effect3 if weights.keras3 else "Keras 2 raises ValueError at fit"
        for key, site in weights.keys:
            if site in seen or type(key) is bool:
                continue
            if isinstance(key, str):
                why = "labels are numbers"
                if weights.keras3:
                    effect_here = "Keras 3 never matches it, silently (a Dataset raises TypeError)"
                else:
                    effect_here = effect
            elif isinstance(key, (int, float)) and classes is not None and not (classes[0] <= key <= classes[1]):
                why = classes[2]
                effect_here = effect
            else:
                continue
            seen.add(site)
            yield Finding(
                "LL211",
                site,
                Message.of(
                    f"class_weight key {key!r} matches no label ({why}): {effect_here}; key the weights by class id",
                    f" {classes[0]}..{classes[1]}" if classes is not None else "",
                ),
                subject=use,
            )
