"""How the ``losslint`` command prints what it found: one line per finding (flake8's
format), JSON, SARIF 2.1.0 and GitHub workflow commands.  The terminal's full output,
with the source line and carets, is the command's own (``cli/terminal.py``).

The findings arrive placed (``FileFinding``); so do the files that could not be
checked (``FileError``): a syntax error where Python's parser stopped (``E999``, as
flake8 reports it), a file that cannot be read (``E902``), a file the analysis had
to give up on (no code).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from .. import __version__
from ..rules import Rule, all_rules
from . import Related

FORMATS = ("full", "concise", "text", "json", "sarif", "github")
TEXT_FORMATS = ("full", "concise", "text")  # "text" is "concise": flake8's one line

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# Codes for files that could not be checked, as flake8 has them.
SYNTAX_ERROR = "E999"
READ_ERROR = "E902"
ERROR_NAMES = {SYNTAX_ERROR: "syntax-error", READ_ERROR: "unreadable-file", None: "not-checked"}


def docs_url(template: Optional[str], code: str) -> Optional[str]:
    """The rule page's address from a ``--docs-url`` template (``{code}`` is replaced);
    None when no template is configured: the page is ``losslint explain CODE``."""
    if not template:
        return None
    return template.replace("{code}", code) if "{code}" in template else template.rstrip("/") + f"/{code}.md"


@dataclass(frozen=True)
class TextEdit:
    """Replace the text from (line, column) up to (end_line, end_column) with ``content``.
    Lines 1-based, columns 1-based in characters, the end excluded; in a notebook, lines
    of code cell ``cell`` (numbered as findings are)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str
    cell: Optional[int] = None


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
    end_line: Optional[int] = None  # where the reported code ends (column: 1-based, excluded)
    end_column: Optional[int] = None
    fix_message: Optional[str] = None  # what the fix does ("set from_logits=False")
    edits: Tuple[TextEdit, ...] = ()  # the fix as text edits (only computed for JSON/SARIF)
    # Notebooks: where the finding is in the .ipynb file's own text (for annotations).
    file_line: Optional[int] = None
    file_column: Optional[int] = None
    file_end_line: Optional[int] = None
    file_end_column: Optional[int] = None
    related_in_file: Tuple[Optional[Tuple[int, int]], ...] = ()  # likewise, for each related site
    # The source lines the terminal shows: (cell or None, line) -> text.
    lines: Dict[Tuple[Optional[int], int], str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class FileError:
    """A file that was not checked, and why."""

    path: str
    message: str  # "SyntaxError: invalid syntax", "not checked: ..."
    code: Optional[str] = None  # SYNTAX_ERROR, READ_ERROR, or None: the analysis gave up
    line: Optional[int] = None  # 1-based, where Python's parser stopped
    column: Optional[int] = None  # 1-based
    source_line: Optional[str] = None  # the line Python's parser stopped on

    @property
    def positioned(self) -> bool:
        return self.code is not None

    def concise(self) -> str:
        """flake8's line: ``path:line:col: E999 SyntaxError: ...`` (``:0:1:`` without a position)."""
        return f"{self.path}:{self.line or 0}:{self.column or 1}: {self.code} {self.message}"


def _where(f: FileFinding) -> str:
    if f.cell is None:
        return f"{f.path}:{f.line}:{f.column}"
    return f"{f.path}:cell {f.cell}:line {f.line}:col {f.column}"


def heading(f: FileFinding) -> str:
    """``path:line:col: CODE message``: flake8's line for a finding."""
    return f"{_where(f)}: {f.code} {f.message}"


def text(findings: Sequence[FileFinding], errors: Sequence[FileError] = ()) -> str:
    """One line per finding and per positioned error, as flake8 prints them."""
    rows = [heading(f) for f in findings] + [e.concise() for e in errors if e.positioned]
    return "".join(row + "\n" for row in rows)


def _edit_row(edit: TextEdit) -> Dict[str, Any]:
    row: Dict[str, Any] = {
        "line": edit.line,
        "column": edit.column,
        "end_line": edit.end_line,
        "end_column": edit.end_column,
        "content": edit.content,
    }
    if edit.cell is not None:
        row["cell"] = edit.cell
    return row


def as_json(
    findings: Sequence[FileFinding], errors: Sequence[FileError] = (), docs: Optional[str] = None
) -> str:
    rules = {rule.code: rule for rule in all_rules()}
    rows: List[Dict[str, Any]] = [
        {
            "filename": f.path,
            "line": f.line,
            "column": f.column,
            "end_line": f.end_line,
            "end_column": f.end_column,
            "code": f.code,
            "name": rules[f.code].name if f.code in rules else None,
            "message": f.message,
            "url": docs_url(docs, f.code),
            "fix": f.fix,
            "fix_message": f.fix_message if f.fix else None,
            "edits": [_edit_row(edit) for edit in f.edits] if f.fix and f.edits else None,
            "cell": f.cell,
            "cell_index": f.cell_index,
            "related": [
                {
                    "name": r.name,
                    "line": r.location.line,
                    "column": r.location.column + 1,
                    "cell": r.location.cell,
                    "cell_index": r.location.cell_index,
                    **({"filename": r.location.path} if r.location.path is not None else {}),
                }
                for r in f.related
            ],
        }
        for f in findings
    ]
    rows += [
        {
            "filename": e.path,
            "line": e.line,
            "column": e.column,
            "end_line": None,
            "end_column": None,
            "code": e.code,
            "name": ERROR_NAMES[e.code],
            "message": e.message,
            "url": None,
            "fix": None,
            "fix_message": None,
            "edits": None,
            "cell": None,
            "cell_index": None,
            "related": [],
        }
        for e in errors
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


def _region(line: int, column: int, end_line: Optional[int] = None, end_column: Optional[int] = None) -> Dict[str, int]:
    region = {"startLine": line, "startColumn": column}
    if end_line is not None and end_column is not None and (end_line, end_column) > (line, column):
        region["endLine"] = end_line
        region["endColumn"] = end_column
    return region


def _related(f: FileFinding, number: int, related: Related) -> Dict[str, Any]:
    where = related.location
    if where.path is not None:  # a site in another module of the project
        base = os.path.dirname(f.path)
        return {
            "id": number,
            "message": {"text": related.name},
            "physicalLocation": {
                "artifactLocation": _uri(os.path.normpath(os.path.join(base, where.path))),
                "region": _region(where.line, where.column + 1),
            },
        }
    text = related.name
    region = _region(where.line, where.column + 1)
    if where.cell is not None:
        text = f"{related.name} (cell {where.cell}, line {where.line})"
        placed = f.related_in_file[number] if number < len(f.related_in_file) else None
        if placed is None:
            return {"id": number, "message": {"text": text}}
        region = _region(*placed)
    return {
        "id": number,
        "message": {"text": text},
        "physicalLocation": {"artifactLocation": _uri(f.path), "region": region},
    }


def _sarif_fix(f: FileFinding) -> Optional[Dict[str, Any]]:
    """The fix as a SARIF ``fix``: replacements in the file (not for notebooks, whose
    source is escaped inside JSON strings)."""
    if not f.fix or not f.edits or f.cell is not None:
        return None
    return {
        "description": {"text": f"{f.fix_message or 'fix'} ({f.fix} fix: `losslint fix`"
                        + (" --unsafe-fixes" if f.fix == "unsafe" else "") + ")"},
        "artifactChanges": [
            {
                "artifactLocation": _uri(f.path),
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": edit.line,
                            "startColumn": edit.column,
                            "endLine": edit.end_line,
                            "endColumn": edit.end_column,
                        },
                        "insertedContent": {"text": edit.content},
                    }
                    for edit in f.edits
                ],
            }
        ],
    }


