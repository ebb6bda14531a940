"""On-disk cache of probe results, keyed by (TensorFlow and Keras versions, worker code, probe).

One small JSON file per result under ``$FLAKE8_LOSSLINT_CACHE_DIR/runtime/``
(tests, CI), else ``$XDG_CACHE_HOME/flake8-losslint/runtime/``, else
``~/.cache/flake8-losslint/runtime/``.  Removing the folder is always safe.

An entry decides whether a finding is shown, so it is trusted only when
nobody else could have put it there (see docs/runtime.md, "Cache"):

- the folder is a real directory owned by this user and writable by nobody
  else; otherwise the cache is not used at all (``Untrusted``);
- the entry is a regular file (opened without following a symlink and without
  blocking, so a FIFO or a device in its place is skipped, never read), owned
  by this user, writable by nobody else, at most ``MAX_ENTRY`` bytes;
- it is a JSON object of this ``SCHEMA`` whose ``key`` is the entry's own
  name, so an entry renamed or copied from another probe does not count, and
  whose verdict and texts have the expected types.

Anything else is ignored as if absent, and the fresh result is written over it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

ENV_DIR = "FLAKE8_LOSSLINT_CACHE_DIR"

SCHEMA = 2
MAX_ENTRY = 16 * 1024  # bytes; a real entry is a few hundred
VERDICTS = ("confirmed", "refuted", "failed")


class Untrusted(Exception):
    """The cache folder cannot be trusted or used: the reason is one line for the user."""


class Unwritable(Exception):
    """An entry could not be written: the reason is one line for the user."""


def cache_dir() -> Path:
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit) / "runtime"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flake8-losslint" / "runtime"


def key(versions: Dict[str, Any], probe: Dict[str, Any]) -> str:
    """Stable hash of the library versions, the worker's code and the probe."""
    text = json.dumps({"versions": versions, "probe": probe}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    if not hasattr(os, "geteuid"):  # Windows: no owner or mode bits to speak of
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def check_folder(folder: Optional[Path] = None) -> Optional[Path]:
    """The cache folder if it exists and can be trusted, None if it does not exist yet.

    Raises Untrusted for a folder that is not a directory, belongs to someone
    else or is writable by others.
    """
    folder = folder or cache_dir()
    try:
        info = os.lstat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return None  # not there yet (store() says why, if it cannot be created)
    except OSError as exc:
        raise Untrusted(f"the runtime cache {folder} cannot be read ({_reason(exc)})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Untrusted(f"the runtime cache {folder} is not a directory")
    if not _private(info):
        raise Untrusted(f"the runtime cache {folder} is not used: it belongs to another user or others can write to it")
    return folder


def load(digest: str) -> Optional[Dict[str, Any]]:
    """The trusted entry for ``digest``, or None (absent, unreadable, foreign or malformed)."""
    folder = check_folder()
    if folder is None:
        return None
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(folder / f"{digest}.json", flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _private(info) or info.st_size > MAX_ENTRY:
            return None
        data = os.read(fd, MAX_ENTRY + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_ENTRY:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError: nesting no real entry has
        return None
    return value if valid(value, digest) else None


def valid(value: Any, digest: str) -> bool:
    """``value`` is an entry of this schema for ``digest``."""
    return (
        isinstance(value, dict)
        and value.get("schema") == SCHEMA
        and value.get("key") == digest
        and value.get("verdict") in VERDICTS
        and isinstance(value.get("evidence"), str)
        and isinstance(value.get("tensorflow"), str)
    )


def store(digest: str, result: Dict[str, Any]) -> None:
    """Write the entry for ``digest`` atomically.  Raises Unwritable or Untrusted."""
    folder = cache_dir()
    entry = {
        "schema": SCHEMA,
        "key": digest,
        "verdict": result["verdict"],
        "evidence": result["evidence"],
        "tensorflow": result["tensorflow"],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise Unwritable(f"cannot create the runtime cache {folder} ({_reason(exc)})") from None
    check_folder(folder)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, sort_keys=True)
        os.replace(tmp, folder / f"{digest}.json")  # atomic: parallel flake8 jobs never see half a file
        tmp = None
    except OSError as exc:
        raise Unwritable(f"cannot write the runtime cache {folder} ({_reason(exc)})") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _reason(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"
