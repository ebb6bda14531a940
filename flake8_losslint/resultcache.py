"""Findings per file, kept between runs: a second run over an unchanged tree costs next to nothing.

An entry is keyed by the plugin's version, the front end asking (flake8 or the
``losslint`` command), the options that change findings, the target versions in force
(the option, the project's pins, the installed libraries) and the file's path; it
holds the content hash of the file it was computed for and of every sibling module the
analysis read.  It answers only when all of those still match.  Entries live in the
user cache directory (``source/cachefiles``: private, atomic, JSON); at most
``MAX_ENTRIES`` are kept, the oldest dropped first.  A corrupt or unreadable entry is
a miss, never an error.  ``--losslint-no-cache`` (or ``FLAKE8_LOSSLINT_NO_CACHE=1``)
turns the cache off.

This module does not import the analysis (LibCST): a warm run never pays for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import __version__
from .source import cachefiles
from .source.target import Target, installed, pinned

KIND = "results"
MAX_ENTRIES = 20_000
_FORMAT = 1

Reads = Sequence[Tuple[str, str]]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Slot:
    """Where the findings of one file under one configuration are kept."""

    def __init__(self, front: str, path: Optional[str], source: str, options: Dict[str, Any], target: Optional[Target]) -> None:
        self.source_digest = digest(source)
        absolute = os.path.abspath(path) if path else "-"
        given = target if target is not None and target.known else (pinned(path) if path else None)
        context = {
            "format": _FORMAT,
            "version": __version__,
            "front": front,
            "path": absolute,
            "options": options,
            "target": [given.tensorflow, given.keras, given.source] if given is not None else None,
            "installed": [installed().tensorflow, installed().keras],
        }
        text = json.dumps(context, sort_keys=True, separators=(",", ":"), default=str)
        self.name = hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]

    def load(self) -> Optional[List[Any]]:
        """The findings kept for this file as it is now, or None."""
        entry = cachefiles.read(KIND, self.name)
        if not isinstance(entry, dict) or entry.get("digest") != self.source_digest:
            return None
        reads = entry.get("reads")
        findings = entry.get("findings")
        if not isinstance(reads, list) or not isinstance(findings, list):
            return None
        for read in reads:
            if not (isinstance(read, list) and len(read) == 2 and cachefiles.file_digest(str(read[0])) == read[1]):
                return None
        return findings

    def store(self, findings: List[Any], reads: Reads) -> None:
        entry = {"digest": self.source_digest, "reads": [list(read) for read in reads], "findings": findings}
        if cachefiles.write(KIND, self.name, entry) and random.random() < 0.01:
            prune()


def prune(keep: int = MAX_ENTRIES // 2) -> None:
    """Drop the oldest entries once there are more than ``MAX_ENTRIES``."""
    folder = cachefiles.root() / KIND
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.endswith(".json")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda entry: entry.stat().st_mtime)
        for entry in entries[: len(entries) - keep]:
            os.unlink(entry.path)
    except OSError:
        pass
