"""桃源村 控制中心 98-105栋报修 (seed 000, 四、控制中心岗位职责 6–7), walked on the graph.

Public-facility repairs are recorded and passed to the public-facility repair group within one day;
indoor repairs are recorded and the command centre is told at once by walkie-talkie to send a
repairer.
"""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.compiler.expr import CONTEXT_NAMES
from runtime.compiler.pipeline import load
from runtime.forms.validation import validate
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import condition_names, limit_of, walk

PROCEDURE = "repair-intake"
PROPERTY = "taoyuan-village"


@pytest.mark.parametrize(("data", "expected"), [
    ({"repair_type": "public-facility"}, ["record", "pass-to-repair-group"]),
    ({"repair_type": "indoor"}, ["record", "notify-command-centre", "send-repairer"]),
    ({}, ["record", "pass-to-repair-group"]),
])
def test_paths(proc: m.Procedure, data: dict[str, Any], expected: list[str]) -> None:
    assert walk(proc, data) == expected


@pytest.mark.parametrize(("data", "armed"), [
    ({"repair_type": "public-facility"}, True),
    ({"repair_type": "indoor"}, False),
])
def test_one_day_clock_for_public_facilities(proc: m.Procedure, data: dict[str, Any],
                                             armed: bool) -> None:
    """在一天内传递给公共设施维修组: armed for public-facility reports only, stops on their
    path."""
    (clock,) = proc.clocks
    assert clock.start == m.ClockPoint("record", "enter")
    assert clock.stop == (m.ClockPoint("pass-to-repair-group", "complete"),)
    assert (limit_of(clock).amount, limit_of(clock).unit, clock.working_time) == (1, "days", False)
    assert clock.when is not None and clock.when.evaluate(data) is armed
    if armed:
        assert clock.stop[0].step in walk(proc, data)


def test_roles(proc: m.Procedure) -> None:
    assert proc.step("record").roles == ("duty-officer",)
    assert proc.step("pass-to-repair-group").roles == ("duty-officer",)
    assert proc.step("notify-command-centre").notify == ("command-centre-supervisor",)
    assert proc.step("send-repairer").roles == ("command-centre-supervisor",)


def test_conditions_read_the_repair_record(hb: m.Handbook, proc: m.Procedure) -> None:
    names = condition_names(proc) - CONTEXT_NAMES
    assert names == {"repair_type"} <= set(hb.forms["repair-record"].field_names)


BASE = {"received_at": "2026-03-02T09:00:00+08:00", "building": 98,
        "repair_type": "public-facility", "content": "路灯不亮", "recorded_by": "值班员"}


@pytest.mark.parametrize(("data", "bad"), [
    (BASE, set()),
    ({**BASE, "building": 105}, set()),
    ({**BASE, "building": 97}, {"building"}),  # the control centre records 98-105栋 only
    ({**BASE, "building": 106}, {"building"}),
    ({**BASE, "repair_type": "garden"}, {"repair_type"}),
    ({**BASE, "repair_type": "indoor"}, {"unit"}),  # an indoor repair names the unit
    ({**BASE, "repair_type": "indoor", "unit": "98-2-301"}, set()),
    ({k: v for k, v in BASE.items() if k != "content"}, {"content"}),
])
def test_repair_record_validation(hb: m.Handbook, data: dict[str, Any], bad: set[str]) -> None:
    assert set(validate(hb.forms["repair-record"], data)) == bad


def test_duties_link_the_procedure(hb: m.Handbook) -> None:
    duties = {d.no: d for d in hb.roles["duty-officer"].duties}
    for no in (6, 7):
        assert duties[no].procedures == ("repair-intake",)
        assert duties[no].forms == ("repair-record",)
    assert str(duties[6].time_limit) == "1d"


@pytest.mark.parametrize("prop", [None, "zhongxing-apartments", "lihu-camphor-garden"])
def test_only_at_taoyuan(prop: str | None) -> None:
    hb = load(RULES, FORMS, property=prop)
    assert "repair-intake" not in hb.procedures and "repair-record" not in hb.forms
