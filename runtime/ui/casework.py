"""Case components: a case's header, clocks, current step form, transfer / return /
comment, data and log (used by the case page and the start pages)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from runtime import auth
from runtime.compiler import model as m
from runtime.engine.state import Case, local
from runtime.engine.timeline import Names, describe
from runtime.errors import (
    CaseBlocked,
    ConflictError,
    EngineError,
    FormValidationError,
    HandbookError,
    LimitExceeded,
)
from runtime.forms.defaults import FormContext
from runtime.store.pages import CaseLine
from runtime.ui import context as ctx
from runtime.ui import formview
from runtime.ui.fmt import remaining_text, when_text
from runtime.ui.records import case_print_buttons, linked_records, record_number

CASE_KEY = "case_id"
FLASH_KEY = "_flash"
RECORD_FLASH_KEY = "_record_flash"
CASE_FLASH_KEY = "_case_flash"  # what the last action on the case did, shown once on top


def now() -> datetime:
    """The current local (UTC+8, naive) time the engine works in."""
    return local(datetime.now(UTC))


def form_context(session: ctx.Session, property_id: str | None,
                  case: Case | None = None) -> FormContext:
    # Forms carry the case number over with `default: "case:number"` (派工单编号, 投诉登记表编号).
    carried = {"number": case.number, **case.data} if case else {}
    # 接待人 and other `default: user` fields: the person and their role title at that property.
    who = ctx.person(session.user.username, ctx.handbook(property_id))
    return FormContext(user=who or session.user.name, property=property_id,
                       roles=session.user.roles, case=carried)


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
    company = ctx.handbook(None).procedures.get(proc.id)
    dropped = removed_branch_fields(company, proc, step.id)
    return form, tuple(f for f in fields + extra if f not in dropped), own


def _names_read(conditions: Any) -> set[str]:
    return {n for c in conditions if c is not None for n in c.names}


def removed_branch_fields(company: m.Procedure | None, proc: m.Procedure,
                          step_id: str) -> set[str]:
    """Fields the company's version of a step asks for only to choose branches that this
    property's version no longer has (中兴's 区分投诉性质 without 区分责任 / 严重事件): read by
    the company step's conditions and by no condition, clock or follow-up of `proc`."""
    if company is None or company is proc:
        return set()
    try:
        theirs = company.step(step_id)
    except KeyError:
        return set()
    ours = _names_read([t.when for s in proc.steps for t in s.next]
                       + [c.when for c in proc.clocks] + [f.when for f in proc.follow_ups])
    return _names_read([t.when for t in theirs.next]) - ours


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


def case_lines(session: ctx.Session, *, status: str | None = "open", text: str | None = None,
               offset: int = 0, limit: int | None = None) -> tuple[list[CaseLine], int]:
    """Cases the user may see, newest first, from the store's page query: (lines, total).

    `text` matches the number, 房号, names or any case text; personal fields only for users
    who may see personal data (so a search never reveals a masked value).
    """
    page = ctx.store().search_cases(properties=session.caps.properties, text=text,
                                    status=status, personal=session.caps.sees_personal_data,
                                    offset=offset, limit=limit)
    return [CaseLine.from_summary(d) for d in page.items], page.total


def visible_cases(session: ctx.Session, status: str | None = "open") -> list[CaseLine]:
    """Every case of `status` the user may see, newest first (a list line each)."""
    return case_lines(session, status=status)[0]


def case_label(case: Case | CaseLine) -> str:
    proc = ctx.handbook(case.property).procedures.get(case.procedure_id)
    if proc is None:
        return f"{case.number} · {case.procedure_id}"
    # A closed case has no step: say that it is closed instead of ending on "· ".
    step = (step_title(ctx.handbook(case.property), case) if case.status == "open" else ""
            ) or ctx.tr(f"app.case.status.{case.status}")
    return f"{case.number} · {ctx.title_of(proc.meta)} · {step}"


def step_title(hb: m.Handbook, case: Case | CaseLine) -> str:
    """The title of the case's current step (its id when the rules no longer have it)."""
    proc = hb.procedures.get(case.procedure_id)
    steps = proc.steps if proc is not None else ()
    return next((ctx.text(s.title, s.title_en) for s in steps if s.id == case.step),
                case.step or "")


