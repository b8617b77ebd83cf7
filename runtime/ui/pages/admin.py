"""Administrator pages: rule browser, editor with validation, resolved view, import, users."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import streamlit as st

from runtime import auth
from runtime import model as m
from runtime.errors import RuleError
from runtime.ui import context as ctx
from runtime.ui.drafts import DraftStore, safe_relpath, validate_with
from runtime.ui.main import goto

_MONO = "<style>.stTextArea textarea {font-family: ui-monospace, Menlo, Consolas, monospace; " \
        "font-size: 13px; line-height: 1.45;}</style>"
KINDS = ("company", "property", "role", "procedure", "schedule", "form", "calendar", "training")
EDIT_FILE = "editor_file"


def drafts() -> DraftStore:
    """The draft store of the data directory."""
    return DraftStore(ctx.data_dir())


def _rule_rows(hb: m.Handbook, scope: str | None) -> list[dict[str, Any]]:
    rows = []
    for (kind, rid), data in sorted(hb.raw.items()):
        loc = hb.where(kind, rid)
        file = loc.file if loc else ""
        if scope is not None and kind != "property" and f"/properties/{scope}/" not in file:
            continue  # a property view lists only what the property itself changes
        rows.append({"kind": kind, "id": rid, "title": str(data.get("title", "")),
                     "version": str(data.get("version", "")), "file": file})
    return rows


def rules_page() -> None:
    """Browse rules by kind and property; open one in the editor."""
    ctx.guard("administer")
    st.title(ctx.tr("app.page.rules"))
    comp = ctx.compiled()
    base = comp.views[None]
    scopes: list[str | None] = [None, *sorted(base.properties)]
    cols = st.columns(2)
    scope = cols[0].selectbox(ctx.tr("app.col.property"), scopes, key="rules_scope",
                              format_func=lambda p: ctx.tr("app.company_level") if p is None
                              else ctx.title_of(base.properties[p].meta))
    kind = cols[1].selectbox(ctx.tr("app.kind"), ("*", *KINDS), key="rules_kind",
                             format_func=lambda k: ctx.tr("app.all") if k == "*"
                             else ctx.tr(f"app.kind.{k}"))
    rows = _rule_rows(comp.views.get(scope, base), scope)
    if scope is not None:
        # The property's own file and overlays, plus everything it inherits, marked as such.
        rows += [dict(r, inherited=True) for r in _rule_rows(base, None)]
    rows = [r for r in rows if kind in ("*", r["kind"])]
    errors_by_file: dict[str, int] = {}
    for e in comp.errors:
        errors_by_file[e.file] = errors_by_file.get(e.file, 0) + 1
    draft_files = set(drafts().list())
    table = [{ctx.tr("app.kind"): ctx.tr(f"app.kind.{r['kind']}"), "id": r["id"],
              ctx.tr("app.col.title"): r["title"], ctx.tr("app.col.version"): r["version"],
              ctx.tr("app.col.file"): r["file"],
              ctx.tr("app.rules.inherited"): "✓" if r.get("inherited") else "",
              ctx.tr("app.rules.errors"): errors_by_file.get(r["file"], 0),
              ctx.tr("app.rules.draft"): "✎" if r["file"] in draft_files else ""}
             for r in rows]
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(ctx.tr("app.rules.summary", files=len(comp.files), errors=len(comp.errors),
                      hash=comp.content_hash[:12]))
    files = sorted({r["file"] for r in rows if r["file"]})
    if files:
        chosen = st.selectbox(ctx.tr("app.col.file"), files, key="rules_file")
        if st.button(ctx.tr("app.rules.edit"), key="rules_edit"):
            goto("editor", **{EDIT_FILE: chosen})


def _numbered(text: str, lines: set[int]) -> str:
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        mark = "▶" if i in lines else " "
        out.append(f"{mark}{i:4d} | {line}")
    return "\n".join(out)


def show_errors(errors: list[RuleError], focus: str | None, text: str | None = None) -> None:
    """Every error, those of the edited file first, each at its line with the line's text."""
    if not errors:
        st.success(ctx.tr("app.editor.valid"))
        return
    own = [e for e in errors if e.file == focus]
    other = [e for e in errors if e.file != focus]
    st.error(ctx.tr("app.editor.invalid", n=len(errors), own=len(own)))
    source = text.splitlines() if text is not None else []
    for e in own + other:
        line = source[e.line - 1].strip() if e.file == focus and 0 < e.line <= len(source) \
            else ""
        kind = st.warning if e.severity == "warning" else st.error
        kind(f"{e.human()}  [{e.code}]" + (f"\n\n`{line}`" if line else ""))


