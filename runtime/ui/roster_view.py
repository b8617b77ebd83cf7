"""值班安排表 on the dashboard: the month's roster from the roles' work patterns (issue 19)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from runtime.engine import calendar as engcal
from runtime.engine import roster as rs
from runtime.ui import context as ctx


def roster_section(props: tuple[str, ...], today: date) -> None:
    """A month picker, the roster table and its CSV; nothing when no role has a pattern."""
    with_pattern = [p for p in props
                    if any(r.work_pattern for r in ctx.handbook(p).roles.values())]
    if not with_pattern:
        return
    st.subheader(ctx.tr("app.roster.title"))
    hb0 = ctx.handbook(None)
    cols = st.columns(2)
    pid = with_pattern[0] if len(with_pattern) == 1 else cols[0].selectbox(
        ctx.tr("app.col.property"), with_pattern, key="roster_prop",
        format_func=lambda p: ctx.title_of(hb0.properties[p].meta))
    month = cols[1].date_input(ctx.tr("app.roster.month"), value=today.replace(day=1),
                               key="roster_month")
    month = month if isinstance(month, date) else today
    hb = ctx.handbook(pid)
    table = rs.month_roster(hb, engcal.for_handbook(hb), month.year, month.month)
    rows = rs.to_rows(table)
    st.dataframe([dict(zip(rows[0], r, strict=True)) for r in rows[1:]], hide_index=True,
                 width="stretch")
    st.caption(" · ".join(f"{code}: {meaning}" for code, meaning in table.legend))
    st.download_button(ctx.tr("app.roster.csv"), ("\ufeff" + rs.to_csv(table)).encode("utf-8"),
                       file_name=f"roster-{pid}-{month:%Y-%m}.csv", mime="text/csv",
                       key="roster_csv")
