"""A stand-in for the TensorFlow worker, for tests of what the flake8 side does with it.

``FLAKE8_LOSSLINT_RUNTIME_PYTHON`` names the interpreter that runs the worker
script; pointing it at ``fake_worker(...)`` runs this program instead (it
ignores the script path it is given), so the tests of timeouts, dead workers,
answers and the cache need no TensorFlow and take a second.

The fake's behaviour comes from the environment:

- ``FAKE_WORKER_MODE``: ``answer`` (default), ``hang_import`` (never says
  hello), ``hang`` (says hello, never answers), ``die`` (killed by SIGKILL at
  the first probe), ``garbage`` (answers a line that is not JSON);
- ``FAKE_WORKER_RESULT``: the JSON result for every probe (default: confirmed);
- ``FAKE_WORKER_DELAY``: seconds before each answer.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

FAKE = '''\
import json, os, signal, sys, time
mode = os.environ.get("FAKE_WORKER_MODE", "answer")
default = '{"verdict": "confirmed", "evidence": "raises FakeError: as told"}'
result = json.loads(os.environ.get("FAKE_WORKER_RESULT") or default)
delay = float(os.environ.get("FAKE_WORKER_DELAY", "0"))
if mode == "hang_import":
    time.sleep(3600)
print(json.dumps({"ready": True, "tensorflow": "9.9.9", "keras": "9.9.9", "devices": ["CPU"]}), flush=True)
for line in sys.stdin:
    if mode == "hang":
        time.sleep(3600)
    if mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(delay)
    if mode == "garbage":
        print("this is not JSON", flush=True)
        continue
    print(json.dumps({"result": result}), flush=True)
'''


def fake_worker(folder: Path) -> str:
    """An executable that speaks the worker's protocol; use it as FLAKE8_LOSSLINT_RUNTIME_PYTHON."""
    script = folder / "fake-python"
    script.write_text(f"#!{sys.executable}\n{FAKE}", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def runtime_env(cache: Path, python: str, **extra: str) -> dict:
    """The environment of a flake8 run with runtime mode, without the test run's own runtime settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLAKE8_LOSSLINT_", "FAKE_WORKER_"))}
    env.update(FLAKE8_LOSSLINT_CACHE_DIR=str(cache), FLAKE8_LOSSLINT_RUNTIME_PYTHON=python, **extra)
    return env
