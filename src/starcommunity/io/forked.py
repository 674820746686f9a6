"""Run part of a read in a forked child process, so a 2-core machine reads on both cores.

The child is a copy of this process made by os.fork (on Linux only): it needs no
re-import and inherits what was read so far. It streams its results back through a
pipe, one pickled message at a time, so nothing is held twice in full. Where fork is
missing (Windows), or anything goes wrong in the child, the caller does the work itself:
a child can only make a run faster, never change its result or its error messages.

Parent and child share a list of tasks (Claims): the parent takes from the front, the
child from the back, until they meet. Neither needs to know in advance how fast it is.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Messages from the child: ("part", payload) any number of times, then ("done", None).
# A child that fails sends ("failed", reason) or just dies; either way the parent gets
# no result. Progress goes through a pipe of its own, read by a thread as it comes.
_PART, _DONE, _FAILED = "part", "done", "failed"


def can_fork() -> bool:
    """Linux only: macOS libraries are not all safe after fork, Windows has none."""
    if not sys.platform.startswith("linux"):
        return False
    return os.environ.get("STARCOMMUNITY_NO_FORK", "") in ("", "0")


@dataclass
class ForkedJob:
    """A child process at work; collect() gathers what it sends."""

    pid: int
    pipe: IO[bytes]
    # passes the child's progress messages on as they come (a progress bar), while this
    # process is busy with its own share
    progress_reader: threading.Thread | None = None

    def collect(self) -> list[Any] | None:
        """The parts the child sent, in order; None when it failed or died."""
        parts: list[Any] = []
        result: list[Any] | None = None
        try:
            while True:
                kind, payload = pickle.load(self.pipe)
                if kind == _PART:
                    parts.append(payload)
                else:
                    result = parts if kind == _DONE else None
                    break
        except (EOFError, OSError, pickle.UnpicklingError):
            result = None  # the child died (killed, out of memory): no result
        finally:
            self.pipe.close()
            os.waitpid(self.pid, 0)
            self._join_progress()
            gc.unfreeze()
        return result

    def _join_progress(self) -> None:
        # the child is gone, so its end of the progress pipe is closed: the reader ends
        if self.progress_reader is not None:
            self.progress_reader.join()
            self.progress_reader = None

    def cancel(self) -> None:
        """Stop the child and reap it: the parent failed and will not collect."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.pipe.close()
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self._join_progress()
        gc.unfreeze()


class Sender:
    """What the child's work uses to send progress and the parts of its result."""

    def __init__(self, pipe: IO[bytes], progress_pipe: IO[bytes] | None) -> None:
        self._pipe = pipe
        self._progress_pipe = progress_pipe

    def progress(self, payload: Any) -> None:
        if self._progress_pipe is not None:
            pickle.dump(payload, self._progress_pipe, protocol=5)
            self._progress_pipe.flush()  # shown now, not when a buffer fills

    def part(self, payload: Any) -> None:
        pickle.dump((_PART, payload), self._pipe, protocol=5)


def _pass_on_progress(pipe: IO[bytes], on_progress: Callable[[Any], None]) -> None:
    with pipe:
        while True:
            try:
                payload = pickle.load(pipe)
            except (EOFError, OSError, pickle.UnpicklingError):
                return  # the child is done (or gone)
            with contextlib.suppress(Exception):  # a progress bar must not stop a run
                on_progress(payload)


def start(
    work: Callable[[Sender], None], on_progress: Callable[[Any], None] | None = None
) -> ForkedJob | None:
    """Fork a child that runs `work(sender)`; None when this system cannot fork.

    When start returns None the caller does the work itself. `on_progress` is called,
    in a thread of this process, with each payload the child sends as progress.
    """
    if not can_fork():
        return None
    # Anything still buffered would be written twice, once by each process.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    progress_ends = os.pipe() if on_progress is not None else None
    read_end, write_end = os.pipe()
    with contextlib.suppress(AttributeError, OSError):  # Linux: 1 MB, not 64 KB, per turn
        import fcntl

        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
    # The collector walks every object it tracks, writing to each: after a fork that
    # would copy every page of the heap the two processes share. Frozen objects are left
    # alone (until collect(): the parent unfreezes them once the child is gone).
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        for end in (read_end, write_end, *(progress_ends or ())):
            os.close(end)
        return None
    if pid == 0:  # the child: never returns
        os.close(read_end)
        progress_pipe = None
        if progress_ends is not None:
            os.close(progress_ends[0])
            progress_pipe = os.fdopen(progress_ends[1], "wb")
        _run_child(work, write_end, progress_pipe)
    os.close(write_end)
    job = ForkedJob(pid=pid, pipe=os.fdopen(read_end, "rb", buffering=1 << 20))
    if progress_ends is not None and on_progress is not None:
        os.close(progress_ends[1])
        job.progress_reader = threading.Thread(
            target=_pass_on_progress,
            args=(os.fdopen(progress_ends[0], "rb"), on_progress),
            daemon=True,
        )
        job.progress_reader.start()
    return job


