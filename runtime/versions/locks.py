"""Inter-process locks for the shared data directory (versions, drafts).

Several app processes and CLI commands share one data directory, so a `threading.Lock` is not
enough: `file_lock` takes an `fcntl.flock` on a lock file beside the data it guards, plus a
per-path re-entrant thread lock (flock locks belong to an open file description, so a second
`open()` in the same thread would otherwise deadlock on itself).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_GUARD = threading.Lock()
_LOCKS: dict[str, tuple[threading.RLock, list[int]]] = {}


def _local(path: Path) -> tuple[threading.RLock, list[int]]:
    key = str(path.resolve())
    with _GUARD:
        if key not in _LOCKS:
            # [open fd or -1, depth]: the flock is taken once per thread-lock holder.
            _LOCKS[key] = (threading.RLock(), [-1, 0])
        return _LOCKS[key]


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) across processes and threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rlock, state = _local(path)
    with rlock:
        if state[1] == 0:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            state[0] = fd
        state[1] += 1
        try:
            yield
        finally:
            state[1] -= 1
            if state[1] == 0:
                fd, state[0] = state[0], -1
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
