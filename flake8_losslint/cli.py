"""The ``losslint`` command: check, fix, explain, rules.

Exit status: 0 when nothing is found, 1 when something is (for ``fix``: when
findings remain, or with ``--diff`` when a file would change), 2 on a usage
error or a file that cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import io
import json
import os
import re
import sys
import tokenize
import traceback
from dataclasses import dataclass, field
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from . import __version__
from .docs import rule_page
from .engine import Report, analyze_module, parse
from .report import LineMap
from .report import formats as output
from .source import notebooks
from .source.guard import TooComplex
from .fixes import (
    FIXERS,
    STYLE_LOGITS,
    STYLE_MINIMAL,
    STYLE_PROBABILITIES,
    FixContext,
    fix_source,
    try_fix,
)
from .noqa import NoqaFilter
from .options import add_argparse_options, runtime_settings, target_of
from .rules import all_rules
from .source.prefilter import worth_parsing

# flake8's default --exclude, plus the usual virtualenv and tool caches.
DEFAULT_EXCLUDE = (
    ".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs", "*.egg",
    ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules", "site-packages",
    ".ipynb_checkpoints",
)

# flake8's VALID_CODE_PREFIX: what --select/--ignore accept.
_CODE_PREFIX = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$", re.ASCII)


# -- arguments -----------------------------------------------------------------------------------

def _code_list(value: str) -> List[str]:
    codes = [c.strip().upper() for c in re.split(r"[,\s]+", value) if c.strip()]
    for code in codes:
        if not _CODE_PREFIX.match(code):
            raise argparse.ArgumentTypeError(f"{code!r} is not a code or code prefix (e.g. LL1, LL101)")
    return codes


def _patterns(value: str) -> List[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="losslint",
        description="Find (and fix) misused loss functions in Keras, TensorFlow and PyTorch code.",
    )
    parser.add_argument("--version", action="version", version=f"losslint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("paths", nargs="+", metavar="PATH", help="files and directories to check; - for standard input")
    files.add_argument("--select", type=_code_list, action="extend", default=[], metavar="CODES",
                       help="report only these codes or code prefixes (comma-separated, e.g. LL1,LL201)")
    files.add_argument("--ignore", type=_code_list, action="extend", default=[], metavar="CODES",
                       help="do not report these codes or code prefixes; the longer of a matching "
                       "--select and --ignore prefix wins, as in flake8")
    files.add_argument("--exclude", type=_patterns, action="extend", default=[], metavar="PATTERNS",
                       help="file or directory names to skip when walking directories, added to the "
                       "defaults (" + ",".join(DEFAULT_EXCLUDE) + ")")
    files.add_argument("--stdin-filename", default="stdin", metavar="NAME",
                       help="the name to report for input read from - (standard input)")
    files.add_argument("--disable-noqa", action="store_true", help="report findings silenced by # noqa too")
    files.add_argument("--format", choices=output.FORMATS, default="text", help="output format (default: text)")
    add_argparse_options(files)

    commands.add_parser("check", parents=[files], help="report findings",
                        description="Report findings; exit 1 if there are any.")
    fix = commands.add_parser("fix", parents=[files], help="fix what can be fixed, report the rest",
                              description="Apply the autofixes, then report what remains; exit 1 if "
                              "anything remains. Input from - is written, fixed, to standard output.")
    fix.add_argument("--diff", action="store_true", help="show a unified diff instead of writing files; exit 1 if any")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change what the model computes")
    style = fix.add_mutually_exclusive_group()
    style.add_argument("--logits-style", dest="style", action="store_const", const=STYLE_LOGITS,
                       default=STYLE_MINIMAL, help="fix LL101 by removing the softmax/sigmoid (keeps "
                       "from_logits=True; unsafe)")
    style.add_argument("--probabilities-style", dest="style", action="store_const", const=STYLE_PROBABILITIES,
                       help="fix LL102 by ending the model with a softmax/sigmoid (unsafe)")

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", metavar="CODE", help="a rule code, e.g. LL101")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    return parser


# -- files ----------------------------------------------------------------------------------------

def _excluded(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def iter_paths(paths: Sequence[str], exclude: Sequence[str]) -> Iterator[str]:
    """Files to check: those named, and the *.py and *.ipynb files under the directories named."""
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not _excluded(d, exclude))
            for name in sorted(files):
                if name.endswith((".py", ".ipynb")) and not _excluded(name, exclude):
                    yield os.path.join(root, name)


@dataclass
class SourceFile:
    path: str  # "-" for stdin
    display: str
    source: str  # Python source; for a notebook, its code cells joined (notebooks.program)
    encoding: str = "utf-8"
    notebook: Optional[notebooks.Program] = None
    raw: str = ""  # a notebook's JSON text, as read

    @classmethod
    def read(cls, path: str, stdin_name: str) -> "SourceFile":
        if path == "-":
            data = sys.stdin.buffer.read()
            display = stdin_name
        else:
            with open(path, "rb") as handle:
                data = handle.read()
            display = path
        if display.endswith(".ipynb"):
            raw = data.decode("utf-8")
            whole = notebooks.program(notebooks.load(raw))
            return cls(path, display, whole.source, "utf-8", whole, raw)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return cls(path, display, data.decode(encoding), encoding)

    @property
    def disk_path(self) -> Optional[str]:
        """Where the file is, for reading its sibling modules (None: standard input)."""
        return None if self.path == "-" else self.path

    @property
    def line_map(self) -> Optional[LineMap]:
        return self.notebook.cell_line if self.notebook is not None else None

    def content(self, source: str) -> str:
        """What the file holds once its Python source is ``source``."""
        if self.notebook is None:
            return source
        return notebooks.with_fixed_program(self.raw, source, self.notebook)

    def original(self) -> str:
        return self.source if self.notebook is None else self.raw

    def write(self, content: str) -> None:
        with open(self.path, "wb") as handle:
            handle.write(content.encode(self.encoding))


# -- selection and noqa ---------------------------------------------------------------------------

def _longest(code: str, prefixes: Sequence[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """flake8's rule: a code is reported if selected (everything is by default) and
    not ignored by a prefix at least as long as the one selecting it."""
    chosen = _longest(code, select) if select else 0
    if chosen < 0:
        return False
    return _longest(code, ignore) < chosen


@dataclass
class Keep:
    """Which reports count: selected, and not silenced by # noqa."""

    select: Sequence[str]
    ignore: Sequence[str]
    display: str
    disable_noqa: bool

    def __call__(self, source: str, reports: List[Report]) -> List[Report]:
        reports = [r for r in reports if selected(r.code, self.select, self.ignore)]
        if not reports:
            return reports
        noqa = NoqaFilter(source, self.display, self.disable_noqa)
        if not self.disable_noqa and noqa.file_ignored():
            return []
        return [r for r in reports if not noqa.silenced(r.code, r.line, r.col, r.message)]


