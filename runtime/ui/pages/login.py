"""Sign-in page (the only page before login)."""

from __future__ import annotations

import streamlit as st

from runtime import throttle
from runtime.ui import context as ctx


def login_page() -> None:
    """Username and password form; a wrong password is refused with one message."""
    st.title(ctx.tr("app.login.title"))
    st.caption(ctx.tr("app.login.hint"))
    with st.form("login"):
        username = st.text_input(ctx.tr("app.login.username"), key="login_username")
        password = st.text_input(ctx.tr("app.login.password"), type="password",
                                 key="login_password")
        submitted = st.form_submit_button(ctx.tr("app.login.submit"), type="primary")
    if submitted:
        # One answer per result, the same for an unknown name and a wrong password.
        outcome = ctx.sign_in_attempt(username, password)
        if outcome.result is throttle.Result.OK:
            st.rerun()
        elif outcome.result is throttle.Result.WAIT:
            st.error(ctx.tr("sec.login.wait", seconds=outcome.wait_seconds))
        elif outcome.result is throttle.Result.LOCKED and outcome.until is not None:
            st.error(ctx.tr("sec.login.locked", until=outcome.until.strftime("%H:%M")))
        else:
            st.error(ctx.tr("app.login.refused"))
