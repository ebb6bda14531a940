"""Runtime mode: findings confirmed or refuted by the installed TensorFlow.

Marked ``runtime``.  Without TensorFlow the tests that need it are skipped,
except when the CI environment variable is set: then they run and fail, so a
CI job that lost its TensorFlow cannot pass by skipping them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_losslint.engine import Report, analyze
from flake8_losslint.rules import Finding, Message

from .conftest import FIXTURES, ROOT, parse_rows, run_flake8

pytestmark = pytest.mark.runtime

HAVE_TF = importlib.util.find_spec("tensorflow") is not None
needs_tf = pytest.mark.skipif(
    not HAVE_TF and not os.environ.get("CI"),
    reason="TensorFlow is not installed (pip install -e '.[test,runtime]'); set CI=1 to make this a failure",
)

# Runtime evidence is its own sentence, in ``Report.evidence`` (flake8 prints it after the message).
CONFIRMED = re.compile(r"^TensorFlow \d+\.\d+\.\d+\S* (.+)$")
REFUTED = re.compile(r"^Refuted: TensorFlow \d+\.\d+\.\d+\S* (.+)$")

ENV_KEYS = (
    "FLAKE8_LOSSLINT_CACHE_DIR",
    "FLAKE8_LOSSLINT_RUNTIME_PYTHON",
    "FLAKE8_LOSSLINT_RUNTIME_FAIL_IMPORT",
    "FLAKE8_LOSSLINT_RUNTIME_NOTICE_SHOWN",
)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One cache for the session, so each probe runs in TensorFlow once."""
    return tmp_path_factory.mktemp("losslint-cache")


@pytest.fixture
def runtime_env(monkeypatch, shared_cache):
    """In-process runtime mode with the session cache (the worker stays up between tests)."""
    from flake8_losslint.runtime import client

    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FLAKE8_LOSSLINT_CACHE_DIR", str(shared_cache))
    yield client


def _settings(verbose: bool = False):
    from flake8_losslint.runtime import Settings

    return Settings(verbose=verbose)


def _analyze(path: str, verbose: bool = False):
    return analyze((FIXTURES / path).read_text(encoding="utf-8"), _settings(verbose))


def _evidence(report: Report) -> str:
    """What TensorFlow did, as the sentence after "TensorFlow X.Y.Z " says it."""
    match = CONFIRMED.search(report.evidence or "")
    assert match, (report.message, report.evidence)
    assert "\n" not in report.text
    return match.group(1)


def _flake8_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(extra)
    return env


def _flake8(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )


def test_ci_has_tensorflow() -> None:
    if os.environ.get("CI"):
        assert HAVE_TF, "CI must install the runtime extra: pip install '.[test,runtime]'"


# -- confirmed -----------------------------------------------------------------
@needs_tf
def test_confirmed_by_error(runtime_env) -> None:
    (report,) = _analyze("LL105/sparse_on_one_unit_sigmoid.py")
    assert _evidence(report) == (
        "raises InvalidArgumentError: Received a label value of 1 which is outside the valid range of [0, 1)."
    )


@needs_tf
def test_confirmed_by_value_perfect_prediction(runtime_env) -> None:
    (report,) = _analyze("LL104/bce_on_softmax.py")
    evidence = _evidence(report)
    match = re.match(
        r"computes loss ([\d.]+) here \(compiled fit\) on outputs giving the true class probability (0\.\d+), "
        r"where ≈0 is right",
        evidence,
    )
    assert match, evidence
    assert float(match.group(2)) > 0.99 and float(match.group(1)) > 0.3
    assert "independent sigmoids" in evidence


@needs_tf
def test_confirmed_by_value_single_unit_softmax(runtime_env) -> None:
    (report,) = _analyze("LL103/dense_one_unit_softmax.py")
    evidence = _evidence(report)
    # float32 softmax over one unit is 1 up to rounding: 0.99999994 on most CPUs,
    # exactly 1 where TensorFlow uses AVX-512 kernels.
    match = re.match(r"outputs ([\d.e+-]+) for all 64 random inputs", evidence)
    assert match, evidence
    assert float(match.group(1)) == pytest.approx(1.0, abs=1e-6)


