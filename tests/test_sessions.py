"""Sign-in sessions: signed, expiring, idle-limited, revocable; one-time cookie hand-off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runtime import sessions
from runtime.store import open_store


class Clock:
    """A settable clock (tests move time by hand, never sleep)."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[sessions.SessionStore]:
    repo = open_store(tmp_path / "store")
    policy = sessions.Policy(idle=timedelta(minutes=30), lifetime=timedelta(hours=8))
    yield sessions.SessionStore(repo, sessions.load_secret(tmp_path), policy, clock=clock)
    repo.close()


def test_a_new_session_checks_as_its_user(store: sessions.SessionStore) -> None:
    cookie = store.create("frontdesk.zhongxing")
    checked = store.check(cookie)
    assert checked is not None and checked.username == "frontdesk.zhongxing"


@pytest.mark.parametrize("bad", [None, "", "v1", "v1.a.b", "v2.x.y", "x" * 500, "v1.ü.sig",
                                 "v1..", "v1.abc.def.ghi"])
def test_malformed_cookies_sign_nobody_in(store: sessions.SessionStore, bad: str | None) -> None:
    assert store.check(bad) is None


def test_a_forged_signature_is_refused(store: sessions.SessionStore) -> None:
    cookie = store.create("admin.zhongxing")
    version, sid, sig = cookie.split(".")
    forged = f"{version}.{sid}.{'A' * len(sig)}"
    assert store.check(forged) is None
    assert store.check(cookie) is not None


def test_another_secret_does_not_accept_the_cookie(tmp_path: Path, clock: Clock) -> None:
    repo = open_store(tmp_path / "s2")
    try:
        one = sessions.SessionStore(repo, b"1" * 32, clock=clock)
        two = sessions.SessionStore(repo, b"2" * 32, clock=clock)
        assert two.check(one.create("duty.zhongxing")) is None
    finally:
        repo.close()


def test_idle_timeout_and_activity(store: sessions.SessionStore, clock: Clock) -> None:
    cookie = store.create("assistant.zhongxing")
    clock.at += timedelta(minutes=20)
    assert store.check(cookie) is not None  # activity: last seen moves on
    clock.at += timedelta(minutes=20)
    assert store.check(cookie) is not None  # 20 min after the last check, not 40 after start
    clock.at += timedelta(minutes=31)
    assert store.check(cookie) is None


def test_absolute_lifetime_ends_even_an_active_session(store: sessions.SessionStore,
                                                       clock: Clock) -> None:
    cookie = store.create("assistant.zhongxing")
    for _ in range(20):  # active every 25 minutes for more than 8 hours
        clock.at += timedelta(minutes=25)
        ok = store.check(cookie) is not None
    assert not ok


def test_logout_revokes_at_once(store: sessions.SessionStore) -> None:
    cookie = store.create("supervisor.zhongxing")
    other = store.create("supervisor.zhongxing")  # another device
    assert store.revoke(cookie) is True
    assert store.check(cookie) is None
    assert store.revoke(cookie) is False
    assert store.check(other) is not None


def test_revoke_user_ends_every_device(store: sessions.SessionStore) -> None:
    a, b = store.create("duty.zhongxing"), store.create("duty.zhongxing")
    keep = store.create("frontdesk.zhongxing")
    assert store.revoke_user("duty.zhongxing") == 2
    assert store.check(a) is None and store.check(b) is None
    assert store.check(keep) is not None


def test_the_store_keeps_no_usable_cookie(tmp_path: Path, store: sessions.SessionStore) -> None:
    cookie = store.create("admin.zhongxing")
    sid = cookie.split(".")[1]
    rows = store._repo.all(sessions.TABLE)
    assert rows and all(sid not in str(row) for row in rows)


def test_prune_erases_dead_rows(store: sessions.SessionStore, clock: Clock) -> None:
    dead = store.create("a.b")
    live = store.create("c.d")
    store.revoke(dead)
    assert store.prune() == 1
    assert store.check(live) is not None
    clock.at += timedelta(hours=9)
    assert store.prune() == 1


def test_secret_is_made_once_and_private(tmp_path: Path) -> None:
    first = sessions.load_secret(tmp_path / "d")
    assert sessions.load_secret(tmp_path / "d") == first and len(first) == 32
    assert (tmp_path / "d" / sessions.SECRET_FILE).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("env", "idle", "life"), [
    ({}, sessions.DEFAULT_IDLE, sessions.DEFAULT_LIFETIME),
    ({sessions.IDLE_ENV: "15", sessions.LIFETIME_ENV: "1.5"}, timedelta(minutes=15),
     timedelta(hours=1.5)),
    ({sessions.IDLE_ENV: "abc", sessions.LIFETIME_ENV: "-3"}, sessions.DEFAULT_IDLE,
     sessions.DEFAULT_LIFETIME),
])
def test_policy_from_environment(env: dict[str, str], idle: timedelta, life: timedelta) -> None:
    policy = sessions.Policy.from_env(env)
    assert (policy.idle, policy.lifetime) == (idle, life)


def test_handoff_tickets_redeem_once_and_expire() -> None:
    now = [100.0]
    handoff = sessions.Handoff(ttl=60, clock=lambda: now[0])
    ticket = handoff.issue("cookie-value")
    assert handoff.pending(ticket)
    assert handoff.redeem(ticket) == "cookie-value"
    assert handoff.redeemed(ticket) and not handoff.pending(ticket)
    assert handoff.redeem(ticket) is None
    late = handoff.issue("other")
    now[0] += 61
    assert handoff.redeem(late) is None and not handoff.pending(late)
    assert handoff.redeem("never-issued") is None
