"""The command line of ``losslint``: commands, flags and their help.

Flags that a configuration file can also set default to None here, so that
``config.load`` can tell "not given" from "given": the command line wins.
"""

from __future__ import annotations

import argparse
import re
from typing import List

from .. import __version__
from ..fixes import STYLE_LOGITS, STYLE_PROBABILITIES
from ..options import add_argparse_options
from ..report.formats import FORMATS
from .config import DEFAULT_EXCLUDE


def _code_list(value: str) -> List[str]:
    return [c.strip() for c in re.split(r"[,\s]+", value) if c.strip()]


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
    files.add_argument("paths", nargs="*", metavar="PATH",
                       help="files and directories to check (default: .); - for standard input")
    selection = files.add_argument_group("selecting rules (also read from [flake8] and [tool.losslint])")
    for flag, what in (
        ("--select", "report only these codes or prefixes (comma-separated, e.g. LL1,LL201)"),
        ("--ignore", "do not report these codes or prefixes; of a matching --select and --ignore, "
                     "the longer prefix wins, as in flake8"),
        ("--extend-select", "add these codes or prefixes to the selected ones"),
        ("--extend-ignore", "add these codes or prefixes to the ignored ones"),
    ):
        selection.add_argument(flag, type=_code_list, action="extend", default=None, metavar="CODES", help=what)
    selection.add_argument("--per-file-ignores", default=None, metavar="PATTERN:CODES",
                           help="codes to ignore in the files a pattern matches, as flake8 reads it "
                           "(e.g. 'tests/*:LL2 notebooks/*.py:LL1')")
    selection.add_argument("--disable-noqa", action="store_true", default=None,
                           help="report findings silenced by # noqa too")

    discovery = files.add_argument_group("finding files")
    discovery.add_argument("--exclude", type=_patterns, action="extend", default=None, metavar="PATTERNS",
                           help="paths and patterns to skip, matched as flake8 matches them (a name, or a "
                           "path with /); replaces the default (" + ",".join(DEFAULT_EXCLUDE) + ")")
    discovery.add_argument("--extend-exclude", type=_patterns, action="extend", default=None, metavar="PATTERNS",
                           help="paths and patterns to skip, besides the excluded ones")
    discovery.add_argument("--force-exclude", action=argparse.BooleanOptionalAction, default=None,
                           help="a file named on the command line is excluded also when a folder it is "
                           "written under is (build/gen.py under --exclude build); what pre-commit needs, "
                           "since it names every file. Without it, as in flake8, only the path itself is "
                           "matched")
    discovery.add_argument("--stdin-filename", "--stdin-display-name", dest="stdin_filename", default="stdin",
                           metavar="NAME", help="the name to report for input read from - (standard input)")
    discovery.add_argument("--config", default=None, metavar="FILE",
                           help="the flake8 configuration file to read (default: setup.cfg, tox.ini or "
                           ".flake8 found as flake8 finds it)")
    discovery.add_argument("--isolated", action="store_true", help="read no configuration file")

    output = files.add_argument_group("output")
    output.add_argument("--output-format", "--format", dest="output_format", choices=FORMATS, default=None,
                        help="full (default: each finding with its source line), concise (flake8's one "
                        "line; text is the same), json, sarif, github (workflow annotations)")
    output.add_argument("--docs-url", default=None, metavar="TEMPLATE",
                        help="where rule pages are published, e.g. https://example.org/rules/{code}.html "
                        "(default: $LOSSLINT_DOCS_URL; without one, `losslint explain CODE` prints the page)")
    files.add_argument("-j", "--jobs", default=None, metavar="N",
                        help="check files in N processes (default: auto, one per CPU; also read from "
                        "[flake8] jobs and [tool.losslint] jobs); the output is the same, in the same order")
    add_argparse_options(files, unset=True)

    commands.add_parser("check", parents=[files], help="report findings",
                        description="Report findings; exit 1 if there are any, 2 if a file could not be "
                        "checked.")
    fix = commands.add_parser("fix", parents=[files], help="fix what can be fixed, report the rest",
                              description="Apply the autofixes, then report what remains; exit 1 if "
                              "anything remains. Input from - is written, fixed, to standard output.")
    fix.add_argument("--diff", action="store_true", help="show a unified diff instead of writing files; exit 1 if any")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change what the model computes")
    style = fix.add_mutually_exclusive_group()
    style.add_argument("--logits-style", dest="style", action="store_const", const=STYLE_LOGITS,
                       default=None, help="fix LL101 by removing the softmax/sigmoid (keeps from_logits=True); "
                       "unsafe, so only with --unsafe-fixes")
    style.add_argument("--probabilities-style", dest="style", action="store_const", const=STYLE_PROBABILITIES,
                       help="fix LL102 by ending the model with a softmax/sigmoid; unsafe, so only with "
                       "--unsafe-fixes")

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", metavar="RULE", help="a rule code (LL101) or name (from-logits-on-probabilities)")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", "--output-format", dest="format", choices=("text", "json"), default="text")
    return parser
