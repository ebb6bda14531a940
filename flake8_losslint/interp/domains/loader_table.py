"""The loader table (``data/loaders.json``): what well-known loaders and encoders return.

The table is data, checked against the installed libraries by
``scripts/check_loader_facts.py``; its ``conventions`` section documents the
format, and ``resolve()`` in that script is the reference reading this module
follows.  Here a call is resolved into a plain tree (the table's own nodes,
with every argument's effect applied and every reference to an argument
replaced by what the call says about it); ``labels.py`` turns the tree into
the interpreter's values.  Whatever the table calls "unknown" or "raises", and
any reference the call does not settle where the encoding depends on it,
makes the whole result unknown: the rules stay silent on it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Dict, List, Optional, Tuple

_TABLE: Optional[Dict[str, Any]] = None
_BY_NAME: Dict[str, Tuple[str, Dict[str, Any]]] = {}
_CLASSES: Dict[str, str] = {}  # canonical class name (aliases too) -> the class name the table uses


def _load() -> Dict[str, Any]:
    """The table, read once, with every entry reachable by its name and its aliases."""
    global _TABLE
    if _TABLE is None:
        text = resources.files("flake8_losslint").joinpath("data").joinpath("loaders.json").read_text(encoding="utf-8")
        table = json.loads(text)
        for name, entry in table["loaders"].items():
            for alias in [name] + list(entry.get("aliases", [])):
                _BY_NAME[alias] = (name, entry)
                if entry.get("kind") == "method":
                    _CLASSES[alias.rsplit(".", 1)[0]] = entry["method_of"]
        _TABLE = table
    return _TABLE


def entry(qualname: str) -> Optional[Tuple[str, Dict[str, Any]]]:
    """The table's name and entry for a function or class, by canonical name (or an alias)."""
    _load()
    return _BY_NAME.get(qualname)


def method_class(qualname: str) -> Optional[str]:
    """The table's name of a class whose methods the table lists (``LabelEncoder``, ``ImageDataGenerator``)."""
    _load()
    return _CLASSES.get(qualname)


def method(class_name: str, name: str) -> Optional[Tuple[str, Dict[str, Any]]]:
    """The entry of ``class_name.name`` (the class as ``method_class`` names it)."""
    return entry(f"{class_name}.{name}")


@dataclass(frozen=True)
class Given:
    """What a call says about one argument, as far as the table's references need it.

    ``literal`` is the Python repr of a literal value (the key of ``values``);
    ``kind`` the type name of a literal not listed ("list", "tuple", "str", "int");
    the numbers are what the argument's value settles, or None.
    """

    literal: Optional[str] = None
    kind: Optional[str] = None
    integer: Optional[int] = None
    length: Optional[int] = None
    distinct: Optional[int] = None
    max_plus_one: Optional[int] = None
    samples: Optional[int] = None


class Unknown(Exception):
    """The table says the result of this call is not known (or the call raises)."""


def _effect(spec: Dict[str, Any], given: Optional[Given]) -> Any:
    values = spec.get("values", {})
    if given is None:
        default = spec.get("default")
        return values.get(default, {}) if default is not None else {}
    if given.literal is not None and given.literal in values:
        return values[given.literal]
    by_kind = spec.get("other_by_kind", {})
    if given.kind is not None and given.kind in by_kind:
        return by_kind[given.kind]
    return spec.get("other", "unknown")


def _walk(tree: Any, visit) -> None:  # noqa: ANN001 - a callback on each dict node
    if isinstance(tree, dict):
        visit(tree)
        for value in tree.values():
            _walk(value, visit)
    elif isinstance(tree, list):
        for item in tree:
            _walk(item, visit)


def _first_dataset(tree: Any) -> Optional[Dict[str, Any]]:
    found: List[Dict[str, Any]] = []
    _walk(tree, lambda node: found.append(node["dataset"]) if isinstance(node.get("dataset"), dict) else None)
    return found[0] if found else None


def _with_base(tree: Any, base: Any) -> Any:
    if isinstance(tree, dict):
        if tree.get("base") is True:
            return copy.deepcopy(base)
        if isinstance(tree.get("base"), str):
            return copy.deepcopy(base["mapping"][tree["base"]])
        return {key: _with_base(value, base) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_with_base(item, base) for item in tree]
    return tree


def _update(node: Dict[str, Any], role: str, fields: Dict[str, Any]) -> None:
    if isinstance(node.get(role), dict):
        node[role].update(fields)


