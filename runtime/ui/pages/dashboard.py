"""Dashboard: cases per procedure and property, the monthly complaint report, call-backs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import streamlit as st

from runtime import reports
from runtime.compiler import model as m
from runtime.ui import charts
from runtime.ui import context as ctx
from runtime.ui.pages.staff import now
from runtime.ui.roster_view import roster_section


def dashboard_page() -> None:
    """统计看板: open / overdue / breached, 客户投诉工作月报 with charts, call-backs."""
    session = ctx.guard("dashboard")
    st.title(ctx.tr("app.page.dashboard"))
    hb0 = ctx.handbook(None)
    props = session.caps.properties
    if len(props) > 1:
        chosen = st.multiselect(ctx.tr("app.col.property"), list(props), default=list(props),
                                key="dash_props",
                                format_func=lambda p: ctx.title_of(hb0.properties[p].meta))
        props = tuple(chosen)
    at = now()
    store = ctx.store()
    # Kept tallies and the month's documents only: the cost does not grow with the history.
    rows = store.case_counts(properties=props, now=at)
    totals = {k: sum(getattr(r, k) for r in rows) for k in ("open", "overdue", "breached",
                                                             "closed")}
    cols = st.columns(4)
    for col, k in zip(cols, ("open", "overdue", "breached", "closed"), strict=True):
        col.metric(ctx.tr(f"app.dash.{k}"), totals[k])

    def proc_title(pid: str | None, proc_id: str) -> str:
        proc = ctx.handbook(pid).procedures.get(proc_id)
        return ctx.title_of(proc.meta) if proc else proc_id

    def prop_title(pid: str | None) -> str:
        prop = hb0.properties.get(pid or "")
        return ctx.title_of(prop.meta) if prop else (pid or "—")

    table = [{ctx.tr("app.col.property"): prop_title(r.property),
              ctx.tr("app.procedure"): proc_title(r.property, r.procedure),
              ctx.tr("app.dash.open"): r.open, ctx.tr("app.dash.overdue"): r.overdue,
              ctx.tr("app.dash.breached"): r.breached, ctx.tr("app.dash.closed"): r.closed}
             for r in rows]
    st.subheader(ctx.tr("app.dash.by_procedure"))
    if table:
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.info(ctx.tr("app.none"))

    st.subheader(ctx.tr("app.dash.monthly"))
    # A month picker that shows months (issue 12 item 5), not a full-date calendar.
    months = month_choices(at.date())
    month = st.selectbox(ctx.tr("app.dash.month"), months, index=0, key="dash_month",
                         format_func=lambda d: f"{d.year}-{d.month:02d}")
    month = month if isinstance(month, date) else months[0]
    complaint_ids = {p.id for pid in props for p in ctx.handbook(pid).procedures.values()
                     if p.category == "complaint"}
    with st.status(ctx.tr("app.report.building"), expanded=False) as status:
        rep = store.monthly_report(properties=props, month=month, procedures=complaint_ids)
        status.update(label=ctx.tr("app.report.built", month=f"{month:%Y-%m}", total=rep.total),
                      state="complete")
    cols = st.columns(4)
    cols[0].metric(ctx.tr("app.dash.received"), rep.total)
    cols[1].metric(ctx.tr("app.dash.handling_rate"), _pct(rep.handling_rate))
    cols[2].metric(ctx.tr("app.dash.on_time_rate"), _pct(rep.on_time_rate))
    cols[3].metric(ctx.tr("app.dash.breached"), rep.breached)
    cols = st.columns(4)
    cols[0].metric(ctx.tr("app.dash.complaints"), rep.complaints)
    cols[1].metric(ctx.tr("app.dash.suggestions"), rep.suggestions)
    cols[2].metric(ctx.tr("app.dash.callback_rate"), _pct(rep.callback_rate),
                   help=f"{rep.callbacks_done} / {rep.callbacks_due}")
    cols[3].metric(ctx.tr("app.dash.satisfaction"), _pct(rep.satisfaction_rate),
                   help=f"{rep.satisfied} / {rep.rated}")
    count_title = ctx.tr("app.dash.axis_count")
    if rep.by_day:
        st.markdown(f"**{ctx.tr('app.dash.per_day')}**")
        per_day = charts.day_bars(month, rep.by_day, day_title=ctx.tr("app.dash.axis_day"),
                                  count_title=count_title)
        st.vega_lite_chart(spec=per_day, width="stretch", height=charts.element_height(per_day))
    form = _complaint_form(props)
    resp = charts.ordered_counts(_labelled(form, "responsibility", rep.by_responsibility))
    chan = charts.ordered_counts(_labelled(form, "channel", rep.by_channel))
    bars = max(len(resp), len(chan))  # both side-by-side charts get the same height
    left, right = st.columns(2)
    for col, counts, key in ((left, resp, "responsibility"), (right, chan, "channel")):
        if counts:
            col.markdown(f"**{ctx.tr(f'app.dash.by_{key}')}**")
            spec = charts.category_bars(counts, category_title=ctx.tr(f"app.dash.axis_{key}"),
                                        count_title=count_title, min_bars=bars)
            col.vega_lite_chart(spec=spec, width="stretch", height=charts.element_height(spec))
    cases = [(prop_title(r.property), proc_title(r.property, r.procedure), r) for r in rows]
    _report_downloads(reports.monthly_document(
        rep, property_title="、".join(prop_title(p) for p in props) or prop_title(None),
        form=form, cases=cases, lang=ctx.lang(), now=at))
    roster_section(props, at.date())  # 值班安排表 when a role has a work pattern (issue 19)


def _complaint_form(props: tuple[str, ...]) -> m.Form | None:
    for pid in props or (None,):
        hb = ctx.handbook(pid)
        for proc in hb.procedures.values():
            form = hb.forms.get(proc.form or "")
            if proc.category == "complaint" and form is not None:
                return form
    return None


def _labelled(form: m.Form | None, field: str, counts: Mapping[str, int]) -> dict[str, int]:
    """Counts keyed by the choice labels of the form (the stored values when unknown)."""
    return reports.choice_labels(form, field, counts, ctx.lang())


def _report_downloads(doc: reports.ReportDocument) -> None:
    """The month's report as a print view, PDF, CSV and XLSX (made when clicked)."""
    cols = st.columns(4)
    for col, (kind, mime, make) in zip(cols, (
            ("html", "text/html", lambda: reports.render_html(doc).encode("utf-8")),
            ("pdf", "application/pdf", lambda: reports.render_pdf(doc)),
            ("csv", "text/csv", lambda: reports.csv_bytes(doc)),
            ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda: reports.xlsx_bytes(doc))), strict=True):
        label = ctx.tr("app.report.print" if kind == "html" else f"app.report.{kind}")
        col.download_button(label, make, file_name=f"{doc.file_stem}.{kind}", mime=mime,
                            key=f"dash_report_{kind}", on_click="ignore")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def month_choices(today: date, count: int = 24) -> list[date]:
    """The first day of this month and the `count - 1` months before it, newest first."""
    out: list[date] = []
    y, mo = today.year, today.month
    for _ in range(max(1, count)):
        out.append(date(y, mo, 1))
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return out
