"""Record components: print / PDF / CSV buttons, record panels, a case's linked records,
and masking helpers for search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from runtime import auth, printing
from runtime.compiler import model as m
from runtime.engine.state import Case
from runtime.errors import (
    HandbookError,
)
from runtime.masking import strip_personal
from runtime.store.records import Record, get_record
from runtime.ui import context as ctx
from runtime.ui.fmt import when_text


def record_for_print(case: Case) -> dict[str, Any]:
    return {"number": case.number, "data": case.data, "created_at": case.created_at.isoformat()}


def print_buttons(session: ctx.Session, hb: m.Handbook, form: m.Form,
                  record: Mapping[str, Any], name: str) -> None:
    """HTML print view, PDF and CSV downloads of one record (generated on click)."""
    prop = hb.property
    title = ctx.title_of(prop.meta) if prop else None
    masked = not session.caps.sees_personal_data
    lang = ctx.lang()
    if st.toggle(ctx.tr("app.print.preview"), key=f"preview_{name}"):
        # The A4 print view inline (sandboxed iframe); the browser's print button prints it.
        html = printing.render_html(hb, form, record, title, lang, mask_personal=masked)
        st.iframe(html, height=900)
    cols = st.columns(3)
    cols[0].download_button(
        ctx.tr("app.print.html"), key=f"html_{name}", file_name=f"{name}.html",
        mime="text/html", on_click="ignore",
        data=lambda: printing.render_html(hb, form, record, title, lang, mask_personal=masked))
    cols[1].download_button(
        ctx.tr("app.print.pdf"), key=f"pdf_{name}", file_name=f"{name}.pdf",
        mime="application/pdf", on_click="ignore",
        data=lambda: printing.render_pdf(hb, form, record, title, lang, mask_personal=masked))
    cols[2].download_button(
        ctx.tr("app.print.csv"), key=f"csv_{name}", file_name=f"{name}.csv", mime="text/csv",
        on_click="ignore", data=lambda: record_csv(form, record, session.caps))


def case_print_buttons(session: ctx.Session, hb: m.Handbook, form: m.Form, case: Case) -> None:
    print_buttons(session, hb, form, record_for_print(case), case.number)


def record_csv(form: m.Form, record: Mapping[str, Any], caps: auth.Capabilities) -> bytes:
    """One record as CSV with Chinese headers, personal data masked as on screen.

    The export module writes it (UTF-8 with BOM for Excel; formula-like cells kept as text).
    """
    from runtime.export import csv_bytes

    masked = {**record, "data": auth.mask_record(record.get("data") or {}, form, caps)}
    return csv_bytes(form, [masked], ctx.lang())


def record_panel(session: ctx.Session, hb: m.Handbook, rec: Record) -> None:
    """One record in an expander: its data (masked as the user must see it), print, export."""
    form = hb.forms.get(rec.form_id)
    title = ctx.title_of(form.meta) if form else rec.form_id
    label = ctx.tr("staff.records.item", form=title, number=rec.number,
                   when=when_text(rec.created_at))
    with st.expander(label):
        if form is not None:
            doc = {"number": rec.number, "data": rec.data, "created_at": rec.created_at}
            st.json(auth.mask_record(rec.data, form, session.caps), expanded=False)
            print_buttons(session, hb, form, doc, rec.number)


def record_number(record_id: str) -> str:
    try:
        return get_record(ctx.store(), int(record_id)).number
    except (HandbookError, ValueError):
        return ""


def linked_records(session: ctx.Session, hb: m.Handbook, case: Case) -> None:
    """The records saved with the case (call-back record, slip, work order...), printable."""
    found: list[Record] = []
    for ref in case.records:
        try:
            found.append(get_record(ctx.store(), int(ref.record_id)))
        except (HandbookError, ValueError):
            continue  # a record from another store (migrated data) is not shown, not fatal
    if not found:
        return
    st.subheader(ctx.tr("staff.records.title"))
    for rec in found:
        record_panel(session, hb, rec)


def masked_data(session: ctx.Session, form: m.Form | None,
                 data: Mapping[str, Any]) -> dict[str, Any]:
    """Record data without the personal values the user may not see (nested rows too), for
    matching a search; with no form known nothing is matched but the number."""
    if session.caps.sees_personal_data:
        return dict(data)
    return strip_personal(form, data) if form is not None else {}


def searchable(session: ctx.Session, case: Case) -> dict[str, Any]:
    proc = ctx.handbook(case.property).procedures.get(case.procedure_id)
    form = ctx.handbook(case.property).forms.get(proc.form) if proc and proc.form else None
    return masked_data(session, form, case.data)


def contains(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value.casefold()
    if isinstance(value, Mapping):
        return any(contains(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, needle) for v in value)
    return False
