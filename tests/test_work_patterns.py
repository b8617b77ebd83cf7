"""Work patterns (工作制): syntax, model and the E045 checks, on the small rules tree."""

from __future__ import annotations

from datetime import date, time

import pytest

from runtime.compiler.pipeline import compile_tree
from tests.conftest import MakeTree

GUARD = """\
kind: role
id: guard
title: 护卫员
{header}
level: operational
work-pattern:
%s
"""

ROTATION = """\
  rotation:
    shifts:
      - {id: early, name: 早班, start: "07:00", end: "15:00"}
      - {id: late, name: 中班, start: "15:00", end: "23:00"}
    cycle: [early, late, off]
    crews: [甲班, 乙班, 丙班]
    anchor: "2026-01-01"
"""

WEEK55 = """\
  week: 5.5
  seasons:
    - id: winter
      from: "10-01"
      to: "04-30"
      hours: [{start: "08:00", end: "12:00"}, {start: "13:00", end: "18:00"}]
    - id: summer
      from: "05-01"
      to: "09-30"
      hours: [{start: "08:00", end: "12:00"}, {start: "14:00", end: "18:30"}]
"""


def _compile(make_tree: MakeTree, body: str):  # type: ignore[no-untyped-def]
    root = make_tree({"rules/roles/guard.yaml": GUARD % body.rstrip("\n")})
    return compile_tree(root / "rules", root / "forms")


def test_rotation_cycle_and_crews(make_tree: MakeTree) -> None:
    result = _compile(make_tree, ROTATION)
    assert [e.cli_line() for e in result.errors] == []
    pat = result.views[None].roles["guard"].work_pattern
    assert pat is not None and pat.rotation is not None
    rot = pat.rotation
    assert rot.stagger == 1 and not pat.holidays_off
    day = date(2026, 1, 1)
    # Each day one crew is early, one late, one off: the three crews cover 07:00-23:00.
    shifts = [rot.shift_of(c, day) for c in range(3)]
    assert [s.id if s else "off" for s in shifts] == ["early", "off", "late"]
    assert pat.hours_on(day) == ((time(7), time(15)), (time(15), time(23)))


def test_five_and_a_half_days_with_seasons(make_tree: MakeTree) -> None:
    result = _compile(make_tree, WEEK55)
    assert [e.cli_line() for e in result.errors] == []
    pat = result.views[None].roles["guard"].work_pattern
    assert pat is not None and pat.weekdays == (0, 1, 2, 3, 4, 5) and pat.half_days == (5,)
    assert pat.hours_on(date(2026, 12, 7))[1] == (time(13), time(18))  # winter Monday
    assert pat.hours_on(date(2026, 7, 6))[1] == (time(14), time(18, 30))  # summer Monday
    assert pat.hours_on(date(2026, 12, 5)) == ((time(8), time(12)),)  # Saturday morning
    assert pat.hours_on(date(2026, 12, 6)) == ()  # Sunday off


@pytest.mark.parametrize(("body", "needle", "path"), [
    ("  hours: [{start: \"18:00\", end: \"08:00\"}]", "start < end", "work-pattern.hours[0]"),
    ("  hours: [{start: \"08:00\", end: \"12:00\"}, {start: \"11:00\", end: \"17:00\"}]",
     "overlap", "work-pattern.hours"),
    ("  days: [mon, tue]\n  half-days: [sat]", "half day", "work-pattern.half-days[0]"),
    ("  seasons:\n    - {id: a, from: \"10-01\", to: \"04-30\", hours: [{start: \"08:00\", "
     "end: \"17:00\"}]}\n    - {id: b, from: \"04-01\", to: \"09-30\", hours: [{start: "
     "\"08:00\", end: \"17:00\"}]}", "overlap", "work-pattern.seasons"),
    ("  seasons:\n    - {id: a, from: \"02-30\", to: \"04-30\", hours: [{start: \"08:00\", "
     "end: \"17:00\"}]}", "MM-DD", "work-pattern.seasons[0]"),
    (ROTATION.replace("[early, late, off]", "[early, night, off]"), "'night'",
     "work-pattern.rotation.cycle[1]"),
])
def test_bad_patterns_are_e045(make_tree: MakeTree, body: str, needle: str, path: str) -> None:
    result = _compile(make_tree, body)
    errs = [e for e in result.errors if e.code == "E045"]
    assert errs, [e.cli_line() for e in result.errors]
    assert needle in errs[0].message and errs[0].key_path == path
    assert errs[0].file.endswith("guard.yaml") and errs[0].line > 1


@pytest.mark.parametrize("body", ["  week: 4", "  rotation: {cycle: [a]}", "  days: [funday]"])
def test_schema_refuses_bad_shapes(make_tree: MakeTree, body: str) -> None:
    result = _compile(make_tree, body)
    assert any(e.code == "E012" for e in result.errors)