def sarif(
    findings: Sequence[FileFinding],
    errors: Sequence[FileError] = (),
    docs: Optional[str] = None,
) -> str:
    """A SARIF 2.1.0 log: a rule table, one result per finding, and a notification per
    file that could not be checked."""
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver_rules = []
    for rule in rules:
        described: Dict[str, Any] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": _what_it_does(rule)},
            "help": {"text": f"{rule.summary} (losslint explain {rule.code})", "markdown": rule.doc},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["correctness", "machine-learning"]},
        }
        url = docs_url(docs, rule.code)
        if url is not None:
            described["helpUri"] = url
        driver_rules.append(described)
    results = []
    for f in findings:
        message = f.message
        region = _region(f.line, f.column, f.end_line, f.end_column)
        if f.cell is not None:
            # Code scanning shows the notebook's JSON text: point into it, name the cell.
            message = f"cell {f.cell}, line {f.line}: {f.message}"
            if f.file_line is not None and f.file_column is not None:
                region = _region(f.file_line, f.file_column, f.file_end_line, f.file_end_column)
        result: Dict[str, Any] = {
            "ruleId": f.code,
            "level": "error",
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": _uri(f.path), "region": region}}],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            result["relatedLocations"] = [_related(f, number, r) for number, r in enumerate(f.related)]
        if f.cell is not None:
            result["properties"] = {"cell": f.cell, "cellIndex": f.cell_index, "lineInCell": f.line,
                                    "columnInCell": f.column}
        fix = _sarif_fix(f)
        if fix is not None:
            result["fixes"] = [fix]
        results.append(result)
    notifications = []
    for e in errors:
        notification: Dict[str, Any] = {"level": "error", "message": {"text": e.message}}
        location: Dict[str, Any] = {"artifactLocation": _uri(e.path)}
        if e.line is not None and e.line > 0:
            location["region"] = _region(e.line, e.column or 1)
        notification["locations"] = [{"physicalLocation": location}]
        if e.code is not None:
            notification["descriptor"] = {"id": e.code}
        notifications.append(notification)
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
                        "rules": driver_rules,
                    }
                },
                "invocations": [
                    {"executionSuccessful": not errors, "toolExecutionNotifications": notifications}
                ],
                # Our columns count characters (code points), not UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory losslint ran in"}}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(properties: Dict[str, Any], message: str) -> str:
    fields = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::error {fields}::{_escape_data(message)}\n"


