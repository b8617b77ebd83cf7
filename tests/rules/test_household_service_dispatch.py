"""桃源村家政工作人员工作流程 (seed 000): weekday path, weekend branch, Monday summary.

The figure: 指挥中心接到顾客的服务要求 → 向客户服务中心主管下发业务通知 → 主管向家政人员下发派工单 →
家政人员到现场进行服务 → 到主管处登记签到 → 家政人员待命; 客户服务中心管理人员对住户进行回访;
周六周日由指挥中心签发派工单, 周一汇总. No engine exists yet: the graph is walked here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runtime.compiler import model as m
from runtime.compiler.expr import CONTEXT_NAMES
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import condition_names, walk

PROPERTY = "taoyuan-village"


def _hb() -> m.Handbook:
    return load(RULES, FORMS, property=PROPERTY)


def _proc() -> m.Procedure:
    return _hb().procedures["household-service-dispatch"]


WEEKDAY = ["receive-request", "notify-supervisor", "dispatch", "on-site-service", "sign-in",
           "standby", "callback"]
WEEKEND = ["receive-request", "weekend-dispatch", "on-site-service", "sign-in", "standby",
           "monday-summary", "callback"]


@pytest.mark.parametrize(("data", "expected"), [
    ({"received_at": "2026-03-06T17:30:00+08:00"}, WEEKDAY),  # Friday
    ({"received_at": "2026-03-09T08:00:00+08:00"}, WEEKDAY),  # Monday
    ({}, WEEKDAY),  # no time recorded yet: never diverts to the weekend branch
    ({"received_at": "not a date"}, WEEKDAY),
    ({"received_at": "2026-03-07T09:00:00+08:00"}, WEEKEND),  # Saturday
    ({"received_at": "2026-03-08T23:59:00+08:00"}, WEEKEND),  # Sunday
])
def test_paths(data: dict[str, Any], expected: list[str]) -> None:
    """周六周日由指挥中心签发派工单，周一汇总: the day the command centre received the request."""
    assert walk(_proc(), data) == expected


def test_weekend_branch_reads_a_date_time_of_the_work_order() -> None:
    """The condition names the work order's received_at, a date-time field; no manual flag."""
    hb = _hb()
    names = condition_names(_proc()) - CONTEXT_NAMES
    assert names == {"received_at"}
    props = hb.forms["work-order"].schema["properties"]
    assert props["received_at"]["format"] == "date-time"
    assert "weekend" not in props


def test_who_does_each_step() -> None:
    proc = _proc()
    roles = {s.id: s.roles for s in proc.steps}
    assert roles["receive-request"] == ("command-centre-supervisor",)
    assert roles["notify-supervisor"] == ("command-centre-supervisor",)
    assert roles["dispatch"] == ("service-centre-supervisor",)
    assert roles["weekend-dispatch"] == ("command-centre-supervisor",)
    assert roles["on-site-service"] == ("household-service-worker",)
    assert "household-service-worker" in roles["sign-in"]
    assert roles["standby"] == ("household-service-worker",)
    assert roles["monday-summary"] == ("command-centre-supervisor",)
    assert roles["callback"] == ("service-centre-supervisor",)
    assert proc.step("notify-supervisor").notify == ("service-centre-supervisor",)


def test_forms_of_the_flow() -> None:
    proc = _proc()
    assert proc.form == "work-order"
    assert proc.step("on-site-service").form == "household-service-record"
    assert proc.step("on-site-service").requires == ("household-service-record",)
    sections = {s.id for s in _hb().forms["work-order"].sections}
    assert {s.section for s in proc.steps if s.section} <= sections


def test_the_seed_sets_no_time_limit() -> None:
    proc = _proc()
    assert proc.clocks == () and proc.follow_ups == ()
    assert all(s.time_limit is None for s in proc.steps)


def test_monday_summary_schedule() -> None:
    item = _hb().schedules["household-service-routine"].items[0]
    assert item.owners == ("command-centre-supervisor",)
    assert item.recurrence.freq == "weekly" and item.recurrence.weekdays == (0,)
    assert item.form == "work-order"


def test_dispatch_exists_only_at_taoyuan() -> None:
    assert "household-service-dispatch" not in load(RULES, FORMS).procedures


def _valid(form_id: str, record: dict[str, Any]) -> bool:
    # A JSON round trip gives jsonschema plain dicts and lists, whatever the loader's types.
    schema = json.loads(json.dumps(_hb().forms[form_id].schema))
    return Draft202012Validator(schema).is_valid(record)



BASE_ORDER = {"received_at": "2026-03-07T09:00:00+08:00", "unit": "98-1-302",
              "request_content": "家庭保洁"}


@pytest.mark.parametrize(("record", "ok"), [
    (BASE_ORDER, True),
    ({**BASE_ORDER, "special_need": "照看老人", "team_leader_approved": True}, True),
    ({**BASE_ORDER, "special_need": "照看老人"}, False),  # 须征得班长的同意
    ({**BASE_ORDER, "special_need": "照看老人", "team_leader_approved": False}, False),
    ({**BASE_ORDER, "service_fee": -5}, False),
    ({"unit": "98-1-302"}, False),
])
def test_work_order_records(record: dict[str, Any], ok: bool) -> None:
    assert _valid("work-order", record) is ok


@pytest.mark.parametrize(("confirmed", "ok"), [(True, True), (False, False), (None, False)])
def test_household_record_needs_the_clients_signature(confirmed: bool | None, ok: bool) -> None:
    record: dict[str, Any] = {
        "work_order_no": "PG-0001", "unit": "98-1-302", "service_date": "2026-03-07",
        "arrived_at": "09:00:00", "finished_at": "11:00:00", "service_content": "家庭保洁",
        "worker": "张三"}
    if confirmed is not None:
        record["client_confirmed"] = confirmed
    assert _valid("household-service-record", record) is ok
