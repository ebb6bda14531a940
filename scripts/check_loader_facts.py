"""Re-check flake8_losslint/data/loaders.json against the installed libraries.

Run with any interpreter; each library's entries are checked where it imports
and skipped with a note where it does not (nothing here runs during the tests):

    TF_CPP_MIN_LOG_LEVEL=3 /path/to/python scripts/check_loader_facts.py [--tf115-wheel PATH]

For every entry it checks the table itself (known node kinds and fields, names
that are canonical), that the object exists under its name and aliases, that
each listed argument sits at the listed position with the listed default, and
then what can be run offline: the loader's own code on small synthetic files in
the published format (Keras datasets with ``get_file`` patched, torchvision
MNIST/CIFAR with their integrity check patched, TF 1.15's ``read_data_sets`` from
the released wheel), temporary image/text/audio folders, ``tfds.testing.mock_data``,
and the scikit-learn data sets that ship with scikit-learn.  Each result is compared
with the tree that the table's own rules (``resolve`` below, the reference reading
of the "conventions" in the JSON) give for the same call.  Class counts that only
the real data could show are checked against docstrings, class attributes or
builder metadata.  Exits non-zero if a check fails.

Last run (2026-12-01), with /work/scratch/loaders (Python 3.11: tensorflow-cpu 2.21.0,
keras 3.15.1, tensorflow-datasets 4.9.10, torch 2.14.1, torchvision 0.29.1,
scikit-learn 1.9.1, pandas 3.1.1, numpy 2.4.6) and the tensorflow 1.15.5 wheel:
  table 62 ok (shape of every entry, canonical names); keras 135 ok (signatures, the eight
  load_data on synthetic files, docstring class counts, directory datasets on temporary folders,
  ImageDataGenerator.flow/_from_directory/_from_dataframe, to_categorical); tf1 15 ok;
  tfds 44 ok (mock_data runs, 26 builders' ClassLabel counts); torch 95 ok; sklearn 172 ok
  (real shipped data sets and generators, encoders, get_dummies): 523 passed, 0 failed, 0 skipped.
  With /work/main/.venv (TensorFlow/Keras only, no Pillow): 197 passed, 43 skipped.
  Mutating the table (a cifar10 label shape, a class count, an argument position, a tfds count,
  a dtype) makes the matching checks fail.
What the runs showed beyond the docstrings: keras cifar100 labels are int64 (the docstring says
uint8); the reuters docstring's "labels (1 or 0)" is copied from imdb (46 topics);
flow_from_directory(class_mode='binary') does not check for two classes (ids 0..2 as float32),
while flow_from_dataframe and the *_dataset_from_directory loaders raise.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import glob
import gzip
import importlib
import inspect
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import warnings
import wave
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, List, Optional
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "flake8_losslint" / "data" / "loaders.json"
sys.path.insert(0, str(ROOT))

failures: List[str] = []
skipped: List[str] = []
passed = 0


def check(ok: bool, what: str) -> None:
    global passed
    print(("ok   " if ok else "FAIL ") + what)
    if ok:
        passed += 1
    else:
        failures.append(what)


def skip(what: str) -> None:
    print("skip " + what)
    skipped.append(what)


def importable(module: str) -> Optional[ModuleType]:
    try:
        return importlib.import_module(module)
    except Exception:  # noqa: BLE001 - any import failure means "not installed here"
        return None


# -- the table's semantics --------------------------------------------------------
# A reference reading of the JSON "conventions": resolve(entry, given) is the tree an
# evaluator should infer for a call with the literal arguments ``given``.

NODE_KINDS = {
    "tuple",
    "mapping",
    "list",
    "object",
    "dataset",
    "features",
    "labels",
    "passthrough",
    "batch_of",
    "base",
    "other",
}
LEAF_FIELDS = {"encoding", "classes", "shape", "samples", "dtype", "value_range", "container"}
ENCODINGS = {"int", "one_hot", "binary", "multi_hot", "continuous", "unknown"}
ENTRY_KEYS = {
    "library",
    "kind",
    "method_of",
    "aliases",
    "checked",
    "how",
    "arguments",
    "constructor_arguments",
    "returns",
    "when_classes",
    "classes_by_name",
    "notes",
}
ARGUMENT_KEYS = {"position", "default", "values", "other", "other_by_kind"}


class Unknown(Exception):
    """The table says the call's result is not known (or raises)."""


def effect_of(spec: dict, given: dict, name: str):
    if name not in given:
        return spec.get("values", {}).get(spec["default"], {}) if spec["default"] is not None else {}
    value = given[name]
    key = repr(value)
    if key in spec.get("values", {}):
        return spec["values"][key]
    by_kind = spec.get("other_by_kind", {})
    if type(value).__name__ in by_kind:
        return by_kind[type(value).__name__]
    return spec.get("other", "unknown")


def walk(tree, visit: Callable[[dict], None]) -> None:
    if isinstance(tree, dict):
        visit(tree)
        for value in tree.values():
            walk(value, visit)
    elif isinstance(tree, list):
        for item in tree:
            walk(item, visit)


def first_dataset(tree) -> Optional[dict]:
    found: List[dict] = []
    walk(
        tree,
        lambda node: found.append(node["dataset"]) if "dataset" in node and isinstance(node["dataset"], dict) else None,
    )
    return found[0] if found else None


def substitute_base(tree, base):
    if isinstance(tree, dict):
        if tree.get("base") is True:
            return copy.deepcopy(base)
        if isinstance(tree.get("base"), str):
            return copy.deepcopy(base["mapping"][tree["base"]])
        return {key: substitute_base(value, base) for key, value in tree.items()}
    if isinstance(tree, list):
        return [substitute_base(item, base) for item in tree]
    return tree


def apply_patch(tree, patch: dict):
    for role in ("labels", "features"):
        if role in patch:
            walk(
                tree,
                lambda node, role=role: node[role].update(patch[role]) if isinstance(node.get(role), dict) else None,
            )
    if "element" in patch:
        first_dataset(tree)["element"] = copy.deepcopy(patch["element"])
    if "batched" in patch:
        first_dataset(tree)["batched"] = patch["batched"]
    if "returns" in patch:
        tree = substitute_base(copy.deepcopy(patch["returns"]), tree)
    return tree


def default_value(entry: dict, name: str):
    for section in ("arguments", "constructor_arguments"):
        spec = entry.get(section, {}).get(name)
        if spec is not None and spec["default"] is not None:
            return eval(spec["default"], {"__builtins__": {}}, {})  # defaults are literal reprs
    raise KeyError(name)


def argument_value(entry: dict, given: dict, name: str):
    return given[name] if name in given else default_value(entry, name)