def holds_step(session: ctx.Session, case: Case, step: m.Step | None) -> bool:
    # With parallel branches each open step has its own assignee (its visit).
    index = case.open_visit(step.id) if step is not None else None
    visit = case.visits[index] if index is not None else None
    user, role = (visit.user, visit.role) if visit is not None else (case.user, case.role)
    if user and user != session.user.username:
        return False
    roles = set(session.user.roles)
    return bool(role in roles or (step and roles & set(step.roles)))


def _choose_branch(proc: m.Procedure, case: Case) -> str | None:
    """Parallel branches: which open step to work on (the case's first one by default)."""
    open_steps = case.open_steps
    if len(open_steps) < 2:
        return case.step
    titles = {s.id: ctx.text(s.title, s.title_en) for s in proc.steps}
    return st.radio(ctx.tr("app.case.branches", n=len(open_steps)), open_steps,
                    format_func=lambda sid: titles.get(sid, sid), horizontal=True,
                    key=f"branch_{case.id}")


def _preconditions(session: ctx.Session, hb: m.Handbook, proc: m.Procedure,
                   case: Case) -> None:
    """Events other departments must record (waits-for): shown, and recordable by them."""
    from runtime.engine.rules import actors_of

    pending = [w for sid in case.open_steps for s in proc.steps if s.id == sid
               for w in s.waits_for if not case.has_event(w.event)]
    if not pending:
        return
    actors = actors_of(hb)
    for w in pending:
        allowed = actors.get(w.by, ()) or ((w.by,) if w.by in hb.roles else ())
        st.warning(ctx.tr("app.case.waits_for", event=w.title or w.event, by=w.by))
        mine = [r for r in session.user.roles if r in allowed]
        if mine and st.button(ctx.tr("app.case.record_event", event=w.title or w.event),
                              key=f"event_{case.id}_{w.event}"):
            try:
                ctx.engine().record_event(case.id, w.event, now(), role=mine[0],
                                          user=session.user.username)
            except HandbookError as exc:
                st.error(error_text(exc, hb, proc))
                return
            st.rerun()


def render_case(session: ctx.Session, hb: m.Handbook, proc: m.Procedure | None,
                case: Case) -> None:
    """The whole case view (header, clocks, current step, actions, data, log, print)."""
    lang = ctx.lang()
    at = now()
    step = None
    chosen = _choose_branch(proc, case) if proc is not None and case.status == "open" \
        else case.step
    if proc is not None and chosen:
        try:
            step = proc.step(chosen)
        except KeyError:
            step = None
    done = st.session_state.pop(CASE_FLASH_KEY, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    # Plain text cells, not st.metric: a metric cuts a long step title ("在约定时间…").
    head = st.columns([2, 2, 3, 3])
    cells = [(ctx.tr("app.col.number"), case.number),
             (ctx.tr("app.col.status"), ctx.tr(f"app.case.status.{case.status}")),
             (ctx.tr("app.col.step"), ctx.text(step.title, step.title_en) if step else "—"),
             (ctx.tr("app.case.assignee"), holder_text(hb, case) or "—")]
    for col, (label, value) in zip(head, cells, strict=True):
        col.markdown(f":gray[{label}]  \n**{value}**")
    if proc is not None:
        st.caption(f"{ctx.title_of(proc.meta)} v{case.procedure_version}")
    flash = st.session_state.pop(RECORD_FLASH_KEY, None)
    if flash:
        st.success(flash)
    _clocks(case, at)
    form = hb.forms.get(proc.form) if proc and proc.form else None
    if case.status == "open" and proc is not None:
        _preconditions(session, hb, proc, case)
    if case.status == "open" and step is not None and proc is not None:
        holds = holds_step(session, case, step)
        if holds:
            _work_step(session, hb, proc, case, step)
        else:
            st.info(ctx.tr("app.case.not_yours", role=ctx.role_title(hb, case.role or "")))
        # 转单 / 退回 belong to whoever holds the step, and to supervisors and managers (who
        # reassign a step nobody on duty holds); anyone may add a comment.
        _actions(session, hb, case, reassign=holds or session.caps.can("dashboard"))
    if form is not None:
        _case_data(session, form, case)
        case_print_buttons(session, hb, form, case)
    linked_records(session, hb, case)
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
    # Parallel branches: one form per open step, so the branch's id is part of the key.
    key = f"case_{case.id}_{len(case.visits)}" + (
        f"_{step.id}" if len(case.open_steps) > 1 else "")
    errors_key = f"{key}__errors"
    context = form_context(session, case.property, case)
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
            moved = ctx.engine().complete_step(case.id, clean, now(), session.user.username,
                                               step=step.id, expected_rev=case.rev)
        except FormValidationError as exc:
            st.session_state[errors_key] = dict(exc.errors)
            st.rerun()
        except (EngineError, ConflictError, LimitExceeded) as exc:
            # LimitExceeded: a branch condition breached its limit; the message names the rule
            # and key (runtime/compiler/sandbox.py), so an administrator can fix the rule.
            st.error(error_text(exc, hb, proc))
            return
        st.session_state.pop(errors_key, None)
        st.session_state[CASE_FLASH_KEY] = ctx.tr(
            "ws.done.step", step=ctx.text(step.title, step.title_en),
            next=next_text(hb, moved, now()))
        st.rerun()


def _required_record(session: ctx.Session, form: m.Form, case: Case) -> None:
    st.markdown(f"**{ctx.tr('app.case.requires', form=ctx.title_of(form.meta))}**")
    key = f"record_{case.id}_{form.id}"
    context = form_context(session, case.property, case)
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
            "staff.record.saved", form=ctx.title_of(form.meta), number=record_number(rid))
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
                                     expected_rev=case.rev), reason, hb, "ws.done.transfer")
    with tabs[1]:
        reason = st.text_input(ctx.tr("app.case.reason"), key=f"return_reason_{case.id}")
        if st.button(ctx.tr("app.case.return"), key=f"return_{case.id}"):
            _do(lambda: eng.return_case(case.id, reason, now(), user=user,
                                        expected_rev=case.rev), reason, hb, "ws.done.return")
    with tabs[2]:
        _comment_box(case, user, hb)


