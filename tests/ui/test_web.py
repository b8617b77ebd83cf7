"""The app's HTTP routes: the HttpOnly cookie for a hand-off ticket, logout, origin checks.

Driven through Starlette's ASGI interface directly (httpx, which TestClient needs, is not a
dependency).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette

from runtime import sessions
from runtime.ui import web

HOST = "127.0.0.1:8501"


def _post(path: str, body: bytes = b"", origin: str | None = f"http://{HOST}",
          scheme: str = "http") -> tuple[int, list[tuple[bytes, bytes]]]:
    app = Starlette(routes=web.ROUTES)
    headers = [(b"host", HOST.encode()), (b"content-type", b"application/x-www-form-urlencoded")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": headers, "scheme": scheme, "http_version": "1.1",
             "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 5000), "root_path": ""}
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return int(start["status"]), list(start["headers"])


def _cookie_header(headers: list[tuple[bytes, bytes]]) -> str:
    return next(v.decode() for k, v in headers if k == b"set-cookie")


def test_a_ticket_becomes_an_httponly_cookie_once() -> None:
    ticket = sessions.HANDOFF.issue("v1.sid.sig")
    status, headers = _post(web.COOKIE_PATH, f"ticket={ticket}".encode())
    assert status == 204
    cookie = _cookie_header(headers)
    assert cookie.startswith(f"{sessions.COOKIE}=v1.sid.sig")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on localhost would drop a Secure cookie
    assert _post(web.COOKIE_PATH, f"ticket={ticket}".encode())[0] == 400


def test_behind_https_the_cookie_is_secure() -> None:
    ticket = sessions.HANDOFF.issue("v1.a.b")
    status, headers = _post(web.COOKIE_PATH, f"ticket={ticket}".encode(),
                            origin=f"https://{HOST}", scheme="https")
    assert status == 204 and "Secure" in _cookie_header(headers)


@pytest.mark.parametrize("origin", [None, "http://evil.example", "http://127.0.0.1:9999"])
def test_cross_origin_posts_are_refused(origin: str | None) -> None:
    ticket = sessions.HANDOFF.issue("v1.c.d")
    assert _post(web.COOKIE_PATH, f"ticket={ticket}".encode(), origin=origin)[0] == 403
    assert _post(web.LOGOUT_PATH, origin=origin)[0] == 403
    assert sessions.HANDOFF.pending(ticket)  # not used up by the refused request


@pytest.mark.parametrize("body", [b"", b"ticket=", b"ticket=unknown", b"\xff\xfe", b"x" * 5000])
def test_bad_tickets_are_refused(body: bytes) -> None:
    assert _post(web.COOKIE_PATH, body)[0] == 400


def test_logout_deletes_the_cookie() -> None:
    status, headers = _post(web.LOGOUT_PATH)
    assert status == 204
    cookie = _cookie_header(headers)
    assert cookie.startswith(f"{sessions.COOKIE}=") and "Max-Age=0" in cookie


def test_handoff_page_carries_only_the_ticket() -> None:
    html = web.handoff_html("abc-DEF_123")
    assert "ticket=abc-DEF_123" in html and web.COOKIE_PATH in html
    assert web.LOGOUT_PATH in web.handoff_html(None)
    with pytest.raises(ValueError):
        web.handoff_html("x'); alert(1); ('")
