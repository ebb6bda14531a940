"""Write ``fixtures/**/NAME.fixed.py`` (and ``NAME.unsafe.fixed.py``, ``NAME.logits.fixed.py``,
``NAME.probabilities.fixed.py``, ``NAME.fixed.ipynb``): what ``losslint fix`` makes of each fixture.

Run after a change to a fix, then read ``git diff fixtures``: every changed file is a
fix a user will see differently.  ``tests/test_fixes.py`` fails while a pinned file
differs from what ``losslint fix`` makes, or a fix changes a fixture that has none.
``tests/fixed_fixtures.py`` says which file pins which way of running the fix.

    python scripts/pin_fixed_fixtures.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixed_fixtures import BY_NAME, VARIANTS, expected, fix_copy, fixtures, is_pinned, pinned_path  # noqa: E402


def main() -> int:
    for old in (ROOT / "fixtures").rglob("*"):
        if is_pinned(old):
            old.unlink()  # rewritten below if the fix still makes it; gone if its fixture is
    written = 0
    with tempfile.TemporaryDirectory() as scratch:
        for number, fixture in enumerate(fixtures()):
            # In VARIANTS' order: each is pinned only where it differs from what stands without it.
            for variant in VARIANTS:
                fixed, result = fix_copy(fixture, Path(scratch) / str(number) / variant.name, variant.options)
                if result.returncode == 2:
                    sys.stderr.write(f"{fixture}: {result.stderr}")
                    return 2
                if variant.falls_back_to is None:
                    standing = fixture.read_bytes()
                else:
                    standing = expected(fixture, BY_NAME[variant.falls_back_to])
                if fixed != standing:
                    pinned_path(fixture, variant).write_bytes(fixed)
                    written += 1
    print(f"{written} fixed files pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
