"""Change history for trainers (变更记录) and a new property without YAML (新建管理处).

Thin Streamlit glue over runtime.versions: `diff_trees` / `raw_diff` for what changed,
`check_property_form` / `write_new_property` for the new property. The versions page
(admin.versions_page) shows the same change view for a draft before anyone approves it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from runtime.errors import HandbookError
from runtime.ui import context as ctx
from runtime.ui import control as control_ui
from runtime.ui.main import goto
from runtime.versions import VersionInfo
from runtime.versions.control import ControlDenied, check_edit
from runtime.versions.diff import (
    Change,
    diff_trees,
    group_changes,
    property_of_path,
    raw_diff,
    raw_diff_files,
)
from runtime.versions.drafts import Draft, Drafts
from runtime.versions.newprop import (
    PROPERTY_TYPES,
    FieldErrors,
    Limit,
    PropertyForm,
    check_property_form,
    company_hours,
    company_limits,
    write_new_property,
)

OPEN_STATES = ("draft", "submitted", "reviewed", "approved")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~$#|])")


# ---- change view ---------------------------------------------------------------------------


@st.cache_resource(max_entries=32, show_spinner=False)
def _published_diff(old: tuple[str, str, str], new: tuple[str, str, str],
                    ) -> tuple[list[Change], str]:
    # Published versions never change; the content hashes in the key keep version 1 (the
    # shipped tree, editable during development) honest.
    (old_rules, old_forms, _h1), (new_rules, new_forms, _h2) = old, new
    paths = (Path(old_rules), Path(old_forms), Path(new_rules), Path(new_forms))
    return diff_trees(*paths), raw_diff(*paths)


def _key(info: VersionInfo) -> tuple[str, str, str]:
    return str(info.rules), str(info.forms), info.content_hash


def _visible(session: ctx.Session, scope: str | None) -> bool:
    return scope is None or session.caps.may_see_property(scope)


def show_changes(session: ctx.Session | None, changes: list[Change], raw: str) -> None:
    """Plain sentences grouped by property, and the raw YAML diff in an expander.

    With a session, only the company's changes and those of properties the user may see;
    without (document control), everything: an approver approves the whole rule set.
    """
    if session is not None:
        changes = [c for c in changes if _visible(session, c.scope)]
        raw = "".join(part for path, part in raw_diff_files(raw)
                      if _visible(session, property_of_path(path)))
    if not changes:
        st.info(ctx.tr("app.changes.none"))
    else:
        st.caption(ctx.tr("app.changes.count", n=len(changes)))
    lang = ctx.lang()
    for title, items in group_changes(changes):
        st.markdown(f"**{_escape(title)}**")
        st.markdown("\n".join(f"- {_escape(c.sentence(lang))}" for c in items))
    with st.expander(ctx.tr("app.changes.raw")):
        if raw:
            st.code(raw, language="diff")
        else:
            st.caption(ctx.tr("app.changes.raw_empty"))


def _escape(text: str) -> str:
    # Rule text may hold *, _, $ or |: shown as written, never as Markdown or LaTeX.
    return _MD_SPECIAL.sub(r"\\\1", text)


def history_section(session: ctx.Session | None, repo: Drafts, key: str) -> None:
    """Pick two published versions (default: the one before the live one, and the live one);
    `session` limits the changes to the properties its user may see (None: all)."""
    versions = repo.versions.all()
    if len(versions) < 2:
        st.info(ctx.tr("app.changes.only_one"))
        return
    by_no = {v.number: v for v in versions}
    numbers = list(by_no)
    live = repo.versions.current_number()
    idx = numbers.index(live) if live in numbers else len(numbers) - 1
    old_default, new_default = (numbers[idx - 1], live) if idx > 0 else (live, numbers[1])

    def label(n: int) -> str:
        v = by_no[n]
        return ctx.tr("app.changes.version", n=n,
                      when=v.published_at[:16].replace("T", " ") or "—",
                      message=v.message)

    cols = st.columns(2)
    old = cols[0].selectbox(ctx.tr("app.changes.from"), numbers, key=f"{key}_from",
                            index=numbers.index(old_default), format_func=label)
    new = cols[1].selectbox(ctx.tr("app.changes.to"), numbers, key=f"{key}_to",
                            index=numbers.index(new_default), format_func=label)
    if old == new:
        st.info(ctx.tr("app.changes.same"))
        return
    changes, raw = _published_diff(_key(by_no[old]), _key(by_no[new]))
    show_changes(session, changes, raw)


def draft_changes(repo: Drafts, draft: Draft) -> None:
    """What an open draft changes against the live version, before anyone approves it."""
    if draft.state not in OPEN_STATES:
        return
    live = repo.versions.current()
    st.subheader(ctx.tr("app.changes.draft", n=live.number))
    if draft.base_version != live.number:
        st.caption(ctx.tr("app.changes.draft_base", base=draft.base_version, live=live.number))
    try:
        changes = diff_trees(live.rules, live.forms, draft.rules, draft.forms)
        raw = raw_diff(live.rules, live.forms, draft.rules, draft.forms)
    except HandbookError as exc:  # a broken draft still shows what check says, not a crash
        st.error(str(exc))
        return
    show_changes(None, changes, raw)


def changes_page() -> None:
    """变更记录: what changed between two published versions, for trainers."""
    session = ctx.guard("train")
    st.title(ctx.tr("app.page.changes"))
    st.caption(ctx.tr("app.changes.intro"))
    history_section(session, ctx.drafts(), "changes")


# ---- new property --------------------------------------------------------------------------

NEW = ""
DONE_KEY = "newprop_done"
PENDING_KEY = "newprop_draft__pending"
Slots = dict[str, DeltaGenerator]  # form field → the place under it for its error message

# Form fields whose label key differs from the field name (check_property_form's names).
FIELD_LABELS = {"property_type": "type"}
FORM_FIELDS = ("id", "title", "property_type", "hours.0", "hours.1")


def _field_label(field: str, limits: dict[str, Limit]) -> str:
    if field.startswith("limit."):
        limit = limits.get(field.removeprefix("limit."))
        return f"{limit.procedure_title} · {limit.title}" if limit else field
    if field.startswith("headcount."):
        return ctx.role_title(ctx.handbook(None), field.removeprefix("headcount."))
    return ctx.tr(f"app.newprop.{FIELD_LABELS.get(field, field)}")


def _show_field_errors(errors: FieldErrors, limits: dict[str, Limit], slots: Slots) -> None:
    """Each message under its own field, and a summary by the submit button."""
    st.error(ctx.tr("app.newprop.errors", n=len(errors)))
    for field, (code, values) in errors.items():
        text = ctx.tr(f"app.newprop.err.{code}", field=_field_label(field, limits), **values)
        slot = slots.get(field)
        (slot or st).error(text)


def _input(col: DeltaGenerator, slots: Slots, field: str, label: str, **kw: Any) -> str:
    """A text input with a place for its error message right under it."""
    value = col.text_input(label, **kw)
    slots[field] = col.empty()
    return value or ""


def _form(drafts: list[Draft], limits: list[Limit],
          slots: Slots) -> tuple[PropertyForm, str, str] | None:
    """The form; (typed values, chosen draft id or NEW, new draft title) once submitted."""
    company = ctx.handbook(None)
    hours = company_hours(company)
    by_id = {d.id: d for d in drafts}
    with st.form("newprop_form"):
        st.subheader(ctx.tr("app.newprop.basics"))
        left, right = st.columns(2)
        pid = _input(left, slots, "id", ctx.tr("app.newprop.id"), key="newprop_id",
                     help=ctx.tr("app.newprop.id_help"), placeholder="east-garden")
        title = _input(right, slots, "title", ctx.tr("app.newprop.title"), key="newprop_title")
        ptype = left.selectbox(ctx.tr("app.newprop.type"), PROPERTY_TYPES, key="newprop_type",
                               format_func=lambda t: ctx.tr(f"app.newprop.type.{t}"))
        address = _input(right, slots, "address", ctx.tr("app.newprop.address"),
                         key="newprop_address")

        st.subheader(ctx.tr("app.newprop.staffing"))
        st.caption(ctx.tr("app.newprop.staffing_help"))
        roles = sorted(company.roles.values(), key=lambda r: (r.department or "", r.id))
        headcount: dict[str, int | None] = {}
        role_cols = st.columns(3)
        for i, role in enumerate(roles):
            count = role.headcount.count
            col = role_cols[i % 3]
            value = col.number_input(
                ctx.title_of(role.meta), min_value=0, max_value=999, step=1, value=count,
                key=f"newprop_hc_{role.id}",
                help=ctx.tr("app.newprop.company_value",
                            value=count if count is not None else ctx.tr("app.newprop.unset")))
            slots[f"headcount.{role.id}"] = col.empty()
            headcount[role.id] = None if value is None else int(value)

        st.subheader(ctx.tr("app.newprop.hours"))
        st.caption(ctx.tr("app.newprop.hours_help"))
        hour_cols = st.columns(2)
        typed_hours = [_input(hour_cols[i], slots, f"hours.{i}",
                              ctx.tr(f"app.newprop.hours.{i}"),
                              value=hours[i] if i < len(hours) else "",
                              key=f"newprop_hours_{i}", placeholder="08:30-12:00")
                       for i in range(2)]

        st.subheader(ctx.tr("app.newprop.limits"))
        st.caption(ctx.tr("app.newprop.limits_help"))
        typed_limits: dict[str, str] = {}
        limit_cols = st.columns(2)
        for i, limit in enumerate(limits):
            kind = ctx.tr(f"app.newprop.limit.{limit.kind}")
            company_value = str(limit.value)
            typed_limits[limit.key] = _input(
                limit_cols[i % 2], slots, f"limit.{limit.key}",
                f"{limit.procedure_title} · {kind} · {limit.title}", value=company_value,
                key=f"newprop_limit_{limit.key}",
                help=ctx.tr("app.newprop.company_value", value=company_value))

        st.subheader(ctx.tr("app.newprop.draft"))
        left, right = st.columns(2)
        pending = st.session_state.pop(PENDING_KEY, None)
        if pending in by_id:  # the draft the last submit created: chosen for the next one
            st.session_state["newprop_draft"] = pending
        chosen = left.selectbox(
            ctx.tr("app.newprop.draft"), [NEW, *by_id], key="newprop_draft",
            format_func=lambda i: ctx.tr("app.draft.new") if i == NEW
            else f"{by_id[i].title} · {by_id[i].created_by}")
        draft_title = right.text_input(ctx.tr("app.newprop.draft_title"),
                                       key="newprop_draft_title",
                                       placeholder=ctx.tr("app.newprop.draft_default", title="…"))
        submitted = st.form_submit_button(ctx.tr("app.newprop.submit"), type="primary")
    if not submitted:
        return None
    form = PropertyForm(id=pid, title=title, property_type=str(ptype), address=address,
                        headcount=headcount, hours=typed_hours, limits=typed_limits)
    return form, str(chosen or NEW), (draft_title or "").strip()


def new_property_page() -> None:
    """新建管理处: a new property from the company base, written as overlay rules into a draft."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.newprop"))
    st.caption(ctx.tr("app.newprop.intro"))
    repo = ctx.drafts()
    _show_written(repo)  # the result of the last submit, above the form for the next one
    company = ctx.handbook(None)
    limits = company_limits(company)
    slots: Slots = {}
    typed = _form([d for d in repo.all() if d.state == "draft"], limits, slots)
    if typed is None:
        return
    form, chosen, draft_title = typed
    spec, errors = check_property_form(form, company)
    if spec is None:
        _show_field_errors(errors, {lim.key: lim for lim in limits}, slots)
        return
    try:
        # Refused before a draft is created: a new property is a company-level decision.
        check_edit(control_ui.actor(session), f"rules/properties/{spec.id}/property.yaml",
                   None, "")
        draft = repo.get(chosen) if chosen != NEW else repo.create(
            draft_title or ctx.tr("app.newprop.draft_default", title=spec.title),
            session.user.username)
        files = write_new_property(repo, draft, spec, session.user.username,
                                   control_ui.actor(session))
    except ControlDenied as exc:  # a property's account: a new property is a company decision
        st.error(exc.text(ctx.lang()))
        return
    except HandbookError as exc:  # e.g. the chosen draft already has this property
        st.error(ctx.tr("app.newprop.write_failed", reason=str(exc)))
        return
    st.session_state[DONE_KEY] = {"draft": draft.id, "files": files}
    st.session_state[PENDING_KEY] = draft.id
    st.rerun()  # the form offers the new draft; the result shows at the top


def _show_written(repo: Drafts) -> None:
    """The files the last submit wrote, the draft's check result and the way on."""
    from runtime.ui.control import show_errors

    done = st.session_state.get(DONE_KEY)
    if not done:
        return
    try:
        draft = repo.get(done["draft"])
    except HandbookError:
        st.session_state.pop(DONE_KEY, None)
        return
    st.success(ctx.tr("app.newprop.written", draft=draft.title, files=", ".join(done["files"])))
    if st.button(ctx.tr("app.newprop.goto"), key="newprop_goto", type="primary"):
        goto("versions", versions_draft=draft.id)
    with st.expander(ctx.tr("app.newprop.yaml"), expanded=True):
        for rel in done["files"]:
            text, _hash = repo.read(draft, rel)
            st.markdown(f"`{rel}`")
            st.code(text, language="yaml", line_numbers=True)
        if draft.state == "draft":
            show_errors(repo.check(draft), None, draft=draft, key="newprop_errors")
