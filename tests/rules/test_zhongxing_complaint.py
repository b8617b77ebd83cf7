"""Zhongxing's complaint procedure (seed 003, 处理客户投诉请求的工作程序 1–12) as company overlays.

The Zhongxing view of `complaint-handling` must follow the seed's text: on-the-spot handling
reported within 1 hour, the duty log, valid / invalid / assisted complaints, collective complaints
(15 minutes to the director, 2 hours to head office), escalation to the director and to the company
complaint centre, results back within 12 hours for complaints the centre transferred, and the
call-back with 《客户访问记录》. The company view must keep none of these.
No engine exists yet: each case walks the graph, taking the first transition whose `when` holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.compiler.timeexpr import parse_duration
from tests.conftest import FORMS, RULES

PROPERTY = "zhongxing-apartments"
MAX_HOPS = 30  # a route longer than this means the data never leaves a loop


@pytest.fixture(scope="module")
def zhongxing() -> m.Procedure:
    """The complaint procedure as Zhongxing resolves it."""
    return load(RULES, FORMS, property=PROPERTY).procedures["complaint-handling"]


@pytest.fixture(scope="module")
def company() -> m.Procedure:
    """The company base complaint procedure."""
    return load(RULES, FORMS).procedures["complaint-handling"]


def route(proc: m.Procedure, data: Mapping[str, Any]) -> list[str]:
    """Step ids a case with `data` passes through, following the first transition that holds."""
    hops = [proc.start]
    while not proc.step(hops[-1]).terminal:
        step = proc.step(hops[-1])
        taken = next((t for t in step.next if t.when is None or t.when.evaluate(data)), None)
        assert taken is not None, f"{step.id!r} has no way out for {dict(data)}"
        hops.append(taken.to)
        assert len(hops) <= MAX_HOPS, f"no terminal step reached: {hops}"
    return hops


TAIL = ["record-result", "callback", "close"]
CENTRE_TAIL = ["record-result", "report-to-centre", "callback", "close"]
TO_CS = ["receive", "duty-log", "classify"]

# (seed item, case data on the complaint register, expected route)
ROUTES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("1) handled on the spot, reported to the office, logged",
     {"handled_on_spot": True}, ["receive", "on-spot-report", *TAIL]),
    ("1)+10) on the spot, complaint transferred by the company centre",
     {"handled_on_spot": True, "from_company_centre": True},
     ["receive", "on-spot-report", *CENTRE_TAIL]),
    ("2) duty officer handles it on the spot",
     {"duty_handled": True}, ["receive", "duty-log", *TAIL]),
    ("4) valid: contact the client, agree a reply time, handle within it",
     {"validity": "valid"}, [*TO_CS, "agree-reply-time", "handle", *TAIL]),
    ("7) invalid: explain reasonably and patiently",
     {"validity": "invalid"}, [*TO_CS, "explain", *TAIL]),
    ("6) assisted: written report to the solving department, follow it up",
     {"validity": "assisted"}, [*TO_CS, "refer-department", *TAIL]),
    ("8) valid, customer service cannot solve it: the director organises",
     {"validity": "valid", "cs_cannot_solve": True},
     [*TO_CS, "agree-reply-time", "handle", "manager-organises", *TAIL]),
    ("8) assisted, customer service cannot solve it: the director organises",
     {"validity": "assisted", "cs_cannot_solve": True},
     [*TO_CS, "refer-department", "manager-organises", *TAIL]),
    ("8) the office cannot solve it: the director asks the company complaint centre",
     {"validity": "valid", "cs_cannot_solve": True, "office_cannot_solve": True},
     [*TO_CS, "agree-reply-time", "handle", "manager-organises", "refer-company-centre", *TAIL]),
    ("5) collective: 15 min to the director, 2 h to head office, director organises",
     {"collective": True},
     ["receive", "duty-log", "report-collective", "notify-head-office", "manager-organises",
      *TAIL]),
    ("5)+8) collective complaint the office cannot solve",
     {"collective": True, "office_cannot_solve": True},
     ["receive", "duty-log", "report-collective", "notify-head-office", "manager-organises",
      "refer-company-centre", *TAIL]),
    ("10) valid complaint transferred by the company centre: result within 12 h",
     {"validity": "valid", "from_company_centre": True},
     [*TO_CS, "agree-reply-time", "handle", *CENTRE_TAIL]),
    ("1)+5) a collective complaint handled on the spot still reaches the director in 15 min",
     {"collective": True, "handled_on_spot": True},
     ["receive", "duty-log", "report-collective", "notify-head-office", "manager-organises",
      *TAIL]),
    ("2)+5) the duty officer reports a collective complaint even if he could handle it",
     {"collective": True, "duty_handled": True},
     ["receive", "duty-log", "report-collective", "notify-head-office", "manager-organises",
      *TAIL]),
]


@pytest.mark.parametrize(("case", "data", "expected"), ROUTES, ids=[r[0] for r in ROUTES])
def test_every_branch_of_the_seed_text(
    zhongxing: m.Procedure, case: str, data: dict[str, Any], expected: list[str]
) -> None:
    """Each numbered item of the seed's procedure is a path through the resolved graph."""
    assert route(zhongxing, data) == expected, case


