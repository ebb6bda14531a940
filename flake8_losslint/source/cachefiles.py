"""The user cache directory: JSON entries read defensively and written atomically.

Under ``$FLAKE8_LOSSLINT_CACHE_DIR`` (tests, CI), else ``$XDG_CACHE_HOME/flake8-losslint``,
else ``~/.cache/flake8-losslint``; each kind of entry in a folder of its own.  The
folders are created private to the user (0700).  An entry is trusted only when it is a
regular file owned by this user, small, and valid JSON; anything else reads as a miss,
never as an error.  Writes go to a temporary file beside the entry and are renamed over
it, so a reader never sees half an entry.  Never pickle: entries are data.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Optional

ENV_DIR = "FLAKE8_LOSSLINT_CACHE_DIR"
ENV_OFF = "FLAKE8_LOSSLINT_NO_CACHE"
MAX_ENTRY_BYTES = 4 << 20


def root() -> Path:
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flake8-losslint"


def enabled() -> bool:
    return not os.environ.get(ENV_OFF)


def read(kind: str, name: str) -> Optional[Any]:
    """The JSON entry ``name`` of ``kind``, or None (missing, foreign, too big, unreadable, invalid)."""
    if not enabled():
        return None
    path = root() / kind / f"{name}.json"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return None
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def write(kind: str, name: str, value: Any) -> bool:
    """Store ``value`` as the entry ``name`` of ``kind``; False when the cache cannot be written."""
    if not enabled():
        return False
    folder = root() / kind
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, sort_keys=True, separators=(",", ":"))
            os.replace(temporary, folder / f"{name}.json")
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
    except (OSError, ValueError, TypeError, RecursionError):
        return False
    return True


def file_digest(path: str) -> Optional[str]:
    """The content hash of a file on disk, which cache entries record for what they read; None when unreadable."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