@needs_tf
def test_ll101_says_when_keras_hides_the_bug(runtime_env) -> None:
    """Keras's own softmax, last op, compiled fit: warning + pre-softmax logits."""
    (report,) = _analyze("LL101/sequential_loss_variable.py")
    evidence = _evidence(report)
    assert evidence.startswith("hides the bug in this setting: compiled fit warns and uses the pre-softmax logits")
    assert evidence.endswith("softmax applied twice.")


@needs_tf
def test_ll101_says_when_nothing_corrects_it(runtime_env) -> None:
    """tf.nn.softmax called eagerly: no warning, softmax applied twice."""
    source = (
        "import tensorflow as tf\n"
        "dense = tf.keras.layers.Dense(5)\n"
        "def step(x, y):\n"
        "    probs = tf.nn.softmax(dense(x))\n"
        "    return tf.keras.losses.sparse_categorical_crossentropy(y, probs, from_logits=True)\n"
    )
    (report,) = analyze(source, _settings())
    evidence = _evidence(report)
    match = re.fullmatch(
        r"computes loss ([\d.]+) here \(an eager call\), ([\d.]+) with from_logits=False: softmax applied twice, "
        r"no warning\.",
        evidence,
    )
    assert match, evidence
    assert float(match.group(1)) != pytest.approx(float(match.group(2)), rel=0.05)


@needs_tf
def test_ll101_dropout_after_softmax_is_not_corrected_in_fit(runtime_env) -> None:
    (report,) = _analyze("LL101/tf_keras_keras1_args.py")
    evidence = _evidence(report)
    assert evidence.startswith("computes loss ") and "(compiled fit)" in evidence and "no warning" in evidence
    assert "do not get past the Dropout" in evidence


# -- refuted -------------------------------------------------------------------
def _label_rank_probe(call: str):
    """(N,) labels, (N,1) sigmoid output, binary_crossentropy: does it fail?"""
    return {
        "check": "crashes",
        "loss": {"name": "binary_crossentropy", "args": {"from_logits": False}},
        "y_true": {"encoding": "binary", "shape": [64]},
        "y_pred": {"units": 1, "activation": "sigmoid", "via": "keras"},
        "call": call,
    }


def _fake_report(code: str) -> Report:
    message = Message.of("labels of rank 1 do not match the (N, 1) output")
    finding = Finding(code, None, message, subject=object())  # type: ignore[arg-type]  # the runtime never reads the site
    return Report(3, 0, code, "labels of rank 1 do not match the (N, 1) output", finding)


@needs_tf
def test_refuted_finding_is_dropped(runtime_env, monkeypatch) -> None:
    from flake8_losslint.runtime import confirm, probes

    monkeypatch.setitem(probes.PROBES, "LL990", lambda subject: _label_rank_probe("fit"))
    monkeypatch.setitem(probes.PROBES, "LL991", lambda subject: _label_rank_probe("eager"))
    fit, eager = _fake_report("LL990"), _fake_report("LL991")

    kept = confirm([fit, eager], _settings())
    assert [r.code for r in kept] == ["LL991"]  # Keras's compile wrapper aligns the ranks; a direct call raises
    assert _evidence(kept[0]).startswith("raises ValueError: Arguments `target` and `output` must have the same rank")
    assert kept[0].message == eager.message  # the runtime never touches the message

    verbose = confirm([fit], _settings(verbose=True))
    assert len(verbose) == 1
    assert re.fullmatch(r"Refuted: TensorFlow [\d.]+ accepts it in compiled fit: loss [\d.]+\.", verbose[0].evidence)


def test_findings_without_a_probe_pass_through(runtime_env) -> None:
    from flake8_losslint.runtime import confirm

    report = _fake_report("LL999")
    assert confirm([report], _settings()) == [report]


