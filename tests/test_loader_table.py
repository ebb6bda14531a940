"""The loader table (flake8_losslint/data/loaders.json) stays readable by its reference reading.

The library facts in it are re-checked by scripts/check_loader_facts.py against installed
libraries; this test runs only the part that needs none of them: every entry has the
documented shape, resolves under the table's own conventions, and is named canonically.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_loader_table_shape_and_names():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_loader_facts.py"), "--group", "table"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].endswith("checks passed, 0 failed, 0 skipped")