def editor_page() -> None:
    """Edit one rule file as a draft; validate the whole tree with it on save."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.editor"))
    comp = ctx.compiled()
    store = drafts()
    files = sorted(set(comp.files) | set(store.list()))
    if not files:
        st.info(ctx.tr("app.none"))
        return
    if st.session_state.get(EDIT_FILE) not in files:
        st.session_state[EDIT_FILE] = files[0]
    rel = st.selectbox(ctx.tr("app.col.file"), files, key=EDIT_FILE)
    draft = store.get(rel)
    shipped = store.shipped_text(rel) or ""
    original = draft.text if draft else shipped
    text_key = f"editor_text::{rel}"
    if draft:
        st.info(ctx.tr("app.editor.draft_of", who=draft.saved_by, when=draft.saved_at))
    # Native text area (AppTest can drive it; no CDN editor component) in a monospace font,
    # beside a syntax-highlighted, line-numbered view of what is typed.
    st.markdown(_MONO, unsafe_allow_html=True)
    left, right = st.columns(2)
    with left:
        text = st.text_area(ctx.tr("app.editor.text"), value=original, height=520,
                            key=text_key)
    with right:
        st.caption(ctx.tr("app.editor.preview"))
        preview = st.empty()
    cols = st.columns(4)
    do_check = cols[0].button(ctx.tr("app.editor.validate"), key="editor_validate")
    do_save = cols[1].button(ctx.tr("app.editor.save"), type="primary", key="editor_save")
    do_discard = cols[2].button(ctx.tr("app.editor.discard"), key="editor_discard",
                                disabled=draft is None)
    if do_discard:
        store.discard(rel)
        st.session_state.pop(text_key, None)
        st.rerun()
    errors: list[RuleError] | None = None
    if do_check or do_save:
        rules_dir, forms_dir = ctx.rule_dirs()
        errors = validate_with({rel: text}, rules_dir=rules_dir, forms_dir=forms_dir)
    if do_save and errors is not None:
        blocking = sum(1 for e in errors if e.severity == "error")
        store.save(rel, text, session.user.username, comp.content_hash, blocking)
        st.success(ctx.tr("app.editor.saved", path=f"drafts/{safe_relpath(rel)}"))
    if errors is not None:
        show_errors(errors, rel, text)
    bad_lines = {e.line for e in errors or [] if e.file == rel}
    with preview.container(height=520):
        if bad_lines:  # mark the lines with errors (▶) in the numbered view
            st.code(_numbered(text, bad_lines), language=None)
        else:
            st.code(text, language="yaml", line_numbers=True)


def _leaves(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int,
                                                                                  ...], Any]]:
    if isinstance(data, dict) and data:
        for k, v in data.items():
            yield from _leaves(v, (*prefix, k))
    elif isinstance(data, list) and data:
        for i, v in enumerate(data):
            yield from _leaves(v, (*prefix, i))
    else:
        yield prefix, data


def resolved_page() -> None:
    """A property's resolved rules with provenance: company value or property override."""
    ctx.guard("administer")
    st.title(ctx.tr("app.page.resolved"))
    base = ctx.handbook(None)
    pids = sorted(base.properties)
    if not pids:
        st.info(ctx.tr("app.none"))
        return
    cols = st.columns(3)
    pid = cols[0].selectbox(ctx.tr("app.col.property"), pids, key="resolved_property",
                            format_func=lambda p: ctx.title_of(base.properties[p].meta))
    hb = ctx.handbook(pid)
    kinds = sorted({k for k, _ in hb.raw})
    kind = cols[1].selectbox(ctx.tr("app.kind"), kinds, key="resolved_kind",
                             index=kinds.index("procedure") if "procedure" in kinds else 0,
                             format_func=lambda k: ctx.tr(f"app.kind.{k}"))
    ids = sorted(rid for k, rid in hb.raw if k == kind)
    rid = cols[2].selectbox("id", ids, key="resolved_id")
    only = st.toggle(ctx.tr("app.resolved.only_overrides"), key="resolved_only")
    rows = []
    for path, value in _leaves(dict(hb.raw[(kind, rid)])):
        loc = hb.where(kind, rid, path)
        file = loc.file if loc else ""
        override = f"/properties/{pid}/" in file
        if only and not override:
            continue
        rows.append({ctx.tr("app.resolved.path"): _path_text(path),
                     ctx.tr("app.resolved.value"): str(value),
                     ctx.tr("app.resolved.origin"): ctx.tr("app.resolved.override") if override
                     else ctx.tr("app.resolved.company"),
                     ctx.tr("app.resolved.source"): str(loc) if loc else ""})
    st.dataframe(rows, hide_index=True, width="stretch", height=520)
    n = sum(1 for r in rows if r[ctx.tr("app.resolved.origin")] == ctx.tr("app.resolved.override"))
    st.caption(ctx.tr("app.resolved.summary", n=len(rows), overrides=n))


