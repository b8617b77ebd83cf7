"""Dashboard figures computed from cases, tasks and records (pure: no Streamlit).

Definitions (so the figures can be checked by hand):
- open: case status open; overdue: open and its current step's deadline has passed;
- breached: a clock of the case breached at some point (a `clock-breach` event);
- handled on time: complaints of the month with no breach;
- call-back completion: follow-up tasks of the month done / all follow-up tasks of the month;
- satisfaction: call-back records rated satisfied or very satisfied / rated records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from runtime.engine.state import Case, Task

SATISFIED = frozenset({"very-satisfied", "satisfied"})


def is_overdue(case: Case, now: datetime) -> bool:
    """Open, and the deadline of the current step visit has passed."""
    visit = case.current_visit
    return (case.status == "open" and visit is not None and visit.due_at is not None
            and visit.due_at < now)


def is_breached(case: Case) -> bool:
    """A clock of the case breached at some point."""
    return any(e.type == "clock-breach" for e in case.events)


@dataclass
class Row:
    """Counts for one (property, procedure)."""

    property: str | None
    procedure: str
    total: int = 0
    open: int = 0
    overdue: int = 0
    breached: int = 0
    closed: int = 0


def by_procedure(cases: Iterable[Case], now: datetime) -> list[Row]:
    """Open / overdue / breached / closed per property and procedure."""
    rows: dict[tuple[str | None, str], Row] = {}
    for c in cases:
        row = rows.setdefault((c.property, c.procedure_id), Row(c.property, c.procedure_id))
        row.total += 1
        if c.status == "open":
            row.open += 1
            row.overdue += is_overdue(c, now)
        else:
            row.closed += 1
        row.breached += is_breached(c)
    return sorted(rows.values(), key=lambda r: (r.property or "", r.procedure))


def in_month(moment: datetime | str | None, month: date) -> bool:
    """Whether a timestamp falls in the month of `month`."""
    if moment is None:
        return False
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return False
    return moment.year == month.year and moment.month == month.month


@dataclass
class MonthlyReport:
    """客户投诉工作月报: the month's complaints, how they were handled, call-backs."""

    month: date
    total: int = 0
    complaints: int = 0
    suggestions: int = 0
    closed: int = 0
    on_time: int = 0
    breached: int = 0
    by_day: dict[int, int] = field(default_factory=dict)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_responsibility: Counter[str] = field(default_factory=Counter)
    by_validity: Counter[str] = field(default_factory=Counter)
    callbacks_due: int = 0
    callbacks_done: int = 0
    rated: int = 0
    satisfied: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def handling_rate(self) -> float | None:
        """Closed or past the handling clock / all (投诉处理率), percent."""
        return self._rate(self.closed, self.total)

    @property
    def on_time_rate(self) -> float | None:
        """Complaints with no breached clock, percent."""
        return self._rate(self.on_time, self.total)

    @property
    def callback_rate(self) -> float | None:
        """Call-backs done / due, percent."""
        return self._rate(self.callbacks_done, self.callbacks_due)

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied or very satisfied / rated call-backs, percent."""
        return self._rate(self.satisfied, self.rated)


def monthly_report(month: date, cases: Iterable[Case], tasks: Iterable[Task],
                   callback_records: Iterable[Mapping[str, Any]]) -> MonthlyReport:
    """The month's report from complaint cases, their follow-up tasks and call-back records."""
    rep = MonthlyReport(month)
    for c in cases:
        if not in_month(c.created_at, month):
            continue
        rep.total += 1
        kind = c.data.get("kind")
        rep.complaints += kind != "suggestion"
        rep.suggestions += kind == "suggestion"
        rep.closed += c.status == "closed"
        breached = is_breached(c)
        rep.breached += breached
        rep.on_time += not breached
        rep.by_day[c.created_at.day] = rep.by_day.get(c.created_at.day, 0) + 1
        for counter, name in ((rep.by_channel, "channel"),
                              (rep.by_responsibility, "responsibility"),
                              (rep.by_validity, "validity")):
            value = c.data.get(name)
            if value:
                counter[str(value)] += 1
    for t in tasks:
        if t.kind == "follow-up" and t.due_at is not None and in_month(t.due_at, month):
            rep.callbacks_due += 1
            rep.callbacks_done += t.status == "done"
    for r in callback_records:
        data = r.get("data") or {}
        if not in_month(data.get("visited_at") or r.get("created_at"), month):
            continue
        if data.get("satisfaction"):
            rep.rated += 1
            rep.satisfied += data["satisfaction"] in SATISFIED
    return rep
