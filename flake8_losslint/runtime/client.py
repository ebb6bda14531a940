"""The worker process, seen from flake8: start once per process, send probes, time out.

TensorFlow is never imported here.  The worker (``worker.py``, run as a
script) imports it once and stays up for the rest of this process; a worker
that fails to start, dies or does not answer in time is killed, and the
findings it was asked about keep their static message.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

WORKER = Path(__file__).with_name("worker.py")

ENV_PYTHON = "FLAKE8_LOSSLINT_RUNTIME_PYTHON"  # the interpreter that runs the worker (default: this one)
ENV_TIMEOUT = "FLAKE8_LOSSLINT_RUNTIME_TIMEOUT"  # seconds for TF's import, and per probe
ENV_USER_TIMEOUT = "FLAKE8_LOSSLINT_RUNTIME_USER_TIMEOUT"  # seconds for one user-defined loss (default: ENV_TIMEOUT)
ENV_STDERR = "FLAKE8_LOSSLINT_RUNTIME_STDERR"  # set: let the worker's stderr (TF's logs) through

DEFAULT_TIMEOUT = 120.0

# How many workers this process started: the cache tests read it.
starts = 0


class Unavailable(Exception):
    """The worker cannot run probes: the reason is one line for the user."""


def timeout(variable: str = ENV_TIMEOUT) -> float:
    try:
        return float(os.environ.get(variable) or os.environ.get(ENV_TIMEOUT) or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT


class Worker:
    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.versions: Dict[str, str] = {}
        self.owner = os.getpid()

    def start(self) -> None:
        global starts
        python = os.environ.get(ENV_PYTHON) or sys.executable
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("PYTHONWARNINGS", "ignore")
        starts += 1
        try:
            self.proc = subprocess.Popen(
                [python, str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None if os.environ.get(ENV_STDERR) else subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                env=env,
            )
        except OSError as exc:
            raise Unavailable(f"could not start {python}: {exc.strerror or exc}") from None
        proc = self.proc

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                self.lines.put(line)
            self.lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        hello = self._receive(timeout(), "importing TensorFlow")
        if not hello.get("ready"):
            self.stop()
            raise Unavailable(f"TensorFlow could not be imported ({hello.get('error', 'unknown error')})")
        self.versions = {"tensorflow": hello["tensorflow"], "keras": hello["keras"]}

    def _receive(self, seconds: float, doing: str) -> Dict[str, Any]:
        try:
            line = self.lines.get(timeout=seconds)
        except queue.Empty:
            self.stop(kill=True)
            raise Unavailable(f"the TensorFlow worker timed out after {seconds:g}s {doing}") from None
        if line is None:
            code = self.proc.wait() if self.proc is not None else None
            self.stop()
            raise Unavailable(f"the TensorFlow worker exited (status {code}) while {doing}")
        try:
            return json.loads(line)
        except ValueError:
            self.stop()
            raise Unavailable(f"the TensorFlow worker answered garbage while {doing}") from None

    def run(self, probes: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        if self.proc is None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            request = {"probes": probes, "user_timeout": timeout(ENV_USER_TIMEOUT)}
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            self.stop()
            raise Unavailable("the TensorFlow worker exited") from None
        budget = (timeout() + timeout(ENV_USER_TIMEOUT)) * len(probes)  # a user loss has its own timeout
        reply = self._receive(budget, f"running {len(probes)} probe(s)")
        results = reply.get("results")
        if not isinstance(results, list) or len(results) != len(probes):
            self.stop()
            raise Unavailable("the TensorFlow worker answered garbage")
        return results

    def stop(self, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if kill:
            proc.kill()
            proc.wait()
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


_worker: Optional[Worker] = None
_broken: Optional[str] = None  # why the worker cannot run, once known in this process


def run(probes: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Results for ``probes`` from this process's worker; raises Unavailable."""
    global _worker, _broken
    if _broken is not None:
        raise Unavailable(_broken)
    if _worker is None or _worker.owner != os.getpid():  # a forked flake8 job gets its own worker
        _worker = Worker()
        atexit.register(_worker.stop)
    try:
        return _worker.run(probes)
    except Unavailable as exc:
        _broken = str(exc)
        raise


def worker_versions() -> Dict[str, Any]:
    """The library versions the running worker reported ({} when none runs)."""
    return _worker.versions if _worker is not None else {}


def reset() -> None:
    """Forget the worker and any failure (tests)."""
    global _worker, _broken, starts
    if _worker is not None:
        _worker.stop()
    _worker, _broken, starts = None, None, 0
