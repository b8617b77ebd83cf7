"""Human-readable lines for case events (the scenario printout and the app's case log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.compiler import model as m
from runtime.engine.state import Event
from runtime.i18n import t
from runtime.ui.fmt import when_text


def fmt_dt(value: Any) -> str:
    """`2026-03-02 09:00` for a datetime or ISO text; `-` for None."""
    return when_text(value) or "-"


Names = Callable[[str, str], str]
"""(kind, id) → display text, kind one of `role`, `step`, `procedure`, `form`."""


def _step_title(proc: m.Procedure | None, step_id: str | None, names: Names | None = None,
                ) -> str:
    if not step_id:
        return "-"
    if names is not None:
        return names("step", step_id)
    if proc is not None:
        try:
            return f"{step_id} {proc.step(step_id).title}"
        except KeyError:
            pass
    return step_id


def _title(proc: m.Procedure | None, follow_up: str | None) -> str:
    for fu in proc.follow_ups if proc is not None else ():
        if fu.id == follow_up:
            return fu.title
    return follow_up or "-"


def describe(event: Event, proc: m.Procedure | None = None, lang: str = "zh",
             names: Names | None = None) -> str:
    """One line for an event, in `lang`.

    Without `names` the line carries ids next to titles (scenario printouts are read by
    rule authors); the app passes `names` so staff read role, step and form titles only.
    """
    d = event.data

    def name(kind: str, value: Any) -> Any:
        return names(kind, str(value)) if names is not None and value else value

    def step(step_id: str | None) -> str:
        return _step_title(proc, step_id, names)

    key = f"engine.event.{event.type}"
    due = fmt_dt(d.get("due_at")) if d.get("due_at") else t("engine.no-deadline", lang)
    values: dict[str, Any] = {}
    if event.type == "started":
        values = {"procedure": name("procedure", d.get("procedure")),
                  "version": d.get("version")}
    elif event.type == "entered":
        who = "/".join(x for x in (name("role", d.get("role")), d.get("user")) if x) or "-"
        values = {"step": step(event.step), "assignee": who, "due": due}
        if d.get("via"):
            values["step"] += f" ({d['via']})"
    elif event.type in ("step-completed", "closed"):
        values = {"step": step(event.step)}
    elif event.type == "transferred":
        values = {"from_": "/".join(x for x in (name("role", d.get("from_role")),
                                                d.get("from_user")) if x),
                  "to": "/".join(x for x in (name("role", d.get("to_role")), d.get("to_user"))
                                 if x),
                  "reason": d.get("reason")}
    elif event.type == "returned":
        values = {"step": step(event.step), "to": step(d.get("to")),
                  "reason": d.get("reason")}
    elif event.type == "commented":
        values = {"text": d.get("text")}
    elif event.type in ("record-added", "record-updated"):
        values = {"form": name("form", d.get("form")), "record_id": d.get("record_id")}
    elif event.type in ("clock-warning", "clock-breach"):
        title = d.get("title") if names is not None else f"{d.get('clock')} {d.get('title')}"
        values = {"title": title, "due": due}
    elif event.type == "escalated":
        values = {"role": name("role", d.get("role")), "due": due}
    elif event.type in ("follow-up-created", "follow-up-done"):
        values = {"title": _title(proc, d.get("follow_up")), "role": name("role", d.get("role")),
                  "due": due}
    elif event.type == "split":
        values = {"step": step(event.step),
                  "branches": "、".join(step(b) for b in d.get("branches") or [])}
    elif event.type in ("branch-waiting", "branch-cancelled"):
        values = {"step": step(event.step), "join": step(d.get("join")),
                  "waiting": "、".join(step(b) for b in d.get("waiting_for") or [])}
    elif event.type == "external-event":
        values = {"title": d.get("title") or d.get("event"),
                  "by": "/".join(str(x) for x in (d.get("by"), name("role", d.get("role")))
                                 if x)}
    elif event.type == "migrated":
        values = {"from_version": d.get("from_version"), "to_version": d.get("to_version")}
    return t(key, lang, **values)
