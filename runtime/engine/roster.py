"""值班安排表: a month's roster generated from the roles' work patterns (工作制).

Pure: `month_roster(hb, cal, year, month)` gives one row per role with a weekly pattern (its
periods each day, 半天 on a half day, 休 on a day off, 假 on a public holiday it has off) and
one row per crew of a rotation (the crew's shift each day, 休 on its rest day), so a 三班三运转
month reads as the paper 值班安排表. Rendering to text, CSV and JSON lives here too, so the CLI
and the app show the same table.
"""

from __future__ import annotations

import calendar as _cal
import csv
import io
from dataclasses import dataclass
from datetime import date, time

from runtime.compiler import model as m
from runtime.engine.calendar import pattern_calendar
from runtime.errors import EngineError
from runtime.workcal import PatternCalendar, WorkCalendar

WEEKDAY_ZH = "一二三四五六日"
OFF, HOLIDAY = "休", "假"


@dataclass(frozen=True)
class RosterRow:
    """One line of the roster: a role (weekly pattern) or one crew of a rotation."""

    role: str
    role_title: str
    crew: str | None
    cells: tuple[str, ...]  # one per day of the month

    @property
    def label(self) -> str:
        """The row heading: 护卫员 甲班, or the role title."""
        return f"{self.role_title} {self.crew}" if self.crew else self.role_title

    @property
    def working_days(self) -> int:
        """Days this row works in the month."""
        return sum(1 for c in self.cells if c not in (OFF, HOLIDAY))


@dataclass(frozen=True)
class Roster:
    """A month's 值班安排表 of one property view, with the legend of shifts and periods."""

    property: str | None
    year: int
    month: int
    days: tuple[date, ...]
    rows: tuple[RosterRow, ...]
    legend: tuple[tuple[str, str], ...]  # (code, meaning)


def _hhmm(t: time) -> str:
    return "24:00" if t >= time(23, 59) else f"{t.hour}:{t.minute:02d}"


def _span(periods: tuple[tuple[time, time], ...]) -> str:
    return f"{_hhmm(periods[0][0])}-{_hhmm(periods[-1][1])}"


def parse_month(text: str) -> tuple[int, int]:
    """`2026-12` → (2026, 12); EngineError otherwise."""
    try:
        y, mo = (int(x) for x in str(text).strip().split("-"))
        date(y, mo, 1)
    except ValueError:
        raise EngineError(f"not a month: {text!r} (write e.g. 2026-12)") from None
    return y, mo


def _weekly_row(role: m.Role, pcal: PatternCalendar, days: tuple[date, ...],
                pattern: m.WorkPattern) -> RosterRow:
    cells = []
    for d in days:
        periods = pcal.periods_on(d)
        if periods:
            half = d.weekday() in pattern.half_days and not pcal.official(d)
            cells.append(_span(periods) + ("（半天）" if half else ""))
        elif pattern.hours_on(d) and pattern.holidays_off and pcal.official(d) is False:
            cells.append(HOLIDAY)
        else:
            cells.append(OFF)
    return RosterRow(role.id, role.title, None, tuple(cells))


def month_roster(hb: m.Handbook, cal: WorkCalendar, year: int, month: int,
                 roles: tuple[str, ...] = ()) -> Roster:
    """The roster of every role with a work pattern (or only `roles`) for one month."""
    ndays = _cal.monthrange(year, month)[1]
    days = tuple(date(year, month, i) for i in range(1, ndays + 1))
    rows: list[RosterRow] = []
    legend: dict[str, str] = {OFF: "休息", HOLIDAY: "法定节假日休息"}
    for rid in sorted(hb.roles):
        role = hb.roles[rid]
        pattern = role.work_pattern
        if pattern is None or (roles and rid not in roles):
            continue
        rot = pattern.rotation
        if rot is None:
            pcal = pattern_calendar(cal, pattern)
            assert isinstance(pcal, PatternCalendar)
            rows.append(_weekly_row(role, pcal, days, pattern))
            for s in pattern.seasons:
                legend[f"{role.title} {s.name}"] = " ".join(
                    f"{_hhmm(a)}-{_hhmm(b)}" for a, b in s.hours)
            continue
        for i, crew in enumerate(rot.crews):
            cells = []
            for d in days:
                shift = rot.shift_of(i, d)
                cells.append(shift.name if shift else OFF)
            rows.append(RosterRow(role.id, role.title, crew, tuple(cells)))
        for sh in rot.shifts:
            legend[sh.name] = f"{_hhmm(sh.start)}-{_hhmm(sh.end)}"
    missing = [r for r in roles if r not in hb.roles]
    if missing:
        raise EngineError(f"unknown role {missing[0]!r}")
    return Roster(hb.scope, year, month, days, tuple(rows), tuple(legend.items()))


def to_rows(r: Roster) -> list[list[str]]:
    """The roster as a table: a heading row (日期 1 … 31), a weekday row, then one per row."""
    head = ["岗位/班组", *(str(d.day) for d in r.days), "出勤天数"]
    week = ["星期", *(WEEKDAY_ZH[d.weekday()] for d in r.days), ""]
    return [head, week, *([row.label, *row.cells, str(row.working_days)] for row in r.rows)]


def to_csv(r: Roster) -> str:
    """CSV text (UTF-8; the caller adds a BOM for Excel if it wants)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows(to_rows(r))
    return buf.getvalue()


def to_text(r: Roster) -> str:
    """A plain-text table for the terminal: day columns, then the legend."""
    title = f"值班安排表 {r.year}-{r.month:02d}" + (f" ({r.property})" if r.property else "")
    if not r.rows:
        return title + "\n(no role of this view has a work-pattern)\n"
    rows = to_rows(r)
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [title]
    for row in rows:
        lines.append("  ".join(_pad(c, widths[i]) for i, c in enumerate(row)).rstrip())
    lines.append("")
    lines.extend(f"{code}: {meaning}" for code, meaning in r.legend)
    return "\n".join(lines) + "\n"


def to_json(r: Roster) -> dict[str, object]:
    """JSON-ready form."""
    return {"property": r.property, "month": f"{r.year}-{r.month:02d}",
            "days": [d.isoformat() for d in r.days],
            "rows": [{"role": row.role, "title": row.role_title, "crew": row.crew,
                      "cells": list(row.cells), "working_days": row.working_days}
                     for row in r.rows],
            "legend": dict(r.legend)}


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
