"""--losslint-runtime-user-code: a user-defined loss cut out, run in a sandbox, and what the findings say.

The cut-out tests need no TensorFlow.  The sandbox tests run the real
``sandbox.py`` (it imports TensorFlow before any user code: about 10 s each);
the isolation tests are Linux-only, since they check what the namespaces do.
"""

from __future__ import annotations

import dataclasses

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

from flake8_losslint.engine import analyze

from .conftest import FIXTURES, ROOT

pytestmark = pytest.mark.runtime

HAVE_TF = importlib.util.find_spec("tensorflow") is not None
needs_tf = pytest.mark.skipif(
    not HAVE_TF and not os.environ.get("CI"),
    reason="TensorFlow is not installed (pip install -e '.[test,runtime]'); set CI=1 to make this a failure",
)
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="namespaces and rlimits as on Linux")


def _user_setting():
    from flake8_losslint.runtime import Settings

    return Settings(user_code=True)


# -- cutting the loss out ----------------------------------------------------------
USER_MODULE = """\
import os
import tensorflow as tf
import mypackage.losses as mine
from keras import ops, losses as keras_losses

os.remove("/important/file")  # module-level code: never run
EPS = 1e-7
NUM_CLASSES = 21
SCALE = EPS * 2


@mine.register
def my_loss(y_true, y_pred):
    logits = tf.reshape(y_pred, [-1, NUM_CLASSES]) * SCALE
    return tf.reduce_mean(keras_losses.sparse_categorical_crossentropy(y_true, logits))
"""


def _as_probe(loss) -> dict:  # noqa: ANN001
    """A fact's runnable loss as the probes take it."""
    return dict(dataclasses.asdict(loss), constants=list(loss.constants))


def test_a_top_level_loss_is_cut_out_with_library_imports_and_literal_constants() -> None:
    from flake8_losslint.facts.extract.runnable import Cutter
    from flake8_losslint.interp.evaluator import Evaluator
    from flake8_losslint.syntax.collect import collect

    module = cst.parse_module(USER_MODULE)
    collected = collect(module)
    scope = collected.scope_of_node[id(module.body[-1])]
    assert _as_probe(Cutter(Evaluator(collected)).loss(scope)) == {
        "name": "my_loss",
        "source": "import tensorflow as tf\n"
        "from keras import ops, losses as keras_losses\n"
        "NUM_CLASSES = 21\n"
        "\n"
        "def my_loss(y_true, y_pred):\n"
        "    logits = tf.reshape(y_pred, [-1, NUM_CLASSES]) * SCALE\n"
        "    return tf.reduce_mean(keras_losses.sparse_categorical_crossentropy(y_true, logits))\n",
        "entry": "my_loss",
        "kind": "function",
        "constants": [21],
    }  # SCALE is not a literal: the probe will fail on it with a NameError, and say so


def _runnable(path: str, code: str):
    source = (FIXTURES / path).read_text(encoding="utf-8")
    module = cst.parse_module(source)
    from flake8_losslint.engine import analyze_module

    (report,) = [r for r in analyze_module(module) if r.code == code][:1]
    return _as_probe(report.finding.subject.runnable)


def test_a_loss_made_by_a_factory_runs_the_factory_with_the_program_s_literal_arguments() -> None:
    runnable = _runnable("LL305/handwritten_crossentropy.py", "LL305")
    assert runnable["name"] == "loss" and runnable["kind"] == "function"
    assert runnable["entry"] == "weighted_crossentropy([1.0, 2.0, 5.0])"
    assert runnable["source"].startswith("import tensorflow as tf\n\ndef weighted_crossentropy(class_weights):\n")
    assert "model" not in runnable["source"]  # nothing else of the module


def test_a_loss_subclass_is_cut_out_as_its_class() -> None:
    runnable = _runnable("LL304/loss_subclass_returns_mean.py", "LL304")
    assert (runnable["name"], runnable["entry"], runnable["kind"]) == ("LogCoshLoss", "LogCoshLoss()", "loss_class")
    assert runnable["source"].startswith("import keras\nfrom keras import ops\n\nclass LogCoshLoss(keras.losses.Loss):")


