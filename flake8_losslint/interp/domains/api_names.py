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
    text = resources.files("flake8_losslint").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    raw = json.loads(text)
    return ApiNames(
        versions=dict(raw["versions"]),
        names={module: frozenset(entry["names"]) for module, entry in raw["modules"].items()},
        importable={module for module, entry in raw["modules"].items() if entry["importable"]},
        objects={module: dict(entry.get("objects", {})) for module, entry in raw["modules"].items()},
    )


class ApiNames:
    def __init__(
        self,
        versions: Dict[str, str],
        names: Dict[str, FrozenSet[str]],
        importable: set,
        objects: Optional[Dict[str, Dict[str, str]]] = None,
    ) -> None:
        self.versions = versions
        self.names = names
        self.importable = importable
        self.objects = objects or {}

    def _same_object_here(self, module: str, name: str) -> Optional[str]:
        """A name of ``module`` for the object another module calls ``name``."""
        here = self.objects.get(module, {})
        for other in sorted(self.objects):
            key = self.objects[other].get(name)
            if other == module or key is None:
                continue
            # the alias spelled like ``name`` first: ``mse`` before ``MSE`` for a function
            aliases = sorted(
                (alias for alias, alias_key in here.items() if alias_key == key),
                key=lambda alias: (alias.islower() != name.islower(), alias),
            )
            if aliases:
                return aliases[0]
        return None

    def exists(self, module: str, name: str) -> bool:
        return name in self.names.get(module, ())

    def library_version(self, module: str) -> str:
        """The release a module's names come from, for messages."""
        if module.startswith("keras."):
            return f"Keras {self.versions['keras']}"
        if module.startswith("tensorflow.keras.") or module == "tensorflow.losses":
            return f"TensorFlow {self.versions['tensorflow']} (tf.keras is Keras {self.versions['keras']})"
        return f"TensorFlow {self.versions['tensorflow']}"

    def suggestion(self, module: str, name: str) -> Optional[str]:
        """Where ``name`` (or its TF 2 spelling) does exist, as ``module.name``.

        First the TF 2 name of a ``_v2`` op, then this module's own name for the
        object another module calls ``name`` (``tf.keras.losses.mse``), then the same kind of module under
        the other spelling (``keras.losses`` for ``tf.keras.losses``; ``keras.ops``
        for Keras 3's ``keras.backend``), then any other module, tf.compat.v1 last.
        """
        if name.endswith("_v2") and self.exists(module, name[: -len("_v2")]):
            return f"{module}.{name[: -len('_v2')]}"
        alias = self._same_object_here(module, name)
        if alias is not None:
            return f"{module}.{alias}"
        kind = module.rsplit(".", 1)[-1]
        if kind == "backend":
            preferred = ["keras.ops"]
        else:
            preferred = sorted(m for m in self.names if m.rsplit(".", 1)[-1] == kind and ".compat." not in m)
        ordered = preferred + sorted(self.names, key=lambda m: (".compat." in m, m))
        for other in ordered:
            if other != module and name in self.names.get(other, ()):
                return f"{other}.{name}"
        return None


def display(dotted: str) -> str:
    """``tensorflow.nn.x`` -> ``tf.nn.x`` (how people write it)."""
    if dotted == "tensorflow" or dotted.startswith("tensorflow."):
        return "tf" + dotted[len("tensorflow"):]
    return dotted
