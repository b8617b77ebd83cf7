"""One delivery pass over the outbox: due entries → their channel → sent, retry or failed.

In-app entries are delivered exactly once (`inbox.deliver`). External entries are claimed
by compare-and-swap, sent, then marked sent; a crash between send and mark resends after the
claim expires, with the same idempotency key (at-least-once). Entries of one digest period,
recipient and channel are claimed together and sent as one message.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from runtime.notify import dingtalk, inbox, mail, outbox, wecom
from runtime.notify.errors import DeliveryError
from runtime.notify.plan import EMAIL, INBOX, ROLE_PREFIX
from runtime.notify.render import Rendered, render, render_digest
from runtime.store import Repository

USERS = "users"
Trace = Callable[[str], None]


@dataclass
class DeliveryStats:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by someone else meanwhile
    errors: list[str] = field(default_factory=list)


def _users(repo: Repository) -> dict[str, dict[str, Any]]:
    return {str(d.get("username")): d for d in repo.all(USERS)}


def _send_external(entry: Mapping[str, Any], msg: Rendered, key: str,
                   users: Mapping[str, Mapping[str, Any]], env: Mapping[str, str]) -> None:
    channel = entry.get("channel")
    if channel == EMAIL:
        user = users.get(str(entry.get("recipient")))
        address = (user or {}).get("email")
        if not address:
            raise DeliveryError(f"{entry.get('recipient')} has no e-mail address",
                                permanent=True)
        mail.send(str(address), msg, key, env)
    elif channel == "wecom":
        wecom.send(entry.get("robot") or {}, msg, key, env)
    elif channel == "dingtalk":
        dingtalk.send(entry.get("robot") or {}, msg, key, env)
    else:
        raise DeliveryError(f"unknown channel {channel!r}", permanent=True)


def _lang(entry: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]]) -> str:
    user = users.get(str(entry.get("recipient")))
    lang = (user or {}).get("lang")
    return lang if lang in ("zh", "en") else "zh"


def _digest_key(entries: list[dict[str, Any]]) -> str:
    first = entries[0]
    keys = "\n".join(sorted(str(e["key"]) for e in entries))
    h = hashlib.sha256(keys.encode()).hexdigest()[:16]
    return f"digest/{first.get('digest')}|{first.get('channel')}|{first.get('recipient')}|{h}"


def deliver(repo: Repository, now: datetime, *, holder: str,
            claim_ttl: timedelta = outbox.CLAIM_TTL, limit: int = 500,
            env: Mapping[str, str] | None = None, trace: Trace | None = None) -> DeliveryStats:
    """Deliver every due entry once; returns counts."""
    env = os.environ if env is None else env
    stats = DeliveryStats()
    due = outbox.due(repo, now, limit)
    if not due:
        return stats
    users = _users(repo)
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for entry in due:
        recipient = str(entry.get("recipient") or "")
        if entry.get("channel") == INBOX:
            if recipient.startswith(ROLE_PREFIX):
                outbox.mark_failed(repo, entry, now, f"nobody holds the role "
                                   f"{recipient[len(ROLE_PREFIX):]}", permanent=True)
                stats.failed += 1
                continue
            if trace:
                trace(f"inbox {entry['key']}")
            if inbox.deliver(repo, entry, now):
                stats.sent += 1
            else:
                stats.skipped += 1
            continue
        if entry.get("digest"):
            gkey = (str(entry["digest"]), str(entry.get("channel")), recipient)
            groups.setdefault(gkey, []).append(entry)
            continue
        _one(repo, entry, now, holder, claim_ttl, users, env, stats, trace)
    for members in groups.values():
        _group(repo, members, now, holder, claim_ttl, users, env, stats, trace)
    return stats


def _one(repo: Repository, entry: dict[str, Any], now: datetime, holder: str,
         claim_ttl: timedelta, users: Mapping[str, Mapping[str, Any]],
         env: Mapping[str, str], stats: DeliveryStats, trace: Trace | None) -> None:
    claimed = outbox.claim(repo, entry, now, holder, claim_ttl)
    if claimed is None:
        stats.skipped += 1
        return
    if trace:
        trace(f"claimed {entry['key']}")
    try:
        _send_external(claimed, render(claimed, _lang(claimed, users)), str(claimed["key"]),
                       users, env)
    except DeliveryError as exc:
        status = outbox.mark_failed(repo, claimed, now, str(exc), permanent=exc.permanent)
        stats.failed += status == "failed"
        stats.retried += status == "retry"
        stats.errors.append(f"{claimed['key']}: {outbox.scrub(str(exc))}")
        return
    if trace:
        trace(f"sent {entry['key']}")
    outbox.mark_sent(repo, claimed, now)
    stats.sent += 1
    if trace:
        trace(f"marked {entry['key']}")


def _group(repo: Repository, members: list[dict[str, Any]], now: datetime, holder: str,
           claim_ttl: timedelta, users: Mapping[str, Mapping[str, Any]],
           env: Mapping[str, str], stats: DeliveryStats, trace: Trace | None) -> None:
    claimed: list[dict[str, Any]] = []
    for entry in members:
        got = outbox.claim(repo, entry, now, holder, claim_ttl)
        if got is None:
            stats.skipped += 1
        else:
            claimed.append(got)
    if not claimed:
        return
    key = _digest_key(claimed)
    first = claimed[0]
    msg = (render(first, _lang(first, users)) if len(claimed) == 1
           else render_digest(claimed, _lang(first, users)))
    try:
        _send_external(first, msg, key, users, env)
    except DeliveryError as exc:
        for e in claimed:
            status = outbox.mark_failed(repo, e, now, str(exc), permanent=exc.permanent)
            stats.failed += status == "failed"
            stats.retried += status == "retry"
        stats.errors.append(f"{key}: {outbox.scrub(str(exc))}")
        return
    with repo.transaction():
        for e in claimed:
            outbox.mark_sent(repo, e, now, digest_key=key)
    stats.sent += len(claimed)
