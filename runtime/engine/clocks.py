"""Clock evaluation: where a case stands against each time limit of its procedure at time T.

Pure and read-only: `evaluate(procedure, case, cal, now)` derives every clock from the case's
step visits (when each step was entered and left), so it can run over thousands of open cases
without touching storage. Firing warnings, breaches and escalations is `escalation.tick`.

A clock runs from its start point (a step entered or completed) to the first stop point
reached after it, on wall-clock or working time (`basis: working`, or a working duration),
not counting time spent in its `pause_in` steps. A clock whose `when` condition does not hold
on the case data is inactive. With `evidence`, the clock only stops once a record of that
form is linked to the case as well. A step's own `time-limit` is an implicit clock
`step:<step-id>` over each visit of that step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from runtime.compiler import model as m
from runtime.compiler.expr import CONTEXT_NAMES, Condition
from runtime.compiler.timeexpr import Duration
from runtime.engine.state import Case, local
from runtime.workcal import WorkCalendar

ClockStatus = Literal["inactive", "running", "paused", "warning", "breached", "met", "stopped"]
_EPS = 1e-6  # minutes: float noise from microsecond arithmetic


@dataclass(slots=True)  # not frozen: frozen __init__ is several times slower in a hot loop
class ClockState:
    """One clock of one case at one moment (a value: treat it as read-only)."""

    clock_id: str
    title: str
    status: ClockStatus
    working: bool
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    due_at: datetime | None = None  # None while paused (the deadline moves) or inactive
    warning_at: datetime | None = None  # when the warning threshold is (was) crossed
    limit_minutes: float = 0.0
    used_minutes: float = 0.0
    breached: bool = False
    visit: int | None = None  # index of the visit, for step time limits
    clock: m.Clock | None = None  # the rule (None for a step time limit)

    @property
    def remaining_minutes(self) -> float:
        """Minutes left on the clock's basis (negative once breached)."""
        return self.limit_minutes - self.used_minutes

    @property
    def remaining(self) -> timedelta:
        """`remaining_minutes` as a timedelta (working minutes for working-time clocks)."""
        return timedelta(minutes=self.remaining_minutes)

    @property
    def breached_at(self) -> datetime | None:
        """The moment the limit ran out, when it did."""
        return self.due_at if self.breached else None

    @property
    def key(self) -> str:
        """Identity used for fire-once bookkeeping (`clock-id` or `step:<id>:<visit>`)."""
        return self.clock_id if self.visit is None else f"{self.clock_id}:{self.visit}"


def condition_context(case: Case, now: datetime, **extra: Any) -> dict[str, Any]:
    """Names a rule condition can read: the case data, then the fields of records linked to
    the case (a step's own form, e.g. the handover log), then the context names."""
    ctx: dict[str, Any] = {}
    for ref in case.records:
        ctx.update(ref.data)
    ctx.update(case.data)
    ctx.update(now=now, today=now.date(), weekday=now.isoweekday(), hour=now.hour,
               property=case.property, case={"number": case.number, "step": case.step,
                                              "status": case.status})
    ctx.update(extra)
    return ctx


def working_duration(d: Duration, working: bool) -> Duration:
    """`d` on the clock's basis: a wall-clock amount of minutes/hours/days becomes working time."""
    if working and not d.working and d.unit in ("minutes", "hours", "days"):
        return Duration(d.amount, d.unit, working=True)
    return d


def _add(cal: WorkCalendar, start: datetime, minutes: float, working: bool) -> datetime:
    if not working:
        return start + timedelta(minutes=minutes)
    if minutes <= _EPS:
        return start
    # Whole working minutes: the calendar's arithmetic is minute-based for working time.
    return cal.add(start, Duration(max(1, round(minutes)), "minutes", working=True))


def _elapsed(cal: WorkCalendar, a: datetime, b: datetime, working: bool) -> float:
    if b <= a:
        return 0.0
    if not working:
        return (b - a) / timedelta(minutes=1)
    return cal.working_minutes_between(a, b)


def _minutes(cal: WorkCalendar, d: Duration) -> float:
    """Length of a warning threshold in minutes of its basis (working days: the calendar's
    working day; months and years: approximately, a threshold is not a deadline)."""
    if d.working and d.unit == "days":
        return d.amount * cal.minutes_per_day
    if d.is_calendar_unit:
        return d.approx_timedelta() / timedelta(minutes=1)
    return float(d.total_minutes)


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    spans.sort()
    out: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _moment(cal: WorkCalendar, start: datetime, target: float, working: bool,
            pauses: Sequence[tuple[datetime, datetime]], open_pause: bool) -> datetime | None:
    """When `target` minutes of running time are used up (None if it happens in an open pause)."""
    cursor, rem = start, target
    for i, (ps, pe) in enumerate(pauses):
        seg = _elapsed(cal, cursor, ps, working)
        if seg >= rem - _EPS:
            return _add(cal, cursor, rem, working)
        rem -= seg
        if open_pause and i == len(pauses) - 1:
            return None  # paused now: the deadline is not known until the pause ends
        cursor = max(cursor, pe)
    return _add(cal, cursor, rem, working)


