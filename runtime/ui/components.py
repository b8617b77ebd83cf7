"""Small widgets shared by pages: property and role pickers, coloured status badges."""

from __future__ import annotations

import streamlit as st

from runtime.compiler import model as m
from runtime.ui import context as ctx


def visible_properties(session: ctx.Session) -> list[str]:
    """Property ids the user may look at, their own first."""
    props = list(session.caps.properties)
    if session.user.property in props:
        props.remove(session.user.property)
        props.insert(0, session.user.property)
    return props


def property_picker(session: ctx.Session, key: str, *, company: bool = False) -> m.Handbook:
    """The handbook of a chosen property (a picker only when the user may see several)."""
    options: list[str | None] = list(visible_properties(session))
    if company or not options:
        options.insert(0, None)
    if len(options) <= 1:
        return ctx.handbook(options[0] if options else None)
    hb0 = ctx.handbook(None)

    def label(pid: str | None) -> str:
        if pid is None:
            return ctx.tr("app.company_level")
        prop = hb0.properties.get(pid)
        return ctx.title_of(prop.meta) if prop else pid

    chosen = st.selectbox(ctx.tr("app.col.property"), options, format_func=label, key=key)
    return session.handbook_for(chosen)


def role_picker(hb: m.Handbook, key: str) -> m.Role | None:
    """A role of `hb`, chosen from a select box (None when the handbook has no roles)."""
    roles = sorted(hb.roles.values(), key=lambda r: (r.department or "", r.id))
    if not roles:
        return None
    # Options are ids: widget values must be picklable, and rule objects hold templates.
    chosen = st.selectbox(ctx.tr("app.role"), [r.id for r in roles], key=key,
                          format_func=lambda rid: ctx.role_title(hb, rid))
    return hb.roles.get(chosen) if chosen else None


def procedure_picker(procs: list[m.Procedure], key: str, index: int = 0) -> m.Procedure:
    """One of `procs` (non-empty), chosen by id from a select box."""
    by_id = {p.id: p for p in procs}
    if st.session_state.get(key) in by_id:
        # Titles are part of the widget's identity, so a language switch would reset the
        # choice to the default; handing the value back as session state keeps it.
        st.session_state[key] = st.session_state[key]
        index = list(by_id).index(st.session_state[key])
    chosen = st.selectbox(ctx.tr("app.procedure"), list(by_id), index=index, key=key,
                          format_func=lambda pid: ctx.title_of(by_id[pid].meta))
    return by_id.get(chosen, procs[0])


STATUS_COLOURS = {"overdue": "red", "due_soon": "orange", "due": "green", "none": "gray"}


def badge(status: str) -> str:
    """Markdown for a coloured status badge (overdue red, due soon orange, due green)."""
    colour = STATUS_COLOURS.get(status, "gray")
    return f":{colour}-badge[{ctx.tr('app.status.' + status)}]"