def test_probe_is_plain_json_built_from_the_fact() -> None:
    import json

    from flake8_losslint.runtime import probes

    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(3, activation='softmax'), keras.layers.Dropout(0.5)])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, axis=k))\n"
    )
    (report,) = analyze(source)
    probe = probes.build(report.finding)
    assert json.loads(json.dumps(probe)) == probe == {
        "check": "double_activation",
        "loss": {"name": "CategoricalCrossentropy", "args": {"from_logits": True, "label_smoothing": 0.1}},
        "y_true": {"encoding": "onehot", "shape": [64, 3], "classes": 3},
        "y_pred": {"units": 3, "activation": "softmax", "via": "keras", "after": ["Dropout"]},
        "call": "fit",
    }


# -- labels (LL2xx) and APIs (LL301) ------------------------------------------------
LABEL_EVIDENCE = [
    (
        "LL201/mnist_to_categorical.py",
        "LL201",
        "raises ValueError: Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
        "target.shape=(64, 10), output.shape=(64, 10); with integer labels 0..9 it runs.",
    ),
    (
        "LL201/tf_nn_sparse_op.py",
        "LL201",
        "raises ValueError: `labels.shape.rank` must equal `logits.shape.rank - 1`. Received: labels.shape=(64, 8) "
        "of rank 2 and logits.shape=(64, 8) of rank 2; with integer labels 0..7 it runs.",
    ),
    (
        "LL202/cifar10_categorical.py",
        "LL202",
        "raises ValueError: Arguments `target` and `output` must have the same rank (ndim). Received: "
        "target.shape=(64,), output.shape=(64, 10); with one-hot labels of width 10 it runs.",
    ),
    (
        "LL203/cifar100_ten_units.py",
        "LL203",
        "raises InvalidArgumentError: Received a label value of 99 which is outside the valid range of [0, 10); "
        "with an output of 100 units it runs.",
    ),
    (
        "LL203/to_categorical_depth.py",
        "LL203",
        "raises ValueError: Arguments `target` and `output` must have the same shape. Received: "
        "target.shape=(64, 5), output.shape=(64, 3); with an output of 5 units it runs.",
    ),
    (
        "LL204/random_arrays.py",
        "LL204",
        "raises ValueError: Data cardinality is ambiguous ('x' sizes: 512, 'y' sizes: 256); with 256 samples in x "
        "too it runs.",
    ),
    (
        "LL204/from_tensor_slices_shapes.py",
        "LL204",
        "raises ValueError: Dimensions 1000 and 900 are not compatible; with 900 samples in x too it runs.",
    ),
    (
        "LL205/one_based_randint.py",
        "LL205",
        "raises InvalidArgumentError: Received a label value of 5 which is outside the valid range of [0, 5); "
        "with labels 0..4 it runs.",
    ),
    (
        "LL205/literal_labels.py",  # an eager call: TF's op-location prefix is left out
        "LL205",
        "raises InvalidArgumentError: Received a label value of 3 which is outside the valid range of [0, 3); "
        "with labels 0..2 it runs.",
    ),
    (
        "LL206/mixed_literal.py",
        "LL206",
        "raises ValueError: Invalid dtype: object; with every label a class id it runs.",
    ),
    (
        "LL206/mixed_rows_loss_call.py",
        "LL206",
        "raises ValueError: Can't convert non-rectangular Python sequence to Tensor; with every label a one-hot row "
        "it runs.",
    ),
    (
        "LL301/imported_v2_op.py",
        "LL301",
        "raises ImportError: cannot import name 'softmax_cross_entropy_with_logits_v2' from 'tensorflow.nn'.",
    ),
    (
        "LL301/keras_losses_lacks_nn_op.py",
        "LL301",
        "raises AttributeError: module 'keras._tf_keras.keras.losses' has no attribute "
        "'sparse_softmax_cross_entropy_with_logits'.",
    ),
    (
        "LL301/tf1_losses_module.py",
        "LL301",
        "raises AttributeError: module 'keras._tf_keras.keras.losses' has no attribute 'sparse_softmax_cross_entropy'.",
    ),
]


@needs_tf
@pytest.mark.parametrize("path, code, evidence", LABEL_EVIDENCE, ids=[case[0] for case in LABEL_EVIDENCE])
def test_label_and_api_findings_confirmed_in_tensorflow_words(runtime_env, path, code, evidence) -> None:
    reports = [r for r in _analyze(path) if r.code == code]
    assert reports and all(_evidence(r) == evidence for r in reports), [r.message for r in reports]


