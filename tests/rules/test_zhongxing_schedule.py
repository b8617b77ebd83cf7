"""Zhongxing's 客户服务工作行程 (seed 003, 6、): the 22 table rows as schedule items.

Each row is checked for its owner, its recurrence (expanded over 2026 and compared with the dates
the seed's text gives), its holiday policy, its output form and its targets; holiday moves are
checked against the property's working calendar on dates whose weekday makes the answer obvious.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.workcal import WorkCalendar
from tests.conftest import FORMS, RULES

PROPERTY = "zhongxing-apartments"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture(scope="module")
def hb() -> m.Handbook:
    """The Zhongxing view."""
    return load(RULES, FORMS, property=PROPERTY)


@pytest.fixture(scope="module")
def items(hb: m.Handbook) -> dict[str, m.ScheduleItem]:
    """The schedule's items by id."""
    return {i.id: i for i in hb.schedules["customer-service-schedule"].items}


# Table order: (序号, id, 工作事项, owners, canonical recurrence, holiday policy, form)
ROWS: list[tuple[int, str, str, tuple[str, ...], str, str, str | None]] = [
    (1, "review-duty-log", "查阅值班记录", ("service-centre-supervisor",),
     "daily", "next-working-day", "duty-log"),
    (2, "department-meeting", "部门工作例会", ("service-centre-supervisor",),
     "every Friday 14:30", "previous-working-day", None),
    (3, "weekly-plan-summary", "周工作计划/总结", ("service-centre-supervisor",),
     "every Friday", "previous-working-day", None),
    (4, "dormitory-inspection", "宿舍检查", ("service-centre-supervisor",),
     "every Friday", "previous-working-day", None),
    (5, "training-plan", "培训计划", ("service-centre-supervisor",),
     "monthly by day 25", "previous-working-day", None),
    (6, "quarterly-plan", "季度工作计划", ("service-centre-supervisor",),
     "quarterly by day 25 of month 3", "previous-working-day", None),
    (7, "duty-roster", "编制《值班安排表》", ("service-team-leader",),
     "monthly by last day", "previous-working-day", None),
    (8, "attendance-assessment", "客服月份考勤考核", ("service-centre-supervisor",),
     "monthly by day 25", "previous-working-day", None),
    (9, "complaint-monthly-report", "客户投诉月报", ("service-centre-supervisor",),
     "monthly by last day", "previous-working-day", "complaint-monthly-report"),
    (10, "repair-callback-summary", "维修回访总结", ("service-centre-supervisor",),
     "monthly by last day", "previous-working-day", None),
    (11, "visit-summary", "回访、走访总结", ("service-centre-supervisor",),
     "monthly by day 5", "previous-working-day", None),
    (12, "staff-assessment", "员工考核", ("service-centre-supervisor",),
     "monthly by day 5", "previous-working-day", "staff-assessment"),
    (13, "warehouse-stocktake", "仓库盘点", ("service-centre-supervisor",),
     "monthly on day 25", "previous-working-day", None),
    (14, "purchase-plan", "采购计划", ("service-centre-supervisor",),
     "quarterly by day 15 of month 3", "previous-working-day", None),
    (15, "cleaning-score", "清洁", ("service-centre-supervisor",),
     "monthly by day 5", "previous-working-day", "cleaning-service-score"),
    (16, "records-filing", "档案管理",
     ("service-centre-supervisor", "security-supervisor", "environment-supervisor",
      "engineering-supervisor"), "monthly by day 2", "next-working-day", None),
    (17, "notice-board", "宣传栏管理", ("service-centre-supervisor",),
     "irregular", "previous-working-day", None),
    (18, "community-activity-summary", "社区文化", ("service-centre-supervisor",),
     "irregular", "previous-working-day", "community-activity-record"),
    (19, "annual-community-plan", "年度社区文化方案", ("service-centre-supervisor",),
     "yearly in December", "previous-working-day", "annual-community-plan"),
    (20, "questionnaire-survey", "业户沟通方式之一：问卷调查", ("service-centre-supervisor",),
     "yearly in December", "previous-working-day", "questionnaire-stats"),
    (21, "annual-training-plan", "年度培训计划", ("service-centre-supervisor",),
     "yearly by 12-10", "previous-working-day", None),
    (22, "management-service-report", "管理服务报告", ("office-manager",),
     "quarterly by day 15 of month 1", "previous-working-day", None),
]


def test_all_22_rows_in_table_order(hb: m.Handbook) -> None:
    """One schedule rule holds the 22 rows, in the seed's order."""
    schedule = hb.schedules["customer-service-schedule"]
    assert [i.id for i in schedule.items] == [r[1] for r in ROWS]
    assert [r[0] for r in ROWS] == list(range(1, 23))


@pytest.mark.parametrize(("no", "item_id", "title", "owners", "recurrence", "holiday", "form"),
                         ROWS, ids=[f"{r[0]:02d}-{r[1]}" for r in ROWS])
def test_row(items: dict[str, m.ScheduleItem], hb: m.Handbook, no: int, item_id: str, title: str,
             owners: tuple[str, ...], recurrence: str, holiday: str, form: str | None) -> None:
    """Owner, recurrence, holiday policy and form of one row; every reference resolves."""
    item = items[item_id]
    assert item.title == title, no
    assert item.owners == owners
    assert str(item.recurrence) == recurrence
    assert item.holiday == holiday
    assert item.form == form
    assert all(o in hb.roles for o in item.owners)
    assert form is None or form in hb.forms
    assert item.notes, "every row keeps the seed's wording in notes"


