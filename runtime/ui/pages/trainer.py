"""Trainer pages: org chart, duty cards, flowcharts, etiquette, scripts, quizzes, read-and-ack."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from runtime.compiler import model as m
from runtime.ui import acks, diagrams, dot_render, dutycard, quiz
from runtime.ui import context as ctx
from runtime.ui.components import procedure_picker, property_picker, role_picker
from runtime.ui.diagram_view import show_diagram
from runtime.ui.fmt import duration_text
from runtime.versions import acks as read_tasks


def org_page() -> None:
    """组织架构图: roles by department, edges from reports-to."""
    session = ctx.guard("train")
    st.title(ctx.tr("app.page.org"))
    hb = property_picker(session, key="org_property")
    name = f"org-{hb.property.id}" if hb.property else "org-company"
    show_diagram(diagrams.org_chart(hb, ctx.lang()), name, key="org_diagram")
    st.caption(ctx.tr("app.org.legend"))


def _procedures_of(hb: m.Handbook, role_id: str) -> list[tuple[m.Procedure, list[m.Step]]]:
    out = []
    for proc in hb.procedures.values():
        steps = [s for s in proc.steps if role_id in s.roles]
        if steps or any(r.role == role_id for r in proc.responsibilities):
            out.append((proc, steps))
    return out


def duty_card_page() -> None:
    """岗位说明书: one role's duties, authorities, qualifications, shifts and procedures."""
    session = ctx.guard("train")
    st.title(ctx.tr("app.page.dutycard"))
    hb = property_picker(session, key="card_property")
    role = role_picker(hb, key="card_role")
    if role is None:
        st.info(ctx.tr("app.none"))
        return
    render_duty_card(hb, role)


def render_duty_card(hb: m.Handbook, role: m.Role) -> None:
    """The duty card of one role (also shown to staff for their own roles)."""
    lang = ctx.lang()
    st.subheader(ctx.title_of(role.meta))
    cols = st.columns(4)
    bosses = "、".join(ctx.role_title(hb, r) for r in role.reports_to) or "—"
    reports = "、".join(ctx.title_of(r.meta) for r in hb.roles_reporting_to(role.id)) or "—"
    cols[0].metric(ctx.tr("app.card.reports_to"), bosses)
    cols[1].metric(ctx.tr("app.card.direct_reports"), reports)
    cols[2].metric(ctx.tr("app.card.level"), ctx.tr(f"app.level.{role.level}"))
    head = role.headcount
    cols[3].metric(ctx.tr("app.card.headcount"), str(head.count) if head.count else "—")
    if head.phases or head.note:
        phases = "; ".join(f"{k} {v}" for k, v in head.phases.items())
        st.caption(" ".join(x for x in (phases, head.note or "") if x))
    if role.summary:
        st.write(role.summary)
    dutycard.render_intro(role)
    st.markdown(f"#### {ctx.tr('app.card.duties')}")
    rows = []
    for d in role.duties:
        rows.append({
            ctx.tr("app.col.no"): d.no,
            ctx.tr("app.card.duty"): d.text,
            ctx.tr("app.card.frequency"): d.frequency or (str(d.schedule) if d.schedule else ""),
            ctx.tr("app.card.time_limit"): duration_text(d.time_limit, lang),
            ctx.tr("app.card.targets"): "; ".join(str(t) for t in d.targets),
        })
    st.dataframe(rows, hide_index=True, width="stretch")
    dutycard.render_lists(role)
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {ctx.tr('app.card.authorities')}")
        for a in role.authorities or ("—",):
            st.markdown(f"- {a}")
        st.markdown(f"#### {ctx.tr('app.card.shifts')}")
        for s in role.shifts or ():
            span = f"{s.start:%H:%M}–{s.end:%H:%M}" if s.start and s.end else ""
            st.markdown(f"- {s.name} {span} {s.days or ''} {s.note or ''}")
        if not role.shifts:
            st.markdown("- —")
    with right:
        q = role.qualifications
        st.markdown(f"#### {ctx.tr('app.card.qualifications')}")
        items = [(ctx.tr("app.card.education"), q.education),
                 (ctx.tr("app.card.experience"), q.experience),
                 (ctx.tr("app.card.certificates"), "、".join(q.certificates)),
                 (ctx.tr("app.card.other"), "; ".join(q.other))]
        for label, value in items:
            if value:
                st.markdown(f"- **{label}**: {value}")
        if not any(value for _, value in items):
            st.markdown("- —")
    st.markdown(f"#### {ctx.tr('app.card.procedures')}")
    owned = _procedures_of(hb, role.id)
    if not owned:
        st.markdown("- —")
    for proc, steps in owned:
        limits = [f"{s.title} ({duration_text(s.time_limit, lang)})" if s.time_limit else s.title
                  for s in steps]
        clocks = [f"{c.title}: {duration_text(c.within, lang) or c.until}" for c in proc.clocks]
        st.markdown(f"- **{ctx.title_of(proc.meta)}** — {'; '.join(limits) or '—'}")
        if clocks:
            st.caption("⏱ " + " · ".join(clocks))
    dutycard.render_references(role)