def resolve_reference(entry: dict, given: dict, ref):
    """An int for a classes/samples/width reference, or None when unknown."""
    if ref is None or isinstance(ref, int):
        return ref
    if "argument" in ref and "lookup" not in ref:
        try:
            value = argument_value(entry, given, ref["argument"])
        except KeyError:
            return None
        return value if isinstance(value, int) else None
    if "lookup" in ref:
        return entry.get(ref["lookup"], {}).get(given.get(ref["argument"]))
    if "len_of_argument" in ref:
        value = given.get(ref["len_of_argument"])
        return len(value) if isinstance(value, (list, tuple)) else None
    if "distinct_values_of_argument" in ref:
        value = given.get(ref["distinct_values_of_argument"])
        return len(np.unique(np.asarray(value))) if value is not None else None
    if "max_plus_one_of_argument" in ref:
        value = given.get(ref["max_plus_one_of_argument"])
        return int(np.max(value)) + 1 if value is not None else None
    if "samples_of_argument" in ref:
        value = given.get(ref["samples_of_argument"])
        return len(value) if value is not None else None
    raise ValueError(f"unknown reference {ref}")


def resolve(entry: dict, given: Optional[dict] = None):
    """The tree the table gives for a call; raises Unknown for 'unknown'/'raises'."""
    given = given or {}
    tree = copy.deepcopy(entry["returns"])
    for section in ("constructor_arguments", "arguments"):
        for name, spec in entry.get(section, {}).items():
            effect = effect_of(spec, given, name)
            if isinstance(effect, str):
                raise Unknown(effect)
            tree = apply_patch(tree, effect)

    def fill(node: dict) -> None:
        for role in ("labels", "features"):
            leaf = node.get(role)
            if not isinstance(leaf, dict):
                continue
            if isinstance(leaf.get("classes"), dict):
                leaf["classes"] = resolve_reference(entry, given, leaf["classes"])
            if isinstance(leaf.get("samples"), dict):
                leaf["samples"] = resolve_reference(entry, given, leaf["samples"])
            if "shape" in leaf:
                leaf["shape"] = [
                    resolve_reference(entry, given, dim) if isinstance(dim, dict) else dim for dim in leaf["shape"]
                ]
            if role == "labels" and str(leaf.get("classes")) in entry.get("when_classes", {}):
                leaf.update(entry["when_classes"][str(leaf["classes"])]["labels"])

    walk(tree, fill)
    return tree


# -- comparing a real result with a tree -----------------------------------------------


def observe(value):
    """(shape, dtype name, values or None, container) of an array-like or spec."""
    module = type(value).__module__
    if module.startswith("tensorflow") and hasattr(value, "shape") and not hasattr(value, "numpy"):
        return tuple(value.shape), value.dtype.name, None, "tf.Tensor"
    if module.startswith("tensorflow"):
        array = value.numpy()
        return array.shape, value.dtype.name, array, "tf.Tensor"
    if module.startswith("torch"):
        return tuple(value.shape), str(value.dtype).replace("torch.", ""), value.numpy(), "torch.Tensor"
    if module.startswith("scipy.sparse"):
        return value.shape, value.dtype.name, value.toarray(), "scipy.sparse"
    if module.startswith("pandas"):
        container = "pandas." + type(value).__name__
        dtypes = {str(d) for d in (value.dtypes if hasattr(value, "columns") else [value.dtype])}
        dtype = dtypes.pop() if len(dtypes) == 1 else "mixed"
        return value.shape, dtype, value.to_numpy(), container
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return (), type(value).__name__, np.asarray(value), "python"
    if isinstance(value, list):
        array = np.asarray(value)
        scalars = {type(item).__name__ for item in value}
        dtype = scalars.pop() if len(scalars) == 1 and not isinstance(value[0], (list, tuple)) else array.dtype.name
        return array.shape, dtype, array, "list"
    array = np.asarray(value)
    return array.shape, array.dtype.name, array, "numpy"


def compare_leaf(role: str, leaf: dict, value, path: str, with_axis: bool, real_data: bool) -> List[str]:
    problems = []
    shape, dtype, values, container = observe(value)
    per_sample = shape[1:] if with_axis else shape
    classes = leaf.get("classes")
    if "shape" in leaf:
        want = tuple(classes if dim == "C" else dim for dim in leaf["shape"])
        if None not in want and tuple(per_sample) != want:
            problems.append(f"{path}: {role} per-sample shape {tuple(per_sample)}, table {want}")
    if leaf.get("dtype") and not (container == "tf.Tensor" and dtype == leaf["dtype"]) and dtype != leaf["dtype"]:
        if not (leaf["dtype"] == "int" and dtype == "int"):
            problems.append(f"{path}: {role} dtype {dtype}, table {leaf['dtype']}")
    if leaf.get("container") and container != leaf["container"]:
        problems.append(f"{path}: {role} container {container}, table {leaf['container']}")
    if real_data and with_axis and isinstance(leaf.get("samples"), int) and shape and shape[0] != leaf["samples"]:
        problems.append(f"{path}: {role} samples {shape[0]}, table {leaf['samples']}")
    if values is not None and values.size and role == "labels" and values.dtype.kind in "biuf":
        low, high = float(values.min()), float(values.max())
        bounds = leaf.get("value_range")
        if bounds is None and leaf.get("encoding") == "int" and isinstance(classes, int):
            bounds = [0, classes - 1]
        if bounds is not None and not (bounds[0] <= low and high <= bounds[1]):
            problems.append(f"{path}: labels values {low}..{high} outside table range {bounds}")
        if leaf.get("encoding") == "one_hot" and values.ndim == 2 and not np.allclose(values.sum(axis=1), 1):
            problems.append(f"{path}: one_hot rows do not sum to 1")
        if (
            real_data
            and bounds is not None
            and leaf.get("encoding") in ("int", "binary")
            and (low, high) != tuple(bounds)
        ):
            problems.append(f"{path}: labels span {low}..{high}, table range {bounds}")
    return problems


