"""Adapter from the rules' `model.Calendar` to a `WorkCalendar`, cached per calendar object."""

from __future__ import annotations

import threading
from datetime import date

from runtime.compiler import model as m
from runtime.errors import EngineError
from runtime.workcal import WorkCalendar, YearOverride

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