def _patch(tree: Any, patch: Dict[str, Any]) -> Any:
    for role in ("labels", "features"):
        if role in patch:
            _walk(tree, lambda node, role=role: _update(node, role, patch[role]))
    if "element" in patch or "batched" in patch:
        dataset = _first_dataset(tree)
        if dataset is None:
            raise Unknown("a dataset patch without a dataset")
        if "element" in patch:
            dataset["element"] = copy.deepcopy(patch["element"])
        if "batched" in patch:
            dataset["batched"] = patch["batched"]
    if "returns" in patch:
        tree = _with_base(copy.deepcopy(patch["returns"]), tree)
    return tree


def _default_integer(entry: Dict[str, Any], name: str) -> Optional[int]:
    for section in ("arguments", "constructor_arguments"):
        spec = entry.get(section, {}).get(name)
        if spec is not None and spec.get("default") is not None:
            text = spec["default"]
            return int(text) if text.lstrip("-").isdigit() else None
    return None


def _reference(entry: Dict[str, Any], given: Dict[str, Given], ref: Any) -> Optional[int]:
    """An int for a classes/samples/width reference, or None when the call does not settle it."""
    if ref is None or isinstance(ref, int):
        return ref
    if not isinstance(ref, dict):
        return None
    if "lookup" in ref:
        value = given.get(ref["argument"])
        if value is None or value.literal is None:
            return None
        found = entry.get(ref["lookup"], {}).get(_unquote(value.literal))
        return found if isinstance(found, int) else None
    if "argument" in ref:
        value = given.get(ref["argument"])
        return value.integer if value is not None else _default_integer(entry, ref["argument"])
    for key, field in (
        ("len_of_argument", "length"),
        ("distinct_values_of_argument", "distinct"),
        ("max_plus_one_of_argument", "max_plus_one"),
        ("samples_of_argument", "samples"),
    ):
        if key in ref:
            value = given.get(ref[key])
            return getattr(value, field) if value is not None else None
    return None


def _unquote(literal: str) -> Optional[str]:
    if len(literal) >= 2 and literal[0] == literal[-1] and literal[0] in "'\"":
        return literal[1:-1]
    return None


def resolve(entry: Dict[str, Any], given: Dict[str, Given]) -> Any:
    """The tree the table gives for a call; raises Unknown for "unknown"/"raises" effects
    and for a class-count-dependent encoding (``when_classes``) the call does not settle."""
    tree = copy.deepcopy(entry["returns"])
    for section in ("constructor_arguments", "arguments"):
        for name, spec in entry.get(section, {}).items():
            effect = _effect(spec, given.get(name))
            if isinstance(effect, str):
                raise Unknown(effect)
            tree = _patch(tree, effect)
    when = entry.get("when_classes", {})
    unsettled: List[bool] = []

    def fill(node: Dict[str, Any]) -> None:
        for role in ("labels", "features"):
            leaf = node.get(role)
            if not isinstance(leaf, dict):
                continue
            if isinstance(leaf.get("classes"), dict):
                leaf["classes"] = _reference(entry, given, leaf["classes"])
            if isinstance(leaf.get("samples"), dict):
                leaf["samples"] = _reference(entry, given, leaf["samples"])
            if "shape" in leaf:
                leaf["shape"] = [_reference(entry, given, d) if isinstance(d, dict) else d for d in leaf["shape"]]
            if role == "labels" and when:
                if leaf.get("classes") is None:
                    unsettled.append(True)  # two classes would change the encoding
                elif str(leaf["classes"]) in when:
                    leaf.update(when[str(leaf["classes"])]["labels"])

    _walk(tree, fill)
    if unsettled:
        raise Unknown("the encoding depends on a class count the call does not settle")
    return tree


def mode_argument(entry: Dict[str, Any]) -> Optional[str]:
    """The argument whose listed values change the labels' encoding (``label_mode``,
    ``class_mode``, ``one_hot``): messages name its value."""
    for name, spec in entry.get("arguments", {}).items():
        for effect in spec.get("values", {}).values():
            if isinstance(effect, dict) and "encoding" in effect.get("labels", {}):
                return name
    return None


def default_literal(entry: Dict[str, Any], name: str) -> Optional[str]:
    spec = entry.get("arguments", {}).get(name)
    return spec.get("default") if spec is not None else None
