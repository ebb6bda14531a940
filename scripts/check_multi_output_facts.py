"""Measure how Keras maps loss, metric and loss_weights settings onto the heads of a multi-output model.

Run with a Python that has Keras 3 (TensorFlow backend):
    TF_CPP_MIN_LOG_LEVEL=3 /path/to/python scripts/check_multi_output_facts.py
Every situation is run on a fresh model with `compile` then `evaluate` (or `fit`), so the stage of
the failure is known; losses are compared per head, which shows where a weight or a loss went.
It prints each outcome and exits non-zero when an expectation below no longer holds.
Observed with Keras 3.15.1 / TensorFlow 2.21 / NumPy 2.4 (CPU); nothing here runs during the tests.
"""

from __future__ import annotations

import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

N = 16
RNG = np.random.default_rng(0)
X = RNG.random((N, 4)).astype("float32")
Y_CLASS = RNG.integers(0, 3, N)
Y_PRICE = RNG.random((N, 1)).astype("float32")
SPARSE, MSE = "sparse_categorical_crossentropy", "mse"
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def listed(order: str = "ab", as_tuple: bool = False) -> keras.Model:
    """Functional model; heads named `category` (3-way softmax) and `price` (linear)."""
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    category = keras.layers.Dense(3, activation="softmax", name="category")(inputs)
    price = keras.layers.Dense(1, name="price")(inputs)
    outputs = [category, price] if order == "ab" else [price, category]
    return keras.Model(inputs, tuple(outputs) if as_tuple else outputs)


def keyed(price_first: bool = False) -> keras.Model:
    """Functional model whose outputs are a dict; the layer names differ from the dict keys."""
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    category = keras.layers.Dense(3, activation="softmax", name="layer_a")(inputs)
    price = keras.layers.Dense(1, name="layer_b")(inputs)
    if price_first:
        return keras.Model(inputs, {"price": price, "category": category})
    return keras.Model(inputs, {"category": category, "price": price})


def run(model: keras.Model, y, **compile_kwargs):
    """(stage, result): stage is 'compile', 'evaluate' or 'ok'; result the losses or the error."""
    stage = "compile"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.compile("sgd", **compile_kwargs)
            stage = "evaluate"
            result = model.evaluate(X, y, verbose=0, batch_size=N, return_dict=True)
        return "ok", {key: round(value, 4) for key, value in result.items()}
    except Exception as error:  # noqa: BLE001 - reporting what the library raises
        return stage, f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


def show(name: str, outcome) -> tuple:
    print(f"     {name}: {outcome[0]} {outcome[1]}")
    return outcome


def raises(outcome, stage: str, text: str) -> bool:
    return outcome[0] == stage and text in outcome[1]