@needs_tf
def test_ll206_numpy_array_without_dtype_is_numpy_s_error(runtime_env) -> None:
    source = (
        "import numpy as np\n"
        "import keras\n"
        "y = np.array([0, 2, [0, 1, 0], 1])\n"
        "model = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
        "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')\n"
        "model.fit(np.random.rand(4, 3), y)\n"
    )
    (report,) = analyze(source, _settings())
    evidence = _evidence(report)
    assert evidence.startswith(
        "cannot even build the labels, NumPy raises ValueError: setting an array element with a sequence"
    )
    assert evidence.endswith("; with every label a class id it runs.")


def _label_use(source: str):
    """The (single) LabelUse of a program the label rules stay silent on."""
    import libcst as cst

    from flake8_losslint.facts.extract import extract

    module = cst.parse_module(source)
    (use,) = extract(module).label_uses
    return use


def _refuted_evidence(monkeypatch, code: str, probe) -> str:
    from flake8_losslint.runtime import confirm, probes

    monkeypatch.setitem(probes.PROBES, code, lambda subject: probe)
    report = _fake_report(code)
    assert confirm([report], _settings()) == []  # refuted: dropped
    (verbose,) = confirm([report], _settings(verbose=True))
    match = REFUTED.search(verbose.evidence or "")
    assert match, verbose.evidence
    return match.group(1)


SPARSE_MORE_UNITS = """\
import numpy as np
import keras
x = np.random.rand(640, 8)
y = np.random.randint(0, 10, size=640)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(12, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y)
"""


@needs_tf
def test_ll203_probe_refutes_sparse_loss_with_more_units_than_classes(runtime_env, monkeypatch) -> None:
    """Why LL203 does not fire on a sparse loss with spare units: TensorFlow computes the loss."""
    from flake8_losslint.runtime import probes

    assert not analyze(SPARSE_MORE_UNITS)
    use = _label_use(SPARSE_MORE_UNITS)
    probe = probes.PROBES["LL203"](use)
    assert probe["y_true"]["range"] == [0, 9] and probe["y_pred"]["units"] == 12
    assert re.fullmatch(r"accepts it in compiled fit: loss [\d.]+\.", _refuted_evidence(monkeypatch, "LL994", probe))


IGNORE_CLASS = """\
import numpy as np
import keras
y = np.random.randint(-1, 5, size=640)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(5)])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1))
model.fit(np.random.rand(640, 8), y)
"""


@needs_tf
def test_ll205_probe_refutes_labels_the_loss_ignores(runtime_env, monkeypatch) -> None:
    """-1 labels with ``ignore_class=-1`` (which LL205 skips): the probe carries the argument, TF accepts it."""
    from flake8_losslint.runtime import probes

    assert not analyze(IGNORE_CLASS)
    probe = probes.PROBES["LL205"](_label_use(IGNORE_CLASS))
    assert probe["loss"] == {
        "name": "SparseCategoricalCrossentropy",
        "args": {"from_logits": True, "ignore_class": -1},
    }
    assert probe["y_true"]["range"] == [-1, 4]
    assert re.fullmatch(r"accepts it in compiled fit: loss [\d.]+\.", _refuted_evidence(monkeypatch, "LL995", probe))


@needs_tf
def test_ll301_probe_refutes_a_name_that_exists(runtime_env, monkeypatch) -> None:
    """keras.losses.mean_squared_error is real in Keras 3 (tf.keras.losses lacks it: see the fixture)."""
    import libcst as cst

    from flake8_losslint.facts import ApiReference, Site
    from flake8_losslint.runtime import probes

    reference = ApiReference("keras.losses", "mean_squared_error", "keras.losses.mean_squared_error", Site(cst.Name("x")))
    probe = probes.PROBES["LL301"](reference)
    assert _refuted_evidence(monkeypatch, "LL996", probe) == "has keras.losses.mean_squared_error."


