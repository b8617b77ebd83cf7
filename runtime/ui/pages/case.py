"""办理案件: pick a visible case and work it (components in runtime/ui/casework.py)."""

from __future__ import annotations

import streamlit as st

from runtime.errors import (
    HandbookError,
)
from runtime.ui import context as ctx
from runtime.ui.casework import CASE_KEY, case_label, render_case, visible_cases


def case_page() -> None:
    """办理案件: the case's current step, its form section, transfer / return, comments, log."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.case"))
    cases = visible_cases(session)
    case_id = st.session_state.get(CASE_KEY)
    ids = [c.id for c in cases]
    if case_id and case_id not in ids:
        ids.insert(0, case_id)
    if not ids:
        st.info(ctx.tr("app.case.none"))
        return
    labels = {c.id: case_label(c) for c in cases}
    chosen = st.selectbox(ctx.tr("app.case.pick"), ids, key="case_pick",
                          index=ids.index(case_id) if case_id in ids else 0,
                          format_func=lambda i: labels.get(i, i))
    st.session_state[CASE_KEY] = chosen
    try:
        case = ctx.engine().get_case(chosen)
    except HandbookError:
        st.error(ctx.tr("app.case.missing"))
        return
    if not session.caps.may_see_property(case.property):
        st.error(ctx.tr("app.denied"))
        return
    hb = ctx.handbook(case.property)
    proc = hb.procedures.get(case.procedure_id)
    render_case(session, hb, proc, case)
