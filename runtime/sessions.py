"""Sign-in sessions that survive a reload: signed, expiring, server-side revocable tokens.

No Streamlit here. A sign-in creates a row in the store's `sessions` table and returns the
cookie value `v1.<sid>.<sig>`: `sid` is 32 random bytes (URL-safe), `sig` an HMAC-SHA256 of
it under the data directory's secret (`session.key`, made on first use, mode 0600). The
table keeps only the SHA-256 of `sid`, so a copy of the store cannot be turned into cookies,
and a cookie whose signature does not verify is refused before the store is read.

Every app run checks the cookie: unknown, revoked, past its absolute lifetime or idle longer
than the idle timeout → signed out. Logging out revokes the row at once; deactivating a user
revokes all their rows (and the app refuses an inactive user on every run anyway).

The browser gets the cookie through a one-time *hand-off ticket* (`Handoff`): Streamlit
cannot set HTTP headers from a script, so the script issues a short-lived single-use ticket
and a same-origin POST from the page exchanges it at the app's own HTTP route
(`runtime/ui/web.py`) for an HttpOnly cookie. The long-lived cookie value is never visible to
page JavaScript and never appears in a URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

COOKIE = "hb_session"
TABLE = "sessions"
VERSION = "v1"
SECRET_FILE = "session.key"
IDLE_ENV = "HANDBOOK_SESSION_IDLE_MINUTES"
LIFETIME_ENV = "HANDBOOK_SESSION_LIFETIME_HOURS"
DEFAULT_IDLE = timedelta(hours=2)  # a front-desk lunch break does not sign anyone out
DEFAULT_LIFETIME = timedelta(hours=12)  # one shift, however active
HANDOFF_TTL = 120.0  # seconds a hand-off ticket stays valid


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _positive(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


@dataclass(frozen=True)
class Policy:
    """How long a session lasts: idle timeout and absolute lifetime."""

    idle: timedelta = DEFAULT_IDLE
    lifetime: timedelta = DEFAULT_LIFETIME

    @property
    def touch_every(self) -> timedelta:
        """How stale `last_seen` may get before a check writes it again (writes are cheap
        but not free on an append-only journal, so not on every rerun)."""
        return min(self.idle / 10, timedelta(minutes=1))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Policy:
        """The policy from $HANDBOOK_SESSION_IDLE_MINUTES / $HANDBOOK_SESSION_LIFETIME_HOURS
        (defaults 120 minutes / 12 hours; a bad value falls back to the default)."""
        source = os.environ if env is None else env
        idle = _positive(source.get(IDLE_ENV))
        life = _positive(source.get(LIFETIME_ENV))
        return cls(idle=timedelta(minutes=idle) if idle else DEFAULT_IDLE,
                   lifetime=timedelta(hours=life) if life else DEFAULT_LIFETIME)


def load_secret(data_dir: Path) -> bytes:
    """The signing secret of a data directory, created (0600) on first use."""
    path = Path(data_dir) / SECRET_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes()
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        raw = path.read_bytes()
    return raw


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Checked:
    """A valid session: who, and the row's key (to revoke it)."""

    username: str
    key: str


