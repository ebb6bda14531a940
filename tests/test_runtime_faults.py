"""Runtime mode never costs a static finding: bad settings, broken workers, hostile cache files.

Each test reproduces a way findings were lost or a run hung (issue 18).  A fake
worker (``runtime_fakes.py``) stands in for TensorFlow, so these need none.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flake8_losslint.engine import analyze
from flake8_losslint.rules import Finding, Message
from flake8_losslint.report import Report

from .conftest import FIXTURES, ROOT, run_flake8
from .runtime_fakes import fake_worker, runtime_env

pytestmark = pytest.mark.runtime

PROBED = FIXTURES / "LL105" / "sparse_on_one_unit_sigmoid.py"  # one finding, with a probe


@pytest.fixture
def fake(tmp_path) -> str:
    return fake_worker(tmp_path)


@pytest.fixture
def inprocess(monkeypatch, tmp_path, fake):
    """confirm() in this process, with the fake worker and an empty cache."""
    from flake8_losslint import runtime
    from flake8_losslint.runtime import client

    for key in list(os.environ):
        if key.startswith(("FLAKE8_LOSSLINT_", "FAKE_WORKER_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FLAKE8_LOSSLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FLAKE8_LOSSLINT_RUNTIME_PYTHON", fake)
    monkeypatch.setattr(runtime, "_shown", None)
    client.reset()
    yield runtime
    client.reset()


def _flake8(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LL", *args],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, **kwargs,
    )


def _reports(path: Path = PROBED):
    return analyze(path.read_text(encoding="utf-8"))


def _digest(runtime, report) -> str:
    from flake8_losslint.runtime import cache, probes

    return cache.key(runtime.versions(), probes.build(report.finding))


# -- settings ------------------------------------------------------------------
@pytest.mark.parametrize(
    "variable, value",
    [
        ("FLAKE8_LOSSLINT_RUNTIME_TIMEOUT", "inf"),
        ("FLAKE8_LOSSLINT_RUNTIME_TIMEOUT", "1e300"),
        ("FLAKE8_LOSSLINT_RUNTIME_TIMEOUT", "-1"),
        ("FLAKE8_LOSSLINT_RUNTIME_TIMEOUT", "nan"),
        ("FLAKE8_LOSSLINT_RUNTIME_TIMEOUT", "soon"),
        ("FLAKE8_LOSSLINT_RUNTIME_USER_TIMEOUT", "0"),
        ("FLAKE8_LOSSLINT_RUNTIME_FILE_TIMEOUT", "-inf"),
        ("FLAKE8_LOSSLINT_RUNTIME_MEMORY_MB", "12"),
    ],
)
def test_invalid_setting_is_rejected_and_static_findings_stay(tmp_path, fake, variable, value) -> None:
    static = run_flake8(str(PROBED))
    result = _flake8("--losslint-runtime", str(PROBED), env=runtime_env(tmp_path, fake, **{variable: value}))
    assert result.returncode == 1 and result.stdout == static.stdout  # the finding is still there, unchanged
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"flake8-losslint: runtime checks skipped: {variable}={value!r} is not a number of ")
    assert line.endswith("static findings are reported unchanged")


def test_invalid_setting_inside_confirm_degrades(inprocess, monkeypatch, capsys) -> None:
    """Set after start-up (an editor's long-lived process): confirm() still only says so."""
    monkeypatch.setenv("FLAKE8_LOSSLINT_RUNTIME_TIMEOUT", "inf")
    reports = _reports()
    assert inprocess.confirm(reports, inprocess.Settings()) == reports
    (line,) = capsys.readouterr().err.splitlines()
    assert "FLAKE8_LOSSLINT_RUNTIME_TIMEOUT='inf' is not a number of seconds" in line


def test_any_exception_inside_confirm_leaves_static_findings_and_one_notice(inprocess, monkeypatch, capsys) -> None:
    from flake8_losslint.runtime import cache

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(cache, "key", broken)
    reports = _reports()
    assert analyze(PROBED.read_text(encoding="utf-8"), inprocess.Settings()) == reports
    assert inprocess.confirm(reports, inprocess.Settings()) == reports
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "flake8-losslint: runtime checks skipped: runtime confirmation failed (RecursionError: maximum recursion "
        "depth exceeded); static findings are reported unchanged"
    ]


