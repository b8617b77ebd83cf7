"""Bench contract, event texts in both languages, the condition fast path, the calendar adapter."""

from __future__ import annotations

from datetime import date, time

import pytest

from runtime.compiler import model as m
from runtime.compiler.expr import compile_condition
from runtime.engine import bench
from runtime.engine.calendar import build
from runtime.engine.clocks import _holds
from runtime.engine.state import EVENT_TYPES, Case, Event
from runtime.engine.timeline import describe
from runtime.errors import EngineError
from runtime.i18n import catalog

from .helpers import dt


def test_bench_reports_cases_and_ms() -> None:
    r = bench.run(200)
    assert r["cases"] == 200 and r["clocks"] >= 200
    assert r["ms"] >= 0 and r["baseline_ms"] >= 0
    assert 0 <= r["breached"] <= r["clocks"]


@pytest.mark.parametrize("etype", EVENT_TYPES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_event_type_has_a_text(etype: str, lang: str) -> None:
    assert f"engine.event.{etype}" in catalog()
    text = describe(Event(etype, dt("2026-03-02 09:00"), None, "receive",
                          {"due_at": "2026-03-03T09:00:00", "role": "front-desk"}), None, lang)
    assert text and not text.startswith("engine.")


@pytest.mark.parametrize("value", [True, False, None, 0, 1, "", "x", [], [1]])
def test_bare_name_fast_path_matches_the_expression_language(value: object) -> None:
    cond = compile_condition("collective")
    case = Case("c", "N", "p", "1", "h", None, dt("2026-03-02 09:00"), dt("2026-03-02 09:00"),
                data={} if value is None else {"collective": value})
    assert _holds(cond, case, dt("2026-03-02 09:00"), {}) == cond.evaluate(case.data)


def _calendar(**kw: object) -> m.Calendar:
    meta = m.Meta("calendar", "c", "日历", "1", "2026-01-01", "a", "b", "c", None,
                  m.Loc("rules/c.yaml", 1))
    base: dict = dict(meta=meta, working_hours=((time(9), time(17)),),
                      working_weekdays=(0, 1, 2, 3, 4), country="CN", holidays={},
                      workdays=(), overrides={})
    base.update(kw)
    return m.Calendar(**base)


def test_calendar_adapter_applies_property_days_and_overrides() -> None:
    cal = build(_calendar(holidays={"2026-03-04": "物业自定假日"}, workdays=("2026-03-07",),
                          overrides={2027: m.YearOverride({"2027-10-04": "国庆节"},
                                                          ("2027-09-26",))}))
    assert not cal.is_working_day(date(2026, 3, 4))
    assert cal.is_working_day(date(2026, 3, 7))  # a Saturday the property works
    assert not cal.is_working_day(date(2027, 10, 4)) and cal.is_working_day(date(2027, 9, 26))
    assert cal.is_exact_year(2027)  # the override replaces the missing official data


@pytest.mark.parametrize("kw", [
    {"holidays": {"2026-13-01": "坏日期"}},
    {"workdays": ("not-a-date",)},
    {"working_hours": ((time(17), time(9)),)},
])
def test_calendar_adapter_reports_bad_data(kw: dict) -> None:
    with pytest.raises(EngineError, match=r"rules/c\.yaml"):
        build(_calendar(**kw))