def _comment_box(case: Case, user: str, hb: m.Handbook) -> None:
    text = st.text_area(ctx.tr("app.case.comment"), key=f"comment_{case.id}", height=80)
    if st.button(ctx.tr("app.case.add_comment"), key=f"comment_btn_{case.id}"):
        _do(lambda: ctx.engine().comment(case.id, text, now(), user=user), text, hb,
            "ws.done.comment", empty="staff.comment_required")


def _do(op: Any, reason: str, hb: m.Handbook, done: str,
        empty: str = "app.case.reason_required") -> None:
    if not reason.strip():
        st.error(ctx.tr(empty))
        return
    try:
        case = op()
    except HandbookError as exc:
        st.error(error_text(exc, hb, None))
        return
    st.session_state[CASE_FLASH_KEY] = ctx.tr(done, next=next_text(hb, case, now()))
    st.rerun()


def holder_text(hb: m.Handbook, case: Case) -> str:
    """Who holds the case's step: the assigned person (name and role title), else the role
    with the people who hold it at the case's property ("区域客服 孙丽")."""
    if case.user:
        return ctx.person(case.user, hb, case.role)
    if not case.role:
        return ""
    title = ctx.role_title(hb, case.role)
    people = ctx.role_people(case.role, case.property)
    if not people:
        return title
    shown = "、".join(people[:3]) + (ctx.tr("ws.people.more", n=len(people)) if len(people) > 3
                                     else "")
    return ctx.tr("ws.role.people", role=title, people=shown)


def next_text(hb: m.Handbook, case: Case, at: datetime) -> str:
    """What happens next with a case: "已转交 客户助理, 期限 12-03 16:00" / "案件已结案。"."""
    if case.status != "open" or not case.step:
        return ctx.tr("ws.next.closed")
    text = ctx.tr("ws.next.to", who=holder_text(hb, case) or "—")
    try:
        states = ctx.engine().clocks(case.id, at)
    except HandbookError:
        states = []
    dues = [s.due_at for s in states
            if s.status in ("running", "warning", "breached") and s.due_at is not None]
    if dues:
        text += ctx.tr("ws.next.due", due=min(dues).strftime("%m-%d %H:%M"))
    return text + ctx.tr("ws.next.end")


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


def _log(hb: m.Handbook, proc: m.Procedure | None, case: Case, lang: str) -> None:
    st.subheader(ctx.tr("app.case.log"))
    names = log_names(hb, proc)
    people: dict[str, str] = {}  # one directory lookup per person, not per event
    for e in case.events:
        if e.by and e.by not in people:
            people[e.by] = ctx.person(e.by, hb)
    rows = [{ctx.tr("app.col.when"): when_text(e.at),
             ctx.tr("app.col.who"): people.get(e.by or "", ""),
             ctx.tr("app.col.event"): describe(e, proc, lang, names)} for e in case.events]
    # A table, not a data grid: the event text wraps instead of being clipped.
    st.table(rows, hide_index=True, border="horizontal")
