"""The work on one file: ``run_file(path, display, data, job) -> FileResult``.

Everything it needs comes in (``Job`` is plain, picklable data) and everything it
found goes out; it keeps no state between files and prints nothing, so files can be
processed in any order, or in other processes, and the results printed in order.
"""

from __future__ import annotations

import difflib
import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from ..engine import Report, examine, parse, screen
from ..fixes import FixContext, STYLE_MINIMAL, fix_for, fix_source, fixable
from ..noqa import NoqaFilter
from ..report.formats import FileError, FileFinding
from ..report.notebook_json import SourceMap
from ..resultcache import Reads, Slot
from ..source import notebooks
from ..source.guard import TooComplex, gc_paused
from ..source.prefilter import worth_parsing
from . import kept
from .edits import MAX_EDITED, lines_of, text_edits
from .files import NotChecked, SourceFile, Unreadable, read, read_bytes, write_atomically
from .selection import Selection


@dataclass(frozen=True)
class Job:
    """What to do with each file, the same for every file of a run."""

    command: str = "check"  # or "fix"
    selection: Selection = field(default_factory=Selection)
    disable_noqa: bool = False
    target: Any = None  # source.target.Target (--losslint-target-version), or None
    runtime: Any = None  # runtime.Settings when --losslint-runtime is on and possible
    debug: bool = False
    edits: bool = False  # compute each fix's text edits (JSON, SARIF)
    unsafe: bool = False
    style: str = STYLE_MINIMAL
    diff: bool = False
    cache: bool = True  # keep `check` findings in the result cache (--losslint-no-cache: off)


@dataclass
class FileResult:
    display: str
    findings: List[FileFinding] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    notices: List[str] = field(default_factory=list)  # one line each, for standard error
    traceback: Optional[str] = None  # with --losslint-debug, when the analysis failed
    output: Optional[str] = None  # for standard output: the diff, or the fixed standard input
    fixed: int = 0  # fixes applied (or, with --diff, that would be)
    changed: bool = False  # the file's content changed (or would)


@dataclass
class Keep:
    """Which reports count: selected for this file, and not silenced by # noqa."""

    decide: Any  # code -> bool
    display: str
    disable_noqa: bool

    def __call__(self, source: str, reports: List[Report]) -> List[Report]:
        reports = [r for r in reports if self.decide(r.code)]
        if not reports:
            return reports
        noqa = NoqaFilter(source, self.display, self.disable_noqa)
        if not self.disable_noqa and noqa.file_ignored():
            return []
        return [r for r in reports if not noqa.silenced(r.code, r.line, r.col, r.message)]


Labelled = List[Tuple[Report, Optional[str]]]


@gc_paused()
def _labels(
    file: SourceFile, source: str, keep: Keep, job: Job, style: str, unsafe_only: bool
) -> Tuple[Labelled, Dict[int, Tuple[str, tuple]], Reads]:
    """The kept reports of ``source``, each with what `losslint fix` would do for it ("safe",
    "unsafe" or None), as the fixer registry decides without fixing; when the job wants
    them, each fixable report's fix description and text edits (by list index); and the
    sibling modules the analysis read (path, content hash)."""
    screened = screen(source, None, file.disk_path, job.target)  # most files: no findings, no LibCST parse
    if screened is not None:
        return [], {}, screened.reads
    module = parse(source)
    analysis = examine(module, file.line_map, file.disk_path, job.target)
    reports = keep(source, analysis.reports)
    ctx = FixContext(module, style, analysis.facts)
    labelled: Labelled = []
    described: Dict[int, Tuple[str, tuple]] = {}
    edited = 0
    for number, report in enumerate(reports):
        try:
            label = fixable(report.finding, ctx) if report.finding is not None else None
        except Exception:  # noqa: BLE001 - a fixer bug must not hide the finding
            label = None
        if unsafe_only and label == "safe":
            label = None  # `losslint fix` tried it, and it did not hold
        labelled.append((report, label))
        if label is None or report.finding is None:
            continue
        try:
            fix = fix_for(report.finding, ctx)
            if fix is not None:
                edits = text_edits(module, fix, file.line_map) if job.edits and edited < MAX_EDITED else ()
                edited += bool(job.edits)
                described[number] = (fix.description, edits)
        except Exception:  # noqa: BLE001 - the description and edits are a courtesy; the label stands
            pass
    return labelled, described, analysis.reads


