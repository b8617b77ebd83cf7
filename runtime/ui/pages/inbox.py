"""消息 (inbox): a person's notifications, unread first in the count; open the case, mark read.

The worker writes one row per person and message (runtime/notify/inbox.py); links in e-mails
and robot messages point here (`inbox?case=<id>`), which marks that case's messages read and
opens the case page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from runtime.notify import inbox
from runtime.ui import context as ctx
from runtime.ui.casework import CASE_KEY, now
from runtime.ui.fmt import when_text
from runtime.ui.main import goto

UNREAD_ONLY = "inbox_unread_only"
CASE_PARAM = "case"
LIMIT = 200
# Where a message without a case leads (its `link`): the page that does the work.
PAGE_OF_LINK = {"ack": "ack", "versions": "versions"}


def unread_count(username: str) -> int:
    """The bell's number for the navigation (0 when the store has no inbox yet)."""
    return inbox.unread(ctx.store(), username)


def inbox_page() -> None:
    """消息: the list, newest first; 只看未读, 全部标为已读, open, mark read."""
    session = ctx.guard("staff")
    repo = ctx.store()
    username = session.user.username
    _follow_link(username)
    st.title(ctx.tr("app.page.inbox"))
    unread = inbox.unread(repo, username)
    left, right = st.columns([3, 1])
    left.markdown(ctx.tr("app.inbox.bell", n=unread))
    if unread and right.button(ctx.tr("app.inbox.mark_all"), key="inbox_mark_all"):
        inbox.mark_all_read(repo, username, now())
        st.rerun()
    only = st.toggle(ctx.tr("app.inbox.unread_only"), key=UNREAD_ONLY)
    rows = inbox.messages(repo, username, only_unread=only, limit=LIMIT)
    if not rows:
        st.info(ctx.tr("app.inbox.empty"))
        return
    for row in rows:
        _row(row, username)


def _title(row: dict[str, Any]) -> str:
    en = ctx.lang() == "en" and row.get("title_en")
    return str(row.get("title_en") if en else row.get("title") or "")


def _row(row: dict[str, Any], username: str) -> None:
    kind = ctx.tr(f"notify.kind.{row.get('kind')}")
    number = f" {row['number']}" if row.get("number") else ""
    mark = "" if row.get("read") else "🔵 "
    with st.container(border=True):
        text, actions = st.columns([4, 2])
        text.markdown(f"{mark}**[{kind}]**{number} {_title(row)}")
        when = when_text(row.get("at"))
        due = when_text(row.get("due_at"))
        text.caption(when + (ctx.tr("notify.due", when=due) if due else ""))
        target = _target(row)
        if target is not None and actions.button(
                ctx.tr("app.inbox.open_case" if row.get("case_id") else "app.inbox.open"),
                key=f"inbox_open_{row['id']}"):
            inbox.mark_read(ctx.store(), int(row["id"]), username, now())
            page, state = target
            goto(page, **state)
        if not row.get("read") and actions.button(ctx.tr("app.inbox.mark_read"),
                                                  key=f"inbox_read_{row['id']}"):
            inbox.mark_read(ctx.store(), int(row["id"]), username, now())
            st.rerun()


def _target(row: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The page a message opens, with the session state it needs."""
    if row.get("case_id"):
        return "case", {CASE_KEY: str(row["case_id"])}
    page = PAGE_OF_LINK.get(str(row.get("link") or ""))
    return (page, {}) if page else None


def _follow_link(username: str) -> None:
    """`inbox?case=<id>` (the link in an e-mail or robot message): that case's messages are
    read now; the case page opens (it checks the user may see the case)."""
    case_id = st.query_params.get(CASE_PARAM)
    if not case_id:
        return
    del st.query_params[CASE_PARAM]
    inbox.mark_case_read(ctx.store(), username, str(case_id), now())
    goto("case", **{CASE_KEY: str(case_id)})
