"""The library versions a program is written for, from what surrounds it.

In order: ``--losslint-target-version`` (``tensorflow=1.15,keras=2.4``), then the
project's own pins found from the checked file upward (``requirements*.txt``,
``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``environment.yml``), then the
installed libraries (read from package metadata, never imported).  What the file
itself shows (TF1-only API, a version check that exits) is read by the
interpreter (``interp/versions.py``) and ranks between the pins and the installed
versions.  A version is a plain release string (``"1.15"``); only TensorFlow and
Keras matter here.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

LIBRARIES = ("tensorflow", "keras")
# Distribution names that stand for each library in pins.
_DISTRIBUTIONS = {
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-intel": "tensorflow",
    "tensorflow-macos": "tensorflow",
    "tf-nightly": "tensorflow",
    "tf-nightly-cpu": "tensorflow",
    "keras": "keras",
}
# The releases that end each line of the bundled API name lists (api_names.py):
# a pin is read as the newest of these it allows.
CANDIDATES = {
    "tensorflow": ("1.15.5", "2.15.1", "2.21.0"),
    "keras": ("2.3.1", "2.15.0", "3.15.1"),
}
_PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", "tox.ini")


@dataclass(frozen=True)
class Target:
    """Versions per library (None: not known from this source) and how they were found."""

    tensorflow: Optional[str] = None
    keras: Optional[str] = None
    source: str = ""  # for messages: "--losslint-target-version", "requirements.txt", "installed"

    @property
    def known(self) -> bool:
        return self.tensorflow is not None or self.keras is not None


NONE = Target()


class TargetError(ValueError):
    """An unreadable --losslint-target-version; the message says what is expected."""


def parse_option(text: str) -> Target:
    """``tensorflow=1.15,keras=2.4`` (either may be left out)."""
    versions: Dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        written, equals, version = part.partition("=")
        name = _DISTRIBUTIONS.get(written.strip().lower().replace("_", "-"))
        version = version.strip()
        if not equals or name is None or not re.fullmatch(r"\d+(\.\d+){0,2}", version):
            raise TargetError(
                f"--losslint-target-version: cannot read {part!r}; write e.g. tensorflow=1.15,keras=2.4"
            )
        versions[name] = version
    if not versions:
        raise TargetError("--losslint-target-version: no version given; write e.g. tensorflow=1.15,keras=2.4")
    return Target(versions.get("tensorflow"), versions.get("keras"), "--losslint-target-version")


def installed() -> Target:
    """The installed TensorFlow and Keras, from package metadata (nothing is imported)."""
    return _installed()


@lru_cache(maxsize=1)
def _installed() -> Target:
    found: Dict[str, str] = {}
    for distribution, library in _DISTRIBUTIONS.items():
        if library in found:
            continue
        try:
            found[library] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return Target(found.get("tensorflow"), found.get("keras"), "installed") if found else NONE


def pinned(path: str) -> Target:
    """The versions the project of ``path`` pins, from the nearest folder (upward, within the
    project) that has pin files naming TensorFlow or Keras."""
    folder = Path(path).resolve().parent
    return _pinned(str(folder))


@lru_cache(maxsize=256)
def _pinned(folder: str) -> Target:
    here = Path(folder)
    for candidate in (here, *here.parents):
        found: Dict[str, str] = {}
        source = ""
        for name, specs in _pin_files(candidate):
            for library, spec in specs:
                version = _newest_allowed(library, spec)
                if version is not None and library not in found:
                    found[library] = version
                    source = source or name
        if found:
            return Target(found.get("tensorflow"), found.get("keras"), source)
        if any((candidate / marker).exists() for marker in _PROJECT_MARKERS):
            return NONE  # the project's root: pins above it are another project's
    return NONE


# -- pin files ------------------------------------------------------------------------------
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*)")


def _requirement(line: str) -> Optional[Tuple[str, str]]:
    """(library, version specifier) from a requirement line naming TensorFlow or Keras."""
    match = _REQUIREMENT.match(line)
    if match is None:
        return None
    library = _DISTRIBUTIONS.get(match.group(1).lower().replace("_", "-"))
    if library is None:
        return None
    return library, match.group(3).strip()


def _pin_files(folder: Path) -> Iterator[Tuple[str, List[Tuple[str, str]]]]:
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return
    for name in entries:
        reader = _reader(name)
        if reader is None:
            continue  # by name alone: a stat per entry cost 0.4 s in a /tmp of thousands of files
        path = folder / name
        if not path.is_file():
            continue
        try:
            yield name, reader(path)
        except (OSError, ValueError, SyntaxError, RecursionError):
            continue


def _reader(name: str) -> Optional[Callable[[Path], List[Tuple[str, str]]]]:
    """What reads a pin file of this name, or None for any other file."""
    if name.startswith("requirements") and name.endswith((".txt", ".in")):
        return _requirements
    return _READERS.get(name)


def _requirements(path: Path) -> List[Tuple[str, str]]:
    return _lines(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _lines(lines: List[str]) -> List[Tuple[str, str]]:
    found = []
    for line in lines:
        requirement = _requirement(line.split("#", 1)[0])
        if requirement is not None:
            found.append(requirement)
    return found


def _pyproject(path: Path) -> List[Tuple[str, str]]:
    # Imported here, as the file is rarely there.  Python 3.10 has no tomllib: tomli, a
    # dependency there, is the same parser (the import used to fail, and the file went unchecked).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lines: List[str] = list(data.get("project", {}).get("dependencies", []))
    for group in data.get("project", {}).get("optional-dependencies", {}).values():
        lines.extend(group)
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    for name, spec in poetry.items():
        if isinstance(spec, dict):
            spec = spec.get("version", "")
        if isinstance(spec, str):
            lines.append(f"{name} {_poetry(spec)}")
    return _lines([line for line in lines if isinstance(line, str)])


def _poetry(spec: str) -> str:
    """Poetry's ``^2.4`` / ``~2.4`` / ``2.4`` as a specifier."""
    spec = spec.strip()
    if spec.startswith("^") or spec.startswith("~"):
        return f"~={spec.lstrip('^~')}"
    if re.fullmatch(r"\d+(\.\d+)*", spec):
        return f"=={spec}"
    return spec