def compare(tree, value, path="result", with_axis=True, real_data=False, given=None) -> List[str]:
    given = given or {}
    kind = next(iter(tree)) if len(tree) == 1 else next(k for k in tree if k in NODE_KINDS)
    body = tree[kind]
    if kind in ("labels", "features"):
        return compare_leaf(kind, body, value, path, with_axis, real_data)
    if kind == "other":
        return []
    if kind == "tuple":
        if not isinstance(value, (tuple, list)) or len(value) != len(body):
            return [
                f"{path}: expected a {len(body)}-tuple, got {type(value).__name__}"
                + (f" of {len(value)}" if isinstance(value, (tuple, list)) else "")
            ]
        problems = []
        if "fields" in tree and tuple(getattr(value, "_fields", ())) != tuple(tree["fields"]):
            problems.append(f"{path}: fields {getattr(value, '_fields', None)}, table {tree['fields']}")
        for index, (node, item) in enumerate(zip(body, value)):
            problems += compare(node, item, f"{path}[{index}]", with_axis, real_data, given)
        return problems
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        return [
            p
            for index, item in enumerate(value)
            for p in compare(body, item, f"{path}[{index}]", with_axis, real_data, given)
        ]
    if kind == "mapping":
        if not hasattr(value, "keys"):
            return [f"{path}: expected a mapping, got {type(value).__name__}"]
        problems = []
        for key, node in body.items():
            keys = [k for k in value.keys() if k not in body] if key == "*" else [key]
            for k in keys:
                if k not in value:
                    problems.append(f"{path}: key {k!r} missing")
                    continue
                problems += compare(node, value[k], f"{path}[{k!r}]", with_axis, real_data, given)
                if tree.get("attributes") and getattr(value, k, None) is not value[k]:
                    problems.append(f"{path}: {k!r} is not also an attribute")
        return problems
    if kind == "object":
        problems = []
        if type(value).__name__ != body["class"].rsplit(".", 1)[-1]:
            problems.append(f"{path}: class {type(value).__name__}, table {body['class']}")
        for name, node in body.get("attributes", {}).items():
            problems += compare(node, getattr(value, name), f"{path}.{name}", True, real_data, given)
        if "getitem" in body:
            problems += compare(body["getitem"], value[0], f"{path}[0]", False, real_data, given)
        for name, method in body.get("methods", {}).items():
            count = len(method.get("parameters", {}))
            result = getattr(value, name)(*([7] * count))
            problems += compare(method["returns"], result, f"{path}.{name}(7)", True, real_data, given)
        return problems
    if kind == "dataset":
        element = first_element(value)
        if element is None:
            return [f"{path}: not a dataset/iterator: {type(value).__name__}"]
        return compare(body["element"], element, f"{path}<element>", body["batched"], False, given)
    if kind == "passthrough":
        shape, dtype, _, _ = observe(value)
        source_shape, source_dtype, _, _ = observe(given[body])
        if tuple(shape[1:]) != tuple(source_shape[1:]) or dtype != source_dtype:
            return [f"{path}: passthrough of {body} changed {source_shape}/{source_dtype} to {shape}/{dtype}"]
        return []
    if kind == "batch_of":
        return [f"{path}: batch_of is compared by its caller"]
    return [f"{path}: node kind {kind} not comparable"]


def first_element(value):
    """One element of a tf.data.Dataset (its spec), a Keras iterator or a torch DataLoader."""
    if hasattr(value, "element_spec"):
        return value.element_spec
    if hasattr(value, "__getitem__") and hasattr(value, "__len__") and not isinstance(value, (tuple, list, dict)):
        return value[0]
    if hasattr(value, "__iter__"):
        return next(iter(value))
    return None


# -- the table's own shape ----------------------------------------------------------------


def check_schema(table: dict) -> None:
    problems: List[str] = []

    def node_problems(node, where: str) -> None:
        if not isinstance(node, dict) or not node:
            problems.append(f"{where}: not a node")
            return
        kinds = [k for k in node if k in NODE_KINDS]
        if len(kinds) != 1:
            problems.append(f"{where}: node kinds {kinds}")
            return
        kind = kinds[0]
        body = node[kind]
        if kind in ("labels", "features"):
            unknown = set(body) - LEAF_FIELDS
            if unknown:
                problems.append(f"{where}: unknown leaf fields {sorted(unknown)}")
            if kind == "labels" and body.get("encoding") not in ENCODINGS:
                problems.append(f"{where}: encoding {body.get('encoding')!r}")
        elif kind in ("tuple", "list"):
            for index, item in enumerate(body if kind == "tuple" else [body]):
                node_problems(item, f"{where}[{index}]")
        elif kind == "mapping":
            for key, item in body.items():
                node_problems(item, f"{where}[{key!r}]")
        elif kind == "object":
            for name, item in body.get("attributes", {}).items():
                node_problems(item, f"{where}.{name}")
            if "getitem" in body:
                node_problems(body["getitem"], f"{where}[i]")
            for name, method in body.get("methods", {}).items():
                node_problems(method["returns"], f"{where}.{name}()")
        elif kind == "dataset":
            node_problems(body["element"], f"{where}<element>")

    def effect_problems(effect, where: str) -> None:
        if isinstance(effect, str):
            if effect not in ("unknown", "raises"):
                problems.append(f"{where}: effect {effect!r}")
            return
        unknown = set(effect) - {"labels", "features", "element", "batched", "returns"}
        if unknown:
            problems.append(f"{where}: unknown patch keys {sorted(unknown)}")
        for role in ("labels", "features"):
            if set(effect.get(role, {})) - LEAF_FIELDS:
                problems.append(f"{where}: unknown {role} fields")
        if "element" in effect:
            node_problems(effect["element"], f"{where}.element")
        if "returns" in effect:
            node_problems(effect["returns"], f"{where}.returns")

    for name, entry in table["loaders"].items():
        if set(entry) - ENTRY_KEYS:
            problems.append(f"{name}: unknown keys {sorted(set(entry) - ENTRY_KEYS)}")
        for key in ("library", "kind", "checked", "how", "returns"):
            if key not in entry:
                problems.append(f"{name}: no {key!r}")
        node_problems(entry["returns"], f"{name}.returns")
        for section in ("arguments", "constructor_arguments"):
            for argument, spec in entry.get(section, {}).items():
                if set(spec) - ARGUMENT_KEYS or "position" not in spec or "default" not in spec:
                    problems.append(f"{name}({argument}): argument keys {sorted(spec)}")
                for value, effect in spec.get("values", {}).items():
                    effect_problems(effect, f"{name}({argument}={value})")
                for kind_name, effect in spec.get("other_by_kind", {}).items():
                    effect_problems(effect, f"{name}({argument}: {kind_name})")
                effect_problems(spec.get("other", {}), f"{name}({argument}=other)")
        try:
            resolve(entry)
        except Unknown:
            pass
        except Exception as error:  # noqa: BLE001 - a table that the reference reading cannot read
            problems.append(f"{name}: resolve() failed: {error!r}")
    check(not problems, f"table shape: {len(table['loaders'])} entries" + ("" if not problems else f": {problems}"))

    names = importable("flake8_losslint.syntax.names")
    if names is None:
        skip("canonical names: flake8_losslint.syntax.names needs libcst")
        return
    for name, entry in table["loaders"].items():
        for spelled in [name] + entry.get("aliases", []):
            if entry["kind"] == "method":
                # a method is named by its class's canonical name and its own name
                owner, _, method = spelled.rpartition(".")
                check(
                    names.canonical(owner) == owner and method.isidentifier(),
                    f"{owner} (class of .{method}) is canonical",
                )
            else:
                check(names.canonical(spelled) == spelled, f"{spelled} is canonical")


# -- signatures ---------------------------------------------------------------------------

# canonical names whose objects live elsewhere in the installed libraries
IMPORT_PATHS = {
    "keras.preprocessing.ImageDataGenerator": "tensorflow.keras.preprocessing.image.ImageDataGenerator",
    "keras.legacy.preprocessing.image.ImageDataGenerator": "keras.src.legacy.preprocessing.image.ImageDataGenerator",
}


def locate(qualname: str):
    for prefix, real in IMPORT_PATHS.items():
        if qualname == prefix or qualname.startswith(prefix + "."):
            qualname = real + qualname[len(prefix) :]
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = importable(".".join(parts[:cut]))
        if module is None:
            continue
        obj = module
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            continue
        return obj
    return None


