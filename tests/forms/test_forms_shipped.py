"""Every shipped form (company base and property views): its generated valid sample passes,
each generated invalid sample fails naming the broken field, it prints blank and filled to
HTML and PDF, and hostile text is stored as typed and printed escaped and inert."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from runtime.forms import clean, evaluate, form_spec, validate
from runtime.forms.samples import HOSTILE, hostile_sample, invalid_samples, valid_sample
from runtime.printing import printable, render_html, render_pdf
from runtime.store import open_store
from runtime.store.records import create_record, get_record
from tests.forms.shipped import get, ids, shipped, text_specs

PAIRS = shipped()


def test_there_are_shipped_forms() -> None:
    assert len(PAIRS) >= 2
    assert any(fid == "complaint-register" for _, fid in PAIRS)


@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids())
def test_valid_sample_passes(pid: str | None, fid: str) -> None:
    _, form = get(pid, fid)
    sample = valid_sample(form)
    assert sample, "the sample fills at least one field"
    assert validate(form, sample) == {}
    assert validate(form, sample, "en") == {}
    # Cleaning a clean sample changes nothing: the sample is already in stored shape.
    assert clean(form, sample) == sample


@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids())
def test_invalid_samples_name_the_field(pid: str | None, fid: str) -> None:
    _, form = get(pid, fid)
    cases = list(invalid_samples(form))
    spec = form_spec(form)
    required = [s for s in spec.fields if s.required]
    # Every required top-level field is broken by at least one "missing" case.
    missing = {c.path for c in cases if c.reason == "missing"}
    assert {s.name for s in required} <= missing
    for case in cases:
        for lang in ("zh", "en"):
            errors = validate(form, case.data, lang)
            assert case.path in errors, (case.reason, case.path, errors)
            assert errors[case.path].strip()


@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids())
def test_missing_required_message_is_chinese_and_names_the_title(pid: str | None,
                                                                 fid: str) -> None:
    _, form = get(pid, fid)
    for case in invalid_samples(form):
        if case.reason != "missing" or "[" in case.path or "." in case.path:
            continue
        title = form_spec(form).by_path[case.path].title
        message = validate(form, case.data)[case.path]
        assert title in message
        assert message.startswith(("请填写", "请选择"))


@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids())
def test_prints_blank_and_filled(pid: str | None, fid: str) -> None:
    hb, form = get(pid, fid)
    sample = valid_sample(form)
    record = {"number": f"{form.number_prefix}-2026-000042", "created_at": "2026-03-16T09:30:00",
              "created_by": "王小明", "status": "open", "data": sample}
    for rec in (None, record):
        page = render_html(hb, form, rec, "测试管理处")
        assert page.startswith("<!DOCTYPE html>")
        assert "@page" in page and "A4" in page
        assert "测试管理处" in page
        assert str(escape(form.title)) in page
        assert form.meta.version in page
        state = evaluate(form, sample)
        placed: set[str] = set()
        for section in form_spec(form).sections:
            # Each field prints once, at its first section; the paper form shows every
            # section with a field of its own, a filled one those with a visible field.
            own = [f for f in section.fields if f.name not in placed]
            placed.update(f.name for f in own)
            if own and (rec is None or any(state.is_visible(f.path) for f in own)):
                assert str(escape(section.title)) in page
        pdf = render_pdf(hb, form, rec, "测试管理处")
        assert pdf.startswith(b"%PDF")
        assert b"/JavaScript" not in pdf
    assert record["number"] in render_html(hb, form, record)


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids())
def test_hostile_text_is_stored_as_typed_and_printed_inert(pid: str | None, fid: str,
                                                           text: str) -> None:
    hb, form = get(pid, fid)
    targets = text_specs(form)
    if not targets:
        pytest.skip("no free-text field")
    data = hostile_sample(form, text)
    cleaned = clean(form, data)
    # Stored as typed: cleaning keeps the text byte for byte in every visible text field,
    # top level, in groups and in every row.
    state = evaluate(form, cleaned)
    checked = 0
    for spec in targets:
        for path, value in _values_at(cleaned, spec.path):
            if state.is_visible(path):
                assert value == text, path
                checked += 1
    assert checked
    validate(form, cleaned)  # may reject (too long, pattern) but never raises
    page = render_html(hb, form, {"number": "X-1", "data": cleaned})
    # Inert: the text appears escaped and literal (so `{{ 7*7 }}` was not evaluated), no tag
    # it contained survives, and no raw control character reaches the page.
    assert str(escape(printable(text))) in page
    assert "<script>" not in page and "<img" not in page
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    pdf = render_pdf(hb, form, {"number": "X-1", "data": cleaned})
    assert pdf.startswith(b"%PDF") and b"/JavaScript" not in pdf


def _values_at(data: Any, template: str, prefix: str = "") -> list[tuple[str, Any]]:
    """(concrete path, value) for a spec path such as `items[].name` (present values only)."""
    head, sep, rest = template.partition("[].")
    node: Any = data
    for part in head.split("."):
        if not isinstance(node, dict) or part not in node:
            return []
        node = node[part]
    path = prefix + head
    if not sep:
        return [(path, node)]
    out: list[tuple[str, Any]] = []
    for i, row in enumerate(node if isinstance(node, list) else []):
        out.extend(_values_at(row, rest, f"{path}[{i}]."))
    return out


@pytest.mark.parametrize(("pid", "fid"), PAIRS, ids=ids())
def test_hostile_record_round_trips_through_the_store(pid: str | None, fid: str,
                                                      tmp_path: Path) -> None:
    _, form = get(pid, fid)
    if not text_specs(form):
        pytest.skip("no free-text field")
    data = clean(form, hostile_sample(form, "".join(HOSTILE[:5]) + "长" * 3000))
    store = open_store(tmp_path / "store")
    rec = create_record(store, form_id=form.id, form_version=form.meta.version,
                        ruleset_hash="h", property=pid or "company", created_by="王小明",
                        data=data, number_prefix=form.number_prefix)
    store.close()
    reopened = open_store(tmp_path / "store")
    try:
        assert get_record(reopened, rec.id).data == data
    finally:
        reopened.close()
