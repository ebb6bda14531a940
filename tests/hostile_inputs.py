"""Hostile files, and what ``losslint check`` must say about each.

Shared by ``tests/test_cli_hostile.py`` (what is reported, and that the run goes on) and
``benchmarks/hostile.py`` (that each costs a bounded time and memory, under flake8 and
under the command).  Every file imports Keras and names a loss, so the prefilter never
lets it off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from flake8_losslint.source.guard import MAX_SOURCE_CHARS

HEAD = "import keras\nloss = 'sparse_categorical_crossentropy'\n"


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    # What `losslint check --output-format concise` reports: the start of the E999 line on
    # standard output, or of the "not checked" line on standard error; None: findings only.
    e999: Optional[str] = None
    not_checked: Optional[str] = None
    findings: int = 0  # LL findings expected


def _text(body: str) -> Callable[[], bytes]:
    return lambda: (HEAD + body).encode("utf-8")


def _many_findings() -> bytes:
    lines = ["import tensorflow as tf"]
    for number in range(300):
        lines.append(f"m{number} = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='softmax')])")
        lines.append(f"m{number}.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))")
    return ("\n".join(lines) + "\n").encode("utf-8")


CASES = (
    Case("plus_chain.py", _text("x = " + " + ".join(["a"] * 10_000) + "\n"),
         e999="1:1: E999 RecursionError: maximum recursion depth exceeded during ast construction"),
    Case("call_chain.py", _text("x = f" + "()" * 6_000 + "\n"),
         e999="1:1: E999 RecursionError"),
    Case("unary_chain.py", _text("x = " + "-" * 8_000 + "a\n"),
         e999="1:1: E999 MemoryError"),
    Case("nested_lambdas.py", _text("x = " + "lambda: " * 1_200 + "a\n"),
         not_checked="not checked: nested"),
    Case("nested_conditionals.py", _text("x = " + "a if b else " * 1_200 + "c\n"),
         not_checked="not checked: nested"),
    Case("long_and.py", _text("x = " + " and ".join(["a"] * 600) + "\n"),
         not_checked="not checked: line 3: 600 operands of and/or in one expression"),
    Case("subscript_chain.py", _text("x = a" + "[0]" * 250 + "\n"),
         not_checked="not checked: line 3: a chain of 249 subscripts"),
    Case("huge.py", _text("# " + "x" * (MAX_SOURCE_CHARS + 10) + "\n"),
         not_checked="not checked: "),
    Case("many_lines.py", _text("y = 1\n" * 40_000)),
    Case("many_findings.py", _many_findings, findings=300),
    Case("nul_byte.py", lambda: (HEAD + "x = 1\x00\n").encode("utf-8"),
         e999="1:1: E999 SyntaxError: source code string cannot contain null bytes"),
    Case("latin1_without_cookie.py", lambda: (HEAD + "x = 'caf\xe9'\n").encode("latin-1"),
         e999="3:11: E999 SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xe9"),
    Case("unknown_cookie.py", lambda: ("# -*- coding: klingon -*-\n" + HEAD).encode("utf-8"),
         e999="1:1: E999 SyntaxError: unknown encoding: klingon"),
    Case("python2.py", _text("print 'x'\n"), e999="3:1: E999 SyntaxError: Missing parentheses"),
    Case("bom_and_form_feeds.py", lambda: b"\xef\xbb\xbf" + (HEAD + "\x0c\nx = 1\x0c\n").encode("utf-8")),
    Case("empty.py", lambda: b""),
)
