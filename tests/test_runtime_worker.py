"""The TensorFlow worker as a process: CPU only, bounded memory, cheap probes, gone with the run.

These start the real worker (TensorFlow's import: 5-10 s each).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT

pytestmark = pytest.mark.runtime

HAVE_TF = importlib.util.find_spec("tensorflow") is not None
needs_tf = pytest.mark.skipif(
    not HAVE_TF and not os.environ.get("CI"),
    reason="TensorFlow is not installed (pip install -e '.[test,runtime]'); set CI=1 to make this a failure",
)
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("FLAKE8_LOSSLINT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FLAKE8_LOSSLINT_CACHE_DIR", str(tmp_path / "cache"))


def _worker(memory_mb: int = 6144):
    from flake8_losslint.runtime import client

    worker = client.Worker(client.Limits(memory_mb=memory_mb))
    worker.start(time.monotonic() + 300)
    return worker


@needs_tf
@linux
def test_the_worker_runs_on_the_cpu_only_under_a_memory_limit(clean_env) -> None:
    worker = _worker(memory_mb=5000)
    try:
        assert worker.devices == ["CPU"]
        pid = worker.proc.pid
        environ = dict(
            item.split("=", 1) for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item
        )
        assert environ["CUDA_VISIBLE_DEVICES"] == "-1" and environ["HIP_VISIBLE_DEVICES"] == "-1"
        (line,) = [line for line in Path(f"/proc/{pid}/limits").read_text().splitlines() if "address space" in line]
        assert line.split()[3:5] == [str(5000 << 20)] * 2
    finally:
        worker.stop()


def _wide_probe(check: str, units: int):
    encoding = {"encoding": "sparse", "shape": [64], "classes": units, "dtype": "int32"}
    activation = "linear"
    if check == "binary_on_softmax":
        encoding = {"encoding": "onehot", "shape": [64, units], "classes": units}
        activation = "softmax"
    return {
        "check": check,
        "loss": {"name": "sparse_categorical_crossentropy" if check != "binary_on_softmax" else "binary_crossentropy",
                 "args": {"from_logits": False}},
        "y_true": encoding,
        "y_pred": {"units": units, "activation": activation, "via": "keras"},
        "call": "fit",
    }


@needs_tf
@pytest.mark.parametrize("check", ["probabilities_on_logits", "binary_on_softmax"])
def test_a_16000_unit_head_costs_linear_memory(clean_env, check) -> None:
    """Issue 18: np.eye(units) and a units x units kernel took 5.7 GB here; the limit below is 3 GB."""
    worker = _worker(memory_mb=3072)
    try:
        result = worker.run(_wide_probe(check, 16_000), time.monotonic() + 300)
    finally:
        worker.stop()
    assert result["verdict"] == "confirmed", result


def test_a_head_wider_than_a_probe_simulates_gets_no_probe() -> None:
    from flake8_losslint.engine import analyze
    from flake8_losslint.runtime import probes

    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense({units})])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\n"
    )
    (wide,) = analyze(source.format(units=probes.MAX_UNITS + 1))
    (narrow,) = analyze(source.format(units=50_000))
    assert probes.build(wide.finding) is None
    assert probes.build(narrow.finding)["y_pred"]["units"] == 50_000


def _workers_of(session: int):
    """PIDs of worker processes in a session (flake8 started with start_new_session)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and any(part.endswith(b"runtime/worker.py") for part in cmdline):
            found.append(int(entry.name))
    return found


@needs_tf
@linux
def test_ctrl_c_under_two_jobs_ends_every_worker(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8_LOSSLINT_")}
    env["FLAKE8_LOSSLINT_CACHE_DIR"] = str(tmp_path)  # empty: every job starts a worker
    run = subprocess.Popen(
        [sys.executable, "-m", "flake8", "--select", "LL", "--losslint-runtime", "-j", "2", str(FIXTURES)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_workers_of(run.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_workers_of(run.pid)) >= 2, "the two jobs never started their workers"
        os.killpg(run.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        run.wait(timeout=60)
        time.sleep(1.0)
        assert _workers_of(run.pid) == []
    finally:
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except OSError:
            pass
        run.wait()


@needs_tf
@linux
def test_the_worker_dies_with_the_process_that_started_it(tmp_path) -> None:
    """A flake8 job killed outright (SIGKILL: no atexit, no cleanup) takes its worker along."""
    code = (
        "import time\n"
        "from flake8_losslint.runtime import client\n"
        "worker = client.Worker(client.Limits())\n"
        "worker.start(time.monotonic() + 300)\n"
        "print(worker.proc.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8_LOSSLINT_")}
    job = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        pid = int(job.stdout.readline())
        assert Path(f"/proc/{pid}").exists()
        job.kill()
        job.wait()
        deadline = time.monotonic() + 5
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        status = Path(f"/proc/{pid}/stat")
        assert not status.exists() or status.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    finally:
        job.kill()
