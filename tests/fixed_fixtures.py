"""What ``losslint fix`` makes of each fixture, pinned beside it (``NAME.fixed.py``), and the
in-process ``losslint`` runs that the fix tests and ``scripts/pin_fixed_fixtures.py`` share.

One pinned file per way of running the fix, each only where it makes a difference:

- ``NAME.fixed.py``: ``losslint fix NAME.py`` (safe fixes); none when it changes nothing;
- ``NAME.unsafe.fixed.py``: ``losslint fix --unsafe-fixes``, where it differs from the above;
- ``NAME.logits.fixed.py`` and ``NAME.probabilities.fixed.py``: ``--logits-style`` and
  ``--probabilities-style`` with ``--unsafe-fixes``, where they differ from ``--unsafe-fixes``.

Notebooks likewise: ``NAME.fixed.ipynb``.  A pinned file is what the fixed file must be,
byte for byte; ``tests/test_fixtures.py`` does not take it for a fixture.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from flake8_losslint import cli

from .conftest import FIXTURES

FIXED = ".fixed"  # NAME.fixed.py, NAME.unsafe.fixed.py, ...


@dataclass(frozen=True)
class Variant:
    name: str  # "" for plain `losslint fix`
    options: Tuple[str, ...]
    falls_back_to: Optional[str]  # the variant whose result stands when this one has no file


VARIANTS = (
    Variant("", (), None),
    Variant("unsafe", ("--unsafe-fixes",), ""),
    Variant("logits", ("--logits-style", "--unsafe-fixes"), "unsafe"),
    Variant("probabilities", ("--probabilities-style", "--unsafe-fixes"), "unsafe"),
)
BY_NAME = {variant.name: variant for variant in VARIANTS}


def is_pinned(path: Path) -> bool:
    return path.stem.endswith(FIXED)


def fixtures() -> List[Path]:
    """Every fixture the fix runs on: the Python files and notebooks, not the pinned results."""
    found = [p for p in FIXTURES.rglob("*") if p.suffix in (".py", ".ipynb") and not is_pinned(p)]
    return sorted(found)


def pinned_path(fixture: Path, variant: Variant) -> Path:
    infix = f".{variant.name}" if variant.name else ""
    return fixture.with_name(f"{fixture.stem}{infix}{FIXED}{fixture.suffix}")


def expected(fixture: Path, variant: Variant) -> bytes:
    """What ``variant`` must make of ``fixture``: its pinned file, or what the variant it
    falls back to makes, or the fixture itself."""
    pinned = pinned_path(fixture, variant)
    if pinned.exists():
        return pinned.read_bytes()
    if variant.falls_back_to is None:
        return fixture.read_bytes()
    return expected(fixture, BY_NAME[variant.falls_back_to])


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


def losslint_main(*args: str, stdin: Optional[str] = None) -> Completed:
    """``losslint ARGS`` in this process, through ``cli.main``: exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse: usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = saved
    return Completed(code, out.getvalue(), err.getvalue())


def fix_copy(fixture: Path, directory: Path, options: Sequence[str]) -> Tuple[bytes, Completed]:
    """``losslint fix OPTIONS`` on a copy of ``fixture`` in ``directory``: the fixed bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / fixture.name
    for sibling in fixture.parent.glob("*.py"):  # the modules it may import come along
        if sibling != fixture and not sibling.name.endswith(".fixed.py"):
            shutil.copyfile(sibling, directory / sibling.name)
    shutil.copyfile(fixture, target)
    result = losslint_main("fix", *options, str(target))
    return target.read_bytes(), result
