"""Fact extraction, without rules: what the analyzer believes about a program."""

from __future__ import annotations

import textwrap

import libcst as cst

from flake8_losslint.facts.extract import extract
from flake8_losslint.facts import (
    BINARY,
    CATEGORICAL,
    LINEAR,
    SIGMOID,
    SOFTMAX,
    SPARSE_CATEGORICAL,
    VIA_KERAS,
    VIA_OP,
    Facts,
)
from flake8_losslint.report import Positions


def facts_of(source: str) -> Facts:
    module = cst.parse_module(textwrap.dedent(source))
    return extract(module)


def line_of(source: str, site_of) -> int:  # noqa: ANN001
    """The line of the site that ``site_of(facts)`` picks, as the report layer resolves it."""
    module = cst.parse_module(textwrap.dedent(source))
    return Positions(module)(site_of(extract(module)))[0]


def only_use(facts: Facts):
    assert len(facts.loss_uses) == 1, facts.loss_uses
    return facts.loss_uses[0]


def test_sequential_head_and_string_loss() -> None:
    use = only_use(facts_of("""
        import keras
        m = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(3)])
        m.compile("adam", "categorical_crossentropy")
    """))
    assert (use.prediction.activation, use.prediction.units) == (LINEAR, 3)
    assert (use.loss.family, use.loss.from_logits) == (CATEGORICAL, False)


def test_add_calls_fold_in_order_and_dropout_passes_through() -> None:
    source = """
        from tensorflow.keras import layers, models
        m = models.Sequential()
        m.add(layers.Dense(8))
        m.add(layers.Activation("sigmoid"))
        m.add(layers.Dropout(0.1))
        m.compile(loss="binary_crossentropy")
    """
    head = only_use(facts_of(source)).prediction
    assert (head.activation, head.units, head.via) == (SIGMOID, 8, VIA_KERAS)
    assert line_of(source, lambda facts: only_use(facts).prediction.activation_site) == 5


def test_conditional_add_makes_the_head_unknown() -> None:
    facts = facts_of("""
        import keras
        m = keras.Sequential()
        m.add(keras.layers.Dense(8))
        if wide:
            m.add(keras.layers.Dense(8, activation="softmax"))
        m.compile(loss="sparse_categorical_crossentropy")
    """)
    assert facts.loss_uses == ()


def test_functional_chain_with_rebinding() -> None:
    use = only_use(facts_of("""
        import tensorflow as tf
        x = inputs = tf.keras.Input((3,))
        x = tf.keras.layers.Dense(16, activation="relu")(x)
        x = tf.keras.layers.Dense(5, activation=tf.nn.softmax)(x)
        model = tf.keras.Model(inputs=inputs, outputs=x)
        model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    """))
    assert (use.prediction.activation, use.prediction.units, use.prediction.via) == (SOFTMAX, 5, VIA_OP)
    assert (use.loss.family, use.loss.from_logits) == (SPARSE_CATEGORICAL, True)


def test_subclassed_model_reads_attributes_from_init() -> None:
    use = only_use(facts_of("""
        import keras
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.head = keras.layers.Dense(1, activation="sigmoid")
            def call(self, x):
                return self.head(x)
        net = Net()
        net.compile(loss=keras.losses.BinaryCrossentropy(True))
    """))
    assert (use.prediction.activation, use.prediction.units) == (SIGMOID, 1)
    assert (use.loss.family, use.loss.from_logits) == (BINARY, True)


def test_branches_that_agree_are_known_and_that_disagree_are_not() -> None:
    agree = facts_of("""
        import keras
        if big:
            loss = "binary_crossentropy"
        else:
            loss = "binary_crossentropy"
        m = keras.Sequential([keras.layers.Dense(1)])
        m.compile(loss=loss)
    """)
    assert only_use(agree).loss.family == BINARY
    disagree = facts_of("""
        import keras
        if big:
            loss = "binary_crossentropy"
        else:
            loss = keras.losses.BinaryCrossentropy(from_logits=True)
        m = keras.Sequential([keras.layers.Dense(1)])
        m.compile(loss=loss)
    """)
    assert disagree.loss_uses == ()


def test_from_logits_through_a_constant_and_unknown_value() -> None:
    known = only_use(facts_of("""
        import keras
        LOGITS = True
        m = keras.Sequential([keras.layers.Dense(3)])
        m.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=LOGITS))
    """))
    assert known.loss.from_logits is True
    unknown = only_use(facts_of("""
        import keras
        m = keras.Sequential([keras.layers.Dense(3)])
        m.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=cfg.logits))
    """))
    assert unknown.loss.from_logits is None


def test_logits_op_sees_through_a_variable() -> None:
    facts = facts_of("""
        import tensorflow as tf
        def f(z, y):
            p = tf.math.sigmoid(z)
            return tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=p)
    """)
    assert len(facts.logits_ops) == 1
    assert facts.logits_ops[0].logits.activation == SIGMOID
    assert facts.logits_ops[0].op == "tf.nn.sigmoid_cross_entropy_with_logits"


def test_layer_facts_record_literal_units_and_activation() -> None:
    facts = facts_of("""
        from keras.layers import Dense, Conv2D
        N = 1
        a = Dense(N, "softmax")
        b = Conv2D(filters=3, kernel_size=1, activation="sigmoid")
        c = Dense(units=n)
    """)
    assert [(f.kind, f.units, f.activation) for f in facts.layers] == [
        ("Dense", 1, SOFTMAX),
        ("Conv2D", 3, SIGMOID),
        ("Dense", None, LINEAR),
    ]


def test_lambda_and_comprehension_variables_shadow_outer_names() -> None:
    facts = facts_of("""
        import tensorflow as tf
        x = tf.keras.layers.Dense(1)(inp)
        f = lambda x: tf.nn.softmax(x)
        g = [tf.nn.softmax(x) for x in batches]
    """)
    assert facts.single_unit_softmax == ()
    direct = facts_of("""
        import tensorflow as tf
        x = tf.keras.layers.Dense(1)(inp)
        y = tf.nn.softmax(x)
    """)
    assert len(direct.single_unit_softmax) == 1
