"""中兴人才公寓 问卷调查 (seed 003, 客户服务工作行程 序号20) as a procedure.

The row gives a straight sequence (发放 → 回收 → 统计分析, 填写《问卷结果统计表》 →
报管理处主任审阅 → 措施公布于宣传栏 → 原件保存, 复印件交品质管理部) and two limits of 30
working days, both counted from the distribution. No branch is described.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.workcal import WorkCalendar
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import condition_names, limit_of, walk

PROCEDURE = "questionnaire-survey"
PROPERTY = "zhongxing-apartments"
PATH = ["distribute", "collect", "analyse", "review", "publish-measures", "file"]


@pytest.mark.parametrize("data", [
    {},
    {"distributed": 200, "occupied_units": 200, "returned": 100},  # return rate below 60%
    {"distributed": 200, "occupied_units": 200, "returned": 180},
])
def test_one_path_whatever_the_figures(proc: m.Procedure, data: dict[str, int]) -> None:
    """The rates are targets, not branches: every survey goes the same way."""
    assert walk(proc, data) == PATH
    assert condition_names(proc) == set()


def test_who_does_what(proc: m.Procedure) -> None:
    roles = {s.id: s.roles for s in proc.steps}
    assert roles["review"] == ("office-manager",)
    assert all(roles[s] == ("service-centre-supervisor",) for s in PATH if s != "review")
    assert proc.step("file").terminal


def test_each_step_fills_its_own_section(hb: m.Handbook, proc: m.Procedure) -> None:
    form = hb.forms[proc.form or ""]
    sections = {s.id: s.fields for s in form.sections}
    used = [s.section for s in proc.steps]
    assert len(set(used)) == len(used) and set(used) <= set(sections)
    assert "returned" in sections[proc.step("collect").section or ""]
    assert "items" in sections[proc.step("analyse").section or ""]
    assert "measures_published_on" in sections[proc.step("publish-measures").section or ""]
    assert {"original_kept", "copy_to_quality"} <= set(sections[proc.step("file").section or ""])


@pytest.mark.parametrize(("clock_id", "stop"), [
    ("analysis-within-30-working-days", m.ClockPoint("review", "enter")),
    ("measures-within-30-working-days", m.ClockPoint("publish-measures", "complete")),
])
def test_two_limits_of_30_working_days_from_distribution(proc: m.Procedure, clock_id: str,
                                                         stop: m.ClockPoint) -> None:
    clock = next(c for c in proc.clocks if c.id == clock_id)
    assert clock.start == m.ClockPoint("distribute", "complete")
    assert clock.stop == (stop,)
    limit = limit_of(clock)
    assert (limit.amount, limit.unit, limit.working) == (30, "days", True)
    assert clock.working_time and clock.when is None
    assert stop.step in PATH[PATH.index("distribute") + 1:]


def test_limit_counts_working_days_on_the_property_calendar(hb: m.Handbook,
                                                            proc: m.Procedure) -> None:
    """Distributed Mon 2 Nov 2026 10:00: the 30th working day after it is Mon 14 Dec."""
    assert hb.calendar is not None
    cal = WorkCalendar.from_spec(hb.calendar)
    for clock in proc.clocks:
        limit = limit_of(clock)
        assert cal.add(datetime(2026, 11, 2, 10, 0), limit) == datetime(2026, 12, 14, 10, 0)


def test_records_and_schedule(hb: m.Handbook, proc: m.Procedure) -> None:
    (record,) = proc.records
    assert record.form == "questionnaire-stats" and record.retention is None
    assert "品质管理部" in (record.note or "")
    item = next(i for i in hb.schedules["customer-service-schedule"].items
                if i.id == "questionnaire-survey")
    assert item.form == proc.form
    duty = next(d for d in hb.roles["service-centre-supervisor"].duties if d.no == 2)
    assert "questionnaire-survey" in duty.procedures


@pytest.mark.parametrize("prop", [None, "taoyuan-village", "lihu-camphor-garden"])
def test_only_at_zhongxing(prop: str | None) -> None:
    assert "questionnaire-survey" not in load(RULES, FORMS, property=prop).procedures
