"""The in-app inbox channel: one row per person and message, delivered exactly once.

Delivery is one transaction: the outbox entry is marked sent with a compare-and-swap on its
revision, then the inbox row is inserted unless one with the same key exists. Either both
happen or neither does, and a second worker holding the same revision fails the swap, so a
worker killed at any point leaves each message in the inbox exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from runtime.errors import ConflictError, NotFound
from runtime.notify import outbox
from runtime.store import Criteria, Repository

INBOX = "inbox"


def prepare(repo: Repository) -> None:
    """Indexes of the inbox queries."""
    repo.ensure_index(INBOX, "key")
    repo.ensure_index(INBOX, "username")


def deliver(repo: Repository, entry: Mapping[str, Any], now: datetime) -> bool:
    """Put the entry's message in its recipient's inbox; False when already done elsewhere."""
    try:
        with repo.transaction():
            repo.update(outbox.OUTBOX, entry["id"], {
                "status": "sent", "sent_at": outbox.iso(now),
                "attempts": int(entry.get("attempts") or 0) + 1},
                by=outbox.BY, at=outbox.iso(now), expected_rev=entry["rev"])
            if not repo.find(INBOX, key=entry["key"]):
                repo.insert(INBOX, {
                    "key": entry["key"], "username": entry["recipient"], "kind": entry["kind"],
                    "title": entry.get("title"), "title_en": entry.get("title_en"),
                    "number": entry.get("number"), "case_id": entry.get("case_id"),
                    "due_at": entry.get("due_at"), "link": entry.get("link"),
                    "property": entry.get("property"), "at": entry.get("event_at")
                    or entry.get("created_at"), "read": False, "read_at": None})
    except ConflictError:
        return False
    return True


def unread(repo: Repository, username: str) -> int:
    """The bell's number: unread messages of a person."""
    return repo.count(INBOX, username=username, read=False)


def messages(repo: Repository, username: str, *, only_unread: bool = False,
             limit: int = 100) -> list[dict[str, Any]]:
    """A person's messages, newest first."""
    equals: dict[str, Any] = {"username": username}
    if only_unread:
        equals["read"] = False
    return repo.query(INBOX, Criteria(equals=equals, order_by="at", descending=True,
                                      limit=limit))


def mark_read(repo: Repository, message_id: int, username: str, now: datetime) -> None:
    """Mark one message read (only its recipient may)."""
    doc = repo.get(INBOX, message_id)
    if doc.get("username") != username:
        raise NotFound(f"no message {message_id} for {username}")
    if not doc.get("read"):
        repo.update(INBOX, message_id, {"read": True, "read_at": outbox.iso(now)},
                    by=username, at=outbox.iso(now))


def mark_all_read(repo: Repository, username: str, now: datetime) -> int:
    """Mark every unread message of a person read; returns how many."""
    return _mark(repo, messages(repo, username, only_unread=True, limit=10_000), username, now)


def _mark(repo: Repository, docs: list[dict[str, Any]], username: str, now: datetime) -> int:
    with repo.transaction():
        for d in docs:
            repo.update(INBOX, d["id"], {"read": True, "read_at": outbox.iso(now)},
                        by=username, at=outbox.iso(now))
    return len(docs)


def mark_case_read(repo: Repository, username: str, case_id: str, now: datetime) -> int:
    """Mark a person's unread messages about one case read (they opened it from a link)."""
    return _mark(repo, repo.find(INBOX, username=username, case_id=case_id, read=False),
                 username, now)