class SessionStore:
    """Sessions on a record store's `sessions` table (any runtime.store Repository)."""

    def __init__(self, repo: Any, secret: bytes, policy: Policy | None = None,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        if len(secret) < 16:
            raise ValueError("session secret too short")
        self._repo = repo
        self._secret = secret
        self.policy = policy or Policy()
        self._clock = clock
        repo.ensure_index(TABLE, "key")
        repo.ensure_index(TABLE, "username")

    def _sign(self, sid: str) -> str:
        mac = hmac.new(self._secret, f"{VERSION}.{sid}".encode("ascii"), hashlib.sha256)
        return _b64(mac.digest())

    def _sid(self, cookie: str | None) -> str | None:
        """The sid of a well-formed cookie value whose signature verifies, else None."""
        if not cookie or len(cookie) > 200:
            return None
        parts = cookie.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            return None
        sid, sig = parts[1], parts[2]
        try:
            expected = self._sign(sid)
        except UnicodeEncodeError:
            return None
        return sid if hmac.compare_digest(expected, sig) else None

    def create(self, username: str, user_agent: str = "") -> str:
        """A new session for `username`; returns the cookie value."""
        sid = secrets.token_urlsafe(32)
        at = self._clock()
        self._repo.insert(TABLE, {
            "key": _key(sid), "username": username, "created_at": at.isoformat(),
            "last_seen": at.isoformat(), "expires_at": (at + self.policy.lifetime).isoformat(),
            "revoked_at": None, "user_agent": user_agent[:200],
        })
        return f"{VERSION}.{sid}.{self._sign(sid)}"

    def _row(self, cookie: str | None) -> dict[str, Any] | None:
        sid = self._sid(cookie)
        if sid is None:
            return None
        hits = self._repo.find(TABLE, key=_key(sid))
        return dict(hits[0]) if hits else None

    def check(self, cookie: str | None) -> Checked | None:
        """The session's user when the cookie is valid, unrevoked, unexpired and not idle
        too long (refreshing its last-seen time); None otherwise."""
        row = self._row(cookie)
        if row is None or row.get("revoked_at"):
            return None
        at = self._clock()
        try:
            expires = datetime.fromisoformat(row["expires_at"])
            seen = datetime.fromisoformat(row["last_seen"])
        except (KeyError, TypeError, ValueError):
            return None  # a damaged row signs nobody in
        if at >= expires or at - seen >= self.policy.idle:
            return None
        if at - seen >= self.policy.touch_every:
            self._repo.update(TABLE, row["id"], {"last_seen": at.isoformat()},
                              by=row["username"], at=at)
        return Checked(str(row["username"]), str(row["key"]))

    def revoke(self, cookie: str | None) -> bool:
        """End one session at once (logout); False when there was none to end."""
        row = self._row(cookie)
        if row is None or row.get("revoked_at"):
            return False
        at = self._clock()
        self._repo.update(TABLE, row["id"], {"revoked_at": at.isoformat()},
                          by=row["username"], at=at)
        return True

    def revoke_user(self, username: str) -> int:
        """End every session of a user (deactivation, password change); returns how many."""
        at = self._clock()
        n = 0
        with self._repo.transaction():
            for row in self._repo.find(TABLE, username=username):
                if not row.get("revoked_at"):
                    self._repo.update(TABLE, row["id"], {"revoked_at": at.isoformat()},
                                      by=username, at=at)
                    n += 1
        return n

    def prune(self) -> int:
        """Erase rows that can never sign anyone in again (revoked or expired)."""
        at = self._clock()
        n = 0
        for row in self._repo.all(TABLE):
            try:
                dead = bool(row.get("revoked_at")) or at >= datetime.fromisoformat(
                    row["expires_at"])
            except (KeyError, TypeError, ValueError):
                dead = True
            if dead:
                self._repo.delete(TABLE, row["id"])
                n += 1
        return n


class Handoff:
    """One-time tickets that let the app's HTTP route set the session cookie.

    Process-local on purpose: the Streamlit script and the route run in the same server
    process, and a ticket lives for seconds. Single use; expired tickets are dropped.
    """

    def __init__(self, ttl: float = HANDOFF_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._open: dict[str, tuple[str, float]] = {}
        self._done: dict[str, float] = {}

    def _expire(self, now: float) -> None:
        for table in (self._open, self._done):
            for ticket in [t for t, v in table.items()
                           if (v[1] if isinstance(v, tuple) else v) < now]:
                del table[ticket]

    def issue(self, cookie: str) -> str:
        """A ticket that redeems once for `cookie` within the TTL."""
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._open[ticket] = (cookie, now + self._ttl)
        return ticket

    def redeem(self, ticket: str) -> str | None:
        """The cookie value of an open ticket (once), else None."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            entry = self._open.pop(ticket, None)
            if entry is None:
                return None
            self._done[ticket] = now + self._ttl
            return entry[0]

    def redeemed(self, ticket: str) -> bool:
        """Whether the ticket was exchanged (the page stops offering it)."""
        with self._lock:
            return ticket in self._done

    def pending(self, ticket: str) -> bool:
        """Whether the ticket can still be redeemed."""
        with self._lock:
            self._expire(self._clock())
            return ticket in self._open


HANDOFF = Handoff()  # the server process's one hand-off table (script and route share it)
