"""Records: numbering, history, void, status, archive/retention, listing and search."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runtime.errors import ConflictError, FormValidationError, NotFound, StoreError
from runtime.store import Store, open_store
from runtime.store.records import (
    Record,
    archive_record,
    create_record,
    edit_record,
    get_record,
    get_record_by_number,
    list_records,
    records_due_for_archive,
    search_records,
    set_record_status,
    void_record,
)


@pytest.fixture
def store(backend: Any) -> Store:
    """A fresh store on each backend (embedded and PostgreSQL): the records contract."""
    return backend.open()  # type: ignore[no-any-return]


def _new(
    store: Store, form_id: str = "complaint", at: str = "2026-03-01T09:00:00", **kw: Any
) -> Record:
    args: dict[str, Any] = {
        "form_id": form_id,
        "form_version": "1.2.0",
        "ruleset_hash": "abc123",
        "property": "P1",
        "created_by": "u-li",
        "data": {"unit": "3-1201", "summary": "厨房漏水", "contact": {"phone": "13800000000"}},
        "number_prefix": "TS",
        "at": at,
    }
    args.update(kw)
    return create_record(store, **args)


def test_create_stores_provenance(store: Store) -> None:
    r = _new(store, extra={"case_id": 42, "kind": "record"})
    assert r.number == "TS-2026-000001"
    assert (r.form_id, r.form_version, r.ruleset_hash, r.property) == (
        "complaint",
        "1.2.0",
        "abc123",
        "P1",
    )
    assert (r.created_by, r.created_at, r.status) == ("u-li", "2026-03-01T09:00:00", "submitted")
    assert r.extra == {"case_id": 42, "kind": "record"}
    assert get_record(store, r.id) == r
    assert get_record_by_number(store, "TS-2026-000001") == r


def test_numbers_run_per_form_per_year(store: Store) -> None:
    numbers = [
        _new(store, "complaint", "2026-01-01T00:00:00").number,
        _new(store, "complaint", "2026-12-31T23:59:59").number,
        _new(store, "repair", "2026-05-01T00:00:00", number_prefix="WX").number,
        _new(store, "complaint", "2027-01-01T00:00:00").number,
    ]
    assert numbers == ["TS-2026-000001", "TS-2026-000002", "WX-2026-000001", "TS-2027-000001"]


@pytest.mark.parametrize(
    "kw",
    [
        {"number_prefix": " "},
        {"form_id": ""},
        {"created_by": ""},
        {"extra": {"status": "sneaky"}},
        {"at": "yesterday"},
    ],
)
def test_create_rejects_bad_input(store: Store, kw: dict[str, Any]) -> None:
    with pytest.raises(StoreError):
        _new(store, **kw)
    assert store.count("records") == 0


def test_edit_records_one_history_entry_per_changed_field(store: Store) -> None:
    r = _new(store)
    r2 = edit_record(
        store,
        r.id,
        {
            "summary": "厨房漏水严重",
            "contact": {"phone": "13900000000"},
            "unit": "3-1201",
            "new": 1,
        },
        by="u-wang",
        at="2026-03-02T10:00:00",
    )
    assert [(h.field, h.before, h.after) for h in r2.history] == [
        ("data.summary", "厨房漏水", "厨房漏水严重"),
        ("data.contact.phone", "13800000000", "13900000000"),
        ("data.new", None, 1),
    ]
    assert all(h.by == "u-wang" and h.at == "2026-03-02T10:00:00" for h in r2.history)
    assert r2.data["summary"] == "厨房漏水严重"
    assert r2.rev == r.rev + 1
    assert edit_record(store, r.id, {"unit": "3-1201"}, by="x") == r2  # no change, no write


def test_edit_with_stale_revision_conflicts(store: Store) -> None:
    r = _new(store)
    edit_record(store, r.id, {"unit": "1-101"}, by="a", expected_rev=r.rev)
    with pytest.raises(ConflictError):
        edit_record(store, r.id, {"unit": "2-202"}, by="b", expected_rev=r.rev)
    assert get_record(store, r.id).data["unit"] == "1-101"


def test_status_change_is_in_history(store: Store) -> None:
    r = set_record_status(store, _new(store).id, "closed", by="u", at="2026-03-03T00:00:00")
    assert r.status == "closed"
    assert [(h.field, h.before, h.after) for h in r.history] == [("status", "submitted", "closed")]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_void_needs_a_reason(store: Store, reason: Any) -> None:
    r = _new(store)
    with pytest.raises(FormValidationError) as err:
        void_record(store, r.id, by="u", reason=reason)
    assert "reason" in err.value.errors
    assert not get_record(store, r.id).is_voided


def test_void_marks_never_erases(store: Store) -> None:
    r = _new(store)
    v = void_record(store, r.id, by="boss", reason=" 重复登记 ", at="2026-03-05T08:00:00")
    assert v.voided is not None and v.voided.reason == "重复登记" and v.voided.by == "boss"
    assert v.data == r.data
    assert v.history[-1].field == "voided"
    assert store.count("records") == 1
    with pytest.raises(ConflictError, match="voided"):
        edit_record(store, r.id, {"unit": "x"}, by="u")
    with pytest.raises(ConflictError):
        void_record(store, r.id, by="u", reason="again")
    assert list_records(store) == []
    assert [x.id for x in list_records(store, include_voided=True)] == [r.id]


def test_list_filters(store: Store) -> None:
    a = _new(store, "complaint", "2026-01-05T00:00:00")
    b = _new(store, "repair", "2026-02-05T00:00:00")
    c = _new(store, "complaint", "2026-03-05T00:00:00", property="P2")
    set_record_status(store, c.id, "closed", by="u")
    assert [r.id for r in list_records(store)] == [a.id, b.id, c.id]
    assert [r.id for r in list_records(store, newest_first=True, limit=2)] == [c.id, b.id]
    assert [r.id for r in list_records(store, form_id="complaint")] == [a.id, c.id]
    assert [r.id for r in list_records(store, property="P2")] == [c.id]
    assert [r.id for r in list_records(store, status={"closed", "x"})] == [c.id]
    got = list_records(store, created_from="2026-02-01", created_before=datetime(2026, 3, 1))
    assert [r.id for r in got] == [b.id]


def test_retention_lists_only_past_due_unarchived_records(store: Store) -> None:
    old = _new(store, "complaint", "2023-01-01T00:00:00")
    voided = _new(store, "complaint", "2023-06-01T00:00:00")
    void_record(store, voided.id, by="u", reason="错填")
    _new(store, "complaint", "2025-12-01T00:00:00")  # within retention
    _new(store, "duty_log", "2020-01-01T00:00:00")  # no retention rule: kept, not listed
    repair = _new(store, "repair", "2025-01-01T00:00:00")
    now = datetime(2026, 3, 1)
    rules: dict[str, timedelta | int] = {"complaint": timedelta(days=730), "repair": 30}
    due = records_due_for_archive(store, now, rules)
    assert [r.id for r in due] == [old.id, voided.id, repair.id]
    archived = archive_record(store, old.id, by="clerk", at="2026-03-01T10:00:00")
    assert archived.archived_at == "2026-03-01T10:00:00"
    assert archive_record(store, old.id, by="clerk") == archived
    assert [r.id for r in records_due_for_archive(store, now, rules)] == [voided.id, repair.id]
    assert store.count("records") == 5  # nothing dropped
    with pytest.raises(ConflictError, match="archived"):
        edit_record(store, old.id, {"unit": "x"}, by="u")


@pytest.mark.parametrize("keep", [-1, "30", True, None])
def test_retention_rejects_bad_periods(store: Store, keep: Any) -> None:
    with pytest.raises(StoreError):
        records_due_for_archive(store, datetime(2026, 1, 1), {"complaint": keep})


def test_search(store: Store) -> None:
    a = _new(store, data={"summary": "Water LEAK in kitchen", "rows": [{"name": "张三"}]})
    b = _new(store, data={"summary": "电梯故障", "floor": 12})
    void_record(store, _new(store, data={"summary": "leak duplicate"}).id, by="u", reason="dup")
    assert [r.id for r in search_records(store, "leak")] == [a.id]
    assert [r.id for r in search_records(store, "张三")] == [a.id]
    assert [r.id for r in search_records(store, "12")] == [b.id]
    assert [r.id for r in search_records(store, b.number)] == [b.id]
    assert len(search_records(store, "leak", include_voided=True)) == 2
    assert search_records(store, "   ") == []


def test_missing_record(store: Store) -> None:
    with pytest.raises(NotFound):
        get_record(store, 99)
    with pytest.raises(NotFound):
        get_record_by_number(store, "TS-2026-999999")


def test_records_survive_reopen(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        r = _new(s)
        edit_record(s, r.id, {"summary": "<script>alert(1)</script>{{ x }}"}, by="u")
        void_record(s, r.id, by="u", reason="测试")
        expected = get_record(s, r.id)
    with open_store(tmp_path) as s:
        assert get_record(s, r.id) == expected
        assert _new(s).number == "TS-2026-000002"