@dataclass
class Run:
    args: argparse.Namespace
    findings: List[output.FileFinding] = field(default_factory=list)
    errors: int = 0
    fixed: int = 0
    fixed_files: int = 0
    changed_files: int = 0
    runtime: Any = None  # runtime.Settings when --losslint-runtime is on and possible

    def error(self, display: str, what: str) -> None:
        self.errors += 1
        print(f"losslint: {display}: {what}", file=sys.stderr)
        if getattr(self.args, "losslint_debug", False) and sys.exc_info()[0] is not None:
            traceback.print_exc()


def _fix_labels(
    source: str,
    keep: Keep,
    style: str,
    unsafe_only: bool,
    line_map: Optional[LineMap] = None,
    path: Optional[str] = None,
    target: Any = None,
) -> List[Tuple[Report, Optional[str]]]:
    """The reports of ``source``, each with the fix `losslint fix` would really apply
    ("safe" or "unsafe"; None when there is none, or it would not check clean)."""
    module = parse(source)
    everything = analyze_module(module, line_map=line_map, path=path, target=target)
    reports = keep(source, everything)
    ctx = FixContext(module, style)
    labelled = []
    for report in reports:
        try:
            tried = try_fix(ctx, report, everything, reports, keep, unsafe=True)
        except Exception:  # noqa: BLE001 - a fixer bug must not hide the finding
            tried = None
        label = None if tried is None else ("safe" if tried[0].safe else "unsafe")
        if unsafe_only and label == "safe":
            label = None  # it was tried and did not hold
        labelled.append((report, label))
    return labelled


