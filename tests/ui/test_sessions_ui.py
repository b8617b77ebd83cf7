"""AppTest: every run checks the session; logout and deactivation end it at once."""

from __future__ import annotations

from dataclasses import replace

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, TIMEOUT, sign_in

LOGIN = "物业客服手册 · 登录"


def _title(at: AppTest) -> str:
    return str(at.title[0].value) if at.title else ""


def _fresh_tab_with(token: str) -> AppTest:
    # A new tab carrying the token (what the browser's cookie does for a real tab).
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_session_token"] = token
    return at.run()


def test_sign_in_starts_a_server_side_session() -> None:
    from runtime.ui import context as ctx

    at = sign_in("frontdesk.zhongxing")
    token = at.session_state["_session_token"]
    assert _title(at) == "我的待办"
    assert ctx.session_store().check(token) is not None
    assert _title(_fresh_tab_with(token)) == "我的待办"


def test_logout_revokes_the_session_everywhere() -> None:
    at = sign_in("frontdesk.zhongxing")
    token = at.session_state["_session_token"]
    at.button(key="logout").click().run()
    assert _title(at) == LOGIN
    assert _title(_fresh_tab_with(token)) == LOGIN


def test_deactivating_a_user_signs_them_out_on_the_next_run() -> None:
    from runtime.ui import context as ctx

    at = sign_in("duty.zhongxing")
    assert _title(at) == "我的待办"
    user = ctx.users().get("duty.zhongxing")
    assert user is not None
    ctx.users().save(replace(user, active=False))
    at.run()
    assert _title(at) == LOGIN


def test_a_made_up_token_is_the_login_page() -> None:
    sign_in("frontdesk.zhongxing")  # the store exists
    assert _title(_fresh_tab_with("v1.made-up.signature")) == LOGIN


def test_people_have_names_and_the_receiver_default_is_the_person() -> None:
    from runtime.ui import context as ctx

    at = sign_in("frontdesk.zhongxing")
    shown = " ".join(str(m.value) for m in at.sidebar.markdown)

    user = ctx.users().get("frontdesk.zhongxing")
    assert user is not None and "（" not in user.name and "(" not in user.name
    assert user.name in shown


def test_the_receiver_on_the_register_is_the_person_and_role_title() -> None:
    from tests.ui.conftest import open_page

    at = open_page(sign_in("frontdesk.zhongxing"), "start")
    from runtime.ui import context as ctx

    user = ctx.users().get("frontdesk.zhongxing")
    assert user is not None
    value = at.text_input(key="start_complaint-handling.received_by").value
    role = ctx.role_title(ctx.handbook("zhongxing-apartments"), "front-desk")
    assert value == f"{user.name}（{role}）"
