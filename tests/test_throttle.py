"""Sign-in throttling (runtime/throttle.py) and argon2 hashes with PBKDF2 upgrade (auth)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from runtime import auth
from runtime.store import open_store
from runtime.throttle import Policy, Result, Throttle

START = datetime(2026, 3, 16, 9, 0)


class Clock:
    """A hand-moved clock: no test here waits for real time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "store")
    directory = auth.UserDirectory(auth.StoreUserTable(store))
    directory.save(auth.User("wang", "王", ("front-desk",), "taoyuan-village"), "right-pass")
    clock = Clock()
    yield directory, Throttle(store, Policy(), clock), clock
    store.close()


def _fail_until_counted(throttle: Throttle, directory: auth.UserDirectory, clock: Clock,
                        name: str, client: str = "c1") -> Result:
    """One counted failure: waits out any wait first (on the fake clock)."""
    while True:
        out = throttle.attempt(directory, name, "wrong", client)
        if out.result is not Result.WAIT:
            return out.result
        clock.advance(out.wait_seconds)


def test_waits_grow_after_the_free_failures(setup) -> None:  # type: ignore[no-untyped-def]
    directory, throttle, clock = setup
    waits = []
    for _ in range(8):
        assert throttle.attempt(directory, "wang", "wrong", "c1").result is Result.REFUSED
        out = throttle.pending("wang", "c1")
        waits.append(out.wait_seconds if out is not None else 0)
        if out is not None:
            assert throttle.attempt(directory, "wang", "wrong", "c1").result is Result.WAIT
            clock.advance(out.wait_seconds)
    assert waits[:3] == [0, 0, 0] and waits[3:] == [2, 4, 8, 16, 32]
    # while waiting even the right password is not checked
    throttle.attempt(directory, "wang", "wrong", "c1")
    assert throttle.attempt(directory, "wang", "right-pass", "c1").result is Result.WAIT


@pytest.mark.parametrize("name", ["wang", "nobody"])
def test_ten_failures_lock_for_fifteen_minutes(setup, name: str) -> None:  # type: ignore[no-untyped-def]
    """An unknown name is locked exactly like a real one: the answers cannot tell them apart."""
    directory, throttle, clock = setup
    results = [_fail_until_counted(throttle, directory, clock, name) for _ in range(10)]
    assert results[:9] == [Result.REFUSED] * 9 and results[9] is Result.LOCKED
    locked = throttle.attempt(directory, name, "right-pass", "c2")
    assert locked.result is Result.LOCKED
    assert locked.until == clock.now + timedelta(minutes=15)
    assert [lock.name for lock in throttle.locks()] == [name]
    clock.advance(15 * 60 + 1)
    expected = Result.OK if name == "wang" else Result.REFUSED
    assert throttle.attempt(directory, name, "right-pass", "c2").result is expected


def test_unknown_and_wrong_give_identical_outcomes(setup) -> None:  # type: ignore[no-untyped-def]
    directory, throttle, _clock = setup
    seen = {}
    for name in ("wang", "nobody"):
        seq = []
        for _ in range(6):
            out = throttle.attempt(directory, name, "wrong", f"client-{name}")
            seq.append((out.result, out.wait_seconds, out.until))
        seen[name] = seq
    assert seen["wang"] == seen["nobody"]


def test_administrator_unlocks(setup) -> None:  # type: ignore[no-untyped-def]
    directory, throttle, clock = setup
    for _ in range(10):
        _fail_until_counted(throttle, directory, clock, "wang")
    assert throttle.attempt(directory, "wang", "right-pass", "c1").result is Result.LOCKED
    assert throttle.unlock("WANG")  # names are matched without case
    assert throttle.locks() == []
    assert throttle.attempt(directory, "wang", "right-pass", "c9").result is Result.OK


def test_one_client_trying_many_names_is_slowed_and_locked(setup) -> None:  # type: ignore[no-untyped-def]
    directory, throttle, clock = setup
    first_wait = None
    for i in range(50):
        out = throttle.attempt(directory, f"user{i}", "wrong", "10.0.0.9")
        if out.result is Result.WAIT and first_wait is None:
            first_wait = i
        clock.advance(out.wait_seconds)
        if out.result is Result.WAIT:
            throttle.attempt(directory, f"user{i}", "wrong", "10.0.0.9")
    assert first_wait is not None and first_wait <= 5
    # another client is not slowed by this one
    assert throttle.attempt(directory, "wang", "right-pass", "10.0.0.1").result is Result.OK


def test_success_resets_the_account_counter(setup) -> None:  # type: ignore[no-untyped-def]
    directory, throttle, clock = setup
    for _ in range(5):
        _fail_until_counted(throttle, directory, clock, "wang")
    clock.advance(60)
    assert throttle.attempt(directory, "wang", "right-pass", "c3").result is Result.OK
    assert throttle.attempt(directory, "wang", "wrong", "c3").result is Result.REFUSED
    assert throttle.attempt(directory, "wang", "wrong", "c3").result is Result.REFUSED


def test_policy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDBOOK_SIGNIN_FIRST_WAIT", "0")
    monkeypatch.setenv("HANDBOOK_SIGNIN_LOCK_AFTER", "3")
    policy = Policy.from_env()
    assert policy.wait(9) == 0 and policy.lock_after == 3 and policy.lock_minutes == 15
    assert Policy().wait(4) == 2 and Policy().wait(100) == 60


# ---- hashes ------------------------------------------------------------------------------


def test_new_hashes_are_argon2id() -> None:
    stored = auth.hash_password("secret-1")
    assert stored.startswith("$argon2id$")
    assert auth.verify_password("secret-1", stored)
    assert not auth.verify_password("secret-2", stored)
    assert not auth.needs_rehash(stored)


def test_pbkdf2_hash_is_upgraded_at_the_next_sign_in(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    try:
        table = auth.StoreUserTable(store)
        directory = auth.UserDirectory(table)
        user = directory.save(auth.User("li", "李", ("front-desk",), None), "old-secret")
        legacy = auth.hash_password("old-secret", iterations=1000)
        table.put_user({**user.to_doc(), "password_hash": legacy})
        assert directory.get("li").password_hash == legacy  # type: ignore[union-attr]
        assert directory.authenticate("li", "wrong") is None
        assert directory.get("li").password_hash == legacy  # type: ignore[union-attr]
        assert directory.authenticate("li", "old-secret") is not None
        upgraded = directory.get("li").password_hash  # type: ignore[union-attr]
        assert upgraded.startswith("$argon2id$")
        assert directory.authenticate("li", "old-secret") is not None
    finally:
        store.close()


def test_change_password_refuses_the_demo_one(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    try:
        directory = auth.UserDirectory(auth.StoreUserTable(store))
        directory.save(auth.User("demo.x", "演示", ("front-desk",), None, demo=True),
                       auth.DEMO_PASSWORD)
        assert auth.uses_published_password(directory.get("demo.x"))  # type: ignore[arg-type]
        for old, new in ((auth.DEMO_PASSWORD, auth.DEMO_PASSWORD), ("bad", "new-secret-1"),
                         (auth.DEMO_PASSWORD, "short")):
            with pytest.raises(ValueError):
                directory.change_password("demo.x", old, new)
        directory.change_password("demo.x", auth.DEMO_PASSWORD, "new-secret-1")
        assert not auth.uses_published_password(directory.get("demo.x"))  # type: ignore[arg-type]
    finally:
        store.close()
