"""Sibling modules: ``from nets import Net`` read from the project's own files.

A linted file's imports that name a module of the same project (found from the
file's path: its directory, then up through its packages, never outside the
project) resolve to that module's *summary*: what each of its top-level names
is, as far as the rules care (a model class and what its instances output, a
function and what it returns, a loss object, labels).  Summaries are computed
once per process and kept on disk by content hash (``source/cachefiles``), so a
second run and an editor save do not re-parse unchanged siblings.

Imports of libraries, imports that resolve outside the project, and files read
from standard input without a name stay unknown.  Sites inside a summary are
positions in the sibling's file (``ExternalPosition``): the report names them
(``nets.py, line 11``) and never reports a finding there.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .. import __version__
from ..source import cachefiles
from ..terms import NOT_LITERAL, Head, Labels, LossSpec, Site
from .values import (
    UNKNOWN,
    Const,
    ForeignClass,
    ForeignFunction,
    ForeignModule,
    Layer,
    LibRef,
    Model,
    Seq,
    Tensor,
    Unknown,
    Value,
)

# Top-level names that are libraries, never a project's module of the same name.
LIBRARY_ROOTS = frozenset(
    "tensorflow keras tf_keras torch torchvision torchaudio numpy scipy sklearn pandas "
    "tensorflow_datasets jax flax transformers".split()
)
_PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", "tox.ini")
MAX_DEPTH = 2  # a sibling's own siblings are read; theirs are not
MAX_BYTES = 1 << 20  # a bigger sibling is not read
_FORMAT = 1


@dataclass(frozen=True)
class ExternalPosition:
    """Where something is written in another file of the project (1-based line, 0-based column)."""

    path: str
    line: int
    column: int


class Summary:
    def __init__(self, path: str, digest: str, names: Dict[str, Value], reads: List[Tuple[str, str]]) -> None:
        self.path = path
        self.digest = digest
        self.names = names
        self.reads = reads  # (path, digest) of the siblings this summary read

    def get(self, name: str) -> Value:
        return self.names.get(name, UNKNOWN)


class Project:
    """The files of the project a linted file belongs to, as the evaluator sees them."""

    def __init__(self, path: str, depth: int = 0, summaries: Optional[Dict[str, Optional[Summary]]] = None) -> None:
        self.file = Path(path).resolve()
        self.depth = depth
        self.top = _project_top(self.file.parent)
        self._summaries: Dict[str, Optional[Summary]] = summaries if summaries is not None else _PROCESS_SUMMARIES
        self.read: List[Tuple[str, str]] = []  # (path, digest) of every sibling this project read

    # -- resolution ------------------------------------------------------------------
    def resolve(self, qualified: str) -> Optional[Value]:
        """The value of a dotted import target that is a project module or one of its
        names; None when it is not the project's (a library)."""
        parts = qualified.split(".")
        level = 0
        while level < len(parts) and parts[level] == "":
            level += 1
        relative = level > 0
        names = parts[level:]
        if not names or (not relative and names[0] in LIBRARY_ROOTS):
            return None
        for end in range(len(names), 0, -1):
            found = self._module_file(names[:end], level if relative else 0)
            if found is None:
                continue
            value: Value = ForeignModule(str(found))
            for name in names[end:]:
                value = self.attribute(value, name)
            return value
        return None

    def attribute(self, module: Value, name: str) -> Value:
        if not isinstance(module, ForeignModule):
            return UNKNOWN
        summary = self.summary(module.path)
        if summary is None:
            return UNKNOWN
        found = summary.get(name)
        if found == UNKNOWN:
            # ``import pkg`` then ``pkg.models``: a submodule file
            child = Path(module.path).parent / name if Path(module.path).name == "__init__.py" else None
            if child is not None:
                target = _module_in(child.parent, [name])
                if target is not None:
                    return ForeignModule(str(target))
        return found

    def _module_file(self, names: List[str], level: int) -> Optional[Path]:
        if level:
            base = self.file.parent
            for _ in range(level - 1):
                base = base.parent
            return _module_in(base, names) if self._inside(base) else None
        base = self.file.parent
        while True:
            found = _module_in(base, names)
            if found is not None:
                return found
            if not (base / "__init__.py").exists() or base == self.top or base.parent == base:
                return None
            base = base.parent

    def _inside(self, folder: Path) -> bool:
        return self.top is None or folder == self.top or self.top in folder.parents

    # -- summaries ----------------------------------------------------------------------
    def summary(self, path: str) -> Optional[Summary]:
        """The summary of the module in ``path`` as its file is now (memoised by content,
        in this process and on disk)."""
        if self.depth >= MAX_DEPTH:
            return None
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        if len(data) > MAX_BYTES:
            return None
        digest = hashlib.sha256(data).hexdigest()
        key = f"{self.depth}:{path}:{digest}"
        self.read.append((path, digest))
        if key in self._summaries:
            found = self._summaries[key]
            if found is None or _current(found):
                if found is not None:
                    self.read.extend(found.reads)
                return found
        self._summaries[key] = None  # a module importing itself reads as unknown
        found = self._load(path, data, digest)
        self._summaries[key] = found
        if found is not None:
            self.read.extend(found.reads)  # what it read counts as read here too
        return found

    def _load(self, path: str, data: bytes, digest: str) -> Optional[Summary]:
        entry = hashlib.sha256(f"{_FORMAT}:{__version__}:{self.depth}:{path}".encode()).hexdigest()[:32]
        cached = cachefiles.read("summaries", entry)
        summary = _decode_summary(cached, path, digest) if cached is not None else None
        if summary is not None and _current(summary):
            return summary
        reader = Project(path, self.depth + 1, self._summaries)
        summary = _summarise(path, data, digest, reader)
        if summary is not None:
            cachefiles.write("summaries", entry, _encode_summary(summary))
        return summary