def _findings(file: SourceFile, labelled: List[Tuple[Report, Optional[str]]]) -> List[output.FileFinding]:
    found = []
    for report, label in labelled:
        where = report.where
        message = report.full_message
        found.append(
            output.FileFinding(file.display, where.line, where.column + 1, report.code, message, label,
                           where.cell, where.cell_index, report.related)
        )
    return found


def _check_file(run: Run, file: SourceFile, keep: Keep) -> None:
    if not worth_parsing(file.source):
        return
    labelled = _fix_labels(
        file.source, keep, STYLE_MINIMAL, False, file.line_map, file.disk_path, target_of(run.args)
    )
    if run.runtime is not None and labelled:
        from .runtime import confirm

        fix_of = {(r.line, r.col, r.code): label for r, label in labelled}
        confirmed = confirm([r for r, _ in labelled], run.runtime)
        labelled = [(r, fix_of.get((r.line, r.col, r.code))) for r in confirmed]
    run.findings.extend(_findings(file, labelled))


def _fix_file(run: Run, file: SourceFile, keep: Keep) -> None:
    args = run.args
    fixed, labelled, applied = file.source, [], 0
    if worth_parsing(file.source):
        parse(file.source)  # a file we cannot parse is an error, not "nothing to fix"
        outcome = fix_source(file.source, keep, unsafe=args.unsafe_fixes, style=args.style)
        fixed, applied = outcome.source, len(outcome.applied)
        if outcome.remaining:
            # What could be fixed was; what remains is fixable with --unsafe-fixes, if at all.
            labelled = _fix_labels(fixed, keep, args.style, True, file.line_map, file.disk_path, target_of(args))
            if args.unsafe_fixes:
                labelled = [(report, None) for report, _ in labelled]
    # A notebook keeps its JSON: only the changed cells' sources are replaced.
    before, after = file.original(), file.content(fixed)
    # Everything is computed: now write (an error above leaves the file, or stdin, as it was).
    changed = after != before
    if args.diff:
        if changed:
            sys.stdout.writelines(
                difflib.unified_diff(
                    before.splitlines(keepends=True),
                    after.splitlines(keepends=True),
                    fromfile=f"a/{file.display}",
                    tofile=f"b/{file.display}",
                )
            )
    elif file.path == "-":
        sys.stdout.write(after)
    elif changed:
        file.write(after)
    run.fixed += applied
    run.fixed_files += bool(applied)
    run.changed_files += changed
    run.findings.extend(_findings(file, labelled))


def _pass_through(args: argparse.Namespace, file: SourceFile) -> None:
    """An editor replaces its buffer with what `losslint fix -` prints: on failure, the buffer."""
    if args.command == "fix" and file.path == "-" and not args.diff:
        sys.stdout.write(file.original())


