"""No input makes the plugin raise, crash flake8, take quadratic time or answer twice differently."""

from __future__ import annotations

import ast
import hashlib
import os
import signal
import subprocess
import sys
import sysconfig
import time
import tokenize
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_losslint import engine
from flake8_losslint.syntax.collect import Collector
from flake8_losslint.engine import analyze
from flake8_losslint.source.guard import TooComplex
from flake8_losslint.plugin import LossLintChecker
from flake8_losslint.source.prefilter import worth_parsing
from flake8_losslint.syntax.walk import walk

from .conftest import FIXTURES, ROOT
from .expectations import expectations

# Passes the prefilter: an ML import and a word a finding needs.
ML_HEADER = "import tensorflow as tf  # loss\n"

# What analyze() may raise (the plugin turns both into "no findings"): LibCST
# rejecting code, and the guard refusing code that would crash LibCST.
EXPECTED_FAILURES = (cst.ParserSyntaxError, TooComplex)


def _forced(source: str) -> list:
    """analyze() with the prefilter bypassed: every file is parsed and analysed."""
    original = engine.worth_parsing
    engine.worth_parsing = lambda _source: True
    try:
        return analyze(source)
    finally:
        engine.worth_parsing = original


def _plugin(lines: List[str], filename: str = "t.py") -> list:
    return list(LossLintChecker(None, lines, filename).run())


# -- every installed file ------------------------------------------------------------

def _installed_python_files() -> List[Path]:
    paths = sysconfig.get_paths()
    roots = {Path(paths["purelib"]), Path(paths["platlib"]), Path(paths["stdlib"])}
    files = set()
    for root in roots:
        for path in root.rglob("*.py"):
            files.add(path)
    return sorted(files)


def _read_like_flake8(path: Path) -> List[str] | None:
    try:
        with tokenize.open(path) as handle:
            return handle.readlines()
    except (SyntaxError, UnicodeDecodeError, OSError, LookupError):
        return None  # flake8 reports E902 itself and never calls a plugin


@pytest.mark.slow
def test_every_installed_file_through_the_plugin_and_the_engine() -> None:
    files = _installed_python_files()
    assert len(files) >= 2000, f"only {len(files)} files: is this a real environment?"
    unexpected: List[Tuple[str, str]] = []
    for path in files:
        lines = _read_like_flake8(path)
        if lines is None:
            continue
        _plugin(lines, str(path))  # must never raise, whatever the file
        try:
            analyze("".join(lines))
        except EXPECTED_FAILURES:
            pass
        except Exception as error:  # noqa: BLE001
            unexpected.append((str(path), repr(error)))
    assert not unexpected, unexpected[:20]


PER_FILE_SECONDS = 60  # the slowest installed file takes about 8 s


class _TooSlow(Exception):
    pass


def _too_slow(*_: object) -> None:
    raise _TooSlow(f"still analysing after {PER_FILE_SECONDS} s")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
def test_installed_files_parsed_and_analysed_whatever_they_import() -> None:
    """Most installed files have no ML import and are never parsed; here the
    prefilter is bypassed so that the collector and evaluator see thousands of
    real programs.  Files in a fixed pseudo-random order, within a time budget."""
    files = sorted(_installed_python_files(), key=lambda p: hashlib.sha1(str(p).encode()).hexdigest())
    budget = float(os.environ.get("LOSSLINT_RELIABILITY_BUDGET", "90"))
    deadline = time.monotonic() + budget
    analysed = 0
    rejected: List[str] = []
    unexpected: List[Tuple[str, str]] = []
    for path in files:
        if time.monotonic() > deadline:
            break
        lines = _read_like_flake8(path)
        if lines is None:
            continue
        source = "".join(lines)
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # flake8 reports E999 and never calls a tree plugin
        # A file the analysis never ends on is a failure with its name, not a hung run.
        signal.signal(signal.SIGALRM, _too_slow)
        signal.alarm(PER_FILE_SECONDS)
        try:
            reports = _forced(source)
        except EXPECTED_FAILURES:
            rejected.append(str(path))
        except Exception as error:  # noqa: BLE001
            unexpected.append((str(path), repr(error)))
        else:
            assert reports == sorted(reports)
        finally:
            signal.alarm(0)
        analysed += 1
    assert not unexpected, unexpected[:20]
    assert analysed >= 100, f"only {analysed} files analysed within {budget}s"
    assert len(rejected) <= analysed // 50, rejected[:20]


