"""E-mail over SMTP (smtplib), configured only from the environment.

HANDBOOK_SMTP_HOST (required), HANDBOOK_SMTP_PORT (25; 465 implies SSL),
HANDBOOK_SMTP_SECURITY (`starttls`, `ssl` or `none`; default starttls on 587, ssl on 465,
none otherwise), HANDBOOK_SMTP_USER / HANDBOOK_SMTP_PASSWORD (optional login),
HANDBOOK_SMTP_FROM (sender; default handbook@localhost). The password is read at send time
and never stored or logged. Each message carries the outbox key as its Message-ID and an
X-Handbook-Idempotency-Key header, so a receiver can drop a resend after a crash.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage

from runtime.notify.errors import DeliveryError
from runtime.notify.render import Rendered

TIMEOUT = 20.0


def settings(env: Mapping[str, str] | None = None) -> dict[str, str | int | None]:
    """The SMTP settings from the environment (the password only as a presence flag)."""
    env = os.environ if env is None else env
    port = int(env.get("HANDBOOK_SMTP_PORT") or 25)
    default_sec = "ssl" if port == 465 else "starttls" if port == 587 else "none"
    return {"host": env.get("HANDBOOK_SMTP_HOST") or None, "port": port,
            "security": (env.get("HANDBOOK_SMTP_SECURITY") or default_sec).lower(),
            "user": env.get("HANDBOOK_SMTP_USER") or None,
            "sender": env.get("HANDBOOK_SMTP_FROM") or "handbook@localhost"}


def message_id(key: str) -> str:
    """A stable Message-ID for an outbox key."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@handbook>"


def build(to: str, msg: Rendered, key: str, sender: str) -> EmailMessage:
    """The e-mail of one rendered message."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = msg.subject
    mail["Message-ID"] = message_id(key)
    mail["X-Handbook-Idempotency-Key"] = key
    mail.set_content(msg.body)
    return mail


def send(to: str, msg: Rendered, key: str, env: Mapping[str, str] | None = None) -> None:
    """Send one e-mail; DeliveryError when the server refuses or cannot be reached."""
    env = os.environ if env is None else env
    cfg = settings(env)
    host = cfg["host"]
    if not host:
        raise DeliveryError("e-mail is not configured: set HANDBOOK_SMTP_HOST")
    port = int(cfg["port"] or 25)
    mail = build(to, msg, key, str(cfg["sender"]))
    try:
        client: smtplib.SMTP
        if cfg["security"] == "ssl":
            client = smtplib.SMTP_SSL(str(host), port, timeout=TIMEOUT,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(str(host), port, timeout=TIMEOUT)
        with client:
            if cfg["security"] == "starttls":
                client.starttls(context=ssl.create_default_context())
            if cfg["user"]:
                client.login(str(cfg["user"]), env.get("HANDBOOK_SMTP_PASSWORD") or "")
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"address refused: {to}", permanent=True) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused ({exc.smtp_code})") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {host}:{port}: {type(exc).__name__}: {exc}") from exc
