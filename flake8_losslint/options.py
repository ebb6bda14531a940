"""Options shared by the flake8 plugin and the ``losslint`` command, declared once.

Each entry is registered twice from the same declaration: with flake8's option
manager (``parse_from_config=True``, so ``losslint-debug = true`` works in
``setup.cfg``/``tox.ini``/``.flake8``) and with the CLI's argparse parser.
Adding an option is one line in ``SHARED_OPTIONS``; read it from the parsed
namespace under its ``dest`` (``--losslint-debug`` -> ``losslint_debug``).

An option with ``config=False`` is read from the command line only: a
repository's configuration must not be able to turn it on.  That is
``--losslint-runtime-user-code``, which runs code from the checked program.
A configuration reader (the CLI's) skips the names in ``COMMAND_LINE_ONLY``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


def target_version(text: str) -> str:
    """``--losslint-target-version``: checked when read, kept as written."""
    from .source.target import TargetError, parse_option

    try:
        parse_option(text)
    except TargetError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def target_of(options: Any) -> Any:
    """The ``source.target.Target`` the option gives, or None."""
    text = getattr(options, "losslint_target_version", None)
    if not text:
        return None
    from .source.target import parse_option

    return parse_option(text)


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    # Plain argparse keywords (action, default, type, choices, ...).
    kwargs: Dict[str, Any] = field(default_factory=lambda: {"action": "store_true", "default": False})
    config: bool = True  # may be set in setup.cfg/tox.ini/.flake8 (False: command line only)
    cli_help: Optional[str] = None  # the ``losslint`` command's help, where it differs from flake8's

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


SHARED_OPTIONS: Tuple[Option, ...] = (
    Option(
        "--losslint-debug",
        "print the traceback when flake8-losslint fails on a file (by default such a file silently gets no LL findings)",
        cli_help="print the traceback when losslint fails on a file (without it, the file is "
        "reported as not checked, in one line, and the exit status is 2)",
    ),
    # Runtime mode (flake8_losslint/runtime/): confirm findings in TensorFlow.
    Option(
        "--losslint-runtime",
        "confirm each finding by running the real loss in the installed TensorFlow on "
        "synthetic tensors (needs flake8-losslint[runtime]); refuted findings are dropped",
    ),
    Option(
        "--losslint-runtime-verbose",
        "with --losslint-runtime: also show refuted findings, and findings that were not checked",
    ),
    Option(
        "--losslint-no-cache",
        "do not read or write the cache of findings (kept per file in the user cache directory, "
        "$XDG_CACHE_HOME/flake8-losslint or $FLAKE8_LOSSLINT_CACHE_DIR)",
    ),
    Option(
        "--losslint-target-version",
        "the library versions the checked code is written for, e.g. tensorflow=1.15,keras=2.4 "
        "(default: the project's pins, then what the file shows, then the installed versions)",
        {"default": None, "type": target_version, "metavar": "LIBRARY=VERSION,..."},
    ),
    Option(
        "--losslint-runtime-user-code",
        "with --losslint-runtime: probes may run a user-defined loss function (only that "
        "function, its library imports and literal constants, in a sandboxed process with "
        "limits and a timeout; see docs/runtime.md). Command line only: a config file cannot turn it on",
        config=False,
    ),
)

# Option names (as in a config file) that only the command line may set.
COMMAND_LINE_ONLY = frozenset(option.flag.lstrip("-") for option in SHARED_OPTIONS if not option.config)


def runtime_settings(options: Any) -> Any:
    """``flake8_losslint.runtime.Settings`` when runtime mode is asked for and
    possible, else None.  The runtime package is imported only then."""
    if not getattr(options, "losslint_runtime", False):
        return None
    from .runtime import Settings, precheck

    if not precheck():
        return None
    return Settings(
        verbose=bool(getattr(options, "losslint_runtime_verbose", False)),
        user_code=bool(getattr(options, "losslint_runtime_user_code", False)),
    )


def add_flake8_options(manager: Any) -> None:
    """Register every shared option with flake8's ``OptionManager``."""
    for option in SHARED_OPTIONS:
        manager.add_option(option.flag, parse_from_config=option.config, help=option.help, **option.kwargs)


def add_argparse_options(parser: argparse.ArgumentParser, unset: bool = False) -> None:
    """Register every shared option with an argparse parser (the CLI).  With ``unset``,
    an option not given is None, so that a configuration file can supply it."""
    for option in SHARED_OPTIONS:
        kwargs = dict(option.kwargs)
        if unset:
            kwargs["default"] = None
        parser.add_argument(option.flag, help=option.cli_help or option.help, **kwargs)