@needs_tf
def test_label_probe_with_an_unrelated_error_is_not_a_confirmation(runtime_env, monkeypatch) -> None:
    """The control (labels put right) fails too: the error says nothing about the finding."""
    from flake8_losslint.runtime import confirm, probes

    probe = probes.PROBES["LL205"](_label_use(IGNORE_CLASS))
    probe["loss"] = {"name": "no_such_loss", "args": {}}
    monkeypatch.setitem(probes.PROBES, "LL997", lambda subject: probe)
    report = _fake_report("LL997")
    assert confirm([report], _settings()) == [report]
    (verbose,) = confirm([report], _settings(verbose=True))
    assert verbose.evidence == (
        "Runtime probe failed: with labels 0..4 it fails too: "
        "ValueError: Could not interpret loss identifier: no_such_loss."
    ), verbose.evidence


def test_label_probe_is_plain_json_with_its_control() -> None:
    import json

    from flake8_losslint.runtime import probes

    (report,) = [r for r in analyze((FIXTURES / "LL205/one_based_randint.py").read_text()) if r.code == "LL205"]
    probe = probes.build(report.finding)
    assert json.loads(json.dumps(probe)) == probe == {
        "check": "labels_rejected",
        "loss": {"name": "sparse_categorical_crossentropy", "args": {"from_logits": False}},
        "y_true": {"encoding": "sparse", "shape": [64], "classes": 5, "range": [1, 5], "dtype": "int32"},
        "y_pred": {"units": 5, "activation": "softmax", "via": "keras"},
        "call": "fit",
        "control": {"y_true": {"encoding": "sparse", "shape": [64], "classes": 5, "range": [0, 4], "dtype": "int32"}},
        "fixed": "labels 0..4",
    }


# -- issue 17: configuration rules ------------------------------------------------
CONFIG_EVIDENCE = [
    (
        "LL107/mixed_float16_softmax.py",
        "LL107",
        r"computes loss ([\d.]+) on the mixed_float16 softmax output, ([\d.]+) with dtype='float32' on the same "
        r"logits \(512 rows of magnitude ~20\); (\d+) rows get a zero gradient \(0 with float32\)\.",
    ),
    (
        "LL107/bfloat16_sigmoid_layer.py",
        "LL107",
        r"computes loss ([\d.]+) on the mixed_bfloat16 sigmoid output, ([\d.]+) with dtype='float32' on the same "
        r"logits \(512 rows of magnitude ~20\); (\d+) rows get a zero gradient \(0 with float32\)\.",
    ),
    (
        "LL108/loss_key_not_an_output.py",
        "LL108",
        r"raises ValueError: Expected keys \['category', 'price'\] in loss dict, but found "
        r"loss\.keys\(\)=\['class', 'price'\] at the first evaluate step\.",
    ),
    (
        "LL108/weight_key_on_dict_outputs.py",
        "LL108",
        r"computes total loss [\d.]+ from the per-output losses category [\d.]+, price [\d.]+, not [\d.]+ as the "
        r"weights' keys say: the weights go by position, no error\.",
    ),
    (
        "LL109/short_loss_list.py",
        "LL109",
        r"evaluates it without an error: total loss [\d.]+ is the loss of 'category' alone; 'price' \(its loss would "
        r"be [\d.]+\) is not trained\.",
    ),
    (
        "LL110/weights_dict_beside_loss_list.py",
        "LL110",
        r"computes total loss [\d.]+ from the per-output losses price [\d.]+, category [\d.]+, not [\d.]+ as the "
        r"weights' keys say: the weights go by position, no error\.",
    ),
    (
        "LL111/loss_list_in_written_order.py",
        "LL111",
        r"evaluates it without an error, but 'price' gets \"sparse_categorical_crossentropy\" \(written for "
        r"'category'\); 'category' gets \"mse\" \(written for 'price'\)\.",
    ),
    (
        "LL209/padded_tags.py",
        "LL209",
        r"computes loss ([\d.]+) on sequences padded with 0, counting the padded steps; with ignore_class=0 it is "
        r"([\d.]+), the loss of the real steps\.",
    ),
    (
        "LL210/per_token_class_ids.py",
        "LL210",
        r"raises ValueError: Dimensions must be equal, but are 40 and 64 .*; with per-step sample_weight it runs\.",
    ),
    (
        "LL210/multi_label_rows.py",
        "LL210",
        r"computes loss [\d.]+ with class_weight, [\d.]+ unweighted, no error\.",
    ),
    (
        "LL211/one_based_keys.py",
        "LL211",
        r"computes the same loss [\d.]+ with and without 3: never used, no error\.",
    ),
    (
        "LL211/class_name_keys.py",
        "LL211",
        r"computes the same loss [\d.]+ with and without 'negative', 'positive': never used, no error\.",
    ),
]


