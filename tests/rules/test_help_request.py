"""住户求助服务管理作业规程 (seed 002): every category and emergency sub-flow, walked on the graph.

Each case is one path the procedure text describes (4.2 急救病人 a)–c), 4.3 咨询, 4.4–4.8 the
other categories, 4.9 有偿服务), with the data the receptionist records on the 《住户求助登记表》.
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

PROPERTIES = [None, "taoyuan-village", "zhongxing-apartments", "lihu-camphor-garden"]


def _handbook(prop: str | None = None) -> m.Handbook:
    return load(RULES, FORMS, property=prop)


def _procedure(prop: str | None = None) -> m.Procedure:
    return _handbook(prop).procedures["help-request"]


HOSPITAL = ["hospital-dispatch", "escort-to-hospital"]
AMBULANCE = ["call-120", "prepare-reception", "guide-ambulance", "shift-leader-feedback"]
CARE = ["arrange-care", "provide-care"]

# (case, data recorded on the register, expected path)
BRANCHES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("medical a): take the patient to hospital, no further help",
     {"category": "medical", "medical_help": "hospital"},
     ["receive", "medical-intake", *HOSPITAL, "guard-feedback", "record", "report-supervisor",
      "archive"]),
    ("medical a): resident needs more help, the director arranges it",
     {"category": "medical", "medical_help": "hospital", "further_help_needed": True},
     ["receive", "medical-intake", *HOSPITAL, "director-arrangement", "guard-feedback", "record",
      "report-supervisor", "archive"]),
    ("medical b): call 120, meet the ambulance at the gate",
     {"category": "medical", "medical_help": "call-120"},
     ["receive", "medical-intake", *AMBULANCE, "record", "report-supervisor", "archive"]),
    ("medical c): short-term care",
     {"category": "medical", "medical_help": "care"},
     ["receive", "medical-intake", *CARE, "record", "report-supervisor", "archive"]),
    ("medical, major: reported to the supervisor at once, not again afterwards",
     {"category": "medical", "medical_help": "call-120", "major": True},
     ["receive", "medical-intake", "report-major", *AMBULANCE, "record", "archive"]),
    ("medical, major, the supervisor asks the manager first",
     {"category": "medical", "medical_help": "hospital", "major": True,
      "manager_consulted": True},
     ["receive", "medical-intake", "report-major", "manager-instruction", *HOSPITAL,
      "guard-feedback", "record", "archive"]),
    ("medical care that is also a paid service",
     {"category": "medical", "medical_help": "care", "paid_service": True},
     ["receive", "medical-intake", *CARE, "record", "paid-service", "report-supervisor",
      "archive"]),
    ("written enquiry: service centre replies in writing",
     {"category": "enquiry", "channel": "written"},
     ["receive", "written-enquiry", "written-reply", "record", "archive"]),
    ("written enquiry: the manager replies in writing",
     {"category": "enquiry", "channel": "written", "manager_reply_needed": True},
     ["receive", "written-enquiry", "manager-written-reply", "record", "archive"]),
    ("oral enquiry answered at once",
     {"category": "enquiry", "channel": "phone"},
     ["receive", "oral-enquiry", "record", "archive"]),
    ("oral enquiry the receptionist cannot answer: ask the supervisor",
     {"category": "enquiry", "channel": "in-person", "needs_instruction": True},
     ["receive", "oral-enquiry", "consult-supervisor", "record", "archive"]),
    ("repair request: 报修管理作业规程",
     {"category": "repair"}, ["receive", "refer-repair", "record", "archive"]),
    ("complaint: 住户投诉处理作业规程",
     {"category": "complaint"}, ["receive", "refer-complaint", "record", "archive"]),
    ("theft, fight, robbery...: 突发事件处理作业规程",
     {"category": "public-security"}, ["receive", "refer-incident", "record", "archive"]),
    ("fire or flooding: 护卫工作手册",
     {"category": "disaster"}, ["receive", "refer-disaster", "record", "archive"]),
    ("other everyday help",
     {"category": "other"}, ["receive", "general-help", "record", "archive"]),
    ("other help the receptionist cannot give: ask the supervisor",
     {"category": "other", "needs_instruction": True},
     ["receive", "general-help", "consult-supervisor", "record", "archive"]),
    ("other help that is a paid service",
     {"category": "other", "paid_service": True},
     ["receive", "general-help", "record", "paid-service", "archive"]),
]


@pytest.mark.parametrize("prop", PROPERTIES)
@pytest.mark.parametrize(("case", "data", "expected"), BRANCHES, ids=[b[0] for b in BRANCHES])
def test_branch_paths(prop: str | None, case: str, data: dict[str, Any],
                      expected: list[str]) -> None:
    assert walk(_procedure(prop), data) == expected, case


def test_every_step_is_on_some_branch() -> None:
    visited = {s for _, data, _ in BRANCHES for s in walk(_procedure(), data)}
    assert visited == {s.id for s in _procedure().steps}


# Bad or missing data never crashes and never loses the request: it is helped and recorded.
@pytest.mark.parametrize("data", [
    {},
    {"category": 7},
    {"category": "nonsense", "needs_instruction": "yes"},
    {"category": None, "channel": None, "paid_service": None},
])
def test_malformed_data_takes_the_general_help_path(data: dict[str, Any]) -> None:
    path = walk(_procedure(), data)
    assert path[:2] == ["receive", "general-help"]
    assert "record" in path and path[-1] == "archive"


@pytest.mark.parametrize("medical_help", [None, "", "taxi"])
def test_medical_without_a_known_choice_defaults_to_care(medical_help: Any) -> None:
    path = walk(_procedure(), {"category": "medical", "medical_help": medical_help})
    assert path[2:4] == CARE


def test_register_enumerates_the_seven_categories() -> None:
    props = _handbook().forms["help-request-register"].schema["properties"]
    assert props["category"]["enum"] == ["medical", "repair", "complaint", "enquiry",
                                         "public-security", "disaster", "other"]
    assert props["medical_help"]["enum"] == ["hospital", "call-120", "care"]
    assert "written" in props["channel"]["enum"]


def test_every_condition_names_fields_of_the_register() -> None:
    hb = _handbook()
    fields = set(hb.forms["help-request-register"].field_names)
    names = condition_names(hb.procedures["help-request"])
    assert names and names - CONTEXT_NAMES <= fields


def test_five_minute_reply_after_asking_the_supervisor() -> None:
    proc = _procedure()
    clock = next(c for c in proc.clocks if c.id == "reply-within-5m")
    limit = limit_of(clock)
    assert (limit.amount, limit.unit, clock.working_time) == (5, "minutes", False)
    assert clock.start == m.ClockPoint("receive", "enter")
    assert clock.stop == (m.ClockPoint("consult-supervisor", "complete"),)
    assert clock.when is not None
    assert clock.when.evaluate({"needs_instruction": True})
    assert not clock.when.evaluate({"needs_instruction": False})
    step = proc.step("consult-supervisor")
    assert step.time_limit is not None and (step.time_limit.amount, step.time_limit.unit) == (
        5, "minutes")


def test_written_enquiry_replied_within_two_days() -> None:
    proc = _procedure()
    clock = next(c for c in proc.clocks if c.id == "written-reply-2d")
    assert (limit_of(clock).amount, limit_of(clock).unit) == (2, "days")
    assert clock.start.step == "written-enquiry"
    assert {(p.step, p.event) for p in clock.stop} == {("written-reply", "complete"),
                                                      ("manager-written-reply", "complete")}
    assert clock.when is not None
    assert clock.when.evaluate({"category": "enquiry", "channel": "written"})
    assert not clock.when.evaluate({"category": "enquiry", "channel": "phone"})
    for sid in ("written-reply", "manager-written-reply"):
        limit = proc.step(sid).time_limit
        assert limit is not None and (limit.amount, limit.unit) == (2, "days")


def test_register_kept_two_years() -> None:
    proc = _procedure()
    record = next(r for r in proc.records if r.form == "help-request-register")
    assert record.retention is not None
    assert (record.retention.amount, record.retention.unit) == (2, "years")
    form = _handbook().forms["help-request-register"]
    assert form.retention is not None and form.retention.amount == 2


def test_roles_follow_the_text() -> None:
    proc = _procedure()
    assert proc.step("hospital-dispatch").notify == ("security-shift-leader",)
    assert proc.step("escort-to-hospital").roles == ("security-guard",)
    assert "office-manager" in proc.step("director-arrangement").roles
    assert proc.step("prepare-reception").roles == ("security-shift-leader",)
    assert "security-supervisor" in proc.step("arrange-care").roles
    assert proc.step("report-major").notify == ("general-affairs-supervisor",)
    assert proc.step("manager-written-reply").roles == ("office-manager",)
    assert {r.role for r in proc.responsibilities} >= {
        "office-manager", "general-affairs-supervisor", "front-desk"}


def test_personal_fields_are_masked() -> None:
    form = _handbook().forms["help-request-register"]
    assert {"phone", "patient_phone"} <= set(form.personal_fields)


VALID_MEDICAL = {"received_at": "2026-03-01T10:00:00", "channel": "phone", "resident": "王先生",
                 "unit": "3-1-502", "phone": "13912345678", "category": "medical",
                 "content": "老人晕倒", "patient_address": "3-1-502",
                 "patient_phone": "13912345678", "medical_help": "call-120"}


@pytest.mark.parametrize(("data", "bad_fields"), [
    (VALID_MEDICAL, set()),
    ({**VALID_MEDICAL, "category": "enquiry", "patient_address": None, "medical_help": None},
     set()),
    ({**VALID_MEDICAL, "medical_help": None}, {"medical_help"}),  # the resident's choice
    ({**VALID_MEDICAL, "patient_address": ""}, {"patient_address"}),
    ({**VALID_MEDICAL, "medical_help": "care", "carers": ""}, {"carers"}),
    ({**VALID_MEDICAL, "needs_instruction": True}, {"supervisor_instruction"}),
    ({**VALID_MEDICAL, "category": "fire"}, {"category"}),
    ({**VALID_MEDICAL, "phone": "12345"}, {"phone"}),
])
def test_register_validation(data: dict[str, Any], bad_fields: set[str]) -> None:
    errors = validate(_handbook().forms["help-request-register"], data)
    assert set(errors) == bad_fields


def test_complaints_are_handed_to_the_complaint_procedure() -> None:
    """4.4 按《住户投诉处理作业规程》办理: completing the referral opens a complaint case."""
    hb = _handbook()
    proc = hb.procedures["help-request"]
    assert proc.step("refer-complaint").hands_off_to == "complaint-handling"
    assert "complaint-handling" in hb.procedures
    # 4.5–4.7 name procedures whose text no seed contains: they stay instructions only.
    for sid in ("refer-repair", "refer-incident", "refer-disaster"):
        assert proc.step(sid).hands_off_to is None
    handing = {s.id for s in proc.steps if s.hands_off_to}
    assert handing == {"refer-complaint"}


@pytest.mark.parametrize("prop", PROPERTIES)
def test_hand_off_target_exists_in_every_view(prop: str | None) -> None:
    hb = _handbook(prop)
    for step in hb.procedures["help-request"].steps:
        if step.hands_off_to:
            assert step.hands_off_to in hb.procedures
