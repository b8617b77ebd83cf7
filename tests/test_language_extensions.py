"""Language features added for what the handbooks say: unset, form selectors, functions, ranges."""

from __future__ import annotations

from datetime import date

import pytest

from runtime.compiler.expr import compile_condition
from runtime.compiler.pipeline import compile_tree
from runtime.compiler.timeexpr import parse_recurrence
from tests.conftest import MakeTree

EAST = "rules/properties/east/property.yaml"


def _compile(root):  # type: ignore[no-untyped-def]
    return compile_tree(root / "rules", root / "forms")


def _with_overlay(make_tree: MakeTree, overlay: str):  # type: ignore[no-untyped-def]
    root = make_tree()
    path = root / EAST
    path.write_text(path.read_text(encoding="utf-8") + overlay, encoding="utf-8")
    return _compile(root)


def test_unset_removes_a_company_value(make_tree: MakeTree) -> None:
    result = _with_overlay(make_tree, "  - rule: clerk\n    unset: [department]\n")
    assert result.errors == []
    assert result.views["east"].roles["clerk"].department is None
    assert result.views[None].roles["clerk"].department == "service-centre"


def test_unset_of_missing_key_is_located(make_tree: MakeTree) -> None:
    result = _with_overlay(make_tree, "  - rule: clerk\n    unset: [shifts]\n")
    assert [(e.code, e.key_path) for e in result.errors] == [("E061", "overlays[2].unset[0]")]


def test_records_are_addressed_by_form(make_tree: MakeTree) -> None:
    root = make_tree()
    proc = root / "rules/procedures/complaint.yaml"
    proc.write_text(proc.read_text(encoding="utf-8") + "records:\n  - form: register\n"
                    "    retention: 2y\n", encoding="utf-8")
    path = root / EAST
    path.write_text(path.read_text(encoding="utf-8") + "  - rule: complaint\n    kind: "
                    "procedure\n    set:\n      records[register].retention: 3y\n",
                    encoding="utf-8")
    result = _compile(root)
    assert result.errors == []
    assert str(result.views["east"].procedures["complaint"].records[0].retention) == "3 years"


@pytest.mark.parametrize(("expr", "data", "expected"), [
    ("is_weekend(received_at)", {"received_at": "2026-11-21T10:00:00"}, True),
    ("is_weekend(received_at)", {"received_at": "2026-11-23T10:00:00"}, False),
    ("is_weekend(received_at)", {}, False),
    ("weekday_of(received_at) == 1", {"received_at": "2026-11-23"}, True),
    ("hour_of(received_at) >= 21", {"received_at": "2026-11-23T22:15:00"}, True),
    ("hour_of(received_at) >= 21", {"received_at": "garbage"}, False),
])
def test_functions(expr: str, data: dict[str, str], expected: bool) -> None:
    assert compile_condition(expr).evaluate(data) is expected


def test_functions_are_known_names(make_tree: MakeTree) -> None:
    root = make_tree()
    proc = root / "rules/procedures/complaint.yaml"
    text = proc.read_text(encoding="utf-8").replace("when: serious", "when: is_weekend(content)")
    proc.write_text(text, encoding="utf-8")
    assert _compile(root).errors == []


def test_duty_schedules_labels_and_ranges(make_tree: MakeTree) -> None:
    root = make_tree()
    role = root / "rules/roles/clerk.yaml"
    role.write_text(role.read_text(encoding="utf-8") + """\
  - no: 3
    label: a)
    text: 每天下班前存档, 每周统计入住情况。
    schedule: [daily 17:30, weekly by Friday]
    targets:
      - {name: 社区活动, value: 1, max: 2, per: quarter, unit: 次}
      - {name: 访问数量, note: 手册未给数字}
""", encoding="utf-8")
    result = _compile(root)
    assert result.errors == []
    duty = result.views[None].roles["clerk"].duties[1]
    assert duty.label == "a)" and [str(s) for s in duty.schedules] == [
        "daily 17:30", "weekly by Friday"]
    assert [str(t) for t in duty.targets] == ["社区活动 1–2次", "访问数量 (手册未给数字)"]


def test_irregular_items_have_no_dates() -> None:
    rec = parse_recurrence("after each event")
    assert str(rec) == "irregular"
    assert rec.occurrences(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_hands_off_to_must_name_a_procedure(make_tree: MakeTree) -> None:
    root = make_tree()
    proc = root / "rules/procedures/complaint.yaml"
    text = proc.read_text(encoding="utf-8").replace(
        "    time-limit: 2h\n", "    time-limit: 2h\n    hands-off-to: repair\n")
    proc.write_text(text, encoding="utf-8")
    errors = _compile(root).errors
    assert [(e.code, e.key_path) for e in errors] == [("E024", "steps[1].hands-off-to")]
