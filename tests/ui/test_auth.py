"""Users, password hashes, capabilities from the rules, masking (runtime/auth.py)."""

from __future__ import annotations

import pytest

from runtime import auth
from runtime.compiler import pipeline
from runtime.errors import PermissionDenied
from runtime.store import open_memory_store


@pytest.fixture(scope="module")
def hb():  # type: ignore[no-untyped-def]
    return pipeline.load(property=None, strict=False)


def directory() -> auth.UserDirectory:
    return auth.UserDirectory(auth.StoreUserTable(open_memory_store()))


@pytest.mark.parametrize("password", ["demo1234", "", "密码很长很长", "a" * 500])
def test_hash_roundtrip(password: str) -> None:
    stored = auth.hash_password(password, iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert password not in stored.split("$")[2:]
    assert auth.verify_password(password, stored)
    assert not auth.verify_password(password + "x", stored)


def test_salts_differ() -> None:
    assert auth.hash_password("x", iterations=1000) != auth.hash_password("x", iterations=1000)


@pytest.mark.parametrize("stored", ["", "plain", "md5$1$a$b", "pbkdf2_sha256$x$y$z",
                                    "pbkdf2_sha256$1000$盐$00"])
def test_malformed_hash_never_verifies(stored: str) -> None:
    assert not auth.verify_password("anything", stored)


def test_demo_users_cover_each_property(hb) -> None:  # type: ignore[no-untyped-def]
    demo = auth.demo_users(hb)
    names = {d.user.username for d in demo}
    for pid in hb.properties:
        short = pid.split("-")[0]
        for prefix in ("frontdesk", "assistant", "supervisor", "duty", "trainer", "admin"):
            assert f"{prefix}.{short}" in names
    assert "quality" in names


def test_ensure_demo_users_is_idempotent(hb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HANDBOOK_PBKDF2_ITERATIONS", "1000")
    d = directory()
    first = d.ensure_demo_users(hb)
    assert first and d.ensure_demo_users(hb) == []
    assert len(d.list()) == len(first)
    assert d.authenticate("frontdesk.taoyuan", auth.DEMO_PASSWORD) is not None
    assert d.authenticate("frontdesk.taoyuan", "wrong") is None


@pytest.mark.parametrize(("username", "roles", "password", "ok"), [
    ("ok.user", ("front-desk",), "longenough", True),
    ("x", ("front-desk",), "longenough", False),  # username too short
    ("bad name", ("front-desk",), "longenough", False),
    ("ok.user", (), "longenough", False),  # no role
    ("ok.user", ("front-desk",), "short", False),
    ("ok.user", ("front-desk",), None, False),  # a new user needs a password
])
def test_save_validates(username: str, roles: tuple[str, ...], password: str | None, ok: bool,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDBOOK_PBKDF2_ITERATIONS", "1000")
    d = directory()
    user = auth.User(username, "名字", roles, "taoyuan-village")
    if ok:
        d.save(user, password)
        assert d.authenticate(username, password or "") is not None
    else:
        with pytest.raises(ValueError):
            d.save(user, password)
        assert d.get(username) is None


def test_deactivated_user_cannot_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDBOOK_PBKDF2_ITERATIONS", "1000")
    d = directory()
    user = d.save(auth.User("temp", "临时", ("front-desk",), "taoyuan-village"), "password1")
    d.save(auth.User("temp", "临时", ("front-desk",), "taoyuan-village", active=False))
    assert d.authenticate("temp", "password1") is None
    assert d.get("temp").password_hash == user.password_hash  # type: ignore[union-attr]


@pytest.mark.parametrize(("roles", "prop", "caps", "props"), [
    (("front-desk",), "taoyuan-village", {"staff"}, ("taoyuan-village",)),
    (("office-manager",), "taoyuan-village",
     {"staff", "administer", "train", "dashboard", "control"}, ("taoyuan-village",)),
    # control (the versions page): every role named in document-control
    (("quality-officer",), None, {"staff", "dashboard", "all_properties", "control"}, None),
])
def test_capabilities_come_from_company_access(hb, roles, prop, caps, props) -> None:  # type: ignore[no-untyped-def]
    c = auth.capabilities(auth.User("u", "u", roles, prop), hb)
    assert set(c.allowed) == caps
    assert c.properties == (props if props is not None else tuple(hb.properties))
    for cap in auth.CAPABILITIES:
        if cap in caps:
            assert auth.require(c, cap) is c
        else:
            with pytest.raises(PermissionDenied):
                auth.require(c, cap)


def test_require_refuses_anonymous() -> None:
    with pytest.raises(PermissionDenied):
        auth.require(None, "staff")


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"), ("0510-85123456", "051******3456"), ("12345", "1***5"),
    ("1234", "****"), ("", ""), (None, None),
])
def test_mask(value: str | None, masked: str | None) -> None:
    assert auth.mask(value) == masked


def test_mask_record_follows_role_flag(hb) -> None:  # type: ignore[no-untyped-def]
    form = hb.forms["complaint-register"]
    data = {"phone": "13812345678", "complainant": "张三"}
    quality = auth.capabilities(auth.User("q", "q", ("quality-officer",), None), hb)
    clerk = auth.capabilities(auth.User("c", "c", ("front-desk",), "taoyuan-village"), hb)
    assert auth.mask_record(data, form, quality)["phone"] == "138****5678"
    assert auth.mask_record(data, form, quality)["complainant"] == "张三"
    assert auth.mask_record(data, form, clerk) == data
