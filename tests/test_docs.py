"""The rule pages and the README table are generated and must be current."""

from __future__ import annotations

from flake8_losslint.docs import GUIDES, generated_pages, index_page, pages, readme_with_table
from flake8_losslint.rules import all_rules

from .conftest import ROOT


def test_every_rule_page_is_current() -> None:
    for relative, content in pages().items():
        path = ROOT / relative
        assert path.exists(), f"{relative} missing: run python scripts/document_rules.py"
        assert path.read_text(encoding="utf-8") == content, (
            f"{relative} is stale: run python scripts/document_rules.py"
        )


def test_docs_index_is_current_and_links_every_page() -> None:
    path = ROOT / "docs" / "index.md"
    assert path.exists() and path.read_text(encoding="utf-8") == index_page(), (
        "docs/index.md is stale: run python scripts/document_rules.py"
    )
    assert "docs/index.md" in generated_pages()
    text = index_page()
    for rule in all_rules():
        assert f"(rules/{rule.code}.md)" in text
    for page, _ in GUIDES:
        assert f"]({page})" in text
        assert (ROOT / "docs" / page).exists(), f"docs/{page} is linked from the index but missing"


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, "README rule table is stale: run python scripts/document_rules.py"


def test_every_rule_doc_has_the_sections() -> None:
    for rule in all_rules():
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Known problems"):
            assert heading in rule.doc, f"{rule.code} lacks {heading!r}"


def test_codes_are_distinct_and_well_formed() -> None:
    codes = [rule.code for rule in all_rules()]
    names = [rule.name for rule in all_rules()]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    for code in codes:
        assert len(code) == 5 and code.startswith("LL") and code[2:].isdigit()
