"""The form interpreter: schema + UI hints → field specs, defaults and live state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from runtime.forms import FormContext, evaluate, form_spec, initial_data, resolve_default
from runtime.forms.spec import OTHER_SECTION
from tests.forms.shipped import KITCHEN_SINK, get, make_form

SINK = make_form(KITCHEN_SINK)
CTX = FormContext(now=datetime(2026, 3, 16, 9, 30, 5), user="王小明", property="east",
                  case={"content": "楼上漏水", "unit": "1-101"})


@pytest.mark.parametrize(("path", "kind"), [
    ("reporter", "text"), ("unit", "unit"), ("phone", "phone"), ("category", "choice"),
    ("subcategory", "choice"), ("tags", "multichoice"), ("detail", "textarea"),
    ("happened_on", "date"), ("happened_at", "time"), ("reported_at", "datetime"),
    ("people", "integer"), ("cost", "number"), ("total", "computed"), ("urgent", "yesno"),
    ("photo", "file"), ("address", "group"), ("address.building", "text"),
    ("involved", "rows"), ("involved[].role", "choice"), ("remarks", "lines"),
])
def test_kinds(path: str, kind: str) -> None:
    assert form_spec(SINK).by_path[path].kind == kind


def test_spec_details() -> None:
    spec = form_spec(SINK)
    cat = spec.by_path["category"]
    assert cat.required and [o.label for o in cat.options] == ["水", "电", "其他"]
    assert cat.option_label("power", "en") == "Power" and cat.option_label("power") == "电"
    assert cat.label("en") == "类别"  # no title-en: the Chinese title
    assert spec.by_path["reporter"].label("en") == "Reporter"
    people = spec.by_path["people"]
    assert (people.minimum, people.maximum) == (1, 50)
    assert spec.by_path["reporter"].max_length == 20
    assert spec.by_path["code"].pattern == "^[A-Z]{2}[0-9]{3}$"
    assert spec.by_path["cost"].unit == "元"
    assert spec.by_path["phone"].personal
    assert spec.by_path["photo"].multiple and "jpg" in spec.by_path["photo"].accept
    assert str(spec.by_path["other_note"].visible_if) == "category == 'other'"
    assert spec.by_path["involved[].name"].required
    assert spec.by_path["involved[].name"].concrete_path(3) == "involved[3].name"
    assert spec.by_path["total"].readonly and spec.by_path["total"].base_kind == "number"
    cf = spec.by_path["subcategory"].choices_from
    assert cf is not None and cf.field == "category" and cf.map["power"] == ("outage", "socket")


def test_sections_keep_order_and_unlisted_fields_still_appear() -> None:
    spec = form_spec(SINK)
    assert [s.id for s in spec.sections] == ["intake", "when", "more", OTHER_SECTION]
    assert [f.name for f in spec.sections[-1].fields] == ["signed_by"]
    assert spec.section_fields(["when"])[:2] == ("happened_on", "happened_at")
    assert len(spec.fields) == len(SINK.schema["properties"])


def test_form_without_sections_gets_one() -> None:
    form = make_form("""
        schema: {type: object, properties: {a: {type: string}, b: {type: integer}}}
        """)
    spec = form_spec(form)
    assert len(spec.sections) == 1 and [f.name for f in spec.sections[0].fields] == ["a", "b"]
    assert spec.sections[0].title == form.title


def test_refs_and_oneof_choices() -> None:
    form = make_form("""
        schema:
          type: object
          $defs:
            level:
              {type: string, title: 级别, oneOf: [{const: a, title: 甲}, {const: b, title: 乙}]}
          properties:
            level: {$ref: "#/$defs/level"}
            nullable: {type: [string, "null"], format: date, title: 日期}
        """)
    spec = form_spec(form)
    assert spec.by_path["level"].kind == "choice"
    assert [o.label for o in spec.by_path["level"].options] == ["甲", "乙"]
    assert spec.by_path["nullable"].kind == "date"


def test_contradicting_widget_hint_does_not_change_the_data_type() -> None:
    form = make_form("""
        schema: {type: object, properties: {n: {type: integer}, s: {type: string}}}
        ui: {fields: {n: {widget: textarea}, s: {widget: integer}}}
        """)
    spec = form_spec(form)
    assert spec.by_path["n"].kind == "textarea"  # text area for an integer: allowed, coerced
    assert spec.by_path["s"].kind == "text"


def test_spec_is_cached_per_form_object() -> None:
    assert form_spec(SINK) is form_spec(SINK)


@pytest.mark.parametrize(("path", "expected"), [
    ("reporter", "王小明"),
    ("signed_by", "east"),
    ("detail", "楼上漏水"),
    ("happened_on", "2026-03-16"),
    ("reported_at", "2026-03-16T09:30:05"),
    ("urgent", False),
    ("unit", None),
])
def test_defaults(path: str, expected: Any) -> None:
    assert resolve_default(form_spec(SINK).by_path[path], CTX) == expected


def test_initial_data_keeps_given_values() -> None:
    data = initial_data(form_spec(SINK), CTX, {"reporter": "李四"})
    assert data["reporter"] == "李四" and data["detail"] == "楼上漏水"


def test_case_default_on_a_shipped_form() -> None:
    _, form = get(None, "callback-record")
    data = initial_data(form_spec(form), FormContext(case={"unit": "3-2-101"}))
    assert data["unit"] == "3-2-101"


def test_state_visibility_requiredness_choices_and_compute() -> None:
    base = {"category": "water", "urgent": False, "people": 3, "cost": 2.5,
            "involved": [{"name": "甲", "role": "visitor"}, {"name": "乙", "role": "owner"}]}
    state = evaluate(SINK, base, CTX)
    assert not state.is_visible("other_note") and not state.is_visible("urgent_reason")
    assert "other_note" not in state.required
    assert [o.value for o in state.choices["subcategory"]] == ["leak", "pipe"]
    assert state.computed["total"] == 7.5
    assert "involved[0].note" in state.required and "involved[1].note" not in state.required
    state = evaluate(SINK, {**base, "category": "other", "urgent": True}, CTX)
    assert state.is_visible("other_note") and "other_note" in state.required
    assert "urgent_reason" in state.required
    assert [o.value for o in state.choices["subcategory"]] == ["misc"]
    # No source value: every option is offered.
    assert len(evaluate(SINK, {}, CTX).choices["subcategory"]) == 5


@pytest.mark.parametrize("data", [None, [], "x", {"involved": "notalist"}, {"involved": [1, None]},
                                  {"address": [1]}, {"people": {"a": 1}}, {1: 2}])
def test_state_never_raises(data: Any) -> None:
    evaluate(SINK, data, CTX)


def test_a_field_shared_by_sections_is_in_each_but_listed_once() -> None:
    form = make_form("""
        schema: {type: object, properties: {a: {type: string}, b: {type: string}}}
        ui:
          sections:
            - {id: one, title: 一, fields: [a, b]}
            - {id: two, title: 二, fields: [b]}
        """)
    spec = form_spec(form)
    assert spec.section_fields(["two"]) == ("b",)
    assert [f.name for f in spec.fields] == ["a", "b"]
