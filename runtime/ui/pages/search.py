"""查询记录: cases and records of the user's properties by number or any text."""

from __future__ import annotations

import streamlit as st

from runtime.store.pages import PAGE_SIZE
from runtime.store.records import Record
from runtime.ui import context as ctx
from runtime.ui.casework import CASE_KEY, case_lines
from runtime.ui.fmt import when_text
from runtime.ui.main import goto
from runtime.ui.records import record_panel

CASE_PAGE = "search_case_page"
RECORD_PAGE = "search_record_page"


def _offset(key: str) -> int:
    """Offset of the first row on the page the user picked (page 1 until they pick)."""
    number = st.session_state.get(key, 1)
    return (int(number) - 1) * PAGE_SIZE if isinstance(number, int) and number > 1 else 0


def _pager(total: int, key: str) -> None:
    """A page picker when there are more matches than one page shows."""
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if pages > 1:
        if int(st.session_state.get(key, 1)) > pages:
            st.session_state[key] = 1
        st.number_input(ctx.tr("app.search.page", pages=pages), min_value=1, max_value=pages,
                        step=1, key=key)


def search_page() -> None:
    """查询记录: cases and records of the user's properties by number or any text.

    Both lists come from the store's page queries (a page of 50 plus the total), restricted
    to the user's properties; personal fields match only for users who may see them.
    """
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.search"))
    text = st.text_input(ctx.tr("app.search.text"), key="search_text",
                         placeholder=ctx.tr("app.search.placeholder"))
    if not text.strip():
        return
    personal = session.caps.sees_personal_data
    lines, total = case_lines(session, status=None, text=text, offset=_offset(CASE_PAGE),
                              limit=PAGE_SIZE)
    if not lines and total:  # a new search with fewer pages than the page picked
        st.session_state[CASE_PAGE] = 1
        lines, total = case_lines(session, status=None, text=text, limit=PAGE_SIZE)
    st.markdown(f"#### {ctx.tr('app.search.cases', n=total)}")
    _pager(total, CASE_PAGE)
    for case in lines:
        cols = st.columns([5, 1])
        proc = ctx.handbook(case.property).procedures.get(case.procedure_id)
        cols[0].markdown(f"**{case.number}** · "
                         f"{ctx.title_of(proc.meta) if proc else case.procedure_id} · "
                         f"{ctx.tr('app.case.status.' + case.status)} · "
                         f"{when_text(case.created_at)}")
        if cols[1].button(ctx.tr("app.task.open"), key=f"search_open_{case.id}"):
            goto("case", **{CASE_KEY: case.id})
    store = ctx.store()
    props = session.caps.properties
    page = store.search_records(properties=props, text=text, personal=personal,
                                offset=_offset(RECORD_PAGE), limit=PAGE_SIZE)
    if not page.items and page.total:
        st.session_state[RECORD_PAGE] = 1
        page = store.search_records(properties=props, text=text, personal=personal)
    st.markdown(f"#### {ctx.tr('app.search.records', n=page.total)}")
    _pager(page.total, RECORD_PAGE)
    for doc in page.items:
        rec = Record.from_doc(doc)
        record_panel(session, ctx.handbook(rec.property), rec)
