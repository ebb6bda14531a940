"""Run ``losslint`` as a user would: in this process through ``cli.main`` (fast; most
tests), or as the real command in a subprocess (the smoke tests)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional, Union

from flake8_losslint import cli

from .conftest import ROOT

# Variables that change what the command prints: the tests set them explicitly.
COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "LOSSLINT_DOCS_URL")


def losslint(*args: str, cwd: Path = ROOT, stdin: Optional[str] = None,
             env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in COLOUR_VARIABLES}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "flake8_losslint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
    )


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(cwd: Optional[Path], env: Optional[Dict[str, str]]) -> Iterator[None]:
    saved_cwd = os.getcwd()
    saved = {name: os.environ.get(name) for name in set(COLOUR_VARIABLES) | set(env or {})}
    try:
        for name in COLOUR_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(saved_cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(*args: str, cwd: Optional[Path] = ROOT, stdin: Union[str, bytes, None] = None,
        env: Optional[Dict[str, str]] = None) -> Completed:
    """``losslint ARGS`` in this process: exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    if stdin is not None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        with _environment(cwd, env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse: usage errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = saved_stdin
    return Completed(code, out.getvalue(), err.getvalue())
