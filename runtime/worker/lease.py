"""A lease in the store: of several workers exactly one ticks, the others wait.

One document per lease name in `worker_lease` holds the holder and its expiry. Taking or
renewing it is a `Repository.update` with `expected_rev` (compare-and-swap), so it works on
every backend. If two workers insert the first document at once, the lowest id is the lease
and the others are ignored. Expiry uses the wall clock, never a simulated tick time. The same
document carries the last tick's status for the admin page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.engine.state import local
from runtime.errors import ConflictError
from runtime.store import Repository

TABLE = "worker_lease"
NAME = "worker"
NEVER = "1970-01-01T00:00:00"


def wall_now() -> datetime:
    """The real local time (UTC+8, naive), like every timestamp in the store."""
    return local(datetime.now(UTC))


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def current(repo: Repository, name: str = NAME) -> dict[str, Any] | None:
    """The lease document (with the last tick's status), or None before any worker ran."""
    docs = repo.find(TABLE, name=name)
    return min(docs, key=lambda d: d["id"]) if docs else None


class Lease:
    """One worker's hold on the lease."""

    def __init__(self, repo: Repository, holder: str, ttl: timedelta,
                 name: str = NAME) -> None:
        self.repo = repo
        self.holder = holder
        self.ttl = ttl
        self.name = name
        self.held = False

    def _doc(self) -> dict[str, Any]:
        doc = current(self.repo, self.name)
        if doc is None:
            self.repo.insert(TABLE, {"name": self.name, "holder": None, "expires_at": NEVER})
            doc = current(self.repo, self.name)
        assert doc is not None
        return doc

    def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; False while another live holder has it."""
        now = now or wall_now()
        doc = self._doc()
        mine = doc.get("holder") == self.holder
        if not mine and str(doc.get("expires_at") or NEVER) > _iso(now):
            self.held = False
            return False
        changes: dict[str, Any] = {"holder": self.holder, "expires_at": _iso(now + self.ttl)}
        if not mine:
            changes["acquired_at"] = _iso(now)
        try:
            self.repo.update(TABLE, doc["id"], changes, by=self.holder, at=_iso(now),
                             expected_rev=doc["rev"])
        except ConflictError:
            self.held = False
            return False
        self.held = True
        return True

    def release(self, now: datetime | None = None) -> None:
        """Give the lease up at once (graceful stop), if still ours."""
        now = now or wall_now()
        doc = self._doc()
        if doc.get("holder") != self.holder:
            self.held = False
            return
        with contextlib.suppress(ConflictError):  # someone took it meanwhile: not ours
            self.repo.update(TABLE, doc["id"], {"expires_at": NEVER, "released_at": _iso(now)},
                             by=self.holder, at=_iso(now), expected_rev=doc["rev"])
        self.held = False

    def record(self, status: Mapping[str, Any], now: datetime | None = None) -> bool:
        """Write the last tick's status on the lease (only while ours; CAS)."""
        now = now or wall_now()
        doc = self._doc()
        if doc.get("holder") != self.holder:
            return False
        try:
            self.repo.update(TABLE, doc["id"], {**status, "last_tick_at": _iso(now)},
                             by=self.holder, at=_iso(now), expected_rev=doc["rev"])
        except ConflictError:
            return False
        return True
