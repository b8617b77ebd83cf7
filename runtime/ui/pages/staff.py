"""Staff workspace: my tasks, start a case, work a case, duty log and handover, search, print."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import streamlit as st

from runtime import auth, printing
from runtime.compiler import model as m
from runtime.engine.service import TaskView
from runtime.engine.state import Case, local
from runtime.engine.timeline import Names, describe
from runtime.errors import (
    CaseBlocked,
    ConflictError,
    EngineError,
    FormValidationError,
    HandbookError,
)
from runtime.forms.defaults import FormContext
from runtime.forms.widgets import reset_form
from runtime.store.records import Record, get_record, search_records
from runtime.ui import context as ctx
from runtime.ui import formview
from runtime.ui.components import badge, procedure_picker, visible_properties
from runtime.ui.fmt import remaining_text, when_text
from runtime.ui.main import goto
from runtime.versions import acks as read_tasks

CASE_KEY = "case_id"
FLASH_KEY = "_flash"
RECORD_FLASH_KEY = "_record_flash"
TICK_KEY = "_last_tick"
SCHEDULE_AHEAD = timedelta(days=6)
TICK_EVERY = 60.0  # seconds between clock ticks per session (breaches, escalations)
URGENCY = {"overdue": "overdue", "due-soon": "due_soon", "due": "due", "no-deadline": "none",
           "done": "done"}


def now() -> datetime:
    """The current local (UTC+8, naive) time the engine works in."""
    return local(datetime.now(UTC))


def _tick(session: ctx.Session) -> None:
    # Fire due warnings / breaches / escalations at most once a minute per session, so the
    # task list is current without a rerun paying for a scan of every open case.
    last = st.session_state.get(TICK_KEY, 0.0)
    if time.monotonic() - last < TICK_EVERY:
        return
    st.session_state[TICK_KEY] = time.monotonic()
    at = now()
    planned = _planned()
    for pid in session.caps.properties:
        try:
            ctx.engine().tick(at, pid)
            # Routine work of the coming week (weekly meeting, report by the 25th...) appears
            # on the owners' lists by itself; idempotent, so once a day per process is plenty.
            key = (str(ctx.data_dir()), pid, at.date())
            if key not in planned:
                ctx.engine().run_schedules(pid, at.date(), at.date() + SCHEDULE_AHEAD, at)
                planned.add(key)
        except HandbookError:
            continue  # a case on a retired rule version must not block everyone's list


@st.cache_resource(show_spinner=False)
def _planned() -> set[tuple[str, str, date]]:
    return set()


def my_tasks(session: ctx.Session, at: datetime) -> list[TaskView]:
    """Open tasks of the user's roles (and those assigned to them) in their properties."""
    user = session.user
    views: list[TaskView] = []
    for pid in session.caps.properties:
        views += ctx.engine().tasks(at, roles=user.roles, user=user.username, property=pid)
    far = datetime.max
    views.sort(key=lambda v: (v.task.due_at or far, v.task.key))
    return views


