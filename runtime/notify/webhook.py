"""JSON POST to a group-robot webhook (shared by wecom.py and dingtalk.py)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from runtime.notify.errors import DeliveryError

TIMEOUT = 15.0


def robot_url(robot: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str:
    """The robot's URL from the environment variable its rule names."""
    env = os.environ if env is None else env
    name = str(robot.get("url_env") or "")
    url = env.get(name) if name else None
    if not url:
        raise DeliveryError(f"robot {robot.get('title') or ''} is not configured: set {name}")
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"{name} is not an http(s) URL", permanent=True)
    return url


def post(url: str, payload: Mapping[str, Any], key: str) -> dict[str, Any]:
    """POST the payload; the robot's JSON answer (errcode 0 means accepted)."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            body = resp.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"robot answered HTTP {exc.code}",
                            permanent=400 <= exc.code < 500 and exc.code != 429) from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"robot unreachable: {type(exc).__name__}") from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError as exc:
        raise DeliveryError("robot answered something that is not JSON") from exc
    if not isinstance(answer, dict):
        raise DeliveryError("robot answered something that is not a JSON object")
    code = answer.get("errcode", 0)
    if code not in (0, "0", None):
        raise DeliveryError(f"robot refused: errcode {code} {answer.get('errmsg', '')}")
    return answer