# (step, roles that must be on it, time limit from the seed)
STEP_LIMITS = [
    ("on-spot-report", "front-desk", "1h"),
    ("report-collective", "duty-officer", "15m"),
    ("notify-head-office", "office-manager", "2h"),
    ("report-to-centre", "duty-officer", "12h"),
]


@pytest.mark.parametrize(("step_id", "role", "limit"), STEP_LIMITS)
def test_step_time_limits(zhongxing: m.Procedure, step_id: str, role: str, limit: str) -> None:
    """The seed's four time limits sit on the steps that must meet them, with the right role."""
    step = zhongxing.step(step_id)
    assert step.time_limit == parse_duration(limit)
    assert role in step.roles


# (clock, start step, stop step and event, limit, data that arms it, data that does not)
CLOCKS: list[tuple[str, str, tuple[str, Literal["enter", "complete"]], str, dict[str, Any],
                   dict[str, Any]]] = [
    ("on-spot-report-1h", "receive", ("on-spot-report", "complete"), "1h",
     {"handled_on_spot": True}, {"handled_on_spot": True, "collective": True}),
    ("collective-report-15m", "duty-log", ("report-collective", "complete"), "15m",
     {"collective": True}, {"collective": False}),
    ("head-office-2h", "notify-head-office", ("notify-head-office", "complete"), "2h",
     {"collective": True}, {}),
    ("centre-result-12h", "record-result", ("report-to-centre", "complete"), "12h",
     {"from_company_centre": True}, {"from_company_centre": False}),
]


@pytest.mark.parametrize(("clock_id", "start", "stop", "limit", "armed", "idle"), CLOCKS,
                         ids=[c[0] for c in CLOCKS])
def test_clocks_in_the_zhongxing_view(
    zhongxing: m.Procedure, clock_id: str, start: str,
    stop: tuple[str, Literal["enter", "complete"]], limit: str,
    armed: dict[str, Any], idle: dict[str, Any],
) -> None:
    """Each time limit is a clock between the right steps, running only for the cases it names."""
    clock = next(c for c in zhongxing.clocks if c.id == clock_id)
    assert clock.within == parse_duration(limit)
    assert not clock.working_time  # 15 minutes, 1/2/12 hours: wall-clock time
    assert clock.start == m.ClockPoint(start, "enter")
    assert clock.stop == (m.ClockPoint(*stop),)
    assert clock.when is not None
    assert clock.when.evaluate(armed)
    assert not clock.when.evaluate(idle)


def test_zhongxing_has_exactly_the_seed_clocks(zhongxing: m.Procedure) -> None:
    """The company's 24-hour clock and one-week follow-ups do not apply: the seed says otherwise."""
    assert {c.id for c in zhongxing.clocks} == {c[0] for c in CLOCKS} | {"reply-by-agreed-time"}
    fixed = [c for c in zhongxing.clocks if c.within is not None]
    assert sorted(str(c.within) for c in fixed) == ["12h", "15m", "1h", "2h"]
    assert zhongxing.follow_ups == ()


@pytest.mark.parametrize(("data", "armed"), [
    ({"validity": "valid"}, True),
    ({"validity": "valid", "cs_cannot_solve": True}, True),
    ({"validity": "invalid"}, False),
    ({"validity": "assisted"}, False),
    ({"collective": True}, False),
])
def test_valid_complaints_are_handled_by_the_agreed_time(
    zhongxing: m.Procedure, hb: m.Handbook, data: dict[str, Any], armed: bool
) -> None:
    """4) 约定回复时间，并在约定时间内予以及时处理: the deadline is the agreed reply time itself."""
    clock = next(c for c in zhongxing.clocks if c.id == "reply-by-agreed-time")
    assert clock.within is None and clock.until == "reply_due"
    props = hb.forms["complaint-register"].schema["properties"]
    assert props["reply_due"]["format"] == "date-time"
    assert clock.start == m.ClockPoint("agree-reply-time", "complete")
    assert clock.stop == (m.ClockPoint("record-result", "enter"),)
    assert clock.when is not None and clock.when.evaluate(data) is armed