def _path_text(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def import_page() -> None:
    """Paste or upload handbook text → parsed preview beside the source → save as drafts."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.import"))
    try:
        importer = importlib.import_module("runtime.importer")
        preview_fn = importer.preview
    except (ImportError, AttributeError):
        st.warning(ctx.tr("app.import.unavailable"))
        return
    cols = st.columns(2)
    kind = cols[0].selectbox(ctx.tr("app.kind"), ("auto", "role", "procedure", "schedule"),
                             key="import_kind")
    base = ctx.handbook(None)
    pid = cols[1].selectbox(ctx.tr("app.col.property"), [None, *sorted(base.properties)],
                            key="import_property",
                            format_func=lambda p: ctx.tr("app.company_level") if p is None
                            else ctx.title_of(base.properties[p].meta))
    upload = st.file_uploader(ctx.tr("app.import.upload"), type=["txt", "md"],
                              key="import_upload")
    text = st.text_area(ctx.tr("app.import.paste"), height=240, key="import_text")
    if upload is not None:
        text = upload.getvalue().decode("utf-8", errors="replace")
    if not text.strip():
        return
    result = preview_fn(text, kind, pid)
    files: dict[str, str] = dict(getattr(result, "files", {}) or {})
    unplaced = list(getattr(result, "unplaced", []) or [])
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {ctx.tr('app.import.source')}")
        st.code(text, language=None, line_numbers=True)
    with right:
        st.markdown(f"#### {ctx.tr('app.import.result')}")
        for name, body in files.items():
            with st.expander(name, expanded=True):
                st.code(body, language="yaml", line_numbers=True)
    for item in unplaced:
        st.warning(f"{ctx.tr('app.import.unplaced')}: {item}")
    if files and st.button(ctx.tr("app.import.save"), type="primary", key="import_save"):
        store = drafts()
        comp = ctx.compiled()
        for name, body in files.items():
            store.save(name, body, session.user.username, comp.content_hash, 0)
        st.success(ctx.tr("app.import.saved", n=len(files)))


def users_page() -> None:
    """Users, their roles and property; create accounts and reset passwords."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.users"))
    directory = ctx.users()
    base = ctx.handbook(None)
    all_users = [u for u in directory.list()
                 if u.property is None or session.caps.may_see_property(u.property)
                 or session.caps.can("all_properties")]
    st.dataframe([{ctx.tr("app.login.username"): u.username, ctx.tr("app.col.user"): u.name,
                   ctx.tr("app.role"): "、".join(ctx.role_title(base, r) for r in u.roles),
                   ctx.tr("app.col.property"): u.property or ctx.tr("app.company_level"),
                   ctx.tr("app.users.active"): "✓" if u.active else "✗"}
                  for u in all_users], hide_index=True, width="stretch")
    names = ["", *[u.username for u in all_users]]
    chosen = st.selectbox(ctx.tr("app.users.edit"), names, key="users_pick",
                          format_func=lambda n: ctx.tr("app.users.new") if n == "" else n)
    existing = directory.get(chosen) if chosen else None
    props: list[str | None] = [None, *sorted(base.properties)]
    with st.form(f"user_form_{chosen or 'new'}"):
        username = st.text_input(ctx.tr("app.login.username"),
                                 value=existing.username if existing else "",
                                 disabled=existing is not None)
        name = st.text_input(ctx.tr("app.col.user"), value=existing.name if existing else "")
        roles = st.multiselect(ctx.tr("app.role"), sorted(base.roles),
                               default=[r for r in (existing.roles if existing else ())
                                        if r in base.roles],
                               format_func=lambda r: ctx.role_title(base, r))
        prop = st.selectbox(ctx.tr("app.col.property"), props,
                            index=props.index(existing.property) if existing
                            and existing.property in props else 0,
                            format_func=lambda p: ctx.tr("app.company_level") if p is None
                            else ctx.title_of(base.properties[p].meta))
        active = st.checkbox(ctx.tr("app.users.active"),
                             value=existing.active if existing else True)
        password = st.text_input(ctx.tr("app.login.password"), type="password",
                                 help=ctx.tr("app.users.password_help"))
        saved = st.form_submit_button(ctx.tr("app.save"), type="primary")
    if saved:
        user = auth.User(existing.username if existing else username.strip(),
                         name.strip() or username.strip(), tuple(roles), prop,
                         active=active, demo=existing.demo if existing else False)
        if existing:
            user = replace(user, password_hash=existing.password_hash)
        try:
            directory.save(user, password or None)
        except ValueError as exc:
            st.error(ctx.tr("app.users.invalid", reason=str(exc)))
        else:
            st.success(ctx.tr("app.users.saved", name=user.username))
