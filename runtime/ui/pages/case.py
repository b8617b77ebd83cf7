"""办理案件: pick a visible case and work it (components in runtime/ui/casework.py)."""

from __future__ import annotations

import contextlib

import streamlit as st

from runtime.errors import HandbookError
from runtime.store.pages import PAGE_SIZE, CaseLine
from runtime.ui import context as ctx
from runtime.ui.casework import CASE_KEY, case_label, case_lines, render_case, visible_cases

CASE_PARAM = "case"
PICK_KEY = "case_pick"
SEEN_KEY = "_case_param_seen"


def case_page() -> None:
    """办理案件: the case's current step, its form section, transfer / return, comments, log."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.case"))
    cases = visible_cases(session)
    _follow_link(session, cases)
    case_id = st.session_state.get(CASE_KEY)
    ids = [c.id for c in cases]
    if case_id and case_id not in ids:
        ids.insert(0, case_id)
    if not ids:
        st.info(ctx.tr("app.case.none"))
        return
    labels = {c.id: case_label(c) for c in cases}
    if case_id and case_id not in labels:
        # The case just closed (or opened by a link) is no longer among the open ones: label
        # it from the case itself, never with its bare store id.
        with contextlib.suppress(HandbookError):  # a missing case is reported below
            labels[case_id] = case_label(ctx.engine().get_case(case_id))
    # The widget follows CASE_KEY (set by links, the task list and the URL); a pick in the
    # box updates CASE_KEY through the callback before the next run reads it.
    st.session_state[PICK_KEY] = case_id if case_id in ids else ids[0]
    chosen = st.selectbox(ctx.tr("app.case.pick"), ids, key=PICK_KEY,
                          format_func=lambda i: labels.get(i, i), on_change=_picked)
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
    # The URL names the case (by its number), so a reload or a copied link opens it again.
    st.query_params[CASE_PARAM] = case.number
    st.session_state[SEEN_KEY] = case.number
    render_case(session, hb, proc, case)


def _picked() -> None:
    st.session_state[CASE_KEY] = st.session_state.get(PICK_KEY)


def _follow_link(session: ctx.Session, cases: list[CaseLine]) -> None:
    """A new `?case=<number>` in the URL (deep link, reload) chooses that case when the user
    may see it; the number already shown is not new, so the picker keeps working."""
    wanted = st.query_params.get(CASE_PARAM)
    if not wanted or wanted == st.session_state.get(SEEN_KEY):
        return
    hit = next((c for c in cases if c.number == wanted), None)
    if hit is None:  # a closed case: look it up by its number among all the user may see
        found, _ = case_lines(session, status=None, text=wanted, limit=PAGE_SIZE)
        hit = next((c for c in found if c.number == wanted), None)
    if hit is not None:
        st.session_state[CASE_KEY] = hit.id
    st.session_state[SEEN_KEY] = wanted
