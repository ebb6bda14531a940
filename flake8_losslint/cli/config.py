"""The command's settings: flake8's configuration file, then ``[tool.losslint]`` in
``pyproject.toml``, then the command line, each on top of the one before.

- The ``[flake8]`` section of ``setup.cfg``, ``tox.ini`` or ``.flake8`` is found as
  flake8 finds it (``flake8.options.config.load_config``: from the current directory
  upward; ``--config FILE`` names one, ``--isolated`` reads none) and read as flake8
  reads it: comma-separated lists, paths normalised against the file's folder.  Keys
  of other plugins are none of our business; an ``LL`` code that names no rule is an
  error.
- ``[tool.losslint]`` in the nearest ``pyproject.toml`` (from the current directory
  upward) uses the same names without the ``losslint-`` prefix (``select = ["LL1"]``,
  ``per-file-ignores = {"tests/*" = ["LL2"]}``, ``target-version = "tensorflow=1.15"``);
  an unknown key is an error.
- ``losslint-runtime-user-code`` runs code from the checked program: only the command
  line may turn it on, and a configuration file that sets it is told so.
"""

from __future__ import annotations

import argparse
import configparser
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from flake8 import utils as flake8_utils

from ..options import COMMAND_LINE_ONLY, SHARED_OPTIONS, target_version
from .selection import (
    Selection,
    SelectionError,
    check_codes,
    normalise_per_file,
    parse_per_file_ignores,
    suggestion,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# flake8's default --exclude, plus virtual environments and tool caches, which hold
# installed packages rather than the project's code.
FLAKE8_EXCLUDE = (".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs", "*.egg")
DEFAULT_EXCLUDE = FLAKE8_EXCLUDE + (
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules", "site-packages",
)
# Jupyter's autosave copies: never the user's notebooks, whatever --exclude says.
ALWAYS_EXCLUDE = (".ipynb_checkpoints",)

CODE_KEYS = ("select", "ignore", "extend-select", "extend-ignore")
PATH_KEYS = ("exclude", "extend-exclude")
BOOL_KEYS = ("disable-noqa", "force-exclude")
TEXT_KEYS = ("output-format", "docs-url")
# The shared options a configuration file may set (command-line-only ones excluded).
SHARED = {option.flag.lstrip("-"): option for option in SHARED_OPTIONS if option.config}
FLAKE8_KEYS = CODE_KEYS + PATH_KEYS + ("per-file-ignores", "disable-noqa", "jobs") + tuple(SHARED)
TOOL_KEYS = CODE_KEYS + PATH_KEYS + ("per-file-ignores", "jobs") + BOOL_KEYS + TEXT_KEYS + tuple(
    name[len("losslint-"):] for name in SHARED
)


class ConfigError(ValueError):
    """A configuration file or option that cannot be used; the message says where and why."""


@dataclass
class Settings:
    """Everything the command line and the configuration files decide."""

    selection: Selection = field(default_factory=Selection)
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    force_exclude: bool = False
    disable_noqa: bool = False
    output_format: str = "full"
    docs_url: Optional[str] = None
    jobs: Optional[int] = None  # processes checking files; None: as many as there are CPUs
    options: Dict[str, Any] = field(default_factory=dict)  # shared options by dest
    sources: List[str] = field(default_factory=list)  # the files read, for messages
    notices: List[str] = field(default_factory=list)  # said once on standard error

    @property
    def excluded(self) -> Tuple[str, ...]:
        return tuple(self.exclude) + tuple(self.extend_exclude) + ALWAYS_EXCLUDE


def _codes(value: Any, where: str) -> List[str]:
    if isinstance(value, str):
        return flake8_utils.parse_comma_separated_list(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise ConfigError(f"{where}: expected a list of codes, got {value!r}")


def _paths(value: Any, parent: str, where: str) -> List[str]:
    if isinstance(value, str):
        items = flake8_utils.parse_comma_separated_list(value)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = [item.strip() for item in value if item.strip()]
    else:
        raise ConfigError(f"{where}: expected a list of paths or patterns, got {value!r}")
    return flake8_utils.normalize_paths(items, parent)


def jobs_value(value: Any, where: str) -> Optional[int]:
    """``jobs`` as flake8 reads it: "auto" (None: one process per CPU) or a positive number."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ConfigError(f"{where}: expected \"auto\" or a number of processes of at least 1, got {value!r}")


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


class _Values:
    """One layer's values by key (config-file spelling), and where each came from."""

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self.origin: Dict[str, str] = {}

    def set(self, key: str, value: Any, origin: str) -> None:
        self.values[key] = value
        self.origin[key] = origin


def _flake8_section(config: Optional[str], isolated: bool, values: _Values, settings: Settings) -> None:
    from flake8.exceptions import ExecutionError
    from flake8.options.config import load_config

    try:
        cfg, cfg_dir = load_config(config=config, extra=[], isolated=isolated)
    except ExecutionError as error:
        raise ConfigError(str(error)) from None
    except (configparser.Error, UnicodeDecodeError) as error:
        raise ConfigError(f"{config}: cannot be read: {error}") from None
    if "flake8" not in cfg:
        return
    name = config or _found_config_name(cfg_dir)
    settings.sources.append(name)
    section = cfg["flake8"]
    for raw_key in section:
        key = raw_key.replace("_", "-")
        where = f"{name} [flake8] {key}"
        if key in COMMAND_LINE_ONLY:
            settings.notices.append(f"{where} is ignored: only the command line can turn it on")
            continue
        if key not in FLAKE8_KEYS:
            continue  # flake8's own options and other plugins'
        try:
            if key in CODE_KEYS:
                codes = flake8_utils.parse_comma_separated_list(section[raw_key])
                check_codes(codes, where, strict=False)
                values.set(key, codes, where)
            elif key in PATH_KEYS:
                values.set(key, flake8_utils.normalize_paths(
                    flake8_utils.parse_comma_separated_list(section[raw_key]), cfg_dir), where)
            elif key == "jobs":
                values.set(key, jobs_value(section[raw_key], where), where)
            elif key == "per-file-ignores":
                # flake8 normalises these against the current directory, not the file's.
                pairs = parse_per_file_ignores(section[raw_key])
                check_codes([c for _, codes in pairs for c in codes], where, strict=False)
                values.set(key, pairs, where)
            elif key == "disable-noqa" or SHARED.get(key) is not None and SHARED[key].kwargs.get("action") == "store_true":
                values.set(key, cfg.getboolean("flake8", raw_key), where)
            else:
                values.set(key, _shared_value(key, section[raw_key], where), where)
        except ValueError as error:  # getboolean, the code checks
            if isinstance(error, (ConfigError, SelectionError)):
                raise
            raise ConfigError(f"{where}: {error}") from None


def _found_config_name(cfg_dir: str) -> str:
    for candidate in ("setup.cfg", "tox.ini", ".flake8"):
        path = os.path.join(cfg_dir, candidate)
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="UTF-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        if "flake8" in parser:
            return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    return os.path.join(cfg_dir, "setup.cfg")


def _shared_value(key: str, value: Any, where: str) -> Any:
    option = SHARED[key]
    if option.kwargs.get("action") == "store_true":
        return _bool(value, where)
    if key == "losslint-target-version":
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string such as \"tensorflow=1.15,keras=2.4\"")
        try:
            return target_version(value)
        except argparse.ArgumentTypeError as error:
            raise ConfigError(f"{where}: {error}") from None
    return value


def find_pyproject(start: str) -> Optional[str]:
    """The nearest ``pyproject.toml`` with a ``[tool.losslint]`` table, from ``start``
    upward, stopping below the home directory as flake8 does."""
    home = os.path.abspath(os.path.expanduser("~"))
    path = os.path.abspath(start)
    while True:
        candidate = os.path.join(path, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as handle:
                    data = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise ConfigError(f"{candidate}: cannot be read: {error}") from None
            if isinstance(data.get("tool"), dict) and "losslint" in data["tool"]:
                return candidate
        parent = os.path.dirname(path)
        if parent == path or parent == home:
            return None
        path = parent


def _tool_table(path: str, values: _Values, settings: Settings) -> None:
    with open(path, "rb") as handle:
        table = tomllib.load(handle)["tool"]["losslint"]
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    settings.sources.append(shown)
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.losslint] must be a table")
    parent = os.path.dirname(path)
    for key, value in table.items():
        where = f"{shown} [tool.losslint] {key}"
        name = key.replace("_", "-")
        full = name if name.startswith("losslint-") else f"losslint-{name}"
        if full in COMMAND_LINE_ONLY:
            settings.notices.append(f"{where} is ignored: only the command line can turn it on")
            continue
        if name in CODE_KEYS:
            codes = _codes(value, where)
            check_codes(codes, where, strict=True)
            values.set(name, codes, where)
        elif name in PATH_KEYS:
            values.set(name, _paths(value, parent, where), where)
        elif name == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of pattern = [codes]")
            pairs = [(pattern, _codes(codes, f"{where} {pattern}")) for pattern, codes in value.items()]
            check_codes([c for _, codes in pairs for c in codes], where, strict=True)
            values.set(name, normalise_per_file(pairs, parent), where)
        elif name == "jobs":
            values.set(name, jobs_value(value, where), where)
        elif name in BOOL_KEYS:
            values.set(name, _bool(value, where), where)
        elif name in TEXT_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected a string")
            values.set(name, value, where)
        elif full in SHARED:
            values.set(full, _shared_value(full, value, where), where)
        else:
            raise ConfigError(f"{where}: unknown key{suggestion(name, TOOL_KEYS)}")


def _command_line(args: argparse.Namespace, values: _Values) -> None:
    """The flags given on the command line (those left at None were not)."""
    where = "the command line"
    for key in CODE_KEYS:
        given = getattr(args, key.replace("-", "_"), None)
        if given is not None:
            codes = [code.upper() for code in given]
            check_codes(codes, f"--{key}", strict=True)
            values.set(key, codes, f"--{key}")
    for key in PATH_KEYS:
        given = getattr(args, key.replace("-", "_"), None)
        if given is not None:
            values.set(key, flake8_utils.normalize_paths(list(given)), f"--{key}")
    if getattr(args, "per_file_ignores", None) is not None:
        pairs = parse_per_file_ignores(args.per_file_ignores)
        check_codes([c for _, codes in pairs for c in codes], "--per-file-ignores", strict=True)
        values.set("per-file-ignores", pairs, "--per-file-ignores")
    if getattr(args, "jobs", None) is not None:
        values.set("jobs", jobs_value(args.jobs, "--jobs"), "--jobs")
    for key in BOOL_KEYS + TEXT_KEYS:
        given = getattr(args, key.replace("-", "_"), None)
        if given is not None:
            values.set(key, given, f"--{key}")
    for option in SHARED_OPTIONS:
        given = getattr(args, option.dest, None)
        if given is not None:
            values.set(option.flag.lstrip("-"), given, where)


def load(args: argparse.Namespace) -> Settings:
    """The settings for this run: configuration files, then ``args`` on top."""
    settings = Settings()
    values = _Values()
    isolated = bool(getattr(args, "isolated", False))
    _flake8_section(getattr(args, "config", None), isolated, values, settings)
    if not isolated:
        pyproject = find_pyproject(os.curdir)
        if pyproject is not None:
            _tool_table(pyproject, values, settings)
    _command_line(args, values)
    found = values.values

    def codes(key: str) -> Optional[Tuple[str, ...]]:
        return tuple(found[key]) if key in found else None

    settings.selection = Selection(
        select=codes("select"),
        ignore=codes("ignore"),
        extend_select=codes("extend-select") or (),
        extend_ignore=codes("extend-ignore") or (),
        per_file_ignores=tuple(found.get("per-file-ignores", ())),
    )
    if not settings.selection.selects_any():
        keys = [k for k in CODE_KEYS if k in found]
        said = "; ".join(f"{values.origin[k]} = {','.join(found[k])}" for k in keys)
        raise SelectionError(f"no rule is selected ({said}): nothing would be checked; "
                             "select LL (or a prefix of it), or use extend-select")
    if "exclude" in found:
        settings.exclude = tuple(found["exclude"])
    settings.extend_exclude = tuple(found.get("extend-exclude", ()))
    settings.force_exclude = bool(found.get("force-exclude", False))
    settings.disable_noqa = bool(found.get("disable-noqa", False))
    settings.output_format = found.get("output-format", "full")
    settings.jobs = found.get("jobs")
    settings.docs_url = found.get("docs-url") or os.environ.get("LOSSLINT_DOCS_URL") or None
    for option in SHARED_OPTIONS:
        name = option.flag.lstrip("-")
        settings.options[option.dest] = found.get(name, option.kwargs.get("default"))
    return settings


def namespace(settings: Settings, args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with the shared options as the settings decide them (what
    ``options.runtime_settings`` and ``options.target_of`` read)."""
    merged = argparse.Namespace(**vars(args))
    for dest, value in settings.options.items():
        setattr(merged, dest, value)
    return merged


def describe_sources(settings: Settings) -> str:
    return ", ".join(settings.sources) if settings.sources else "no configuration file"


__all__: Sequence[str] = ["ConfigError", "Settings", "load", "namespace", "find_pyproject", "DEFAULT_EXCLUDE"]
