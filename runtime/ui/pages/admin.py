"""Administrator pages: rule browser, editor with validation, resolved view, import, users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import streamlit as st

from runtime import auth
from runtime.compiler import model as m
from runtime.errors import HandbookError, RuleError, RuleErrors, StaleBase
from runtime.ui import context as ctx
from runtime.ui import control as control_ui
from runtime.ui.control import show_errors
from runtime.ui.drafts import tree_files, validate_with
from runtime.ui.main import goto
from runtime.ui.rebase import rebase_panel
from runtime.versions import VersionInfo
from runtime.versions import acks as read_tasks
from runtime.versions.control import Actor, ControlDenied
from runtime.versions.diff import diff_trees
from runtime.versions.drafts import TRANSITIONS, Conflict, Draft
from runtime.versions.gate import blocking

_MONO = "<style>.stTextArea textarea {font-family: ui-monospace, Menlo, Consolas, monospace; " \
        "font-size: 13px; line-height: 1.45;}</style>"
KINDS = ("company", "property", "role", "procedure", "schedule", "form", "calendar", "training")
EDIT_FILE = "editor_file"


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
    draft_files = {rel for d in ctx.drafts().all() if d.state == "draft"
                   for rel in _changed_files(d)}
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


DRAFT_KEY = "editor_draft"
NEW_DRAFT = ""


def _actor(session: ctx.Session) -> Actor:
    return control_ui.actor(session)


def draft_picker(session: ctx.Session, key: str, editable_only: bool = True) -> Draft | None:
    """Choose a working copy (or create one); None when there is none yet."""
    repo = ctx.drafts()
    drafts = [d for d in repo.all() if not editable_only or d.state == "draft"]
    ids = [d.id for d in drafts]
    by_id = {d.id: d for d in drafts}
    options = [*ids, NEW_DRAFT]
    pending = st.session_state.pop(f"{key}__pending", None)
    if pending in options:  # a draft created on the last run: select it before the widget
        st.session_state[key] = pending
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    broken = {d.id for d in drafts if control_ui.has_errors(repo, d)}
    chosen = st.selectbox(ctx.tr("app.draft.pick"), options, key=key,
                          format_func=lambda i: ctx.tr("app.draft.new") if i == NEW_DRAFT
                          else f"{by_id[i].title} · {by_id[i].created_by} · "
                          f"{ctx.tr('app.draft.state.' + by_id[i].state)}"
                          + (f" · {ctx.tr('control.has_errors')}" if i in broken else ""))
    if chosen != NEW_DRAFT:
        return by_id[chosen]
    cols = st.columns([3, 1])
    title = cols[0].text_input(ctx.tr("app.draft.title"), key=f"{key}__title",
                               placeholder=ctx.tr("app.draft.title_hint"))
    if cols[1].button(ctx.tr("app.draft.create"), key=f"{key}__create", type="primary"):
        if not title.strip():
            st.error(ctx.tr("app.draft.title_required"))
            return None
        draft = repo.create(title.strip(), session.user.username)
        st.session_state[f"{key}__pending"] = draft.id
        st.rerun()
    return None


def editor_page() -> None:
    """Edit rule files in a working copy; every error of the whole tree shown at its line."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.editor"))
    st.caption(ctx.tr("app.editor.intro"))
    draft = draft_picker(session, DRAFT_KEY)
    if draft is None:
        return
    repo = ctx.drafts()
    files = tree_files(draft.rules, draft.forms)
    if st.session_state.get(EDIT_FILE) not in files:
        st.session_state[EDIT_FILE] = files[0]
    rel = st.selectbox(ctx.tr("app.col.file"), files, key=EDIT_FILE)
    saved_text, saved_hash = repo.read(draft, rel)
    text_key = f"editor_text::{draft.id}::{rel}"
    base_key = f"{text_key}::base"
    # The hash the editing started from: a save against a changed file is a conflict.
    base_hash = st.session_state.setdefault(base_key, saved_hash)
    # Native text area (AppTest can drive it; no CDN editor component) in a monospace font,
    # beside a syntax-highlighted, line-numbered view of what is typed.
    st.markdown(_MONO, unsafe_allow_html=True)
    left, right = st.columns(2)
    with left:
        text = st.text_area(ctx.tr("app.editor.text"), value=saved_text, height=520,
                            key=text_key)
    with right:
        st.caption(ctx.tr("app.editor.preview"))
        preview = st.empty()
    cols = st.columns(3)
    do_check = cols[0].button(ctx.tr("app.editor.validate"), key="editor_validate")
    do_save = cols[1].button(ctx.tr("app.editor.save"), type="primary", key="editor_save")
    errors: list[RuleError] | None = None
    if do_check or do_save:
        # The one check: the same list submit and publish will give, version bumps included.
        errors = validate_with({rel: text}, rules_dir=draft.rules, forms_dir=draft.forms,
                               live=repo.versions.current())
    if do_save:
        try:
            new_hash = repo.save(draft, rel, text, base_hash, _actor(session))
        except Conflict as exc:
            st.error(ctx.tr("app.editor.conflict", path=exc.saved_as))
            st.code(exc.diff or "", language="diff")
        except ControlDenied as exc:  # a property account editing another's file: why
            st.error(exc.text(ctx.lang()))
            errors = None
        except HandbookError as exc:
            st.error(str(exc))
        else:
            st.session_state[base_key] = new_hash
            bad = blocking(errors or [])
            if bad:  # saved (work is never lost), but never a green "saved" above errors
                st.warning(ctx.tr("control.saved_with_errors", draft=draft.title, n=len(bad)))
            else:
                st.success(ctx.tr("app.editor.saved", draft=draft.title))
    if errors is not None:
        show_errors(errors, rel, text, draft=draft, key="editor_errors")
    bad_lines = {e.line for e in errors or [] if e.file == rel}
    focus = st.session_state.get(control_ui.EDIT_LINE)
    if isinstance(focus, dict) and focus.get("file") == rel and errors is None:
        # Opened from an error's "open line" button: mark that line.
        st.info(ctx.tr("control.line_focus", line=focus["line"]))
        bad_lines = {int(focus["line"])}
    with preview.container(height=520):
        if bad_lines:  # mark the lines with errors (▶) in the numbered view
            st.code(_numbered(text, bad_lines), language=None)
        else:
            st.code(text, language="yaml", line_numbers=True)