def _process(args: argparse.Namespace) -> int:
    run = Run(args)
    if args.command == "check":
        run.runtime = runtime_settings(args)
    exclude = list(DEFAULT_EXCLUDE) + list(args.exclude)
    for path in iter_paths(args.paths, exclude):
        if path != "-" and not os.path.exists(path):
            run.error(path, "no such file or directory")
            continue
        try:
            file = SourceFile.read(path, args.stdin_filename)
        except notebooks.NotebookError as exc:
            run.error(path if path != "-" else args.stdin_filename, str(exc))
            continue
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            run.error(path if path != "-" else args.stdin_filename, f"cannot read: {exc}")
            continue
        if file.notebook is not None:
            # A cell that does not parse is skipped, not fatal: say which, on stderr.
            for skipped in file.notebook.notices():
                print(f"losslint: {file.display}:{skipped}", file=sys.stderr)
        keep = Keep(args.select, args.ignore, file.display, args.disable_noqa)
        try:
            if args.command == "fix":
                _fix_file(run, file, keep)
            else:
                _check_file(run, file, keep)
        except notebooks.NotebookError as exc:
            run.error(file.display, str(exc))
            _pass_through(args, file)
        except TooComplex as exc:
            run.error(file.display, f"not checked, too complex for the parser: {exc}")
            _pass_through(args, file)
        except cst.ParserSyntaxError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
            run.error(file.display, f"cannot parse: {first}")
            _pass_through(args, file)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            run.error(file.display, f"internal error ({type(exc).__name__}: {exc}); rerun with --losslint-debug")
            _pass_through(args, file)

    report_stream = sys.stdout
    if args.command == "fix" and (args.diff or "-" in args.paths):
        report_stream = sys.stderr  # stdout carries the diff or the fixed source
    if not (args.command == "fix" and args.diff):
        if args.format != "text" or run.findings:
            report_stream.write(output.render(args.format, run.findings))
    _summary(run)
    if run.errors:
        return 2
    if args.command == "fix" and args.diff:
        return 1 if run.changed_files else 0
    return 1 if run.findings else 0


def _summary(run: Run) -> None:
    args = run.args
    parts = []
    if args.command == "fix":
        verb = "Would fix" if args.diff else "Fixed"
        if run.fixed:
            parts.append(f"{verb} {run.fixed} finding{'s' * (run.fixed != 1)} in {run.fixed_files} "
                         f"file{'s' * (run.fixed_files != 1)}.")
    count = len(run.findings)
    if count:
        safe = sum(f.fix == "safe" for f in run.findings)
        unsafe = sum(f.fix == "unsafe" for f in run.findings)
        line = f"{'Remaining:' if args.command == 'fix' else 'Found'} {count} finding{'s' * (count != 1)}"
        hints = []
        if safe and args.command == "check":
            hints.append(f"{safe} fixable with `losslint fix`")
        if unsafe:
            hints.append(f"{unsafe} fixable with `--unsafe-fixes`")
        parts.append(line + (f" ({', '.join(hints)})" if hints else "") + ".")
    if parts and args.format == "text":
        print(" ".join(parts), file=sys.stderr)


# -- explain, rules -------------------------------------------------------------------------------

def _explain(code: str) -> int:
    wanted = code.strip().upper()
    for rule in all_rules():
        if rule.code == wanted:
            sys.stdout.write(rule_page(rule))
            return 0
    print(f"losslint: unknown rule {code!r}; `losslint rules` lists them", file=sys.stderr)
    return 2


def _rules(fmt: str) -> int:
    rules = all_rules()
    if fmt == "json":
        rows = [
            {"code": r.code, "name": r.name, "summary": r.summary, "fix": r.code in FIXERS,
             "url": output.DOCS_URL.format(code=r.code)}
            for r in rules
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    header = ("code", "name", "fix", "what it flags")
    rows_text: List[Tuple[str, ...]] = [header] + [(r.code, r.name, "yes" if r.code in FIXERS else "", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows_text) for i in range(3)]
    for row in rows_text:
        sys.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3] + "\n")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "explain":
        return _explain(args.code)
    if args.command == "rules":
        return _rules(args.format)
    if args.paths.count("-") > 1:
        parser.error("- (standard input) may be given once")
    if args.command == "fix" and "-" in args.paths and len(args.paths) > 1 and not args.diff:
        parser.error("fixing - (standard input) writes the fixed source to standard output: give no other path")
    return _process(args)
