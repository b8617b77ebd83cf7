"""A breach at 02:00 with nobody signed in: escalated on time, e-mail and robot reached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.engine.state import Case
from tests.conftest import Backend
from tests.notify.servers import Hook, Mailbox
from tests.worker import helpers as h


def test_breach_at_two_in_the_morning_reaches_smtp_and_webhook(
        make_tree: Any, tmp_path: Path, smtp_server: Mailbox, webhook_server: Hook,
        backend: Backend) -> None:
    root, data, store, eng = h.prepared(make_tree, tmp_path, backend)
    case = eng.start_case("complaint", None, {"content": "夜间漏水"}, h.dt("2026-03-01 02:00"))
    store.close()

    env = {"HANDBOOK_SMTP_HOST": "127.0.0.1", "HANDBOOK_SMTP_PORT": str(smtp_server.port),
           "HB_TEST_WECOM": webhook_server.url, **h.backend_env(backend)}
    done = h.run_worker(root, data, "--at", "2026-03-02T02:00:30", env=env)
    assert done.returncode == 0, done.stderr

    store = backend.open()
    saved: Case = h.engine(store, root).get_case(case.id)
    breach = [e for e in saved.events if e.type == "clock-breach"]
    escalated = [e for e in saved.events if e.type == "escalated"]
    assert [e.at for e in breach] == [h.dt("2026-03-02 02:00")]  # on time, not at the tick
    assert [e.data["role"] for e in escalated] == ["boss"]

    # The boss (English) by e-mail, despite the quiet hours 22:00–07:00: a breach is urgent.
    to_boss = [m for m in smtp_server.messages if m["X-Envelope-To"] == "wang@example.test"]
    assert to_boss, [m["To"] for m in smtp_server.messages]
    assert all(case.number in str(m["Subject"]) for m in to_boss)
    assert any("escalated" in str(m["Subject"]) for m in to_boss)
    body = to_boss[0].get_payload(decode=True).decode()
    assert "2026-03-02" in body and "inbox?case=" in body
    # The assignee role's holder (clerk, Chinese) is told of the breach itself.
    to_clerk = [m for m in smtp_server.messages if m["X-Envelope-To"] == "li@example.test"]
    assert any("超时" in str(m["Subject"]) for m in to_clerk)
    # The ops group robot got the escalation with the case number.
    texts = [p["markdown"]["content"] for p in webhook_server.posts]
    assert any(case.number in t for t in texts), texts
    assert all(p["msgtype"] == "markdown" for p in webhook_server.posts)
    # The in-app inbox has it too, and nothing is left undelivered.
    inbox = store.find("inbox", username="wang")
    assert {d["kind"] for d in inbox} >= {"escalated"}
    assert store.count("outbox", status={"pending", "retry", "sending", "failed"}) == 0
    store.close()