def versions_page() -> None:
    """版本与发布: published versions, and each draft's way through 编制 → 审核 → 批准 → 发布."""
    session = ctx.guard("control")  # administrators and every document-control role
    st.title(ctx.tr("app.page.versions"))
    repo = ctx.drafts()
    versions = repo.versions.all()
    live = repo.versions.current_number()
    st.dataframe([{ctx.tr("app.col.version"): v.number,
                   ctx.tr("app.versions.live"): "✓" if v.number == live else "",
                   ctx.tr("app.col.when"): v.published_at, ctx.tr("app.col.who"): v.published_by,
                   ctx.tr("app.versions.message"): v.message,
                   ctx.tr("control.steps"): control_ui.version_header(v.approvals, "")}
                  for v in versions],
                 hide_index=True, width="stretch")
    live_info = next((v for v in versions if v.number == live), None)
    if live_info is not None and live_info.approvals:  # who drafted, reviewed, approved it
        st.caption(ctx.tr("control.live_header", n=live_info.number,
                          steps=control_ui.version_header(live_info.approvals,
                                                          live_info.published_by)))
    # Imported here: versions_ui uses this module's helpers (show_errors) in turn.
    from runtime.ui.pages import versions_ui

    with st.expander(ctx.tr("app.changes.history"), expanded=len(versions) > 1):
        versions_ui.history_section(None, repo, "versions_history")
    st.subheader(ctx.tr("app.versions.drafts"))
    draft = draft_picker(session, "versions_draft", editable_only=False)
    if draft is None:
        return
    st.dataframe([{ctx.tr("app.col.when"): h.get("at", ""),
                   ctx.tr("app.col.who"): h.get("name") or h.get("by"),
                   ctx.tr("app.role"): control_ui.role_name(str(h.get("role") or "")),
                   ctx.tr("app.col.event"): h.get("action"),
                   ctx.tr("app.versions.comment"): h.get("comment") or h.get("file", "")}
                  for h in draft.history], hide_index=True, width="stretch")
    affects = control_ui.affects_text(repo.scope(draft), draft)
    if affects:
        st.markdown(f"**{affects}**")
    errors = repo.check(draft) if draft.state not in ("published", "withdrawn") else []
    if blocking(errors):  # 有错误, with the same list the editor and submit show
        st.error(ctx.tr("control.draft_errors", n=len(blocking(errors))))
    versions_ui.draft_changes(repo, draft)
    rebase_panel(repo, draft, session.user.username)
    if st.button(ctx.tr("app.versions.check"), key="versions_check"):
        show_errors(errors, None, draft=draft, key="versions_errors")
    actions = [a for a, (needs, _to, _duty) in TRANSITIONS.items() if draft.state in needs]
    if not actions:
        return
    comment = st.text_input(ctx.tr("app.versions.comment"), key="versions_comment")
    cols = st.columns(len(actions))
    for col, action in zip(cols, actions, strict=True):
        if col.button(ctx.tr(f"app.versions.act.{action}"), key=f"versions_{action}"):
            before = repo.versions.current()
            # Publishing checks, copies and reloads the whole handbook: show that it works.
            status = st.status(ctx.tr("app.progress.publishing"), expanded=True) \
                if action == "publish" else None
            try:
                repo.act(draft, action, _actor(session), comment)
            except RuleErrors as exc:
                show_errors(exc.errors, None, draft=draft, key="versions_refused")
            except ControlDenied as exc:  # wrong role, person or scope: why, in the user's language
                st.error(exc.text(ctx.lang()))
            except StaleBase as exc:  # another version went live: the rebase panel offers it
                st.error(ctx.tr("app.rebase.stale", base=exc.base, live=exc.live, versions=""))
            except HandbookError as exc:  # refused with the reason
                st.error(str(exc))
            else:
                if status is not None:
                    status.write(ctx.tr("app.progress.published"))
                    status.write(ctx.tr("app.progress.read_tasks",
                                        n=_create_read_tasks(before)))
                    ctx.refresh_rules()  # the app switches to the new version at once
                    status.update(label=ctx.tr("app.progress.publish_done"), state="complete")
                st.rerun()
            if status is not None:  # refused: the reason is shown above
                status.update(label=ctx.tr("app.progress.publish_failed"), state="error")


