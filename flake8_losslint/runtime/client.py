"""The worker process, seen from flake8: start once per process, send probes, time out.

TensorFlow is never imported here.  The worker (``worker.py``, run as a
script) imports it once and stays up for the rest of this process; a worker
that fails to start, dies or does not answer in time is killed, and the
findings it was asked about keep their static message.

Every wait is bounded: TensorFlow's import and each probe by
``FLAKE8_LOSSLINT_RUNTIME_TIMEOUT``, a probe that runs a user-defined loss by
``FLAKE8_LOSSLINT_RUNTIME_USER_TIMEOUT`` (the worker enforces it, this side
allows a little more), and all of one file's probes together by
``FLAKE8_LOSSLINT_RUNTIME_FILE_TIMEOUT``.  The settings are checked before
use (``limits()``): a value that is not a sensible number is an error the
user sees, never an exception deep inside a queue.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

WORKER = Path(__file__).with_name("worker.py")

ENV_PYTHON = "FLAKE8_LOSSLINT_RUNTIME_PYTHON"  # the interpreter that runs the worker (default: this one)
ENV_TIMEOUT = "FLAKE8_LOSSLINT_RUNTIME_TIMEOUT"  # seconds for TF's import, and per probe
ENV_USER_TIMEOUT = "FLAKE8_LOSSLINT_RUNTIME_USER_TIMEOUT"  # seconds for one user-defined loss (default: ENV_TIMEOUT)
ENV_FILE_TIMEOUT = "FLAKE8_LOSSLINT_RUNTIME_FILE_TIMEOUT"  # seconds for all probes of one file together
ENV_MEMORY = "FLAKE8_LOSSLINT_RUNTIME_MEMORY_MB"  # address-space limit of the worker (and of a user loss's process)
ENV_STDERR = "FLAKE8_LOSSLINT_RUNTIME_STDERR"  # set: let the worker's stderr (TF's logs) through

DEFAULT_TIMEOUT = 120.0
DEFAULT_FILE_TIMEOUT = 300.0
MAX_SECONDS = 3600.0
DEFAULT_MEMORY_MB = 6144
# TensorFlow 2.21's import alone maps about 2.2 GB of address space (measured: VmPeak 2.19 GB
# after a one-step fit on x86-64 Linux); below this the worker cannot even start.
MIN_MEMORY_MB = 3072
MAX_MEMORY_MB = 1 << 20

# A user loss's process is killed by the worker after the user timeout; the
# worker then needs a moment to say so.
USER_GRACE = 15.0

# How many workers this process started: the cache tests read it.
starts = 0


class InvalidSetting(Exception):
    """An environment variable has a value the runtime cannot use: one line for the user."""


class Unavailable(Exception):
    """The worker cannot run probes: the reason is one line for the user.

    ``install`` says whether installing TensorFlow is the remedy (it is not
    when TensorFlow is there but the worker was killed or timed out).
    """

    def __init__(self, reason: str, install: bool = False) -> None:
        super().__init__(reason)
        self.install = install


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    user_timeout: float = DEFAULT_TIMEOUT
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB


def _seconds(variable: str, default: float) -> float:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_SECONDS:  # also false for nan
        raise InvalidSetting(f"{variable}={raw!r} is not a number of seconds between 0 and {MAX_SECONDS:g}")
    return value


def limits() -> Limits:
    """The runtime limits from the environment; raises InvalidSetting."""
    timeout = _seconds(ENV_TIMEOUT, DEFAULT_TIMEOUT)
    user_timeout = _seconds(ENV_USER_TIMEOUT, timeout)
    file_timeout = _seconds(ENV_FILE_TIMEOUT, DEFAULT_FILE_TIMEOUT)
    raw = os.environ.get(ENV_MEMORY, "").strip()
    memory = DEFAULT_MEMORY_MB
    if raw:
        try:
            memory = int(raw)
        except ValueError:
            memory = -1
        if not MIN_MEMORY_MB <= memory <= MAX_MEMORY_MB:
            raise InvalidSetting(
                f"{ENV_MEMORY}={raw!r} is not a number of megabytes between {MIN_MEMORY_MB} and {MAX_MEMORY_MB}"
            )
    return Limits(timeout, user_timeout, file_timeout, memory)


def _signal_name(status: int) -> str:
    try:
        return signal.Signals(-status).name
    except ValueError:
        return f"signal {-status}"


class Worker:
    def __init__(self, limits: Limits) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.versions: Dict[str, str] = {}
        self.devices: List[str] = []  # the device types TensorFlow sees in the worker: ["CPU"]
        self.owner = os.getpid()
        self.limits = limits

    def start(self, deadline: float) -> None:
        global starts
        python = os.environ.get(ENV_PYTHON) or sys.executable
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("PYTHONWARNINGS", "ignore")
        # CPU only, whatever the machine has: GPU results differ (no label range
        # checks) and a linter must not take GPU memory from training jobs.
        env["CUDA_VISIBLE_DEVICES"] = "-1"
        env["HIP_VISIBLE_DEVICES"] = "-1"
        env["MALLOC_ARENA_MAX"] = "2"  # glibc's per-thread arenas would eat the address-space limit
        starts += 1
        try:
            self.proc = subprocess.Popen(
                [python, str(WORKER), "--parent", str(os.getpid()), "--memory-mb", str(self.limits.memory_mb)],
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
        hello = self._receive(min(self.limits.timeout, _left(deadline)), "importing TensorFlow")
        if not hello.get("ready"):
            self.stop()
            error = str(hello.get("error", "unknown error"))
            raise Unavailable(f"TensorFlow could not be imported ({error})", install=True)
        self.versions = {"tensorflow": str(hello.get("tensorflow")), "keras": str(hello.get("keras"))}
        self.devices = [str(device) for device in hello.get("devices", [])]

    def _receive(self, seconds: float, doing: str) -> Dict[str, Any]:
        try:
            line = self.lines.get(timeout=max(seconds, 0.0))
        except queue.Empty:
            self.stop(kill=True)
            raise Unavailable(f"the TensorFlow worker did not answer within {seconds:g}s while {doing}") from None
        if line is None:
            code = self.proc.wait() if self.proc is not None else None
            self.stop()
            if code is not None and code < 0:
                raise Unavailable(
                    f"the TensorFlow worker was killed ({_signal_name(code)}) while {doing} "
                    f"(it runs with a {self.limits.memory_mb} MB address-space limit)"
                )
            raise Unavailable(f"the TensorFlow worker exited (status {code}) while {doing}")
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            value = None
        if not isinstance(value, dict):
            self.stop(kill=True)
            raise Unavailable(f"the TensorFlow worker answered garbage while {doing}")
        return value

    def run(self, probe: Dict[str, Any], deadline: float) -> Dict[str, Any]:
        """The worker's result for one probe, waiting at most until ``deadline``."""
        if self.proc is None:
            self.start(deadline)
        assert self.proc is not None and self.proc.stdin is not None
        try:
            request = {"probe": probe, "user_timeout": self.limits.user_timeout, "memory_mb": self.limits.memory_mb}
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            self.stop(kill=True)
            raise Unavailable("the TensorFlow worker exited") from None
        wait = self.limits.timeout
        if "user" in probe:  # the worker kills a user loss's process itself after user_timeout
            wait = self.limits.user_timeout + USER_GRACE
        elif "wrapper" in probe:  # a library check, then the user's thin loss around it
            wait = self.limits.timeout + self.limits.user_timeout + USER_GRACE
        left = _left(deadline)
        if left < wait:
            try:
                return self._reply(left)
            except Unavailable:
                raise Unavailable(
                    f"runtime checks took longer than the {self.limits.file_timeout:g}s allowed for one file "
                    f"({ENV_FILE_TIMEOUT})"
                ) from None
        return self._reply(wait)

    def _reply(self, seconds: float) -> Dict[str, Any]:
        reply = self._receive(seconds, "running a probe")
        result = reply.get("result")
        if not isinstance(result, dict):
            self.stop(kill=True)
            raise Unavailable("the TensorFlow worker answered garbage")
        return result

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


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


_worker: Optional[Worker] = None
_broken: Optional[Unavailable] = None  # why the worker cannot run, once known in this process


def run(probe: Dict[str, Any], limits: Limits, deadline: float) -> Dict[str, Any]:
    """The result for ``probe`` from this process's worker; raises Unavailable.

    After the first failure (no TensorFlow, a dead or hung worker, a file that
    used up its time) the rest of this process's run is static: no later probe
    waits for anything.
    """
    global _worker, _broken
    if _broken is not None:
        raise _broken
    if _worker is None or _worker.owner != os.getpid() or _worker.limits != limits:
        if _worker is not None and _worker.owner == os.getpid():
            _worker.stop()
        _worker = Worker(limits)  # a forked flake8 job gets its own worker
        atexit.register(_worker.stop)
    try:
        return _worker.run(probe, deadline)
    except Unavailable as exc:
        _broken = exc
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
