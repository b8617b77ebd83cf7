"""后台任务状态: the worker's last tick (a warning when it is over 5 minutes old), the outbox
counts, delivery failures with 重新发送, and which external channels are configured."""

from __future__ import annotations

from typing import Any

import streamlit as st

from runtime.notify import outbox
from runtime.ui import context as ctx
from runtime.ui.casework import now
from runtime.ui.fmt import when_text
from runtime.worker import status as worker_status

STATES = ("pending", "sending", "retry", "sent", "failed")


def worker_page() -> None:
    """后台任务状态."""
    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.worker"))
    at = now()
    info = worker_status.read(ctx.store(), at, session.hb.notifications)
    if info.never:
        st.error(ctx.tr("app.worker.never"))
    elif info.stale:
        minutes = int((info.age.total_seconds() if info.age else 0) // 60)
        st.warning(ctx.tr("app.worker.stale", ago=minutes))
    else:
        minutes = int((info.age.total_seconds() if info.age else 0) // 60)
        st.success(ctx.tr("app.worker.ok", at=when_text(info.last_tick_at), ago=minutes))
    if not info.never:
        tick = info.tick
        cols = st.columns(4)
        cols[0].metric(ctx.tr("app.worker.holder"), str(info.holder or "—"))
        cols[1].metric(ctx.tr("app.worker.last"), when_text(info.last_tick_at))
        cols[2].metric(ctx.tr("app.worker.ticked"), int(tick.get("cases") or 0))
        cols[3].metric(ctx.tr("app.worker.took"), float(tick.get("ms") or 0.0))
        for err in tick.get("errors") or []:
            st.error(str(err))
    st.subheader(ctx.tr("app.worker.outbox"))
    for col, state in zip(st.columns(len(STATES)), STATES, strict=True):
        col.metric(ctx.tr(f"app.worker.status.{state}"), int(info.counts.get(state, 0)))
    st.subheader(ctx.tr("app.worker.channels"))
    st.dataframe([{ctx.tr("app.worker.channel"): c.name, ctx.tr("app.worker.kind"): c.kind,
                   ctx.tr("app.worker.env"): c.env,
                   ctx.tr("app.worker.configured"): "✓" if c.configured else "✗"}
                  for c in info.channels], hide_index=True)
    st.subheader(ctx.tr("app.worker.failures"))
    if not info.failures:
        st.info(ctx.tr("app.worker.no_failures"))
        return
    for entry in info.failures:
        _failure(entry, session.user.username)


def _failure(entry: dict[str, Any], username: str) -> None:
    with st.container(border=True):
        text, action = st.columns([5, 1])
        state = ctx.tr(f"app.worker.status.{entry.get('status')}")
        number = f" {entry['number']}" if entry.get("number") else ""
        title = entry.get("title_en") if ctx.lang() == "en" and entry.get("title_en") \
            else entry.get("title")
        text.markdown(f"**{state}** · {entry.get('channel')} → {entry.get('recipient')} ·"
                      f"{number} {title or ''}")
        text.caption(ctx.tr("app.worker.attempts", n=int(entry.get("attempts") or 0),
                            at=when_text(entry.get("failed_at")),
                            nxt=when_text(entry.get("next_attempt_at")))
                     + f" — {entry.get('last_error') or ''}")
        if action.button(ctx.tr("app.worker.retry"), key=f"outbox_retry_{entry['id']}"):
            outbox.retry_now(ctx.store(), int(entry["id"]), now(), by=username)
            st.rerun()
