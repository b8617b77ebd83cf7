"""Locked accounts for administrators: who is locked after repeated failed sign-ins, until
when, and an unlock button (runtime/throttle.py keeps the counters)."""

from __future__ import annotations

import streamlit as st

from runtime.ui import context as ctx


def locks_panel(may_manage: set[str] | None) -> None:
    """The locked account names; `may_manage` limits which may be unlocked here (None: any).

    A lock is kept per name typed, so names that are no account at all can be locked too;
    they are listed for a company-wide administrator only."""
    locks = ctx.sign_in_throttle().locks()
    if may_manage is not None:
        locks = [lock for lock in locks if lock.name in may_manage]
    st.subheader(ctx.tr("sec.locks.title"))
    if not locks:
        st.caption(ctx.tr("sec.locks.none"))
        return
    for lock in locks:
        cols = st.columns([5, 1])
        cols[0].markdown(ctx.tr("sec.locks.row", name=lock.name, failures=lock.failures,
                                until=lock.until.strftime("%Y-%m-%d %H:%M")))
        if cols[1].button(ctx.tr("sec.locks.unlock"), key=f"unlock_{lock.name}"):
            ctx.sign_in_throttle().unlock(lock.name)
            st.success(ctx.tr("sec.locks.unlocked", name=lock.name))
            st.rerun()
