"""Choose your own password: shown instead of the app to a demo account still on the password
published in the README, unless the app was started as a demo (HANDBOOK_DEMO=1)."""

from __future__ import annotations

import streamlit as st

from runtime import auth
from runtime.ui import context as ctx


def must_change_password(session: ctx.Session) -> bool:
    """Whether this session must choose a new password before anything else."""
    return not auth.demo_mode() and auth.uses_published_password(session.user)


def change_password_page(session: ctx.Session) -> None:
    """The forced password change (the only thing such a session can do, besides sign out)."""
    st.title(ctx.tr("sec.password.title"))
    st.info(ctx.tr("sec.password.why"))
    with st.form("change_password"):
        old = st.text_input(ctx.tr("sec.password.old"), type="password", key="pw_old")
        new = st.text_input(ctx.tr("sec.password.new"), type="password", key="pw_new")
        again = st.text_input(ctx.tr("sec.password.repeat"), type="password", key="pw_again")
        submitted = st.form_submit_button(ctx.tr("sec.password.submit"), type="primary")
    if st.button(ctx.tr("app.logout"), key="pw_logout"):
        ctx.sign_out()
        st.rerun()
    if not submitted:
        return
    if new != again:
        st.error(ctx.tr("sec.password.mismatch"))
        return
    try:
        ctx.users().change_password(session.user.username, old, new)
    except ValueError:
        st.error(ctx.tr("sec.password.refused", min=auth.MIN_PASSWORD))
        return
    st.success(ctx.tr("sec.password.done"))
    st.rerun()