def check_signature(name: str, entry: dict, obj) -> None:
    sections = [("arguments", obj)]
    if "constructor_arguments" in entry:
        sections.append(("constructor_arguments", locate(entry["method_of"])))
    for section, target in sections:
        parameters = list(inspect.signature(target).parameters.values())
        if entry["kind"] == "method" and section == "arguments" and parameters and parameters[0].name == "self":
            parameters = parameters[1:]
        positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        by_name = {p.name: p for p in parameters}
        takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in parameters)
        for argument, spec in entry.get(section, {}).items():
            where = f"{name}{' constructor' if section != 'arguments' else ''}: {argument}"
            parameter = by_name.get(argument)
            if parameter is None:
                check(takes_kwargs and spec["position"] is None, f"{where} passes through **kwargs")
                continue
            if spec["position"] is None:
                check(parameter.kind == parameter.KEYWORD_ONLY, f"{where} is keyword-only")
            else:
                actual = positional.index(argument) if argument in positional else None
                check(actual == spec["position"], f"{where} at position {spec['position']} (found {actual})")
            default = None if parameter.default is inspect.Parameter.empty else repr(parameter.default)
            check(default == spec["default"], f"{where} default {spec['default']} (found {default})")


def check_names(table: dict, libraries: set) -> None:
    for name, entry in table["loaders"].items():
        if entry["library"] not in libraries:
            continue
        if name.startswith(("tensorflow.examples.", "tensorflow.contrib.")):
            continue  # TensorFlow 1 only: checked from the wheel
        library = (
            entry["library"].replace("scikit-learn", "sklearn").replace("tensorflow_datasets", "tensorflow_datasets")
        )
        if importable(library) is None:
            skip(f"{name}: {entry['library']} not installed")
            continue
        obj = locate(name)
        check(obj is not None, f"{name} exists")
        if obj is None:
            continue
        for alias in entry.get("aliases", []):
            other = locate(alias)
            check(other is obj or getattr(other, "__wrapped__", None) is obj, f"{alias} is {name}")
        check_signature(name, entry, obj)


