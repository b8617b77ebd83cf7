"""AppTest: the inbox (bell, list, mark read, open the case, links from e-mails) and the
worker status page (never ran, fresh, stale, failures with 重新发送)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import open_page, sign_in

PROPERTY = "taoyuan-village"


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def _overdue_case_ticked() -> tuple[Any, Any]:
    """A complaint filed three days ago, then one worker tick: breaches, escalations and
    their inbox rows, through the real engine, notifier and delivery."""
    from runtime.ui import context as ctx
    from runtime.ui.casework import now
    from runtime.worker.worker import Worker

    eng = ctx.engine()
    at = now() - timedelta(days=3)
    data = {"received_at": at.isoformat(timespec="seconds"), "channel": "phone",
            "complainant": "王五", "unit": "1-101", "kind": "complaint", "content": "噪音"}
    case = eng.start_case("complaint-handling", PROPERTY, data, at, "frontdesk.taoyuan",
                          "front-desk")
    case = eng.complete_step(case.id, {}, at, "frontdesk.taoyuan", step="receive")
    worker = Worker(eng, ctx.store(), holder="test")
    res = worker.run_once()
    assert res is not None and res.events and res.sent, res
    return case, res


def _inbox_rows(username: str) -> list[dict[str, Any]]:
    from runtime.notify import inbox
    from runtime.ui import context as ctx

    return inbox.messages(ctx.store(), username)


def test_the_bell_counts_unread_and_the_list_opens_the_case() -> None:
    sign_in("frontdesk.taoyuan")  # first start: demo users and the store
    case, _ = _overdue_case_ticked()
    rows = [r for r in _inbox_rows("assistant.taoyuan") if r["case_id"] == case.id]
    assert rows and {r["kind"] for r in rows} >= {"breach"}
    unread = sum(not r["read"] for r in _inbox_rows("assistant.taoyuan"))

    at = sign_in("assistant.taoyuan")
    assert not at.exception
    # The bell is on every page: a sidebar link with the count.
    links = [e.proto for e in at.sidebar if e.type == "page_link"]
    assert [(p.label, p.page) for p in links] == [(f"🔔 {unread} 条未读消息", "inbox")], links

    at = open_page(at, "inbox")
    assert not at.exception
    md = " ".join(_texts(at, "markdown"))
    assert f"🔔 {unread} 条未读消息" in md
    assert case.number in md and "[超时]" in md
    breach = next(r for r in _inbox_rows("assistant.taoyuan")
                  if r["case_id"] == case.id and r["kind"] == "breach")
    button = at.button(key=f"inbox_open_{breach['id']}")
    assert button.label == "打开案件"
    button.click().run()
    assert not at.exception
    assert [str(t.value) for t in at.title] == ["办理案件"]
    assert at.session_state["case_id"] == case.id
    assert sum(not r["read"] for r in _inbox_rows("assistant.taoyuan")) == unread - 1


def test_mark_read_unread_only_and_mark_all() -> None:
    sign_in("frontdesk.taoyuan")
    _overdue_case_ticked()
    at = open_page(sign_in("assistant.taoyuan"), "inbox")
    before = sum(not r["read"] for r in _inbox_rows("assistant.taoyuan"))
    assert before >= 1
    next(b for b in at.button if b.key and b.key.startswith("inbox_read_")).click().run()
    assert sum(not r["read"] for r in _inbox_rows("assistant.taoyuan")) == before - 1
    at.toggle(key="inbox_unread_only").set_value(True).run()
    assert len([b for b in at.button if b.key and b.key.startswith("inbox_open_")]) == before - 1
    if before > 1:
        at.button(key="inbox_mark_all").click().run()
    assert sum(not r["read"] for r in _inbox_rows("assistant.taoyuan")) == 0
    assert "没有消息。" in _texts(at.run(), "info")
    # Someone else's inbox is not shown here.
    assert all(r["username"] == "assistant.taoyuan" for r in _inbox_rows("assistant.taoyuan"))


def test_a_link_from_an_email_opens_the_case_and_marks_it_read() -> None:
    from runtime.ui import context as ctx

    sign_in("frontdesk.taoyuan")
    case, _ = _overdue_case_ticked()
    token = sign_in("assistant.taoyuan").session_state[ctx.TOKEN_KEY]

    def script() -> None:  # the page as reached by URL: /inbox?case=<id>
        from runtime.ui.pages.inbox import inbox_page

        inbox_page()

    at = AppTest.from_function(script, default_timeout=60)
    at.session_state[ctx.TOKEN_KEY] = token
    at.query_params["case"] = case.id
    at.run()
    assert not at.exception
    assert at.session_state["_goto"] == "case"  # the router opens the case page next
    assert at.session_state["case_id"] == case.id
    assert "case" not in at.query_params
    assert not [r for r in _inbox_rows("assistant.taoyuan")
                if r["case_id"] == case.id and not r["read"]]


def test_worker_status_never_fresh_stale_and_failures() -> None:
    from runtime.notify import outbox
    from runtime.ui import context as ctx
    from runtime.worker import lease

    at = open_page(sign_in("admin.taoyuan"), "worker")
    assert not at.exception
    assert any("从未运行" in e for e in _texts(at, "error"))

    _overdue_case_ticked()
    at = open_page(sign_in("admin.taoyuan"), "worker")
    assert any("后台任务正常" in s for s in _texts(at, "success")), _texts(at, "success")
    assert [m.label for m in at.metric][:2] == ["运行者", "上次运行"]
    assert at.metric[0].value == "test"

    # Six minutes without a tick: a warning.
    store = ctx.store()
    holder = lease.Lease(store, "test", timedelta(minutes=3))
    assert holder.acquire()
    assert holder.record({"tick": {}}, lease.wall_now() - timedelta(minutes=6))
    at = open_page(sign_in("admin.taoyuan"), "worker")
    assert any("超过 5 分钟" in w for w in _texts(at, "warning")), _texts(at, "warning")

    # A failed delivery is listed and can be sent again.
    entry = {"key": "t|email|nobody", "channel": "email", "recipient": "nobody",
             "kind": "breach", "title": "测试失败", "title_en": "failed test",
             "status": "pending", "attempts": 0, "next_attempt_at": "2026-01-01T00:00:00"}
    outbox.write(store, [entry])
    (doc,) = store.find(outbox.OUTBOX, key="t|email|nobody")
    outbox.mark_failed(store, doc, lease.wall_now(), "SMTP refused", permanent=True)
    at = open_page(sign_in("admin.taoyuan"), "worker")
    md = " ".join(_texts(at, "markdown"))
    assert "测试失败" in md and "nobody" in md
    assert any("SMTP refused" in c for c in _texts(at, "caption"))
    at.button(key=f"outbox_retry_{doc['id']}").click().run()
    assert not at.exception
    assert store.get(outbox.OUTBOX, doc["id"])["status"] == "retry"


def test_staff_cannot_open_the_worker_page() -> None:
    at = open_page(sign_in("frontdesk.taoyuan"), "worker")
    assert "您没有权限打开此页面。" in _texts(at, "error")


def test_the_users_page_sets_the_language_messages_are_sent_in() -> None:
    from runtime.notify import deliver
    from runtime.ui import context as ctx

    at = open_page(sign_in("admin.taoyuan"), "users")
    at.selectbox(key="users_pick").set_value("frontdesk.taoyuan").run()
    radio = at.radio(key="user_notify_lang_frontdesk.taoyuan")
    assert radio.value == "zh" and radio.options == ["中文", "English"]
    radio.set_value("en")
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    (doc,) = ctx.store().find("users", username="frontdesk.taoyuan")
    assert doc["lang"] == "en"
    assert deliver._lang({"recipient": "frontdesk.taoyuan"},
                         {"frontdesk.taoyuan": doc}) == "en"
    assert ctx.users().get("frontdesk.taoyuan").lang == "en"  # type: ignore[union-attr]