def _point_times(case: Case, point: m.ClockPoint) -> list[datetime]:
    out = []
    for v in case.visits:
        if v.step != point.step:
            continue
        at = v.entered_at if point.event == "enter" else v.completed_at
        if at is not None:
            out.append(at)
    return out


def _run(cal: WorkCalendar, *, clock_id: str, title: str, start: datetime,
         stop: datetime | None, closed: datetime | None, within: Duration, working: bool,
         warn: Duration | None, pauses: list[tuple[datetime, datetime]], now: datetime,
         open_pause: bool = False, visit: int | None = None,
         clock: m.Clock | None = None) -> ClockState:
    end = min(x for x in (stop, closed, now) if x is not None)
    end = max(end, start)
    # Pauses are clipped to [start, end]; `open_pause` means the case sits in one right now.
    clipped = _merge([(max(s, start), min(e, end)) for s, e in pauses if e > start and s < end])
    open_pause = open_pause and bool(clipped) and stop is None and closed is None
    dur = working_duration(within, working)
    if not clipped:
        # Fast path (most cases): deadline straight from the calendar, exact for working days.
        due: datetime | None = cal.add(start, dur) if working else dur.add_to(start)
        assert due is not None
        limit = _elapsed(cal, start, due, working)
        used = _elapsed(cal, start, end, working)
    else:
        if dur.unit in ("minutes", "hours") or (not working and dur.unit in ("days", "weeks")):
            limit = float(dur.total_minutes)
        else:
            limit = _elapsed(cal, start, cal.add(start, dur) if working else dur.add_to(start),
                             working)
        used = _elapsed(cal, start, end, working) - sum(
            _elapsed(cal, s, e, working) for s, e in clipped)
        due = _moment(cal, start, limit, working, clipped, open_pause)
    breached = used > limit + _EPS
    warning_at = None
    if warn is not None:
        wmin = _minutes(cal, working_duration(warn, working))
        if wmin < limit:
            warning_at = (due - timedelta(minutes=wmin) if not clipped and not working and due
                          else _moment(cal, start, limit - wmin, working, clipped, open_pause))
    status: ClockStatus
    if breached:
        status = "breached"
    elif stop is not None and stop <= now:
        status = "met"
    elif closed is not None:
        status = "stopped"
    elif open_pause:
        status = "paused"
        due = None
    elif warning_at is not None and warning_at <= now:
        status = "warning"
    else:
        status = "running"
    if breached and due is None:  # breached before a pause that is still open
        due = _moment(cal, start, limit, working, clipped, False)
    return ClockState(clock_id=clock_id, title=title, status=status, working=working,
                      started_at=start, stopped_at=stop if stop is not None and stop <= now
                      else None, due_at=due, warning_at=warning_at, limit_minutes=limit,
                      used_minutes=used, breached=breached, visit=visit, clock=clock)


def _holds(cond: Condition, case: Case, now: datetime, memo: dict[str, Any] | None) -> bool:
    """Evaluate a condition once per evaluation round (clocks often share one)."""
    if memo is None:
        return cond.evaluate(condition_context(case, now))
    hit = memo.get(cond.source)
    if hit is None and cond.source.isidentifier() and cond.source not in CONTEXT_NAMES:
        # A bare field name (`collective`) is its truthiness: skip the Jinja call (~100 µs).
        hit = memo[cond.source] = bool(case.data.get(cond.source))
    if hit is None:
        if "" not in memo:
            memo[""] = condition_context(case, now)
        hit = memo[cond.source] = cond.evaluate(memo[""])
    return bool(hit)


def evaluate_clock(clock: m.Clock, case: Case, cal: WorkCalendar, now: datetime,
                   memo: dict[str, Any] | None = None) -> ClockState:
    """The state of one procedure clock of `case` at `now` (`cal`: the clock's calendar, a
    role's pattern calendar for `basis: pattern`)."""
    working = clock.working_time or bool(clock.within and clock.within.working)
    starts = [t for t in _point_times(case, clock.start) if t <= now]
    # The start point first: it is cheap, and a condition (a Jinja call) is not.
    if not starts or (clock.when is not None and not _holds(clock.when, case, now, memo)):
        return ClockState(clock.id, clock.title, "inactive", working, clock=clock)
    start = min(starts)
    stops = [t for p in clock.stop for t in _point_times(case, p) if t >= start]
    stop = min(stops) if stops else None
    if clock.evidence is not None and stop is not None:
        rec = case.record_time(clock.evidence)
        stop = None if rec is None else max(stop, rec)
    pauses: list[tuple[datetime, datetime]] = []
    if clock.pause_in:
        for v in case.visits:
            if v.step in clock.pause_in:
                pauses.append((v.entered_at, v.left_at or max(now, v.entered_at)))
    closed = case.closed_at if case.status == "closed" else None
    if clock.within is None:
        return _run_until(clock, case, start, stop, closed, now)
    # Any open step counts: with parallel branches several are open at once.
    paused_now = case.status == "open" and any(
        v.left_at is None and v.step in clock.pause_in and v.entered_at <= now
        for v in case.visits) if clock.pause_in else False
    return _run(cal, clock_id=clock.id, title=clock.title, start=start,
                stop=stop if stop is not None and stop <= now else None, closed=closed,
                within=clock.within, working=working, warn=clock.warn_before, pauses=pauses,
                now=now, open_pause=paused_now, clock=clock)