# -- running the loaders offline ---------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def quietly(call: Callable[[], Any]):
    """Call without the loader's own progress lines ("Found 9 images ...", "Extracting ...")."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        return call()


def run_and_compare(name: str, entry: dict, call: Callable[[], Any], given: dict, real_data=False, extra=None) -> None:
    try:
        value = quietly(call)
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        check(False, f"{name}({given_text(given)}) ran: {type(error).__name__}: {error}")
        return
    try:
        tree = resolve(entry, given)
    except Unknown as reason:
        check(False, f"{name}({given_text(given)}): table says {reason}, but it ran")
        return
    problems = compare(tree, value, real_data=real_data, given=given)
    if extra is not None:
        problems += extra(value)
    check(not problems, f"{name}({given_text(given)}) matches the table" + (f": {problems}" if problems else ""))


def given_text(given: dict) -> str:
    def short(value) -> str:
        if (
            isinstance(value, (list, tuple))
            and len(value) < 5
            or not hasattr(value, "__len__")
            or isinstance(value, str)
        ):
            return repr(value)
        return f"<{type(value).__name__} of {len(value)}>"

    return ", ".join(
        f"{k}={short(v)}" for k, v in given.items() if k not in ("directory", "root", "dataframe", "train_dir")
    )


def expect_unknown(name: str, entry: dict, given: dict, call: Optional[Callable[[], Any]] = None) -> None:
    """The table says 'unknown' or 'raises' for ``given``; where it says raises, check that it does."""
    try:
        resolve(entry, given)
        check(False, f"{name}({given_text(given)}): the table should not know the result")
        return
    except Unknown as reason:
        said = str(reason)
    if said == "raises" and call is not None:
        try:
            call()
            check(False, f"{name}({given_text(given)}) should raise")
        except Exception as error:  # noqa: BLE001
            check(
                True, f"{name}({given_text(given)}) raises {type(error).__name__}: {str(error).splitlines()[0][:100]}"
            )
    else:
        check(True, f"{name}({given_text(given)}): table says {said}")


def keras_datasets(table: dict) -> None:
    keras = importable("keras")
    if keras is None:
        skip("keras.datasets: keras not installed")
        return
    entries = table["loaders"]
    tmp = Path(tempfile.mkdtemp(prefix="loaders-keras-"))
    rng = np.random.default_rng(0)

    def patched(module_name: str, files: Callable[..., str]):
        module = importlib.import_module(f"keras.src.datasets.{module_name}")
        return mock.patch.object(module, "get_file", files)

    np.savez(
        tmp / "mnist.npz",
        x_train=rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 60, dtype=np.uint8),
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 10, dtype=np.uint8),
    )
    with patched("mnist", lambda *a, **k: str(tmp / "mnist.npz")):
        run_and_compare(
            "keras.datasets.mnist.load_data",
            entries["keras.datasets.mnist.load_data"],
            keras.datasets.mnist.load_data,
            {},
        )

    fashion = tmp / "fashion"
    fashion.mkdir()
    for prefix, count in (("train", 60), ("t10k", 10)):
        with gzip.open(fashion / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0" * 8 + rng.integers(0, 10, count, dtype=np.uint8).tobytes())
        with gzip.open(fashion / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0" * 16 + rng.integers(0, 256, count * 784, dtype=np.uint8).tobytes())
    with patched("fashion_mnist", lambda fname, **k: str(fashion / fname)):
        run_and_compare(
            "keras.datasets.fashion_mnist.load_data",
            entries["keras.datasets.fashion_mnist.load_data"],
            keras.datasets.fashion_mnist.load_data,
            {},
        )

    # CIFAR: pickled batches as published (bytes keys, uint8 rows of 3072, labels a Python list)
    cifar10 = tmp / "c10" / "cifar-10-batches-py"
    cifar10.mkdir(parents=True)
    for batch in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        count = 10000 if batch != "test_batch" else 20
        with open(cifar10 / batch, "wb") as f:
            pickle.dump(
                {
                    b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
                    b"labels": rng.integers(0, 10, count).tolist(),
                },
                f,
            )
    with patched("cifar10", lambda *a, **k: str(tmp / "c10")):
        run_and_compare(
            "keras.datasets.cifar10.load_data",
            entries["keras.datasets.cifar10.load_data"],
            keras.datasets.cifar10.load_data,
            {},
        )
    cifar100 = tmp / "c100" / "cifar-100-python"
    cifar100.mkdir(parents=True)
    for part, count in (("train", 50), ("test", 20)):
        with open(cifar100 / part, "wb") as f:
            pickle.dump(
                {
                    b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
                    b"fine_labels": rng.integers(0, 100, count).tolist(),
                    b"coarse_labels": rng.integers(0, 20, count).tolist(),
                },
                f,
            )
    entry = entries["keras.datasets.cifar100.load_data"]
    with patched("cifar100", lambda *a, **k: str(tmp / "c100")):
        run_and_compare("keras.datasets.cifar100.load_data", entry, keras.datasets.cifar100.load_data, {})
        run_and_compare(
            "keras.datasets.cifar100.load_data",
            entry,
            lambda: keras.datasets.cifar100.load_data("coarse"),
            {"label_mode": "coarse"},
        )
        expect_unknown(
            "keras.datasets.cifar100.load_data",
            entry,
            {"label_mode": "medium"},
            lambda: keras.datasets.cifar100.load_data("medium"),
        )

    sequences = np.empty(30, dtype=object)
    # Python ints, as in the published files: Keras refuses to unpickle NumPy scalars
    sequences[:] = [[int(w) for w in rng.integers(1, 50, rng.integers(3, 9))] for _ in range(30)]
    np.savez(
        tmp / "imdb.npz",
        x_train=sequences[:20],
        y_train=rng.integers(0, 2, 20),
        x_test=sequences[20:],
        y_test=rng.integers(0, 2, 10),
    )
    with patched("imdb", lambda *a, **k: str(tmp / "imdb.npz")):
        run_and_compare(
            "keras.datasets.imdb.load_data", entries["keras.datasets.imdb.load_data"], keras.datasets.imdb.load_data, {}
        )
    np.savez(tmp / "reuters.npz", x=sequences, y=rng.integers(0, 46, 30))
    with patched("reuters", lambda *a, **k: str(tmp / "reuters.npz")):
        run_and_compare(
            "keras.datasets.reuters.load_data",
            entries["keras.datasets.reuters.load_data"],
            keras.datasets.reuters.load_data,
            {},
        )
    for module_name, width in (("boston_housing", 13), ("california_housing", 8)):
        np.savez(tmp / f"{module_name}.npz", x=rng.random((50, width)), y=rng.random(50) * 50)
        with patched(module_name, lambda *a, module_name=module_name, **k: str(tmp / f"{module_name}.npz")):
            qualname = f"keras.datasets.{module_name}.load_data"
            run_and_compare(qualname, entries[qualname], getattr(keras.datasets, module_name).load_data, {})

    # What only the real files show: class counts and ranges, from the docstrings and label names.
    docs = {
        name: inspect.getdoc(getattr(keras.datasets, name).load_data)
        for name in (
            "mnist",
            "fashion_mnist",
            "cifar10",
            "cifar100",
            "imdb",
            "reuters",
            "boston_housing",
            "california_housing",
        )
    }
    check(
        "integers in range 0-9" in docs["mnist"] and "(60000,)" in docs["mnist"],
        "mnist docstring: labels 0-9, (60000,)",
    )
    check("integers in range 0-9" in docs["fashion_mnist"], "fashion_mnist docstring: labels 0-9")
    check(
        "integers in range 0-9" in docs["cifar10"] and "(50000, 1)" in docs["cifar10"],
        "cifar10 docstring: 0-9, (50000, 1)",
    )
    check(
        "integers in range 0-99" in docs["cifar100"] and "20 coarse-grained" in docs["cifar100"],
        "cifar100 docstring: 0-99 fine, 20 coarse classes",
    )
    check("(1 or 0)" in docs["imdb"], "imdb docstring: labels 1 or 0")
    check(
        "46 topics" in docs["reuters"] and len(keras.datasets.reuters.get_label_names()) == 46,
        "reuters: 46 topics in the docstring and get_label_names()",
    )
    check(
        "target scalars" in docs["boston_housing"] and "target scalars" in docs["california_housing"],
        "boston/california docstrings: scalar regression targets",
    )


def tf1_read_data_sets(table: dict, wheel: Optional[str]) -> None:
    entry = table["loaders"]["tensorflow.examples.tutorials.mnist.input_data.read_data_sets"]
    if not wheel or not os.path.exists(wheel):
        skip("TF 1.15 read_data_sets: no tensorflow 1.15.5 wheel (pass --tf115-wheel)")
        return
    if importable("tensorflow.python.framework.dtypes") is None:
        skip("TF 1.15 read_data_sets: its module needs TensorFlow's dtypes/gfile (any TF 2) to run")
        return
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("tensorflow_core/contrib/learn/python/learn/datasets/mnist.py").decode()
        input_data = archive.read("tensorflow_core/examples/tutorials/mnist/input_data.py").decode()
        base_source = archive.read("tensorflow_core/contrib/learn/python/learn/datasets/base.py").decode()
        learn_init = archive.read("tensorflow_core/contrib/learn/__init__.py").decode()
        datasets_init = archive.read("tensorflow_core/contrib/learn/python/learn/datasets/__init__.py").decode()
    check(
        "from tensorflow.contrib.learn.python.learn.datasets.mnist import read_data_sets" in input_data,
        "input_data.read_data_sets is contrib's mnist.read_data_sets (1.15.5 source)",
    )
    check(
        "from tensorflow.contrib.learn.python.learn.datasets import mnist" in datasets_init
        and "'datasets'" in learn_init,
        "tf.contrib.learn.datasets.mnist reaches the same module",
    )
    check(
        "Datasets = collections.namedtuple('Datasets', ['train', 'validation', 'test'])" in base_source,
        "base.Datasets is a namedtuple (train, validation, test)",
    )

    import collections

    train_dir = Path(tempfile.mkdtemp(prefix="loaders-tf1-"))
    base = ModuleType("tensorflow.contrib.learn.python.learn.datasets.base")
    base.Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])
    base.maybe_download = lambda filename, work_directory, source_url: os.path.join(work_directory, filename)
    stubs = {}
    for depth in (
        "tensorflow.contrib",
        "tensorflow.contrib.learn",
        "tensorflow.contrib.learn.python",
        "tensorflow.contrib.learn.python.learn",
        "tensorflow.contrib.learn.python.learn.datasets",
    ):
        stubs[depth] = ModuleType(depth)
        stubs[depth].__path__ = []
    stubs["tensorflow.contrib.learn.python.learn.datasets"].base = base
    stubs["tensorflow.contrib.learn.python.learn.datasets.base"] = base
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 120), ("t10k", 30)):
        with gzip.open(train_dir / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(
                struct.pack(">IIII", 2051, count, 28, 28) + rng.integers(0, 256, count * 784, dtype=np.uint8).tobytes()
            )
        with gzip.open(train_dir / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 2049, count) + rng.integers(0, 10, count, dtype=np.uint8).tobytes())
    with mock.patch.dict(sys.modules, stubs):
        module = ModuleType("tf115_mnist")
        exec(compile(source, "tensorflow_core/contrib/learn/python/learn/datasets/mnist.py", "exec"), module.__dict__)
        read_data_sets = module.read_data_sets
        name = "tensorflow.examples.tutorials.mnist.input_data.read_data_sets"
        check_signature(name, entry, read_data_sets)
        for given in ({}, {"one_hot": True}, {"reshape": False}):
            call_args = dict(given, validation_size=20)

            def counts(result):
                got = [part.labels.shape[0] for part in result]
                return [] if got == [100, 20, 30] else [f"split sizes {got}, want 120-20, 20, 30"]

            # validation_size=20 fits the synthetic 120 rows; the table's samples are for 60000 real ones
            run_and_compare(
                name,
                entry,
                lambda call_args=call_args: read_data_sets(str(train_dir), **call_args),
                given,
                extra=counts,
            )
        expect_unknown(name, entry, {"one_hot": "yes"})


def keras_directories(table: dict) -> None:
    keras = importable("keras")
    if keras is None:
        skip("directory datasets / ImageDataGenerator: keras not installed")
        return
    entries = table["loaders"]
    tmp = Path(tempfile.mkdtemp(prefix="loaders-dirs-"))
    rng = np.random.default_rng(0)
    png = importable("PIL.Image")
    tf = importable("tensorflow")
    for classes, folder in ((["cat", "dog", "eel"], "three"), (["cat", "dog"], "two")):
        for label in classes:
            for kind in ("img", "txt", "wav"):
                (tmp / kind / folder / label).mkdir(parents=True, exist_ok=True)
            for i in range(3):
                pixels = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
                tf.io.write_file(str(tmp / "img" / folder / label / f"{i}.png"), tf.io.encode_png(pixels))
                (tmp / "txt" / folder / label / f"{i}.txt").write_text("a few words")
                with wave.open(str(tmp / "wav" / folder / label / f"{i}.wav"), "wb") as w:
                    w.setnchannels(1)
                    w.setsampwidth(2)
                    w.setframerate(8000)
                    w.writeframes(struct.pack("<50h", *range(50)))
    loaders = {
        "keras.utils.image_dataset_from_directory": ("img", {"image_size": (8, 8), "verbose": False}),
        "keras.utils.text_dataset_from_directory": ("txt", {"verbose": False}),
        "keras.utils.audio_dataset_from_directory": ("wav", {}),
    }
    for name, (kind, extra) in loaders.items():
        entry = entries[name]
        function = locate(name)
        for given, folder in (
            ({}, "three"),
            ({"label_mode": "categorical"}, "three"),
            ({"label_mode": "binary"}, "two"),
            ({"label_mode": None}, "three"),
            ({"labels": None}, "three"),
            ({"class_names": ["cat", "dog", "eel"]}, "three"),
            ({"label_mode": "categorical", "class_names": ["cat", "dog", "eel"]}, "three"),
            ({"validation_split": 0.3, "subset": "both", "seed": 1}, "three"),
        ):
            with_dir = dict(given, directory=str(tmp / kind / folder))
            table_given = {k: v for k, v in with_dir.items() if k not in ("validation_split", "seed")}
            run_and_compare(name, entry, lambda with_dir=with_dir: function(**with_dir, **extra), table_given)
        directory = str(tmp / kind / "three")
        try:
            quietly(lambda: function(directory, label_mode="binary", **extra))
            check(False, f"{name}(label_mode='binary') on 3 classes should raise")
        except ValueError as error:
            check("exactly 2" in str(error), f"{name}(label_mode='binary') on 3 classes raises: {str(error)[:90]}")

    if png is None:
        skip("ImageDataGenerator: Pillow not installed (Keras loads images with it)")
        return
    generator_class = locate("keras.preprocessing.ImageDataGenerator")
    check(
        generator_class is locate("keras.legacy.preprocessing.image.ImageDataGenerator"),
        "tf.keras ImageDataGenerator is keras.src.legacy's",
    )
    generator = generator_class()
    name = "keras.preprocessing.ImageDataGenerator.flow_from_directory"
    entry = entries[name]
    directory = str(tmp / "img" / "three")
    for given in (
        {},
        {"class_mode": "sparse"},
        {"class_mode": "binary"},
        {"class_mode": "input"},
        {"class_mode": None},
        {"classes": ["cat", "dog", "eel"]},
    ):
        run_and_compare(
            name,
            entry,
            lambda given=given: generator.flow_from_directory(directory, target_size=(8, 8), batch_size=9, **given),
            given,
        )
    pandas = importable("pandas")
    if pandas is None:
        skip("flow_from_dataframe: pandas not installed")
    else:
        name = "keras.preprocessing.ImageDataGenerator.flow_from_dataframe"
        entry = entries[name]
        frame = pandas.DataFrame(
            {
                "filename": [f"{c}/{i}.png" for c in ("cat", "dog", "eel") for i in range(3)],
                "class": [c for c in ("cat", "dog", "eel") for _ in range(3)],
            }
        )
        for given, rows in (
            ({}, frame),
            ({"class_mode": "sparse"}, frame),
            ({"class_mode": "binary"}, frame[frame["class"] != "eel"]),
            ({"class_mode": None}, frame),
        ):
            run_and_compare(
                name,
                entry,
                lambda given=given, rows=rows: generator.flow_from_dataframe(
                    rows, directory=directory, target_size=(8, 8), batch_size=9, **given
                ),
                given,
            )
        expect_unknown(name, entry, {"class_mode": "raw"})
    name = "keras.preprocessing.ImageDataGenerator.flow"
    entry = entries[name]
    x = rng.random((10, 8, 8, 3))
    for y in (rng.integers(0, 3, 10), keras.utils.to_categorical(rng.integers(0, 3, 10), 3)):
        run_and_compare(name, entry, lambda y=y: generator.flow(x, y, batch_size=4), {"y": y})
    run_and_compare(name, entry, lambda: generator.flow(x, batch_size=4), {})


def tfds_load(table: dict) -> None:
    tfds = importable("tensorflow_datasets")
    if tfds is None or importable("tensorflow") is None:
        skip("tensorflow_datasets.load: tensorflow-datasets (with tensorflow) not installed")
        return
    entry = table["loaders"]["tensorflow_datasets.load"]
    with tfds.testing.mock_data(num_examples=4):
        for given in (
            {"split": "train"},
            {"split": "train", "as_supervised": True},
            {"split": ["train", "test"], "as_supervised": True},
            {"split": "train", "with_info": True},
            {"split": "train", "as_supervised": True, "batch_size": 2},
            {"split": ["train", "test"], "with_info": True},
        ):
            run_and_compare(
                "tensorflow_datasets.load",
                entry,
                lambda given=given: tfds.load("mnist", **given),
                dict(given, name="mnist"),
            )
        whole = tfds.load("mnist")
        check(isinstance(whole, dict), f"tfds.load('mnist') without split is a dict of splits ({type(whole).__name__})")
    for dataset_name, count in entry["classes_by_name"].items():
        builder = tfds.builder(dataset_name)
        keys = builder.info.supervised_keys
        label = builder.info.features[keys[1]] if keys else None
        check(
            keys is not None
            and keys[1] == "label"
            and getattr(label, "num_classes", None) == count
            and label.dtype.name == "int64",
            f"tfds {dataset_name}: label ClassLabel({getattr(label, 'num_classes', None)}), table {count}",
        )


def torchvision_datasets(table: dict) -> None:
    torchvision = importable("torchvision")
    torch = importable("torch")
    if torchvision is None or torch is None:
        skip("torchvision datasets: torchvision not installed")
        return
    from torchvision import datasets

    entries = table["loaders"]
    tmp = Path(tempfile.mkdtemp(prefix="loaders-torch-"))
    rng = np.random.default_rng(0)
    for cls in ("MNIST", "FashionMNIST", "KMNIST"):
        raw = tmp / cls / "raw"
        raw.mkdir(parents=True)
        for prefix, count in (("train", 60), ("t10k", 10)):
            (raw / f"{prefix}-images-idx3-ubyte").write_bytes(idx_bytes(rng.integers(0, 256, (count, 28, 28))))
            (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(idx_bytes(rng.integers(0, 10, count)))
        name = f"torchvision.datasets.{cls}"
        check(len(getattr(datasets, cls).classes) == 10, f"{name}.classes has 10 names")
        for given in ({}, {"train": False}):
            run_and_compare(
                name, entries[name], lambda cls=cls, given=given: getattr(datasets, cls)(str(tmp), **given), given
            )
        expect_unknown(name, entries[name], {"target_transform": lambda t: t})

    base = tmp / "cifar-10-batches-py"
    base.mkdir()
    for batch in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(base / batch, "wb") as f:
            pickle.dump(
                {"data": rng.integers(0, 256, (8, 3072), dtype=np.uint8), "labels": rng.integers(0, 10, 8).tolist()}, f
            )
    with open(base / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)]}, f)
    base100 = tmp / "cifar-100-python"
    base100.mkdir()
    for part in ("train", "test"):
        with open(base100 / part, "wb") as f:
            pickle.dump(
                {
                    "data": rng.integers(0, 256, (8, 3072), dtype=np.uint8),
                    "fine_labels": rng.integers(0, 100, 8).tolist(),
                },
                f,
            )
    with open(base100 / "meta", "wb") as f:
        pickle.dump({"fine_label_names": [f"c{i}" for i in range(100)]}, f)
    with mock.patch("torchvision.datasets.cifar.check_integrity", lambda *a, **k: True):
        for cls in ("CIFAR10", "CIFAR100"):
            name = f"torchvision.datasets.{cls}"
            run_and_compare(name, entries[name], lambda cls=cls: getattr(datasets, cls)(str(tmp)), {})
    # torchvision reads the class names from batches.meta; the counts are those of the published archives,
    # which Keras's docstrings (checked in the keras group) also give.
    check(
        datasets.CIFAR100.base_folder == "cifar-100-python" and datasets.CIFAR100.meta["key"] == "fine_label_names",
        "CIFAR100 reads the fine labels (no coarse option)",
    )

    folder = tmp / "folder"
    for label in ("cat", "dog", "eel"):
        (folder / label).mkdir(parents=True)
        for i in range(2):
            from PIL import Image

            Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(folder / label / f"{i}.png")
    name = "torchvision.datasets.ImageFolder"
    run_and_compare(
        name,
        entries[name],
        lambda: datasets.ImageFolder(str(folder)),
        {},
        extra=lambda ds: [] if ds.classes == ["cat", "dog", "eel"] else [f"classes {ds.classes}"],
    )
    name = "torchvision.datasets.FakeData"
    run_and_compare(
        name, entries[name], lambda: datasets.FakeData(size=6, num_classes=7), {"size": 6, "num_classes": 7}
    )

    loader_entry = entries["torch.utils.data.DataLoader"]
    transform = torchvision.transforms.ToTensor()
    for dataset in (
        datasets.ImageFolder(str(folder), transform=transform),
        datasets.FakeData(6, (3, 8, 8), 7, transform),
    ):
        batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=4)))
        inner = resolve(entries[f"torchvision.datasets.{type(dataset).__name__}"])["object"]["getitem"]
        inner["tuple"][1]["labels"]["dtype"] = "int64"  # what the default collate makes of Python ints
        problems = compare(inner, batch, "batch", with_axis=True)
        labels = batch[1]
        check(
            not problems and str(labels.dtype) == "torch.int64" and tuple(labels.shape) == (4,),
            f"DataLoader over {type(dataset).__name__}: int targets become int64 (B,) {problems or ''}",
        )
    check(list(resolve(loader_entry)["dataset"]["element"]) == ["batch_of"], "DataLoader entry: batch_of its dataset")

    emnist = entries["torchvision.datasets.EMNIST"]
    for split, labels in emnist["arguments"]["split"]["values"].items():
        names = datasets.EMNIST.classes_split_dict[eval(split)]
        first_real = 1 if names[0] == "N/A" else 0
        check(
            labels["labels"]["classes"] == len(names)
            and labels["labels"]["value_range"] == [first_real, len(names) - 1],
            f"EMNIST split={split}: {len(names)} classes, ids from {first_real}",
        )
    sources = {
        "SVHN": ("np.place(self.labels, self.labels == 10, 0)", "labels 1..10 mapped to 0..9"),
        "USPS": ("int(d[0]) - 1", "file labels 1..10 shifted to 0..9"),
        "STL10": ("np.asarray([-1] * self.data.shape[0])", "unlabeled split labelled -1"),
        "QMNIST": ("target = int(target[0])", "compat=True keeps the digit column"),
        "CelebA": ('torch.div(self.attr + 1, 2, rounding_mode="floor")', "attributes mapped from -1/1 to 0/1"),
    }
    for cls, (needle, meaning) in sources.items():
        check(needle in inspect.getsource(getattr(datasets, cls)), f"torchvision.datasets.{cls} source: {meaning}")


def sklearn_and_pandas(table: dict) -> None:
    sklearn = importable("sklearn")
    entries = table["loaders"]
    if sklearn is None:
        skip("scikit-learn entries: scikit-learn not installed")
    else:
        from sklearn import datasets, preprocessing

        for loader in ("load_iris", "load_digits", "load_wine", "load_breast_cancer", "load_diabetes"):
            name = f"sklearn.datasets.{loader}"
            function = getattr(datasets, loader)
            for given in ({}, {"return_X_y": True}, {"as_frame": True}):
                run_and_compare(
                    name, entries[name], lambda function=function, given=given: function(**given), given, real_data=True
                )
        run_and_compare(
            "sklearn.datasets.load_digits",
            entries["sklearn.datasets.load_digits"],
            lambda: datasets.load_digits(n_class=4, return_X_y=True),
            {"n_class": 4, "return_X_y": True},
            real_data=True,
        )
        for given in ({}, {"n_samples": 50, "n_classes": 4, "n_informative": 4}):
            table_given = {k: v for k, v in given.items() if k != "n_informative"}
            run_and_compare(
                "sklearn.datasets.make_classification",
                entries["sklearn.datasets.make_classification"],
                lambda given=given: datasets.make_classification(**given),
                table_given,
                real_data=True,
            )
        generated = {
            "make_multilabel_classification": [{}, {"n_classes": 3}],
            "make_blobs": [{}, {"centers": 5}],
            "make_moons": [{}],
            "make_circles": [{}],
            "make_gaussian_quantiles": [{}, {"n_classes": 4}],
            "make_hastie_10_2": [{"n_samples": 500}],
            "make_regression": [{}, {"n_targets": 3}],
        }
        for loader, calls in generated.items():
            name = f"sklearn.datasets.{loader}"
            for given in calls:
                run_and_compare(
                    name,
                    entries[name],
                    lambda loader=loader, given=given: getattr(datasets, loader)(**given),
                    given,
                    real_data=loader != "make_regression",
                )
        docs = {
            loader: inspect.getdoc(getattr(datasets, loader))
            for loader in ("fetch_covtype", "fetch_olivetti_faces", "fetch_california_housing", "fetch_openml")
        }
        check(
            "ranging between 1 to 7" in " ".join(docs["fetch_covtype"].split()),
            "fetch_covtype docstring: 7 cover types, 1 to 7",
        )
        check(
            "astype(np.int32" in inspect.getsource(sys.modules[datasets.fetch_covtype.__module__]),
            "fetch_covtype source: target cast to int32",
        )
        check("ranging from 0-39" in docs["fetch_olivetti_faces"], "fetch_olivetti_faces docstring: ids 0-39")
        check("(20640,)" in docs["fetch_california_housing"], "fetch_california_housing docstring: (20640,) target")

        strings = np.array(["b", "a", "c", "a", "b"])
        run_and_compare(
            "sklearn.preprocessing.LabelEncoder.fit_transform",
            entries["sklearn.preprocessing.LabelEncoder.fit_transform"],
            lambda: preprocessing.LabelEncoder().fit_transform(strings),
            {"y": strings},
            real_data=True,
        )
        for y in (strings, strings[strings != "c"]):
            run_and_compare(
                "sklearn.preprocessing.LabelBinarizer.fit_transform",
                entries["sklearn.preprocessing.LabelBinarizer.fit_transform"],
                lambda y=y: preprocessing.LabelBinarizer().fit_transform(y),
                {"y": y},
                real_data=True,
            )
            classes = sorted(set(y.tolist()))
            run_and_compare(
                "sklearn.preprocessing.label_binarize",
                entries["sklearn.preprocessing.label_binarize"],
                lambda y=y, classes=classes: preprocessing.label_binarize(y, classes=classes),
                {"y": y, "classes": classes},
                real_data=True,
            )
        column = strings.reshape(-1, 1)
        for given in ({}, {"sparse_output": False}):
            run_and_compare(
                "sklearn.preprocessing.OneHotEncoder.fit_transform",
                entries["sklearn.preprocessing.OneHotEncoder.fit_transform"],
                lambda given=given: preprocessing.OneHotEncoder(**given).fit_transform(column),
                dict(given, X=column),
                real_data=True,
            )
        expect_unknown(
            "sklearn.preprocessing.OneHotEncoder.fit_transform",
            entries["sklearn.preprocessing.OneHotEncoder.fit_transform"],
            {"drop": "first", "X": column},
        )
        sets = [["a", "b"], ["c"], ["a"]]
        run_and_compare(
            "sklearn.preprocessing.MultiLabelBinarizer.fit_transform",
            entries["sklearn.preprocessing.MultiLabelBinarizer.fit_transform"],
            lambda: preprocessing.MultiLabelBinarizer().fit_transform(sets),
            {"y": sets},
            real_data=True,
            extra=lambda got: [] if got.shape == (3, 3) else [f"shape {got.shape}"],
        )

    pandas = importable("pandas")
    if pandas is None:
        skip("pandas.get_dummies: pandas not installed")
    else:
        series = pandas.Series(["b", "a", "c", "a"])
        run_and_compare(
            "pandas.get_dummies",
            entries["pandas.get_dummies"],
            lambda: pandas.get_dummies(series),
            {"data": series},
            real_data=True,
        )
        expect_unknown("pandas.get_dummies", entries["pandas.get_dummies"], {"data": series, "drop_first": True})
        dropped = pandas.get_dummies(series, drop_first=True)
        check(dropped.shape == (4, 2), f"get_dummies(drop_first=True) drops a column: {dropped.shape}")


def keras_encoders(table: dict) -> None:
    entries = table["loaders"]
    keras = importable("keras")
    if keras is None:
        skip("keras.utils.to_categorical: keras not installed")
    else:
        ids = np.array([0, 3, 1, 2])
        entry = entries["keras.utils.to_categorical"]
        run_and_compare(
            "keras.utils.to_categorical", entry, lambda: keras.utils.to_categorical(ids), {"x": ids}, real_data=True
        )
        run_and_compare(
            "keras.utils.to_categorical",
            entry,
            lambda: keras.utils.to_categorical(ids, 6),
            {"x": ids, "num_classes": 6},
            real_data=True,
        )


GROUPS = {
    "table": (set(), [check_schema]),
    "keras": ({"keras"}, [keras_datasets, keras_directories, keras_encoders]),
    "tf1": (set(), []),
    "tfds": ({"tensorflow_datasets"}, [tfds_load]),
    "torch": ({"torch", "torchvision"}, [torchvision_datasets]),
    "sklearn": ({"scikit-learn", "pandas"}, [sklearn_and_pandas]),
}


def run_group(group: str, options) -> None:
    table = json.loads(TABLE.read_text())
    libraries, steps = GROUPS[group]
    if libraries:
        check_names(table, libraries)
    for step in steps:
        step(table)
    if group == "tf1":
        tf1_read_data_sets(table, options.tf115_wheel)
    print(f"{passed} checks passed, {len(failures)} failed, {len(skipped)} skipped")
    sys.exit(1 if failures else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    wheels = sorted(glob.glob("/work/scratch/tf115/tensorflow-1.15.5-*.whl"))
    parser.add_argument(
        "--tf115-wheel",
        default=wheels[0] if wheels else None,
        help="the tensorflow 1.15.5 wheel whose source read_data_sets is checked against",
    )
    parser.add_argument("--group", choices=sorted(GROUPS), help="check one group in this process")
    options = parser.parse_args()
    if options.group:
        run_group(options.group, options)
    # One process per group: TensorFlow and a CUDA build of torch crash when imported into one process.
    versions = []
    for module in ("tensorflow", "keras", "tensorflow_datasets", "torch", "torchvision", "sklearn", "pandas", "numpy"):
        probe = subprocess.run(
            [sys.executable, "-c", f"import {module}; print({module}.__version__)"], capture_output=True, text=True
        )
        versions.append(f"{module} {probe.stdout.strip() if probe.returncode == 0 else 'not installed'}")
    print("; ".join(versions))
    totals = [0, 0, 0]
    crashed = []
    for group in GROUPS:
        print(f"\n== {group}", flush=True)
        command = [sys.executable, __file__, "--group", group]
        if options.tf115_wheel:
            command += ["--tf115-wheel", options.tf115_wheel]
        done = subprocess.run(command, capture_output=True, text=True)
        print(done.stdout, end="", flush=True)
        last = done.stdout.strip().splitlines()[-1:] or [""]
        numbers = [int(word) for word in last[0].split() if word.isdigit()]
        if len(numbers) == 3:
            totals = [total + number for total, number in zip(totals, numbers)]
        else:
            crashed.append(f"{group} (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    print(
        f"\nall groups: {totals[0]} checks passed, {totals[1]} failed, {totals[2]} skipped"
        + (f"; crashed: {crashed}" if crashed else "")
    )
    sys.exit(1 if totals[1] or crashed else 0)


if __name__ == "__main__":
    main()
