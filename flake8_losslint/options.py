"""Options shared by the flake8 plugin and the ``losslint`` command, declared once.

Each entry is registered twice from the same declaration: with flake8's option
manager (``parse_from_config=True``, so ``losslint-debug = true`` works in
``setup.cfg``/``tox.ini``/``.flake8``) and with the CLI's argparse parser.
Adding an option is one line in ``SHARED_OPTIONS``; read it from the parsed
namespace under its ``dest`` (``--losslint-debug`` -> ``losslint_debug``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    # Plain argparse keywords (action, default, type, choices, ...).
    kwargs: Dict[str, Any] = field(default_factory=lambda: {"action": "store_true", "default": False})

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


SHARED_OPTIONS: Tuple[Option, ...] = (
    Option("--losslint-debug", "print the traceback when flake8-losslint fails on a file (by default such a file silently gets no LL findings)"),
)


def add_flake8_options(manager: Any) -> None:
    """Register every shared option with flake8's ``OptionManager``."""
    for option in SHARED_OPTIONS:
        manager.add_option(option.flag, parse_from_config=True, help=option.help, **option.kwargs)


def add_argparse_options(parser: argparse.ArgumentParser) -> None:
    """Register every shared option with an argparse parser (the CLI)."""
    for option in SHARED_OPTIONS:
        parser.add_argument(option.flag, help=option.help, **option.kwargs)