# -- the worker ----------------------------------------------------------------
@pytest.mark.parametrize(
    "mode, said",
    [
        ("hang_import", "the TensorFlow worker did not answer within 1s while importing TensorFlow"),
        ("hang", "the TensorFlow worker did not answer within 1s while running a probe"),
        ("die", "the TensorFlow worker was killed (SIGKILL) while running a probe"),
        ("garbage", "the TensorFlow worker answered garbage while running a probe"),
    ],
)
def test_worker_failures_say_what_happened(tmp_path, fake, mode, said) -> None:
    static = run_flake8(str(PROBED))
    env = runtime_env(tmp_path, fake, FAKE_WORKER_MODE=mode, FLAKE8_LOSSLINT_RUNTIME_TIMEOUT="1")
    result = _flake8("--losslint-runtime", str(PROBED), env=env)
    assert result.stdout == static.stdout
    (line,) = result.stderr.splitlines()
    assert said in line, line
    assert "install" not in line  # TensorFlow is there; installing it is not the remedy


def test_import_failure_suggests_installing(tmp_path) -> None:
    env = runtime_env(tmp_path, sys.executable, FLAKE8_LOSSLINT_RUNTIME_FAIL_IMPORT="1")
    result = _flake8("--losslint-runtime", str(PROBED), env=env)
    (line,) = result.stderr.splitlines()
    assert "TensorFlow could not be imported" in line and "pip install 'flake8-losslint[runtime]'" in line


def test_a_file_waits_at_most_its_runtime_budget(inprocess, monkeypatch, capsys) -> None:
    """Six probes of two seconds each, three seconds allowed: the rest of the file (and run) is static."""
    from flake8_losslint.runtime import probes

    monkeypatch.setenv("FAKE_WORKER_DELAY", "2")
    monkeypatch.setenv("FLAKE8_LOSSLINT_RUNTIME_FILE_TIMEOUT", "3")
    reports = []
    for number in range(6):
        code = f"LL98{number}"
        monkeypatch.setitem(probes.PROBES, code, lambda subject, n=number: {"check": "crashes", "n": n})
        finding = Finding(code, None, Message.of("static message"), subject=object())  # type: ignore[arg-type]  # the runtime never reads the site
        reports.append(Report(number + 1, 0, code, "static message", finding))
    started = time.monotonic()
    out = inprocess.confirm(reports, inprocess.Settings())
    assert time.monotonic() - started < 8
    assert [r.code for r in out] == [r.code for r in reports]
    assert out[0].evidence == "TensorFlow 9.9.9 raises FakeError: as told."
    assert all(r.evidence is None for r in out[1:])
    (line,) = capsys.readouterr().err.splitlines()
    assert "runtime checks took longer than the 3s allowed for one file (FLAKE8_LOSSLINT_RUNTIME_FILE_TIMEOUT)" in line
    # The next file does not wait at all.
    started = time.monotonic()
    assert inprocess.confirm(reports[1:], inprocess.Settings()) == reports[1:]
    assert time.monotonic() - started < 1


# -- evidence is one printable line -------------------------------------------------
HOSTILE = "x\nfixtures/fake.py:1:1: E999 fake finding\r\x1b[31mred\x1b[0m\x1b]0;title\x07 \u202e" + "y" * 2000


def test_evidence_is_one_short_printable_line(tmp_path, fake) -> None:
    result = json.dumps({"verdict": "confirmed", "evidence": HOSTILE})
    env = runtime_env(tmp_path, fake, FAKE_WORKER_RESULT=result)
    out = _flake8("--losslint-runtime", str(PROBED), env=env)
    (line,) = out.stdout.splitlines()
    assert line.isprintable() and len(line) < 600
    assert "\x1b" not in line and "E999 fake finding" in line  # the text is there, inert, on the finding's line
    assert re.search(r"\. TensorFlow 9\.9\.9 x fixtures/fake\.py:1:1: E999 fake finding red y+\.\.\.$", line), line


# -- the cache -----------------------------------------------------------------
def _entry(folder: Path, digest: str, **fields) -> Path:
    entry = {"schema": 2, "key": digest, "verdict": "refuted", "evidence": "forged", "tensorflow": "9.9.9"}
    entry.update(fields)
    path = folder / f"{digest}.json"
    path.write_text(json.dumps(entry), encoding="utf-8")
    path.chmod(0o600)
    return path


def _cache_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "cache" / "runtime"
    folder.mkdir(parents=True, mode=0o700)
    return folder


def test_a_trusted_entry_answers_without_a_worker(inprocess, tmp_path) -> None:
    from flake8_losslint.runtime import client

    (report,) = _reports()
    folder = _cache_folder(tmp_path)
    _entry(folder, _digest(inprocess, report), verdict="confirmed", evidence="raises CachedError: from the cache")
    (out,) = inprocess.confirm([report], inprocess.Settings())
    assert out.evidence == "TensorFlow 9.9.9 raises CachedError: from the cache."
    assert client.starts == 0


