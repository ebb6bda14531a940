"""The ``losslint`` command: check, fix, explain, rules.

Exit status: 0 when nothing is found, 1 when something is (for ``fix``: when
findings remain, or with ``--diff`` when a file would change), 2 on a usage or
configuration error, or when a file could not be checked (a syntax error, an
unreadable file, a file the analysis gave up on).

The package: ``arguments`` (the command line), ``config`` (flake8's configuration
file, ``[tool.losslint]``, the command line on top), ``selection`` (which codes are
reported, as flake8 decides it), ``discovery`` (which files), ``files`` (reading,
Python's own syntax check, writing without losing a byte), ``work`` (one file:
``run_file``), ``pool`` (files in several processes, results in order), ``kept`` (a
file's findings in the result cache), ``edits`` (a fix as text edits), ``terminal``
(the full output and colour); ``report/formats.py`` renders the other formats.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, List, Optional, Sequence, Tuple

from ..docs import rule_page
from ..fixes import FIXERS, STYLE_MINIMAL
from ..options import runtime_settings, target_of
from ..report import formats
from ..rules import Rule, all_rules
from . import config as configuration
from .arguments import build_parser
from .discovery import discover
from .files import read_stdin
from .pool import Progress, run_all
from .selection import SelectionError, suggestion
from .terminal import render_concise, render_full, use_colour
from .work import FileResult, Job, run_file

__all__ = ["main", "build_parser", "run_file", "Job", "FileResult"]


def _say(text: str) -> None:
    print(f"losslint: {text}", file=sys.stderr)


def _job(args: argparse.Namespace, settings: configuration.Settings, fmt: str) -> Job:
    merged = configuration.namespace(settings, args)
    fixing = args.command == "fix"
    return Job(
        command=args.command,
        selection=settings.selection,
        disable_noqa=settings.disable_noqa,
        target=target_of(merged),
        runtime=runtime_settings(merged) if not fixing else None,
        debug=bool(merged.losslint_debug),
        edits=fmt in ("json", "sarif"),
        unsafe=bool(fixing and args.unsafe_fixes),
        style=(args.style or STYLE_MINIMAL) if fixing else STYLE_MINIMAL,
        diff=bool(fixing and args.diff),
        cache=not merged.losslint_no_cache,
    )


def _report_stream(args: argparse.Namespace) -> IO[str]:
    if args.command == "fix" and (args.diff or "-" in args.paths):
        return sys.stderr  # standard output carries the diff or the fixed source
    return sys.stdout


def _render(fmt: str, results: Sequence[FileResult], stream: IO[str], docs: Optional[str]) -> str:
    findings = [f for r in results for f in r.findings]
    errors = [e for r in results for e in r.errors]
    if fmt == "full":
        return render_full(findings, errors, use_colour(stream), docs)
    if fmt in ("concise", "text"):
        return render_concise(findings, errors, use_colour(stream))
    return formats.render(fmt, findings, errors, docs)


def _summary(args: argparse.Namespace, results: Sequence[FileResult], fmt: str) -> None:
    parts = []
    fixed = sum(r.fixed for r in results)
    fixed_files = sum(bool(r.fixed) for r in results)
    if args.command == "fix" and fixed:
        verb = "Would fix" if args.diff else "Fixed"
        parts.append(f"{verb} {fixed} finding{'s' * (fixed != 1)} in {fixed_files} file{'s' * (fixed_files != 1)}.")
    findings = [f for r in results for f in r.findings]
    if findings:
        safe = sum(f.fix == "safe" for f in findings)
        unsafe = sum(f.fix == "unsafe" for f in findings)
        line = f"{'Remaining:' if args.command == 'fix' else 'Found'} {len(findings)} finding{'s' * (len(findings) != 1)}"
        hints = []
        if safe and args.command == "check":
            hints.append(f"{safe} fixable with `losslint fix`")
        if unsafe:
            hints.append(f"{unsafe} fixable with `--unsafe-fixes`")
        parts.append(line + (f" ({', '.join(hints)})" if hints else "") + ".")
    errors = sum(len(r.errors) for r in results)
    if errors:
        parts.append(f"{errors} file{'s were' if errors != 1 else ' was'} not checked.")
    if parts and fmt in formats.TEXT_FORMATS:
        print(" ".join(parts), file=sys.stderr)


def _process(args: argparse.Namespace, settings: configuration.Settings) -> int:
    fmt = args.output_format or settings.output_format
    if fmt not in formats.FORMATS:
        _say(f"unknown output format {fmt!r}{suggestion(fmt, formats.FORMATS)}")
        return 2
    for notice in settings.notices:
        _say(notice)
    job = _job(args, settings, fmt)
    if args.command == "fix" and args.style and not args.unsafe_fixes:
        option = "--logits-style" if args.style != "probabilities" else "--probabilities-style"
        _say(f"{option} makes unsafe fixes (it changes what the model outputs): they are applied only "
             "with --unsafe-fixes; without it, only the safe fixes are")
    paths = args.paths or ["."]
    stdin_name = args.stdin_filename
    results: List[FileResult] = []
    stream = _report_stream(args)
    items = [
        (found.path, stdin_name if found.path == "-" else found.path, read_stdin() if found.path == "-" else None)
        for found in discover(paths, settings.excluded, settings.force_exclude, stdin_name)
    ]
    found_any = bool(items)
    progress = Progress(len(items))
    for result in run_all(items, job, settings.jobs):
        results.append(result)
        if result.notices or result.traceback or result.errors or result.output is not None:
            progress.clear()
        for notice in result.notices:
            _say(notice)
        if result.traceback:
            sys.stderr.write(result.traceback)
        for error in result.errors:
            # The text formats print E999/E902 as findings; the others are said here.  The
            # structured formats hold every error, and people read standard error too
            # (unless the structured output is on it).
            if (not error.positioned if fmt in formats.TEXT_FORMATS else stream is sys.stdout):
                _say(f"{error.path}: {error.message}")
        if result.output is not None:
            sys.stdout.write(result.output)
        progress.step(len(results))
    progress.clear()
    if not found_any:
        _say(f"no Python files or notebooks found under {', '.join(paths)}")
    rendered = _render(fmt, results, stream, settings.docs_url)
    if rendered:
        stream.write(rendered)
    _summary(args, results, fmt)
    if any(r.errors for r in results):
        return 2
    if args.command == "fix" and args.diff:
        return 1 if any(r.changed for r in results) else 0
    return 1 if any(r.findings for r in results) else 0


# -- explain, rules -------------------------------------------------------------------------------

def find_rule(word: str) -> Tuple[Optional[Rule], str]:
    """The rule named by a code (any case) or a rule name; else None and a hint."""
    wanted = word.strip()
    for rule in all_rules():
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule, ""
    choices = [r.code for r in all_rules()] + [r.name for r in all_rules()]
    return None, suggestion(wanted.upper() if wanted[:2].upper() == "LL" else wanted.lower(), choices)


def _explain(word: str) -> int:
    rule, hint = find_rule(word)
    if rule is None:
        _say(f"unknown rule {word!r}{hint} (`losslint rules` lists them)")
        return 2
    sys.stdout.write(rule_page(rule))
    return 0


def _rules(fmt: str, docs: Optional[str]) -> int:
    rules = all_rules()
    if fmt == "json":
        rows = [
            {"code": r.code, "name": r.name, "summary": r.summary, "fix": r.code in FIXERS,
             "url": formats.docs_url(docs, r.code)}
            for r in rules
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    header = ("code", "name", "fix", "what it flags")
    rows_text: List[Tuple[str, str, str, str]] = [header]
    rows_text += [(r.code, r.name, "yes" if r.code in FIXERS else "", r.summary) for r in rules]
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
        import os

        return _rules(args.format, os.environ.get("LOSSLINT_DOCS_URL") or None)
    if args.paths.count("-") > 1:
        parser.error("- (standard input) may be given once")
    if args.command == "fix" and "-" in args.paths and len(args.paths) > 1 and not args.diff:
        parser.error("fixing - (standard input) writes the fixed source to standard output: give no other path")
    try:
        settings = configuration.load(args)
    except (configuration.ConfigError, SelectionError) as error:
        _say(str(error))
        return 2
    return _process(args, settings)
