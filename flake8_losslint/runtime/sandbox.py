"""Runs one user-defined loss on synthetic tensors, in a process of its own, and reports measurements.

Started by the worker (``worker.py``) as ``python sandbox.py`` in a new
session, only with ``--losslint-runtime-user-code``.  It imports nothing from
flake8-losslint and decides nothing: it reads one request on stdin

    {"user": {"name": ..., "source": ..., "entry": ..., "kind": "function"|"loss_class"},
     "attempts": [{"y_true": ..., "y_pred": ..., "call": ..., "sample_weight": ...}, ...],
     "seconds": 120, "memory_mb": 6144}

and writes one JSON line of *measurements* (per attempt: did the call run, its
value, whether value and gradient are finite, the error and the functions it
went through), which the worker turns into a verdict.  Whatever the user's code
prints goes to stderr, not to that line.

Isolation, before any user code runs (Linux; each step that the system refuses
is reported in ``isolation`` and the rest still applies):

- new user, network, mount and PID namespaces (``unshare``): no network but an
  unconfigured loopback; every mount remounted read-only and a small tmpfs on
  ``/tmp`` (``/dev/shm`` when the interpreter's own files are under ``/tmp``),
  so no file outside it can be written (the cache included); the
  function runs as PID 1 of its own PID namespace, so when it ends or is
  killed, every process it started ends too, and it cannot signal or trace
  any process outside;
- rlimits: address space (``memory_mb``), CPU time (``seconds`` + 30), file
  size (16 MB), no core files, and at most 256 processes/threads (Linux does
  not apply this last one to root);
- this process stays outside the PID namespace as a watchdog: it kills the
  function's process when ``seconds`` run out or when it is told to stop
  (SIGTERM), and it dies with the worker (parent-death signal).  Where there
  is no PID namespace, the watchdog is the function's subreaper and kills
  every process below it, even those that left for a session of their own.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import resource
import signal
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # the user's imports must not find this package's modules by their short names

N = 64  # samples per synthetic batch, as in worker.py
FILE_SIZE = 16 << 20
TMPFS = b"size=64m,mode=1777"
MAX_FRAMES = 40

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

# A read-only remount must keep the flags a user namespace may not clear.
_MOUNT_FLAGS = {
    "ro": MS_RDONLY,
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
    "strictatime": MS_STRICTATIME,
}

tf: Any = None
np: Any = None
keras: Any = None


# -- isolation -----------------------------------------------------------------
_LIBC: Any = None


def _libc() -> Any:
    """The C library already loaded in this process (``find_library`` would start a process: not
    after ``unshare``, where the first process started becomes, and ends, the PID namespace)."""
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


def _errno_text() -> str:
    number = ctypes.get_errno()
    return f"{os.strerror(number)} (errno {number})"


def _die_with_parent(sig: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _namespaces(isolation: Dict[str, Any]) -> bool:
    """New user, network, mount and PID namespaces; False when the system refuses them."""
    if not sys.platform.startswith("linux"):
        isolation["why"] = f"no namespaces on {sys.platform}"
        return False
    uid, gid = os.geteuid(), os.getegid()
    libc = _libc()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID) != 0:
        isolation["why"] = f"unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS|CLONE_NEWPID) failed: {_errno_text()}"
        return False
    try:  # the same user inside as outside: files keep their owners
        with open("/proc/self/setgroups", "w") as handle:
            handle.write("deny")
        with open("/proc/self/uid_map", "w") as handle:
            handle.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as handle:
            handle.write(f"{gid} {gid} 1")
    except OSError as exc:
        isolation["why"] = f"cannot map the user into its namespace: {exc.strerror}"
    isolation["network"] = True
    isolation["processes"] = True
    return True


def _read_only(isolation: Dict[str, Any]) -> None:
    """Every mount read-only, a fresh tmpfs for scratch; in the new mount namespace only."""
    libc = _libc()
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        isolation["why"] = f"cannot make mounts private: {_errno_text()}"
        return
    try:
        with open("/proc/self/mountinfo") as handle:
            mounts = [line.split() for line in handle]
    except OSError as exc:
        isolation["why"] = f"cannot list mounts: {exc.strerror}"
        return
    refused = []
    for fields in reversed(mounts):  # children before parents
        point = fields[4].encode().decode("unicode_escape").encode("latin-1")
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY
        for option in fields[5].split(","):
            flags |= _MOUNT_FLAGS.get(option, 0)
        if libc.mount(b"none", point, None, flags, None) != 0:
            refused.append(fields[4])
    # The scratch tmpfs hides what its folder held: when this interpreter's own files are
    # under /tmp (a virtualenv in a CI workspace there), it goes on another folder.
    scratch = _scratch_folder(_interpreter_paths())
    mounted = scratch is not None and libc.mount(b"tmpfs", scratch.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, TMPFS) == 0
    writable = [p for p in refused if not p.startswith(("/proc", "/sys"))]
    if writable:
        isolation["why"] = f"could not make {', '.join(writable[:3])} read-only"
    elif scratch is None:
        isolation["why"] = f"no folder for a scratch tmpfs: {', '.join(SCRATCH_FOLDERS)} are missing or hold the interpreter's files"
    elif not mounted:
        isolation["why"] = f"cannot mount a tmpfs on {scratch}: {_errno_text()}"
    else:
        isolation["filesystem"] = True
    os.environ["TMPDIR"] = scratch or "/tmp"


def _interpreter_paths() -> List[str]:
    """Where this interpreter reads its own files: its prefixes and its import path."""
    return [sys.prefix, sys.exec_prefix, sys.base_prefix, *sys.path]


SCRATCH_FOLDERS = ("/tmp", "/dev/shm", "/var/tmp")


def _scratch_folder(paths: List[str]) -> Optional[str]:
    """The first of ``SCRATCH_FOLDERS`` that exists and holds none of ``paths`` (symbolic
    links resolved; '' is the current folder, as on the import path), or None."""
    real = [os.path.realpath(path or ".") for path in paths]
    for folder in SCRATCH_FOLDERS:
        if os.path.isdir(folder) and not any(p == folder or p.startswith(folder + "/") for p in real):
            return folder
    return None


def _limits(seconds: float, memory_mb: int) -> None:
    cpu = int(math.ceil(seconds)) + 30
    wanted = [
        (resource.RLIMIT_CPU, cpu, cpu + 5),
        (resource.RLIMIT_FSIZE, FILE_SIZE, FILE_SIZE),
        (resource.RLIMIT_CORE, 0, 0),
        (getattr(resource, "RLIMIT_AS", None), memory_mb << 20, memory_mb << 20),
        (getattr(resource, "RLIMIT_NPROC", None), 256, 256),
    ]
    for which, soft, hard in wanted:
        if which is None:
            continue
        try:
            current_hard = resource.getrlimit(which)[1]
            if current_hard != resource.RLIM_INFINITY:
                hard = min(hard, current_hard)
                soft = min(soft, hard)
            resource.setrlimit(which, (soft, hard))
        except (OSError, ValueError):
            pass


def _descendants() -> List[int]:
    """Every process below this one (Linux: from /proc's parent links)."""
    parents: Dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found: List[int] = []
    frontier = [os.getpid()]
    while frontier:
        below = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(below)
        frontier = below
    return found


def _kill_descendants() -> None:
    """Without a PID namespace: this process is their subreaper, so whatever the
    function started, even in a session of its own, is still below it."""
    for _ in range(50):
        below = _descendants()
        if not below:
            return
        for pid in below:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


def _watch(child: int, seconds: float, namespaces: bool) -> int:
    """Wait for the function's process; on time-out or SIGTERM kill it, and with it all it started
    (its PID namespace ends with it; without one, every descendant is killed one by one)."""

    def stop(*_: Any) -> None:
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
        if not namespaces:
            _kill_descendants()
        os._exit(124)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            if not namespaces:
                _kill_descendants()
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            stop()
        time.sleep(0.05)


# -- synthetic inputs ------------------------------------------------------------
def _rng(salt: int) -> Any:
    return np.random.default_rng(1234 + salt)


def _inputs(attempt: Dict[str, Any]) -> Any:
    """(y_true, y_pred) as numpy arrays, as the attempt describes them."""
    truth, pred = attempt["y_true"], attempt["y_pred"]
    encoding = truth["encoding"]
    classes = int(truth.get("classes", 1))
    ids = np.arange(N) % max(classes, 1)
    _rng(2).shuffle(ids)
    if encoding in ("sparse", "sparse_column", "onehot"):
        width = classes
        labels: Any = ids.astype("int32")
        if encoding == "sparse_column":
            labels = labels.reshape(N, 1)
        elif encoding == "onehot":
            labels = np.zeros((N, classes), dtype="float32")
            labels[np.arange(N), ids] = 1.0
        shape: Tuple[int, ...] = (N, width)
    elif encoding == "binary":
        labels = (np.arange(N) % 2).astype("float32").reshape(N, 1)
        shape = (N, 1)
    elif encoding == "multihot":
        labels = (_rng(3).random((N, classes)) > 0.5).astype("float32")
        shape = (N, classes)
    elif encoding == "mask":
        labels = (_rng(3).random((N, 8, 8, 1)) > 0.5).astype("float32")
        shape = (N, 8, 8, 1)
    else:  # regression
        labels = _rng(3).normal(size=(N, 1)).astype("float32")
        shape = (N, 1)
    logits = _rng(1).normal(size=shape).astype("float32")
    saturate = pred.get("saturate")
    kind = pred["kind"]
    if saturate and kind == "softmax":
        logits[0] = 0.0
        logits[0, ids[0]] = 120.0  # a confident, right prediction: exactly one-hot in float32
    elif saturate and kind == "sigmoid":
        flat_labels = labels.reshape(-1)
        flat_logits = logits.reshape(-1)
        flat_labels[0] = 0.0 if saturate == "zero" else 1.0
        flat_logits[0] = -120.0 if saturate == "zero" else 40.0  # sigmoid: exactly 0.0 / 1.0 in float32
    if kind == "softmax":
        values = np.asarray(tf.nn.softmax(logits, axis=-1))
    elif kind == "sigmoid":
        values = np.asarray(tf.nn.sigmoid(logits))
    elif kind == "log_softmax":
        values = np.asarray(tf.nn.log_softmax(logits, axis=-1))
    else:
        values = logits
    return labels, values


def _reference(spec: Dict[str, Any]) -> Any:
    """The Keras loss a thin custom loss wraps, built as the worker builds it (class or function, with arguments)."""
    obj = getattr(keras.losses, spec["name"], None) or keras.losses.get(spec["name"])
    args = dict(spec.get("args", {}))
    if isinstance(obj, type):
        return obj(**args)
    return _wrapper()(obj, **args)


def _weights(which: Optional[str]) -> Any:
    if which is None:
        return None
    heavy = np.where(np.arange(N) < N // 2, 5.0, 1.0).astype("float32")
    return heavy if which == "first" else heavy[::-1].copy()


# -- running the function ------------------------------------------------------
def _error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def _frames(exc: BaseException) -> Dict[str, List[str]]:
    """The user's functions on the traceback, and the library functions below the last of them."""
    user: List[str] = []
    below: List[str] = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == "<user loss>":
            user.append(code.co_name)
            below = []
        elif user:
            below.append(code.co_name)
        tb = tb.tb_next
    return {"user_frames": user[-MAX_FRAMES:], "frames": below[:MAX_FRAMES]}


def _wrapper() -> Any:
    """The class ``compile(loss=fn)`` wraps a function in (Keras 3.15: not exported, ``keras.src``)."""
    public = getattr(keras.losses, "LossFunctionWrapper", None)  # Keras 2
    if public is not None:
        return public
    from keras.src.losses.losses import LossFunctionWrapper

    return LossFunctionWrapper


def _attempt(loss: Any, kind: str, attempt: Dict[str, Any]) -> Dict[str, Any]:
    y_true, y_pred = _inputs(attempt)
    outcome: Dict[str, Any] = {"ok": False, "true_shape": list(y_true.shape), "pred_shape": list(y_pred.shape)}
    weights = _weights(attempt.get("sample_weight"))
    call = attempt.get("call", "compile")
    truth = tf.constant(y_true)
    pred = tf.Variable(y_pred)
    try:
        with tf.GradientTape() as tape:
            if kind == "loss_class" or call == "compile":
                # compile(loss=fn) wraps a function this way (Keras 3): ranks aligned, then reduced.
                wrapped = loss if kind == "loss_class" else _wrapper()(loss)
                value = wrapped(truth, pred, sample_weight=None if weights is None else tf.constant(weights))
            else:
                value = loss(truth, pred)
            total = tf.reduce_mean(tf.cast(value, "float32"))
        gradient = tape.gradient(total, pred)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: it is the user's code
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome.update(error=_error(exc), **_frames(exc))
        return outcome
    number = float(np.asarray(total))
    outcome.update(ok=True, value=number if math.isfinite(number) else str(number), finite=math.isfinite(number))
    if "reference" in attempt:  # the library loss the function wraps, on the same tensors
        expected = float(np.mean(np.asarray(_reference(attempt["reference"])(truth, tf.constant(y_pred)))))
        outcome["reference"] = expected if math.isfinite(expected) else str(expected)
    if gradient is not None:
        outcome["grad_finite"] = bool(np.all(np.isfinite(np.asarray(gradient))))
    return outcome


def _load(user: Dict[str, Any]) -> Any:
    namespace: Dict[str, Any] = {"__name__": "losslint_user_loss", "__builtins__": __builtins__}
    exec(compile(user["source"], "<user loss>", "exec"), namespace)  # noqa: S102 - the explicit opt-in
    loss = eval(compile(user["entry"], "<user loss>", "eval"), namespace)  # noqa: S307 - a name or a literal call
    if not callable(loss):
        raise TypeError(f"{user['entry']} is {type(loss).__name__}, not a loss function")
    wanted = user["name"]
    got = type(loss).__name__ if user.get("kind") == "loss_class" else getattr(loss, "__name__", "")
    if got != wanted:
        raise TypeError(f"{user['entry']} returned {got or type(loss).__name__}, not {wanted}")
    return loss


def _run(request: Dict[str, Any], out: Any, isolation: Dict[str, Any]) -> None:
    global tf, np, keras
    report: Dict[str, Any] = {"isolation": isolation, "outcomes": []}
    try:
        import numpy
        import tensorflow

        tensorflow.config.set_visible_devices([], "GPU")
        tensorflow.config.threading.set_intra_op_parallelism_threads(1)
        tensorflow.config.threading.set_inter_op_parallelism_threads(1)
        import keras as keras_module

        tf, np, keras = tensorflow, numpy, keras_module
        keras.utils.set_random_seed(0)
    except BaseException as exc:  # noqa: BLE001
        report["setup_error"] = f"TensorFlow could not be imported: {_error(exc)}"
        _send(out, report)
        return
    try:
        loss = _load(request["user"])
    except BaseException as exc:  # noqa: BLE001 - the user's module-level code: anything goes
        report["setup_error"] = _error(exc)
        _send(out, report)
        return
    kind = request["user"].get("kind", "function")
    report["outcomes"] = [_attempt(loss, kind, attempt) for attempt in request["attempts"]]
    _send(out, report)


def _send(out: Any, report: Dict[str, Any]) -> None:
    out.write(json.dumps(report) + "\n")
    out.flush()


def main() -> int:
    request = json.loads(sys.stdin.read())
    # The reply owns the real stdout; whatever the user's code prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    seconds, memory_mb = float(request["seconds"]), int(request["memory_mb"])
    isolation: Dict[str, Any] = {"network": False, "filesystem": False, "processes": False, "why": ""}
    _die_with_parent(signal.SIGTERM)  # the watchdog's SIGTERM handler kills the function's process
    namespaces = _namespaces(isolation)
    if namespaces:
        _read_only(isolation)
    elif sys.platform.startswith("linux"):
        _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if hasattr(os, "fork"):  # Windows: no watchdog; the worker's timeout still ends the process
        child = os.fork()  # with namespaces: PID 1 of the new PID namespace
        if child:
            out.close()
            return _watch(child, seconds, namespaces)
    _die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _limits(seconds, memory_mb)
    _run(request, out, isolation)
    os._exit(0)  # no TensorFlow teardown, no atexit handlers the user registered


if __name__ == "__main__":
    sys.exit(main())
