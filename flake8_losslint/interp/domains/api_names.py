"""The public names of TensorFlow and Keras modules, per library generation, read from data files.

``scripts/generate_api_names.py`` writes one data file per generation: it
imports the real packages of that generation under the Python they need and
lists what they hold (the ``how`` field inside each file says so):

========================  =====================  ===================================
data file                 TensorFlow (tf.keras)  standalone ``keras``
========================  =====================  ===================================
api_names_tf1.15.json     1.15.5 (2.2.4-tf)      2.3.1 (the last multi-backend Keras)
api_names_tf2.15.json     2.15.1 (Keras 2.15)    2.15.0 (``tf_keras`` 2.15.1 agrees)
api_names_tf2.21.json     2.21.0 (Keras 3.15.1)  3.15.1
========================  =====================  ===================================

Which file answers for a target version (``load(tensorflow=..., keras=...)``):
each file stands for the whole line of releases that ends with it, so a
version is judged against the last release of its line.

- ``tensorflow.*`` modules: TensorFlow 1.x (and older) -> 1.15; TensorFlow
  2.0-2.15 (whose ``tf.keras`` is Keras 2) -> 2.15; TensorFlow 2.16 and newer
  (Keras 3) -> 2.21.  ``tf.keras`` follows TensorFlow, as it does when
  ``TF_USE_LEGACY_KERAS`` is unset.
- ``keras.*`` modules: Keras 2.0-2.3 (multi-backend; Keras 1 too) -> 2.3.1 in
  the 1.15 file; Keras 2.4-2.x (a front for ``tf.keras``) -> 2.15; Keras 3 -> 3.15.1.
- A library without a version follows the other one (TensorFlow 1.15 brings
  Keras 2.3.1's list, ``keras=2.6`` brings TensorFlow 2.15's); with neither,
  the newest file, as before target versions existed.

A name added within a line (in 2.10, say) is thus accepted for an earlier
release of that line: an unknown name would be reported, a missing one is not.

Only the modules in ``COVERED_MODULES`` are judged by LL301; the files also
list ``VERSION_MODULES``, whose names tell the generations apart
(``tf.placeholder``, ``tf.train.AdamOptimizer``, ``keras.layers.merge``).

A file is read only when a linted file reaches one of ``COVERED_MODULES``
(most files never do), and then once.

This module imports nothing but the standard library and runs on Python 3.7:
the generator script runs it under the interpreter of each TensorFlow.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Dict, FrozenSet, NamedTuple, Optional, Set, Tuple

# Modules whose every public name the data files list, as they are spelled in
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

# Recorded too, but not judged by LL301: their names show which generation a
# program is written for (TF 1's top-level ``tf.placeholder``/``tf.Session``
# and ``tf.train.*Optimizer``, Keras 2's ``keras.layers.merge``).
VERSION_MODULES: Tuple[str, ...] = (
    "keras.layers",
    "keras.optimizers",
    "tensorflow",
    "tensorflow.keras.layers",
    "tensorflow.keras.optimizers",
    "tensorflow.train",
)

RECORDED_MODULES: Tuple[str, ...] = tuple(sorted(COVERED_MODULES + VERSION_MODULES))

Release = Tuple[int, int, int]


class Generation(NamedTuple):
    """One data file and the releases it stands for: ``[first, end)``, ``None`` for open."""

    name: str
    tensorflow: Tuple[Optional[Release], Optional[Release]]
    keras: Tuple[Optional[Release], Optional[Release]]

    @property
    def data_file(self) -> str:
        return f"api_names_{self.name}.json"


GENERATIONS: Tuple[Generation, ...] = (
    Generation("tf1.15", tensorflow=(None, (2, 0, 0)), keras=(None, (2, 4, 0))),
    Generation("tf2.15", tensorflow=((2, 0, 0), (2, 16, 0)), keras=((2, 4, 0), (3, 0, 0))),
    Generation("tf2.21", tensorflow=((2, 16, 0), None), keras=((3, 0, 0), None)),
)
NEWEST = GENERATIONS[-1]

# The file that answers when no target version is known.
DATA_FILE = NEWEST.data_file


def release(version: str) -> Release:
    """``"1.15"`` -> ``(1, 15, 0)``; ``"2.16.0rc1"`` -> ``(2, 16, 0)``."""
    match = re.match(r"\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    if match is None:
        raise ValueError(f"not a release number: {version!r}")
    major, minor, micro = (int(part) if part else 0 for part in match.groups())
    return (major, minor, micro)


def _within(version: Release, bounds: Tuple[Optional[Release], Optional[Release]]) -> bool:
    first, end = bounds
    return (first is None or first <= version) and (end is None or version < end)


def generations_for(tensorflow: Optional[str] = None, keras: Optional[str] = None) -> Tuple[Generation, Generation]:
    """The generations answering for ``tensorflow.*`` and for ``keras.*`` modules (see the module doc)."""
    by_tensorflow = by_keras = None
    if tensorflow is not None:
        wanted = release(tensorflow)
        by_tensorflow = next(g for g in GENERATIONS if _within(wanted, g.tensorflow))
    if keras is not None:
        wanted = release(keras)
        by_keras = next(g for g in GENERATIONS if _within(wanted, g.keras))
    tensorflow_generation = by_tensorflow or by_keras or NEWEST
    return tensorflow_generation, by_keras or tensorflow_generation


@lru_cache(maxsize=32)
def load(tensorflow: Optional[str] = None, keras: Optional[str] = None) -> "ApiNames":
    """The names for a program written for these versions (both ``None``: the newest lists)."""
    tensorflow_generation, keras_generation = generations_for(tensorflow, keras)
    return _combined(tensorflow_generation.name, keras_generation.name)


@lru_cache(maxsize=None)
def _combined(tensorflow_generation: str, keras_generation: str) -> "ApiNames":
    for_tensorflow = _read(tensorflow_generation)
    for_keras = _read(keras_generation)
    modules = {
        module: (for_keras if _is_keras(module) else for_tensorflow)["modules"][module]
        for module in for_tensorflow["modules"]
    }
    tensorflow_versions, keras_versions = for_tensorflow["versions"], for_keras["versions"]
    return ApiNames(
        versions={
            "tensorflow": tensorflow_versions["tensorflow"],
            "tf.keras": tensorflow_versions["tf.keras"],
            "keras": keras_versions["keras"],
        },
        names={module: frozenset(entry["names"]) for module, entry in modules.items()},
        importable={module for module, entry in modules.items() if entry["importable"]},
        objects={module: dict(entry.get("objects", {})) for module, entry in modules.items()},
        present={module for module, entry in modules.items() if entry["present"]},
        generations={"tensorflow": tensorflow_generation, "keras": keras_generation},
    )


@lru_cache(maxsize=None)
def _read(generation: str) -> dict:
    data_file = f"api_names_{generation}.json"
    text = resources.files("flake8_losslint").joinpath("data").joinpath(data_file).read_text(encoding="utf-8")
    return json.loads(text)


def _is_keras(module: str) -> bool:
    return module == "keras" or module.startswith("keras.")


class ApiNames:
    def __init__(
        self,
        versions: Dict[str, str],
        names: Dict[str, FrozenSet[str]],
        importable: Set[str],
        objects: Optional[Dict[str, Dict[str, str]]] = None,
        present: Optional[Set[str]] = None,
        generations: Optional[Dict[str, str]] = None,
    ) -> None:
        self.versions = versions  # "tensorflow", "tf.keras" (the Keras that tf.keras is), "keras"
        self.names = names
        self.importable = importable
        self.objects = objects or {}
        self.present = set(names) if present is None else present
        self.generations = generations or {}  # "tensorflow"/"keras" -> the generation's name

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

    def has_module(self, module: str) -> bool:
        """Whether the module exists at all here (``keras.ops`` does not in Keras 2)."""
        return module in self.present

    def library_version(self, module: str) -> str:
        """The release a module's names come from, for messages."""
        if _is_keras(module):
            return f"Keras {self.versions['keras']}"
        tensorflow = self.versions["tensorflow"]
        keras_losses = module == "tensorflow.losses" and release(tensorflow) >= (2, 0, 0)
        if module.startswith("tensorflow.keras.") or keras_losses:
            tf_keras = self.versions.get("tf.keras", self.versions.get("keras"))
            return f"TensorFlow {tensorflow} (tf.keras is Keras {tf_keras})"
        return f"TensorFlow {tensorflow}"

    def suggestion(self, module: str, name: str) -> Optional[str]:
        """Where ``name`` (or its TF 2 spelling) does exist, as ``module.name``.

        First the TF 2 name of a ``_v2`` op, then this module's own name for the
        object another module calls ``name`` (``tf.keras.losses.mse``), then the same kind of module under
        the other spelling (``keras.losses`` for ``tf.keras.losses``; ``keras.ops``
        for Keras 3's ``keras.backend``), then any other module, tf.compat.v1 last.
        Only ``COVERED_MODULES`` are suggested.
        """
        if name.endswith("_v2") and self.exists(module, name[: -len("_v2")]):
            return f"{module}.{name[: -len('_v2')]}"
        alias = self._same_object_here(module, name)
        if alias is not None:
            return f"{module}.{alias}"
        covered = [m for m in self.names if m in COVERED_MODULES]
        kind = module.rsplit(".", 1)[-1]
        if kind == "backend":
            preferred = ["keras.ops"]
        else:
            preferred = sorted(m for m in covered if m.rsplit(".", 1)[-1] == kind and ".compat." not in m)
        ordered = preferred + sorted(covered, key=lambda m: (".compat." in m, m))
        for other in ordered:
            if other != module and name in self.names.get(other, ()):
                return f"{other}.{name}"
        return None


@lru_cache(maxsize=None)
def _recorded_names(module: str) -> FrozenSet[str]:
    names: Set[str] = set()
    for generation in GENERATIONS:
        entry = _read(generation.name)["modules"].get(module)
        if entry is not None:
            names.update(entry["names"])
    return frozenset(names)


def only_in_tf1(module: str, name: str) -> bool:
    """A name of ``tensorflow`` or ``tensorflow.train`` that TensorFlow 1.15 has and TensorFlow 2 lost."""
    lists = {generation.name: _read(generation.name)["modules"].get(module) for generation in GENERATIONS}
    old = lists.get("tf1.15")
    if old is None or name not in old["names"]:
        return False
    return all(entry is None or name not in entry["names"] for key, entry in lists.items() if key != "tf1.15")


def recorded(module: str, name: str) -> bool:
    """Whether ``name`` is a public name of ``module`` in any of the recorded library generations."""
    return module in RECORDED_MODULES and name in _recorded_names(module)


def display(dotted: str) -> str:
    """``tensorflow.nn.x`` -> ``tf.nn.x`` (how people write it)."""
    if dotted == "tensorflow" or dotted.startswith("tensorflow."):
        return "tf" + dotted[len("tensorflow"):]
    return dotted