def _run_child(
    work: Callable[[Sender], None], write_end: int, progress_pipe: IO[bytes] | None
) -> None:
    code = 1
    try:
        with os.fdopen(write_end, "wb", buffering=1 << 20) as pipe:
            try:
                work(Sender(pipe, progress_pipe))
                pickle.dump((_DONE, None), pipe, protocol=5)
                code = 0
            except BaseException as exc:  # the parent redoes the work and reports it
                with contextlib.suppress(BaseException):
                    pickle.dump((_FAILED, repr(exc)), pipe, protocol=5)
    finally:
        # No atexit handlers, no flushing of the parent's streams: they are not ours.
        os._exit(code)


class Claims:
    """Tasks 0..n-1 shared by parent and child: the parent claims from the front, the
    child from the back, each task exactly once. Make it before forking.

    The two counters live in a shared anonymous mmap. The lock is a POSIX record lock
    on an unlinked temporary file: it belongs to a process, so parent and child exclude
    each other through the one inherited descriptor, and the kernel lets it go when its
    holder dies (a child killed while claiming cannot leave the parent waiting).
    """

    _FORMAT = "qq"  # next task from the front, one past the next from the back

    def __init__(self, count: int) -> None:
        import tempfile

        self._memory = mmap.mmap(-1, struct.calcsize(self._FORMAT))  # shared once forked
        struct.pack_into(self._FORMAT, self._memory, 0, 0, count)
        # open as long as the claims are: closed by close()
        self._lock_file = tempfile.TemporaryFile()  # noqa: SIM115

    def _claim(self, from_front: bool) -> int | None:
        import fcntl

        fcntl.lockf(self._lock_file, fcntl.LOCK_EX)  # waits while the other one holds it
        try:
            first, end = struct.unpack_from(self._FORMAT, self._memory)
            if first >= end:
                return None
            if from_front:
                struct.pack_into(self._FORMAT, self._memory, 0, first + 1, end)
                return first
            struct.pack_into(self._FORMAT, self._memory, 0, first, end - 1)
            return end - 1
        finally:
            fcntl.lockf(self._lock_file, fcntl.LOCK_UN)

    def front(self) -> int | None:
        return self._claim(from_front=True)

    def back(self) -> int | None:
        return self._claim(from_front=False)

    def close(self) -> None:
        self._lock_file.close()
        self._memory.close()


def pack_column(values: np.ndarray, *, share: bool = True) -> tuple[str, Any]:
    """A column made cheap to pickle (pickling millions of cells one by one takes
    seconds): text goes as codes and its distinct values joined into one string, each
    distinct value coming back as one shared object, as it was read. Without `share`,
    text of mostly distinct values goes joined as it is: faster to pack and unpack, but
    a value that repeats comes back as a new object each time (at a nation's size,
    names repeating among millions of raters, 300 MB more)."""
    import numpy as np
    import pandas as pd

    if values.dtype != object:
        return "array", values
    if not share and len(values) > 1 and _mostly_distinct(values):
        # mostly distinct (IDs, names): hashing every cell would cost more than it saves
        try:
            joined = "\x00".join(values)
        except TypeError:  # not all text
            return "array", values
        if joined.count("\x00") == len(values) - 1:
            return "joined", (joined, len(values))
        return "array", values  # a value holds NUL itself
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) >= 2**31:
        return "array", values
    distinct = np.asarray(uniques, dtype=object).tolist()
    missing = {type(value) for value in values[codes < 0]} if (codes < 0).any() else set()
    if missing - {type(None)} or not all(type(value) is str for value in distinct):
        return "array", values  # NaN beside None, numbers, dates: pickled as they are
    joined = "\x00".join(distinct)
    if joined.count("\x00") != max(len(distinct) - 1, 0):
        return "array", values  # a value holds NUL itself
    return "text", (codes.astype(np.int32), joined, len(distinct))


def _mostly_distinct(values: np.ndarray) -> bool:
    """More than half the values distinct, both in the first thousand rows and spread
    over all (a sorted column of community IDs looks distinct when spread only)."""
    for sample in (values[:1000], values[:: max(1, len(values) // 1000)]):
        if len(set(sample.tolist())) * 2 <= len(sample):
            return False
    return True


def unpack_column(packed: tuple[str, Any]) -> np.ndarray:
    import numpy as np

    kind, payload = packed
    if kind == "array":
        return payload
    if kind == "joined":
        joined, length = payload
        values = np.empty(length, dtype=object)
        values[:] = joined.split("\x00")
        return values
    codes, joined, count = payload
    distinct = np.empty(count + 1, dtype=object)  # the last one is None, for code -1
    if count:
        distinct[:count] = joined.split("\x00")
    return distinct[codes]