def _source_lines(file: SourceFile, wanted: Sequence[Tuple[Optional[int], int]]) -> Dict[Tuple[Optional[int], int], str]:
    lines: Dict[Tuple[Optional[int], int], str] = {}
    program = lines_of(file.source) if file.notebook is None else []
    for cell, line in wanted:
        if cell is None and file.notebook is None and 1 <= line <= len(program):
            lines[(cell, line)] = program[line - 1].rstrip("\n")
        elif cell is not None and file.notebook is not None and 1 <= cell <= len(file.notebook.cells):
            original = file.notebook.cells[cell - 1].original
            if 1 <= line <= len(original):
                lines[(cell, line)] = original[line - 1]
    return lines


def _findings(file: SourceFile, labelled: Labelled, described: Dict[int, Tuple[str, tuple]]) -> List[FileFinding]:
    found = []
    source_map = SourceMap(file.raw) if file.notebook is not None and labelled else None
    for number, (report, label) in enumerate(labelled):
        where = report.where
        # The end counts only in the cell where the finding starts.
        end = report.end if report.end is not None and report.end.cell == where.cell else None
        end_line = end.line if end is not None else None
        end_column = end.column + 1 if end is not None else None
        in_file: Dict[str, Any] = {}
        related_in_file: Tuple[Optional[Tuple[int, int]], ...] = ()
        if source_map is not None and where.cell_index is not None:
            start = source_map.position(where.cell_index, where.line, where.column)
            stop = source_map.position(where.cell_index, end.line, end.column) if end is not None else None
            if start is not None:
                in_file = {"file_line": start[0], "file_column": start[1]}
                if stop is not None:
                    in_file.update(file_end_line=stop[0], file_end_column=stop[1])
            related_in_file = tuple(
                source_map.position(r.location.cell_index, r.location.line, r.location.column)
                if r.location.cell_index is not None else None
                for r in report.related
            )
        wanted = [(where.cell, where.line)] + [
            (r.location.cell, r.location.line) for r in report.related if r.location.path is None
        ]
        message, edits = described.get(number, (None, ()))
        found.append(
            FileFinding(
                file.display, where.line, where.column + 1, report.code, report.full_message, label,
                where.cell, where.cell_index, report.related, end_line, end_column, message, edits,
                related_in_file=related_in_file, lines=_source_lines(file, wanted), **in_file,
            )
        )
    return found


def _slot(file: SourceFile, job: Job) -> Optional[Slot]:
    """Where this file's `check` findings are kept, or None when they are not (the cache is
    off, or runtime mode is on: its evidence has a cache of its own)."""
    if not job.cache or job.runtime is not None:
        return None
    options = {
        "display": file.display,
        "selection": repr(job.selection),
        "disable_noqa": job.disable_noqa,
        "edits": job.edits,
        "notebook": file.notebook is not None,
    }
    return Slot("check", file.disk_path, file.original(), options, job.target)


def _check(file: SourceFile, keep: Keep, job: Job, result: FileResult) -> None:
    if not worth_parsing(file.source):
        return
    slot = _slot(file, job)
    if slot is not None:
        findings = kept.restore(slot.load())
        if findings is not None:
            result.findings.extend(findings)
            return
    labelled, described, reads = _labels(file, file.source, keep, job, STYLE_MINIMAL, False)
    if job.runtime is not None and labelled:
        from ..runtime import confirm  # never raises: on failure, the static reports and a notice

        fix_of = {(r.line, r.col, r.code): (label, described.get(n)) for n, (r, label) in enumerate(labelled)}
        confirmed = confirm([r for r, _ in labelled], job.runtime)
        labelled, kept_fixes = [], {}
        for report in confirmed:
            label, fix = fix_of.get((report.line, report.col, report.code), (None, None))
            if fix is not None:
                kept_fixes[len(labelled)] = fix
            labelled.append((report, label))
        described = kept_fixes
    found = _findings(file, labelled, described)
    if slot is not None:
        slot.store(kept.keep(found), reads)
    result.findings.extend(found)