def tasks_page() -> None:
    """我的待办: open tasks, coloured by urgency and sorted by deadline."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.tasks"))
    _tick(session)
    at = now()
    views = my_tasks(session, at)
    counts = {k: 0 for k in ("overdue", "due_soon", "due", "none")}
    for v in views:
        counts[URGENCY[v.urgency]] = counts.get(URGENCY[v.urgency], 0) + 1
    cols = st.columns(4)
    for col, status in zip(cols, ("overdue", "due_soon", "due", "none"), strict=True):
        col.metric(ctx.tr(f"app.status.{status}"), counts[status])
    unread = ctx.store().count(read_tasks.TABLE, username=session.user.username, status="open")
    if unread and st.button(ctx.tr("app.readtask.pending", n=unread), key="tasks_read"):
        goto("ack")
    if not views:
        st.info(ctx.tr("app.tasks.empty"))
        return
    hb0 = ctx.handbook(None)
    for v in views:
        task = v.task
        status = URGENCY[v.urgency]
        with st.container(border=True):
            c = st.columns([2, 5, 3, 2])
            c[0].markdown(badge(status))
            prop = hb0.properties.get(task.property or "")
            where = ctx.title_of(prop.meta) if prop else ""
            c[1].markdown(f"**{task.title}**  \n{ctx.tr('app.task.kind.' + task.kind)} · "
                          f"{ctx.role_title(hb0, task.role or '')} · {where}")
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


def _form_context(session: ctx.Session, property_id: str | None,
                  case: Case | None = None) -> FormContext:
    # Forms carry the case number over with `default: "case:number"` (派工单编号, 投诉登记表编号).
    carried = {"number": case.number, **case.data} if case else {}
    return FormContext(user=session.user.name, property=property_id,
                       roles=session.user.roles, case=carried)


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


def step_form(hb: m.Handbook, proc: m.Procedure, step: m.Step,
              filled: Mapping[str, Any] | None = None,
              ) -> tuple[m.Form | None, tuple[str, ...], bool]:
    """(form, fields, own) a step fills: a section of the case form, or — when the step
    names its own `form:` whose section the case form lacks — that form (own=True), whose
    data the engine saves as a record linked to the case.

    A case-form step also offers the fields its branch conditions read that neither its
    section nor the case (`filled`) has yet, so the clerk can choose the branch (中兴:
    "handled on the spot" at intake); the engine accepts any case-form field a step sets.
    """
    form, fields, own = _step_section(hb, proc, step)
    if form is None or own or not fields:
        return form, fields, own
    every = formview.section_fields(form, None)
    read = sorted({n for t in step.next if t.when is not None for n in t.when.names})
    extra = tuple(n for n in read if n in every and n not in fields
                  and (filled or {}).get(n) is None)
    return form, fields + extra, own


def _step_section(hb: m.Handbook, proc: m.Procedure, step: m.Step,
                  ) -> tuple[m.Form | None, tuple[str, ...], bool]:
    case_form = hb.forms.get(proc.form) if proc.form else None
    own = hb.forms.get(step.form) if step.form and step.form != proc.form else None
    in_case_form = case_form is not None and step.section is not None and any(
        s.id == step.section for s in case_form.sections)
    if own is not None and not in_case_form:
        return own, formview.section_fields(own, step.section), True
    if case_form is None or step.section is None:
        return case_form, (), False
    return case_form, formview.section_fields(case_form, step.section), False


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
    context = _form_context(session, pid)
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
    assignee = ctx.role_title(hb, case.role or "") if case.step else ctx.tr("app.case.closed")
    st.session_state[CASE_KEY] = case.id
    # A clean form for the next caller; the confirmation survives the rerun as a flash.
    reset_form(key)
    st.session_state[FLASH_KEY] = ctx.tr("app.start.done", number=case.number, assignee=assignee)
    st.rerun()


def _visible_cases(session: ctx.Session, status: str | None = "open") -> list[Case]:
    out: list[Case] = []
    for pid in session.caps.properties:
        out += ctx.engine().repo.find_cases(property=pid, status=status)
    return sorted(out, key=lambda c: c.created_at, reverse=True)


def _case_label(case: Case) -> str:
    proc = ctx.handbook(case.property).procedures.get(case.procedure_id)
    if proc is None:
        return f"{case.number} · {case.procedure_id}"
    step = _step_title(ctx.handbook(case.property), case)
    return f"{case.number} · {ctx.title_of(proc.meta)} · {step}"


def _step_title(hb: m.Handbook, case: Case) -> str:
    """The title of the case's current step (its id when the rules no longer have it)."""
    proc = hb.procedures.get(case.procedure_id)
    steps = proc.steps if proc is not None else ()
    return next((ctx.text(s.title, s.title_en) for s in steps if s.id == case.step),
                case.step or "")


