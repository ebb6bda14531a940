"""Qualified names: one spelling for each library object, whatever the import.

``tf.keras.layers.Dense``, ``keras.layers.Dense``, ``from tensorflow.keras.layers
import Dense as D``, ``tf_keras.layers.Dense``, ``keras.layers.core.Dense`` and
``keras.src.layers.core.dense.Dense`` all canonicalise to ``keras.layers.Dense``.

A small import-alias table is far cheaper than LibCST's scope analysis and is
all the rules need: the libraries we care about are always reached through
imports.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Optional

import libcst as cst

# Prefixes under which a Keras implementation lives; each maps to "keras.".
_KERAS_ROOTS = (
    "tensorflow.python.keras.",
    "tensorflow.compat.v2.keras.",
    "tensorflow.compat.v1.keras.",
    "tensorflow._api.v2.keras.",
    "tensorflow.keras.",
    "keras._tf_keras.keras.",
    "keras.src.",
    "keras.api.",
    "tf_keras.src.",
    "tf_keras.",
)

# Keras sub-packages whose members we identify by their last name only:
# ``keras.layers.core.Dense`` and ``keras.src.layers.core.dense.Dense`` are one.
_KERAS_FLAT = {
    "layers": "keras.layers.",
    "losses": "keras.losses.",
    "activations": "keras.activations.",
    "backend": "keras.backend.",
    "ops": "keras.ops.",
    "utils": "keras.utils.",
    "datasets": "keras.datasets.",
}

# Where Keras 1/2/3 kept the model classes.
_KERAS_MODEL_HOMES = {"models", "engine", "training", "sequential", "functional", "model"}
_KERAS_MODEL_CLASSES = {"Sequential", "Model", "Input"}

# ``torch.nn.modules.loss.CrossEntropyLoss`` and ``torch.nn.CrossEntropyLoss`` are one.
_TORCH_NN_HOMES = ("torch.nn.modules.",)


@lru_cache(maxsize=4096)  # a pure function of its text, asked for every library attribute read
def canonical(qualified: str) -> str:
    """Map a dotted import path to the one name the rules know it by."""
    for root in ("tensorflow.keras", "tf_keras", "keras.src", "keras.api"):
        if qualified == root:
            return "keras"
    for root in _KERAS_ROOTS:
        if qualified.startswith(root):
            qualified = "keras." + qualified[len(root):]
            break
    if qualified.startswith("keras."):
        return _canonical_keras(qualified)
    if qualified.startswith("tensorflow."):
        return _canonical_tf(qualified)
    if qualified.startswith(_TORCH_NN_HOMES):
        parts = qualified.split(".")
        # torch.nn.modules.<file>.<Class> -> torch.nn.<Class>
        if len(parts) >= 5:
            return "torch.nn." + parts[-1]
    if qualified.startswith("torch.nn.functional."):
        return qualified
    return qualified


def _canonical_keras(qualified: str) -> str:
    parts = qualified.split(".")
    if len(parts) < 2:
        return qualified
    head = parts[1]
    if head == "datasets" and len(parts) >= 4:
        # keras.datasets.mnist.load_data: the dataset matters, keep it.
        return "keras.datasets." + ".".join(parts[-2:])
    if head in _KERAS_FLAT and len(parts) >= 3:
        return _KERAS_FLAT[head] + parts[-1]
    if parts[-1] in _KERAS_MODEL_CLASSES and (len(parts) == 2 or head in _KERAS_MODEL_HOMES):
        return "keras." + parts[-1]
    if head == "preprocessing" and len(parts) >= 3:
        return "keras.preprocessing." + parts[-1]
    return qualified


# tf.math.softmax and tf.nn.softmax are one function; so are the sigmoids.
_TF_SAME = {
    "tensorflow.math.softmax": "tensorflow.nn.softmax",
    "tensorflow.math.log_softmax": "tensorflow.nn.log_softmax",
    "tensorflow.math.sigmoid": "tensorflow.nn.sigmoid",
    "tensorflow.sigmoid": "tensorflow.nn.sigmoid",
    "tensorflow.compat.v1.nn.softmax": "tensorflow.nn.softmax",
    "tensorflow.compat.v1.nn.sigmoid": "tensorflow.nn.sigmoid",
    "tensorflow.compat.v1.nn.log_softmax": "tensorflow.nn.log_softmax",
}


def _canonical_tf(qualified: str) -> str:
    return _TF_SAME.get(qualified, qualified)


class ImportTable:
    """Local name -> fully qualified dotted name, from every import in a file.

    Flow-insensitive on purpose: an import inside a function binds the same
    library as at module level, and a name bound to two different libraries
    is marked ambiguous and resolves to nothing.
    """

    _AMBIGUOUS = object()

    def __init__(self) -> None:
        self._table: Dict[str, object] = {}
        # ``from module import *``, in order: the interpreter resolves a name no
        # import binds through what it knows each module exports.
        self.star_modules: List[str] = []

    def bind(self, local: str, qualified: str) -> None:
        previous = self._table.get(local)
        if previous is None or previous == qualified:
            self._table[local] = qualified
        else:
            self._table[local] = self._AMBIGUOUS

    def bindings(self) -> Dict[str, str]:
        """Every unambiguous local name and what it is bound to."""
        return {local: found for local, found in self._table.items() if isinstance(found, str)}

    def lookup(self, local: str) -> Optional[str]:
        found = self._table.get(local)
        return found if isinstance(found, str) else None

    def visit_import(self, node: cst.Import) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value, dotted)
            else:
                # ``import tensorflow.keras`` binds ``tensorflow``.
                top = dotted.split(".")[0]
                self.bind(top, top)

    def visit_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative:
            self._relative(node)
            return
        if node.module is None:
            return
        module = dotted_name(node.module)
        if module is None:
            return
        if isinstance(node.names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.bind(local, f"{module}.{name}")


    def _relative(self, node: cst.ImportFrom) -> None:
        """``from .models import build`` binds ``build`` to ``.models.build`` (leading dots:
        the level): only the project's modules are reached this way."""
        module = dotted_name(node.module) if node.module is not None else ""
        if module is None or isinstance(node.names, cst.ImportStar):
            return
        prefix = "." * len(node.relative) + (f"{module}." if module else "")
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.bind(local, prefix + name)


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` as a string, or None for anything that is not a plain dotted name."""
    # Exact types, as the parser builds them: a failed isinstance against a LibCST
    # class runs ABCMeta's check, and this runs for every attribute in a file.
    parts = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def qualify(node: cst.BaseExpression, imports: ImportTable) -> Optional[str]:
    """The canonical library name an expression refers to through imports, if any."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    base = imports.lookup(head)
    if base is None:
        return None
    return canonical(f"{base}.{rest}" if rest else base)
