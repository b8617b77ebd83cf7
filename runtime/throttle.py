"""Sign-in throttling: growing waits after failed sign-ins, per account and per client, and a
temporary lock (10 failures → 15 minutes) that administrators see and can lift.

Counters are kept per *name typed*, whether or not such an account exists, so an unknown user
and a wrong password get exactly the same answers (refused, wait, locked) and the throttle
cannot be used to find out which accounts exist. A wait is enforced by refusing attempts
until it has passed (the password is then not even checked), never by sleeping a server
thread. State lives in the record store (table `sign_in_throttle`), so it survives restarts
and is shared by every app process on the same data.
"""

from __future__ import annotations

import enum
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runtime import auth

TABLE = "sign_in_throttle"


@dataclass(frozen=True)
class Policy:
    """The numbers; the defaults follow common guidance (OWASP authentication cheat sheet)."""

    free_failures: int = 3  # failures before any wait
    first_wait: float = 2.0  # seconds after the first counted failure; doubles each time
    max_wait: float = 60.0
    lock_after: int = 10  # account failures in a row
    lock_minutes: int = 15
    client_lock_after: int = 50  # one client trying many names
    forget_after_minutes: int = 60  # a quiet hour resets a counter

    @classmethod
    def from_env(cls) -> Policy:
        """The defaults, changed by HANDBOOK_SIGNIN_FIRST_WAIT (seconds; 0 = no waits),
        HANDBOOK_SIGNIN_LOCK_AFTER and HANDBOOK_SIGNIN_LOCK_MINUTES."""
        base = cls()

        def number(name: str, default: float) -> float:
            try:
                value = float(os.environ.get(name, ""))
            except ValueError:
                return default
            return value if value >= 0 else default

        return cls(first_wait=number("HANDBOOK_SIGNIN_FIRST_WAIT", base.first_wait),
                   lock_after=max(1, int(number("HANDBOOK_SIGNIN_LOCK_AFTER", base.lock_after))),
                   lock_minutes=max(1, int(number("HANDBOOK_SIGNIN_LOCK_MINUTES",
                                                  base.lock_minutes))))

    def wait(self, failures: int) -> float:
        """Seconds to wait after `failures` failures in a row."""
        over = failures - self.free_failures
        if over <= 0:
            return 0.0
        return float(min(self.first_wait * 2 ** (over - 1), self.max_wait))


class Result(enum.Enum):
    """What a sign-in attempt came to (the UI shows one message per result)."""

    OK = "ok"
    REFUSED = "refused"  # wrong password or unknown user: the same answer
    WAIT = "wait"  # too many failures just now: try again in `wait_seconds`
    LOCKED = "locked"  # temporarily locked until `until`


@dataclass(frozen=True)
class Outcome:
    """The answer to one attempt."""

    result: Result
    user: auth.User | None = None
    wait_seconds: int = 0
    until: datetime | None = None


@dataclass(frozen=True)
class Lock:
    """A locked account name, for the administrators' list."""

    name: str
    failures: int
    until: datetime
    last_failure: datetime