def github(findings: Sequence[FileFinding], errors: Sequence[FileError] = ()) -> str:
    """GitHub Actions workflow commands: one ``::error`` annotation per finding and error."""
    rules = {rule.code: rule for rule in all_rules()}
    out = []
    line: Optional[int]  # FileFinding.file_line and file_column, read for notebooks, are Optional
    column: Optional[int]
    for f in findings:
        line, column, end_line, end_column = f.line, f.column, f.end_line, f.end_column
        message = f.message
        if f.cell is not None:
            message = f"cell {f.cell}, line {f.line}: {f.message}"
            line, column = f.file_line, f.file_column
            end_line, end_column = f.file_end_line, f.file_end_column
        name = rules[f.code].name if f.code in rules else ""
        properties: Dict[str, Any] = {"title": f"{f.code} {name}".strip(), "file": f.path, "line": line, "col": column}
        if end_line is not None and end_line == line:
            properties["endColumn"] = end_column
        elif end_line is not None:
            properties["endLine"] = end_line
        out.append(_command(properties, f"{f.code} {message}"))
    for e in errors:
        properties = {"title": e.code or "not checked", "file": e.path, "line": e.line, "col": e.column}
        out.append(_command(properties, f"{e.code + ' ' if e.code else ''}{e.message}"))
    return "".join(out)


def render(
    fmt: str,
    findings: Sequence[FileFinding],
    errors: Sequence[FileError] = (),
    docs: Optional[str] = None,
) -> str:
    if fmt == "json":
        return as_json(findings, errors, docs)
    if fmt == "sarif":
        return sarif(findings, errors, docs)
    if fmt == "github":
        return github(findings, errors)
    return text(findings, errors)