@needs_tf
@pytest.mark.parametrize("path, code, pattern", CONFIG_EVIDENCE, ids=[case[0] for case in CONFIG_EVIDENCE])
def test_config_findings_confirmed_in_tensorflow_words(runtime_env, path, code, pattern) -> None:
    reports = [r for r in _analyze(path) if r.code == code]
    assert reports
    for report in reports:
        match = re.fullmatch(pattern, _evidence(report))
        assert match, _evidence(report)
        if code == "LL107":  # the 16-bit output loses most of the loss of confident mistakes
            low, full, dead = float(match.group(1)), float(match.group(2)), int(match.group(3))
            assert low < 0.8 * full and dead > 0
        if code == "LL209":
            counted, real = float(match.group(1)), float(match.group(2))
            assert counted != real


def test_config_probes_are_plain_json_from_the_facts() -> None:
    import json

    from flake8_losslint.runtime import probes

    (report,) = [r for r in analyze((FIXTURES / "LL110/weights_dict_beside_loss_list.py").read_text()) if r.code == "LL110"]
    probe = probes.build(report.finding)
    assert json.loads(json.dumps(probe)) == probe == {
        "check": "multi_output_compile",
        "rule": "LL110",
        "outputs": "list",
        "names": ["price", "category"],
        "layer_names": ["price", "category"],
        "arguments": {
            "loss": {"form": "list", "length": 2, "empty": [], "values": ['"mse"', '"sparse_categorical_crossentropy"']},
            "loss_weights": {"form": "dict", "keys": ["category", "price"], "empty": [], "values": ["0.2", "1.0"]},
        },
    }
    (report,) = analyze((FIXTURES / "LL107/mixed_float16_softmax.py").read_text())
    assert probes.build(report.finding) == {
        "check": "mixed_precision_output",
        "policy": "mixed_float16",
        "loss": {"name": "sparse_categorical_crossentropy", "args": {"from_logits": False}},
        "family": "sparse_categorical",
        "y_pred": {"units": 10, "activation": "softmax"},
    }


# -- bundled examples, through real flake8 -------------------------------------
@needs_tf
def test_flake8_confirms_every_fixture_finding_then_serves_from_cache(shared_cache) -> None:
    static = run_flake8(str(FIXTURES))
    env = _flake8_env(FLAKE8_LOSSLINT_CACHE_DIR=str(shared_cache))
    cold = _flake8("--losslint-runtime", str(FIXTURES), env=env)
    assert cold.returncode == 1 and cold.stderr == "", cold.stderr
    assert parse_rows(cold.stdout) == parse_rows(static.stdout)  # nothing real was dropped
    # Every finding whose rule has a probe is confirmed; the others keep their static text.
    from flake8_losslint.runtime.probes import PROBES

    static_lines = set(static.stdout.splitlines())
    evidence = re.compile(r"[)\w]\. TensorFlow \d+\.\d+\.\d+\S* \S.*\.$")
    probed = [line for line in cold.stdout.splitlines() if line.split(": ", 1)[1][:5] in PROBES]
    unprobed = [line for line in cold.stdout.splitlines() if line.split(": ", 1)[1][:5] not in PROBES]
    unconfirmed = [line for line in probed if not evidence.search(line)]
    # A Keras loss object called with swapped arguments has no probe yet (its fact names no loss class).
    assert probed and all("LL302 criterion" in line for line in unconfirmed), cold.stdout
    assert all(line in static_lines for line in unprobed), cold.stdout

    # Warm: a worker that cannot start would print a notice and leave messages bare.
    warm_env = dict(env, FLAKE8_LOSSLINT_RUNTIME_PYTHON=str(ROOT / "no-such-python"))
    warm = _flake8("--losslint-runtime", str(FIXTURES), env=warm_env)
    assert warm.stderr == "" and warm.stdout == cold.stdout


