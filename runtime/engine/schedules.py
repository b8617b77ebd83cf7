"""Schedules: the tasks of every recurring item for a date range, with the holiday rule applied.

Idempotent by construction: each occurrence has a deterministic key
`schedule/<property>/<schedule-id>/<item-id>/<nominal due>` (the due moment before any holiday
shift), and repositories insert a key only once. An occurrence belongs to the range holding
its nominal date, so consecutive runs (month by month) neither repeat nor miss one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from runtime.compiler import model as m
from runtime.engine.calendar import pattern_calendar
from runtime.engine.state import Task
from runtime.workcal import WorkCalendar


@dataclass(frozen=True)
class Occurrence:
    """One due moment of a schedule item, after the holiday rule."""

    schedule: str
    item: m.ScheduleItem
    nominal: datetime
    due_at: datetime

    @property
    def moved(self) -> bool:
        """True when the holiday rule moved it off a non-working day."""
        return self.due_at != self.nominal


def task_key(property: str | None, schedule_id: str, item_id: str, nominal: datetime) -> str:
    """The deterministic key of one schedule occurrence."""
    when = nominal.isoformat(timespec="minutes")
    return f"schedule/{property or 'company'}/{schedule_id}/{item_id}/{when}"


def item_calendar(hb: m.Handbook, item: m.ScheduleItem, cal: WorkCalendar) -> WorkCalendar:
    """The calendar an item's occurrences follow: with `follow-pattern`, its first owner's
    work pattern (五天半: Saturday is a working day; 倒班: every day), else `cal`."""
    role = hb.roles.get(item.owners[0]) if item.follow_pattern and item.owners else None
    if role is None or role.work_pattern is None:
        return cal
    return pattern_calendar(cal, role.work_pattern)


def _spread(candidates: list[date], count: int) -> list[date]:
    """`count` days spread evenly over `candidates` (5 working days, twice: Tue and Thu)."""
    if not candidates:
        return []
    picks = sorted({candidates[min(len(candidates) - 1, int((i + 0.5) * len(candidates)
                                                             / count))]
                    for i in range(count)})
    return picks


def counted(item: m.ScheduleItem, cal: WorkCalendar, start: date, end: date) -> list[datetime]:
    """Due moments of a counted rhythm (`at-least: 2 per week`): N per period, on `on-days`
    or spread over the period's working days (of the owner's pattern with follow-pattern).

    Periods are whole weeks (Monday–Sunday) or months, chosen the same way whatever range
    is asked for, so month-by-month runs make the same tasks as one run over the year.
    """
    assert item.at_least is not None
    count, per = item.at_least
    at = item.recurrence.due_times(cal)[0]
    out: list[datetime] = []
    if per == "day":
        d = start
        while d <= end:
            if cal.is_working_day(d):
                lo = datetime.combine(d, cal.day_start)
                span = datetime.combine(d, cal.day_end) - lo
                out += [lo + span * (i + 0.5) / count for i in range(count)]
            d += timedelta(days=1)
        return [x.replace(second=0, microsecond=0) for x in out]
    cursor = start - timedelta(days=start.weekday()) if per == "week" else start.replace(day=1)
    while cursor <= end:
        if per == "week":
            period = [cursor + timedelta(days=i) for i in range(7)]
            nxt = cursor + timedelta(days=7)
        else:
            nxt = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
            period = [cursor + timedelta(days=i) for i in range((nxt - cursor).days)]
        if item.on_days:
            days = [d for d in period if d.weekday() in item.on_days]
        else:
            days = _spread([d for d in period if cal.is_working_day(d)], count)
        out += [datetime.combine(d, at) for d in days if start <= d <= end]
        cursor = nxt
    return out


def occurrences(hb: m.Handbook, cal: WorkCalendar, start: date,
                end: date) -> list[Occurrence]:
    """Every item occurrence whose nominal date lies in [start, end], holiday rule applied."""
    out: list[Occurrence] = []
    for sched in hb.schedules.values():
        for item in sched.items:
            owner = hb.roles.get(item.owners[0]) if item.owners else None
            if owner is not None and not owner.serves_property(hb.scope):
                continue  # a company-level role's work only in the properties it serves
            icx = item_calendar(hb, item, cal)
            nominals = (counted(item, icx, start, end) if item.at_least is not None
                        else item.recurrence.occurrences(start, end, icx))
            for nominal in nominals:
                day = icx.adjust(nominal.date(), item.holiday)
                if day is None:
                    continue  # policy "skip": nothing due this time
                out.append(Occurrence(sched.id, item, nominal,
                                      datetime.combine(day, nominal.time())))
    out.sort(key=lambda o: (o.due_at, o.schedule, o.item.id))
    return out


def plan(hb: m.Handbook, cal: WorkCalendar, start: date, end: date,
         now: datetime) -> list[Task]:
    """The schedule tasks of a property (the handbook's view) for [start, end]."""
    prop = hb.scope
    tasks = []
    for occ in occurrences(hb, cal, start, end):
        note = None
        if occ.moved:
            why = cal.holiday_name(occ.nominal.date()) or "non-working day"
            note = f"moved from {occ.nominal.date().isoformat()} ({why})"
        item = occ.item
        if item.duration is not None:  # 会议时间控制在10分钟左右
            note = "; ".join(x for x in (note, f"takes about {item.duration}") if x)
        key = task_key(prop, occ.schedule, item.id, occ.nominal)
        tasks.append(Task(
            key=key, kind="schedule",
            title=item.title, roles=tuple(item.owners), property=prop, created_at=now,
            due_at=occ.due_at, source=f"{occ.schedule}/{item.id}", form=item.form, note=note))
        if item.within is not None:
            # A second limit counted from the due date (问卷发放后30个工作日内完成统计分析).
            tasks.append(Task(
                key=f"{key}/within", kind="schedule", title=f"{item.title}（完成期限）",
                roles=tuple(item.owners), property=prop, created_at=now,
                due_at=cal.add(occ.due_at, item.within), source=f"{occ.schedule}/{item.id}",
                form=item.form, note=f"within {item.within} of {occ.due_at:%Y-%m-%d}"))
    return tasks
