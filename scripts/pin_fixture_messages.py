"""Write ``fixtures/**/NAME.txt``: what flake8 prints for ``NAME.py``, one finding a line.

Run after a change that alters a message on purpose, then read ``git diff fixtures``:
every changed line is a message a user will see differently.  ``tests/test_fixtures.py``
fails while a ``.txt`` differs from flake8's output, or a fixture that fires has none.

    python scripts/pin_fixture_messages.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", str(FIXTURES)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if result.returncode not in (0, 1) or "Traceback" in result.stderr:
        sys.stderr.write(result.stderr)
        return 2
    found = {}
    for line in result.stdout.splitlines():
        path, rest = line.split(":", 1)
        found.setdefault(Path(path).resolve(), []).append(rest)
    written = 0
    for source in sorted(FIXTURES.rglob("*.py")):
        if source.stem.endswith(".fixed"):
            continue  # what `losslint fix` makes of a fixture (scripts/pin_fixed_fixtures.py)
        pinned = source.with_suffix(".txt")
        lines = found.get(source.resolve())
        if lines:
            pinned.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            written += 1
        elif pinned.exists():
            pinned.unlink()
    print(f"{written} files pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
