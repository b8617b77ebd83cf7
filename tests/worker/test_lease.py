"""The worker lease: of two holders one works, expiry hands it over, stale writes are refused.

Runs on every backend (`backend` fixture): two handles on the same data, as two processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from runtime.worker import lease as lease_mod
from runtime.worker.lease import Lease
from tests.conftest import Backend

T0 = datetime(2026, 3, 2, 9, 0)
TTL = timedelta(minutes=3)


def test_one_holder_at_a_time_and_expiry_hands_it_over(backend: Backend) -> None:
    a = Lease(backend.open(), "a", TTL)
    b = Lease(backend.open(), "b", TTL)
    assert a.acquire(T0) and a.held
    assert not b.acquire(T0 + timedelta(seconds=1)) and not b.held
    assert a.acquire(T0 + timedelta(minutes=2))  # renewal moves the expiry on
    assert not b.acquire(T0 + timedelta(minutes=4))  # still inside the renewed lease
    # a stops renewing (killed): after the expiry b takes over, and a is refused after.
    assert b.acquire(T0 + timedelta(minutes=5, seconds=1))
    assert not a.acquire(T0 + timedelta(minutes=5, seconds=2)) and not a.held
    doc = lease_mod.current(b.repo)
    assert doc is not None and doc["holder"] == "b"
    assert doc["acquired_at"] == "2026-03-02T09:05:01"


def test_release_lets_the_other_worker_in_at_once(backend: Backend) -> None:
    a = Lease(backend.open(), "a", TTL)
    b = Lease(backend.open(), "b", TTL)
    assert a.acquire(T0)
    b.release(T0)  # not b's: changes nothing
    assert not b.acquire(T0)
    a.release(T0 + timedelta(seconds=5))
    assert not a.held
    assert b.acquire(T0 + timedelta(seconds=6))
    a.release(T0 + timedelta(seconds=7))  # a no longer holds it: b keeps it
    assert not a.acquire(T0 + timedelta(seconds=8))


def test_only_the_holder_records_the_tick_status(backend: Backend) -> None:
    a = Lease(backend.open(), "a", TTL)
    b = Lease(backend.open(), "b", TTL)
    assert a.acquire(T0)
    assert a.record({"tick": {"events": 3}}, T0 + timedelta(seconds=1))
    assert not b.record({"tick": {"events": 99}}, T0 + timedelta(seconds=2))
    doc = lease_mod.current(a.repo)
    assert doc is not None
    assert doc["tick"] == {"events": 3} and doc["last_tick_at"] == "2026-03-02T09:00:01"


def test_two_first_documents_the_lowest_id_is_the_lease(backend: Backend) -> None:
    store = backend.open()
    # Two workers starting on an empty store may both insert the first document.
    store.insert(lease_mod.TABLE, {"name": "worker", "holder": None,
                                   "expires_at": lease_mod.NEVER})
    store.insert(lease_mod.TABLE, {"name": "worker", "holder": "ghost",
                                   "expires_at": "2999-01-01T00:00:00"})
    a = Lease(store, "a", TTL)
    b = Lease(backend.open(), "b", TTL)
    assert a.acquire(T0) and not b.acquire(T0)
    first = min(store.find(lease_mod.TABLE, name="worker"), key=lambda d: d["id"])
    assert first["holder"] == "a"


class _Racing:
    """A repository whose next lease update is beaten by another holder (a lost CAS)."""

    def __init__(self, repo: Any, rival: Lease, at: datetime) -> None:
        self.repo, self.rival, self.at, self.armed = repo, rival, at, True

    def update(self, *args: Any, **kwargs: Any) -> Any:
        if self.armed:
            self.armed = False
            assert self.rival.acquire(self.at)  # the rival's swap lands first
        return self.repo.update(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repo, name)


def test_a_lost_compare_and_swap_means_not_held(backend: Backend) -> None:
    b = Lease(backend.open(), "b", TTL)
    racing = _Racing(backend.open(), b, T0)
    a = Lease(racing, "a", TTL)  # type: ignore[arg-type]
    assert Lease(backend.open(), "seed", TTL).acquire(T0 - timedelta(hours=1))  # expired
    assert not a.acquire(T0) and not a.held  # b read the same revision and won
    assert b.held
    doc = lease_mod.current(b.repo)
    assert doc is not None and doc["holder"] == "b"
