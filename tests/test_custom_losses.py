"""Custom losses (LL301-LL306): the API-name data, the facts, and the judgements behind the rules."""

from __future__ import annotations

import ast

import json
import re
import sys
from typing import List

import libcst as cst
import pytest

from flake8_losslint.interp.domains import api_names
from flake8_losslint.facts.extract.custom_losses import _role
from flake8_losslint.engine import analyze
from flake8_losslint.facts.extract import extract
from flake8_losslint.facts import LABELS, PREDICTIONS, Facts, Rank
from flake8_losslint.rules import all_rules
from flake8_losslint.rules.custom import _rank_problem

from .conftest import ROOT

DATA = ROOT / "flake8_losslint" / "data" / api_names.DATA_FILE


def facts_of(source: str) -> Facts:
    module = cst.parse_module(source)
    return extract(module)


def codes(source: str) -> List[str]:
    return [f"{r.line}:{r.code}" for r in analyze(source)]


# -- the data file ---------------------------------------------------------------


def test_ll301_page_names_the_versions_of_the_data() -> None:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    doc = next(r for r in all_rules() if r.code == "LL301").doc
    assert f"TensorFlow {raw['versions']['tensorflow']}" in doc
    assert f"Keras {raw['versions']['keras']}" in doc


def test_data_file_is_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'flake8_losslint\s*=\s*\[[^\]]*"data/\*\.json"', pyproject)
    for generation in api_names.GENERATIONS:
        assert (ROOT / "flake8_losslint" / "data" / generation.data_file).is_file(), generation
    assert api_names.load().exists("tensorflow.nn", "sparse_softmax_cross_entropy_with_logits")


def test_data_reflects_the_measured_facts() -> None:
    known = api_names.load()
    assert not known.exists("tensorflow.keras.losses", "sparse_softmax_cross_entropy_with_logits")
    assert not known.exists("tensorflow.losses", "sparse_softmax_cross_entropy")
    assert not known.exists("tensorflow.nn", "softmax_cross_entropy_with_logits_v2")
    assert known.exists("tensorflow.compat.v1.nn", "softmax_cross_entropy_with_logits_v2")
    assert known.exists("tensorflow.compat.v1.losses", "sparse_softmax_cross_entropy")
    assert known.exists("tensorflow.keras.backend", "mean")
    assert not known.exists("keras.backend", "mean")


def test_suggestions() -> None:
    known = api_names.load()
    assert known.suggestion("tensorflow.nn", "softmax_cross_entropy_with_logits_v2") == (
        "tensorflow.nn.softmax_cross_entropy_with_logits"
    )
    assert known.suggestion("tensorflow.keras.losses", "sparse_softmax_cross_entropy_with_logits") == (
        "tensorflow.nn.sparse_softmax_cross_entropy_with_logits"
    )
    assert known.suggestion("keras.backend", "mean") == "keras.ops.mean"
    assert known.suggestion("tensorflow.keras.losses", "mean_squared_error") == "tensorflow.keras.losses.mse"
    assert known.suggestion("tensorflow.nn", "no_such_thing_anywhere") is None


def test_data_is_read_only_for_files_that_reach_a_covered_module() -> None:
    api_names.load.cache_clear()
    analyze("import tensorflow as tf\n\nx = tf.constant(1.0)\ny = tf.keras.layers.Dense(3)\n")
    assert api_names.load.cache_info().currsize == 0
    analyze("import tensorflow as tf\n\nx = tf.nn.softmax_cross_entropy_with_logits\n")
    assert api_names.load.cache_info().currsize == 1


def test_generator_script_uses_only_the_standard_library_module() -> None:
    # The script runs under the TensorFlow interpreter, where libcst may be missing:
    # it must load api_names.py on its own, not through the package.
    script = (ROOT / "scripts" / "generate_api_names.py").read_text(encoding="utf-8")
    assert "from flake8_losslint" not in script and "import flake8_losslint" not in script
    source = (ROOT / "flake8_losslint" / "interp" / "domains" / "api_names.py").read_text(encoding="utf-8")
    imports = re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE)
    assert all(name.split(".")[0] in sys.stdlib_module_names | {"__future__"} for name in imports), imports


