"""Sign-in page (the only page before login)."""

from __future__ import annotations

import streamlit as st

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
        if ctx.sign_in(username, password) is None:
            st.error(ctx.tr("app.login.refused"))
        else:
            st.rerun()
