"""Document-control components shared by the editor and the versions page.

The one check's list (each error in the user's language, with a button that opens its file at
its line in the editor), a draft's 有错误 status, the properties a draft affects, and the
编制/审核/批准 header of a published version. Decisions stay in runtime.versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from runtime.compiler import messages, pipeline
from runtime.errors import RuleError
from runtime.ui import context as ctx
from runtime.ui.main import GOTO_KEY
from runtime.versions.control import Actor, Scope
from runtime.versions.drafts import Draft, Drafts
from runtime.versions.gate import blocking

EDIT_FILE = "editor_file"
EDIT_LINE = "editor_line"
DRAFT_KEY = "editor_draft"


def actor(session: ctx.Session) -> Actor:
    """The signed-in person as document control sees them (name, roles, property)."""
    user = session.user
    return Actor(user.username, tuple(user.roles), user.property, user.name)


def show_errors(errors: list[RuleError], focus: str | None, text: str | None = None,
                draft: Draft | None = None, key: str = "errors") -> None:
    """Every problem, one per line in the user's language, those of `focus` first; with a
    draft, each line opens its file at its line in the editor."""
    bad = blocking(errors)
    if not errors:
        st.success(ctx.tr("app.editor.valid"))
        return
    own = [e for e in errors if e.file == focus]
    other = [e for e in errors if e.file != focus]
    if bad:
        st.error(ctx.tr("app.editor.invalid", n=len(errors), own=len(own)))
    else:
        st.warning(ctx.tr("control.warnings_only", n=len(errors)))
    source = text.splitlines() if text is not None else []
    lang = ctx.lang()
    files = _tree_files(draft) if draft is not None else set()
    for i, e in enumerate(own + other):
        line = source[e.line - 1].strip() if e.file == focus and 0 < e.line <= len(source) \
            else ""
        body = messages.describe(e, lang) + f"  [{e.code}]" + (f"\n\n`{line}`" if line else "")
        box = st.warning if e.severity == "warning" else st.error
        if draft is None or e.file not in files:
            box(body)
            continue
        left, right = st.columns([6, 1], vertical_alignment="center")
        with left:
            box(body)
        # A callback, not `if button:`: the list is drawn only on the run that checked, and a
        # callback still fires on the next run when the button is no longer drawn.
        right.button(ctx.tr("control.open_line", line=e.line), key=f"{key}_open_{i}",
                     on_click=open_in_editor, args=(draft.id, e.file, e.line))


def open_in_editor(draft_id: str, file: str, line: int) -> None:
    """Open `file` of a draft in the editor with `line` marked (a button callback)."""
    st.session_state[DRAFT_KEY] = draft_id
    st.session_state[EDIT_FILE] = file
    st.session_state[EDIT_LINE] = {"file": file, "line": line}
    st.session_state[GOTO_KEY] = "editor"


def _tree_files(draft: Draft) -> set[str]:
    from runtime.ui.drafts import tree_files

    return set(tree_files(draft.rules, draft.forms))


def has_errors(repo: Drafts, draft: Draft) -> bool:
    """Whether an open draft fails the one check (shown as 有错误 wherever it is listed)."""
    if draft.state in ("published", "withdrawn"):
        return False
    return bool(blocking(repo.check(draft)))


def affects_text(scope: Scope, draft: Draft | None = None) -> str:
    """'影响: 桃源村管理处、…' for a draft's scope ('' when it changes nothing)."""
    if not scope.files:
        return ""
    known = dict(ctx.handbook(None).properties)
    if draft is not None:  # a property the draft adds is named by the draft's own rules
        view = pipeline.compiled(draft.rules, draft.forms).views.get(None)
        known = {**(dict(view.properties) if view else {}), **known}
    names = [ctx.title_of(known[p].meta) if p in known else p for p in scope.properties]
    text = ctx.tr("control.affects", properties="、".join(names) or "—")
    if scope.company:
        text = f"{ctx.tr('control.affects.company')} · {text}"
    return text


def role_name(role: str) -> str:
    """A role id as its title in the company rules."""
    return ctx.role_title(ctx.handbook(None), role) if role else ""


def step_label(entry: Mapping[str, Any]) -> str:
    """'审核: 李四 (品质部主管) 2026-11-23 10:00' for one workflow step."""
    action = str(entry.get("action", ""))
    return ctx.tr("control.header", step=ctx.tr(f"control.step.{action}"),
                  name=entry.get("name") or entry.get("by", ""),
                  role=role_name(str(entry.get("role", ""))) or "—",
                  at=str(entry.get("at", ""))[:16].replace("T", " "))


def version_header(approvals: tuple[Mapping[str, Any], ...] | list[Mapping[str, Any]],
                   published_by: str) -> str:
    """The 编制 · 审核 · 批准 · 发布 line of a published version."""
    parts = [step_label(a) for a in approvals
             if a.get("action") in ("submit", "review", "approve")]
    if published_by:
        parts.append(f"{ctx.tr('control.step.publish')}: {published_by}")
    return " · ".join(parts)
