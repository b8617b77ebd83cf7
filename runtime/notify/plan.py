"""Who is told what, from the rules: events → messages → outbox entries per person and channel.

Pure functions. `case_messages` reads the events one case operation produced; the worker adds
the derived messages (`followup_message`, `read_task_message`, `draft_message`). `fan_out`
turns a message into outbox entries with the `notifications:` settings of its property:

- every person is told in the in-app inbox; `channels:` adds email and/or group robots per
  role (and per kind of message, when `kinds:` is given);
- a role is resolved to the active users of the case's property holding it, else to
  company-level users holding it; when nobody holds it the entry is kept addressed to the
  role (`role:<id>`) so the status page shows it instead of it vanishing;
- quiet hours hold external entries (never the inbox, never `except:` kinds — breach and
  escalated by default) until the quiet time ends on the property calendar;
- a digest holds external entries of its kinds until the end of their period, when one
  message per recipient and channel carries them all.

Keys are deterministic (`<message key>|<channel>|<recipient>`), so writing the same message
twice — a retried tick, a second worker — adds nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from runtime.compiler import model as m
from runtime.engine.state import Case, Event, Task

# What a message is about (the schema's NOTIFY_KINDS).
KINDS = ("step-entered", "warning", "breach", "escalated", "follow-up-due", "read-task",
         "review", "approval")
URGENT = ("breach", "escalated")  # never digested by default
EMAIL = "email"
INBOX = "inbox"
ROLE_PREFIX = "role:"
SMTP_HOST_ENV = "HANDBOOK_SMTP_HOST"


@dataclass(frozen=True)
class Person:
    """Someone who can be told: username, address and language."""

    username: str
    email: str | None = None
    lang: str = "zh"
    roles: tuple[str, ...] = ()  # a named recipient's channels are those of their roles


@dataclass(frozen=True)
class Message:
    """One thing to tell, before it is addressed: what, about which case, due when, to whom."""

    key: str  # deterministic identity of what happened
    kind: str
    property: str | None
    at: datetime
    title: str  # what is due (zh)
    title_en: str
    roles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    due_at: datetime | None = None
    case_id: str | None = None
    number: str | None = None
    link: str = ""  # app path, e.g. inbox?case=12
    extra: Mapping[str, Any] = field(default_factory=dict)


People = Callable[[str | None, str], list[Person]]  # (property, role) -> holders
Users = Callable[[str], Person | None]  # username -> person


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _step_titles(proc: m.Procedure | None, step_id: str | None) -> tuple[str, str]:
    if proc is None or not step_id:
        return step_id or "", step_id or ""
    for s in proc.steps:
        if s.id == step_id:
            zh = s.title or s.id
            return zh, getattr(s, "title_en", None) or zh
    return step_id, step_id


def case_link(case_id: str) -> str:
    """The app path that opens a case (through the inbox page)."""
    return f"inbox?case={case_id}"


def case_messages(case: Case, events: Sequence[Event], proc: m.Procedure | None) -> list[Message]:
    """Messages for the events a case operation produced (they are the last of `case.events`)."""
    first = len(case.events) - len(events)
    out: list[Message] = []
    ptitle = proc.meta.title if proc else case.procedure_id
    ptitle_en = (proc.meta.title_en or ptitle) if proc else case.procedure_id
    for i, ev in enumerate(events):
        key = f"case/{case.id}/ev{first + i}"
        base: dict[str, Any] = {"key": key, "property": case.property, "at": ev.at,
                                "case_id": case.id, "number": case.number,
                                "link": case_link(case.id)}
        d = ev.data
        if ev.type == "entered":
            zh, en = _step_titles(proc, ev.step)
            roles = tuple(str(r) for r in d.get("notify") or ())
            users = (str(d["user"]),) if d.get("user") else ()
            if roles or users:
                out.append(Message(kind="step-entered", title=f"{ptitle}：进入「{zh}」",
                                   title_en=f"{ptitle_en}: now at {en}", roles=roles,
                                   users=users, due_at=_dt(d.get("due_at")), **base))
        elif ev.type in ("clock-warning", "clock-breach"):
            kind = "warning" if ev.type == "clock-warning" else "breach"
            title = str(d.get("title") or d.get("clock") or "")
            # The assignee: the person holding the step, else its role.
            users = (case.user,) if case.user else ()
            roles = () if case.user or not case.role else (case.role,)
            word = ("即将超时", "nearly due") if kind == "warning" else ("已超时", "overdue")
            out.append(Message(kind=kind, title=f"{title} {word[0]}",
                               title_en=f"{title} {word[1]}", roles=roles, users=users,
                               due_at=_dt(d.get("due_at")), extra={"clock": d.get("clock")},
                               **base))
        elif ev.type == "escalated":
            clock = str(d.get("clock") or "")
            title = next((c.title for c in (proc.clocks if proc else ()) if c.id == clock),
                         clock)
            on = "预警" if d.get("on") == "warning" else "超时"
            on_en = "warning" if d.get("on") == "warning" else "breach"
            out.append(Message(kind="escalated", title=f"升级（{on}）：{title}",
                               title_en=f"escalated ({on_en}): {title}",
                               roles=(str(d.get("role")),) if d.get("role") else (),
                               due_at=_dt(d.get("due_at")), extra={"task": d.get("task")},
                               **base))
    return out


def followup_key(task: Task) -> str:
    """The message key of a follow-up coming due (one message per follow-up task)."""
    return f"follow-up/{task.key}"


def followup_message(task: Task, number: str | None = None) -> Message:
    """A follow-up (call-back) that has come due; `number` is its case's."""
    return Message(key=followup_key(task), kind="follow-up-due", property=task.property,
                   number=number,
                   at=task.due_at or task.created_at, title=f"回访到期：{task.title}",
                   title_en=f"follow-up due: {task.title}", roles=task.roles[:1],
                   users=(task.user,) if task.user else (), due_at=task.due_at,
                   case_id=task.case_id, link=case_link(task.case_id) if task.case_id else "")


