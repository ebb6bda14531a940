"""``python flake8_without_plugin.py ARGS``: flake8 exactly as installed, minus flake8-losslint.

flake8 has no switch that turns an installed, on-by-default plugin off
(``--select``/``--extend-ignore`` only filter its output; the plugin still
runs).  So this wraps flake8's own plugin discovery and drops our entry point
before anything is loaded: the same interpreter, the same flake8, the same
other plugins, one plugin fewer.  ``flake8 --version`` through this wrapper
no longer lists flake8-losslint, which is how the benchmark checks it.
"""

from __future__ import annotations

import sys

from flake8.main.cli import main
from flake8.plugins import finder

OURS = "flake8-losslint"
_find_plugins = finder.find_plugins


def _without_ours(cfg, opts):  # type: ignore[no-untyped-def]
    return [p for p in _find_plugins(cfg, opts) if _normal(p.package) != OURS]


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


finder.find_plugins = _without_ours

if __name__ == "__main__":
    sys.exit(main())
