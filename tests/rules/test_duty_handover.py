"""客户服务中心值班与交接班作业规程 (seed 002): one duty shift, take-over to supervisor check.

The paths follow 4.2.1 (接班 a)–d)), 4.1.5 b) (疑难问题报主管, 重大问题报经理), 4.2.2 (重要的工作
未处理完毕不允许交班) and 4.3 (主管每天检查值班记录); the conditions read the 《值班记录》 and
the 《交班记录》 that the take-over steps fill.
"""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.compiler.expr import CONTEXT_NAMES
from runtime.compiler.pipeline import load
from runtime.forms.validation import validate
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import condition_names, limit_of, next_step, walk

PROPERTIES = [None, "taoyuan-village", "zhongxing-apartments", "lihu-camphor-garden"]
TAIL = ["hand-over", "supervisor-check"]


def _handbook(prop: str | None = None) -> m.Handbook:
    return load(RULES, FORMS, property=prop)


def _procedure(prop: str | None = None) -> m.Procedure:
    return _handbook(prop).procedures["duty-handover"]


BRANCHES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("quiet shift", {},
     ["take-over", "sign-on", "on-duty", *TAIL]),
    ("damaged or missing equipment: the outgoing officer explains",
     {"discrepancies_found": True},
     ["take-over", "explain-discrepancy", "sign-on", "on-duty", *TAIL]),
    ("something abnormal in the area: the outgoing officer explains",
     {"abnormal_found": True},
     ["take-over", "explain-discrepancy", "sign-on", "on-duty", *TAIL]),
    ("difficult problem: the supervisor decides the measures",
     {"difficult_issue": True},
     ["take-over", "sign-on", "on-duty", "supervisor-decision", *TAIL]),
    ("major problem the supervisor handles",
     {"major_issue": True},
     ["take-over", "sign-on", "on-duty", "supervisor-decision", *TAIL]),
    ("major problem the supervisor sends to the manager",
     {"major_issue": True, "manager_required": True},
     ["take-over", "sign-on", "on-duty", "supervisor-decision", "manager-decision", *TAIL]),
]


@pytest.mark.parametrize("prop", PROPERTIES)
@pytest.mark.parametrize(("case", "data", "expected"), BRANCHES, ids=[b[0] for b in BRANCHES])
def test_branch_paths(prop: str | None, case: str, data: dict[str, Any],
                      expected: list[str]) -> None:
    assert walk(_procedure(prop), data) == expected, case


def test_no_hand_over_while_important_work_is_pending() -> None:
    proc = _procedure()
    hand_over = proc.step("hand-over")
    assert next_step(hand_over, {"important_pending": True}) == "on-duty"
    assert next_step(hand_over, {"important_pending": False}) == "supervisor-check"
    # Once the work is done the same shift can hand over and end.
    assert walk(proc, {"important_pending": False})[-2:] == TAIL


@pytest.mark.parametrize("data", [
    {"manager_required": True},  # only a major problem goes to the manager
    {"difficult_issue": "no", "major_issue": None},
    {"discrepancies_found": None, "abnormal_found": 0},
])
def test_malformed_or_partial_data_takes_the_default_way(data: dict[str, Any]) -> None:
    path = walk(_procedure(), data)
    assert "manager-decision" not in path
    assert path[-1] == "supervisor-check"


def test_every_condition_names_fields_of_the_logs() -> None:
    hb = _handbook()
    fields = set(hb.forms["duty-log"].field_names) | set(hb.forms["handover-log"].field_names)
    names = condition_names(hb.procedures["duty-handover"])
    assert names and names - CONTEXT_NAMES <= fields


@pytest.mark.parametrize(("step_id", "section"), [
    ("take-over", "take-over-check"), ("explain-discrepancy", "explanation"),
    ("sign-on", "sign-off"),
])
def test_take_over_steps_fill_sections_of_the_handover_log(step_id: str, section: str) -> None:
    """4.2.1 a)–d) are written on the handover log, not on the duty log (the case form)."""
    hb = _handbook()
    step = _procedure().step(step_id)
    assert step.form == "handover-log" and step.section == section
    assert section in {s.id for s in hb.forms["handover-log"].sections}
    assert section not in {s.id for s in hb.forms["duty-log"].sections}