@needs_tf
def test_cache_hit_does_not_start_the_worker(runtime_env, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FLAKE8_LOSSLINT_CACHE_DIR", str(tmp_path))
    first = _analyze("LL106/softmax_then_sparse_op.py")
    runtime_env.reset()
    second = _analyze("LL106/softmax_then_sparse_op.py")
    assert runtime_env.starts == 0
    assert [r.text for r in second] == [r.text for r in first]
    assert "softmax applied twice, no warning" in first[0].evidence


@needs_tf
def test_config_file_turns_runtime_on(tmp_path, shared_cache) -> None:
    target = tmp_path / "model.py"
    target.write_text((FIXTURES / "LL105/sparse_on_one_unit_sigmoid.py").read_text(encoding="utf-8"))
    (tmp_path / "setup.cfg").write_text("[flake8]\nlosslint-runtime = true\n")
    env = _flake8_env(FLAKE8_LOSSLINT_CACHE_DIR=str(shared_cache))
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", "model.py"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert ". TensorFlow 2." in result.stdout, result.stdout + result.stderr


# -- TensorFlow missing or broken ----------------------------------------------
@pytest.mark.parametrize(
    "env_extra, reason",
    [
        ({"FLAKE8_LOSSLINT_RUNTIME_FAIL_IMPORT": "1"}, "ModuleNotFoundError: No module named 'tensorflow'"),
        ({"FLAKE8_LOSSLINT_RUNTIME_PYTHON": "/bin/false"}, "the TensorFlow worker exited"),
    ],
    ids=["import-fails", "worker-dies"],
)
def test_tensorflow_missing_leaves_static_results(tmp_path, env_extra, reason) -> None:
    if not HAVE_TF and "FLAKE8_LOSSLINT_RUNTIME_FAIL_IMPORT" in env_extra:
        reason = "TensorFlow is not installed"  # caught before any worker starts
    files = [str(FIXTURES / "LL101"), str(FIXTURES / "LL105")]
    static = run_flake8(*files)
    env = _flake8_env(FLAKE8_LOSSLINT_CACHE_DIR=str(tmp_path), **env_extra)
    result = _flake8("--losslint-runtime", "-j", "1", *files, env=env)
    assert result.stdout == static.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("flake8-losslint: runtime checks skipped: ") and reason in lines[0]
    assert "static findings are reported unchanged" in lines[0]


@needs_tf
def test_worker_timeout_leaves_static_results(tmp_path) -> None:
    files = [str(FIXTURES / "LL105")]
    static = run_flake8(*files)
    env = _flake8_env(FLAKE8_LOSSLINT_CACHE_DIR=str(tmp_path), FLAKE8_LOSSLINT_RUNTIME_TIMEOUT="0.01")
    result = _flake8("--losslint-runtime", *files, env=env)
    assert result.stdout == static.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "did not answer within 0.01s" in lines[0], result.stderr
    assert "install" not in lines[0]  # TensorFlow is installed: the remedy is not to install it


def test_parallel_jobs_print_one_notice(tmp_path) -> None:
    env = _flake8_env(FLAKE8_LOSSLINT_CACHE_DIR=str(tmp_path), FLAKE8_LOSSLINT_RUNTIME_PYTHON="/bin/false")
    result = _flake8("--losslint-runtime", "-j", "2", str(FIXTURES), env=env)
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_static_path_never_imports_the_runtime_package() -> None:
    code = (
        "import sys\n"
        "from flake8_losslint.engine import analyze\n"
        f"analyze(open({str(FIXTURES / 'LL101/sequential_loss_variable.py')!r}).read())\n"
        "assert 'flake8_losslint.runtime' not in sys.modules\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