# -- LL301 resolution ----------------------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import tensorflow as tf\ntf.keras.losses.nope\n", ["2:LL301"]),
        ("from tensorflow.keras import losses\nlosses.nope\n", ["2:LL301"]),
        ("from tensorflow.keras.losses import nope\n", ["1:LL301"]),
        ("import tensorflow.keras.backend as K\nK.nope_crossentropy\n", ["2:LL301"]),
        ("import tensorflow.keras.backend as K\nK.nope\n", []),  # not a loss API: left alone
        ("import tensorflow as tf\ntf.keras.losses.Reduction\n", []),  # tf.keras keeps it
        ("import keras\nkeras.losses.Reduction\n", ["2:LL301"]),  # Keras 3 does not
        ("import tensorflow as tf\ntf.nope\n", []),  # top level: not covered
        ("import tensorflow as tf\ntf.keras.nope\n", []),
        ("import tensorflow as tf\ntf.nn._private\n", []),
        ("from tensorflow.losses import nope\n", []),  # a ModuleNotFoundError, not ours
        ("import tensorflow.compat.v1 as tf\ntf.losses.sparse_softmax_cross_entropy\n", []),
        ("import tensorflow as tf\n\ndef f(tf):\n    return tf.nn.nope\n", []),
        ("import tensorflow as tf\ntry:\n    tf.nn.nope\nexcept (ImportError, AttributeError):\n    pass\n", []),
        ("import tensorflow as tf\ntry:\n    tf.nn.nope_with_logits\nexcept ValueError:\n    pass\n", ["3:LL301"]),
        ("import tensorflow as tf\nif hasattr(tf.nn, 'nope'):\n    tf.nn.nope\n", []),
        ("import tensorflow as tf\ntf.keras.losses.mine = len\nprint(tf.keras.losses.mine)\n", []),
        ("import tensorflow as tf\nif int(tf_ver[0]) < 2:\n    pass\nelse:\n    f = lambda: tf.nn.nope\n", []),
    ],
)
def test_api_references(source: str, expected: List[str]) -> None:
    assert codes(source) == expected


# -- LL302 names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, role",
    [
        ("y_true", LABELS),
        ("labels", LABELS),
        ("onehot_labels", LABELS),
        ("y", LABELS),
        ("y_batch", LABELS),
        ("targets", LABELS),
        ("y_pred", PREDICTIONS),
        ("logits", PREDICTIONS),
        ("predictions", PREDICTIONS),
        ("out2", PREDICTIONS),
        ("y_hat", PREDICTIONS),
        ("target_logits", None),
        ("x", None),
        ("first", None),
        ("y_true_and_more_words", LABELS),
        ("ys", LABELS),
        ("", None),
    ],
)
def test_role_from_name(name: str, role) -> None:
    assert _role(name) == role


def test_swapped_call_needs_both_sides_clear() -> None:
    header = "import tensorflow as tf\ncce = tf.keras.losses.CategoricalCrossentropy()\n"
    assert codes(header + "cce(logits, labels)\n") == ["3:LL302"]
    assert codes(header + "cce(logits, batch)\n") == []
    assert codes(header + "cce(data, labels)\n") == []
    assert codes(header + "cce(y_pred=labels, y_true=logits)\n") == ["3:LL302"]
    assert codes(header + "cce(batch['logits'], batch['label'])\n") == ["3:LL302"]
    assert codes(header + "cce(*pair)\n") == []


# -- LL303 ranks ------------------------------------------------------------------------


def test_rank_difference() -> None:
    assert Rank(absolute=2).difference(Rank(absolute=1)) == 1
    assert Rank(base="y_true", delta=1).difference(Rank(base="y_true")) == 1
    assert Rank(base="y_true", delta=1).difference(Rank(base="y_pred")) is None
    assert Rank(absolute=1).difference(Rank(base="y_pred")) is None
    assert Rank().difference(Rank()) is None


@pytest.mark.parametrize(
    "rule_name, labels, predictions, problem",
    [
        # measured on TF 2.21 / Keras 3.15 (see the LL303 docs page)
        ("sparse_strict", Rank(absolute=2), Rank(absolute=2), True),
        ("sparse_strict", Rank(absolute=1), Rank(absolute=2), False),
        ("sparse", Rank(absolute=2), Rank(absolute=2), False),  # (batch, 1) is squeezed
        ("sparse", Rank(absolute=3), Rank(absolute=2), True),
        ("sparse", Rank(absolute=1), Rank(absolute=1), False),
        ("sparse", Rank(absolute=1), Rank(absolute=3), True),
        ("same_rank", Rank(absolute=1), Rank(absolute=2), True),
        ("same_rank", Rank(base="y_true", delta=1), Rank(base="y_true", delta=1), False),
        ("sparse_lenient", Rank(absolute=3), Rank(absolute=2), False),
        ("sparse_lenient", Rank(base="y_true", delta=1, one_hot_site=object()), Rank(base="y_pred"), True),
        ("sparse", Rank(absolute=1, one_hot_site=object()), Rank(absolute=2), False),
        ("same_rank", Rank(base="y_true", delta=1, one_hot_site=object()), Rank(base="y_pred"), False),
    ],
)
def test_rank_judgement(rule_name: str, labels: Rank, predictions: Rank, problem: bool) -> None:
    assert (_rank_problem(rule_name, labels, predictions) is not None) == problem