def flow_page() -> None:
    """流程图: a procedure drawn from its rules, time limits and branch labels on it."""
    session = ctx.guard("train")
    st.title(ctx.tr("app.page.flow"))
    hb = property_picker(session, key="flow_property")
    procs = sorted(hb.procedures.values(), key=lambda p: p.id)
    if not procs:
        st.info(ctx.tr("app.none"))
        return
    proc = procedure_picker(procs, key="flow_proc")
    st.caption(f"{proc.meta.version} · {proc.purpose}")
    lang = ctx.lang()
    # Wrapped narrower when the procedure is wide (many branches), so text stays readable.
    dot = dot_render.fitted(lambda width: diagrams.flowchart(proc, hb, lang, width))
    show_diagram(dot, f"flow-{proc.id}", key="flow_diagram")
    st.caption(ctx.tr("app.flow.legend"))
    if proc.clocks:
        st.markdown(f"#### {ctx.tr('app.flow.clocks')}")
        st.dataframe([{ctx.tr("app.col.title"): c.title,
                       ctx.tr("app.card.time_limit"): duration_text(c.within, ctx.lang())
                       or f"→ {c.until}",
                       ctx.tr("app.flow.escalate"): "、".join(ctx.role_title(hb, e.role)
                                                             for e in c.escalate)}
                      for c in proc.clocks], hide_index=True, width="stretch")


def etiquette_page() -> None:
    """礼仪与话术: the training rules' etiquette points and phone scripts."""
    session = ctx.guard("train")
    st.title(ctx.tr("app.page.etiquette"))
    hb = property_picker(session, key="etiquette_property")
    if not hb.trainings:
        st.info(ctx.tr("app.none"))
    for training in hb.trainings.values():
        st.subheader(ctx.title_of(training.meta))
        for section in training.sections:
            with st.expander(section.title, expanded=True):
                for item in section.items:
                    st.markdown(f"- {item}")
        for script in training.scripts:
            with st.expander(f"☎ {script.title}", expanded=True):
                for i, line in enumerate(script.lines, 1):
                    limit = f" ⏱ {duration_text(line.time_limit, ctx.lang())}" \
                        if line.time_limit else ""
                    st.markdown(f"{i}. {line.text}{limit}")
                    if line.say:
                        st.info(f"“{line.say}”")