def _dates(item: m.ScheduleItem) -> list[date]:
    return [dt.date() for dt in item.recurrence.occurrences(*YEAR)]


@pytest.mark.parametrize(("item_id", "expected"), [
    ("training-plan", [date(2026, mo, 25) for mo in range(1, 13)]),
    ("quarterly-plan", [date(2026, 3, 25), date(2026, 6, 25), date(2026, 9, 25),
                        date(2026, 12, 25)]),
    ("management-service-report", [date(2026, 1, 15), date(2026, 4, 15), date(2026, 7, 15),
                                   date(2026, 10, 15)]),
    ("purchase-plan", [date(2026, 3, 15), date(2026, 6, 15), date(2026, 9, 15),
                       date(2026, 12, 15)]),
    ("annual-training-plan", [date(2026, 12, 10)]),
    ("questionnaire-survey", [date(2026, 12, 31)]),
    ("annual-community-plan", [date(2026, 12, 31)]),
    ("records-filing", [date(2026, mo, 2) for mo in range(1, 13)]),
    ("visit-summary", [date(2026, mo, 5) for mo in range(1, 13)]),
    ("complaint-monthly-report",
     [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
      date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31),
      date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31)]),
])
def test_due_dates_in_2026(items: dict[str, m.ScheduleItem], item_id: str,
                           expected: list[date]) -> None:
    """The recurrence expands to the dates the seed's text gives."""
    assert _dates(items[item_id]) == expected


def test_weekly_meeting_every_friday_at_half_past_two(items: dict[str, m.ScheduleItem]) -> None:
    """每周五下午2点半: 52 Fridays in 2026, all at 14:30."""
    due = items["department-meeting"].recurrence.occurrences(*YEAR)
    assert len(due) == 52
    assert {dt.weekday() for dt in due} == {4}
    assert {dt.time() for dt in due} == {time(14, 30)}
    assert due[0] == datetime(2026, 1, 2, 14, 30)


def test_daily_review_covers_every_day(items: dict[str, m.ScheduleItem]) -> None:
    """客服主管每日查阅: one review per calendar day (weekend logs move to the next working day)."""
    assert len(_dates(items["review-duty-log"])) == 365


@pytest.mark.parametrize(("item_id", "due", "moved_to"), [
    # 2026-01-25 is a Sunday: the training plan is due the Friday before.
    ("training-plan", date(2026, 1, 25), date(2026, 1, 23)),
    # 2026-01-02 is inside the New Year holiday: filing moves forward, not into December.
    ("records-filing", date(2026, 1, 2), date(2026, 1, 4)),
    # 2026-10-02 (Friday) is National Day: the weekly meeting is held before the holiday.
    ("department-meeting", date(2026, 10, 2), date(2026, 9, 30)),
    # 2026-04-15 is an ordinary Wednesday: the report date stays.
    ("management-service-report", date(2026, 4, 15), date(2026, 4, 15)),
])
def test_holiday_policy_on_the_property_calendar(
    hb: m.Handbook, items: dict[str, m.ScheduleItem], item_id: str, due: date, moved_to: date
) -> None:
    """Deadlines move to the previous working day; month-start filing moves to the next one."""
    assert hb.calendar is not None
    cal = WorkCalendar.from_spec(hb.calendar)
    item = items[item_id]
    assert due in _dates(item)
    assert cal.adjust(due, item.holiday) == moved_to


def test_questionnaire_targets(items: dict[str, m.ScheduleItem]) -> None:
    """Row 20: 100% of occupied units get one, ≥ 60% returned, analysis within 30 working days."""
    item = items["questionnaire-survey"]
    by_value = {(t.value, t.unit, t.comparison) for t in item.targets}
    assert by_value == {(100, "%", ">="), (60, "%", ">=")}
    # The 30 working days are a limit counted from each due date, not a target.
    assert item.within is not None
    assert (item.within.amount, item.within.unit, item.within.working) == (30, "days", True)
    assert "6月、12月" in (item.notes or "")  # the time column's conflicting months are kept
    assert "80%" in (item.notes or "")


@pytest.mark.parametrize("item_id", ["notice-board", "community-activity-summary"])
def test_irregular_rows_are_listed_without_dates(items: dict[str, m.ScheduleItem],
                                                 item_id: str) -> None:
    """Rows 17 and 18 are 不定期: listed, but no dated task is generated."""
    item = items[item_id]
    assert item.recurrence.freq == "irregular"
    assert _dates(item) == []


def test_duty_log_spot_check_target(items: dict[str, m.ScheduleItem]) -> None:
    """Row 1: the director spot-checks not less than 20% each month (his part of the row)."""
    item = items["review-duty-log"]
    (target,) = item.targets
    assert (target.value, target.unit, target.comparison) == (20, "%", ">=")
    assert any("管理处主任" in p for p in item.participants)


def test_schedule_is_zhongxing_only() -> None:
    """The company base and the other properties do not get this schedule."""
    assert "customer-service-schedule" not in load(RULES, FORMS).schedules
    other = load(RULES, FORMS, property="lihu-camphor-garden")
    assert "customer-service-schedule" not in other.schedules


def test_visit_count_target_has_no_number(items: dict[str, m.ScheduleItem]) -> None:
    """Row 11 备注: 每月访问数量 (不含回访且不能重复访问) — the number is blank in the seed."""
    (target,) = items["visit-summary"].targets
    assert target.name == "每月访问数量" and target.value is None and target.per == "month"
    assert str(target).startswith("每月访问数量 (")
    (spot_check,) = items["review-duty-log"].targets
    assert spot_check.per == "month"
