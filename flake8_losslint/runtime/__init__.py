"""Runtime mode: confirm or refute each finding by running the real loss in TensorFlow.

Imported only when ``--losslint-runtime`` is on; the static path never loads it.
``confirm(reports, settings)`` turns each finding into a probe (``probes.py``),
answers it from the on-disk cache (``cache.py``) or from a worker process that
imports TensorFlow once (``client.py`` / ``worker.py``), and sets each
report's ``evidence`` (never its message) to one sentence:

- confirmed: ``TensorFlow 2.21.0 raises InvalidArgumentError: ...``;
- refuted: the report is dropped (kept, with ``Refuted: TensorFlow ...``, when verbose);
- no probe, a probe that failed, or no TensorFlow: the report is unchanged
  (verbose: a sentence that says why it was not checked).

Whatever goes wrong in here, the static findings stand: ``confirm`` never
raises (except KeyboardInterrupt); it prints one notice on stderr instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import cache, client, probes
from .text import one_line

__all__ = ["Settings", "confirm", "precheck"]

# The kinds of notice already printed in this run (comma-separated); forked flake8 jobs inherit it.
ENV_NOTICE = "FLAKE8_LOSSLINT_RUNTIME_NOTICE_SHOWN"

_TF_DISTRIBUTIONS = (
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-macos",
    "tensorflow-intel",
    "tf-nightly",
    "tf-nightly-cpu",
)

INSTALL_HINT = "install TensorFlow with: pip install 'flake8-losslint[runtime]' (in a clone: pip install '.[runtime]')"
WITHHELD = "Not checked at runtime: the custom loss runs only with --losslint-runtime-user-code."


@dataclass(frozen=True)
class Settings:
    verbose: bool = False
    user_code: bool = False  # --losslint-runtime-user-code: probes may run a user-defined loss


# Notice kinds, each printed at most once per flake8 run (a bit in the shared flag).
SKIPPED, CACHE, ISOLATION = 1, 2, 4
_KIND_NAMES = {SKIPPED: "skipped", CACHE: "cache", ISOLATION: "isolation"}

# A flag shared with the flake8 jobs forked after precheck(), so that parallel
# jobs print each kind of notice once between them.
_shown: Any = None


def _say_once(kind: int, text: str) -> None:
    name = _KIND_NAMES[kind]
    seen = set(filter(None, os.environ.get(ENV_NOTICE, "").split(",")))
    if name in seen:
        return
    os.environ[ENV_NOTICE] = ",".join(sorted(seen | {name}))
    if _shown is not None:
        with _shown.get_lock():
            if _shown.value & kind:
                return
            _shown.value |= kind
    print(f"flake8-losslint: {one_line(text, 400)}", file=sys.stderr)


def notice(reason: str, install: bool = False) -> None:
    """The one line that says runtime checks did not run, once per flake8 run."""
    tail = f" ({INSTALL_HINT})" if install else ""
    _say_once(SKIPPED, f"runtime checks skipped: {reason}; static findings are reported unchanged{tail}")


def _version(*names: str) -> Optional[str]:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


_versions: Optional[Dict[str, Any]] = None


def versions() -> Dict[str, Any]:
    """Installed TensorFlow/Keras versions (None: not installed) and the worker's code hash.

    Read from package metadata: TensorFlow is not imported.
    """
    global _versions
    if _versions is None:
        digest = hashlib.sha256(client.WORKER.read_bytes())
        digest.update(client.WORKER.with_name("sandbox.py").read_bytes())
        code = digest.hexdigest()[:16]
        _versions = {"tensorflow": _version(*_TF_DISTRIBUTIONS), "keras": _version("keras"), "worker": code}
    return _versions


def _missing() -> bool:
    """TensorFlow is surely absent: not installed here, and no other interpreter runs the worker."""
    return versions()["tensorflow"] is None and not os.environ.get(client.ENV_PYTHON)


def precheck() -> bool:
    """Cheap test in flake8's main process: settings valid, TensorFlow installed?  Says so once if not."""
    global _shown
    try:
        import multiprocessing

        _shown = multiprocessing.Value("i", 0)
    except (ImportError, OSError):  # no shared memory: at worst one notice per job
        _shown = None
    try:
        client.limits()
    except client.InvalidSetting as exc:
        notice(str(exc))
        return False
    if _missing():
        notice("TensorFlow is not installed", install=True)
        return False
    return True


def confirm(reports: List[Any], settings: Settings) -> List[Any]:
    """The reports after runtime confirmation (see the module docstring).

    A probe that runs a user-defined loss takes it from the finding's fact
    (``runnable``: the loss cut out as text by ``facts/extract/runnable.py``).
    """
    try:
        return _confirm(reports, settings)
    except client.InvalidSetting as exc:
        notice(str(exc))
    except Exception as exc:  # noqa: BLE001 - runtime mode must never cost a static finding
        notice(f"runtime confirmation failed ({type(exc).__name__}: {exc})")
    return reports


