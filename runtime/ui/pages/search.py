"""查询记录: cases and records of the user's properties by number or any text."""

from __future__ import annotations

import streamlit as st

from runtime.store.records import search_records
from runtime.ui import context as ctx
from runtime.ui.casework import CASE_KEY, visible_cases
from runtime.ui.fmt import when_text
from runtime.ui.main import goto
from runtime.ui.records import contains, masked_data, record_panel, searchable


def search_page() -> None:
    """查询记录: cases and records of the user's properties by number or any text."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.search"))
    text = st.text_input(ctx.tr("app.search.text"), key="search_text",
                         placeholder=ctx.tr("app.search.placeholder"))
    if not text.strip():
        return
    needle = text.strip().casefold()
    hits = []
    for case in visible_cases(session, status=None):
        if needle in case.number.casefold() or contains(searchable(session, case), needle):
            hits.append(case)
    st.markdown(f"#### {ctx.tr('app.search.cases', n=len(hits))}")
    for case in hits[:50]:
        cols = st.columns([5, 1])
        proc = ctx.handbook(case.property).procedures.get(case.procedure_id)
        cols[0].markdown(f"**{case.number}** · "
                         f"{ctx.title_of(proc.meta) if proc else case.procedure_id} · "
                         f"{ctx.tr('app.case.status.' + case.status)} · "
                         f"{when_text(case.created_at)}")
        if cols[1].button(ctx.tr("app.task.open"), key=f"search_open_{case.id}"):
            goto("case", **{CASE_KEY: case.id})
    records = []
    for pid in session.caps.properties:
        found = search_records(ctx.store(), text, property=pid, limit=50)
        if not session.caps.sees_personal_data:
            # Searching by a masked phone number would reveal it: match unmasked fields only.
            found = [r for r in found if needle in r.number.casefold() or contains(
                masked_data(session, ctx.handbook(r.property).forms.get(r.form_id), r.data),
                needle)]
        records += found
    st.markdown(f"#### {ctx.tr('app.search.records', n=len(records))}")
    for rec in records:
        record_panel(session, ctx.handbook(rec.property), rec)
