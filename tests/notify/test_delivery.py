"""Delivery: retries with backoff, permanent failures, digests, and each channel's wire format.

E-mail goes to a local SMTP server and robots to a local HTTP server, both started here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.notify import deliver as delivery
from runtime.notify import dingtalk, inbox, outbox, plan, wecom
from runtime.notify.errors import DeliveryError
from runtime.notify.render import Rendered
from runtime.store import Store, open_memory_store
from tests.notify.servers import Hook, Mailbox

NOW = datetime(2026, 3, 2, 10, 15)
USERS = [{"username": "wang", "email": "wang@example.test", "lang": "en", "roles": ["boss"]},
         {"username": "li", "email": "li@example.test", "lang": "zh", "roles": ["clerk"]}]
PEOPLE = {"boss": [plan.Person("wang", "wang@example.test", "en", ("boss",))],
          "clerk": [plan.Person("li", "li@example.test", "zh", ("clerk",))]}


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_memory_store()
    s.insert_many("users", [dict(u) for u in USERS])
    outbox.prepare(s)
    inbox.prepare(s)
    yield s
    s.close()


def _settings(via: tuple[str, ...] = ("email",), digest: m.Digest | None = None,
              quiet: m.QuietHours | None = None) -> m.Notifications:
    return m.Notifications(
        channels=(m.ChannelRule(("boss",), via),),
        robots=(m.Robot("ops", "wecom", "HB_OPS"),
                m.Robot("ding", "dingtalk", "HB_DING", "HB_DING_SECRET")),
        quiet_hours=quiet, digest=digest)


def _write(store: Store, settings: m.Notifications, *, n: int = 1, kind: str = "breach",
           now: datetime = NOW) -> int:
    msgs = [plan.Message(key=f"case/{i}/ev1", kind=kind, property=None, at=now,
                         title=f"投诉{i} 已超时", title_en=f"complaint {i} overdue",
                         roles=("boss",), due_at=now, case_id=str(i), number=f"TS-2026-{i:04}",
                         link=f"inbox?case={i}") for i in range(1, n + 1)]
    entries = [e for msg in msgs for e in plan.fan_out(
        msg, settings, lambda p, r: PEOPLE.get(r, []), lambda u: None,
        lambda d: True, now, None)]
    return outbox.write(store, entries)


def _env(smtp: Mailbox | None = None, hook: Hook | None = None, **extra: str) -> dict[str, str]:
    env = dict(extra)
    if smtp is not None:
        env.update({"HANDBOOK_SMTP_HOST": "127.0.0.1", "HANDBOOK_SMTP_PORT": str(smtp.port)})
    if hook is not None:
        env.update({"HB_OPS": hook.url, "HB_DING": hook.url})
    return env


def _external(store: Store) -> list[dict[str, Any]]:
    return [d for d in store.all(outbox.OUTBOX) if d["channel"] != "inbox"]


# ---------------------------------------------------------------- e-mail


def test_email_reaches_the_smtp_server_in_the_recipients_language(
        store: Store, smtp_server: Mailbox) -> None:
    _write(store, _settings())
    stats = delivery.deliver(store, NOW, holder="t", env=_env(smtp_server))
    assert (stats.sent, stats.failed, stats.retried) == (2, 0, 0)  # inbox + e-mail
    (mail,) = smtp_server.messages
    assert mail["X-Envelope-To"] == "wang@example.test"
    assert "TS-2026-0001" in str(mail["Subject"]) and "overdue" in str(mail["Subject"])
    body = mail.get_content()
    assert "http://localhost:8501/inbox?case=1" in body and "2026-03-02 10:15" in body
    # The idempotency key rides along, so a resend after a crash can be dropped.
    assert smtp_server.keys() == ["case/1/ev1|email|wang"]
    assert mail["Message-ID"].endswith("@handbook>")
    assert [d["status"] for d in store.all(outbox.OUTBOX)] == ["sent", "sent"]
    # A second pass sends nothing again.
    assert delivery.deliver(store, NOW + timedelta(minutes=5), holder="t",
                            env=_env(smtp_server)).sent == 0
    assert len(smtp_server.messages) == 1


def test_an_unreachable_smtp_server_is_retried_with_backoff_then_gives_up(store: Store) -> None:
    from tests.notify.servers import free_port

    _write(store, _settings())
    env = {"HANDBOOK_SMTP_HOST": "127.0.0.1", "HANDBOOK_SMTP_PORT": str(free_port()),
           "HANDBOOK_SMTP_PASSWORD": "hunter2-secret"}
    at = NOW
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        stats = delivery.deliver(store, at, holder="t", env=env)
        (entry,) = _external(store)
        assert entry["attempts"] == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert (stats.retried, entry["status"]) == (1, "retry")
            nxt = datetime.fromisoformat(entry["next_attempt_at"])
            waits.append(nxt - at)
            # Not due before its time.
            assert delivery.deliver(store, nxt - timedelta(seconds=2), holder="t",
                                    env=env).retried == 0
            at = nxt
        else:
            assert (stats.failed, entry["status"]) == (1, "failed")
    assert waits[:4] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2),
                         timedelta(minutes=4)]
    assert entry["last_error"].startswith("SMTP 127.0.0.1:")
    assert "hunter2" not in str(store.all(outbox.OUTBOX))  # the password is never kept
    assert [e["key"] for e in outbox.failures(store)] == [entry["key"]]
    # An administrator retries it: attempts start over, it is due at once.
    outbox.retry_now(store, entry["id"], at, by="admin")
    again = store.get(outbox.OUTBOX, entry["id"])
    assert (again["status"], again["attempts"]) == ("retry", 0)
    assert outbox.due(store, at)


def test_backoff_doubles_and_is_capped() -> None:
    assert [outbox.backoff(a) for a in (0, 1, 2, 3)] == [
        timedelta(seconds=30), timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert outbox.backoff(40) == outbox.BACKOFF_CAP == timedelta(hours=1)


def test_a_person_without_an_address_fails_at_once(store: Store) -> None:
    store.update("users", store.find("users", username="wang")[0]["id"], {"email": ""},
                 by="admin", at="2026-03-02T10:00:00")
    _write(store, _settings())
    stats = delivery.deliver(store, NOW, holder="t", env={"HANDBOOK_SMTP_HOST": "127.0.0.1"})
    assert stats.failed == 1
    (entry,) = _external(store)
    assert entry["status"] == "failed" and entry["attempts"] == 1
    assert "no e-mail address" in entry["last_error"]


# ---------------------------------------------------------------- robots


def test_wecom_robot_gets_markdown_with_the_case_number(store: Store,
                                                        webhook_server: Hook) -> None:
    _write(store, _settings(via=("ops",)))
    stats = delivery.deliver(store, NOW, holder="t", env=_env(hook=webhook_server))
    assert stats.sent == 2 and stats.failed == 0
    (post,) = webhook_server.posts
    assert post["msgtype"] == "markdown"
    assert "TS-2026-0001" in post["markdown"]["content"]
    assert "inbox?case=1" in post["markdown"]["content"]
    assert webhook_server.keys() == ["case/1/ev1|wecom|ops"]
    assert webhook_server.headers[0]["Content-Type"].startswith("application/json")


def test_wecom_payload_and_refusals() -> None:
    body = wecom.payload(Rendered("主题", "正文", "http://x"))
    assert body == {"msgtype": "markdown", "markdown": {"content": "**主题**\n正文"}}
    with pytest.raises(DeliveryError, match="not configured: set HB_NOPE"):
        wecom.send({"url_env": "HB_NOPE"}, Rendered("a", "b", "c"), "k", env={})
    with pytest.raises(DeliveryError) as err:
        wecom.send({"url_env": "HB_X"}, Rendered("a", "b", "c"), "k",
                   env={"HB_X": "file:///etc/passwd"})
    assert err.value.permanent


def test_a_failing_robot_is_retried_and_then_delivered(store: Store,
                                                       webhook_server: Hook) -> None:
    webhook_server.fail_first = 2  # HTTP 500 twice
    _write(store, _settings(via=("ops",)))
    env = _env(hook=webhook_server)
    at = NOW
    for _ in range(2):
        stats = delivery.deliver(store, at, holder="t", env=env)
        assert stats.retried == 1
        (entry,) = _external(store)
        assert entry["last_error"] == "robot answered HTTP 500"
        at = datetime.fromisoformat(entry["next_attempt_at"])
    assert delivery.deliver(store, at, holder="t", env=env).sent == 1
    (entry,) = _external(store)
    assert (entry["status"], entry["attempts"]) == ("sent", 3)
    assert len(webhook_server.posts) == 1


def test_dingtalk_signs_the_url_with_its_secret(store: Store, webhook_server: Hook) -> None:
    secret = "SEC0123456789abcdef+/="
    _write(store, _settings(via=("ding",)))
    before = int(time.time() * 1000)
    stats = delivery.deliver(store, NOW, holder="t",
                             env=_env(hook=webhook_server, HB_DING_SECRET=secret))
    after = int(time.time() * 1000)
    assert stats.sent == 2
    (post,) = webhook_server.posts
    assert post["msgtype"] == "markdown" and "TS-2026-0001" in post["markdown"]["text"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(webhook_server.paths[0]).query)
    assert query["key"] == ["test-key"]  # the URL's own parameters are kept
    stamp = int(query["timestamp"][0])
    assert before <= stamp <= after
    # DingTalk's documented check: base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")).
    want = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(),
                                     hashlib.sha256).digest()).decode()
    assert query["sign"] == [want]
    # The secret itself never travels, nor is it kept.
    assert secret not in webhook_server.paths[0]
    assert secret not in str(store.all(outbox.OUTBOX))


def test_dingtalk_sign_escapes_the_signature_and_keeps_existing_parameters() -> None:
    url = dingtalk.sign("https://oapi.dingtalk.com/robot/send?access_token=T", "s", 1600000000000)
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    assert query["access_token"] == ["T"] and query["timestamp"] == ["1600000000000"]
    raw = base64.b64encode(hmac.new(b"s", b"1600000000000\ns", hashlib.sha256).digest())
    assert query["sign"] == [raw.decode()]
    assert "+" not in parts.query.split("sign=")[1]  # base64 '+' and '/' are escaped
    assert dingtalk.sign("http://h/x", "s", 1).startswith("http://h/x?timestamp=1&sign=")


def test_dingtalk_without_a_secret_posts_unsigned(store: Store, webhook_server: Hook) -> None:
    _write(store, _settings(via=("ding",)))
    assert delivery.deliver(store, NOW, holder="t", env=_env(hook=webhook_server)).sent == 2
    assert "sign=" not in webhook_server.paths[0]


def test_secrets_in_urls_are_scrubbed_from_error_texts() -> None:
    assert outbox.scrub("POST https://x/send?key=abc123&sign=zz failed") == (
        "POST https://x/send?key=***&sign=*** failed")
    assert outbox.scrub("access_token=T0k3n password=pw") == "access_token=*** password=***"


# ---------------------------------------------------------------- digest


def test_a_digest_sends_one_message_per_recipient_and_period(
        store: Store, smtp_server: Mailbox) -> None:
    settings = _settings(digest=m.Digest(60, ("step-entered",)))
    _write(store, settings, n=3, kind="step-entered")
    env = _env(smtp_server)
    # Before the end of the period only the inbox goes out.
    stats = delivery.deliver(store, NOW, holder="t", env=env)
    assert stats.sent == 3 and not smtp_server.messages
    stats = delivery.deliver(store, datetime(2026, 3, 2, 11, 0), holder="t", env=env)
    assert stats.sent == 3
    (mail,) = smtp_server.messages
    assert "3" in str(mail["Subject"])
    body = mail.get_content()
    for i in (1, 2, 3):
        assert f"TS-2026-{i:04}" in body and f"inbox?case={i}" in body
    keys = {d["digest_key"] for d in _external(store)}
    assert len(keys) == 1 and smtp_server.keys() == list(keys)
    assert {d["status"] for d in _external(store)} == {"sent"}


def test_quiet_hours_hold_an_email_until_morning(store: Store, smtp_server: Mailbox) -> None:
    quiet = m.QuietHours(dtime(22, 0), dtime(7, 0))
    night = datetime(2026, 3, 2, 23, 0)
    _write(store, _settings(quiet=quiet), kind="warning", now=night)
    env = _env(smtp_server)
    assert delivery.deliver(store, night, holder="t", env=env).sent == 1  # the inbox only
    assert delivery.deliver(store, datetime(2026, 3, 3, 6, 59), holder="t",
                            env=env).sent == 0
    assert not smtp_server.messages
    assert delivery.deliver(store, datetime(2026, 3, 3, 7, 0), holder="t", env=env).sent == 1
    assert len(smtp_server.messages) == 1


# ---------------------------------------------------------------- claims and the inbox


def test_a_claim_is_a_compare_and_swap(store: Store) -> None:
    _write(store, _settings())
    (entry,) = _external(store)
    first = outbox.claim(store, entry, NOW, "a")
    assert first is not None and first["claimed_by"] == "a"
    assert outbox.claim(store, entry, NOW, "b") is None  # same revision: refused
    # A claim that expired (its holder died) is due again and can be retaken.
    later = NOW + outbox.CLAIM_TTL + timedelta(seconds=1)
    (again,) = [d for d in outbox.due(store, later) if d["channel"] == "email"]
    assert outbox.claim(store, again, later, "b") is not None
    assert not outbox.mark_sent(store, first, later)  # the old claim cannot mark it


def test_the_inbox_gets_each_message_once_and_can_be_marked_read(store: Store) -> None:
    _write(store, _settings(), n=2)
    entries = [d for d in store.all(outbox.OUTBOX) if d["channel"] == "inbox"]
    assert all(inbox.deliver(store, e, NOW) for e in entries)
    # The same entries again (a second worker holding the old revisions): refused.
    assert not any(inbox.deliver(store, e, NOW) for e in entries)
    assert inbox.unread(store, "wang") == 2
    rows = inbox.messages(store, "wang")
    assert sorted(r["number"] for r in rows) == ["TS-2026-0001", "TS-2026-0002"]
    assert all(r["link"].startswith("inbox?case=") and not r["read"] for r in rows)
    inbox.mark_read(store, rows[0]["id"], "wang", NOW)
    assert inbox.unread(store, "wang") == 1
    from runtime.errors import NotFound

    with pytest.raises(NotFound):
        inbox.mark_read(store, rows[1]["id"], "li", NOW)  # not li's message
    assert inbox.mark_all_read(store, "wang", NOW) == 1
    assert inbox.unread(store, "wang") == 0


def test_a_role_nobody_holds_is_a_visible_failure(store: Store) -> None:
    msg = plan.Message(key="case/9/ev1", kind="escalated", property=None, at=NOW, title="x",
                       title_en="x", roles=("guard",))
    outbox.write(store, plan.fan_out(msg, _settings(), lambda p, r: [], lambda u: None,
                                     lambda d: True, NOW, None))
    stats = delivery.deliver(store, NOW, holder="t", env={})
    assert stats.failed == 1
    (entry,) = outbox.failures(store)
    assert entry["recipient"] == "role:guard" and "guard" in entry["last_error"]


class _Robot:
    """A robot endpoint answering one fixed status and body (a local HTTP server)."""

    def __init__(self, status: int, body: bytes) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.status, self.body = status, body
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send?key=secret-key-1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.mark.parametrize(("status", "body", "outcome", "error"), [
    (200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}', "retry",
     "robot refused: errcode 93000 invalid webhook url"),
    (200, b"<html>proxy</html>", "retry", "robot answered something that is not JSON"),
    (404, b"{}", "failed", "robot answered HTTP 404"),
    (429, b"{}", "retry", "robot answered HTTP 429"),
])
def test_robot_refusals_are_retried_or_given_up(store: Store, status: int, body: bytes,
                                                outcome: str, error: str) -> None:
    robot = _Robot(status, body)
    try:
        _write(store, _settings(via=("ops",)))
        stats = delivery.deliver(store, NOW, holder="t", env={"HB_OPS": robot.url})
    finally:
        robot.close()
    (entry,) = _external(store)
    assert entry["status"] == outcome and entry["last_error"] == error
    assert (stats.retried, stats.failed) == ((1, 0) if outcome == "retry" else (0, 1))
    assert "secret-key-1" not in str(store.all(outbox.OUTBOX)) + " ".join(stats.errors)
