"""Local servers for the notification tests: SMTP (aiosmtpd) and a group-robot webhook.

Both listen on 127.0.0.1 on a free port and are stopped by the fixture that started them.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    """A port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    port: int
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        """The idempotency keys of the received mails."""
        with self.lock:
            return [str(m["X-Handbook-Idempotency-Key"]).strip() for m in self.messages]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content,
                                policy=policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.box.lock:
            self.box.messages.append(msg)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 collecting every message."""
    from aiosmtpd.controller import Controller

    box = Mailbox(free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Hook:
    """What the local webhook received; `fail_first` requests answer HTTP 500."""

    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail_first: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        """The Idempotency-Key headers of the received posts."""
        with self.lock:
            return [h.get("Idempotency-Key", "") for h in self.headers]


@pytest.fixture
def webhook_server() -> Iterator[Hook]:
    """A group-robot webhook on 127.0.0.1 answering {"errcode": 0}."""
    hook = Hook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with hook.lock:
                failing = hook.fail_first > 0
                if failing:
                    hook.fail_first -= 1
                else:
                    hook.posts.append(body)
                    hook.headers.append(dict(self.headers))
                    hook.paths.append(self.path)
            self.send_response(500 if failing else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test-key"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