def test_company_view_has_none_of_the_zhongxing_limits(company: m.Procedure) -> None:
    """The overlays change only Zhongxing: the company flow keeps its own steps and clocks."""
    zhongxing_only = {"on-spot-report", "duty-log", "report-collective", "notify-head-office",
                      "agree-reply-time", "refer-department", "explain", "manager-organises",
                      "refer-company-centre", "record-result", "report-to-centre"}
    assert not zhongxing_only & {s.id for s in company.steps}
    assert not {c[0] for c in CLOCKS} & {c.id for c in company.clocks}
    limits = {str(c.within) for c in company.clocks} | {
        str(s.time_limit) for s in company.steps if s.time_limit}
    assert not limits & {"1h", "15m", "2h", "12h"}
    assert "handle-within-24h" in {c.id for c in company.clocks}


def test_other_properties_do_not_get_the_zhongxing_steps() -> None:
    """Overlays are per property: the other management offices resolve without them."""
    for prop in ("taoyuan-village", "lihu-camphor-garden"):
        proc = load(RULES, FORMS, property=prop).procedures["complaint-handling"]
        assert "report-collective" not in {s.id for s in proc.steps}


def test_callback_needs_the_visit_record_and_every_step_can_end(zhongxing: m.Procedure) -> None:
    """12) the call-back is recorded in 《客户访问记录》 before the case can close."""
    assert "callback-record" in zhongxing.step("callback").requires
    assert zhongxing.step("close").terminal
    for step in zhongxing.steps:
        assert step.terminal or step.next, step.id


def test_duty_log_entries_are_made_by_the_duty_officer(zhongxing: m.Procedure) -> None:
    """2), 9), 11): the duty officer writes complaints and results in 《值班记录表》."""
    for step_id in ("duty-log", "record-result"):
        step = zhongxing.step(step_id)
        assert step.roles == ("duty-officer",)
        assert "《值班记录表》" in (step.instructions or "")


def test_register_has_the_fields_the_branches_test() -> None:
    """Zhongxing's complaint register has every field a condition reads; the company's has not."""
    zx = load(RULES, FORMS, property=PROPERTY)
    names: set[str] = set()
    proc = zx.procedures["complaint-handling"]
    for step in proc.steps:
        for t in step.next:
            if t.when is not None:
                names |= set(t.when.names)
    for clock in proc.clocks:
        if clock.when is not None:
            names |= set(clock.when.names)
    fields = set(zx.forms["complaint-register"].field_names)
    assert names <= fields
    base = set(load(RULES, FORMS).forms["complaint-register"].field_names)
    assert {"handled_on_spot", "from_company_centre", "office_cannot_solve"}.isdisjoint(base)


def test_records_are_the_zhongxing_registers(zhongxing: m.Procedure) -> None:
    """Complaints and results go in 《值班记录表》, call-backs in 《客户访问记录》; no
    engineering slip."""
    records = {r.form: r for r in zhongxing.records}
    assert set(records) == {"complaint-register", "duty-log", "callback-record"}
    # The handbook names no keeper: the company's is unset, not inherited.
    assert all(r.keeper is None for r in records.values())
    assert records["callback-record"].note and records["callback-record"].note.startswith("12)")


def test_company_keeps_its_engineering_slip_record() -> None:
    """Removing the slip record at Zhongxing leaves the company procedure untouched."""
    base = load(RULES, FORMS).procedures["complaint-handling"]
    forms = [r.form for r in base.records]
    assert forms == ["complaint-register", "callback-record", "client-affairs-slip"]
    assert all(r.keeper == "service-centre-supervisor" for r in base.records)


@pytest.mark.parametrize(("case", "data", "expected"), ROUTES, ids=[r[0] for r in ROUTES])
def test_every_armed_clock_can_stop_on_its_route(
    zhongxing: m.Procedure, case: str, data: dict[str, Any], expected: list[str]
) -> None:
    """A clock that starts on a route also reaches its stop step there (no breach by design)."""
    for clock in zhongxing.clocks:
        armed = clock.when is None or clock.when.evaluate(data)
        if armed and clock.start.step in expected:
            assert any(p.step in expected for p in clock.stop), (case, clock.id)