def _setup_cfg(path: Path) -> List[Tuple[str, str]]:
    parser = configparser.ConfigParser()
    parser.read_string(path.read_text(encoding="utf-8"))
    text = parser.get("options", "install_requires", fallback="")
    return _lines(text.splitlines())


def _setup_py(path: Path) -> List[Tuple[str, str]]:
    """String literals of a ``setup(install_requires=[...])`` list."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires" and isinstance(node.value, (ast.List, ast.Tuple)):
            lines.extend(el.value for el in node.value.elts if isinstance(el, ast.Constant) and isinstance(el.value, str))
    return _lines(lines)


def _environment(path: Path) -> List[Tuple[str, str]]:
    """``- tensorflow=1.15`` (conda) and ``- tensorflow==1.15`` (its pip section) lines."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = line.strip()
        if item.startswith("- "):
            item = item[2:].strip()
            item = re.sub(r"^([A-Za-z0-9._-]+)\s*=\s*(?!=)", r"\1==", item)  # conda's single '='
            lines.append(item)
    return _lines(lines)


# Pin files known by their whole name (requirements files go by prefix and suffix).
_READERS: Dict[str, Callable[[Path], List[Tuple[str, str]]]] = {
    "pyproject.toml": _pyproject,
    "setup.cfg": _setup_cfg,
    "setup.py": _setup_py,
    "environment.yml": _environment,
    "environment.yaml": _environment,
}


# -- specifiers ---------------------------------------------------------------------------
def _release(text: str) -> Tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def _allows(spec: str, version: str) -> Optional[bool]:
    """Whether a PEP 440 specifier set allows ``version`` (None: cannot tell)."""
    wanted = _release(version)
    for clause in (c.strip() for c in spec.split(",")):
        if not clause:
            continue
        match = re.fullmatch(r"(===|==|~=|!=|<=|>=|<|>)\s*([0-9][0-9.*]*)", clause)
        if match is None:
            return None
        operator, bound = match.groups()
        if bound.endswith(".*"):
            prefix = _release(bound[:-2])
            same = wanted[: len(prefix)] == prefix
            if operator == "==" and not same or operator == "!=" and same:
                return False
            continue
        limit = _release(bound)
        width = max(len(limit), len(wanted))
        left = wanted + (0,) * (width - len(wanted))
        right = limit + (0,) * (width - len(limit))
        if operator in ("==", "===") and wanted[: len(limit)] != limit:
            return False
        if operator == "!=" and wanted[: len(limit)] == limit:
            return False
        if operator == "~=" and not (left >= right and wanted[: max(1, len(limit) - 1)] == limit[: max(1, len(limit) - 1)]):
            return False
        if (operator == "<" and not left < right) or (operator == "<=" and not left <= right):
            return False
        if (operator == ">" and not left > right) or (operator == ">=" and not left >= right):
            return False
    return True


def _newest_allowed(library: str, spec: str) -> Optional[str]:
    """The version of ``library`` a pin stands for: an exact pin (``==2.4.1``, ``~=2.4.0``,
    ``==2.4.*``) as written, else the newest line end it allows, else its lower bound;
    None when the specifier is absent or cannot be read."""
    spec = spec.strip()
    if not spec:
        return None  # unpinned: says nothing about the version
    exact = re.fullmatch(r"(?:===?|~=)\s*([0-9]+(?:\.[0-9]+)*)(?:\.\*)?", spec)
    if exact:
        return exact.group(1)
    if _allows(spec, "0") is None:
        return None
    for candidate in reversed(CANDIDATES[library]):
        if _allows(spec, candidate):
            return candidate
    lower = re.search(r">=?\s*([0-9]+(?:\.[0-9]+)*)", spec)
    if lower and _allows(spec, lower.group(1)):
        return lower.group(1)
    return None