def _run_until(clock: m.Clock, case: Case, start: datetime, stop: datetime | None,
               closed: datetime | None, now: datetime) -> ClockState:
    """A clock whose deadline is a case field (the reply time agreed with the client)."""
    assert clock.until is not None
    raw = case.data.get(clock.until)
    try:
        due = local(datetime.fromisoformat(str(raw))) if raw else None
    except ValueError:
        due = None
    if due is None:  # no deadline agreed yet: nothing to measure
        return ClockState(clock.id, clock.title, "inactive", False, started_at=start, clock=clock)
    done = stop if stop is not None and stop <= now else None
    end = done or closed or now
    limit = (due - start).total_seconds() / 60
    used = (end - start).total_seconds() / 60
    breached = end > due
    warning_at = due - clock.warn_before.to_timedelta() if (
        clock.warn_before is not None and not clock.warn_before.working) else None
    if breached:
        status: ClockStatus = "breached"
    elif done is not None:
        status = "met"
    elif closed is not None:
        status = "stopped"
    elif warning_at is not None and warning_at <= now:
        status = "warning"
    else:
        status = "running"
    return ClockState(clock.id, clock.title, status, False, started_at=start, stopped_at=done,
                      due_at=due, warning_at=warning_at, limit_minutes=limit, used_minutes=used,
                      breached=breached, clock=clock)


_LIMITED: dict[int, tuple[m.Procedure, dict[str, m.Step]]] = {}


def _limited_steps(procedure: m.Procedure) -> dict[str, m.Step]:
    """Steps with a time limit, cached per procedure object (evaluate runs per case)."""
    hit = _LIMITED.get(id(procedure))
    if hit is None or hit[0] is not procedure:
        if len(_LIMITED) > 256:
            _LIMITED.clear()
        hit = (procedure, {s.id: s for s in procedure.steps if s.time_limit is not None})
        _LIMITED[id(procedure)] = hit
    return hit[1]


def evaluate_step_limits(procedure: m.Procedure, case: Case, cal: WorkCalendar,
                         now: datetime) -> list[ClockState]:
    """Implicit clocks of steps with a `time-limit`, one per visit of such a step."""
    limited = _limited_steps(procedure)
    out: list[ClockState] = []
    if not limited:
        return out
    for i, v in enumerate(case.visits):
        step = limited.get(v.step)
        if step is None or step.time_limit is None or v.entered_at > now:
            continue
        left = v.left_at if v.left_at is not None and v.left_at <= now else None
        out.append(_run(cal, clock_id=f"step:{step.id}", title=step.title, start=v.entered_at,
                        stop=left, closed=None, within=step.time_limit,
                        working=step.time_limit.working, warn=None, pauses=[], now=now,
                        visit=i))
    return out


def nearest_due(states: list[ClockState]) -> datetime | None:
    """The earliest deadline among procedure clocks still running (breached ones included:
    an overdue step shows as overdue); None when none runs or all are paused."""
    dues = [st.due_at for st in states
            if st.visit is None and st.due_at is not None and st.stopped_at is None
            and st.status in ("running", "warning", "breached")]
    return min(dues) if dues else None


def clock_calendar(procedure: m.Procedure, clock: m.Clock, cal: WorkCalendar,
                   role_calendars: Mapping[str, WorkCalendar] | None) -> WorkCalendar:
    """The calendar a clock counts on: the property's, or for `basis: pattern` the work
    pattern of `pattern-of` (default: the first role of the step the clock starts at)."""
    if not clock.pattern or not role_calendars:
        return cal
    role = clock.pattern_of
    if role is None:
        step = next((s for s in procedure.steps if s.id == clock.start.step), None)
        role = step.roles[0] if step and step.roles else None
    return role_calendars.get(role or "", cal)


def evaluate(procedure: m.Procedure, case: Case, cal: WorkCalendar,
             now: datetime, role_calendars: Mapping[str, WorkCalendar] | None = None
             ) -> list[ClockState]:
    """Every clock of `case` at `now`: the procedure's clocks, then the steps' time limits
    (`role_calendars`: the pattern calendars of roles with a work pattern)."""
    memo: dict[str, Any] = {}
    states = [evaluate_clock(c, case, clock_calendar(procedure, c, cal, role_calendars), now,
                             memo) for c in procedure.clocks]
    states.extend(evaluate_step_limits(procedure, case, cal, now))
    return states