def _forge(kind: str, folder: Path, digest: str, elsewhere: Path) -> None:
    if kind == "wrong schema":
        _entry(folder, digest, schema=1)
    elif kind == "another probe's entry":
        _entry(folder, digest, key="0" * 64)
    elif kind == "group-writable":
        _entry(folder, digest).chmod(0o620)
    elif kind == "another user's":
        os.chown(_entry(folder, digest), 65534, 65534)
    elif kind == "symlink":
        target = _entry(elsewhere, digest)
        (folder / f"{digest}.json").symlink_to(target)
    elif kind == "unknown verdict":
        _entry(folder, digest, verdict="dropped")
    elif kind == "nested 100,000 deep":
        (folder / f"{digest}.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif kind == "nested 5,000 deep":  # small enough to read, too deep to parse
        (folder / f"{digest}.json").write_text("[" * 5_000 + "]" * 5_000, encoding="utf-8")
    elif kind == "not JSON":
        (folder / f"{digest}.json").write_bytes(b"\xff\xfe{")
    elif kind == "fifo":
        os.mkfifo(folder / f"{digest}.json")


FORGERIES = [
    "wrong schema",
    "another probe's entry",
    "group-writable",
    pytest.param("another user's", marks=pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")),
    "symlink",
    "unknown verdict",
    "nested 100,000 deep",
    "nested 5,000 deep",
    "not JSON",
    "fifo",
]


@pytest.mark.parametrize("kind", FORGERIES)
def test_a_forged_or_broken_entry_is_ignored_and_rewritten(inprocess, tmp_path, kind) -> None:
    from flake8_losslint.runtime import cache

    (report,) = _reports()
    digest = _digest(inprocess, report)
    folder = _cache_folder(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _forge(kind, folder, digest, elsewhere)

    done = []
    settings = inprocess.Settings()
    thread = threading.Thread(target=lambda: done.append(inprocess.confirm([report], settings)), daemon=True)
    thread.start()
    thread.join(30)  # a FIFO opened for reading would block here forever
    assert done, "confirm() blocked on the cache entry"
    (out,) = done[0]
    assert out.evidence == "TensorFlow 9.9.9 raises FakeError: as told."  # not dropped: the worker answered
    assert cache.load(digest) == {
        "schema": 2,
        "key": digest,
        "verdict": "confirmed",
        "evidence": "raises FakeError: as told",
        "tensorflow": "9.9.9",
    }


def test_a_deeply_nested_entry_does_not_silence_flake8(tmp_path, fake) -> None:
    """The issue's reproduction: the entry made json raise RecursionError on every run, and the finding vanished."""
    env = runtime_env(tmp_path / "cache", fake)
    folder = _cache_folder(tmp_path)
    code = (
        "import json, sys\n"
        "from flake8_losslint import runtime\n"
        "from flake8_losslint.engine import analyze\n"
        "from flake8_losslint.runtime import cache, probes\n"
        f"(report,) = analyze(open({str(PROBED)!r}).read())\n"
        "print(cache.key(runtime.versions(), probes.build(report.finding)))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    digest = found.stdout.strip()
    (folder / f"{digest}.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    first = _flake8("--losslint-runtime", str(PROBED), env=env)
    assert first.stderr == "" and ". TensorFlow 9.9.9 raises FakeError: as told." in first.stdout
    assert json.loads((folder / f"{digest}.json").read_text())["verdict"] == "confirmed"


def test_an_untrusted_cache_folder_is_not_used(inprocess, tmp_path, capsys) -> None:
    from flake8_losslint.runtime import client

    (report,) = _reports()
    folder = _cache_folder(tmp_path)
    folder.chmod(0o777)
    _entry(folder, _digest(inprocess, report))  # would drop the finding
    (out,) = inprocess.confirm([report], inprocess.Settings())
    assert out.evidence == "TensorFlow 9.9.9 raises FakeError: as told."
    assert client.starts == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"flake8-losslint: the runtime cache {folder} is not used: it belongs to another user or others can write to it"
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unwritable_cache_says_so_once(tmp_path, fake, jobs) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = runtime_env(blocker, fake)
    files = [str(PROBED), str(FIXTURES / "LL105"), str(FIXTURES / "LL104")]
    result = _flake8("--losslint-runtime", "-j", jobs, *files, env=env)
    assert result.stdout and all(". TensorFlow 9.9.9 raises FakeError" in line for line in result.stdout.splitlines())
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"flake8-losslint: cannot create the runtime cache {blocker}/runtime (")
    assert line.endswith("): results are not kept, so the next run starts TensorFlow again")


def test_a_full_file_size_limit_is_reported_not_swallowed(tmp_path, fake) -> None:
    """EFBIG while writing an entry: one notice, the finding confirmed all the same."""
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    result = _flake8("--losslint-runtime", str(PROBED), env=runtime_env(tmp_path, fake), preexec_fn=small_files)
    assert ". TensorFlow 9.9.9 raises FakeError: as told." in result.stdout
    (line,) = result.stderr.splitlines()
    assert "cannot write the runtime cache" in line and "File too large" in line
