"""Fire clock warnings, breaches and escalations exactly once per case (the `tick`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from runtime.engine import clocks as ck
from runtime.engine.cases import step_task
from runtime.engine.rules import Rules
from runtime.engine.state import Case, Event, Outcome, Task


def task_key(case_id: str, clock_key: str, role: str, on: str) -> str:
    """The deterministic key of an escalation task."""
    return f"{case_id}/escalation/{clock_key}/{on}/{role}"


def tick(rules: Rules, case: Case, now: datetime) -> Outcome:
    """Record every warning and breach that happened by `now` and create escalation tasks.

    Idempotent: each (clock, warning|breach) is fired once, remembered in `case.fired`; the
    event is dated when the threshold was crossed, not when the tick noticed it.
    """
    out = Outcome(case.copy())
    c = out.case
    states = ck.evaluate(rules.procedure, c, rules.calendar, now, rules.role_calendars)
    for st in states:
        if st.status == "inactive":
            continue
        end = st.stopped_at or (c.closed_at if c.status == "closed" else None) or now
        if st.warning_at is not None and st.warning_at <= end:
            _fire(rules, out, st, "warning", st.warning_at)
        if st.breached and st.due_at is not None:
            _fire(rules, out, st, "breach", st.due_at)
    _refresh_step_due(rules, out, states)
    if out.events:
        c.updated_at = max(c.updated_at, now)
    return out


RECHECK = timedelta(hours=1)  # a clock whose `when` may change with time alone


def next_check(rules: Rules, case: Case, now: datetime,
               states: list[ck.ClockState] | None = None) -> datetime | None:
    """The next moment a tick of this case could fire a warning or breach (None: never,
    until an operation changes the case). A clock waiting on a condition is looked at
    again within RECHECK, because conditions may read the time (`hour`, `today`)."""
    if case.status != "open":
        return None
    if states is None:
        states = ck.evaluate(rules.procedure, case, rules.calendar, now)
    found: list[datetime] = []
    # On the hour, not an hour from now: a value that moved with every tick would make
    # every tick save the case again.
    recheck = now.replace(minute=0, second=0, microsecond=0) + RECHECK
    for st in states:
        if st.status == "inactive":
            if st.clock is not None and st.clock.when is not None:
                found.append(recheck)
            continue
        if st.status in ("met", "stopped"):
            continue
        if st.warning_at is not None and f"{st.key}:warning" not in case.fired:
            found.append(st.warning_at)
        if st.due_at is not None and f"{st.key}:breach" not in case.fired:
            found.append(st.due_at)
    if not found:
        return None
    first = min(found)
    # Something already past that did not fire (e.g. stopped exactly at the limit) must not
    # make every tick decode the case again.
    return first if first > now else recheck


def _refresh_step_due(rules: Rules, out: Outcome, states: list[ck.ClockState]) -> None:
    """Keep the open step task's deadline on the clocks (a pause ended, a clock stopped)."""
    c = out.case
    cur = c.current_visit
    if c.status != "open" or cur is None:
        return
    try:
        if rules.step(cur.step).time_limit is not None:
            return  # the step's own limit is fixed on entry
    except KeyError:
        return
    due = ck.nearest_due(states)
    if due != cur.due_at:
        cur.due_at = due
        index = c.open_visit(cur.step)
        out.tasks.append(step_task(rules, c, len(c.visits) - 1 if index is None else index))


def _fire(rules: Rules, out: Outcome, st: ck.ClockState, kind: str, at: datetime) -> None:
    c = out.case
    key = f"{st.key}:{kind}"
    if key in c.fired:
        return
    c.fired.append(key)
    out.log(Event("clock-warning" if kind == "warning" else "clock-breach", at, None, c.step, {
        "clock": st.clock_id, "title": st.title, "due_at": st.due_at.isoformat()
        if st.due_at else None, "visit": st.visit}))
    if st.clock is None:
        return
    for esc in st.clock.escalate:
        if esc.on != kind:
            continue
        due = (rules.deadline(at, esc.within, st.working or esc.within.working)
               if esc.within is not None else None)
        tkey = task_key(c.id, st.key, esc.role, kind)
        title = f"{st.title} {'预警' if kind == 'warning' else '超时'} · {c.number}"
        out.tasks.append(Task(key=tkey, kind="escalation", title=title, roles=(esc.role,),
                              property=c.property, created_at=at, due_at=due, case_id=c.id,
                              source=st.clock_id, note=esc.note))
        out.log(Event("escalated", at, None, c.step, {
            "clock": st.clock_id, "role": esc.role, "task": tkey, "on": kind,
            "due_at": due.isoformat() if due else None}))