def test_rank_follows_parameters_through_ops() -> None:
    facts = facts_of(
        "import tensorflow as tf\n"
        "def loss(y_true, y_pred):\n"
        "    t = tf.one_hot(tf.expand_dims(tf.cast(y_true, tf.int32), -1), 3)\n"
        "    p = tf.squeeze(y_pred, axis=-1)\n"
        "    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=p)\n"
    )
    (call,) = facts.inner_loss_calls
    assert (call.labels.base, call.labels.delta) == ("y_true", 2)
    assert call.labels.one_hot_site is not None
    assert (call.predictions.base, call.predictions.delta) == ("y_pred", -1)
    assert call.rule == "sparse_strict"


# -- LL304 / LL305 / LL306 facts -----------------------------------------------------------


def test_scalar_return_needs_weights_in_a_fit_of_that_model() -> None:
    loss = (
        "import tensorflow as tf\n"
        "def mean_abs(y_true, y_pred):\n"
        "    return tf.reduce_mean(tf.abs(y_true - y_pred)) * 0.5\n"
    )
    other = "other = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
    compile_ = "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\nmodel.compile(loss=mean_abs)\n"
    assert codes(loss + compile_ + "model.fit(x, y, sample_weight=w)\n") == ["3:LL304"]
    assert codes(loss + compile_ + other + "other.fit(x, y, sample_weight=w)\n") == []
    assert codes(loss + compile_ + "model.fit(x, y, class_weight=None)\n") == []
    assert codes(loss + "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
                 "model.fit(x, y, sample_weight=w)\nmodel.compile(loss=mean_abs)\n") == []
    assert codes(loss + compile_ + "def go(w):\n    model.fit(x, y, class_weight=w)\n") == ["3:LL304"]
    assert codes(loss + compile_ + "def go(model, w):\n    model.fit(x, y, class_weight=w)\n") == []


def test_log_flow() -> None:
    head = "import tensorflow as tf\ndef loss(y_true, y_pred):\n"
    assert codes(head + "    q = tf.cast(y_pred, tf.float32)\n    return tf.math.log(1.0 - q)\n") == ["4:LL305"]
    assert codes(head + "    if y_true is None:\n        y_pred = y_pred + 1e-7\n    return tf.math.log(y_pred)\n") == []
    assert codes(head + "    return tf.math.log(2 - y_pred)\n") == []
    assert codes(head + "    return tf.math.log(y_true)\n") == []


def test_signature_facts() -> None:
    facts = facts_of(
        "import keras\n"
        "def a(y_true, y_pred, w): ...\n"
        "def b(y_true, y_pred, /, *, scale): ...\n"
        "def c(y_true, y_pred=None, *rest): ...\n"
        "m = keras.Sequential([keras.layers.Dense(1)])\n"
        "m.compile(loss=[a, b, c, 'mse'])\n"
    )
    found = {(s.name, s.required_positional, s.max_positional, s.required_keyword_only) for s in facts.loss_signatures}
    assert found == {("a", 3, 3, ()), ("b", 2, 2, ("scale",)), ("c", 1, None, ())}
    assert codes(
        "import keras\n"
        "def a(y_true, y_pred, w): ...\n"
        "def b(y_true, y_pred, /, *, scale): ...\n"
        "def c(y_true, y_pred=None, *rest): ...\n"
        "m = keras.Sequential([keras.layers.Dense(1)])\n"
        "m.compile(loss=[a, b, c, 'mse'])\n"
    ) == ["6:LL306", "6:LL306"]


def test_factory_is_judged_by_what_it_returns() -> None:
    source = (
        "import keras\n"
        "def make(alpha, beta, gamma):\n"
        "    def inner(y_true, y_pred, extra):\n"
        "        return y_pred\n"
        "    return inner\n"
        "m = keras.Sequential([keras.layers.Dense(1)])\n"
        "m.compile(loss=make(1, 2, 3))\n"
    )
    assert codes(source) == ["7:LL306"]
    assert codes(source.replace("y_pred, extra)", "y_pred)")) == []


def test_metric_methods_are_not_custom_losses() -> None:
    source = (
        "import tensorflow as tf\n"
        "class LogScore(tf.keras.metrics.Metric):\n"
        "    def update_state(self, y_true, y_pred, sample_weight=None):\n"
        "        self.total.assign_add(tf.reduce_sum(tf.math.log(y_pred)))\n"
    )
    assert codes(source) == []
    assert codes(source.replace("tf.keras.metrics.Metric", "tf.keras.losses.Loss").replace("update_state", "call")) == [
        "4:LL305"
    ]


def test_every_fixture_analyses_without_error() -> None:
    # The flake8 plugin swallows exceptions (a silent fixture would pass on a crash): call the engine directly.
    # Fixtures that are not Python 3 on purpose are left to flake8 (it reports E999 and skips plugins).
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        analyze(source)
