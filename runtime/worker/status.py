"""What the admin status page shows: the last tick, whether it is too old, the outbox.

The worker writes each tick's result on the lease document (`lease.Lease.record`); this
reads it back with the outbox counts and failures, and which external channels this process
sees configured (environment variable names only, never their values).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from runtime.compiler import model as m
from runtime.notify import outbox
from runtime.notify.plan import SMTP_HOST_ENV
from runtime.store import Repository
from runtime.worker import lease

STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Channel:
    """An external channel of the rules and whether its environment is set here."""

    name: str  # email, or the robot's id
    kind: str  # email | wecom | dingtalk
    env: str  # the variable that configures it
    configured: bool


@dataclass(frozen=True)
class WorkerStatus:
    """The worker as the status page shows it."""

    last_tick_at: datetime | None
    age: timedelta | None
    holder: str | None
    tick: Mapping[str, Any]
    counts: Mapping[str, int]
    failures: list[dict[str, Any]] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)

    @property
    def never(self) -> bool:
        """No worker has ever finished a tick on this store."""
        return self.last_tick_at is None

    @property
    def stale(self) -> bool:
        """The last tick is older than five minutes (or there was none)."""
        return self.age is None or self.age > STALE_AFTER


def channels(settings: m.Notifications, env: Mapping[str, str] | None = None) -> list[Channel]:
    """E-mail and every robot of the settings, with whether it is configured here."""
    env = os.environ if env is None else env
    out = [Channel("email", "email", SMTP_HOST_ENV, bool(env.get(SMTP_HOST_ENV)))]
    out += [Channel(r.id, r.type, r.url_env, bool(env.get(r.url_env))) for r in settings.robots]
    return out


def read(repo: Repository, now: datetime, settings: m.Notifications | None = None,
         env: Mapping[str, str] | None = None, limit: int = 200) -> WorkerStatus:
    """The status at `now` (local time, like every timestamp in the store)."""
    doc = lease.current(repo) or {}
    last = None
    raw = doc.get("last_tick_at")
    if raw:
        try:
            last = datetime.fromisoformat(str(raw))
        except ValueError:
            last = None
    return WorkerStatus(
        last_tick_at=last, age=(now - last) if last is not None else None,
        holder=doc.get("holder"), tick=doc.get("tick") or {}, counts=outbox.counts(repo),
        failures=outbox.failures(repo, limit),
        channels=channels(settings, env) if settings is not None else [])
