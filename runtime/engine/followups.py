"""Follow-ups: tasks created a delay after a step point (call back one week after resolution)."""

from __future__ import annotations

from datetime import datetime

from runtime.compiler import model as m
from runtime.engine.clocks import condition_context
from runtime.engine.rules import Rules
from runtime.engine.state import Case, Event, Outcome, Task
from runtime.errors import EngineError


def task_key(case_id: str, followup_id: str) -> str:
    """The deterministic key of a case's follow-up task."""
    return f"{case_id}/follow-up/{followup_id}"


def _created(out: Outcome, fu: m.FollowUp) -> Event | None:
    for e in out.case.events:
        if e.type == "follow-up-created" and e.data.get("follow_up") == fu.id:
            return e
    return None


def _done(out: Outcome, fu: m.FollowUp) -> bool:
    return any(e.type == "follow-up-done" and e.data.get("follow_up") == fu.id
               for e in out.case.events)


def on_point(rules: Rules, out: Outcome, step: str, event: str, at: datetime,
             by: str | None) -> None:
    """Create the follow-ups due after `step` was entered/completed (once per follow-up)."""
    case = out.case
    for fu in rules.procedure.follow_ups:
        if fu.after.step != step or fu.after.event != event or _created(out, fu) is not None:
            continue
        if fu.when is not None and not fu.when.evaluate(condition_context(case, at)):
            continue
        due = rules.deadline(at, fu.delay, fu.delay.working)
        key = task_key(case.id, fu.id)
        out.log(Event("follow-up-created", at, by, step, {
            "follow_up": fu.id, "task": key, "role": fu.role, "due_at": due.isoformat(),
            "form": fu.form}))
        task = Task(key=key, kind="follow-up", title=f"{fu.title} · {case.number}",
                    roles=(fu.role,), property=case.property, created_at=at, due_at=due,
                    case_id=case.id, source=fu.id, form=fu.form)
        if fu.form is not None and case.has_record(fu.form):
            _finish(out, fu, task, at, by)  # the record was made early: nothing left to do
        out.tasks.append(task)


def _finish(out: Outcome, fu: m.FollowUp, task: Task, at: datetime, by: str | None) -> None:
    task.status, task.done_at, task.done_by = "done", at, by
    out.log(Event("follow-up-done", at, by, None, {"follow_up": fu.id, "task": task.key}))


def on_record(rules: Rules, out: Outcome, form: str, at: datetime, by: str | None) -> None:
    """A record of `form` was linked: the open follow-ups waiting for it are done."""
    case = out.case
    for fu in rules.procedure.follow_ups:
        if fu.form != form or _done(out, fu):
            continue
        created = _created(out, fu)
        if created is None:
            continue
        due = datetime.fromisoformat(str(created.data["due_at"]))
        task = Task(key=task_key(case.id, fu.id), kind="follow-up",
                    title=f"{fu.title} · {case.number}", roles=(fu.role,),
                    property=case.property, created_at=created.at, due_at=due, case_id=case.id,
                    source=fu.id, form=fu.form)
        _finish(out, fu, task, at, by)
        out.tasks.append(task)


def finish(rules: Rules, case: Case, followup_id: str, at: datetime,
           by: str | None) -> Outcome:
    """Mark a follow-up that needs no record done by hand (e.g. "track after one week")."""
    out = Outcome(case.copy())
    fu = next((f for f in rules.procedure.follow_ups if f.id == followup_id), None)
    if fu is None:
        raise EngineError(f"procedure {rules.procedure.id} has no follow-up {followup_id!r}")
    if fu.form is not None:
        raise EngineError(f"follow-up {fu.id} ends when a {fu.form} record is added")
    created = _created(out, fu)
    if created is None or _done(out, fu):
        raise EngineError(f"follow-up {fu.id} is not open on case {case.number}")
    due = datetime.fromisoformat(str(created.data["due_at"]))
    task = Task(key=task_key(case.id, fu.id), kind="follow-up",
                title=f"{fu.title} · {case.number}", roles=(fu.role,),
                property=case.property, created_at=created.at, due_at=due, case_id=case.id,
                source=fu.id)
    _finish(out, fu, task, at, by)
    out.tasks.append(task)
    out.case.updated_at = max(out.case.updated_at, at)
    return out


def blocking(rules: Rules, out: Outcome, step: str) -> list[m.FollowUp]:
    """Follow-ups created on this case whose record must exist before `step` completes."""
    return [fu for fu in rules.procedure.follow_ups
            if fu.required_before == step and fu.form is not None
            and _created(out, fu) is not None and not out.case.has_record(fu.form)]
