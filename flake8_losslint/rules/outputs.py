"""LL108-LL111: the losses, metrics and weights given to compile do not map onto a model's outputs.

These are LL1xx rules (the loss against the output it is given) kept in their own module:
they judge how compile's dicts and lists are matched to the outputs of a model with several,
as Keras 3.15.1 does it (``scripts/check_multi_output_facts.py``,
``scripts/check_config_rule_facts.py``).
"""

from __future__ import annotations

from typing import Iterator, List, Optional, Sequence

from ..facts import CompileArgument, Facts, MultiOutputCompile
from . import Finding, Message, at, rule


def _quoted(names: Sequence[Optional[str]]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _weights_judged(fact: MultiOutputCompile) -> bool:
    """loss_weights dict keys are judged by name only beside a loss dict that names every output
    (measured; with a loss list LL110 judges them)."""
    loss = fact.argument("loss")
    if loss is None or loss.form != "dict":
        return False
    return {key.key for key in loss.keys} == set(fact.names)


def _by_position(keys: List[str], names: Sequence[Optional[str]]) -> Optional[dict]:
    """Which output each weight reaches when Keras 3 pairs the weights dict with the outputs
    in sorted order (dict outputs: both sorted by key); None when the counts differ."""
    if len(keys) != len(names):
        return None
    # No name is None: _weights_judged matched each to a key.
    return dict(zip(sorted(keys), sorted(names)))  # type: ignore[type-var]


def _key_effect(fact: MultiOutputCompile, argument: CompileArgument, key: str) -> Optional[str]:
    """What Keras 3.15.1 does with a key of ``argument`` that names no output (None: nothing wrong)."""
    keys = [k.key for k in argument.keys]
    if argument.name != "loss_weights":
        error = "KeyError" if fact.outputs == "dict" and argument.name == "loss" else "ValueError"
        return f"Keras 3 raises {error} at the first fit step"
    if not _weights_judged(fact) or set(fact.names) <= set(keys):
        return None  # an extra weight beside one for every output is ignored: harmless
    if fact.outputs != "dict":
        return "Keras 3 raises KeyError at the first fit step"
    pairs = _by_position(keys, fact.names)
    if pairs is None:
        return "Keras 3 raises ValueError at the first fit step (one weight per loss)"
    missing = [name for name in fact.names if name not in keys]
    if len(missing) == 1 and all(pairs[k] == (k if k in fact.names else missing[0]) for k in keys):
        return None  # by position each weight lands where the keys mean it: the same training
    return f"Keras 3 gives its weight to '{pairs[key]}' by position, silently"


@rule(
    "LL108",
    "compile-key-names-no-output",
    "a loss, metrics or loss_weights dict key that is not one of the model's output names",
)
def compile_key_names_no_output(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a key of a `loss=`, `metrics=` or `loss_weights=` dict given to
    `compile` that is not a name of the model's outputs, on a functional model
    with several outputs whose every name is known: each output comes from a
    layer built with a literal `name=` (`Model(inputs, [category, price])`),
    or the outputs are a dict literal (`Model(inputs, {"category": ..., ...})`),
    whose keys are then the names.

    ## Why is this bad?
    Keras matches these dicts to the outputs by name. A key that names no
    output is found only when training starts, after the data is loaded
    (Keras 3.15.1, TensorFlow backend; `compile` accepts it):

    - a loss key on list outputs: `ValueError: Expected keys ['category',
      'price'] in loss dict, but found loss.keys()=['class', 'price']` at the
      first `fit`/`evaluate` step;
    - on dict outputs the keys must be the outputs dict's keys, not the layer
      names (the model's `output_names` are the layer names, which misleads):
      `KeyError: "The path: ('layer_a',) in the loss argument, can't be found
      in either the model's output (y_pred) or in the labels (y_true)."`;
    - a metrics key: `ValueError: Expected an instance of tuple, got {'class':
      ('accuracy',)}` (list outputs) or `ValueError: dictionary key mismatch`
      (dict outputs);
    - a `loss_weights` key beside a loss dict: the output left without a weight
      makes list outputs raise a bare `KeyError: 'category'`; on dict outputs
      Keras 3 pairs the weights with the outputs by position in sorted key
      order, silently: `{'class': 0.0, 'price': 0.5}` gave `category` the
      weight 0 (total loss 0.0771 = 0.5 x the price loss alone). When that
      pairing happens to give each weight the output its key means (here
      `class` for `category`), nothing is reported.

    The finding is reported on the key; the message names the model's outputs.

    ## Example
    ```python
    inputs = keras.Input(shape=(16,))
    category = keras.layers.Dense(4, activation="softmax", name="category")(inputs)
    price = keras.layers.Dense(1, name="price")(inputs)
    model = keras.Model(inputs, [category, price])
    model.compile(loss={"class": "sparse_categorical_crossentropy", "price": "mse"})
    ```

    ## Use instead
    ```python
    inputs = keras.Input(shape=(16,))
    category = keras.layers.Dense(4, activation="softmax", name="category")(inputs)
    price = keras.layers.Dense(1, name="price")(inputs)
    model = keras.Model(inputs, [category, price])
    model.compile(loss={"category": "sparse_categorical_crossentropy", "price": "mse"})
    ```

    ## Known problems
    Only programs that run on Keras 3 are judged: Keras 2.15 maps these dicts
    differently (a partial loss dict on list outputs, and layer-name keys on dict
    outputs, run silently there; measured). Outputs from layers without a literal
    `name=` are named by Keras from a global counter (`dense_1`), so such models
    are not judged. A `loss_weights` key beside a loss list is LL110's; an extra
    `loss_weights` key beside one for every output is ignored by Keras and not
    reported. Metrics dicts may name a subset of the outputs.
    """
    for fact in facts.multi_output_compiles:
        if not fact.named:
            continue
        for argument in fact.arguments:
            if argument.form != "dict":
                continue
            missing = [name for name in fact.names if name not in {k.key for k in argument.keys}]
            for key in argument.keys:
                if key.key in fact.names:
                    continue
                effect = _key_effect(fact, argument, key.key)
                if effect is None:
                    continue
                hint = ""
                if fact.outputs == "dict" and key.key in fact.layer_names:
                    hint = " (Keras matches the outputs dict's keys, not the layer names)"
                if key.key in fact.layer_names:
                    fix = f"key it '{fact.names[fact.layer_names.index(key.key)]}' to match the output"
                elif len(missing) == 1 and argument.name != "metrics":
                    fix = f"rename it '{missing[0]}' to match the output"
                else:
                    fix = "use one of the output names"
                yield Finding(
                    "LL108",
                    key.site,
                    Message.of(
                        f"{argument.name} key '{key.key}' is not an output of the model",
                        at("model", fact.model_site),
                        f": its outputs are {_quoted(fact.names)}{hint}; {effect}; {fix}",
                    ),
                    subject=fact,
                )


@rule("LL109", "output-without-loss", "an output of a model with several gets no loss (a short loss list, a partial loss dict)")
def output_without_loss(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a `compile` that leaves some outputs of a functional model without a
    loss: a loss list shorter than the model's list of outputs, or a loss dict
    that lacks a key of the model's outputs dict.

    ## Why is this bad?
    Keras 3.15.1 trains such a model silently on the outputs that have a loss;
    the others get no gradient and never learn. Measured: `Model(i, [category,
    price])` compiled with `loss=["sparse_categorical_crossentropy"]` reports a
    total loss equal to the category loss, and `fit` only warns `Gradients do
    not exist for variables ['price/kernel', 'price/bias']`; a loss dict
    without `'price'` on dict outputs does the same. (A loss dict lacking an
    output of *list* outputs raises instead, and a short loss list on *tuple*
    outputs raises `AttributeError: 'tuple' object has no attribute 'shape'`;
    those are not reported here.)

    The finding is reported on the loss given to `compile`.

    ## Example
    ```python
    model = keras.Model(inputs, [category, price])
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy"])
    ```

    ## Use instead
    ```python
    model = keras.Model(inputs, [category, price])
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    ```
    or write `None` for an output left out on purpose (an auxiliary output):
    `loss=["sparse_categorical_crossentropy", None]`.

    ## Known problems
    Only literal lists and dicts are judged, on programs that run on Keras 3.
    """
    for fact in facts.multi_output_compiles:
        loss = fact.argument("loss")
        if loss is None:
            continue
        count = len(fact.names)
        if fact.outputs == "list" and loss.form == "list" and loss.length is not None and loss.length < count:
            missing = [
                f"'{fact.names[i]}'" if fact.names[i] is not None else f"{i + 1} of {count}"
                for i in range(loss.length, count)
            ]
        elif fact.outputs == "dict" and loss.form == "dict" and fact.named:
            given = {key.key for key in loss.keys}
            if not given <= set(fact.names):
                continue  # a key that names no output: Keras raises (LL108)
            missing = [f"'{name}'" for name in fact.names if name not in given]
        else:
            continue
        if not missing:
            continue
        one = len(missing) == 1
        yield Finding(
            "LL109",
            loss.site,
            Message.of(
                f"output {missing[0]}" if one else f"outputs {', '.join(missing)}",
                " of the model",
                at("model", fact.model_site),
                f" {'gets' if one else 'get'} no loss and {'is' if one else 'are'} not trained: add a loss for each "
                "output (None marks one left out on purpose); Keras 3 only warns at fit that gradients do not exist",
            ),
            subject=fact,
        )


@rule("LL110", "loss-weights-dict-with-loss-list", "a loss_weights dict beside a loss list: Keras 3 pairs them by sorted key order")
def loss_weights_dict_with_loss_list(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags `compile(loss=[...], loss_weights={...})` on a model with a list of
    outputs whose names are known, when pairing the weights with the losses
    by the sorted order of the weight keys does not give each output its own
    weight.

    ## Why is this bad?
    Keras 3.15.1 flattens the `loss_weights` dict in sorted key order and zips
    it with the loss list by position; the keys are never matched to the
    output names. Measured: outputs `[price, category]`, `loss=["mse",
    "sparse_categorical_crossentropy"]`, `loss_weights={"category": 0.0,
    "price": 1.0}` trains on the category loss alone (total 1.0524 = the
    category loss, price weighted 0): the weights are swapped, silently. Keys
    that name no output are applied by position too.

    The finding is reported on the `loss_weights` dict.

    ## Example
    ```python
    model = keras.Model(inputs, [price, category])
    model.compile(loss=["mse", "sparse_categorical_crossentropy"], loss_weights={"category": 0.2, "price": 1.0})
    ```

    ## Use instead
    ```python
    model = keras.Model(inputs, [price, category])
    model.compile(
        loss={"price": "mse", "category": "sparse_categorical_crossentropy"},
        loss_weights={"category": 0.2, "price": 1.0},
    )
    ```
    or give the weights as a list in outputs order: `loss_weights=[1.0, 0.2]`.

    ## Known problems
    Only list outputs whose every layer has a literal `name=` are judged, on
    programs that run on Keras 3, and only when there is one weight per loss
    (otherwise Keras raises `loss_weights must match the number of losses`).
    Weights that are equal where the pairing goes wrong change nothing and
    are not reported.
    """
    for fact in facts.multi_output_compiles:
        loss, weights = fact.argument("loss"), fact.argument("loss_weights")
        if loss is None or weights is None or loss.form != "list" or weights.form != "dict":
            continue
        if fact.outputs != "list" or not fact.named or loss.length != len(weights.keys):
            continue
        keys = [key.key for key in weights.keys]
        written = dict(zip(keys, weights.values))
        ordered = sorted(keys)
        wrong = [
            (key, name)
            for key, name in zip(ordered, fact.names[: len(ordered)])
            if key != name and written.get(key) != written.get(name)  # type: ignore[arg-type]  # fact.named
        ]
        if not wrong:
            continue
        pairs = [f"the weight of '{key}' goes to '{name}'" for key, name in wrong]
        listed = pairs[0] if len(pairs) == 1 else ", ".join(pairs[:-1]) + " and " + pairs[-1]
        yield Finding(
            "LL110",
            weights.site,
            Message.of(
                "loss_weights is a dict but loss is a list: Keras 3 pairs them by position in sorted key order, "
                "not by the names of the model's outputs",
                at("model", fact.model_site),
                f", so {listed}, silently; pass loss as a dict, or loss_weights as a list in outputs order",
            ),
            subject=fact,
        )


@rule("LL111", "loss-list-on-dict-outputs", "a loss list for a dict of outputs written in another order than its sorted keys")
def loss_list_on_dict_outputs(facts: Facts) -> Iterator[Finding]:
    """
    ## What it does
    Flags a loss list given to `compile` for a model whose outputs are a dict
    literal written in an order other than the sorted order of its keys, when
    the list would give some output another output's loss.

    ## Why is this bad?
    Keras 3.15.1 matches a loss list to dict outputs in the sorted order of
    the keys, not in the order the dict is written. Measured: outputs
    `{"price": ..., "category": ...}` with `loss=["sparse_categorical_crossentropy",
    "mse"]` trains correctly (category first, as sorted), while the list in
    written order, `["mse", "sparse_categorical_crossentropy"]`, applies `mse`
    to the category output. Here it raised only because the shapes clash;
    outputs of one shape would train on the wrong losses silently.

    The finding is reported on the loss list.

    ## Example
    ```python
    model = keras.Model(inputs, {"price": price, "category": category})
    model.compile(loss=["mse", "sparse_categorical_crossentropy"])
    ```

    ## Use instead
    ```python
    model = keras.Model(inputs, {"price": price, "category": category})
    model.compile(loss={"price": "mse", "category": "sparse_categorical_crossentropy"})
    ```

    ## Known problems
    Only dict literals of outputs with literal string keys and loss lists with
    one loss per output are judged, on programs that run on Keras 3. A list
    whose misplaced entries are written alike (`["mse", "mse"]`) computes the
    same and is not reported.
    """
    for fact in facts.multi_output_compiles:
        loss = fact.argument("loss")
        if fact.outputs != "dict" or not fact.named or loss is None or loss.form != "list":
            continue
        names = list(fact.names)
        ordered = sorted(names)  # type: ignore[type-var]  # no name is None: fact.named
        if loss.length != len(names) or len(set(names)) != len(names) or ordered == names:
            continue
        # The loss meant for names[i] (written i-th) lands on ordered[i].
        wrong = [
            (names[i], ordered[i], loss.values[i])
            for i in range(len(names))
            if names[i] != ordered[i] and loss.values[i] != loss.values[names.index(ordered[i])]
        ]
        if not wrong:
            continue
        written, target, value = wrong[0]
        yield Finding(
            "LL111",
            loss.site,
            Message.of(
                "the loss list is matched to the model's outputs",
                at("model", fact.model_site),
                f" in the sorted order of their keys ({_quoted(ordered)}), not as the outputs dict is written "
                f"({_quoted(names)}): {value}, written for '{written}', goes to '{target}'; "
                "pass the losses as a dict keyed by output",
            ),
            subject=fact,
        )
