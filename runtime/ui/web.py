"""The app's own HTTP routes (served beside Streamlit by `serve.py` through `st.App`).

Streamlit cannot set response headers from a script, so the session cookie is set here:
the page POSTs a one-time hand-off ticket (runtime/sessions.py) to `/api/session/cookie`
and gets `Set-Cookie: hb_session=…; HttpOnly; SameSite=Lax; Path=/` back. SameSite=Lax (not
Strict) so a link from a notification mail or chat opens signed in; Lax cookies are still
not sent on cross-site POSTs, frames or WebSocket handshakes, which is what CSRF needs.
`/api/session/logout` deletes the cookie (the session row is revoked by the script first).
Both refuse cross-origin requests.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runtime import sessions

COOKIE_PATH = "/api/session/cookie"
LOGOUT_PATH = "/api/session/logout"


def _same_origin(request: Request) -> bool:
    # Browsers send Origin on every POST; a missing one (old clients, curl) is refused too.
    origin = request.headers.get("origin")
    if not origin:
        return False
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def _secure(request: Request) -> bool:
    # Secure only behind HTTPS: a Secure cookie is dropped on plain http://127.0.0.1.
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip() == "https"


async def set_cookie(request: Request) -> Response:
    """Exchange a hand-off ticket (form field `ticket`) for the HttpOnly session cookie."""
    if not _same_origin(request):
        return Response("cross-origin request refused", status_code=403)
    # Parsed by hand: Starlette's request.form() needs python-multipart, not installed.
    body = await request.body()
    ticket = parse_qs(body[:1000].decode("ascii", "replace")).get("ticket", [""])[0]
    value = sessions.HANDOFF.redeem(ticket) if ticket else None
    if value is None:
        return Response("unknown or used ticket", status_code=400)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    lifetime = sessions.Policy.from_env().lifetime
    response.set_cookie(sessions.COOKIE, value, max_age=int(lifetime.total_seconds()),
                        path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


async def clear_cookie(request: Request) -> Response:
    """Delete the session cookie (after logout)."""
    if not _same_origin(request):
        return Response("cross-origin request refused", status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(request))
    return response


ROUTES = [
    Route(COOKIE_PATH, set_cookie, methods=["POST"]),
    Route(LOGOUT_PATH, clear_cookie, methods=["POST"]),
]


def handoff_html(ticket: str | None) -> str:
    """A tiny page that posts the hand-off ticket (or the logout) to the app's routes."""
    # The ticket is URL-safe base64 (secrets.token_urlsafe), safe inside a JS string; checked
    # anyway so nothing else is ever written into the script.
    if ticket is not None and not all(c.isalnum() or c in "-_" for c in ticket):
        raise ValueError("bad ticket")
    path, body = (COOKIE_PATH, f"ticket={ticket}") if ticket else (LOGOUT_PATH, "")
    return (
        "<script>fetch(" + repr(path) + ", {method: 'POST', credentials: 'same-origin', "
        "headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: "
        + repr(body) + "}).catch(() => {});</script>"
    )