def quiz_page() -> None:
    """考核: questions generated from the rules for a role, scored on submit."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.quiz"))
    hb = session.hb
    roles = list(session.user.roles)
    if session.caps.can("train"):
        roles = sorted(hb.roles)
    role = st.selectbox(ctx.tr("app.role"), roles, format_func=lambda r: ctx.role_title(hb, r),
                        key="quiz_role")
    items = quiz.generate(hb, role, ctx.lang())
    if not items:
        st.info(ctx.tr("app.none"))
        return
    with st.form("quiz"):
        answers: dict[str, str | None] = {}
        for i, item in enumerate(items, 1):
            answers[item.id] = st.radio(f"{i}. {item.question}", item.choices, index=None,
                                        key=f"quiz_{item.id}")
        done = st.form_submit_button(ctx.tr("app.quiz.submit"), type="primary")
    if done:
        right, total = quiz.score(items, answers)
        st.metric(ctx.tr("app.quiz.score"), f"{right} / {total}")
        for item in items:
            if answers.get(item.id) != item.answer:
                st.warning(f"{item.question} → {item.answer}  ({item.source})")


def ack_page() -> None:
    """阅读确认: the signed-in user acknowledges rule versions; trainers see progress."""
    session = ctx.guard("staff")
    st.title(ctx.tr("app.page.ack"))
    repo = ctx.store()
    _change_tasks(session, repo)
    mine = {d["key"] for d in repo.find(acks.TABLE, username=session.user.username)}
    readings = acks.readings_for(session.hb, session.user.roles)
    read, total = acks.progress(readings, mine)
    st.progress(read / total if total else 1.0, text=ctx.tr("app.ack.progress", read=read,
                                                           total=total))
    for r in readings:
        cols = st.columns([5, 2])
        cols[0].markdown(f"**{r.title}** · {ctx.tr('app.kind.' + r.kind)} · v{r.version}")
        if r.key in mine:
            cols[1].success(ctx.tr("app.ack.done"))
        elif cols[1].button(ctx.tr("app.ack.confirm"), key=f"ack_{r.key}"):
            repo.insert(acks.TABLE, acks.ack_doc(session.user.username, r, session.user.property,
                                      datetime.now()))
            st.rerun()
    if session.caps.can("train"):
        _ack_overview(session, repo.all(acks.TABLE))
        _change_overview(session, repo)


def _change_tasks(session: ctx.Session, repo: Any) -> None:
    """The published changes that concern my roles, each to acknowledge once per version."""
    tasks = sorted(repo.find(read_tasks.TABLE, username=session.user.username),
                   key=lambda d: -int(d["version"]))
    if not tasks:
        return
    st.subheader(ctx.tr("app.readtask.title"))
    for task in tasks:
        with st.container(border=True):
            cols = st.columns([6, 2])
            cols[0].markdown(ctx.tr("app.readtask.version", version=task["version"]))
            for change in task["changes"]:
                cols[0].markdown(f"- {change['en'] if ctx.lang() == 'en' else change['zh']}")
            if task["status"] == "done":
                cols[1].success(ctx.tr("app.ack.done"))
            elif cols[1].button(ctx.tr("app.ack.confirm"), key=f"readtask_{task['version']}"):
                read_tasks.acknowledge(repo, int(task["version"]), session.user.username,
                                       datetime.now())
                st.rerun()


def _change_overview(session: ctx.Session, repo: Any) -> None:
    rows = []
    for task in repo.all(read_tasks.TABLE):
        if task.get("property") and not session.caps.may_see_property(task["property"]):
            continue
        rows.append({ctx.tr("app.col.version"): task["version"],
                     ctx.tr("app.col.user"): task["username"],
                     ctx.tr("app.role"): "、".join(ctx.role_title(session.hb, r)
                                                  for r in task["roles"]),
                     ctx.tr("app.readtask.changes"): len(task["changes"]),
                     ctx.tr("app.readtask.state"): ctx.tr("app.ack.done")
                     if task["status"] == "done" else ctx.tr("app.readtask.open")})
    if rows:
        st.subheader(ctx.tr("app.readtask.overview"))
        st.dataframe(sorted(rows, key=lambda r: (-r[ctx.tr("app.col.version")],
                                                 r[ctx.tr("app.col.user")])),
                     hide_index=True, width="stretch")


def _ack_overview(session: ctx.Session, docs: list[dict[str, Any]]) -> None:
    st.subheader(ctx.tr("app.ack.overview"))
    by_user: dict[str, set[str]] = {}
    for d in docs:
        by_user.setdefault(str(d.get("username")), set()).add(str(d.get("key")))
    rows = []
    per_role: dict[str, list[int]] = {}  # role title → [people, read, to read]
    for user in ctx.users().list():
        if user.property and not session.caps.may_see_property(user.property):
            continue
        hb = ctx.handbook(user.property)
        readings = acks.readings_for(hb, user.roles)
        read, total = acks.progress(readings, by_user.get(user.username, set()))
        titles = [ctx.role_title(hb, r) for r in user.roles]
        rows.append({ctx.tr("app.col.user"): user.name, ctx.tr("app.role"): "、".join(titles),
                     ctx.tr("app.col.property"): ctx.title_of(hb.property.meta) if hb.property
                     else "—",
                     ctx.tr("app.ack.read"): read, ctx.tr("app.ack.total"): total,
                     ctx.tr("app.ack.percent"): _percent(read, total)})
        for title in titles:
            agg = per_role.setdefault(title, [0, 0, 0])
            agg[0], agg[1], agg[2] = agg[0] + 1, agg[1] + read, agg[2] + total
    st.dataframe(rows, hide_index=True, width="stretch")
    st.subheader(ctx.tr("app.ack.by_role"))
    st.dataframe([{ctx.tr("app.role"): title, ctx.tr("app.ack.people"): n,
                   ctx.tr("app.ack.read"): read, ctx.tr("app.ack.total"): total,
                   ctx.tr("app.ack.percent"): _percent(read, total)}
                  for title, (n, read, total) in sorted(per_role.items())],
                 hide_index=True, width="stretch")


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 100
