"""Run the real ``losslint`` command in a subprocess, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Optional

from .conftest import ROOT


def losslint(*args: str, cwd: Path = ROOT, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_losslint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
    )
