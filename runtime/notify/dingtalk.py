"""DingTalk (钉钉) group robot: markdown message, signed when the rules name a secret.

Signing follows DingTalk's robot security setting: `timestamp` (ms) and
`sign = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))` added to the URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from runtime.notify import webhook
from runtime.notify.render import Rendered


def payload(msg: Rendered) -> dict[str, Any]:
    """The robot's JSON body (msgtype markdown)."""
    return {"msgtype": "markdown",
            "markdown": {"title": msg.subject[:64], "text": f"**{msg.subject}**\n\n{msg.body}"}}


def sign(url: str, secret: str, timestamp_ms: int) -> str:
    """The URL with DingTalk's timestamp and signature."""
    raw = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    signature = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={signature}"


def send(robot: Mapping[str, Any], msg: Rendered, key: str,
         env: Mapping[str, str] | None = None) -> None:
    """Post one message; DeliveryError when refused or unreachable."""
    env = os.environ if env is None else env
    url = webhook.robot_url(robot, env)
    secret_env = robot.get("secret_env")
    secret = env.get(str(secret_env)) if secret_env else None
    if secret:
        url = sign(url, secret, int(time.time() * 1000))
    webhook.post(url, payload(msg), key)