def read_task_message(doc: Mapping[str, Any]) -> Message:
    """A read task created by a publish: the person must read the changed rules."""
    version = doc.get("version", "")
    return Message(key=f"read-task/{doc.get('key') or doc.get('id')}", kind="read-task",
                   property=doc.get("property"), at=_dt(doc.get("created_at")) or datetime.min,
                   title=f"请阅读新版规则 v{version}", title_en=f"please read rules v{version}",
                   users=(str(doc.get("username")),), link="ack")


def draft_message(draft_id: str, title: str, state: str, step: int, roles: Iterable[str],
                  at: datetime) -> Message:
    """A draft waiting for review (submitted) or approval (reviewed)."""
    kind = "review" if state == "submitted" else "approval"
    zh = "待审核" if kind == "review" else "待批准"
    return Message(key=f"draft/{draft_id}/{state}/{step}", kind=kind, property=None, at=at,
                   title=f"规则修订{zh}：{title}", title_en=f"draft waiting for {kind}: {title}",
                   roles=tuple(roles), link="versions")


# ---------------------------------------------------------------- fan-out


def _quiet(q: m.QuietHours, is_working_day: Callable[[Any], bool], t: datetime) -> datetime | None:
    """When the quiet time holding `t` ends, or None when `t` is not quiet."""
    if q.non_working_days and not is_working_day(t.date()):
        return datetime.combine(t.date() + timedelta(days=1), datetime.min.time())
    if q.start is None or q.end is None:
        return None
    now_t = t.time()
    if q.start < q.end:
        inside = q.start <= now_t < q.end
        end_day = t.date()
    else:  # over midnight: 22:00–07:00
        inside = now_t >= q.start or now_t < q.end
        end_day = t.date() + timedelta(days=1) if now_t >= q.start else t.date()
    return datetime.combine(end_day, q.end) if inside else None


def release_time(q: m.QuietHours | None, is_working_day: Callable[[Any], bool],
                 t: datetime) -> datetime:
    """The first moment at or after `t` that is not quiet."""
    if q is None:
        return t
    for _ in range(800):  # bounded: a year of holidays and nights at most
        end = _quiet(q, is_working_day, t)
        if end is None:
            return t
        t = end
    return t


