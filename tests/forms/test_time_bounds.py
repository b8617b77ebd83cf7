"""`not-before` / `not-after` on date and date-time fields (issue 12 item 4).

约定回复时间 at 中兴 declares `not-before: now`: a reply time in the past made the case overdue
at once without a word. The bound is judged on the submit-time clock (the engine's clock in
scenarios), to the minute, and a value the case already holds is not judged again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import compile_tree, load
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.errors import FormValidationError
from runtime.forms import FormContext, validate
from runtime.forms.samples import invalid_samples, valid_sample
from tests.conftest import MakeTree
from tests.forms.shipped import get, make_form

FORM = make_form("""
schema:
  type: object
  properties:
    reply_due: {type: string, format: date-time, title: 约定回复时间}
    visit_on: {type: string, format: date, title: 回访日期}
    received_at: {type: string, format: date-time, title: 接报时间}
    window: {type: string, format: date-time, title: 施工时间}
ui:
  fields:
    reply_due: {widget: datetime, not-before: now}
    visit_on: {widget: date, not-before: today}
    received_at: {widget: datetime, not-after: now}
    window: {widget: datetime, not-before: "2026-12-01", not-after: "2026-12-31 18:00"}
""")
NOW = FormContext(now=datetime(2026, 12, 3, 14, 30, 40))


def _errors(lang: str = "zh", context: FormContext = NOW, **data: str) -> dict[str, str]:
    return validate(FORM, data, lang, context)


def test_a_past_reply_time_is_refused_with_the_bound_named() -> None:
    assert _errors(reply_due="2026-12-03T14:29:00") == {
        "reply_due": "约定回复时间不能早于现在 (2026-12-03 14:30)"}
    assert _errors("en", reply_due="2026-12-02T09:00:00") == {
        "reply_due": "约定回复时间 cannot be before now (2026-12-03 14:30)"}


@pytest.mark.parametrize("value", ["2026-12-03T14:30:00", "2026-12-03 14:31", "2027-01-05T09:00"])
def test_the_current_minute_and_later_are_accepted(value: str) -> None:
    assert _errors(reply_due=value) == {}


def test_today_is_the_whole_day_for_a_date() -> None:
    assert _errors(visit_on="2026-12-03") == {}
    assert _errors(visit_on="2026-12-02") == {"visit_on": "回访日期不能早于今天 (2026-12-03)"}


def test_not_after_now_refuses_the_next_minute_only() -> None:
    assert _errors(received_at="2026-12-03T14:30:00") == {}
    assert "不能晚于现在" in _errors(received_at="2026-12-03T14:31:00")["received_at"]


def test_fixed_bounds() -> None:
    assert _errors(window="2026-12-01T00:00:00") == {}
    assert _errors(window="2026-12-31T18:00:00") == {}
    assert _errors(window="2026-11-30T23:59:00") == {
        "window": "施工时间不能早于2026-12-01"}
    assert _errors(window="2026-12-31T18:01:00") == {
        "window": "施工时间不能晚于2026-12-31 18:00"}


def test_a_value_the_case_already_holds_is_not_judged_again() -> None:
    held = FormContext(now=NOW.now, case={"reply_due": "2026-12-01T10:00:00"})
    assert _errors(context=held, reply_due="2026-12-01T10:00:00") == {}
    assert "reply_due" in _errors(context=held, reply_due="2026-12-01T11:00:00")


def test_a_malformed_value_gets_the_format_message_not_a_crash() -> None:
    assert _errors(reply_due="明天下午") == {
        "reply_due": "约定回复时间时间格式不正确 (如 2026-01-31 14:30)"}


def test_zhongxing_reply_time_declares_the_bound_and_its_samples_respect_it() -> None:
    _, form = get("zhongxing-apartments", "complaint-register")
    assert form.ui["fields"]["reply_due"]["not-before"] == "now"
    sample = valid_sample(form)
    assert validate(form, sample) == {}  # whatever the wall clock says
    broken = [c for c in invalid_samples(form) if c.reason == "not-before"]
    assert [c.path for c in broken] == ["reply_due"]
    assert "不能早于现在" in validate(form, broken[0].data)["reply_due"]


# ---- the engine judges on its own clock ----------------------------------------------------

def _tree(make_tree: MakeTree, field: str | None, hint: str) -> Path:
    """The small tree with one more register field (`field`: its schema) and ui hint line."""
    root = make_tree()
    path = root / "forms/register.yaml"
    text = path.read_text(encoding="utf-8")
    if field:
        text = text.replace("    serious:", f"    {field}\n    serious:", 1)
    ui = '    phone: {personal: true, visible-if: "not serious"}'
    text = text.replace(ui, f"    {hint}\n{ui}" if field else f"    {hint}", 1)
    path.write_text(text, encoding="utf-8")
    return root


def _engine(make_tree: MakeTree) -> Engine:
    root = _tree(make_tree, "reply_due: {type: string, format: date-time, title: 约定回复时间}",
                 "reply_due: {not-before: now}")

    def handbook_for(prop: str | None) -> m.Handbook:
        return load(root / "rules", root / "forms", property=prop)

    return Engine(MemoryRepository(), handbook_for)


def test_the_engine_uses_its_clock_not_the_wall_clock(make_tree: MakeTree) -> None:
    eng = _engine(make_tree)
    t0 = datetime(2026, 3, 2, 9, 0)  # long before the wall clock: a scenario's simulated time
    case = eng.start_case("complaint", None, {"content": "漏水", "reply_due": "2026-03-02T15:00"},
                          t0)
    assert case.data["reply_due"] == "2026-03-02T15:00:00"
    with pytest.raises(FormValidationError) as exc:
        eng.start_case("complaint", None, {"content": "漏水", "reply_due": "2026-03-02T08:00"}, t0)
    assert set(exc.value.errors) == {"reply_due"}


# ---- handbook check ------------------------------------------------------------------------

def _codes(root: Path) -> set[tuple[str, str]]:
    return {(e.code, e.key_path) for e in compile_tree(root / "rules", root / "forms").errors}


@pytest.mark.parametrize(("field", "hint", "where"), [
    (None, "content: {not-before: now}", "ui.fields.content.not-before"),
    (None, "phone: {not-after: '2026-12-01'}", "ui.fields.phone.not-after"),
    ("due: {type: string, format: date}", "due: {not-before: '2026-02-30'}",
     "ui.fields.due.not-before"),
    ("due: {type: string, format: date}", "due: {not-before: '2026-12-31', not-after: "
     "'2026-12-01'}", "ui.fields.due.not-after"),
])
def test_check_refuses_bounds_that_cannot_work(make_tree: MakeTree, field: str | None,
                                               hint: str, where: str) -> None:
    assert ("E053", where) in _codes(_tree(make_tree, field, hint))


def test_check_accepts_the_shipped_bound(make_tree: MakeTree) -> None:
    root = _tree(make_tree, "due: {type: string, format: date-time}",
                 "due: {widget: datetime, not-before: now}")
    assert not {c for c in _codes(root) if c[0] == "E053"}


def test_the_widget_help_says_how_to_type_and_the_bound() -> None:
    from runtime.forms import form_spec
    from runtime.forms.widgets import _help

    reply = form_spec(FORM).field("reply_due")
    assert reply is not None
    zh = _help(reply, "zh") or ""
    assert "2026-12-03 14:30" in zh and "Esc" in zh and "不能早于提交时的现在" in zh
    window = form_spec(FORM).field("window")
    assert window is not None
    assert "Not after 2026-12-31 18:00" in (_help(window, "en") or "")