# -- fuzzing ------------------------------------------------------------------------

hypothesmith = pytest.importorskip("hypothesmith")

FUZZ = settings(
    max_examples=int(os.environ.get("LOSSLINT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _never_raises(source: str) -> None:
    _plugin(source.splitlines(keepends=True))
    try:
        reports = analyze(source)
    except EXPECTED_FAILURES:
        return
    lines = source.count("\n") + 1
    for report in reports:
        assert 1 <= report.line <= lines and report.col >= 0
    assert reports == sorted(reports)
    assert [r.text for r in analyze(source)] == [r.text for r in reports]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@FUZZ
@given(hypothesmith.from_grammar())
def test_fuzz_programs_from_the_grammar(code: str) -> None:
    _never_raises(ML_HEADER + code)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@FUZZ
@given(hypothesmith.from_node())
def test_fuzz_programs_from_libcst_nodes(code: str) -> None:
    _never_raises(ML_HEADER + code)


# Statements built from the very calls the evaluator reads, over a few shared
# names, so that bindings, conditionals, unpacking, classes and functions meet.
_NAMES = st.sampled_from(["x", "y", "model", "loss_fn", "head", "self", "tf", "keras"])
_UNITS = st.sampled_from(["1", "2", "10", "units", "-1", "0", "True"])
_ACTIVATIONS = st.sampled_from(
    ["'softmax'", "'sigmoid'", "'linear'", "None", "'relu'", "tf.nn.softmax",
     "keras.activations.sigmoid", "x"]
)
_LOSSES = st.sampled_from(
    [
        "'bce'",
        "'sparse_categorical_crossentropy'",
        "'categorical_crossentropy'",
        "keras.losses.BinaryCrossentropy(from_logits=True)",
        "keras.losses.SparseCategoricalCrossentropy(x)",
        "keras.losses.categorical_crossentropy",
        "loss_fn",
        "x",
    ]
)
_TEMPLATES = [
    "{a} = keras.Sequential([layers.Dense({n}, activation={act}), layers.Dropout(0.1)])",
    "{a} = keras.Sequential()",
    "{a} = layers.Dense({n}, activation={act})({b})",
    "{a}.add(layers.Dense({n}, {act}))",
    "{a}.add(layers.Activation({act}))",
    "{a}.pop()",
    "{a}.compile(optimizer='adam', loss={loss})",
    "{a}.compile('sgd', {loss})",
    "{a} = keras.losses.BinaryCrossentropy(from_logits={b})",
    "{a} = {loss}",
    "{a} = {b}({c}, {a}({b}))",
    "{a} = keras.Model({b}, {c})",
    "{a} = keras.Model(inputs={b}, outputs=[{c}])",
    "{a} = keras.Input(shape=({n},))",
    "{a} = tf.nn.softmax({b})",
    "{a} = layers.Softmax()({b})",
    "tf.nn.softmax_cross_entropy_with_logits(labels={b}, logits={a})",
    "tf.nn.sparse_softmax_cross_entropy_with_logits({b}, {a})",
    "{a}, {b} = {c}, {a}",
    "{a}, *{b} = {c}",
    "({a}, ({b}, {c})) = {c}",
    "if {a}:\n    {a} = {b}\nelse:\n    {b} = {a}",
    "for {a} in {b}:\n    {c} = {a}({b})",
    "while {a}:\n    {a} = layers.Dense({n})({a})",
    "try:\n    {a} = {b}\nexcept {c}:\n    {a} = {loss}",
    "def {a}({b}, *{c}):\n    return {b}",
    "def {a}():\n    {b} = keras.Sequential([layers.Dense({n}, activation={act})])\n    return {b}",
    "class {A}(keras.Model):\n    def __init__(self):\n"
    "        self.{b} = layers.Dense({n}, activation={act})\n"
    "    def call(self, {c}):\n        return tf.nn.softmax(self.{b}({c}))",
    "class {A}({A}):\n    pass",
    "{a} = {A}()",
    "{a} = {b}.predict({c})",
    "{a} = {b}.__call__({c})",
    "{a} = lambda {b}: {b}",
    "with {a}() as {b}:\n    {c} = {b}",
    "{a} += {b}",
    "{a}: int = {b}",
    "{a} = [{b}, {c}][{n}]",
    "{a} = ({b} := {c})",
    "{a} = [{b} for {b} in {c}]",
    "del {a}",
    "import keras.layers as {a}",
    "from tensorflow.keras import layers as {a}",
    "from keras.losses import *",
]


@st.composite
def ml_programs(draw: Callable) -> str:
    statements = []
    for _ in range(draw(st.integers(1, 25))):
        template = draw(st.sampled_from(_TEMPLATES))
        statements.append(
            template.format(
                a=draw(_NAMES), b=draw(_NAMES), c=draw(_NAMES), A=draw(st.sampled_from(["Net", "Head"])),
                n=draw(_UNITS), act=draw(_ACTIVATIONS), loss=draw(_LOSSES),
            )
        )
    body = "\n".join(statements) + "\n"
    if draw(st.booleans()):
        body = "def main():\n" + "".join("    " + line + "\n" for line in body.splitlines())
    return "import tensorflow as tf\nimport keras\nfrom keras import layers\n" + body


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # e.g. `1(x)`: valid syntax, odd code
@settings(FUZZ, max_examples=int(os.environ.get("LOSSLINT_FUZZ_EXAMPLES", "300")))
@given(ml_programs())
def test_fuzz_programs_made_of_keras_calls(source: str) -> None:
    ast.parse(source)  # the generator only writes valid Python
    try:
        analyze(source)
    except TooComplex:
        pytest.fail("no fuzzed program is that large")
    _never_raises(source)


# -- hostile files, through real flake8 -------------------------------------------------

_BLOCK = '''
model = keras.Sequential()
model.add(layers.Dense(64, activation="relu"))
model.add(layers.Dense(10, activation="softmax"))
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
inputs = keras.Input(shape=(32,))
x = layers.Dense(64, activation="relu")(inputs)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(1, activation="softmax")(x)
functional = keras.Model(inputs, outputs)
loss_fn = keras.losses.BinaryCrossentropy()
functional.compile(optimizer="sgd", loss=loss_fn, metrics=["accuracy"])


def build(units):
    return keras.Sequential([layers.Dense(units), layers.Activation("sigmoid")])


built = build(4)
built.compile(loss="categorical_crossentropy")
if built is not None:
    loss_fn = "bce"
for step in range(3):
    value = loss_fn(y, functional(x))
logits = tf.nn.softmax(x)
tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
'''
_ML_IMPORTS = "import tensorflow as tf\nimport keras\nfrom keras import layers\n"


def long_ml_file(lines: int) -> str:
    """A realistic training script repeated until it is ``lines`` long; every
    block rebinds the same names, the worst case for name lookups."""
    return _ML_IMPORTS + _BLOCK * max(1, lines // _BLOCK.count("\n"))


FINDING = (
    "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
)

# name -> (bytes of the file, expected LL rows as (line, col, code), or None: no LL rows)
HOSTILE: Dict[str, Tuple[bytes, object]] = {
    "empty.py": (b"", []),
    "only_import.py": (b"import tensorflow", []),
    "bom.py": (
        b"\xef\xbb\xbfimport tensorflow as tf\nfrom tensorflow import keras\n" + FINDING.encode(),
        [(4, 63, "LL101")],
    ),
    "crlf.py": (("import keras\n" + FINDING).replace("\n", "\r\n").encode(), [(3, 63, "LL101")]),
    "form_feed.py": (
        ("import keras\n\f\n" + "def f():\n    x = 1\n\f\n    return x\n\f" + FINDING).encode(),
        [(8, 63, "LL101")],
    ),
    "latin1.py": (
        ("# -*- coding: latin-1 -*-\nimport keras\nname = 'caf\xe9'\n" + FINDING).encode("latin-1"),
        [(5, 63, "LL101")],
    ),
    "non_ascii.py": (
        ("import keras\nt\xe9te = 'd\xe9j\xe0 vu \u2603'\n" + FINDING).encode(), [(4, 63, "LL101")]
    ),
    "python2_print.py": (b"import tensorflow as tf  # loss\nprint 'hello'\nprint >>sys.stderr, 'x'\n", []),
    "python2_except.py": (
        b"import keras  # loss\ntry:\n    pass\nexcept Exception, e:\n    raise ValueError, 'x'\n", []
    ),
    "tabs_and_spaces.py": (b"import keras  # loss\nif True:\n\tx = 1\n        y = 2\n", []),
    "null_byte.py": (b"import keras  # loss\nx = '\0'\n", []),
    "unknown_codec.py": (b"# coding: no-such-codec\nimport keras  # loss\n", []),
    # 190 levels: just under Python's own limit of 200 nested brackets.
    "nested_calls.py": ((ML_HEADER + "x = " + "f(" * 190 + "1" + ")" * 190 + "\n").encode(), []),
    "nested_lists.py": ((ML_HEADER + "x = " + "[" * 190 + "]" * 190 + "\n").encode(), []),
    # Python compiles these; LibCST crashes with SIGSEGV on the first and
    # rejects the others (more than ~3,000 implicitly concatenated strings).
    # The screen reads Python's tree, where those strings are one constant: it
    # checks the second file in full, and hands the third, which has a finding,
    # to LibCST's parse, which rejects it.
    "long_and_chain.py": ((ML_HEADER + "x = " + " and ".join(["y"] * 20000) + "\n").encode(), []),
    "concatenated_strings.py": ((ML_HEADER + "x = " + " ".join(["'a'"] * 4000) + "\n").encode(), []),
    "concatenated_strings_finding.py": (
        ("import keras\n" + FINDING + "x = " + " ".join(["'a'"] * 4000) + "\n").encode(), []
    ),
    "huge_literal.py": (
        (ML_HEADER + "x = [" + ", ".join(str(i) for i in range(100000)) + "]\n").encode(), []
    ),
    "long_line.py": ((ML_HEADER + "x = '" + "a" * 500000 + "'\n").encode(), []),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (content, _) in HOSTILE.items():
        (folder / name).write_bytes(content)
    return folder


def _no_crash(result: subprocess.CompletedProcess) -> None:
    assert result.returncode in (0, 1), (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]


@pytest.mark.slow
def test_hostile_files_through_flake8(hostile_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "LL,E9", str(hostile_dir)],
        capture_output=True,
        text=True,
    )
    _no_crash(result)
    rows: Dict[str, List[Tuple[int, int, str]]] = {}
    for line in result.stdout.splitlines():
        path, row, col, rest = line.split(":", 3)
        code = rest.strip().split(" ", 1)[0]
        if code.startswith("LL"):
            rows.setdefault(Path(path).name, []).append((int(row), int(col), code))
    for name, (_, expected) in HOSTILE.items():
        assert sorted(rows.get(name, [])) == expected, name


@pytest.mark.slow
def test_hostile_files_fail_only_where_expected(hostile_dir: Path) -> None:
    """With --losslint-debug the plugin names every file it gave up on."""
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "LL", "--losslint-debug",
         str(hostile_dir)],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    failed = sorted(
        Path(line.split(" failed on ", 1)[1]).name
        for line in result.stderr.splitlines()
        if line.startswith("flake8-losslint: failed on ")
    )
    refused = sorted(
        Path(line[len("flake8-losslint: "):].split(" not checked: ", 1)[0]).name
        for line in result.stderr.splitlines()
        if " not checked: " in line
    )
    assert failed == ["concatenated_strings_finding.py"]  # LibCST's rejection
    assert refused == ["long_and_chain.py"]  # the guard, which says so without --losslint-debug too


@pytest.mark.parametrize(
    "expression",
    ["not " * 2000 + "y", "-" * 2000 + "y", "a" + ".b" * 2000, "f" + "()" * 2000, "a" + "[0]" * 2000,
     "lambda: " * 1500 + "x", "a if b else " * 2000 + "c", "**".join(["x"] * 2000)],
    ids=["not", "minus", "attributes", "calls", "subscripts", "lambdas", "conditionals", "powers"],
)
def test_deep_nesting_python_accepts(expression: str) -> None:
    """As deep as Python's own parser goes (pyflakes itself gives up on some of
    these, which aborts flake8 before any plugin matters: tested in process)."""
    source = ML_HEADER + "x = " + expression + "\n"
    ast.parse(source)
    assert _plugin(source.splitlines(keepends=True)) == []
    try:
        analyze(source)
    except (RecursionError, *EXPECTED_FAILURES):
        pass  # the plugin turns these into "no findings", as above


def test_an_and_chain_is_refused_before_libcst_sees_it() -> None:
    """Regression: 10,000 and-operands killed flake8 with SIGSEGV inside LibCST."""
    with pytest.raises(TooComplex):
        analyze(ML_HEADER + "x = " + " and ".join(["y"] * 10000) + "\n")
    assert analyze(ML_HEADER + "x = " + " and ".join(["y"] * 300) + "\n") == []


def test_a_long_subscript_chain_is_refused_before_libcst_crawls_through_it() -> None:
    """Regression: LibCST took 15 s on one 2,000-deep a[0][0]... (quadratic)."""
    start = time.process_time()
    with pytest.raises(TooComplex):
        analyze(ML_HEADER + "x = a" + "[0]" * 2000 + "\n")
    assert time.process_time() - start < 2
    assert analyze(ML_HEADER + "x = a" + "[0]" * 100 + "\n") == []


def test_strings_concatenated_deeper_than_a_walk_goes_are_refused_and_said(capsys: pytest.CaptureFixture) -> None:
    """Regression: 1,500 strings written side by side (one constant to Python, a
    chain 1,500 deep to LibCST) raised RecursionError, which the plugin swallowed."""
    source = ML_HEADER + "x = (\n" + "    'a'\n" * 1500 + ")\n" + FINDING
    with pytest.raises(TooComplex, match="nests deeper"):
        analyze(source)
    assert _plugin(source.splitlines(keepends=True), "deep.py") == []
    assert "flake8-losslint: deep.py not checked: its syntax tree nests deeper" in capsys.readouterr().err


# Calls whose arguments grow on every level: each call is a new calling context.
_GROWING_CALLS = {
    # scipy's own tests: the list doubles on each of 120 levels.
    "doubling": "def nest(x, k):\n    if k == 0:\n        return x\n    return nest([x, x], k - 1)\n"
    "y = nest(1, 120)\n",
    "chain": "".join(
        f"def f{i}(x):\n    if x:\n        return f{i + 1}([x, x])\n    return f{i + 1}((x, x, x))\n"
        for i in range(100)
    )
    + "def f100(x):\n    return x\ny = f0(1)\n",
    # Eight call sites per function, forty functions deep: 8**40 calling contexts.
    "fan_out": "".join(
        f"def f{i}(a, b):\n"
        + "".join(f"    if a == {j}:\n        return f{i + 1}(b, [a, {j}])\n" for j in range(8))
        + "    return a\n"
        for i in range(40)
    )
    + "def f40(a, b):\n    return 1\ny = f0(1, 2)\n",
}


@pytest.mark.parametrize("name", sorted(_GROWING_CALLS))
def test_calls_on_ever_new_arguments_end(name: str) -> None:
    """Regression: these never ended (the first one hung CI inside scipy's tests).
    In a child process, so that a regression fails here instead of hanging the run."""
    source = ML_HEADER + "import keras\n" + _GROWING_CALLS[name] + FINDING
    script = (
        "import sys\n"
        "from flake8_losslint.engine import analyze\n"
        "from flake8_losslint.interp import evaluator\n"
        "made = []\n"
        "init = evaluator.Evaluator.__init__\n"
        "def record(self, *args, **kwargs):\n"
        "    init(self, *args, **kwargs)\n"
        "    made.append(self)\n"
        "evaluator.Evaluator.__init__ = record\n"
        "reports = analyze(sys.stdin.read())\n"
        "print(max(e.evaluations for e in made), evaluator.MAX_EVALUATIONS)\n"
        "print(*sorted({r.code for r in reports}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], input=source, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    counts, codes = result.stdout.splitlines()
    evaluations, limit = map(int, counts.split())
    assert evaluations <= limit
    assert codes == "LL101"  # the rest of the file is still analysed


def test_empty_and_near_empty_sources() -> None:
    for source in ("", "\n", "\ufeff", ML_HEADER, ML_HEADER.rstrip("\n"), "\f", "   "):
        assert _plugin(source.splitlines(keepends=True)) == []


@pytest.mark.slow
def test_time_stays_linear_in_file_length() -> None:
    def cost(lines: int) -> Tuple[float, int]:
        source = long_ml_file(lines)
        best = float("inf")
        for _ in range(2 if lines < 10000 else 1):
            start = time.process_time()
            reports = analyze(source)
            best = min(best, time.process_time() - start)
        return best, len(reports)

    small, small_found = cost(5000)
    large, large_found = cost(50000)
    assert large_found >= 9 * small_found > 0
    # Linear would be 10x; quadratic 100x.  Loose, for a loaded machine.
    assert large < 25 * small, (small, large)


# -- determinism ------------------------------------------------------------------------------


def test_same_output_across_runs_jobs_and_hash_seeds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(FIXTURES.rglob("*.py")):
        (corpus / f"{path.parent.name}_{path.name}").write_bytes(path.read_bytes())
    (corpus / "long.py").write_text(long_ml_file(600))
    outputs = []
    for jobs, seed in (("1", "0"), ("1", "0"), ("2", "1"), ("2", "2"), ("1", "3")):
        result = subprocess.run(
            [sys.executable, "-m", "flake8", "--isolated", "--select", "LL", "-j", jobs, str(corpus)],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=tmp_path,
        )
        _no_crash(
            subprocess.CompletedProcess(
                result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
            )
        )
        outputs.append(result.stdout)
    assert outputs[0].count(b"\n") > 50
    assert all(output == outputs[0] for output in outputs)


# -- the speed-ups change nothing ---------------------------------------------------------


def test_every_firing_fixture_passes_the_prefilter() -> None:
    """A rule whose fixture fails this needs its word in prefilter._RELEVANT_WORDS."""
    for path in sorted(FIXTURES.rglob("*.py")):
        if path.stem.endswith(".fixed"):
            continue  # what `losslint fix` makes of a fixture: its `# expect:` comments are stale
        if expectations(path):
            assert worth_parsing(path.read_text()), path


def _collector_state(collector: Collector) -> list:
    def scope_state(scope) -> list:
        out = [scope.kind, id(scope.node), scope.self_name]
        for name in sorted(scope.bindings):
            out += [
                (name, b.order, b.path, id(b.value), b.ctx.order, b.ctx.path, b.unpack)
                for b in scope.bindings[name]
            ]
        out += [(id(value), ctx.order, ctx.path) for value, ctx in scope.returns]
        if scope.cls is not None:
            out += [id(scope.cls.node), scope.cls.ctx.order, sorted(scope.cls.methods)]
            for name in sorted(scope.cls.attributes):
                out += [(name, b.order, b.path, id(b.value)) for b in scope.cls.attributes[name]]
        return out

    state = scope_state(collector.module_scope)
    for key in sorted(collector.scope_of_node):
        state += scope_state(collector.scope_of_node[key])
    state += [(id(site.node), site.ctx.order, site.ctx.path) for site in collector.calls]
    state += sorted((name, str(value)) for name, value in collector.imports._table.items())
    return state


def test_fast_walk_collects_exactly_what_libcst_visit_collects() -> None:
    import libcst as libcst_package

    files = sorted(FIXTURES.rglob("*.py")) + sorted(Path(libcst_package.__file__).parent.glob("_nodes/*.py"))
    files.append(ROOT / "tests" / "test_reliability.py")
    sources = [path.read_text() for path in files] + [
        long_ml_file(300),
        ML_HEADER + "match x:\n    case [a, *b]:\n        y = a\n",
    ]
    for source in sources:
        module = cst.parse_module(source)
        by_libcst, by_walk = Collector(), Collector()
        module.visit(by_libcst)
        walk(module, by_walk)
        assert _collector_state(by_walk) == _collector_state(by_libcst)