def test_a_lambda_loss_is_cut_out() -> None:
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(2)])\n"
        "model.compile(loss=lambda y_pred: keras.ops.mean(y_pred))\n"
    )
    module = cst.parse_module(source)
    from flake8_losslint.engine import analyze_module

    (report,) = analyze_module(module)
    assert report.code == "LL306"
    assert _as_probe(report.finding.subject.runnable) == {
        "name": "<lambda>",
        "source": "import keras\n\nlosslint_lambda = lambda y_pred: keras.ops.mean(y_pred)",
        "entry": "losslint_lambda",
        "kind": "function",
        "constants": [],
    }


# -- the option ---------------------------------------------------------------------
@needs_tf
def test_user_code_cannot_be_switched_on_by_a_config_file(tmp_path) -> None:
    target = tmp_path / "model.py"
    target.write_text((FIXTURES / "LL306/extra_weights_parameter.py").read_text(encoding="utf-8"))
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nlosslint-runtime = true\nlosslint-runtime-verbose = true\nlosslint-runtime-user-code = true\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8_LOSSLINT_")}
    env["FLAKE8_LOSSLINT_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", "model.py"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.stdout.rstrip().endswith(
        "with a closure. Not checked at runtime: the custom loss runs only with --losslint-runtime-user-code."
    ), result.stdout + result.stderr


def test_without_the_option_no_user_probe_is_built() -> None:
    from flake8_losslint.runtime import probes

    (report,) = analyze((FIXTURES / "LL306/extra_weights_parameter.py").read_text())
    assert probes.needs_user_code(report.finding)
    assert probes.build(report.finding) is None


# -- the sandbox: what a hostile loss cannot do ----------------------------------------
def _sandbox(source: str, seconds: float = 60, name: str = "hostile"):
    from flake8_losslint.runtime import worker

    request = {
        "user": {"name": name, "source": source, "entry": name, "kind": "function"},
        "attempts": [{"y_true": {"encoding": "onehot", "classes": 3}, "y_pred": {"kind": "softmax"}, "call": "eager"}],
        "seconds": seconds,
        "memory_mb": 6144,
    }
    return worker.run_sandbox(request, seconds)


def _processes_with(marker: str):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode("utf-8", "replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def outside():
    """A folder outside /tmp (the sandbox mounts a fresh tmpfs there, hiding the real one)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=".sandbox-victims-", dir=ROOT))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@needs_tf
@linux
def test_the_sandbox_has_no_network_and_no_writable_files(outside) -> None:
    tmp_path = outside
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    cache_entry = tmp_path / "cache.json"
    cache_entry.write_text('{"verdict": "confirmed"}')
    source = f"""
import os, socket

def hostile(y_true, y_pred):
    seen = []
    for what, act in [
        ("connect", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2)),
        ("write", lambda: open({str(victim)!r}, "w").write("overwritten")),
        ("rewrite", lambda: open({str(cache_entry)!r}, "r+").write('{{"verdict": "refuted"  }}')),
        ("remove", lambda: os.remove({str(victim)!r})),
        ("system", lambda: os.system("echo hacked > {tmp_path}/system.txt")),
    ]:
        try:
            act()
            seen.append(what + ":done")
        except OSError as exc:
            seen.append(what + ":" + type(exc).__name__)
    raise RuntimeError(" ".join(seen))
"""
    try:
        report, problem = _sandbox(source)
    finally:
        listener.close()
    assert problem == ""
    assert report["isolation"] == {"network": True, "filesystem": True, "processes": True, "why": ""}
    (outcome,) = report["outcomes"]
    said = dict(item.split(":") for item in outcome["error"].split(": ", 1)[1].split())
    assert said["connect"] in ("OSError", "ConnectionRefusedError")  # no route even to the host's loopback
    assert said == dict(said, write="OSError", rewrite="OSError", remove="OSError", system="done")
    assert victim.read_text() == "untouched" and cache_entry.read_text() == '{"verdict": "confirmed"}'
    assert not (tmp_path / "system.txt").exists()  # the shell ran, and could not write either


def test_the_scratch_tmpfs_goes_where_it_hides_none_of_the_interpreters_files(tmp_path) -> None:
    from flake8_losslint.runtime.sandbox import SCRATCH_FOLDERS, _scratch_folder

    present = [f for f in SCRATCH_FOLDERS if os.path.isdir(f)]
    assert _scratch_folder(["/usr/lib/python3.11", "/tmpfiles/site-packages"]) == present[0]
    assert _scratch_folder(["/usr/lib/python3.11", "/tmp/ci/.venv/lib/python3.11/site-packages"]) == (
        [f for f in present if f != "/tmp"] or [None]
    )[0]
    assert _scratch_folder(["/tmp"]) != "/tmp"
    assert _scratch_folder([*present]) is None
    if not str(tmp_path.resolve()).startswith("/tmp/"):
        link = tmp_path / "venv"
        link.symlink_to("/tmp")
        assert _scratch_folder([str(link / "lib")]) != "/tmp"  # where a path really is, not how it is spelled


@needs_tf
@linux
def test_an_interpreter_whose_packages_are_under_tmp_still_imports_them_and_writes_nothing(monkeypatch) -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="losslint-sandbox-path-", dir="/tmp"))
    try:
        (folder / "helper_under_tmp.py").write_text("SCALE = 2.0\n")
        paths = [str(folder)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
        source = f"""
import helper_under_tmp

def under_tmp(y_true, y_pred):
    try:
        open({str(folder / "written.txt")!r}, "w").write("x")
        wrote = "done"
    except OSError as exc:
        wrote = type(exc).__name__
    raise RuntimeError("scale=" + str(helper_under_tmp.SCALE) + " write=" + wrote)
"""
        report, problem = _sandbox(source, name="under_tmp")
        assert problem == ""
        assert report.get("setup_error") is None
        assert report["isolation"] == {"network": True, "filesystem": True, "processes": True, "why": ""}
        (outcome,) = report["outcomes"]
        assert outcome["error"].endswith("scale=2.0 write=OSError")  # imported, and /tmp is read-only
        assert not (folder / "written.txt").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@needs_tf
@linux
def test_a_loss_that_never_returns_is_killed_with_everything_it_started(tmp_path) -> None:
    marker = f"losslint-marker-{os.getpid()}-{time.monotonic_ns()}"
    source = f"""
import os, subprocess, time

def hostile(y_true, y_pred):
    for _ in range(3):
        subprocess.Popen(["sleep", "300", "{marker}"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        os.execvp("sleep", ["sleep", "301", "{marker}"])
    while True:
        pass
"""
    started = time.monotonic()
    report, problem = _sandbox(source, seconds=20)
    assert report is None and problem == "the user-defined loss did not finish within 20s"
    assert time.monotonic() - started < 40
    time.sleep(0.5)
    assert _processes_with(marker) == []


@needs_tf
@linux
def test_a_forged_reply_is_not_a_verdict() -> None:
    """The loss writes a fake verdict on every pipe it finds, then exits: the worker reads garbage, not 'refuted'."""
    from flake8_losslint.runtime import worker

    source = """
import json, os, stat

def hostile(y_true, y_pred):
    forged = json.dumps({"result": {"verdict": "refuted", "evidence": "forged"}}) + "\\n"
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, forged.encode())
        except OSError:
            pass
    os._exit(0)
"""
    probe = {
        "check": "user_signature",
        "user": {"name": "hostile", "source": source, "entry": "hostile", "kind": "function"},
        "display": "`hostile`",
    }
    result = worker.run_user_probe(probe, 60, 6144)
    assert result["verdict"] == "failed", result


@needs_tf
@linux
def test_a_loss_that_eats_memory_is_stopped_by_its_limit() -> None:
    source = """
def hostile(y_true, y_pred):
    hoard = []
    while True:
        hoard.append(bytearray(1 << 26))
"""
    report, problem = _sandbox(source, seconds=60)
    assert problem == ""
    (outcome,) = report["outcomes"]
    assert outcome["error"].startswith("MemoryError")


# -- the findings, confirmed -----------------------------------------------------
def _confirm(path: str, code: str):
    module_source = (FIXTURES / path).read_text(encoding="utf-8")
    return [r for r in analyze(module_source, _user_setting()) if r.code == code]


@pytest.fixture
def user_cache(monkeypatch, tmp_path_factory):
    from flake8_losslint.runtime import client

    for key in list(os.environ):
        if key.startswith("FLAKE8_LOSSLINT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FLAKE8_LOSSLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "user-cache"))
    yield
    client.reset()


SENTENCE = r"TensorFlow \d+\.\d+\.\d+\S* "


@needs_tf
def test_ll305_the_loss_is_nan_on_a_saturated_prediction(user_cache) -> None:
    (report,) = _confirm("LL305/handwritten_crossentropy.py", "LL305")
    match = re.fullmatch(
        SENTENCE + r"computes loss nan for `loss` when one prediction is saturated \(a softmax row that is exactly "
        r"one-hot in float32\), ([\d.]+) on the same \(64, 3\) labels and \(64, 3\) predictions without it\.",
        report.evidence,
    )
    assert match, report.evidence
    assert 0.5 < float(match.group(1)) < 20


@needs_tf
def test_ll306_calling_it_as_keras_does_raises_type_error(user_cache) -> None:
    (report,) = _confirm("LL306/extra_weights_parameter.py", "LL306")
    assert re.fullmatch(
        SENTENCE + r"raises TypeError calling it as loss\(y_true, y_pred\), as compile does: weighted_mse\(\) missing "
        r"1 required positional argument: 'weights'\.",
        report.evidence,
    ), report.evidence


@needs_tf
def test_ll304_sample_weight_only_rescales_a_scalar_loss(user_cache) -> None:
    (report,) = _confirm("LL304/sample_weight_with_scalar_loss.py", "LL304")
    match = re.fullmatch(
        SENTENCE + r"computes the same loss ([\d.]+) for `huberish` whether sample_weight puts weight 5 on the "
        r"first or on the second half of the batch \(([\d.]+) unweighted\): the weights only rescale the batch mean\.",
        report.evidence,
    )
    assert match, report.evidence
    assert float(match.group(1)) == pytest.approx(3 * float(match.group(2)), rel=0.01)  # the mean weight is 3


@needs_tf
def test_ll303_the_inner_loss_raises_on_the_ranks_it_gets(user_cache) -> None:
    (report,) = _confirm("LL303/labels_reshaped_to_column.py", "LL303")
    assert report.evidence.endswith(
        "raises ValueError inside tf.nn.sparse_softmax_cross_entropy_with_logits when `pixelwise_loss` gets (64,) "
        "labels and (64, 21) predictions: `labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
        "labels.shape=(64, 1) of rank 2 and logits.shape=(64, 21) of rank 2."
    ), report.evidence


@needs_tf
def test_ll302_swapped_arguments_change_the_value(monkeypatch, user_cache) -> None:
    """Not user code: the library's loss, called both ways."""
    from flake8_losslint.runtime import Settings

    source = (FIXTURES / "LL302/logits_op_positional.py").read_text(encoding="utf-8")
    (report,) = analyze(source, Settings())
    match = re.fullmatch(
        SENTENCE + r"computes loss (-?[\d.]+) with the arguments in this order, ([\d.]+) with labels first "
        r"\(one-hot labels, logits\)\.",
        report.evidence,
    )
    assert match, report.evidence
    assert float(match.group(1)) != pytest.approx(float(match.group(2)), rel=0.05)


@needs_tf
def test_a_loss_that_needs_more_than_its_module_gives_keeps_its_static_message(user_cache) -> None:
    from flake8_losslint.runtime import Settings

    source = (
        "import tensorflow as tf\n"
        "from mylib import SMOOTH\n"
        "def huberish(y_true, y_pred):\n"
        "    return tf.reduce_mean(tf.abs(y_true - y_pred) + SMOOTH)\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "model.compile(loss=huberish)\n"
        "model.fit(x, y, sample_weight=w)\n"
    )
    (static,) = analyze(source)
    (quiet,) = analyze(source, Settings(user_code=True))
    assert quiet == static and quiet.evidence is None
    (verbose,) = analyze(source, Settings(user_code=True, verbose=True))
    assert verbose.evidence == (
        "Runtime probe failed: `huberish` does not run on any synthetic input tried: "
        "NameError: name 'SMOOTH' is not defined."
    )


def test_docs_state_what_user_code_mode_isolates() -> None:
    text = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
    section = text.split("## User-defined losses", 1)[1]
    for words in ("network namespace", "read-only", "PID namespace", "process group", "address space",
                  "CPU time", "file size", "never writes the cache", "What it does not isolate"):
        assert words in section, words


def _without_user_namespaces(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` where creating a user namespace fails (ENOSPC), as on systems that forbid them."""
    script = "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" -c \"$1\""
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c", script, sys.executable, code],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )


def _can_forbid_namespaces() -> bool:
    try:
        return _without_user_namespaces("pass").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@needs_tf
@linux
def test_without_namespaces_the_loss_still_runs_limited_and_says_so() -> None:
    """Where the system refuses namespaces: no network/file-system isolation, and the notice says why;
    the time limit still ends every process the loss started, even one in a session of its own."""
    if not _can_forbid_namespaces():
        pytest.skip("cannot create a user namespace here to forbid nested ones")
    marker = f"losslint-fallback-{os.getpid()}-{time.monotonic_ns()}"
    source = f"""
import os, subprocess

def hostile(y_true, y_pred):
    subprocess.Popen(["sleep", "300", "{marker}"], start_new_session=True)
    while True:
        pass


def three_arguments(y_true, y_pred, weights):
    return y_pred
"""
    code = (
        "import json\n"
        "from flake8_losslint.runtime import worker\n"
        f"source = {source!r}\n"
        "for name in ('three_arguments', 'hostile'):\n"
        "    probe = {'check': 'user_signature', 'display': name,\n"
        "             'user': {'name': name, 'source': source, 'entry': name, 'kind': 'function'}}\n"
        "    print(json.dumps(worker.run_user_probe(probe, 20, 6144)))\n"
    )
    done = _without_user_namespaces(code)
    assert done.returncode == 0, done.stderr
    quick, hung = [json.loads(line) for line in done.stdout.splitlines()[-2:]]
    assert quick["verdict"] == "confirmed"
    assert quick["isolation"] == (
        "user-defined losses run here with network access, with a writable file system and without a PID "
        "namespace (unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS|CLONE_NEWPID) failed: No space left on device "
        "(errno 28)); they still run in a session of their own, under resource and time limits"
    )
    assert hung["verdict"] == "failed" and hung["evidence"] == "the user-defined loss did not finish within 20s"
    time.sleep(0.5)
    assert _processes_with(marker) == []


# -- thin custom losses: the library's evidence, and the program's own wrapper ----------
@needs_tf
def test_a_thin_custom_loss_is_run_beside_the_loss_it_wraps(user_cache) -> None:
    (report,) = _confirm("LL102/wrapped_in_custom_loss.py", "LL102")
    assert re.fullmatch(
        SENTENCE + r"computes loss [\d.]+ here \(compiled fit\), [\d.]+ with from_logits=True on the same logits; "
        r"the gradient is exactly 0 for \d+% of the outputs; `masked_loss` itself computes the same as the loss it "
        r"wraps\.",
        report.evidence,
    ), report.evidence


THIN_BUT_DIFFERENT = """\
import numpy as np
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])


def first_class_only(y_true, y_pred):
    return tf.keras.losses.sparse_categorical_crossentropy(y_true * 0, y_pred)


model.compile(optimizer="adam", loss=first_class_only)
model.fit(np.random.rand(100, 8), np.random.randint(0, 10, 100))
"""


@needs_tf
def test_a_wrapper_that_computes_something_else_gets_no_evidence(user_cache) -> None:
    from flake8_losslint.runtime import Settings

    (static,) = analyze(THIN_BUT_DIFFERENT)
    assert static.code == "LL102"
    (checked,) = analyze(THIN_BUT_DIFFERENT, Settings(user_code=True, verbose=True))
    assert re.fullmatch(
        r"Runtime probe failed: `first_class_only` computes [\d.]+ where the loss it wraps computes [\d.]+\.",
        checked.evidence,
    ), checked.evidence
    (quiet,) = analyze(THIN_BUT_DIFFERENT, Settings(user_code=True))
    assert quiet.evidence is None and quiet.message == static.message
