"""Adapter from the rules' `model.Calendar` to a `WorkCalendar`, cached per calendar object."""

from __future__ import annotations

import threading
from datetime import date

from runtime.compiler import model as m
from runtime.errors import EngineError
from runtime.workcal import PatternCalendar, WorkCalendar, YearOverride

# Keyed by id(): model.Calendar holds mappings, so it is not hashable. The calendar object
# itself is kept in the value so its id cannot be reused while the entry lives.
_CACHE: dict[int, tuple[m.Calendar, WorkCalendar]] = {}
_DEFAULT: WorkCalendar | None = None
_LOCK = threading.Lock()
_MAX = 64


def _dates(values: dict[str, str] | tuple[str, ...], what: str, src: m.Loc) -> list[date]:
    out = []
    for v in values:
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            raise EngineError(f"{src}: {what} {v!r} is not a date (YYYY-MM-DD)") from None
    return out


def build(cal: m.Calendar) -> WorkCalendar:
    """A fresh WorkCalendar from a rules calendar (EngineError when its data is unusable)."""
    src = cal.meta.src
    holidays = dict(zip(_dates(dict(cal.holidays), "holiday", src), cal.holidays.values(),
                        strict=True))
    workdays = _dates(tuple(cal.workdays), "working day", src)
    overrides = {}
    for year, ov in cal.overrides.items():
        hdays = dict(zip(_dates(dict(ov.holidays), "holiday", src), ov.holidays.values(),
                         strict=True))
        overrides[int(year)] = YearOverride(
            holidays=hdays, workdays=frozenset(_dates(tuple(ov.workdays), "working day", src)),
            source=str(src))
    try:
        return WorkCalendar(
            working_hours=cal.working_hours or WorkCalendar().working_hours,
            working_weekdays=cal.working_weekdays,
            holidays=holidays,
            workdays=workdays,
            country=cal.country,
            overrides=overrides,
        )
    except ValueError as exc:
        raise EngineError(f"{src}: calendar {cal.id!r}: {exc}") from None


def default_calendar() -> WorkCalendar:
    """The calendar used when a handbook defines none: China, Mon–Fri 08:30–17:30."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = WorkCalendar()
    return _DEFAULT


def work_calendar(cal: m.Calendar | None) -> WorkCalendar:
    """The (cached) WorkCalendar of a rules calendar; the default one for None."""
    if cal is None:
        return default_calendar()
    hit = _CACHE.get(id(cal))
    if hit is not None and hit[0] is cal:
        return hit[1]
    wc = build(cal)
    with _LOCK:
        if len(_CACHE) >= _MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[id(cal)] = (cal, wc)
    return wc


def for_handbook(hb: m.Handbook) -> WorkCalendar:
    """The WorkCalendar of a handbook view (the property's calendar, else the company's)."""
    return work_calendar(hb.calendar)


_PATTERNS: dict[tuple[int, int], tuple[m.WorkPattern, WorkCalendar, WorkCalendar]] = {}


def pattern_calendar(base: WorkCalendar, pattern: m.WorkPattern) -> WorkCalendar:
    """A role's working time by its work pattern over the property calendar `base` (cached)."""
    key = (id(pattern), id(base))
    hit = _PATTERNS.get(key)
    if hit is not None and hit[0] is pattern and hit[1] is base:
        return hit[2]
    default = base.working_hours

    def hours_on(d: date, makeup: bool) -> m.Periods:
        if makeup and pattern.rotation is None:
            # 调休上班: the role works a full ordinary day even if the weekday is its day off.
            season = pattern.season_on(d)
            return season.hours if season else (pattern.hours or default)
        return pattern.hours_on(d, default)

    cal = PatternCalendar(base, hours_on, holidays_off=pattern.holidays_off)
    with _LOCK:
        if len(_PATTERNS) >= _MAX:
            _PATTERNS.pop(next(iter(_PATTERNS)))
        _PATTERNS[key] = (pattern, base, cal)
    return cal


def for_role(hb: m.Handbook, role_id: str | None) -> WorkCalendar:
    """The working time of a role: its work pattern when it has one, else the property's."""
    base = for_handbook(hb)
    role = hb.roles.get(role_id or "")
    if role is None or role.work_pattern is None:
        return base
    return pattern_calendar(base, role.work_pattern)


def role_calendars(hb: m.Handbook) -> dict[str, WorkCalendar]:
    """Pattern calendars of the roles with a work pattern (for `basis: pattern` clocks)."""
    return {rid: for_role(hb, rid) for rid, r in hb.roles.items() if r.work_pattern is not None}