def case_page() -> None:
    """办理案件: the case's current step, its form section, transfer / return, comments, log."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.case"))
    cases = _visible_cases(session)
    case_id = st.session_state.get(CASE_KEY)
    ids = [c.id for c in cases]
    if case_id and case_id not in ids:
        ids.insert(0, case_id)
    if not ids:
        st.info(ctx.tr("app.case.none"))
        return
    labels = {c.id: _case_label(c) for c in cases}
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


def _holds_step(session: ctx.Session, case: Case, step: m.Step | None) -> bool:
    if case.user and case.user != session.user.username:
        return False
    roles = set(session.user.roles)
    return bool(case.role in roles or (step and roles & set(step.roles)))


def render_case(session: ctx.Session, hb: m.Handbook, proc: m.Procedure | None,
                case: Case) -> None:
    """The whole case view (header, clocks, current step, actions, data, log, print)."""
    lang = ctx.lang()
    at = now()
    step = None
    if proc is not None and case.step:
        try:
            step = proc.step(case.step)
        except KeyError:
            step = None
    head = st.columns(4)
    head[0].metric(ctx.tr("app.col.number"), case.number)
    head[1].metric(ctx.tr("app.col.status"), ctx.tr(f"app.case.status.{case.status}"))
    head[2].metric(ctx.tr("app.col.step"), ctx.text(step.title, step.title_en) if step else "—")
    head[3].metric(ctx.tr("app.case.assignee"), ctx.role_title(hb, case.role or "") if case.role
                   else "—")
    if proc is not None:
        st.caption(f"{ctx.title_of(proc.meta)} v{case.procedure_version}")
    flash = st.session_state.pop(RECORD_FLASH_KEY, None)
    if flash:
        st.success(flash)
    _clocks(case, at)
    form = hb.forms.get(proc.form) if proc and proc.form else None
    if case.status == "open" and step is not None and proc is not None:
        holds = _holds_step(session, case, step)
        if holds:
            _work_step(session, hb, proc, case, step)
        else:
            st.info(ctx.tr("app.case.not_yours", role=ctx.role_title(hb, case.role or "")))
        # 转单 / 退回 belong to whoever holds the step, and to supervisors and managers (who
        # reassign a step nobody on duty holds); anyone may add a comment.
        _actions(session, hb, case, reassign=holds or session.caps.can("dashboard"))
    if form is not None:
        _case_data(session, form, case)
        _print_buttons(session, hb, form, case)
    _linked_records(session, hb, case)
    _log(hb, proc, case, lang)


def _clocks(case: Case, at: datetime) -> None:
    try:
        states = ctx.engine().clocks(case.id, at)
    except HandbookError:
        return
    if not states:
        return
    for s in states:
        if s.status == "breached" and s.due_at is not None:
            # Red at the top of the case, as on the task list: the table alone hides it.
            st.error(ctx.tr("staff.clock.breached", title=s.title, due=when_text(s.due_at)))
    rows = []
    for s in shown_clocks(states):
        live = s.status in ("running", "warning", "breached") and s.due_at is not None
        rows.append({ctx.tr("app.col.title"): s.title,
                     ctx.tr("app.col.status"): ctx.tr(f"app.clock.{s.status}"),
                     ctx.tr("app.col.due"): when_text(s.due_at),
                     ctx.tr("app.col.remaining"): remaining_text(s.remaining_minutes,
                                                                 ctx.lang()) if live else "—"})
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def shown_clocks(states: list[Any]) -> list[Any]:
    """The clocks worth a clerk's attention: inactive ones (their condition does not hold)
    and step time limits of earlier visits that were met go; the same limit twice (a step
    limit equal to a named clock) shows once."""
    out: list[Any] = []
    seen: set[tuple[str, Any, str]] = set()
    for s in states:
        if s.status == "inactive" or (s.visit is not None and s.status in ("met", "stopped")):
            continue
        key = (s.title, s.due_at, s.status)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _work_step(session: ctx.Session, hb: m.Handbook, proc: m.Procedure, case: Case,
               step: m.Step) -> None:
    st.subheader(ctx.tr("app.case.current", step=ctx.text(step.title, step.title_en)))
    if step.instructions:
        st.caption(step.instructions)
    key = f"case_{case.id}_{len(case.visits)}"
    errors_key = f"{key}__errors"
    context = _form_context(session, case.property, case)
    data: dict[str, Any] = {}
    form, fields, own = step_form(hb, proc, step, case.data)
    # What is already filled: the case data, or the case's record of the step's own form.
    ref = next((r for r in reversed(case.records) if own and form and r.form == form.id), None)
    filled = dict(ref.data) if ref else ({} if own else case.data)
    if form is not None and fields:
        if own:
            st.markdown(f"**{ctx.title_of(form.meta)}**")
        formview.show_errors(form, st.session_state.get(errors_key, {}))
        data = formview.render(form, key=key, fields=fields, initial=filled, context=context,
                               errors=st.session_state.get(errors_key))
    for form_id in step.requires:
        # A step filling that very form itself (派工 → 家庭服务情况记录表) saves the record on
        # completion: asking for it a second time below would show the same form twice.
        if own and form is not None and form.id == form_id:
            continue
        if not case.has_record(form_id) and form_id in hb.forms:
            _required_record(session, hb.forms[form_id], case)
    if st.button(ctx.tr("app.case.complete"), type="primary", key=f"{key}__complete"):
        clean: dict[str, Any] = {}
        if form is not None and fields:
            cleaned, errors = formview.validate(form, {**filled, **data}, fields, context)
            if cleaned is None:
                st.session_state[errors_key] = errors
                st.rerun()
            clean = cleaned or {}
        try:
            ctx.engine().complete_step(case.id, clean, now(), session.user.username,
                                       step=step.id, expected_rev=case.rev)
        except FormValidationError as exc:
            st.session_state[errors_key] = dict(exc.errors)
            st.rerun()
        except (EngineError, ConflictError) as exc:
            st.error(error_text(exc, hb, proc))
            return
        st.session_state.pop(errors_key, None)
        st.rerun()


def _required_record(session: ctx.Session, form: m.Form, case: Case) -> None:
    st.markdown(f"**{ctx.tr('app.case.requires', form=ctx.title_of(form.meta))}**")
    key = f"record_{case.id}_{form.id}"
    context = _form_context(session, case.property, case)
    fields = formview.section_fields(form, None)
    errors = st.session_state.get(f"{key}__errors", {})
    formview.show_errors(form, errors)
    data = formview.render(form, key=key, fields=fields, initial={}, context=context,
                           errors=errors)
    if st.button(ctx.tr("app.case.add_record"), key=f"{key}__save"):
        cleaned, errs = formview.validate(form, data, fields, context)
        if cleaned is None:
            st.session_state[f"{key}__errors"] = errs
            st.rerun()
        try:
            rid = ctx.engine().add_record(case.id, form.id, cleaned or {}, now(),
                                          session.user.username)
        except FormValidationError as exc:
            st.session_state[f"{key}__errors"] = dict(exc.errors)
            st.rerun()
        except HandbookError as exc:
            st.error(str(exc))
            return
        st.session_state.pop(f"{key}__errors", None)
        # Say so: the form disappears once the record exists, which alone reads like a loss.
        st.session_state[RECORD_FLASH_KEY] = ctx.tr(
            "staff.record.saved", form=ctx.title_of(form.meta), number=_record_number(rid))
        st.rerun()


def _actions(session: ctx.Session, hb: m.Handbook, case: Case, reassign: bool) -> None:
    eng = ctx.engine()
    user = session.user.username
    if not reassign:
        _comment_box(case, user, hb)
        return
    tabs = st.tabs([ctx.tr("app.case.transfer"), ctx.tr("app.case.return"),
                    ctx.tr("app.case.comment")])
    with tabs[0]:
        # The procedure's own roles first: a case is usually passed within its procedure.
        proc = hb.procedures.get(case.procedure_id)
        own = [r for r in (proc.roles if proc else ()) if r in hb.roles and r != case.role]
        roles = own + sorted(r for r in hb.roles if r not in own)
        to_role = st.selectbox(ctx.tr("app.role"), roles, key=f"transfer_role_{case.id}",
                               format_func=lambda r: ctx.role_title(hb, r))
        reason = st.text_input(ctx.tr("app.case.reason"), key=f"transfer_reason_{case.id}")
        if st.button(ctx.tr("app.case.transfer"), key=f"transfer_{case.id}"):
            _do(lambda: eng.transfer(case.id, reason, now(), to_role=to_role, user=user,
                                     expected_rev=case.rev), reason, hb)
    with tabs[1]:
        reason = st.text_input(ctx.tr("app.case.reason"), key=f"return_reason_{case.id}")
        if st.button(ctx.tr("app.case.return"), key=f"return_{case.id}"):
            _do(lambda: eng.return_case(case.id, reason, now(), user=user,
                                        expected_rev=case.rev), reason, hb)
    with tabs[2]:
        _comment_box(case, user, hb)


def _comment_box(case: Case, user: str, hb: m.Handbook) -> None:
    text = st.text_area(ctx.tr("app.case.comment"), key=f"comment_{case.id}", height=80)
    if st.button(ctx.tr("app.case.add_comment"), key=f"comment_btn_{case.id}"):
        _do(lambda: ctx.engine().comment(case.id, text, now(), user=user), text, hb,
            empty="staff.comment_required")


def _do(op: Any, reason: str, hb: m.Handbook, empty: str = "app.case.reason_required",
        ) -> None:
    if not reason.strip():
        st.error(ctx.tr(empty))
        return
    try:
        op()
    except HandbookError as exc:
        st.error(error_text(exc, hb, None))
        return
    st.rerun()


def error_text(exc: HandbookError, hb: m.Handbook, proc: m.Procedure | None) -> str:
    """What a refused case operation means, in the user's language (titles, not ids)."""
    if isinstance(exc, ConflictError):
        return ctx.tr("staff.conflict")
    if not isinstance(exc, CaseBlocked):
        return str(exc)
    params: dict[str, str] = dict(exc.params)
    names = log_names(hb, proc)
    if "step" in params:
        params["step"] = names("step", params["step"])
    if "forms" in params:
        params["forms"] = "、".join(names("form", f) for f in params["forms"].split(","))
    return ctx.tr(f"staff.blocked.{exc.key}", **params)


