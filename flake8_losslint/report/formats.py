"""How the ``losslint`` command prints findings: text (as flake8 does), JSON, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

from .. import __version__
from ..rules import Rule, all_rules
from . import Related

FORMATS = ("text", "json", "sarif")

DOCS_URL = "https://github.com/flake8-losslint/flake8-losslint/blob/main/docs/rules/{code}.md"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/flake8-losslint/flake8-losslint"


@dataclass(frozen=True)
class FileFinding:
    """One finding in a named file, as the command prints it, with what `losslint fix` could do."""

    path: str  # as given on the command line (or the --stdin-filename)
    line: int  # 1-based
    column: int  # 1-based, in characters (what flake8 prints)
    code: str
    message: str
    fix: Optional[str] = None  # "safe", "unsafe" or None: what `losslint fix` could do
    # Notebooks: ``line`` is the line within code cell number ``cell`` (1-based among
    # code cells, as nbqa counts); ``cell_index`` is its 0-based place in "cells".
    cell: Optional[int] = None
    cell_index: Optional[int] = None
    related: Tuple[Related, ...] = ()  # the other sites the message names


def _where(f: FileFinding) -> str:
    if f.cell is None:
        return f"{f.path}:{f.line}:{f.column}"
    return f"{f.path}:cell {f.cell}:line {f.line}:col {f.column}"


def text(findings: List[FileFinding]) -> str:
    return "".join(f"{_where(f)}: {f.code} {f.message}\n" for f in findings)


def as_json(findings: List[FileFinding]) -> str:
    rules = {rule.code: rule for rule in all_rules()}
    rows = [
        {
            "filename": f.path,
            "line": f.line,
            "column": f.column,
            "code": f.code,
            "name": rules[f.code].name if f.code in rules else None,
            "message": f.message,
            "url": DOCS_URL.format(code=f.code),
            "fix": f.fix,
            "cell": f.cell,
            "cell_index": f.cell_index,
            "related": [
                {
                    "name": r.name,
                    "line": r.location.line,
                    "column": r.location.column + 1,
                    "cell": r.location.cell,
                    "cell_index": r.location.cell_index,
                }
                for r in f.related
            ],
        }
        for f in findings
    ]
    return json.dumps(rows, indent=2) + "\n"


def _what_it_does(rule: Rule) -> str:
    """The first section of the rule's page, as one paragraph."""
    doc = rule.doc
    start = doc.find("## What it does")
    if start < 0:
        return rule.summary
    body = doc[start + len("## What it does"):]
    end = body.find("\n## ")
    body = body if end < 0 else body[:end]
    return " ".join(body.split()) or rule.summary


def _uri(path: str) -> Dict[str, str]:
    """A SARIF artifactLocation: relative paths against %SRCROOT% (the checkout, for
    GitHub code scanning), absolute ones as file URIs."""
    pure = PurePath(path)
    if pure.is_absolute():
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            return {"uri": PurePath(path).as_uri()}
        if relative.startswith(".."):
            return {"uri": PurePath(path).as_uri()}
        pure = PurePath(relative)
    return {"uri": quote(pure.as_posix()), "uriBaseId": "%SRCROOT%"}


def _related(f: FileFinding, number: int, related: Related) -> Dict[str, Any]:
    where = related.location
    text = related.name if where.cell is None else f"{related.name} (cell {where.cell}, line {where.line})"
    return {
        "id": number,
        "message": {"text": text},
        "physicalLocation": {
            "artifactLocation": _uri(f.path),
            "region": {"startLine": where.line, "startColumn": where.column + 1},
        },
    }


def sarif(findings: List[FileFinding]) -> str:
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver_rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": _what_it_does(rule)},
            "help": {"text": rule.summary, "markdown": rule.doc},
            "helpUri": DOCS_URL.format(code=rule.code),
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["correctness", "machine-learning"]},
        }
        for rule in rules
    ]
    results = []
    for f in findings:
        result = {
            "ruleId": f.code,
            "level": "error",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _uri(f.path),
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            result["relatedLocations"] = [_related(f, number, r) for number, r in enumerate(f.related)]
        if f.cell is not None:
            # The region is within the code cell; the file itself is notebook JSON.
            result["properties"] = {"cell": f.cell, "cellIndex": f.cell_index}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "losslint",
                        "fullName": "flake8-losslint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": driver_rules,
                    }
                },
                # Our columns count characters (code points), not UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory losslint ran in"}}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def render(fmt: str, findings: List[FileFinding]) -> str:
    if fmt == "json":
        return as_json(findings)
    if fmt == "sarif":
        return sarif(findings)
    return text(findings)
