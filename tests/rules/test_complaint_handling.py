"""Seed 000 complaint flow (投诉处理流程附图): every branch of the figure, walked on the graph.

No engine exists yet, so these tests follow the procedure graph the way an engine would: at each
step the first transition whose `when` holds on the case data is taken. Each case below is one
path of the figure, with the data a customer assistant would have recorded.
"""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler import model as m
from runtime.compiler.expr import CONTEXT_NAMES
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES
from tests.rules.procedure_walk import limit_of, walk


def _procedure(prop: str | None) -> m.Procedure:
    hb = load(RULES, FORMS, property=prop)
    return hb.procedures["complaint-handling"]


HEAD = ["receive", "classify"]
TAIL = ["feedback", "callback", "close"]

# (case, data recorded on the 《顾客投诉(建议)登记表》, expected path)
BRANCHES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("service, explained on the spot",
     {"responsibility": "service", "explained_on_site": True, "owner_satisfied": True},
     [*HEAD, *TAIL]),
    ("service, cannot be explained: rectification plan, manager",
     {"responsibility": "service", "explained_on_site": False, "owner_satisfied": True},
     [*HEAD, "rectification-plan", "manager-opinion", "handle", *TAIL]),
    ("engineering: engineering opinion, manager, client affairs slip, track after a week",
     {"responsibility": "engineering", "minor": False, "owner_satisfied": True},
     [*HEAD, "engineering-opinion", "manager-opinion", "client-affairs-transfer",
      "engineering-tracking", *TAIL]),
    ("engineering, minor complaint: handled directly",
     {"responsibility": "engineering", "minor": True, "owner_satisfied": True},
     [*HEAD, "engineering-opinion", "manager-opinion", "handle", *TAIL]),
    ("serious event: quality dept, management representative, company management",
     {"responsibility": "service", "serious": True, "owner_satisfied": True},
     [*HEAD, "quality-review", "management-representative", "management-decision", "handle",
      *TAIL]),
    ("serious engineering event still goes to the quality department first",
     {"responsibility": "engineering", "serious": True},
     [*HEAD, "quality-review", "management-representative", "management-decision", "handle",
      *TAIL]),
    ("not the company's responsibility: owners' committee",
     {"responsibility": "not-company", "external_route": "owners-committee"},
     [*HEAD, "external-coordination", "owners-committee", "callback", "close"]),
    ("not the company's responsibility: third-party mediation",
     {"responsibility": "not-company", "external_route": "third-party",
      "mediators": ["consumer-association", "community", "neighbours"]},
     [*HEAD, "external-coordination", "third-party-mediation", "callback", "close"]),
    ("not the company's responsibility: legal action",
     {"responsibility": "not-company", "external_route": "legal-action"},
     [*HEAD, "external-coordination", "legal-action", "callback", "close"]),
    ("not the company's responsibility, no coordination needed: feedback",
     {"responsibility": "not-company", "owner_satisfied": True},
     [*HEAD, "external-coordination", *TAIL]),
    ("owner not satisfied after feedback: legal action",
     {"responsibility": "service", "explained_on_site": True, "owner_satisfied": False,
      "external_route": "legal-action"},
     [*HEAD, "feedback", "external-coordination", "legal-action", "callback", "close"]),
    ("owner not satisfied after rectification: third-party mediation",
     {"responsibility": "service", "owner_satisfied": False, "external_route": "third-party"},
     [*HEAD, "rectification-plan", "manager-opinion", "handle", "feedback",
      "external-coordination", "third-party-mediation", "callback", "close"]),
]


@pytest.mark.parametrize("prop", [None, "taoyuan-village"])
@pytest.mark.parametrize(("case", "data", "expected"), BRANCHES, ids=[b[0] for b in BRANCHES])
def test_branch_paths(prop: str | None, case: str, data: dict[str, Any],
                      expected: list[str]) -> None:
    assert walk(_procedure(prop), data) == expected, case


# Bad or missing data never crashes and never skips the handling: it takes the default way.
@pytest.mark.parametrize("data", [
    {},
    {"responsibility": 42},
    {"responsibility": "nonsense", "serious": "no"},
    {"responsibility": None, "owner_satisfied": None},
])
def test_malformed_case_data_takes_the_default_service_path(data: dict[str, Any]) -> None:
    proc = _procedure(None)
    path = walk(proc, data)
    assert path[:3] == ["receive", "classify", "rectification-plan"]
    assert path[-2:] == ["callback", "close"]


def test_labels_follow_the_figure() -> None:
    proc = _procedure(None)
    labels = {t.label for s in proc.steps for t in s.next if t.label}
    assert {"严重事件", "非公司责任", "属于工程质量问题", "属于服务质量问题，当时能解释清楚",
            "属于服务质量问题，不能解释清楚", "业委会", "第三方协调", "法律诉讼", "业主不满意",
            "满意"} <= labels


