"""Clocks: wall and working time, pauses, warnings, breaches, conditions, evidence, escalation."""

from __future__ import annotations

import dataclasses
import warnings
from datetime import timedelta

import pytest

from runtime.engine import calendar as engcal
from runtime.engine.clocks import evaluate, evaluate_clock
from runtime.engine.state import RecordRef
from runtime.workcal import CalendarWarning

from .helpers import INTAKE, dt, engine, handbook


def _clock(eng, case_id: str, clock_id: str, at: str):
    return next(s for s in eng.clocks(case_id, dt(at)) if s.key == clock_id)


# Working-time deadlines on the property calendar (08:30–12:00, 13:30–17:30, Mon–Fri, CN).
@pytest.mark.parametrize(("start", "clock", "due"), [
    # 24 working hours across the National Day holiday (1–7 Oct 2026) onto make-up Sat 10 Oct
    ("2026-09-30 16:00", "resolve-24h", "2026-10-10 17:30"),
    # 4 working hours from Friday afternoon onto the make-up Saturday 10 Oct 2026
    ("2026-10-09 16:00", "assess-4wh", "2026-10-10 11:00"),
    # across 31 December: New Year's Day off, then the weekend, Monday 4 Jan 2027
    ("2026-12-31 15:00", "assess-4wh", "2027-01-04 10:00"),
    # started outside working hours: Saturday, and a weekday evening
    ("2026-03-07 10:00", "assess-4wh", "2026-03-09 14:00"),
    ("2026-03-03 19:00", "assess-4wh", "2026-03-04 14:00"),
    # lunch break skipped
    ("2026-03-03 11:00", "assess-4wh", "2026-03-03 16:30"),
])
def test_working_time_deadlines(start: str, clock: str, due: str) -> None:
    eng = engine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarWarning)  # 2027: fallback year, tested below
        c = eng.start_case("ticket-flow", "alpha", INTAKE, dt(start))
        st = _clock(eng, c.id, clock, start)
    assert st.due_at == dt(due) and st.working and st.status == "running"


def test_a_2027_deadline_uses_the_fallback_calendar_with_a_warning() -> None:
    eng = engine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarWarning)  # recorded on the calendar instead
        c = eng.start_case("ticket-flow", "alpha", INTAKE, dt("2027-09-30 15:00"))
        st = _clock(eng, c.id, "assess-4wh", "2027-09-30 15:00")
    # Statutory 1–3 Oct only (no official 2027 schedule): Monday 4 Oct 10:00.
    assert st.due_at == dt("2027-10-04 10:00")
    cal = engcal.for_handbook(handbook("alpha"))
    assert any("2027" in w for w in cal.warnings)
    assert not cal.is_exact_year(2027)


def test_wall_clock_ignores_the_holiday() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-09-30 16:00"))
    st = _clock(eng, c.id, "resolve-24h", "2026-09-30 16:00")
    assert st.due_at == dt("2026-10-01 16:00") and not st.working


def test_pause_freezes_then_moves_the_deadline() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    eng.complete_step(c.id, {}, dt("2026-03-02 09:00"))
    eng.complete_step(c.id, {"needs_approval": True}, dt("2026-03-02 10:00"))
    paused = _clock(eng, c.id, "resolve-24h", "2026-03-02 12:00")
    assert paused.status == "paused" and paused.due_at is None
    assert paused.remaining == timedelta(hours=23)
    eng.complete_step(c.id, {"opinion": "同意"}, dt("2026-03-02 13:00"))
    running = _clock(eng, c.id, "resolve-24h", "2026-03-02 13:00")
    assert running.status == "running" and running.due_at == dt("2026-03-03 12:00")
    assert running.warning_at == dt("2026-03-03 08:00")
    assert _clock(eng, c.id, "resolve-24h", "2026-03-03 09:00").status == "warning"
    late = _clock(eng, c.id, "resolve-24h", "2026-03-03 12:01")
    assert late.status == "breached" and late.breached_at == dt("2026-03-03 12:00")


def test_stop_in_time_is_met_and_late_stop_is_breached() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    eng.complete_step(c.id, {}, dt("2026-03-02 09:30"))
    eng.complete_step(c.id, {}, dt("2026-03-02 10:00"))  # assess completed: stops assess-4wh
    eng.complete_step(c.id, {"result": "ok"}, dt("2026-03-04 10:00"))  # callback: 49 h
    states = {s.key: s for s in eng.clocks(c.id, dt("2026-03-05 10:00"))}
    assert states["assess-4wh"].status == "met"
    assert states["assess-4wh"].stopped_at == dt("2026-03-02 10:00")
    assert states["resolve-24h"].status == "breached"
    assert states["resolve-24h"].stopped_at == dt("2026-03-04 10:00")
    assert states["urgent-1h"].status == "inactive"  # `when: urgent` does not hold