def log_names(hb: m.Handbook, proc: m.Procedure | None) -> Names:
    """Display titles for the ids in case events (roles, steps, procedures, forms)."""
    def name(kind: str, value: str) -> str:
        if kind == "role":
            return ctx.role_title(hb, value)
        if kind == "step" and proc is not None:
            return next((s.title for s in proc.steps if s.id == value), value)
        rule: m.Procedure | m.Form | None = (hb.procedures.get(value) if kind == "procedure"
                                             else hb.forms.get(value) if kind == "form"
                                             else None)
        return ctx.title_of(rule.meta) if rule is not None else value
    return name


def _case_data(session: ctx.Session, form: m.Form, case: Case) -> None:
    from runtime.forms import form_spec

    shown = auth.mask_record(case.data, form, session.caps)
    spec = form_spec(form)
    rows = []
    for name, value in shown.items():
        field = spec.field(name)
        if field is None:
            continue
        text = field.option_label(value, ctx.lang()) if field.options and not isinstance(
            value, list) else value
        rows.append({ctx.tr("app.case.field"): field.label(ctx.lang()),
                     ctx.tr("app.case.value"): "" if text is None else str(text)})
    with st.expander(ctx.title_of(form.meta), expanded=False):
        st.dataframe(rows, hide_index=True, width="stretch")


