"""Runtime mode: confirm or refute each finding by running the real loss in TensorFlow.

Imported only when ``--losslint-runtime`` is on; the static path never loads it.
``confirm(reports, settings)`` turns each finding into a probe (``probes.py``),
answers it from the on-disk cache (``cache.py``) or from a worker process that
imports TensorFlow once (``client.py`` / ``worker.py``), and rewrites the reports:

- confirmed: the message gains ``[confirmed by TensorFlow X.Y.Z: evidence]``;
- refuted: the report is dropped (kept, tagged ``[refuted by ...]``, when verbose);
- no probe, a probe that failed, or no TensorFlow: the report is unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Dict, List, Optional

from . import cache, client, probes

__all__ = ["Settings", "confirm", "precheck"]

# Set once the "runtime checks skipped" line was printed; forked flake8 jobs inherit it.
ENV_NOTICE = "FLAKE8_LOSSLINT_RUNTIME_NOTICE_SHOWN"

_TF_DISTRIBUTIONS = (
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-macos",
    "tensorflow-intel",
    "tf-nightly",
    "tf-nightly-cpu",
)


@dataclass(frozen=True)
class Settings:
    verbose: bool = False
    user_code: bool = False  # --losslint-runtime-user-code: probes may run a user-defined loss


def _runs_user_code(probe: Optional[Dict[str, Any]]) -> bool:
    return bool(probe) and isinstance(probe.get("loss"), dict) and "user" in probe["loss"]  # type: ignore[union-attr]


# A flag shared with the flake8 jobs forked after precheck(), so that parallel
# jobs that each find TensorFlow broken print the notice once between them.
_shown: Any = None


def notice(reason: str) -> None:
    """The one line that says runtime checks did not run, once per flake8 run."""
    if os.environ.get(ENV_NOTICE):
        return
    os.environ[ENV_NOTICE] = "1"
    if _shown is not None:
        with _shown.get_lock():
            if _shown.value:
                return
            _shown.value = 1
    print(
        f"flake8-losslint: runtime checks skipped: {reason}; static findings are reported unchanged "
        f"(install TensorFlow with: pip install 'flake8-losslint[runtime]')",
        file=sys.stderr,
    )


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
        code = hashlib.sha256(client.WORKER.read_bytes()).hexdigest()[:16]
        _versions = {"tensorflow": _version(*_TF_DISTRIBUTIONS), "keras": _version("keras"), "worker": code}
    return _versions


def _missing() -> bool:
    """TensorFlow is surely absent: not installed here, and no other interpreter runs the worker."""
    return versions()["tensorflow"] is None and not os.environ.get(client.ENV_PYTHON)


def precheck() -> bool:
    """Cheap test in flake8's main process: is TensorFlow installed at all?  Says so once if not."""
    global _shown
    try:
        import multiprocessing

        _shown = multiprocessing.Value("b", 0)
    except (ImportError, OSError):  # no shared memory: at worst one notice per job
        _shown = None
    if _missing():
        notice("TensorFlow is not installed")
        return False
    return True


def confirm(reports: List[Any], settings: Settings) -> List[Any]:
    """The reports after runtime confirmation (see the module docstring)."""
    found = [(report, probes.build(report.finding)) for report in reports]
    withheld = set()
    if not settings.user_code:  # a user-defined loss runs only with its own opt-in
        withheld = {id(report) for report, probe in found if _runs_user_code(probe)}
        found = [(report, None if id(report) in withheld else probe) for report, probe in found]
    if not any(probe for _, probe in found) and not settings.verbose:
        return reports
    if _missing():
        notice("TensorFlow is not installed")
        return reports
    installed = versions()
    keys = [cache.key(installed, probe) if probe else None for _, probe in found]
    results: Dict[str, Dict[str, Any]] = {}
    missing: Dict[str, Dict[str, Any]] = {}
    for digest, (_, probe) in zip(keys, found):
        if digest is None or digest in results or digest in missing:
            continue
        hit = cache.load(digest)
        if hit is not None:
            results[digest] = hit
        else:
            missing[digest] = probe  # type: ignore[assignment]
    if missing:
        try:
            answers = client.run(list(missing.values()))
        except client.Unavailable as exc:
            notice(str(exc))
            answers = []
        for digest, answer in zip(missing, answers):
            worker_versions = client.worker_versions()
            answer = dict(answer, tensorflow=worker_versions.get("tensorflow") or installed["tensorflow"])
            results[digest] = answer
            verdict = answer.get("verdict")
            # A user loss that failed may have timed out on a busy machine: try again next run.
            if verdict in ("confirmed", "refuted") or (verdict == "failed" and not _runs_user_code(missing[digest])):
                cache.store(digest, answer)
    out = []
    for digest, (report, probe) in zip(keys, found):
        result = results.get(digest) if digest else None
        if result is None:
            if not settings.verbose:
                out.append(report)
            elif id(report) in withheld:
                out.append(_tag(report, "[custom loss not run: add --losslint-runtime-user-code]"))
            else:
                out.append(_tag(report, "[no runtime probe]" if probe is None else "[not checked at runtime]"))
            continue
        verdict, evidence, version = result.get("verdict"), result.get("evidence", ""), result.get("tensorflow", "?")
        if verdict == "confirmed":
            out.append(_tag(report, f"[confirmed by TensorFlow {version}: {evidence}]"))
        elif verdict == "refuted":
            if settings.verbose:
                out.append(_tag(report, f"[refuted by TensorFlow {version}: {evidence}]"))
        else:
            out.append(_tag(report, f"[runtime probe failed: {evidence}]") if settings.verbose else report)
    return sorted(out)


def _tag(report: Any, text: str) -> Any:
    return dataclasses.replace(report, evidence=text)
