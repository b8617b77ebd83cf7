"""The text of a notification in the recipient's language: case number, what, by when, a link."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.i18n import t

BASE_URL_ENV = "HANDBOOK_BASE_URL"
DEFAULT_BASE_URL = "http://localhost:8501"


@dataclass(frozen=True)
class Rendered:
    """Subject line and body of one message."""

    subject: str
    body: str
    link: str


def base_url() -> str:
    """Where the app is reached (links in e-mails and robot messages)."""
    return (os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def line(entry: Mapping[str, Any], lang: str) -> str:
    """One line: [kind] number what, due by when."""
    kind = t(f"notify.kind.{entry.get('kind')}", lang)
    what = entry.get("title_en") if lang == "en" and entry.get("title_en") else entry.get("title")
    parts = [f"[{kind}]"]
    if entry.get("number"):
        parts.append(str(entry["number"]))
    parts.append(str(what or ""))
    text = " ".join(parts)
    if entry.get("due_at"):
        text += t("notify.due", lang, when=_when(entry["due_at"]))
    return text


def link_of(entry: Mapping[str, Any]) -> str:
    """The full link of an entry (the app's base URL + its path)."""
    path = str(entry.get("link") or "")
    return f"{base_url()}/{path}" if path else base_url()


def render(entry: Mapping[str, Any], lang: str) -> Rendered:
    """A single message."""
    head = line(entry, lang)
    link = link_of(entry)
    body = f"{head}\n{t('notify.open', lang)}: {link}\n\n{t('notify.footer', lang)}"
    return Rendered(subject=head, body=body, link=link)


def render_digest(entries: Sequence[Mapping[str, Any]], lang: str) -> Rendered:
    """Several messages merged into one (a digest period's worth)."""
    subject = t("notify.digest", lang, n=len(entries))
    lines = [f"- {line(e, lang)}  {link_of(e)}" for e in entries]
    body = "\n".join([subject, "", *lines, "", t("notify.footer", lang)])
    return Rendered(subject=subject, body=body, link=base_url())
