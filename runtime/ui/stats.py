"""Dashboard figures computed from case and task objects (pure: no Streamlit).

The app's dashboard reads the same figures from the store's page queries (`case_counts`,
`monthly_report`, defined in runtime/store/pages.py, which this module shares); these
helpers compute them from objects in hand (scenario runs, tests).

Definitions (so the figures can be checked by hand):
- open: case status open; overdue: open and its current step's deadline has passed;
- breached: a clock of the case breached at some point (a `clock-breach` event);
- handled on time: complaints of the month with no breach;
- call-back completion: follow-up tasks of the month done / all follow-up tasks of the month;
- satisfaction: call-back records rated satisfied or very satisfied / rated records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from runtime.engine.state import Case, Task
from runtime.store.pages import SATISFIED, MonthlyReport, callback_month, in_month

__all__ = ["SATISFIED", "MonthlyReport", "Row", "by_procedure", "in_month", "is_breached",
           "is_overdue", "monthly_report"]


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


def monthly_report(month: date, cases: Iterable[Case], tasks: Iterable[Task],
                   callback_records: Iterable[Mapping[str, Any]]) -> MonthlyReport:
    """The month's report from complaint cases, their follow-up tasks and call-back records."""
    rep = MonthlyReport(month)
    for c in cases:
        if in_month(c.created_at, month):
            rep.add_case(c.to_dict())
    for t in tasks:
        if t.kind == "follow-up" and t.due_at is not None and in_month(t.due_at, month):
            rep.add_callback_task(t.to_dict())
    for r in callback_records:
        if in_month(callback_month(r), month):
            rep.add_callback_record(r)
    return rep
