"""A file's findings as the command prints them, turned into JSON for the result cache and back.

``losslint check`` keeps, per file, the ``FileFinding`` list it computed (positions,
related sites, what a fix would do, its text edits, the source lines shown); a second
run over an unchanged file prints them without parsing it.  ``restore`` checks every
field's type: an entry that does not read back exactly is a miss (None), never an error.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..report import Location, Related
from ..report.formats import FileFinding, TextEdit

_INT_OR_NONE = (int, type(None))
_STR_OR_NONE = (str, type(None))


def _location(location: Location) -> List[Any]:
    return [location.line, location.column, location.cell, location.cell_index, location.path]


def keep(findings: List[FileFinding]) -> List[Dict[str, Any]]:
    """The findings as JSON data."""
    return [
        {
            "at": [f.path, f.line, f.column, f.code, f.message, f.fix, f.cell, f.cell_index],
            "end": [f.end_line, f.end_column],
            "related": [[r.name, _location(r.location)] for r in f.related],
            "fix_message": f.fix_message,
            "edits": [[e.line, e.column, e.end_line, e.end_column, e.content, e.cell] for e in f.edits],
            "in_file": [f.file_line, f.file_column, f.file_end_line, f.file_end_column],
            "related_in_file": [list(p) if p is not None else None for p in f.related_in_file],
            "lines": [[cell, line, text] for (cell, line), text in f.lines.items()],
        }
        for f in findings
    ]


class _Invalid(ValueError):
    pass


def _typed(values: Any, types: Tuple[Any, ...]) -> List[Any]:
    if not isinstance(values, list) or len(values) != len(types):
        raise _Invalid()
    for value, wanted in zip(values, types):
        # bool is an int to isinstance; nothing here is a bool
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise _Invalid()
    return values


def _restore_one(entry: Any) -> FileFinding:
    if not isinstance(entry, dict):
        raise _Invalid()
    path, line, column, code, message, fix, cell, cell_index = _typed(
        entry.get("at"), (str, int, int, str, str, _STR_OR_NONE, _INT_OR_NONE, _INT_OR_NONE)
    )
    end_line, end_column = _typed(entry.get("end"), (_INT_OR_NONE, _INT_OR_NONE))
    related = []
    for item in _list(entry.get("related")):
        name, where = _typed(item, (str, list))
        related.append(Related(name, Location(*_typed(where, (int, int, _INT_OR_NONE, _INT_OR_NONE, _STR_OR_NONE)))))
    fix_message = entry.get("fix_message")
    if fix_message is not None and not isinstance(fix_message, str):
        raise _Invalid()
    edits = tuple(
        TextEdit(*_typed(item, (int, int, int, int, str, _INT_OR_NONE))) for item in _list(entry.get("edits"))
    )
    in_file = _typed(entry.get("in_file"), (_INT_OR_NONE,) * 4)
    related_in_file = tuple(
        None if item is None else tuple(_typed(item, (int, int))) for item in _list(entry.get("related_in_file"))
    )
    lines = {}
    for item in _list(entry.get("lines")):
        at_cell, at_line, text = _typed(item, (_INT_OR_NONE, int, str))
        lines[(at_cell, at_line)] = text
    return FileFinding(
        path, line, column, code, message, fix, cell, cell_index, tuple(related), end_line, end_column,
        fix_message, edits, file_line=in_file[0], file_column=in_file[1], file_end_line=in_file[2],
        file_end_column=in_file[3], related_in_file=related_in_file, lines=lines,
    )


def _list(value: Any) -> List[Any]:
    if not isinstance(value, list):
        raise _Invalid()
    return value


def restore(entries: Any) -> Optional[List[FileFinding]]:
    """The findings kept as ``entries``, or None if anything in them is not as ``keep`` writes it."""
    try:
        return [_restore_one(entry) for entry in _list(entries)]
    except (_Invalid, TypeError, ValueError):
        return None