def test_take_over_is_done_in_the_five_minutes_before_duty() -> None:
    """接班人员提前5分钟赶到 … a)–d) … 并开始值班: arrival to the start of duty, 5 minutes."""
    proc = _procedure()
    (clock,) = proc.clocks
    assert clock.start == m.ClockPoint("take-over", "enter")
    assert clock.stop == (m.ClockPoint("on-duty", "enter"),)
    limit = limit_of(clock)
    assert (limit.amount, limit.unit, clock.working_time) == (5, "minutes", False)
    # Every way through the take-over (with or without an explanation) reaches the stop.
    for data in ({}, {"discrepancies_found": True}, {"abnormal_found": True}):
        assert "on-duty" in walk(proc, data)
    assert all(s.time_limit is None for s in proc.steps)  # the clock replaces a step limit


def test_records_and_retention() -> None:
    proc = _procedure()
    records = {r.form: r for r in proc.records}
    assert set(records) == {"duty-log", "handover-log", "duty-roster"}
    retention = records["duty-log"].retention
    assert retention is not None and (retention.amount, retention.unit) == (3, "years")
    assert records["handover-log"].retention is None  # the handbook sets none


def test_supervisor_roles() -> None:
    proc = _procedure()
    assert proc.step("supervisor-decision").roles == ("general-affairs-supervisor",)
    assert proc.step("manager-decision").roles == ("office-manager",)
    assert proc.step("supervisor-check").terminal
    on_call = {r.role for r in proc.responsibilities}
    assert {"general-affairs-supervisor", "security-supervisor", "engineering-supervisor",
            "duty-officer"} <= on_call


def test_roster_schedule_and_daily_check() -> None:
    sched = _handbook().schedules["general-affairs-routine"]
    items = {i.id: i for i in sched.items}
    roster = items["monthly-duty-roster"]
    assert roster.owners == ("general-affairs-supervisor",) and roster.form == "duty-roster"
    assert str(roster.recurrence) == "monthly by last day"
    check = items["daily-duty-log-check"]
    assert check.form == "duty-log" and check.owners == ("general-affairs-supervisor",)


def test_handover_checklist_lists_the_equipment() -> None:
    form = _handbook().forms["handover-log"]
    items = form.schema["properties"]["items"]
    assert items["type"] == "array"
    assert items["items"]["properties"]["condition"]["enum"] == ["intact", "damaged", "missing"]
    defaults = [row["item"] for row in form.ui["fields"]["items"]["default"]]
    assert defaults == ["对讲机", "灭火器", "水瓶"]


def test_roster_rows_are_date_shift_staff() -> None:
    form = _handbook().forms["duty-roster"]
    row = form.schema["properties"]["rows"]["items"]
    assert row["required"] == ["date", "shift", "staff"]


HANDOVER = {"handover_at": "2026-03-01T07:55:00", "handing_over": "李", "taking_over": "张",
            "items": [{"item": "对讲机", "quantity": 2, "condition": "intact"}]}


@pytest.mark.parametrize(("form", "data", "bad_fields"), [
    ("handover-log", HANDOVER, set()),
    ("handover-log", {**HANDOVER, "items": [{"item": "对讲机", "condition": "missing"}]},
     {"items[0].whereabouts"}),  # 如发现损坏、缺遗应立即要求交班人员说明物品去向
    ("handover-log", {**HANDOVER, "items": []}, {"items"}),
    ("handover-log", {**HANDOVER, "abnormal_found": True}, {"abnormal_detail", "explanation"}),
    ("duty-log", {"duty_date": "2026-03-01", "shift": "白班", "on_duty_staff": "张"}, set()),
    ("duty-log", {"duty_date": "2026-03-01", "shift": "白班", "on_duty_staff": "张",
                  "major_issue": True}, {"issue_description"}),
    ("duty-log", {"duty_date": "2026-03-01", "shift": "白班", "on_duty_staff": "张",
                  "important_pending": True}, {"pending_work"}),
    ("duty-roster", {"month": "2026-03", "rows": [
        {"date": "2026-03-01", "shift": "白班", "staff": "张三"}]}, set()),
    ("duty-roster", {"month": "2026-13", "rows": [
        {"date": "2026-03-01", "shift": "白班", "staff": "张三"}]}, {"month"}),
    ("duty-roster", {"month": "2026-03", "rows": []}, {"rows"}),
])
def test_log_validation(form: str, data: dict[str, Any], bad_fields: set[str]) -> None:
    assert set(validate(_handbook().forms[form], data)) == bad_fields
