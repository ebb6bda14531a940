"""Files checked in several processes, results given back in the order the files were found.

``run_file`` keeps no state between files and ``Job`` is plain data, so each file can go
to any worker process; ``executor.map`` returns the results in the order of the files,
which makes the output the same as a run in one process.  One process is used when
there is little to share out (a few files), when runtime mode is on (TensorFlow in
every worker would cost more than it saves, and its evidence is cached), and when
the platform cannot start processes.  If a worker dies (killed for memory, say), the
files not yet done are checked in this process: a run never loses a file.

``Progress`` draws "checked 120/900 files" on standard error while a long run goes on,
only when standard error is a terminal.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Iterator, List, Optional, Sequence, Tuple

from .work import FileResult, Job, run_file

# A worker costs a process start and the transfer of each result; below this many files
# per worker, one process is as fast.
MIN_FILES_PER_WORKER = 4

Item = Tuple[str, str, Optional[bytes]]  # path, display name, bytes already read (standard input)


def workers_for(jobs: Optional[int], files: int, job: Job) -> int:
    """How many processes to use: ``jobs`` (None: one per CPU), at most one per few files."""
    if job.runtime is not None:
        return 1
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, files // MIN_FILES_PER_WORKER))


def _one(item: Item, job: Job) -> FileResult:
    path, display, data = item
    return run_file(path, display, data, job)


def run_all(items: Sequence[Item], job: Job, jobs: Optional[int]) -> Iterator[FileResult]:
    """Each file's result, in the order of ``items``."""
    workers = workers_for(jobs, len(items), job)
    done = 0
    if workers > 1:
        chunk = max(1, min(16, len(items) // (workers * 8)))
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for result in pool.map(_one, items, [job] * len(items), chunksize=chunk):
                    done += 1
                    yield result
            return
        except (BrokenProcessPool, OSError, NotImplementedError):
            pass  # a worker died, or processes cannot be started here: carry on in this one
    for item in items[done:]:
        yield _one(item, job)


class Progress:
    """A one-line count on a terminal's standard error, for runs long enough to wonder about."""

    DELAY = 1.0  # seconds before the line first appears
    EVERY = 0.1  # seconds between redraws

    def __init__(self, total: int, stream: IO[str] = sys.stderr) -> None:
        self.total = total
        self.stream = stream
        self.on = total > 1 and _is_terminal(stream) and os.environ.get("TERM") != "dumb"
        self.start = time.monotonic()
        self.drawn = 0.0
        self.shown = False

    def step(self, done: int) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if now - self.start < self.DELAY or now - self.drawn < self.EVERY:
            return
        self.drawn = now
        self.shown = True
        self.stream.write(f"\rlosslint: checked {done}/{self.total} files")
        self.stream.flush()

    def clear(self) -> None:
        """Take the line away (before anything else is written to the terminal, and at the end)."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
            self.drawn = 0.0


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


__all__: List[str] = ["run_all", "workers_for", "Progress", "MIN_FILES_PER_WORKER"]
