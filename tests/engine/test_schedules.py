"""Schedules: dates with holiday rules, idempotent runs (memory and store), owners' lists."""

from __future__ import annotations

from datetime import date

import pytest

from runtime.engine import calendar as engcal
from runtime.engine import schedules
from runtime.engine.service import Engine
from runtime.engine.store_repo import StoreRepository

from .helpers import dt, engine, handbook


def _dues(eng: Engine, item: str) -> list[str]:
    return [f"{v.task.due_at:%Y-%m-%d %H:%M}" for v in eng.tasks(dt("2026-01-01 00:00"),
                                                                kind="schedule")
            if v.task.source == f"routine/{item}"]


def test_a_year_twice_creates_each_task_once() -> None:
    eng = engine()
    first = eng.run_schedules(None, date(2026, 1, 1), date(2026, 12, 31), dt("2026-01-01 00:00"))
    second = eng.run_schedules(None, date(2026, 1, 1), date(2026, 12, 31),
                               dt("2026-06-01 00:00"))
    # 52 Fridays minus 6 holiday Fridays skipped, 12 months, 4 quarters, 1 year
    assert first.created == 46 + 12 + 4 + 1
    assert (second.created, second.existing) == (0, first.created)
    assert len(eng.tasks(dt("2026-01-01 00:00"), kind="schedule")) == first.created


def test_month_by_month_equals_the_whole_year() -> None:
    whole, monthly = engine(), engine()
    whole.run_schedules(None, date(2026, 1, 1), date(2026, 12, 31), dt("2026-01-01 00:00"))
    for month in range(1, 13):
        end = date(2026, month + 1, 1).toordinal() - 1 if month < 12 else date(2026, 12,
                                                                                  31).toordinal()
        monthly.run_schedules(None, date(2026, month, 1), date.fromordinal(end),
                              dt("2026-01-01 00:00"))
    keys = {v.task.key for v in whole.tasks(dt("2026-01-01 00:00"), kind="schedule")}
    assert keys == {v.task.key for v in monthly.tasks(dt("2026-01-01 00:00"), kind="schedule")}


@pytest.mark.parametrize(("item", "wanted"), [
    # skip: the meeting on a holiday Friday does not happen (2 Jan, 20 Feb, 1 May, 19 Jun, 25
    # Sep, 2 Oct 2026)
    ("weekly-meeting", {"absent": ["2026-01-02", "2026-02-20", "2026-10-02"],
                        "present": ["2026-01-09 14:30", "2026-10-09 14:30"]}),
    # previous working day: Sunday 25 Jan → Friday 23 Jan; 25 Oct (Sun) → 23 Oct
    ("monthly-report", {"present": ["2026-01-23 23:59", "2026-10-23 23:59",
                                    "2026-02-25 23:59"]}),
    # next working day: 25 Sep (中秋) → Monday 28 Sep
    ("quarterly-plan", {"present": ["2026-03-25 23:59", "2026-09-28 23:59"]}),
    # keep: 31 December stays even though it is the deadline form "in December"
    ("yearly-plan", {"present": ["2026-12-31 23:59"]}),
])
def test_holiday_rules(item: str, wanted: dict) -> None:
    eng = engine()
    eng.run_schedules(None, date(2026, 1, 1), date(2026, 12, 31), dt("2026-01-01 00:00"))
    dues = _dues(eng, item)
    for d in wanted.get("present", []):
        assert d in dues
    for d in wanted.get("absent", []):
        assert not any(x.startswith(d) for x in dues)


def test_moved_occurrence_explains_why() -> None:
    hb = handbook()
    tasks = schedules.plan(hb, engcal.for_handbook(hb), date(2026, 1, 1), date(2026, 1, 31),
                           dt("2026-01-01 00:00"))
    moved = next(t for t in tasks if t.source == "routine/monthly-report")
    assert moved.due_at == dt("2026-01-23 23:59")
    assert moved.note is not None and "2026-01-25" in moved.note


def test_store_scheduler_is_idempotent_across_processes(backend) -> None:
    for _ in range(2):  # two "processes": the store is closed and reopened in between
        with backend.open() as store:
            eng = Engine(StoreRepository(store), handbook)
            run = eng.run_schedules(None, date(2026, 1, 1), date(2026, 3, 31),
                                    dt("2026-01-01 00:00"))
    assert run.created == 0 and run.existing > 0
    with backend.open() as store:
        eng = Engine(StoreRepository(store), handbook)
        mine = eng.tasks(dt("2026-01-20 00:00"), roles=["supervisor"], kind="schedule")
        assert mine and {v.task.role for v in mine} == {"supervisor"}
        urgencies = {v.urgency for v in mine}
        assert "overdue" in urgencies and "due" in urgencies
        done = eng.complete_task(mine[0].task.key, dt("2026-01-20 09:00"), user="老王")
        assert done.status == "done"
        assert eng.run_schedules(None, date(2026, 1, 1), date(2026, 1, 31),
                                 dt("2026-02-01 00:00")).created == 0
        assert eng.repo.get_task(done.key).status == "done"  # a rerun never reopens it