def _runnable(fact: Any) -> Optional[Dict[str, Any]]:
    """The user-defined loss a fact carries, as the probes take it."""
    loss = getattr(fact, "runnable", None)
    if loss is None:
        return None
    return dict(dataclasses.asdict(loss), constants=list(loss.constants))


def _confirm(reports: List[Any], settings: Settings) -> List[Any]:
    limits = client.limits()
    runnable: Optional[Callable[[Any], Optional[Dict[str, Any]]]] = _runnable if settings.user_code else None
    found: List[Tuple[Any, Optional[Dict[str, Any]]]] = []
    withheld = set()
    for report in reports:
        if not settings.user_code and probes.needs_user_code(report.finding):
            withheld.add(id(report))  # a user-defined loss runs only with its own opt-in
            found.append((report, None))
        else:
            found.append((report, probes.build(report.finding, runnable)))
    if not any(probe for _, probe in found) and not settings.verbose:
        return reports
    if _missing():
        notice("TensorFlow is not installed", install=True)
        return reports
    installed = versions()
    keys = [cache.key(installed, probe) if probe else None for _, probe in found]
    results: Dict[str, Dict[str, Any]] = {}
    missing: Dict[str, Dict[str, Any]] = {}
    use_cache = _cache_usable()
    for digest, (_, probe) in zip(keys, found):
        if digest is None or probe is None or digest in results or digest in missing:
            continue
        hit = cache.load(digest) if use_cache else None
        if hit is not None:
            results[digest] = hit
        else:
            missing[digest] = probe
    deadline = time.monotonic() + limits.file_timeout
    result: Optional[Dict[str, Any]]  # a fresh answer here; below, None for a finding with no result
    for digest, probe in missing.items():
        try:
            answer = client.run(probe, limits, deadline)
        except client.Unavailable as exc:
            notice(str(exc), install=exc.install)
            break
        result = _checked(answer, client.worker_versions().get("tensorflow") or installed["tensorflow"] or "?")
        results[digest] = result
        isolation = answer.get("isolation")
        if isinstance(isolation, str) and isolation:
            _say_once(ISOLATION, isolation)
        # A user loss that failed may have timed out on a busy machine: try again next run.
        runs_user_code = "user" in probe or "wrapper" in probe
        if use_cache and (result["verdict"] != "failed" or not runs_user_code):
            use_cache = _store(digest, result)
    out = []
    for digest, (report, probe) in zip(keys, found):
        result = results.get(digest) if digest else None
        if result is None:
            if not settings.verbose:
                out.append(report)
            elif id(report) in withheld:
                out.append(_tag(report, WITHHELD))
            elif probe is None:
                out.append(_tag(report, "Not checked at runtime: no probe reproduces this finding."))
            else:
                out.append(_tag(report, "Not checked at runtime: runtime checks stopped (see the notice above)."))
            continue
        verdict, version = result["verdict"], result["tensorflow"]
        if verdict == "confirmed":
            out.append(_tag(report, sentence(f"TensorFlow {version} {result['evidence']}")))
        elif verdict == "refuted":
            if settings.verbose:
                out.append(_tag(report, sentence(f"Refuted: TensorFlow {version} {result['evidence']}")))
        else:
            failure = sentence(f"Runtime probe failed: {result['evidence']}")
            out.append(_tag(report, failure) if settings.verbose else report)
    return sorted(out)


def _checked(answer: Dict[str, Any], version: str) -> Dict[str, Any]:
    """A worker's answer as a result: a known verdict and one printable line of evidence."""
    verdict = answer.get("verdict")
    evidence = answer.get("evidence")
    if verdict not in cache.VERDICTS or not isinstance(evidence, str):
        return {"verdict": "failed", "evidence": "the worker's answer had no verdict", "tensorflow": version}
    return {"verdict": verdict, "evidence": one_line(evidence), "tensorflow": one_line(version, 40)}


def _cache_usable() -> bool:
    try:
        cache.check_folder()
    except cache.Untrusted as exc:
        _say_once(CACHE, str(exc))
        return False
    return True


def _store(digest: str, result: Dict[str, Any]) -> bool:
    """Keep ``result``; False (after one notice) when the cache cannot take it."""
    try:
        cache.store(digest, result)
    except (cache.Unwritable, cache.Untrusted) as exc:
        _say_once(CACHE, f"{exc}: results are not kept, so the next run starts TensorFlow again")
        return False
    return True


def sentence(text: str) -> str:
    """One printable line that ends like a sentence."""
    text = one_line(text)
    return text if text.endswith((".", "!", "?")) else text + "."


def _tag(report: Any, text: str) -> Any:
    return dataclasses.replace(report, evidence=text)