def _create_read_tasks(before: VersionInfo) -> int:
    """Everyone holding a role the published change touches gets a read task (issue 7)."""
    after = ctx.drafts().versions.current()
    changes = diff_trees(before.rules, before.forms, after.rules, after.forms)
    people = [u.to_doc() for u in ctx.users().list()]
    return read_tasks.create_tasks(ctx.store(), after.number, changes, people)


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


def _changed_files(draft: Draft) -> set[str]:
    return {str(h["file"]) for h in draft.history if h.get("action") == "edit" and h.get("file")}


def import_page() -> None:
    """导入手册: the page lives in runtime/ui/pages/import_ui.py."""
    from runtime.ui.pages.import_ui import import_page as page

    page()


def users_page() -> None:
    """Users, their roles and property; create accounts and reset passwords."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.users"))
    directory = ctx.users()
    base = ctx.handbook(None)
    company_wide = session.caps.can("all_properties")
    # A property's administrator manages that property's people; company-level accounts
    # only an administrator with all-properties access.
    all_users = [u for u in directory.list()
                 if company_wide or (u.property is not None
                                     and session.caps.may_see_property(u.property))]
    st.dataframe([{ctx.tr("app.login.username"): u.username, ctx.tr("app.col.user"): u.name,
                   ctx.tr("app.role"): "、".join(ctx.role_title(base, r) for r in u.roles),
                   ctx.tr("app.col.property"): u.property or ctx.tr("app.company_level"),
                   ctx.tr("app.users.active"): "✓" if u.active else "✗"}
                  for u in all_users], hide_index=True, width="stretch")
    from runtime.ui.locks import locks_panel

    locks_panel(None if company_wide else {u.username.casefold() for u in all_users})
    names = ["", *[u.username for u in all_users]]
    chosen = st.selectbox(ctx.tr("app.users.edit"), names, key="users_pick",
                          format_func=lambda n: ctx.tr("app.users.new") if n == "" else n)
    existing = directory.get(chosen) if chosen else None
    props: list[str | None] = ([None] if company_wide else []) + sorted(session.caps.properties)
    role_titles = {r: ctx.role_title(ctx.handbook(pid), r)
                   for pid in reversed(props) for r in ctx.handbook(pid).roles}
    role_ids = sorted(role_titles)
    with st.form(f"user_form_{chosen or 'new'}"):
        username = st.text_input(ctx.tr("app.login.username"),
                                 value=existing.username if existing else "",
                                 disabled=existing is not None)
        name = st.text_input(ctx.tr("app.col.user"), value=existing.name if existing else "")
        roles = st.multiselect(ctx.tr("app.role"), role_ids,
                               default=[r for r in (existing.roles if existing else ())
                                        if r in role_ids],
                               format_func=lambda r: role_titles.get(r, r))
        prop = st.selectbox(ctx.tr("app.col.property"), props,
                            index=props.index(existing.property) if existing
                            and existing.property in props else 0,
                            format_func=lambda p: ctx.tr("app.company_level") if p is None
                            else ctx.title_of(base.properties[p].meta))
        active = st.checkbox(ctx.tr("app.users.active"),
                             value=existing.active if existing else True)
        password = st.text_input(ctx.tr("app.login.password"), type="password",
                                 help=ctx.tr("app.users.password_help"))
        phone = st.text_input(ctx.tr("ws.users.phone"), value=existing.phone if existing else "")
        email = st.text_input(ctx.tr("ws.users.email"), value=existing.email if existing else "")
        langs = ["zh", "en"]
        lang = st.radio(ctx.tr("app.users.notify_lang"), langs, horizontal=True,
                        index=langs.index(existing.lang) if existing else 0,
                        format_func={"zh": "中文", "en": "English"}.__getitem__,
                        key=f"user_notify_lang_{chosen or 'new'}")
        saved = st.form_submit_button(ctx.tr("app.save"), type="primary")
    if saved:
        if prop not in props or (existing is not None and existing not in all_users):
            st.error(ctx.tr("app.denied"))  # checked again on the server, not only in the UI
            return
        unknown = auth.check_roles(roles, ctx.handbook(prop))
        if unknown:
            st.error(ctx.tr("app.users.invalid", reason=", ".join(unknown)))
            return
        user = auth.User(existing.username if existing else username.strip(),
                         name.strip() or username.strip(), tuple(roles), prop,
                         active=active, demo=existing.demo if existing else False,
                         phone=phone.strip(), email=email.strip(), lang=lang)
        if existing:
            user = replace(user, password_hash=existing.password_hash)
        try:
            directory.save(user, password or None)
        except ValueError as exc:
            reason = ctx.tr("ws.users.email_invalid") if "email" in str(exc) else str(exc)
            st.error(ctx.tr("app.users.invalid", reason=reason))
        else:
            st.success(ctx.tr("app.users.saved", name=user.username))
            # Deactivated or given a new password: every open session ends now.
            if existing is not None and (not active or password) and \
                    ctx.session_store().revoke_user(user.username):
                    st.info(ctx.tr("ws.users.sessions_ended", name=user.name))
