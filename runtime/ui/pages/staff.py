"""Staff workspace: my tasks, start a case, duty log and handover."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from runtime.compiler import model as m
from runtime.engine.service import TaskView
from runtime.errors import (
    FormValidationError,
    HandbookError,
)
from runtime.forms.widgets import reset_form
from runtime.store.pages import PAGE_SIZE, Page
from runtime.ui import context as ctx
from runtime.ui import formview
from runtime.ui.casework import (
    CASE_KEY,
    FLASH_KEY,
    error_text,
    form_context,
    next_text,
    now,
    step_form,
    step_title,
    visible_cases,
)
from runtime.ui.components import badge, procedure_picker, visible_properties
from runtime.ui.fmt import remaining_text, when_text
from runtime.ui.main import goto
from runtime.versions import acks as read_tasks

TASKS_PAGE = "tasks_page_number"
URGENCY = {"overdue": "overdue", "due-soon": "due_soon", "due": "due", "no-deadline": "none",
           "done": "done"}


def my_tasks(session: ctx.Session, at: datetime, offset: int = 0,
             limit: int | None = PAGE_SIZE) -> tuple[list[TaskView], Page]:
    """One page of the open tasks of the user's roles (unassigned or theirs) in their
    properties, most urgent first, and the page (total, urgency counts of every match)."""
    user = session.user
    return ctx.engine().task_page(at, roles=user.roles, user=user.username,
                                  properties=session.caps.properties, offset=offset,
                                  limit=limit)


def tasks_page() -> None:
    """我的待办: open tasks, coloured by urgency and sorted by deadline (50 per page)."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.tasks"))
    at = now()
    number = st.session_state.get(TASKS_PAGE, 1)
    offset = (number - 1) * PAGE_SIZE if isinstance(number, int) and number > 1 else 0
    views, page = my_tasks(session, at, offset)
    if not views and page.total:  # fewer pages than the one picked (work was done)
        st.session_state[TASKS_PAGE] = 1
        views, page = my_tasks(session, at)
    counts = page.counts
    cols = st.columns(4)
    for col, status in zip(cols, ("overdue", "due_soon", "due", "none"), strict=True):
        col.metric(ctx.tr(f"app.status.{status}"), counts.get(status, 0))
    unread = ctx.store().count(read_tasks.TABLE, username=session.user.username, status="open")
    if unread and st.button(ctx.tr("app.readtask.pending", n=unread), key="tasks_read"):
        goto("ack")
    if not views:
        st.info(ctx.tr("app.tasks.empty"))
        return
    pages = (page.total + PAGE_SIZE - 1) // PAGE_SIZE
    if pages > 1:
        st.number_input(ctx.tr("app.search.page", pages=pages), min_value=1,
                        max_value=pages, step=1, key=TASKS_PAGE)
    hb0 = ctx.handbook(None)
    for v in views:
        task = v.task
        status = URGENCY[v.urgency]
        with st.container(border=True):
            c = st.columns([2, 5, 3, 2])
            c[0].markdown(badge(status))
            prop = hb0.properties.get(task.property or "")
            where = ctx.title_of(prop.meta) if prop else ""
            # The property's own title for the role (中兴: 值班员 (管理处、消防控制中心)).
            c[1].markdown(f"**{task.title}**  \n{ctx.tr('app.task.kind.' + task.kind)} · "
                          f"{ctx.role_title(ctx.handbook(task.property), task.role or '')}"
                          f" · {where}")
            if task.due_at:
                left = (task.due_at - at).total_seconds() / 60
                colour = "red" if status == "overdue" else "orange" if status == "due_soon" \
                    else "green"
                c[2].markdown(f"{ctx.tr('app.col.due')}: {when_text(task.due_at)}  \n"
                              f":{colour}[{remaining_text(left, ctx.lang())}]")
            if task.case_id and c[3].button(ctx.tr("app.task.open"), key=f"open_{task.key}"):
                goto("case", **{CASE_KEY: task.case_id})
            elif task.kind in ("escalation", "schedule") and c[3].button(
                    ctx.tr("app.task.done"), key=f"done_{task.key}"):
                try:
                    ctx.engine().complete_task(task.key, now(), session.user.username)
                except HandbookError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()


def startable(session: ctx.Session, hb: m.Handbook, category: str | None = None,
              ) -> list[m.Procedure]:
    """Procedures whose first step one of the user's roles may do."""
    out = []
    for proc in sorted(hb.procedures.values(), key=lambda p: p.id):
        if category is not None and proc.category != category:
            continue
        try:
            first = proc.step(proc.start)
        except KeyError:
            continue
        if set(first.roles) & set(session.user.roles):
            out.append(proc)
    return out