def diff_name(display: str) -> Tuple[str, str]:
    """The ``---``/``+++`` names of a unified diff: ``a/path``, ``b/path`` for a relative
    path (as git writes them); an absolute path as it is, on both."""
    if os.path.isabs(display):
        return display, display
    return f"a/{display}", f"b/{display}"


def _fix(file: SourceFile, keep: Keep, job: Job, result: FileResult) -> None:
    fixed = file.source
    labelled: Labelled = []
    described: Dict[int, Tuple[str, tuple]] = {}
    if worth_parsing(file.source):
        parse(file.source)  # a file we cannot parse is an error, not "nothing to fix"
        outcome = fix_source(file.source, keep, unsafe=job.unsafe, style=job.style, path=file.disk_path,
                             target=job.target)
        fixed, result.fixed = outcome.source, len(outcome.applied)
        if outcome.remaining:
            # What could be fixed was; what remains is fixable with --unsafe-fixes, if at all.
            labelled, described, _ = _labels(file, fixed, keep, job, job.style, True)
            if job.unsafe:
                labelled = [(report, None) for report, _ in labelled]
    # A notebook keeps its JSON: only the changed cells' sources are replaced.
    before, after = file.original(), file.content(fixed)
    # Everything is computed: now write (an error above leaves the file, or stdin, as it was).
    result.changed = after != before
    if job.diff:
        if result.changed:
            old, new = diff_name(file.display)
            result.output = "".join(difflib.unified_diff(
                before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=old, tofile=new
            ))
    elif file.path == "-":
        result.output = after
    elif result.changed:
        write_atomically(file.path, file.encode(after))
    result.findings.extend(_findings(file, labelled, described))


def run_file(path: str, display: str, data: Optional[bytes], job: Job) -> FileResult:
    """Check or fix one file.  ``data``: its bytes when already read (standard input)."""
    result = FileResult(display)
    passthrough = job.command == "fix" and path == "-" and not job.diff
    try:
        if data is None:
            data = read_bytes(path, display)
        file = read(path, display, data)
    except Unreadable as error:
        result.errors.append(error.error)
        if passthrough:
            result.output = data.decode("utf-8", "replace") if data is not None else ""
        return result
    except NotChecked as error:
        result.errors.append(FileError(display, f"not checked: {error}"))
        if passthrough:
            result.output = data.decode("utf-8", "replace") if data is not None else ""
        return result
    if file.notebook is not None:
        # A cell that does not parse is skipped, not fatal: say which.
        result.notices.extend(f"{display}:{skipped}" for skipped in file.notebook.notices())
    keep = Keep(job.selection.decider(display), display, job.disable_noqa)
    try:
        if job.command == "fix":
            _fix(file, keep, job, result)
        else:
            _check(file, keep, job, result)
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
        result.errors.append(FileError(display, _failure(error)))
        if job.debug:
            result.traceback = traceback.format_exc()
        result.findings = []
        if passthrough:
            result.output = file.original()
    return result


def _failure(error: Exception) -> str:
    if isinstance(error, TooComplex):
        return f"not checked: {error}"
    if isinstance(error, cst.ParserSyntaxError):
        first = str(error).strip().splitlines()[0] if str(error).strip() else "syntax error"
        return f"not checked: LibCST cannot parse it: {first}"
    if isinstance(error, notebooks.NotebookError):
        return f"not fixed: {error}"
    if isinstance(error, OSError):
        return f"not written: {type(error).__name__}: {error}"
    return f"not checked: internal error ({type(error).__name__}: {error}); rerun with --losslint-debug"
