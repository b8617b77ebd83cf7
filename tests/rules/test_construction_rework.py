"""桃源村 工程返修 (seed 000, 七、装返修管理员岗位职责 1–7), walked on the graph.

Main path: 现场察看、记录 → 约定返修 → 验收 → 存档 → 回访. Branches: the contractor cannot
handle it in time (上报主办和助理, 联系其他施工单位), and failed acceptance (通知施工单位立刻处理,
then accept again).
The acceptance loop is checked transition by transition: a walk with a failed acceptance never ends.
"""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.compiler.expr import CONTEXT_NAMES
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import condition_names, next_step, walk

PROCEDURE = "construction-rework"
PROPERTY = "taoyuan-village"
TAIL = ["accept", "archive", "callback"]


@pytest.mark.parametrize(("data", "expected"), [
    ({"acceptance": "passed"}, ["inspect", "arrange-rework", *TAIL]),
    ({"acceptance": "passed", "contractor_unable": True},
     ["inspect", "arrange-rework", "report-and-reassign", *TAIL]),
    ({}, ["inspect", "arrange-rework", *TAIL]),  # nothing failed is recorded: accepted
], ids=["contractor repairs", "contractor cannot in time", "empty"])
def test_paths(proc: m.Procedure, data: dict[str, Any], expected: list[str]) -> None:
    assert walk(proc, data) == expected


@pytest.mark.parametrize(("step_id", "data", "to"), [
    ("accept", {"acceptance": "failed"}, "rectify"),
    ("accept", {"acceptance": "passed"}, "archive"),
    ("rectify", {"acceptance": "failed"}, "accept"),  # contractor fixes it, accepted again
    ("rectify", {"acceptance": "failed", "contractor_unable": True}, "report-and-reassign"),
    ("report-and-reassign", {"contractor_unable": True}, "accept"),
    ("arrange-rework", {"contractor_unable": False}, "accept"),
])
def test_acceptance_loop(proc: m.Procedure, step_id: str, data: dict[str, Any], to: str) -> None:
    """不合格的施工要及时通知施工单位立刻处理; 无法及时处理的上报主办和助理并联系其他施工单位."""
    assert next_step(proc.step(step_id), data) == to


def test_failed_then_passed(proc: m.Procedure) -> None:
    """A rework that fails once: rectified by the contractor, then accepted, filed, called back."""
    path = ["inspect", "arrange-rework", "accept"]
    assert next_step(proc.step("accept"), {"acceptance": "failed"}) == "rectify"
    path.append("rectify")
    data = {"acceptance": "passed"}
    path.append(next_step(proc.step("rectify"), data))
    while not proc.step(path[-1]).terminal:
        path.append(next_step(proc.step(path[-1]), data))
    assert path == ["inspect", "arrange-rework", "accept", "rectify", *TAIL]


def test_conditions_read_the_defect_register(hb: m.Handbook, proc: m.Procedure) -> None:
    names = condition_names(proc) - CONTEXT_NAMES
    assert names == {"contractor_unable", "acceptance"}
    assert names <= set(hb.forms["construction-defect-register"].field_names)


def test_steps_fill_distinct_sections(hb: m.Handbook, proc: m.Procedure) -> None:
    sections = {s.id for s in hb.forms["construction-defect-register"].sections}
    used = [s.section for s in proc.steps]
    assert len(set(used)) == len(used) and set(used) <= sections


def test_roles_and_reporting(proc: m.Procedure) -> None:
    assert {r for s in proc.steps for r in s.roles} == {"construction-rework-officer"}
    assert proc.step("report-and-reassign").notify == ("service-centre-supervisor",
                                                       "customer-assistant")
    assert proc.step("callback").terminal


def test_no_time_limit_is_invented(proc: m.Procedure) -> None:
    """The duties say 及时, 立刻, 定期 only."""
    assert proc.clocks == () and proc.follow_ups == ()
    assert all(s.time_limit is None for s in proc.steps)


def test_duties_link_the_procedure(hb: m.Handbook) -> None:
    duties = {d.no: d for d in hb.roles["construction-rework-officer"].duties}
    assert all("construction-rework" in duties[n].procedures for n in (1, 2, 3, 4, 5, 6, 7))
    assert not duties[8].procedures and not duties[9].procedures


@pytest.mark.parametrize("prop", [None, "zhongxing-apartments", "lihu-camphor-garden"])
def test_only_at_taoyuan(prop: str | None) -> None:
    assert "construction-rework" not in load(RULES, FORMS, property=prop).procedures
