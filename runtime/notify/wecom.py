"""WeCom (企业微信) group robot: markdown message to the webhook named by the rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.notify import webhook
from runtime.notify.render import Rendered


def payload(msg: Rendered) -> dict[str, Any]:
    """The robot's JSON body (msgtype markdown)."""
    return {"msgtype": "markdown", "markdown": {"content": f"**{msg.subject}**\n{msg.body}"}}


def send(robot: Mapping[str, Any], msg: Rendered, key: str,
         env: Mapping[str, str] | None = None) -> None:
    """Post one message; DeliveryError when refused or unreachable."""
    webhook.post(webhook.robot_url(robot, env), payload(msg), key)