def _property_for_new_case(session: ctx.Session, key: str) -> str | None:
    props = visible_properties(session)
    if len(props) <= 1:
        return props[0] if props else None
    hb0 = ctx.handbook(None)
    chosen: str = st.selectbox(ctx.tr("app.col.property"), props, key=key,
                               format_func=lambda p: ctx.title_of(hb0.properties[p].meta))
    return chosen


def start_page() -> None:
    """新建登记: pick a procedure, fill its first step's form section, file the case."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.start"))
    pid = _property_for_new_case(session, "start_property")
    hb = session.handbook_for(pid)
    procs = startable(session, hb)
    if not procs:
        st.info(ctx.tr("app.start.none"))
        return
    default = next((i for i, p in enumerate(procs) if p.category == "complaint"), 0)
    proc = procedure_picker(procs, key="start_proc", index=default)
    start_form(session, hb, pid, proc, key=f"start_{proc.id}")


def start_form(session: ctx.Session, hb: m.Handbook, pid: str | None, proc: m.Procedure,
               key: str) -> None:
    """The first step's form of `proc`; on a valid submit, file the case and move it on
    (the case id is left in the session for the case page)."""
    first = proc.step(proc.start)
    form, fields, own = step_form(hb, proc, first)
    if first.instructions:
        st.caption(first.instructions)
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash)
        if st.button(ctx.tr("app.start.open_case"), key=f"{key}__open"):
            goto("case")
    context = form_context(session, pid)
    errors_key = f"{key}__errors"
    data: dict[str, Any] = {}
    if form is not None and fields:
        st.subheader(ctx.title_of(form.meta))
        formview.show_errors(form, st.session_state.get(errors_key, {}))
        data = formview.render(form, key=key, fields=fields, initial={}, context=context,
                               errors=st.session_state.get(errors_key))
    if not st.button(ctx.tr("app.start.submit"), type="primary", key=f"{key}__submit"):
        return
    clean: dict[str, Any] = {}
    if form is not None and fields:
        cleaned, errors = formview.validate(form, data, fields, context)
        if cleaned is None:
            st.session_state[errors_key] = errors
            st.rerun()
        clean = cleaned or {}
    st.session_state.pop(errors_key, None)
    try:
        eng = ctx.engine()
        at = now()
        role = next((r for r in first.roles if r in session.user.roles), None)
        case = eng.start_case(proc.id, pid, {} if own else clean, at, session.user.username,
                              role)
        # Filing the register *is* the first step: complete it so the case moves on to the
        # role that handles it (and shows up in their task list). A step with its own form
        # hands its data over here; the engine saves it as the case's record of that form.
        case = eng.complete_step(case.id, clean if own else {}, at, session.user.username,
                                 step=first.id)
    except FormValidationError as exc:
        st.session_state[errors_key] = dict(exc.errors)
        st.rerun()
    except HandbookError as exc:
        st.error(error_text(exc, hb, proc))
        return
    st.session_state[CASE_KEY] = case.id
    # A clean form for the next caller; the confirmation survives the rerun as a flash.
    reset_form(key)
    st.session_state[FLASH_KEY] = ctx.tr("ws.start.done", number=case.number,
                                         next=next_text(hb, case, at))
    st.rerun()


def duty_page() -> None:
    """值班与交接班: the duty procedures (duty log, handover) of the user's property."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.duty"))
    pid = _property_for_new_case(session, "duty_property")
    hb = session.handbook_for(pid)
    procs = [p for p in hb.procedures.values() if p.category == "duty"]
    if not procs:
        st.info(ctx.tr("app.none"))
        return
    mine = startable(session, hb, "duty")
    tabs = st.tabs([ctx.tr("app.duty.open"), ctx.tr("app.duty.new")])
    with tabs[0]:
        open_cases = [c for c in visible_cases(session)
                      if c.procedure_id in {p.id for p in procs} and c.property == pid]
        if not open_cases:
            st.info(ctx.tr("app.duty.none_open"))
        for c in open_cases:
            cols = st.columns([4, 2])
            cols[0].markdown(f"**{c.number}** · {when_text(c.created_at)} · "
                             f"{step_title(hb, c)}")
            if cols[1].button(ctx.tr("app.task.open"), key=f"duty_open_{c.id}"):
                goto("case", **{CASE_KEY: c.id})
    with tabs[1]:
        if not mine:
            st.info(ctx.tr("app.start.none"))
        else:
            proc = procedure_picker(mine, key="duty_proc")
            start_form(session, hb, pid, proc, key=f"duty_{proc.id}")
