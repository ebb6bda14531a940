"""On-disk cache of probe results, keyed by (TensorFlow and Keras versions, worker code, probe).

One small JSON file per result under ``$FLAKE8_LOSSLINT_CACHE_DIR`` (tests,
CI), else ``$XDG_CACHE_HOME/flake8-losslint``, else
``~/.cache/flake8-losslint``; results live in its ``runtime/`` folder.
Removing the folder is always safe.  A cache that cannot be read or written
is silently treated as empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

ENV_DIR = "FLAKE8_LOSSLINT_CACHE_DIR"


def cache_dir() -> Path:
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit) / "runtime"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flake8-losslint" / "runtime"


def key(versions: Dict[str, str], probe: Dict[str, Any]) -> str:
    """Stable hash of the library versions, the worker's code and the probe."""
    text = json.dumps({"versions": versions, "probe": probe}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(digest: str) -> Optional[Dict[str, Any]]:
    try:
        with open(cache_dir() / f"{digest}.json", encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and "verdict" in value else None


def store(digest: str, result: Dict[str, Any]) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(result, handle, sort_keys=True)
        os.replace(tmp, folder / f"{digest}.json")  # atomic: parallel flake8 jobs never see half a file
    except OSError:
        pass