@pytest.mark.parametrize(("urgent", "status"), [(True, "breached"), (False, "inactive")])
def test_condition_decides_whether_a_clock_runs(urgent: bool, status: str) -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, {**INTAKE, "urgent": urgent}, dt("2026-03-02 09:00"))
    assert _clock(eng, c.id, "urgent-1h", "2026-03-02 10:30").status == status


def test_breach_and_warning_escalate_exactly_once() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, {**INTAKE, "urgent": True}, dt("2026-03-02 09:00"))
    for hour in ("2026-03-02 11:00", "2026-03-03 10:00", "2026-03-03 10:00", "2026-03-04 09:00"):
        eng.tick(dt(hour))
    case = eng.get_case(c.id)
    kinds = [(e.type, e.data.get("clock")) for e in case.events
             if e.type in ("clock-warning", "clock-breach")]
    assert sorted(kinds) == sorted([
        ("clock-breach", "urgent-1h"), ("clock-breach", "assess-4wh"),
        ("clock-warning", "resolve-24h"), ("clock-breach", "resolve-24h")])
    breach = next(e for e in case.events
                  if e.type == "clock-breach" and e.data["clock"] == "urgent-1h")
    assert breach.at == dt("2026-03-02 10:00")  # dated at the deadline, not at the tick
    esc = {(v.task.source, v.task.role, v.task.due_at) for v in
           eng.tasks(dt("2026-03-04 09:00"), kind="escalation")}
    assert esc == {
        ("urgent-1h", "manager", None),
        # 4 working hours from 09:00 = 14:30; escalation within 1 working day
        ("assess-4wh", "manager", dt("2026-03-03 14:30")),
        ("resolve-24h", "supervisor", None),  # on warning, no limit of its own
        ("resolve-24h", "supervisor", dt("2026-03-03 11:00")),  # breach + 2 h
    }


def test_evidence_holds_the_clock_until_the_record_exists() -> None:
    hb = handbook()
    proc = hb.procedures["ticket-flow"]
    clock = dataclasses.replace(
        next(c for c in proc.clocks if c.id == "assess-4wh"), evidence="callback-note")
    cal = engcal.for_handbook(hb)
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    eng.complete_step(c.id, {}, dt("2026-03-02 09:10"))
    eng.complete_step(c.id, {}, dt("2026-03-02 09:20"))
    case = eng.get_case(c.id)
    assert evaluate_clock(clock, case, cal, dt("2026-03-02 15:00")).status == "breached"
    case.records.append(RecordRef("callback-note", "r1", dt("2026-03-02 10:00")))
    st = evaluate_clock(clock, case, cal, dt("2026-03-02 15:00"))
    assert st.status == "met" and st.stopped_at == dt("2026-03-02 10:00")


def test_step_time_limit_is_an_implicit_clock() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    eng.complete_step(c.id, {}, dt("2026-03-02 09:00"))
    c = eng.complete_step(c.id, {"needs_approval": True}, dt("2026-03-02 09:00"))
    st = _clock(eng, c.id, "step:approve:2", "2026-03-02 10:30")
    assert st.status == "running" and st.due_at == dt("2026-03-02 11:00")
    hb = handbook()
    later = evaluate(hb.procedures["ticket-flow"], eng.get_case(c.id),
                     engcal.for_handbook(hb), dt("2026-03-02 11:01"))
    assert any(s.key == "step:approve:2" and s.breached for s in later)


@pytest.mark.parametrize(("warn", "working", "expected"), [
    ("4h", False, 240.0),
    ("1d", False, 1440.0),
    ("1d", True, 450.0),  # one working day of 08:30–12:00 + 13:30–17:30
    ("30 working minutes", True, 30.0),
])
def test_warning_thresholds_in_minutes(warn: str, working: bool, expected: float) -> None:
    from runtime.compiler.timeexpr import parse_duration
    from runtime.engine.clocks import _minutes, working_duration

    cal = engcal.for_handbook(handbook())
    assert _minutes(cal, working_duration(parse_duration(warn), working)) == expected
