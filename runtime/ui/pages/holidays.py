"""节假日安排: which calendars lack this or next year's official schedule, and a form that
writes it into a draft as an override (document control publishes it, never this page)."""

from __future__ import annotations

import streamlit as st

from runtime.compiler import model as m
from runtime.errors import HandbookError
from runtime.ui import context as ctx
from runtime.ui import control as control_ui
from runtime.ui.control import show_errors
from runtime.ui.pages.admin import draft_picker
from runtime.versions import holiday_years
from runtime.versions.control import ControlDenied
from runtime.versions.drafts import Conflict, Draft
from runtime.versions.gate import full_check
from runtime.versions.holiday_years import Entry, gaps, has_schedule, parse_entry, with_override
from runtime.workcal import china_exact_years

DRAFT_KEY = "holidays_draft"


def _calendars() -> dict[str, tuple[m.Calendar, str]]:
    """Every calendar of the live tree with its file (rules/...)."""
    out: dict[str, tuple[m.Calendar, str]] = {}
    for view in ctx.compiled().views.values():
        for cal_id, cal in view.calendars.items():
            loc = view.where("calendar", cal_id)
            out.setdefault(cal_id, (cal, loc.file if loc else ""))
    return out


def _source(cal: m.Calendar, year: int) -> str:
    if year in cal.overrides:
        return ctx.tr("calendar.source.override")
    if cal.country is None or cal.country.upper() != "CN":
        return ctx.tr("calendar.source.country")
    key = "package" if has_schedule(cal, year) else "statutory"
    return ctx.tr(f"calendar.source.{key}")


def holidays_page() -> None:
    """节假日安排."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.holidays"))
    years = sorted(china_exact_years())
    st.caption(ctx.tr("calendar.intro", covered=f"{years[0]}-{years[-1]}" if years else "—"))
    today = holiday_years.local_today()  # looked up here, so a test can set the day
    missing = gaps(ctx.compiled(), today)
    for gap in missing:
        st.warning(ctx.tr("calendar.gap", calendar=gap.title, year=gap.year, file=gap.file))
    shown = (today.year, today.year + 1)
    if not missing:
        st.success(ctx.tr("calendar.all_known", years=" / ".join(map(str, shown))))
    calendars = _calendars()
    st.dataframe([{ctx.tr("calendar.col.calendar"): ctx.title_of(cal.meta),
                   ctx.tr("calendar.col.year"): str(year),
                   ctx.tr("calendar.col.source"): _source(cal, year),
                   ctx.tr("calendar.col.holidays"): len(cal.overrides[year].holidays)
                   if year in cal.overrides else "",
                   ctx.tr("calendar.col.workdays"): len(cal.overrides[year].workdays)
                   if year in cal.overrides else ""}
                  for cal, _ in calendars.values() for year in shown], hide_index=True)
    st.subheader(ctx.tr("calendar.form"))
    draft = draft_picker(session, DRAFT_KEY)
    if draft is None or not calendars:
        return
    ids = sorted(calendars)
    cols = st.columns(2)
    cal_id = cols[0].selectbox(ctx.tr("calendar.calendar"), ids, key="holidays_calendar",
                               format_func=lambda i: ctx.title_of(calendars[i][0].meta))
    default_year = missing[0].year if missing else today.year + 1
    year = int(cols[1].number_input(ctx.tr("calendar.year"), min_value=today.year - 1,
                                    max_value=today.year + 5, value=default_year, step=1,
                                    key="holidays_year"))
    holidays_text = st.text_area(ctx.tr("calendar.holidays"), key="holidays_days",
                                 help=ctx.tr("calendar.holidays_help"), height=160,
                                 placeholder=f"{year}-01-01 元旦\n{year}-10-01~{year}-10-07 国庆节")
    workdays_text = st.text_area(ctx.tr("calendar.workdays"), key="holidays_workdays",
                                 help=ctx.tr("calendar.workdays_help"), height=80)
    if st.button(ctx.tr("calendar.save"), type="primary", key="holidays_save"):
        cal, rel = calendars[cal_id]
        entry = parse_entry(year, holidays_text, workdays_text, cal.working_weekdays)
        if entry.problems:
            st.error(ctx.tr("calendar.not_saved", n=len(entry.problems)))
            for key, values in entry.problems:
                st.markdown(f"- {ctx.tr(key, **values)}")
            return
        _save(session, draft, rel, entry, cal.meta.version)


def _save(session: ctx.Session, draft: Draft, rel: str, entry: Entry, live_version: str) -> None:
    """Write the override into the draft's calendar file, then show the one check's result."""
    repo = ctx.drafts()
    text, base = repo.read(draft, rel)
    new = with_override(text, entry, live_version)
    try:
        repo.save(draft, rel, new, base, control_ui.actor(session))
    except Conflict as exc:
        st.error(ctx.tr("app.editor.conflict", path=exc.saved_as))
        return
    except ControlDenied as exc:  # a property's account and the company calendar: why not
        st.error(exc.text(ctx.lang()))
        return
    except HandbookError as exc:
        st.error(str(exc))
        return
    st.success(ctx.tr("calendar.saved", draft=draft.title, n=len(entry.holidays),
                      m=len(entry.workdays)))
    errors = full_check(draft.rules, draft.forms, repo.versions.current(),
                        today=holiday_years.local_today())
    show_errors(errors, rel, new, draft=draft, key="holidays_errors")
