"""Zhongxing's customer-service flow (seed 003, 7、客户服务流程图), walked on the graph.

The flowchart survives as a list of its boxes: record the request in the duty log, dispatch it,
then one of three columns (general matters; home or public-facility repairs with call-back until
the owner is satisfied; matters that cannot be handled promptly, escalated to the service
supervisor), ending with the month-end summary reviewed by the director.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES

PROPERTY = "zhongxing-apartments"


@pytest.fixture(scope="module")
def flow() -> m.Procedure:
    """The flow in the Zhongxing view."""
    return load(RULES, FORMS, property=PROPERTY).procedures["customer-service-flow"]


def taken(step: m.Step, data: Mapping[str, Any]) -> str:
    """Where a case with `data` leaves `step`: the first transition whose condition holds."""
    for t in step.next:
        if t.when is None or t.when.evaluate(data):
            return t.to
    raise AssertionError(f"{step.id!r}: no way out for {dict(data)}")


def path_of(proc: m.Procedure, data: Mapping[str, Any], limit: int = 20) -> list[str]:
    """Steps from the start to the terminal step for fixed case data."""
    out = [proc.start]
    while not proc.step(out[-1]).terminal and len(out) < limit:
        out.append(taken(proc.step(out[-1]), data))
    return out


HEAD = ["record", "dispatch"]
PATHS = [
    ("general matter: notify departments at once, call back, completion record",
     {"matter_type": "general"}, [*HEAD, "notify-departments", "callback-and-record", "close"]),
    ("no category chosen is treated as a general matter",
     {}, [*HEAD, "notify-departments", "callback-and-record", "close"]),
    ("home repair: engineering supervisor arranges, technician repairs, owner called back",
     {"matter_type": "repair", "repair_scope": "home", "owner_satisfied": True},
     [*HEAD, "arrange-repair", "repair", "repair-callback", "close"]),
    ("public-facility repair takes the same column",
     {"matter_type": "repair", "repair_scope": "public-facility", "owner_satisfied": True},
     [*HEAD, "arrange-repair", "repair", "repair-callback", "close"]),
    ("cannot be handled promptly: service supervisor with the responsible department",
     {"matter_type": "pending"}, [*HEAD, "escalate-pending", "close"]),
]


@pytest.mark.parametrize(("case", "data", "expected"), PATHS, ids=[p[0] for p in PATHS])
def test_each_column_of_the_flowchart(
    flow: m.Procedure, case: str, data: dict[str, Any], expected: list[str]
) -> None:
    """Every column of the chart is a path from the duty log to completion."""
    assert path_of(flow, data) == expected, case


@pytest.mark.parametrize(("satisfied", "expected"), [(False, "continue-tracking"), (True, "close")])
def test_repair_callback_loops_until_the_owner_is_satisfied(
    flow: m.Procedure, satisfied: bool, expected: str
) -> None:
    """对未处理完的查找原因继续跟踪处理，结果直到让业主满意为止: a loop back to the call-back."""
    assert taken(flow.step("repair-callback"), {"owner_satisfied": satisfied}) == expected
    assert taken(flow.step("continue-tracking"), {}) == "repair-callback"


@pytest.mark.parametrize(("step_id", "role"), [
    ("record", "duty-officer"),
    ("dispatch", "duty-officer"),
    ("arrange-repair", "engineering-supervisor"),
    ("repair", "maintenance-technician"),
    ("escalate-pending", "service-centre-supervisor"),
])
def test_roles_of_the_boxes(flow: m.Procedure, step_id: str, role: str) -> None:
    """Each box is done by the role the chart names."""
    assert role in flow.step(step_id).roles


def test_case_form_has_what_the_duty_officer_records() -> None:
    """诉求处理事项、业户房号、姓名、服务时间及联系电话 are fields of the case form."""
    hb = load(RULES, FORMS, property=PROPERTY)
    form = hb.forms[hb.procedures["customer-service-flow"].form or ""]
    intake = next(s for s in form.sections if s.id == "intake")
    assert {"request", "unit", "resident", "service_time", "phone"} <= set(intake.fields)
    assert "phone" in form.personal_fields
    close = hb.procedures["customer-service-flow"].step("close")
    assert "经管理处主任审阅后，上报公司" in (close.instructions or "")


def test_flow_exists_only_at_zhongxing() -> None:
    """A property-only procedure: absent from the company base and from other properties."""
    assert "customer-service-flow" not in load(RULES, FORMS).procedures
    other = load(RULES, FORMS, property="taoyuan-village")
    assert "customer-service-flow" not in other.procedures
    assert "resident-request-record" not in other.forms