def _record_for_print(case: Case) -> dict[str, Any]:
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
        st.components.v1.html(html, height=900, scrolling=True)
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


def _print_buttons(session: ctx.Session, hb: m.Handbook, form: m.Form, case: Case) -> None:
    print_buttons(session, hb, form, _record_for_print(case), case.number)


def record_csv(form: m.Form, record: Mapping[str, Any], caps: auth.Capabilities) -> bytes:
    """One record as CSV with Chinese headers, personal data masked as on screen.

    The export module writes it (UTF-8 with BOM for Excel; formula-like cells kept as text).
    """
    from runtime.export import csv_bytes

    masked = {**record, "data": auth.mask_record(record.get("data") or {}, form, caps)}
    return csv_bytes(form, [masked], ctx.lang())


def _log(hb: m.Handbook, proc: m.Procedure | None, case: Case, lang: str) -> None:
    st.subheader(ctx.tr("app.case.log"))
    names = log_names(hb, proc)
    rows = [{ctx.tr("app.col.when"): when_text(e.at), ctx.tr("app.col.who"): e.by or "",
             ctx.tr("app.col.event"): describe(e, proc, lang, names)} for e in case.events]
    st.dataframe(rows, hide_index=True, width="stretch")


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
        open_cases = [c for c in _visible_cases(session)
                      if c.procedure_id in {p.id for p in procs} and c.property == pid]
        if not open_cases:
            st.info(ctx.tr("app.duty.none_open"))
        for c in open_cases:
            cols = st.columns([4, 2])
            cols[0].markdown(f"**{c.number}** · {when_text(c.created_at)} · "
                             f"{_step_title(hb, c)}")
            if cols[1].button(ctx.tr("app.task.open"), key=f"duty_open_{c.id}"):
                goto("case", **{CASE_KEY: c.id})
    with tabs[1]:
        if not mine:
            st.info(ctx.tr("app.start.none"))
        else:
            proc = procedure_picker(mine, key="duty_proc")
            start_form(session, hb, pid, proc, key=f"duty_{proc.id}")


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
    for case in _visible_cases(session, status=None):
        if needle in case.number.casefold() or _contains(_searchable(session, case), needle):
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
            found = [r for r in found if needle in r.number.casefold() or _contains(
                _masked_data(session, ctx.handbook(r.property).forms.get(r.form_id), r.data),
                needle)]
        records += found
    st.markdown(f"#### {ctx.tr('app.search.records', n=len(records))}")
    for rec in records:
        record_panel(session, ctx.handbook(rec.property), rec)


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


def _record_number(record_id: str) -> str:
    try:
        return get_record(ctx.store(), int(record_id)).number
    except (HandbookError, ValueError):
        return ""


def _linked_records(session: ctx.Session, hb: m.Handbook, case: Case) -> None:
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


def _masked_data(session: ctx.Session, form: m.Form | None,
                 data: Mapping[str, Any]) -> dict[str, Any]:
    """Record data without the personal fields the user may not see."""
    if form is None or session.caps.sees_personal_data:
        return dict(data)
    hidden = set(auth.personal_fields(form))
    return {k: v for k, v in data.items() if k not in hidden}


def _searchable(session: ctx.Session, case: Case) -> dict[str, Any]:
    proc = ctx.handbook(case.property).procedures.get(case.procedure_id)
    form = ctx.handbook(case.property).forms.get(proc.form) if proc and proc.form else None
    return _masked_data(session, form, case.data)


def _contains(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value.casefold()
    if isinstance(value, Mapping):
        return any(_contains(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, needle) for v in value)
    return False
