"""桃源村管理处 (seed 000): 客户中心 org chart, the eight described roles' duties, training."""

from __future__ import annotations

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES

PROPERTY = "taoyuan-village"


def _hb() -> m.Handbook:
    return load(RULES, FORMS, property=PROPERTY)


# 一、客户中心组织结构: 经理助理 → 客户服务中心主办 → the seven boxes under it.
ORG_CHART = {
    "manager-assistant": "office-manager",
    "service-centre-supervisor": "manager-assistant",
    "construction-rework-officer": "service-centre-supervisor",
    "community-activities-officer": "service-centre-supervisor",
    "childrens-centre-teacher": "service-centre-supervisor",
    "front-desk": "service-centre-supervisor",
    "household-service-worker": "service-centre-supervisor",
    "customer-assistant": "service-centre-supervisor",
    "duty-officer": "service-centre-supervisor",
}


@pytest.mark.parametrize(("role", "boss"), ORG_CHART.items())
def test_org_chart_reporting_lines(role: str, boss: str) -> None:
    assert boss in _hb().roles[role].reports_to


def test_lines_the_text_adds_to_the_chart() -> None:
    roles = _hb().roles
    # 主办: 在管理处经理和行政经理助理的直接领导下; 控制中心: 在指挥中心主办的直接领导下.
    assert roles["service-centre-supervisor"].reports_to == ("office-manager", "manager-assistant")
    assert "command-centre-supervisor" in roles["duty-officer"].reports_to


# Chapters 二 to 九, in order, with the number of duties as the seed numbers them.
CHAPTERS = [
    ("service-centre-supervisor", "客户服务中心主办", 12),
    ("customer-assistant", "客户助理", 14),
    ("duty-officer", "控制中心工作人员", 11),
    ("front-desk", "前台接待", 7),
    ("community-activities-officer", "社区文化员兼泳池管理员", 15),
    ("construction-rework-officer", "装返修管理员", 9),
    ("childrens-centre-teacher", "儿童服务中心老师", 8),
    ("household-service-worker", "家政服务员", 10),
]


@pytest.mark.parametrize(("role", "title", "count"), CHAPTERS)
def test_duties_as_numbered(role: str, title: str, count: int) -> None:
    r = _hb().roles[role]
    assert r.title == title
    assert len(r.duties) == count
    last = "交接班时" if role == "duty-officer" else "完成领导交办的其他工作"
    assert r.duties[-1].text.startswith(last)
    assert r.summary


def test_household_duties_skip_number_4_as_the_seed_does() -> None:
    nos = [d.no for d in _hb().roles["household-service-worker"].duties]
    assert nos == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]


def test_other_roles_are_numbered_consecutively() -> None:
    for role, _, count in CHAPTERS[:-1]:
        assert [d.no for d in _hb().roles[role].duties] == list(range(1, count + 1)), role


def _duty(role: str, no: int) -> m.Duty:
    return next(d for d in _hb().roles[role].duties if d.no == no)


def test_time_limits_schedules_and_targets() -> None:
    complaint = _duty("customer-assistant", 1)
    assert str(complaint.time_limit) == "24h"
    assert [str(t) for t in complaint.targets] == ["投诉处理率 ≥ 100%"]
    assert [str(t) for t in _duty("customer-assistant", 6).targets] == ["管理费收缴率 ≥ 100%"]
    assert str(_duty("customer-assistant", 12).schedule) == "monthly by day 25"
    assert _duty("customer-assistant", 4).forms == ("weekly-info-sheet",)
    assert str(_duty("duty-officer", 6).time_limit) == "1d"
    assert str(_duty("duty-officer", 9).schedule) == "hourly 08:00-22:00"
    assert str(_duty("community-activities-officer", 13).schedule) == "monthly by last day"
    (quarter,) = _duty("community-activities-officer", 2).targets
    assert (quarter.value, quarter.max, quarter.unit, quarter.per) == (1, 2, "次", "quarter")
    quarterly = str(_duty("community-activities-officer", 2).schedule)
    assert quarterly == "quarterly by last day of month 3"
    assert str(_duty("customer-assistant", 4).schedule) == "weekly by Sunday"  # 每周上报
    assert str(_duty("customer-assistant", 13).schedule) == "monthly by last day"  # 每月一次
    # 前台接待 2: 每天下班前存档, 每周统计入住情况 — two rhythms on one duty.
    assert [str(r) for r in _duty("front-desk", 2).schedules] == ["daily", "weekly by Sunday"]
    # 主办 1 整理每月顾客投诉处理结果, 4 每月负责编写客户服务需求统计报告: no day is given.
    for no in (1, 4):
        assert str(_duty("service-centre-supervisor", no).schedule) == "monthly by last day"


@pytest.mark.parametrize(("role", "unset"), [
    ("service-centre-supervisor", ("headcount", "shifts")),
    ("customer-assistant", ("headcount",)),
    ("duty-officer", ("headcount", "shifts")),
    ("front-desk", ("headcount", "shifts")),
])
def test_company_headcount_and_shifts_are_not_inherited(role: str, unset: tuple[str, ...]) -> None:
    """The seed states no headcount or shifts: the overlays unset the company's values."""
    base = load(RULES, FORMS).roles[role]
    here = _hb().roles[role]
    if "headcount" in unset:
        assert base.headcount.count is not None and here.headcount.count is None
    if "shifts" in unset:
        assert base.shifts and not here.shifts


@pytest.mark.parametrize(("role", "no", "form"), [
    ("construction-rework-officer", 1, "construction-defect-register"),
    ("community-activities-officer", 2, "community-activity-record"),
    ("household-service-worker", 5, "household-service-record"),
    ("front-desk", 3, "renovation-permit"),
    ("front-desk", 3, "temporary-pass"),
    ("service-centre-supervisor", 4, "work-order"),
])
def test_duties_link_the_forms_they_name(role: str, no: int, form: str) -> None:
    assert form in _duty(role, no).forms
    assert form in _hb().forms


def test_company_base_is_not_changed_by_taoyuan() -> None:
    base = load(RULES, FORMS).roles
    assert base["service-centre-supervisor"].title != "客户服务中心主办"
    assert "manager-assistant" not in base


def test_training_quiz_answers_are_choices() -> None:
    tr = _hb().trainings["duties-and-etiquette-training"]
    assert len(tr.quiz) >= 20
    for q in tr.quiz:
        assert q.answer in q.choices, q.id
    attire = next(s for s in tr.sections if s.id == "work-attire")
    assert len(attire.items) == 4 and "左胸" in attire.items[3]
    assert set(tr.roles) == set(ORG_CHART)