_PROCESS_SUMMARIES: Dict[str, Optional[Summary]] = {}


def _current(summary: Summary) -> bool:
    """The siblings a summary read are as they were when it was made."""
    return all(cachefiles.file_digest(path) == digest for path, digest in summary.reads)


def _project_top(folder: Path) -> Optional[Path]:
    """The nearest folder that marks a project root (a VCS checkout, packaging files)."""
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in _PROJECT_MARKERS):
            return candidate
    return None


def _module_in(base: Path, names: List[str]) -> Optional[Path]:
    target = base.joinpath(*names)
    for candidate in (target.with_name(target.name + ".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _summarise(path: str, data: bytes, digest: str, project: Project) -> Optional[Summary]:
    """Evaluate a sibling module's top-level names."""
    from ..source.guard import check_parsable
    from ..syntax.collect import Ctx, collect
    from ..syntax.parse import parse_module
    from .evaluator import END, Evaluator

    try:
        source = data.decode("utf-8")
        check_parsable(source)
        module = parse_module(source)
    except Exception:  # noqa: BLE001 - a sibling we cannot read is unknown, never fatal
        return None
    evaluator = Evaluator(collect(module), project)
    scope = evaluator.collected.module_scope
    assert scope is not None
    end = Ctx(scope, END, ())
    names: Dict[str, Value] = {}
    for name, bindings in scope.bindings.items():
        if name.startswith("__"):
            continue
        found = evaluator.agree([evaluator.exported(name, binding, end) for binding in evaluator.reaching(bindings, end)])
        if found != UNKNOWN and _portable(found):
            names[name] = found
    if names:
        names = _external(names, module, path)
    return Summary(path, digest, names, project.read)


def _portable(value: Any) -> bool:
    """A value that means the same outside the module it was computed in."""
    if isinstance(value, (Site, str, int, float, bool, type(None))) or value is NOT_LITERAL:
        return True
    if isinstance(value, tuple):
        return all(_portable(item) for item in value)
    if type(value) not in _types().values():
        return False
    return all(_portable(getattr(value, f.name)) for f in dataclasses.fields(value))


def _external(names: Dict[str, Value], module: Any, path: str) -> Dict[str, Value]:
    """The names with every site turned into a position in the sibling's file."""
    from ..syntax.positions import Positions

    positions = Positions(module)

    def convert(value: Any) -> Any:
        if isinstance(value, Site):
            if isinstance(value.node, ExternalPosition):
                return value
            line, column = positions(value)
            return Site(ExternalPosition(path, line, column))
        if isinstance(value, tuple):
            return tuple(convert(item) for item in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return dataclasses.replace(value, **changes)
        return value

    return {name: convert(value) for name, value in names.items()}


# -- the on-disk form -------------------------------------------------------------------
@lru_cache(maxsize=1)
def _types() -> Dict[str, type]:
    from .domains.keras import Compiled, Loss
    from .domains.labels import Array, Dataset, Eye, LibObject
    from .domains.torch import TorchLoss, TorchModel

    classes = [Head, Labels, LossSpec, Const, Seq, Layer, Tensor, Model, LibRef, Unknown, Loss, Compiled]
    classes += [TorchModel, TorchLoss, Array, Dataset, Eye, LibObject, ForeignClass, ForeignFunction]
    return {cls.__name__: cls for cls in classes}


def _encode(value: Any) -> Any:
    if isinstance(value, Site):
        where = value.node
        return {"@site": [where.path, where.line, where.column]}
    if value is NOT_LITERAL:
        return {"@not_literal": True}
    if isinstance(value, tuple):
        return {"@tuple": [_encode(item) for item in value]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"@type": type(value).__name__, "fields": fields}
    return value


def _decode(data: Any) -> Any:
    if isinstance(data, dict):
        if "@site" in data:
            path, line, column = data["@site"]
            return Site(ExternalPosition(str(path), int(line), int(column)))
        if "@not_literal" in data:
            return NOT_LITERAL
        if "@tuple" in data:
            return tuple(_decode(item) for item in data["@tuple"])
        kind = data.get("@type")
        cls = _types().get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise ValueError(f"unknown type {kind!r}")
        return cls(**{name: _decode(item) for name, item in data["fields"].items()})
    if isinstance(data, list):
        raise ValueError("lists are not values")
    return data


def _encode_summary(summary: Summary) -> Dict[str, Any]:
    return {
        "format": _FORMAT,
        "digest": summary.digest,
        "reads": [list(read) for read in summary.reads],
        "names": {name: _encode(value) for name, value in summary.names.items()},
    }


def _decode_summary(data: Any, path: str, digest: str) -> Optional[Summary]:
    """A cached summary, when it is well formed and for this very content."""
    try:
        if data.get("format") != _FORMAT or data.get("digest") != digest:
            return None
        names = {str(name): _decode(value) for name, value in data["names"].items()}
        reads = [(str(p), str(d)) for p, d in data["reads"]]
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
        return None
    if not all(isinstance(value, Value) for value in names.values()):
        return None
    return Summary(path, digest, names, reads)