def digest_slot(every_minutes: int, t: datetime) -> datetime:
    """The end of the digest period holding `t` (periods counted from 2000-01-01 00:00)."""
    epoch = datetime(2000, 1, 1)
    span = every_minutes * 60
    k = math.floor((t - epoch).total_seconds() / span) + 1
    return epoch + timedelta(seconds=k * span)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None


def _via(settings: m.Notifications, role: str, kind: str) -> list[str]:
    out: list[str] = []
    for rule in settings.channels:
        if role in rule.roles and (not rule.kinds or kind in rule.kinds):
            out += [v for v in rule.via if v not in out]
    return out


def fan_out(msg: Message, settings: m.Notifications, people: People, user: Users,
            is_working_day: Callable[[Any], bool], now: datetime,
            env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Outbox entries of one message: inbox per person, email / robots per the settings.

    With `env`, channels whose environment is not set up here (no HANDBOOK_SMTP_HOST, a
    robot's URL variable unset) are left out, so an installation without them stays quiet
    instead of filling the outbox with failures; the status page lists what is configured.
    """
    robots = {r.id: r for r in settings.robots
              if env is None or env.get(r.url_env)}
    email_on = env is None or bool(env.get(SMTP_HOST_ENV))
    quiet = settings.quiet_hours
    urgent = quiet.urgent if quiet is not None else URGENT
    digest = settings.digest
    digested = digest is not None and (
        msg.kind in digest.kinds if digest.kinds else msg.kind not in URGENT)
    created = now

    def external_after() -> tuple[datetime, str | None]:
        t = created
        slot = None
        if digested and digest is not None:
            t = digest_slot(digest.every_minutes, t)
            slot = _iso(t)
        if msg.kind not in urgent:
            t = release_time(quiet, is_working_day, t)
        return t, slot

    # recipient -> channels; robots are recipients of their own
    targets: dict[tuple[str, str], dict[str, Any]] = {}

    def add(channel: str, recipient: str, **extra: Any) -> None:
        targets.setdefault((channel, recipient), extra)

    def add_robots(via: Iterable[str]) -> None:
        for v in via:
            r = robots.get(v)
            if r is not None:
                add(r.type, r.id, robot={"type": r.type, "url_env": r.url_env,
                                         "secret_env": r.secret_env, "title": r.title})

    for role in msg.roles:
        via = _via(settings, role, msg.kind)
        holders = people(msg.property, role)
        if not holders:
            add(INBOX, ROLE_PREFIX + role)
        for p in holders:
            add(INBOX, p.username)
            if EMAIL in via and p.email and email_on:
                add(EMAIL, p.username)
        add_robots(via)
    for username in msg.users:
        found = user(username)
        add(INBOX, username)
        # A person named directly (the assignee of a step, a read task's reader) is told by
        # the channels of the roles they hold, besides those of the message's roles.
        roles = dict.fromkeys([*msg.roles, *(found.roles if found is not None else ())])
        via = [v for role in roles for v in _via(settings, role, msg.kind)]
        if found is not None and found.email and email_on and EMAIL in via:
            add(EMAIL, username)
        add_robots(via)

    entries = []
    for (channel, recipient), extra in targets.items():
        if channel == INBOX:
            after, slot = created, None
        else:
            after, slot = external_after()
        entries.append({
            "key": f"{msg.key}|{channel}|{recipient}", "message_key": msg.key,
            "kind": msg.kind, "channel": channel, "recipient": recipient,
            "roles": list(msg.roles),
            "property": msg.property, "case_id": msg.case_id, "number": msg.number,
            "title": msg.title, "title_en": msg.title_en, "due_at": _iso(msg.due_at),
            "link": msg.link, "event_at": _iso(msg.at), "created_at": _iso(created),
            "deliver_after": _iso(after),
            "next_attempt_at": _iso(after), "digest": slot, "status": "pending",
            "attempts": 0, "last_error": None, "sent_at": None, **extra,
        })
    return entries
