"""Repository: CRUD, optimistic concurrency, queries (indexed == scanned), hostile data."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tinydb import where

from runtime.errors import ConflictError, NotFound, StoreError
from runtime.store import Criteria, Repository, Store, open_memory_store, open_store
from runtime.store.embedded.indexes import OrderedIndex

Factory = Callable[[], Store]


@pytest.fixture(params=["disk", "memory", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "postgresql":
        from runtime.store.postgres.store import open_pg_store

        s: Any = open_pg_store(request.getfixturevalue("pg_url"))
    else:
        s = open_store(tmp_path / "db") if request.param == "disk" else open_memory_store()
    request.addfinalizer(s.close)
    return s  # type: ignore[no-any-return]


def test_store_satisfies_repository_protocol(store: Store) -> None:
    assert isinstance(store, Repository)


def test_crud_and_revisions(store: Store) -> None:
    doc_id = store.insert("cases", {"status": "open", "title": "电梯困人"})
    assert store.get("cases", doc_id) == {
        "id": doc_id,
        "status": "open",
        "title": "电梯困人",
        "rev": 1,
    }
    updated = store.update(
        "cases", doc_id, {"status": "closed"}, by="u7", at=datetime(2026, 5, 1, 9, 30)
    )
    assert updated["rev"] == 2
    assert updated["updated_by"] == "u7"
    assert updated["updated_at"] == "2026-05-01T09:30:00"
    store.delete("cases", doc_id)
    with pytest.raises(NotFound):
        store.get("cases", doc_id)


def test_returned_documents_are_copies(store: Store) -> None:
    doc_id = store.insert("t", {"data": {"rows": [1, 2]}})
    got = store.get("t", doc_id)
    got["data"]["rows"].append(3)
    store.find("t")[0]["data"]["rows"].clear()
    assert store.get("t", doc_id)["data"] == {"rows": [1, 2]}


def test_stale_revision_conflicts(store: Store) -> None:
    doc_id = store.insert("t", {"n": 0})
    first = store.get("t", doc_id)
    store.update("t", doc_id, {"n": 1}, by="alice", at="2026-01-01T08:00:00", expected_rev=1)
    with pytest.raises(ConflictError, match="alice"):
        store.update(
            "t", doc_id, {"n": 2}, by="bob", at="2026-01-01T08:01:00", expected_rev=first["rev"]
        )
    with pytest.raises(ConflictError):
        store.delete("t", doc_id, expected_rev=1)
    assert store.get("t", doc_id)["n"] == 1


def _deep(levels: int) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for _ in range(levels):
        doc = {"a": doc}
    return doc


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.get("t", 404), NotFound),
        (lambda s: s.update("t", 404, {"a": 1}, by="u", at="2026-01-01T00:00:00"), NotFound),
        (lambda s: s.delete("t", 404), NotFound),
        (lambda s: s.insert("t", {"id": 5}), StoreError),
        (lambda s: s.insert("t", {"rev": 5}), StoreError),
        (lambda s: s.insert("t", {"bad": {1, 2}}), StoreError),
        (lambda s: s.insert("t", {"bad": math.nan}), StoreError),
        (lambda s: s.insert("t", {"bad": object()}), StoreError),
        (lambda s: s.insert("t", ["not", "a", "mapping"]), StoreError),
        (lambda s: s.insert("t", _deep(100_000)), StoreError),
        (lambda s: s.insert("", {"a": 1}), StoreError),
        (lambda s: s.insert("bad\nname", {"a": 1}), StoreError),
        (lambda s: s.update("t", 1, {"rev": 9}, by="u", at="2026-01-01T00:00:00"), StoreError),
        (lambda s: s.update("t", 1, {"a": 1}, by="u", at=""), StoreError),
        (lambda s: s.find("t", due_before="next tuesday"), StoreError),
    ],
)
def test_bad_calls_raise_handbook_errors_and_change_nothing(
    store: Store, call: Callable[[Store], Any], error: type[Exception]
) -> None:
    store.insert("t", {"a": 0})
    with pytest.raises(error):
        call(store)
    assert store.all("t") == [{"id": 1, "a": 0, "rev": 1}]


def test_datetimes_are_stored_as_iso_text(store: Store) -> None:
    doc_id = store.insert("t", {"due_at": datetime(2026, 2, 3, 4, 5, 6), "tags": ("a", "b")})
    assert store.get("t", doc_id)["due_at"] == "2026-02-03T04:05:06"
    assert store.get("t", doc_id)["tags"] == ["a", "b"]


HOSTILE = [
    "<script>alert('x')</script>",
    "{{ config.__class__ }}",
    "{% for x in range(9) %}{{ x }}{% endfor %}",
    "".join(chr(c) for c in range(32)) + "\x7f\u2028\u2029",
    "\ud800 lone surrogate",
    '😀 业主 "quoted" \\ back\\slash',
    "x" * 100_000,
    "投诉" * 50_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_round_trip_exactly(tmp_path: Path, text: str) -> None:
    doc = {"data": {"summary": text, text[:50]: [text]}, "status": text}
    with open_store(tmp_path) as s:
        doc_id = s.insert("records", doc)
        assert s.get("records", doc_id)["data"] == doc["data"]
        assert s.find("records", status=text)[0]["id"] == doc_id
        s.compact()
        s.update("records", doc_id, {"note": text}, by=text, at="2026-01-01T00:00:00")
    with open_store(tmp_path) as s:
        got = s.get("records", doc_id)
        assert got["data"] == doc["data"]
        assert got["note"] == text
        assert got["updated_by"] == text
    for path in tmp_path.iterdir():
        path.read_bytes().decode("utf-8")  # every file stays valid UTF-8


def _dashboard_docs() -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1)
    return [
        {
            "status": ["open", "closed", "in_progress"][n % 3],
            "assignee_role": f"r{n % 4}",
            "due_at": (start + timedelta(hours=7 * n)).isoformat(),
            "tags": ["vip"] if n % 5 == 0 else [],
            "flag": n % 2 == 0,
            "level": n % 2,
        }
        for n in range(60)
    ]


def test_dashboard_query_open_of_role_due_before(store: Store) -> None:
    docs = _dashboard_docs()
    store.insert_many("tasks", docs)
    cutoff = datetime(2026, 1, 8)
    got = store.find("tasks", status="open", assignee_role="r2", due_before=cutoff)
    expected = [
        i + 1
        for i, d in enumerate(docs)
        if d["status"] == "open"
        and d["assignee_role"] == "r2"
        and datetime.fromisoformat(d["due_at"]) < cutoff
    ]
    assert [d["id"] for d in got] == expected and expected
    # an aware bound means the same instant in local (UTC+8) time
    aware = cutoff.replace(tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)
    assert store.find("tasks", status="open", assignee_role="r2", due_before=aware) == got


@pytest.mark.parametrize(("before", "after"), [(1, True), (True, 1), (0, False), ("1", 1)])
def test_index_tells_bool_from_int(store: Store, before: Any, after: Any) -> None:
    doc_id = store.insert("t", {"status": before})
    assert store.count("t", status=before) == 1  # builds the index
    store.update("t", doc_id, {"status": after}, by="u", at="2026-01-01T00:00:00")
    assert store.count("t", status=before) == 0
    assert [d["id"] for d in store.find("t", status=after)] == [doc_id]


def test_index_tracks_updates_and_deletes(store: Store) -> None:
    a = store.insert("t", {"status": "open", "due_at": "2026-01-02T00:00:00"})
    b = store.insert("t", {"status": "open", "due_at": "2026-01-03T00:00:00"})
    store.update("t", a, {"status": "closed"}, by="u", at="2026-01-01T00:00:00")
    store.update("t", b, {"due_at": "2027-01-01T00:00:00"}, by="u", at="2026-01-01T00:00:00")
    assert store.find("t", status="open", due_before="2026-06-01") == []
    assert [d["id"] for d in store.find("t", status="closed")] == [a]
    store.delete("t", a)
    assert store.find("t", status="closed") == []
    assert store.count("t", status="open") == 1


@pytest.mark.parametrize(
    ("equals", "expected_count"),
    [
        ({"status": "open"}, 20),
        ({"status": {"open", "closed"}}, 40),
        ({"tags": "vip"}, 12),  # scalar matches a list containing it
        ({"flag": True}, 30),
        ({"level": 1}, 30),  # 1 is not True
        ({"missing_field": None}, 60),
        ({"status": "nope"}, 0),
    ],
)
def test_equality_semantics(store: Store, equals: dict[str, Any], expected_count: int) -> None:
    store.insert_many("t", _dashboard_docs())
    assert store.count("t", **equals) == expected_count


def test_criteria_text_where_order_paging(store: Store) -> None:
    store.insert_many(
        "t",
        [
            {"n": 3, "data": {"summary": "楼上漏水"}},
            {"n": 1, "data": {"summary": "Noise at NIGHT"}},
            {"n": 2, "data": {"summary": "漏水 again"}},
        ],
    )
    assert [d["n"] for d in store.query("t", Criteria(text="漏水"))] == [3, 2]
    assert [d["n"] for d in store.query("t", Criteria(text="night", text_fields=("data",)))] == [1]
    c = Criteria(where=where("n") > 1, order_by="n", descending=True, limit=1)
    assert [d["n"] for d in store.query("t", c)] == [3]
    assert [d["n"] for d in store.query("t", Criteria(order_by="n", offset=1))] == [2, 3]


VALUES = st.sampled_from(["a", "b", "c", 1, 2, True, None])
DOCS = st.lists(
    st.fixed_dictionaries(
        {
            "status": VALUES,
            "assignee_role": st.one_of(VALUES, st.lists(VALUES, max_size=3)),
            "due_at": st.one_of(
                st.none(),
                st.integers(0, 20).map(lambda d: f"2026-01-{d + 1:02d}T12:00:00"),
                st.just("not a date"),
            ),
        }
    ),
    max_size=40,
)


DAYS = st.one_of(
    st.none(),
    st.integers(0, 20).map(lambda d: f"2026-01-{d + 1:02d}T12:00:00"),
    st.just("not a date"),
)
CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("status"), st.integers(1, 40), VALUES),
        st.tuples(st.just("due_at"), st.integers(1, 40), DAYS),
        st.tuples(st.just("delete"), st.integers(1, 40), st.none()),
        st.tuples(st.just("query"), st.just(0), st.none()),
    ),
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(
    docs=DOCS,
    changes=CHANGES,
    status=st.one_of(VALUES, st.frozensets(VALUES, max_size=3)),
    role=VALUES,
    day=st.one_of(st.none(), st.integers(1, 22)),
)
def test_indexed_query_equals_full_scan(
    docs: list[dict[str, Any]],
    changes: list[tuple[str, int, Any]],
    status: Any,
    role: Any,
    day: int | None,
) -> None:
    """Indexes built lazily, updated, deleted from and merged answer exactly like a scan."""
    ranges = {"due_at": (None, f"2026-01-{day:02d}")} if day else {}
    c = Criteria({"status": status, "assignee_role": role}, ranges)
    c_range = Criteria({}, ranges or {"due_at": ("2026-01-05", None)})  # range index leads
    indexed = open_memory_store()
    scanned = open_memory_store(eq_fields=(), ordered_fields=())
    old_merge_at = OrderedIndex.MERGE_AT
    OrderedIndex.MERGE_AT = 2  # merge the sorted arrays often
    try:
        for s in (indexed, scanned):
            if docs:
                s.insert_many("t", docs)
        for kind, doc_id, value in changes:
            if kind == "query":
                assert indexed.query("t", c) == scanned.query("t", c)
                assert indexed.query("t", c_range) == scanned.query("t", c_range)
                continue
            for s in (indexed, scanned):
                if doc_id > len(docs) or not s.count("t", Criteria(where=lambda d: True)):
                    continue
                if kind == "delete":
                    if any(d["id"] == doc_id for d in s.all("t")):
                        s.delete("t", doc_id)
                elif any(d["id"] == doc_id for d in s.all("t")):
                    s.update("t", doc_id, {kind: value}, by="u", at="2026-01-01T00:00:00")
        assert indexed.query("t", c) == scanned.query("t", c)
        assert indexed.query("t", c_range) == scanned.query("t", c_range)
        assert indexed.count("t", c) == scanned.count("t", c)
    finally:
        OrderedIndex.MERGE_AT = old_merge_at
