"""Table-driven: Chinese time, recurrence and target phrases → canonical rule-language text."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler.timeexpr import parse_duration, parse_recurrence
from runtime.importer.phrases import (
    cn_int,
    find_all,
    find_durations,
    find_recurrences,
    find_targets,
    interpret,
)

# (phrase, duration, role)
DURATIONS = [
    ("24小时内", "24h", "within"),
    ("15分钟内", "15m", "within"),
    ("一周后回访", "1w", "after"),
    ("三日内", "3d", "within"),
    ("保存期2年", "2 years", "retention"),
    ("30个工作日内", "30 working days", "within"),
    ("1小时内", "1h", "within"),
    ("2小时内", "2h", "within"),
    ("12小时内", "12h", "within"),
    ("半小时内", "30m", "within"),
    ("一天内", "1d", "within"),
    ("三天内完成总结", "3d", "within"),
    ("七个工作日内", "7 working days", "within"),
    ("4个工作小时内", "4 working hours", "within"),
    ("一个月内", "1 month", "within"),
    ("两周内", "2w", "within"),
    ("保存三年", "3 years", "retention"),
    ("保存期为一年", "1 year", "retention"),
    ("48小时", "48h", "plain"),
    ("3个月", "3 months", "plain"),
    ("十五分钟之内", "15m", "within"),
]

RECURRENCES = [
    ("每月25日前", "monthly by day 25"),
    ("每周五下午2点半", "every Friday 14:30"),
    ("每季度第三个月25日前", "quarterly by day 25 of month 3"),
    ("次年年初", "yearly in January"),
    ("每日8:00-22:00每一小时", "hourly 08:00-22:00"),
    ("每日", "daily"),
    ("每天上午9点", "daily 09:00"),
    ("每晚10点", "daily 22:00"),
    ("每日8:00、17:00", "daily 08:00, 17:00"),
    ("每个工作日", "every working day"),
    ("每周一", "every Monday"),
    ("每周一、四", "every Monday, Thursday"),
    ("每周一至周五", "every Monday, Tuesday, Wednesday, Thursday, Friday"),
    ("每周五下午2点", "every Friday 14:00"),
    ("每周三14:30", "every Wednesday 14:30"),
    ("每两小时", "every 2 hours"),
    ("每月25日提交", "monthly on day 25"),
    ("每月5日前", "monthly by day 5"),
    ("次月2日前", "monthly by day 2"),
    ("每月底", "monthly by last day"),
    ("每月最后一个工作日", "monthly on last working day"),
    ("每月初", "monthly on day 1"),
    ("每季度第一个月十五日前", "quarterly by day 15 of month 1"),
    ("每季度最后一月月中", "quarterly on day 15 of month 3"),
    ("每季度末", "quarterly by last day of month 3"),
    ("每年12月", "yearly in December"),
    ("每年6月、12月", "yearly in June, December"),
    ("每年12月10日前", "yearly by 12-10"),
    ("每年年底", "yearly in December"),
    ("每半年", "yearly in June, December"),
]

# (phrase, target mapping)
TARGETS: list[tuple[str, dict[str, Any]]] = [
    ("投诉处理率达100%", {"name": "投诉处理率", "value": 100}),
    ("收缴率达98%", {"name": "收缴率", "value": 98}),
    ("回收率不低于60%", {"name": "回收率", "value": 60}),
    ("力争管理费收缴率达100%", {"name": "管理费收缴率", "value": 100}),
    ("做到费用收缴率达98%", {"name": "费用收缴率", "value": 98}),
    ("确保物业费催缴及时率达100%", {"name": "物业费催缴及时率", "value": 100}),
    ("不满意率不超过5%", {"name": "不满意率", "value": 5, "comparison": "<="}),
    ("车主确认率要达到100%", {"name": "车主确认率", "value": 100}),
    ("满意率在95%以上", {"name": "满意率", "value": 95}),
    ("返修率控制在2.5%以内", {"name": "返修率", "value": 2.5, "comparison": "<="}),
    ("管理处主任每月不定期抽查不少于20%", {"name": "抽查", "value": 20}),
    ("不满意项目的累计百分率在80%内", {"name": "累计百分率", "value": 80, "comparison": "<="}),
    ("回收率不低于发放数量的60%",
     {"name": "回收率", "value": 60, "note": "发放数量的60%"}),
]

# Text that must not be read as a time or a target.
NOTHING = ["2011年9月20日", "周五", "25日", "第3天", "每月", "98-105栋", "一至二次", "8:30—17:30",
           "完成领导交办的其他工作", "投诉处理率很高"]


def test_table_has_at_least_forty_phrases() -> None:
    assert len(DURATIONS) + len(RECURRENCES) + len(TARGETS) >= 40


@pytest.mark.parametrize(("phrase", "canonical", "role"), DURATIONS)
def test_durations(phrase: str, canonical: str, role: str) -> None:
    found = find_durations(phrase)
    assert [(p.canonical, p.role) for p in found] == [(canonical, role)]
    # The canonical text is what `handbook check` accepts, unchanged by a round trip.
    assert str(parse_duration(canonical)) == canonical


@pytest.mark.parametrize(("phrase", "canonical"), RECURRENCES)
def test_recurrences(phrase: str, canonical: str) -> None:
    found = find_recurrences(phrase)
    assert [p.canonical for p in found] == [canonical]
    assert str(parse_recurrence(canonical)) == canonical


@pytest.mark.parametrize(("phrase", "target"), TARGETS)
def test_targets(phrase: str, target: dict[str, Any]) -> None:
    found = find_targets(phrase)
    assert [p.target for p in found] == [target]


@pytest.mark.parametrize("text", NOTHING)
def test_not_a_phrase(text: str) -> None:
    assert find_all(text) == []


def test_spans_point_into_the_text() -> None:
    text = "对住户的投诉要及时处理(一般要求在24小时内),投诉处理率达100%;每月25日前提交"
    for p in find_all(text):
        assert text[p.start:p.end] == p.source
    assert [p.kind for p in find_all(text)] == ["duration", "target", "recurrence"]


def test_a_duration_inside_a_recurrence_is_not_reported_twice() -> None:
    assert [p.kind for p in find_all("每日8:00-22:00每一小时与指挥中心联系一次")] == ["recurrence"]


def test_interpret_prefers_the_longest_phrase() -> None:
    p = interpret("每周五下午2点半召开部门沟通会议")
    assert p is not None and p.canonical == "every Friday 14:30"
    assert interpret("部门沟通会议") is None


@pytest.mark.parametrize(("text", "value"), [("25", 25), ("二十五", 25), ("十五", 15), ("两", 2),
                                             ("一百二十", 120), ("十", 10), ("三", 3), ("x", None)])
def test_cn_int(text: str, value: int | None) -> None:
    assert cn_int(text) == value


@pytest.mark.parametrize("text", ["每月32日", "每年13月", "每季度第五个月1日前", "每日25:00"])
def test_out_of_range_dates_and_times_are_not_guessed(text: str) -> None:
    assert find_recurrences(text) == []
