"""AppTest: the lock after repeated failed sign-ins and the administrator's unlock; the same
answers for an unknown name and a wrong password; demo accounts choosing their own password."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, PASSWORD, TIMEOUT, open_page, sign_in

USER = "frontdesk.taoyuan"


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def _try(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    # Waits are proven on a fake clock in tests/test_throttle.py; here only the count matters.
    monkeypatch.setenv("HANDBOOK_SIGNIN_FIRST_WAIT", "0")


def test_lock_after_ten_failures_and_unlock_by_administrator() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for _ in range(9):
        assert "用户名或密码错误。" in _errors(_try(at, USER, "wrong-password"))
    locked = _errors(_try(at, USER, "wrong-password"))
    assert any("暂时锁定" in e for e in locked), locked
    # locked: even the right password is refused, with the same lock message
    assert any("暂时锁定" in e for e in _errors(_try(at, USER, PASSWORD)))
    assert "auth_user" not in at.session_state

    admin = open_page(sign_in("admin.taoyuan"), "users")
    assert not admin.exception
    rows = [str(m.value) for m in admin.markdown]
    assert any(USER in r and "锁定至" in r for r in rows), rows
    admin.button(key=f"unlock_{USER}").click().run()
    assert not admin.exception
    after = [str(m.value) for m in admin.markdown]
    assert not any(USER in r and "锁定至" in r for r in after), after

    again = sign_in(USER)
    assert not _errors(again) and [str(t.value) for t in again.title] == ["我的待办"]


def test_unknown_name_and_wrong_password_answer_alike() -> None:
    wrong = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    unknown = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    for _ in range(10):
        assert _errors(_try(wrong, USER, "wrong-password")) == \
            _errors(_try(unknown, "no.such.person", "wrong-password"))


def test_demo_account_must_choose_a_password_unless_demo_mode(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HANDBOOK_DEMO", raising=False)
    at = sign_in(USER)
    assert [str(t.value) for t in at.title] == ["请设置您自己的密码"]
    at.text_input(key="pw_old").input(PASSWORD)
    at.text_input(key="pw_new").input(PASSWORD)
    at.text_input(key="pw_again").input(PASSWORD)
    at.button[0].click().run()
    assert any("未能修改" in e for e in _errors(at))  # the published one is refused
    at.text_input(key="pw_old").input(PASSWORD)
    at.text_input(key="pw_new").input("my-own-secret")
    at.text_input(key="pw_again").input("my-own-secret")
    at.button[0].click().run()
    assert [str(t.value) for t in at.title] == ["我的待办"]
    assert "用户名或密码错误。" in _errors(sign_in(USER))  # the demo password is gone
    assert [str(t.value) for t in sign_in(USER, "my-own-secret").title] == ["我的待办"]


def test_demo_mode_keeps_the_published_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDBOOK_DEMO", "1")
    assert [str(t.value) for t in sign_in(USER).title] == ["我的待办"]