def main() -> None:
    print("keras", keras.__version__, "backend", keras.backend.backend())
    both = [Y_CLASS, Y_PRICE]
    keyed_y = {"category": Y_CLASS, "price": Y_PRICE}
    good = {"category": SPARSE, "price": MSE}
    check(listed().output_names == ["category", "price"], "output_names of a list-output model are the layer names")
    check(keyed().output_names == ["layer_a", "layer_b"], "output_names of a dict-output model are the LAYER names, not the keys")

    reference = show("list outputs, loss dict by layer name", run(listed(), both, loss=good))[1]
    check(abs(reference["loss"] - reference["category_loss"] - reference["price_loss"]) < 1e-3, "total loss = sum of head losses")

    # -- loss dict keys ---------------------------------------------------------------------------
    outcome = show("list outputs, loss key 'class' for 'category'", run(listed(), both, loss={"class": SPARSE, "price": MSE}))
    expected = "Expected keys ['category', 'price'] in loss dict, but found loss.keys()=['class', 'price']"
    check(raises(outcome, "evaluate", expected),
          "loss dict with a wrong key: ValueError at the first evaluate/fit step, not at compile")
    outcome = show("list outputs, loss dict missing 'price'", run(listed(), both, loss={"category": SPARSE}))
    check(raises(outcome, "evaluate", "Expected keys ['category', 'price'] in loss dict"),
          "list outputs: a partial loss dict raises too")
    outcome = show("list outputs, loss dict with an extra key", run(listed(), both, loss={**good, "extra": MSE}))
    check(raises(outcome, "evaluate", "Expected keys"), "list outputs: an extra loss key raises")
    keyed_reference = show("dict outputs, loss dict by key", run(keyed(), keyed_y, loss=good))
    check(keyed_reference[0] == "ok", "dict outputs: loss dict keyed like the output dict works")
    outcome = show("dict outputs, loss dict by layer name", run(keyed(), keyed_y, loss={"layer_a": SPARSE, "layer_b": MSE}))
    check(raises(outcome, "evaluate", "KeyError: \"The path: ('layer_a',) in the `loss` argument, can't be found"),
          "dict outputs: loss keys must be the dict keys; layer names raise KeyError at evaluate/fit")
    outcome = show("dict outputs, loss dict missing 'price'", run(keyed(), keyed_y, loss={"category": SPARSE}))
    check(outcome[0] == "ok" and "price_loss" not in outcome[1]
          and abs(outcome[1]["loss"] - keyed_reference[1]["category_loss"]) < 1e-3,
          "dict outputs: a partial loss dict is SILENT; the head without a loss is not trained")

    # -- metrics ----------------------------------------------------------------------------------
    outcome = show("list outputs, metrics key 'class'", run(listed(), both, loss=good, metrics={"class": ["accuracy"]}))
    check(raises(outcome, "evaluate", "Expected an instance of tuple"),
          "metrics dict with a wrong key: ValueError at evaluate/fit")
    outcome = show("dict outputs, metrics key 'class'", run(keyed(), keyed_y, loss=good, metrics={"class": ["accuracy"]}))
    check(raises(outcome, "evaluate", "dictionary key mismatch"), "dict outputs: wrong metrics key raises at evaluate/fit")
    outcome = show("list outputs, metrics for one head only", run(listed(), both, loss=good, metrics={"category": ["accuracy"]}))
    check(outcome[0] == "ok" and "category_accuracy" in outcome[1], "metrics dict for a subset of heads is allowed")

    # -- loss_weights -----------------------------------------------------------------------------
    outcome = show("list outputs, loss dict + loss_weights key 'class'",
                   run(listed(), both, loss=good, loss_weights={"class": 0.0, "price": 0.5}))
    check(raises(outcome, "evaluate", "KeyError: 'category'"),
          "loss dict + loss_weights dict missing a head: bare KeyError at evaluate/fit")
    outcome = show("list outputs, loss dict + loss_weights extra key",
                   run(listed(), both, loss=good, loss_weights={"category": 1.0, "price": 0.5, "extra": 3.0}))
    check(outcome[0] == "ok", "an extra loss_weights key is ignored silently")
    # loss as a LIST, weights as a dict: Keras flattens the dict in sorted-key order, then zips by position
    outcome = show("outputs [price, category], loss list, loss_weights {'category': 0, 'price': 1}",
                   run(listed("ba"), [Y_PRICE, Y_CLASS], loss=[MSE, SPARSE], loss_weights={"category": 0.0, "price": 1.0}))
    swapped = outcome[0] == "ok" and abs(outcome[1]["loss"] - outcome[1]["category_loss"]) < 1e-3
    check(swapped, "loss list + loss_weights dict: weights applied by sorted key order, not by name (SILENT swap)")
    outcome = show("list outputs, loss list, loss_weights {'class': 0, 'price': 1}",
                   run(listed(), both, loss=[SPARSE, MSE], loss_weights={"class": 0.0, "price": 1.0}))
    check(outcome[0] == "ok" and abs(outcome[1]["loss"] - outcome[1]["price_loss"]) < 1e-3,
          "loss list + loss_weights dict with an unknown key: applied by position, SILENT")
    outcome = show("dict outputs, loss_weights {'class': 0, 'price': 0.5}",
                   run(keyed(), keyed_y, loss=good, loss_weights={"class": 0.0, "price": 0.5}))
    check(outcome[0] == "ok" and abs(outcome[1]["loss"] - 0.5 * outcome[1]["price_loss"]) < 1e-3,
          "dict outputs + loss_weights dict with a wrong key: 'class' weight lands on 'category' by position, SILENT")
    outcome = show("dict outputs, loss_weights for one head", run(keyed(), keyed_y, loss=good, loss_weights={"price": 0.5}))
    check(raises(outcome, "evaluate", "`loss_weights` must match the number of losses, got 2 losses and 1 weights"),
          "dict outputs + partial loss_weights: ValueError at evaluate/fit")
    outcome = show("list outputs, loss_weights list of 3", run(listed(), both, loss=[SPARSE, MSE], loss_weights=[1.0, 1.0, 1.0]))
    check(raises(outcome, "evaluate", "`loss_weights` must match the number of losses, got 2 losses and 3 weights"),
          "loss_weights list of the wrong length: ValueError at evaluate/fit")
    outcome = show("outputs [price, category], loss dict + loss_weights [0, 1]",
                   run(listed("ba"), [Y_PRICE, Y_CLASS], loss=good, loss_weights=[0.0, 1.0]))
    check(outcome[0] == "ok" and abs(outcome[1]["loss"] - outcome[1]["category_loss"]) < 1e-3,
          "a loss_weights list follows the order of `outputs`")

    # -- loss lists -------------------------------------------------------------------------------
    outcome = show("outputs [price, category], loss list [mse, sparse]",
                   run(listed("ba"), [Y_PRICE, Y_CLASS], loss=[MSE, SPARSE]))
    check(outcome[0] == "ok", "a loss list follows the order of `outputs` (not layer creation order)")
    outcome = show("outputs [price, category], loss list [sparse, mse]",
                   run(listed("ba"), [Y_PRICE, Y_CLASS], loss=[SPARSE, MSE]))
    check(outcome[0] == "evaluate", "a loss list in the wrong order: error only because the shapes clash")
    outcome = show("list outputs, loss list of 1", run(listed(), both, loss=[SPARSE]))
    check(outcome[0] == "ok" and "price_loss" not in outcome[1],
          "a loss list shorter than the outputs is SILENT: the last heads get no loss")
    outcome = show("list outputs, loss list of 3", run(listed(), both, loss=[SPARSE, MSE, MSE]))
    check(raises(outcome, "evaluate", "KeyError: \"The path: (2,) in the `loss` argument, can't be found"),
          "a loss list longer than the outputs: KeyError at evaluate/fit")
    outcome = show("tuple outputs, loss list of 1", run(listed(as_tuple=True), tuple(both), loss=[MSE]))
    check(outcome[0] == "evaluate", "tuple outputs + loss list of 1: the loss is applied to the whole tuple (shape error)")
    outcome = show("dict outputs {'price', 'category'}, loss list [sparse, mse]", run(keyed(True), keyed_y, loss=[SPARSE, MSE]))
    check(outcome[0] == "ok", "dict outputs + loss list: mapped to the keys in SORTED order, not insertion order")
    outcome = show("dict outputs {'price', 'category'}, loss list [mse, sparse]", run(keyed(True), keyed_y, loss=[MSE, SPARSE]))
    check(outcome[0] == "evaluate", "dict outputs + loss list in insertion order: error (here only because the shapes clash)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = listed()
        model.compile("sgd", loss=[SPARSE])
        model.fit(X, both, epochs=1, verbose=0, batch_size=N)
    messages = sorted({str(w.message)[:90] for w in caught})
    print("     fit with a loss list of 1 warns:", messages)
    check(any("Gradients do not exist for variables ['price/kernel', 'price/bias']" in m for m in messages),
          "the only sign of the untrained head is a UserWarning at fit")

    # -- one loss for several outputs -------------------------------------------------------------
    outcome = show("list outputs, loss='mse'", run(listed(), both, loss=MSE))
    check(outcome[0] == "evaluate" and "Dimensions must be equal" in outcome[1],
          "one loss for several heads is applied to every head; here the shapes clash at evaluate/fit")

    def twin() -> keras.Model:
        keras.utils.set_random_seed(1)
        inputs = keras.Input((4,))
        return keras.Model(inputs, [keras.layers.Dense(1, name="p")(inputs), keras.layers.Dense(1, name="q")(inputs)])

    outcome = show("two (N,1) heads, loss='mse'", run(twin(), [Y_PRICE, 2 * Y_PRICE], loss=MSE))
    check(outcome[0] == "ok" and {"p_loss", "q_loss"} <= set(outcome[1]),
          "one loss on same-shaped heads: applied to each head (documented)")

    print("all checks passed" if not failures else f"{len(failures)} checks FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
