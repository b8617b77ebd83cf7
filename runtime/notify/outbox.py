"""The outbox table: written with the event, claimed by compare-and-swap, retried, never lost.

An entry (see `plan.fan_out`) moves: pending → (sending → sent | retry → … | failed). Every
change is a `Repository.update` with `expected_rev`, so two workers never both claim one
entry; a worker killed while `sending` leaves a claim whose `next_attempt_at` is its expiry,
after which any worker takes it again (at-least-once for external channels; the in-app inbox
is exactly once, see `inbox.py`). Only protocol methods are used: any backend works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from runtime.errors import ConflictError
from runtime.store import Criteria, Repository

OUTBOX = "outbox"
OPEN = frozenset({"pending", "retry", "sending"})
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
CLAIM_TTL = timedelta(minutes=2)
BY = "notify"


def iso(t: datetime) -> str:
    """Timestamps in the outbox: local time, seconds."""
    return t.isoformat(timespec="seconds")


def prepare(repo: Repository) -> None:
    """Indexes the outbox queries use (per process; cheap when already there)."""
    repo.ensure_index(OUTBOX, "key")
    repo.ensure_index(OUTBOX, "status")
    repo.ensure_index(OUTBOX, "next_attempt_at", ordered=True)


def write(repo: Repository, entries: Iterable[Mapping[str, Any]]) -> int:
    """Insert the entries whose key is new; returns how many. Call inside the transaction of
    the event that causes them, so both are saved or neither is."""
    added = 0
    with repo.transaction():
        for e in entries:
            if repo.find(OUTBOX, key=e["key"]):
                continue
            repo.insert(OUTBOX, dict(e))
            added += 1
    return added


def due(repo: Repository, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    """Open entries whose time has come (pending, retry, or an expired claim), oldest first."""
    before = iso(now + timedelta(seconds=1))
    return repo.query(OUTBOX, Criteria(equals={"status": set(OPEN)},
                                       ranges={"next_attempt_at": (None, before)},
                                       order_by="next_attempt_at", limit=limit))


def claim(repo: Repository, entry: Mapping[str, Any], now: datetime, holder: str,
          ttl: timedelta = CLAIM_TTL) -> dict[str, Any] | None:
    """Take an entry for sending (CAS on its revision); None when someone else has it."""
    try:
        return repo.update(OUTBOX, entry["id"], {
            "status": "sending", "attempts": int(entry.get("attempts") or 0) + 1,
            "claimed_by": holder, "next_attempt_at": iso(now + ttl)},
            by=BY, at=iso(now), expected_rev=entry["rev"])
    except ConflictError:
        return None


def mark_sent(repo: Repository, entry: Mapping[str, Any], now: datetime,
              **extra: Any) -> bool:
    """Record a successful send; False when the entry moved on meanwhile (already marked)."""
    try:
        repo.update(OUTBOX, entry["id"], {"status": "sent", "sent_at": iso(now),
                                          "last_error": None, **extra},
                    by=BY, at=iso(now), expected_rev=entry["rev"])
        return True
    except ConflictError:
        return False


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


_SECRETS = re.compile(r"(key|access_token|sign|password|secret)=[^&\s'\"]+", re.I)


def scrub(text: str) -> str:
    """An error text without URL secrets (robot keys, tokens, signatures)."""
    return _SECRETS.sub(r"\1=***", text)[:500]


def mark_failed(repo: Repository, entry: Mapping[str, Any], now: datetime, error: str, *,
                permanent: bool = False) -> str:
    """Schedule a retry with backoff, or give up (`failed`) after MAX_ATTEMPTS or when
    `permanent`; returns the new status ('' when the entry moved on meanwhile)."""
    attempts = int(entry.get("attempts") or 0)
    status = "failed" if permanent or attempts >= MAX_ATTEMPTS else "retry"
    try:
        repo.update(OUTBOX, entry["id"], {
            "status": status, "last_error": scrub(error), "failed_at": iso(now),
            "next_attempt_at": iso(now + backoff(attempts))},
            by=BY, at=iso(now), expected_rev=entry["rev"])
    except ConflictError:
        return ""
    return status


def failures(repo: Repository, limit: int = 200) -> list[dict[str, Any]]:
    """Entries that gave up, then those waiting to retry (for the status page)."""
    failed = repo.query(OUTBOX, Criteria(equals={"status": "failed"}, order_by="failed_at",
                                         descending=True, limit=limit))
    retrying = repo.query(OUTBOX, Criteria(equals={"status": "retry"}, order_by="failed_at",
                                           descending=True, limit=limit))
    return failed + retrying


def counts(repo: Repository) -> dict[str, int]:
    """How many entries are in each state."""
    return {s: repo.count(OUTBOX, status=s)
            for s in ("pending", "sending", "retry", "sent", "failed")}


def retry_now(repo: Repository, entry_id: int, now: datetime, by: str) -> None:
    """An administrator sends a failed entry again (attempts start over)."""
    repo.update(OUTBOX, entry_id, {"status": "retry", "attempts": 0,
                                   "next_attempt_at": iso(now)}, by=by, at=iso(now))