def test_every_condition_names_fields_of_the_register() -> None:
    hb = load(RULES, FORMS)
    proc = hb.procedures["complaint-handling"]
    fields = set(hb.forms["complaint-register"].field_names)
    conditions = [t.when for s in proc.steps for t in s.next if t.when is not None]
    assert len(conditions) == 9
    for cond in conditions:
        assert cond.names - CONTEXT_NAMES <= fields, cond.source


def test_register_enumerates_the_figure_choices() -> None:
    props = load(RULES, FORMS).forms["complaint-register"].schema["properties"]
    assert props["responsibility"]["enum"] == ["service", "engineering", "not-company"]
    assert props["external_route"]["enum"] == ["owners-committee", "third-party", "legal-action"]
    assert props["mediators"]["items"]["enum"] == ["consumer-association", "community",
                                                   "neighbours"]
    assert props["channel"]["enum"][:3] == ["phone", "in-person", "letter"]


def test_24_hour_handling_clock() -> None:
    clock = next(c for c in _procedure(None).clocks if c.id == "handle-within-24h")
    limit = limit_of(clock)
    assert (limit.amount, limit.unit, limit.working) == (24, "hours", False)
    assert clock.start == m.ClockPoint("receive", "enter")
    assert {p.step for p in clock.stop} == {"feedback", "external-coordination"}
    assert [e.role for e in clock.escalate] == ["service-centre-supervisor"]


def test_callback_one_week_after_handling_before_archive() -> None:
    proc = _procedure(None)
    fu = next(f for f in proc.follow_ups if f.id == "callback-after-one-week")
    assert (fu.delay.amount, fu.delay.unit) == (7, "days")
    assert fu.after.step == "callback" and fu.form == "callback-record"
    assert fu.required_before == "close" and fu.role == "customer-assistant"
    assert proc.step("callback").requires == ("callback-record",)
    assert proc.step("close").terminal


def test_engineering_slip_tracked_after_one_week() -> None:
    proc = _procedure(None)
    transfer = proc.step("client-affairs-transfer")
    assert transfer.form == "client-affairs-slip"
    assert transfer.requires == ("client-affairs-slip",)
    fu = next(f for f in proc.follow_ups if f.id == "track-after-one-week")
    assert fu.after == m.ClockPoint("client-affairs-transfer", "complete")
    assert (fu.delay.amount, fu.delay.unit) == (7, "days")


def test_step_roles_follow_the_figure() -> None:
    proc = _procedure(None)
    assert proc.step("engineering-opinion").roles == ("engineering-supervisor",)
    assert proc.step("manager-opinion").roles == ("office-manager",)
    assert proc.step("quality-review").roles == ("quality-officer",)
    assert proc.step("management-decision").roles == ("deputy-general-manager",)
    assert proc.step("receive").notify == ("service-centre-supervisor",)


def test_taoyuan_overlay_adds_its_own_roles() -> None:
    proc = _procedure("taoyuan-village")
    assert "duty-officer" in proc.step("receive").roles
    assert "construction-rework-officer" in proc.step("engineering-tracking").roles
    base = _procedure(None)
    assert "duty-officer" not in base.step("receive").roles


def test_steps_zhongxing_overlays_keep_their_ids() -> None:
    ids = {s.id for s in _procedure(None).steps}
    assert {"receive", "classify", "handle", "callback", "close"} <= ids


def test_management_representative_has_its_own_role() -> None:
    """品质部意见 → 管理者代表 → 公司管理层: the middle box is its own role, not the quality
    officer."""
    hb = load(RULES, FORMS)
    proc = hb.procedures["complaint-handling"]
    step = proc.step("management-representative")
    assert step.roles == ("management-representative",)
    role = hb.roles["management-representative"]
    assert role.title == "管理者代表" and role.level == "management"
    assert "complaint-handling" in role.duties[0].procedures
    assert {r.role for r in proc.responsibilities} >= {"quality-officer",
                                                       "management-representative"}


@pytest.mark.parametrize("prop", ["taoyuan-village", "lihu-camphor-garden"])
def test_properties_keep_the_serious_event_path(prop: str) -> None:
    proc = _procedure(prop)
    assert proc.step("management-representative").roles == ("management-representative",)


def test_zhongxing_still_removes_the_serious_event_path() -> None:
    """The Zhongxing overlay removes the company step by id; the role stays defined but unused."""
    hb = load(RULES, FORMS, property="zhongxing-apartments")
    proc = hb.procedures["complaint-handling"]
    assert "management-representative" not in {s.id for s in proc.steps}
    assert "management-representative" not in proc.roles
    assert "management-representative" in hb.roles
