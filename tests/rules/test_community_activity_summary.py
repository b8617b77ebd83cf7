"""中兴人才公寓 社区文化 (seed 003, 客户服务工作行程 序号18–19): each activity is recorded
and, within three days of its end, summarised and filed. The seed describes no branch."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import condition_names, limit_of, walk

PROCEDURE = "community-activity-summary"
PROPERTY = "zhongxing-apartments"


def test_record_then_summarise(proc: m.Procedure) -> None:
    assert walk(proc, {}) == ["hold-activity", "summarise"]
    assert condition_names(proc) == set()
    assert proc.step("summarise").terminal
    assert {r for s in proc.steps for r in s.roles} == {"service-centre-supervisor"}


def test_three_days_from_the_end_of_the_activity(proc: m.Procedure) -> None:
    """每次活动结束后，三天内完成总结存档: calendar days (the text says 天, not 工作日)."""
    (clock,) = proc.clocks
    assert clock.start == m.ClockPoint("hold-activity", "complete")
    assert clock.stop == (m.ClockPoint("summarise", "complete"),)
    assert (limit_of(clock).amount, limit_of(clock).unit, clock.working_time) == (3, "days", False)
    ended = datetime(2026, 12, 31, 20, 0)
    assert limit_of(clock).add_to(ended) == ended + timedelta(days=3)


def test_uses_the_activity_record_form(hb: m.Handbook, proc: m.Procedure) -> None:
    form = hb.forms["community-activity-record"]
    sections = {s.id: set(s.fields) for s in form.sections}
    assert proc.form == form.id
    assert set(form.schema["required"]) <= sections[proc.step("hold-activity").section or ""]
    assert {"evaluation", "summarised_on"} <= sections[proc.step("summarise").section or ""]
    (record,) = proc.records
    assert record.form == form.id and record.retention is None


def test_schedule_row_is_listed_without_dates(hb: m.Handbook) -> None:
    item = next(i for i in hb.schedules["customer-service-schedule"].items
                if i.id == "community-activity-summary")
    assert item.recurrence.freq == "irregular"
    assert item.form == "community-activity-record"


@pytest.mark.parametrize("prop", [None, "taoyuan-village", "lihu-camphor-garden"])
def test_only_at_zhongxing(prop: str | None) -> None:
    assert "community-activity-summary" not in load(RULES, FORMS, property=prop).procedures
