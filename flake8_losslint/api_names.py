"""The public names of the library modules LL301 checks, read from a data file.

``scripts/generate_api_names.py`` writes ``data/api_names.json`` from the
installed TensorFlow and Keras.  The file is read only when a linted file
reaches one of ``COVERED_MODULES`` (most files never do), and then once.

This module imports nothing but the standard library: the generator script
runs it under the TensorFlow interpreter.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Dict, FrozenSet, Optional, Tuple

# Modules whose every public name the data file lists, as they are spelled in
# imports and attribute chains.  ``tensorflow.losses`` is Keras's losses in
# TF 2; ``tensorflow.keras.backend`` is the legacy backend, ``keras.backend``
# the (much smaller) Keras 3 one.
COVERED_MODULES: Tuple[str, ...] = (
    "keras.activations",
    "keras.backend",
    "keras.losses",
    "keras.metrics",
    "keras.ops",
    "tensorflow.compat.v1.losses",
    "tensorflow.compat.v1.nn",
    "tensorflow.compat.v2.nn",
    "tensorflow.keras.activations",
    "tensorflow.keras.backend",
    "tensorflow.keras.losses",
    "tensorflow.keras.metrics",
    "tensorflow.keras.ops",
    "tensorflow.losses",
    "tensorflow.math",
    "tensorflow.nn",
)

DATA_FILE = "api_names.json"


@lru_cache(maxsize=1)
def load() -> "ApiNames":
    text = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    raw = json.loads(text)
    return ApiNames(
        versions=dict(raw["versions"]),
        names={module: frozenset(entry["names"]) for module, entry in raw["modules"].items()},
        importable={module for module, entry in raw["modules"].items() if entry["importable"]},
    )


class ApiNames:
    def __init__(self, versions: Dict[str, str], names: Dict[str, FrozenSet[str]], importable: set) -> None:
        self.versions = versions
        self.names = names
        self.importable = importable

    def exists(self, module: str, name: str) -> bool:
        return name in self.names.get(module, ())

    def library_version(self, module: str) -> str:
        """``TensorFlow 2.21.0`` or ``Keras 3.15.1``: the release a module's names come from."""
        if module.startswith("keras.") or module.startswith("tensorflow.keras.") or module == "tensorflow.losses":
            return f"Keras {self.versions['keras']}"
        return f"TensorFlow {self.versions['tensorflow']}"

    def suggestion(self, module: str, name: str) -> Optional[str]:
        """Where ``name`` (or its TF 2 spelling) does exist, as ``module.name``."""
        if name.endswith("_v2") and self.exists(module, name[: -len("_v2")]):
            return f"{module}.{name[: -len('_v2')]}"
        # Prefer the TF 2 namespaces, then tf.compat.v1.
        ordered = sorted(self.names, key=lambda m: (".compat." in m, m))
        for other in ordered:
            if other != module and name in self.names[other]:
                return f"{other}.{name}"
        return None


def display(dotted: str) -> str:
    """``tensorflow.nn.x`` -> ``tf.nn.x`` (how people write it)."""
    if dotted == "tensorflow" or dotted.startswith("tensorflow."):
        return "tf" + dotted[len("tensorflow"):]
    return dotted
