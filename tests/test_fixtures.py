"""Every fixture, through real flake8: the findings are exactly those written inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_losslint.rules import all_rules

from .conftest import FIXTURES, parse_lines
from .expectations import expectations

# NAME.fixed.py files are what `losslint fix` makes of NAME.py (tests/test_fixes.py), not fixtures.
ALL = sorted(p for p in FIXTURES.rglob("*.py") if not p.stem.endswith(".fixed"))
CODES = {r.code for r in all_rules()}


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_fixture_findings(path: Path, flake8_on_fixtures) -> None:
    expected = expectations(path)
    actual = sorted(flake8_on_fixtures.get(str(path.resolve()), []))
    assert actual == expected


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_rule_fires_on_a_fixture(code: str) -> None:
    firing = [p for p in ALL if any(c == code for _, _, c in expectations(p))]
    assert firing, f"no fixture expects {code}"


@pytest.mark.parametrize(
    "path", [p for p in ALL if p.parent.name.startswith("LL") and not p.stem.endswith("_ok")], ids=_id
)
def test_each_firing_fixture_has_a_silent_twin(path: Path) -> None:
    assert expectations(path), f"{path.name} fires nothing: name it *_ok.py or add expectations"
    twin = path.with_name(path.stem + "_ok.py")
    assert twin.exists(), f"missing corrected twin {twin.name}"
    assert expectations(twin) == [], f"{twin.name} is a corrected twin and must expect nothing"


def test_expectations_use_known_codes() -> None:
    for path in ALL:
        for _, _, code in expectations(path):
            assert code in CODES, f"{path}: unknown code {code}"


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_fixture_messages_are_pinned(path: Path, flake8_output_on_fixtures: str) -> None:
    """What a user reads, word for word: ``NAME.txt`` beside ``NAME.py`` holds flake8's
    lines for it (``scripts/pin_fixture_messages.py`` rewrites them after a deliberate change)."""
    actual = parse_lines(flake8_output_on_fixtures).get(str(path.resolve()), [])
    pinned = path.with_suffix(".txt")
    expected = pinned.read_text(encoding="utf-8").splitlines() if pinned.exists() else []
    assert actual == expected
