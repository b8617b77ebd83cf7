"""The new-property form's logic (no Streamlit): company limits, checking input, diff helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES
from runtime.compiler.pipeline import compiled as compile_tree
from runtime.versions.diff import Change, group_changes, property_of_path, raw_diff_files
from runtime.versions.drafts import Drafts
from runtime.versions.newprop import (
    ERROR_CODES,
    PropertyForm,
    check_property_form,
    company_hours,
    company_limits,
    parse_hours,
    write_new_property,
)

CLOCK = "clock:complaint-handling:handle-within-24h"
STEP = "step:help-request:written-reply"
FOLLOW_UP = "follow-up:complaint-handling:callback-after-one-week"


@pytest.fixture(scope="module")
def company() -> m.Handbook:
    """The company view of the shipped rules."""
    return compile_tree(DEFAULT_RULES, DEFAULT_FORMS).views[None]


def test_company_limits_list_clocks_steps_and_follow_ups(company: m.Handbook) -> None:
    limits = {lim.key: lim for lim in company_limits(company)}
    assert str(limits[CLOCK].value) == "24h" and limits[CLOCK].title == "24小时内处理"
    assert str(limits[STEP].value) == "2d"
    assert str(limits[FOLLOW_UP].value) == "7d"
    assert all(lim.kind in ("clock", "step", "follow-up") for lim in limits.values())
    # steps without a limit are not offered (nothing to change)
    assert "step:complaint-handling:receive" not in limits


def test_company_hours(company: m.Handbook) -> None:
    assert company_hours(company) == ["08:30-12:00", "13:30-17:30"]


@pytest.mark.parametrize(("text", "expected"), [
    ("08:30-12:00", ("08:30", "12:00")),
    ("8:30 – 12:00", ("08:30", "12:00")),
    ("13:00~18:00", ("13:00", "18:00")),
    ("9：00至17：30", ("09:00", "17:30")),
])
def test_parse_hours_valid(text: str, expected: tuple[str, str]) -> None:
    assert parse_hours(text) == expected


@pytest.mark.parametrize("text", ["", "08:30", "12:00-08:30", "08:30-08:30", "25:00-26:00",
                                  "08:60-09:00", "8点-12点", "08:30-12:00-13:00"])
def test_parse_hours_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hours(text)


def _form(**kw: object) -> PropertyForm:
    base: dict[str, object] = {"id": "east-garden", "title": "东园管理处"}
    base.update(kw)
    return PropertyForm(**base)  # type: ignore[arg-type]


def test_only_changed_values_are_kept(company: m.Handbook) -> None:
    limits = {lim.key: str(lim.value) for lim in company_limits(company)}
    limits[CLOCK] = "12小时"
    limits[FOLLOW_UP] = "7 days"  # the company value, spelt differently: not a change
    limits[STEP] = ""  # empty: keep the company value
    spec, errors = check_property_form(_form(
        headcount={"front-desk": 2, "customer-assistant": 0, "clerk": None, "no-such-role": 3},
        hours=["9:00-12:00", ""], limits=limits, address="  "), company)
    assert errors == {}
    assert spec is not None
    assert dict(spec.headcount) == {"customer-assistant": 0}  # front-desk 2 is the company's
    assert dict(spec.clock_limits) == {("complaint-handling", "handle-within-24h"): "12h"}
    assert not spec.step_limits and not spec.follow_up_delays
    assert spec.working_hours == [("09:00", "12:00")] and spec.address is None


@pytest.mark.parametrize(("kw", "field", "code"), [
    ({"id": ""}, "id", "required"),
    ({"id": "East-Garden"}, "id", "id_format"),
    ({"id": "east_garden"}, "id", "id_format"),
    ({"id": "-east"}, "id", "id_format"),
    ({"id": "taoyuan-village"}, "id", "id_taken"),
    ({"title": "  "}, "title", "required"),
    ({"property_type": "castle"}, "property_type", "type"),
    ({"hours": ["9-12"]}, "hours.0", "hours_format"),
    ({"hours": ["08:30-12:00", "11:30-17:30"]}, "hours.1", "hours_overlap"),
    ({"hours": ["", "18:00-08:00"]}, "hours.1", "hours_format"),
    ({"limits": {CLOCK: "soon"}}, f"limit.{CLOCK}", "duration"),
    ({"limits": {CLOCK: "0h"}}, f"limit.{CLOCK}", "duration"),
    ({"limits": {STEP: "1h30m"}}, f"limit.{STEP}", "duration"),
    ({"headcount": {"front-desk": -1}}, "headcount.front-desk", "headcount"),
])
def test_bad_input_names_the_field(company: m.Handbook, kw: dict[str, object], field: str,
                                   code: str) -> None:
    spec, errors = check_property_form(_form(**kw), company)
    assert spec is None
    assert errors[field][0] == code and code in ERROR_CODES


def test_checked_form_writes_a_valid_draft(company: m.Handbook, tmp_path: Path) -> None:
    drafts = Drafts(tmp_path / "data")
    draft = drafts.create("东园", "zhang")
    spec, errors = check_property_form(_form(
        headcount={"duty-officer": 0}, limits={STEP: "1 working day", FOLLOW_UP: "3d"}),
        company)
    assert spec is not None and errors == {}
    written = write_new_property(drafts, draft, spec, "zhang")
    assert written == ["rules/properties/east-garden/property.yaml"]  # no hours: company calendar
    # W091 (no official holiday schedule for next year) depends on today's date, not on
    # this draft: the shipped calendar has none for 2027 from November 2026 on.
    assert [e for e in drafts.check(draft) if e.code != "W091"] == []
    view = compile_tree(draft.rules, draft.forms).views["east-garden"]
    steps = {s.id: s for s in view.procedures["help-request"].steps}
    assert str(steps["written-reply"].time_limit) == "1 working day"
    assert str(view.procedures["complaint-handling"].follow_ups[0].delay) == "3d"
    assert view.roles["duty-officer"].headcount.count == 0


def _change(scope: str | None, title: str, zh: str) -> Change:
    return Change(scope, title, "role", "x", "x", "duty 1", "added", zh=zh, en=zh)


def test_group_changes_company_first_then_properties_in_order() -> None:
    changes = [_change("b", "乙", "1"), _change(None, "公司", "2"), _change("a", "甲", "3"),
               _change("b", "乙", "4")]
    groups = [(t, [c.zh for c in items]) for t, items in group_changes(changes)]
    assert groups == [("公司", ["2"]), ("乙", ["1", "4"]), ("甲", ["3"])]
    assert group_changes([]) == []


def test_raw_diff_split_per_file() -> None:
    raw = ("--- a/rules/company/x.yaml\n+++ b/rules/company/x.yaml\n@@ -1 +1 @@\n-a\n+b\n"
           "--- a/rules/properties/p1/y.yaml\n+++ b/rules/properties/p1/y.yaml\n@@ -0,0 +1 @@\n"
           "+--- a/not-a-header\n")
    parts = raw_diff_files(raw)
    assert [p for p, _ in parts] == ["rules/company/x.yaml", "rules/properties/p1/y.yaml"]
    assert "".join(t for _, t in parts) == raw
    assert raw_diff_files("") == []


@pytest.mark.parametrize(("path", "prop"), [
    ("rules/properties/p1/y.yaml", "p1"), ("rules/company/x.yaml", None),
    ("forms/properties/p1/f.yaml", None), ("rules/properties", None),
])
def test_property_of_path(path: str, prop: str | None) -> None:
    assert property_of_path(path) == prop


def test_removed_line_that_looks_like_a_header_stays_in_its_file() -> None:
    raw = "--- a/rules/x.yaml\n+++ b/rules/x.yaml\n@@ -1,2 +1 @@\n--- a/y\n a\n"
    assert raw_diff_files(raw) == [("rules/x.yaml", raw)]


def test_company_hours_are_not_written_again(company: m.Handbook) -> None:
    spec, errors = check_property_form(_form(hours=company_hours(company)), company)
    assert errors == {} and spec is not None
    assert spec.working_hours == []  # inherits the company calendar: no calendar file
    spec, _ = check_property_form(_form(hours=["08:30-12:00", "13:30-18:00"]), company)
    assert spec is not None and spec.working_hours == [("08:30", "12:00"), ("13:30", "18:00")]
