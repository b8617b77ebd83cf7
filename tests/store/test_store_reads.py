"""Reads never take the writer's lock: they see the committed state, never a transaction
still waiting for its fsync, and they do not wait for that fsync (issue 13 item 4)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runtime.errors import NotFound, StoreError
from runtime.store.embedded import journal
from runtime.store.embedded.store import Store

WAIT = 120  # generous: the machine may be very busy; never a timing assertion


class _HeldSync:
    """Holds the next journal fsync until released (the disk is 'slow' on purpose)."""

    def __init__(self) -> None:
        self.real = journal._sync_data
        self.armed = threading.Event()
        self.held = threading.Event()
        self.release = threading.Event()

    def __call__(self, fd: int) -> None:
        if self.armed.is_set():
            self.armed.clear()
            self.held.set()
            assert self.release.wait(WAIT)
        self.real(fd)


def _in_thread(fn: Callable[[], Any]) -> Any:
    """fn() in another thread; fails (instead of hanging the run) if it never returns."""
    out: list[Any] = []
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _catch(errors, lambda: out.append(fn())),
                              daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "the read waited for the writer's fsync"
    if errors:
        raise errors[0]
    return out[0]


def test_a_read_during_a_writers_fsync_sees_the_committed_state_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Store(tmp_path)
    first = s.insert("t", {"n": 0, "status": "open"})
    held = _HeldSync()
    monkeypatch.setattr(journal, "_sync_data", held)
    held.armed.set()
    ids: list[int] = []
    writer = threading.Thread(target=lambda: ids.append(
        s.insert("t", {"n": 1, "status": "open"})))
    writer.start()
    assert held.held.wait(WAIT)  # the line is written, its fsync has not returned
    # Another thread reads meanwhile: without waiting, and without the unacknowledged write.
    assert _in_thread(lambda: s.count("t")) == 1
    assert _in_thread(lambda: [d["id"] for d in s.find("t", status="open")]) == [first]
    assert _in_thread(lambda: len(s.db.table("t").search(lambda d: True))) == 1
    with pytest.raises(NotFound):
        _in_thread(lambda: s.get("t", first + 1))
    held.release.set()
    writer.join(WAIT)
    assert ids == [first + 1]
    assert s.count("t") == 2 and s.get("t", first + 1)["n"] == 1
    assert [d["id"] for d in s.find("t", status="open")] == [first, first + 1]
    s.close()


def test_a_failed_fsync_was_never_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    s = Store(tmp_path)
    s.insert("t", {"n": 0})
    seen: list[int] = []

    def failing(fd: int) -> None:
        seen.append(_in_thread(lambda: s.count("t")))  # another thread, mid-commit
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(journal, "_sync_data", failing)
    with pytest.raises(StoreError, match="failed"), s.transaction():
        s.insert("t", {"n": 1})
        s.update("t", 1, {"n": 9}, by="x", at="2026-01-01T00:00:00")
        assert s.count("t") == 2  # this thread sees its own transaction
    assert seen == [1]
    monkeypatch.undo()
    assert s.count("t") == 1 and s.get("t", 1)["n"] == 0
    s.close()
    with Store(tmp_path) as again:
        assert again.count("t") == 1 and again.get("t", 1)["n"] == 0


@pytest.mark.parametrize("batch", [2, journal.HIDE_MAX_OPS + 10])
def test_readers_never_see_half_a_transaction(tmp_path: Path, batch: int) -> None:
    """Each transaction inserts `batch` documents and bumps a counter to their number; a
    reader that ever sees the two disagree saw a transaction half applied or uncommitted."""
    s = Store(tmp_path)
    counter = s.insert("meta", {"docs": 0})
    stop = threading.Event()
    bad: list[str] = []
    reads = [0]

    def reader() -> None:
        while not stop.is_set():
            with s.journal.read_lock():
                docs = s.count("t")
                told = s.get("meta", counter)["docs"]
            if docs != told:
                bad.append(f"{docs} documents, counter {told}")
            reads[0] += 1

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for n in range(1, 16):
            with s.transaction():
                s.insert_many("t", [{"n": n}] * batch)
                s.update("meta", counter, {"docs": n * batch}, by="x",
                         at="2026-01-01T00:00:00")
    finally:
        stop.set()
        for thread in readers:
            thread.join(WAIT)
    assert not bad, bad[:5]
    assert reads[0] > 0
    assert s.count("t") == 15 * batch
    s.close()


def test_a_transaction_cannot_start_inside_a_read(tmp_path: Path) -> None:
    s = Store(tmp_path)
    with s.journal.read_lock(), pytest.raises(StoreError, match="inside a read"):
        s.insert("t", {"n": 1})
    assert s.count("t") == 0
    with s.transaction():  # a read inside a transaction is fine
        s.insert("t", {"n": 1})
        with s.journal.read_lock():
            assert s.count("t") == 1
    s.close()


def test_only_the_transactions_thread_can_stage(tmp_path: Path) -> None:
    s = Store(tmp_path)
    errors: list[BaseException] = []
    with s.transaction():
        s.insert("t", {"n": 1})
        thread = threading.Thread(target=lambda: _catch(errors, lambda: s.journal.stage(
            [("del", "t", 1)])))
        thread.start()
        thread.join(WAIT)
        assert s.journal.in_transaction()
    assert [type(e) for e in errors] == [StoreError]
    assert not s.journal.in_transaction()
    assert s.count("t") == 1
    s.close()


def _catch(errors: list[BaseException], fn: Callable[[], object]) -> None:
    try:
        fn()
    except BaseException as exc:
        errors.append(exc)


def test_a_commit_that_cannot_be_applied_again_reloads_from_the_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Store(tmp_path)
    s.insert("t", {"n": 0})
    real = s.journal._apply
    calls: list[object] = []

    def apply(op: Any) -> None:
        calls.append(op)
        if len(calls) == 3:  # staged twice (insert, update), then applied again after fsync
            raise MemoryError("no memory left")
        real(op)

    monkeypatch.setattr(s.journal, "_apply", apply)
    with pytest.raises(MemoryError), s.transaction():
        s.insert("t", {"n": 1})
        s.update("t", 1, {"n": 5}, by="x", at="2026-01-01T00:00:00")
    monkeypatch.undo()
    # The line is durable, so the transaction happened: the store reloads and shows all of it.
    assert [d["n"] for d in s.all("t")] == [5, 1]
    s.insert("t", {"n": 2})
    s.close()
    with Store(tmp_path) as again:
        assert [d["n"] for d in again.all("t")] == [5, 1, 2]