def _key(kind: str, value: str) -> str:
    return f"{kind}:{value.strip().casefold()}"


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class Throttle:
    """Failure counters on a record-store table; `now` is injectable for tests."""

    def __init__(self, repo: Any, policy: Policy | None = None,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self._repo = repo
        self.policy = policy or Policy.from_env()
        self._clock = clock
        repo.ensure_index(TABLE, "key")

    # ---- state ----------------------------------------------------------------------------

    def _doc(self, key: str) -> dict[str, Any] | None:
        hits = self._repo.find(TABLE, key=key)
        return dict(hits[0]) if hits else None

    def _state(self, key: str, now: datetime) -> dict[str, Any]:
        doc = self._doc(key) or {"key": key, "failures": 0}
        last = _time(doc.get("last_failure"))
        locked = _time(doc.get("locked_until"))
        quiet = last is None or now - last > timedelta(minutes=self.policy.forget_after_minutes)
        expired = locked is not None and locked <= now  # a served lock starts a new count
        if expired or (quiet and locked is None):
            doc.update(failures=0, not_before=None, locked_until=None)
        return doc

    def _save(self, doc: dict[str, Any], now: datetime) -> None:
        existing = self._doc(doc["key"])
        body = {k: v for k, v in doc.items() if k not in ("id", "_rev", "rev")}
        if existing is None:
            self._repo.insert(TABLE, body)
        else:
            self._repo.update(TABLE, existing["id"], body, by="sign-in", at=now)

    def _blocked(self, doc: dict[str, Any], now: datetime) -> Outcome | None:
        locked = _time(doc.get("locked_until"))
        if locked is not None and locked > now:
            return Outcome(Result.LOCKED, until=locked)
        not_before = _time(doc.get("not_before"))
        if not_before is not None and not_before > now:
            return Outcome(Result.WAIT,
                           wait_seconds=max(1, math.ceil((not_before - now).total_seconds())))
        return None

    def _fail(self, doc: dict[str, Any], now: datetime, lock_after: int) -> None:
        failures = int(doc.get("failures") or 0) + 1
        doc["failures"] = failures
        doc["last_failure"] = now.isoformat()
        wait = self.policy.wait(failures)
        doc["not_before"] = (now + timedelta(seconds=wait)).isoformat() if wait else None
        if failures >= lock_after:
            doc["locked_until"] = (now + timedelta(minutes=self.policy.lock_minutes)).isoformat()
        self._save(doc, now)

    # ---- the attempt ----------------------------------------------------------------------

    def pending(self, username: str, client: str = "") -> Outcome | None:
        """The wait or lock an attempt would meet now, without attempting (None: free)."""
        now = self._clock()
        return (self._blocked(self._state(_key("user", username), now), now)
                or self._blocked(self._state(_key("client", client or "unknown"), now), now))

    def attempt(self, directory: auth.UserDirectory, username: str, password: str,
                client: str = "") -> Outcome:
        """Check one sign-in: refused without looking at the password while the account name
        or the client must wait or is locked; otherwise the password decides, and a failure
        counts against both the name and the client."""
        now = self._clock()
        name = _key("user", username)
        who = _key("client", client or "unknown")
        with self._repo.transaction():
            account = self._state(name, now)
            source = self._state(who, now)
            blocked = self._blocked(account, now) or self._blocked(source, now)
        if blocked is not None:
            return blocked
        user = directory.authenticate(username, password)
        with self._repo.transaction():
            account = self._state(name, now)
            source = self._state(who, now)
            if user is None:
                self._fail(account, now, self.policy.lock_after)
                self._fail(source, now, self.policy.client_lock_after)
                blocked = self._blocked(account, now)
                if blocked is not None and blocked.result is Result.LOCKED:
                    return blocked
                return Outcome(Result.REFUSED)
            if account.get("failures"):
                account.update(failures=0, not_before=None, locked_until=None)
                self._save(account, now)
        return Outcome(Result.OK, user=user)

    # ---- administrators -------------------------------------------------------------------

    def locks(self) -> list[Lock]:
        """Account names locked right now, most recent first."""
        now = self._clock()
        out = []
        for doc in self._repo.all(TABLE):
            key = str(doc.get("key", ""))
            until = _time(doc.get("locked_until"))
            if key.startswith("user:") and until is not None and until > now:
                out.append(Lock(key[5:], int(doc.get("failures") or 0), until,
                                _time(doc.get("last_failure")) or now))
        return sorted(out, key=lambda lock: lock.last_failure, reverse=True)

    def unlock(self, username: str) -> bool:
        """Lift the lock and the wait of one account name; False when it was not locked."""
        now = self._clock()
        doc = self._doc(_key("user", username))
        if doc is None or not doc.get("failures"):
            return False
        was_locked = (_time(doc.get("locked_until")) or now) > now
        doc.update(failures=0, not_before=None, locked_until=None)
        self._save(doc, now)
        return was_locked


__all__ = ["TABLE", "Lock", "Outcome", "Policy", "Result", "Throttle"]
