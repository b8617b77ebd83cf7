"""Documents held as their stored bytes: the snapshot layout, decoding, the cache, one-pass indexes.

The embedded store keeps each document as its compact JSON bytes (runtime/store/embedded/
journal.py: DocView) and decodes on access; the snapshot holds the same bytes one document a
line, so opening takes them as they are. These tests pin what that must never change: the
data read back, that nobody can change a stored document through a result, that a replaced
document is never served from the cache, and that damage is reported as damage.
"""

from __future__ import annotations

import gc
import json
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query

from runtime.errors import StoreDamaged
from runtime.store import open_store
from runtime.store.embedded import journal
from runtime.store.embedded.indexes import pack
from runtime.store.embedded.journal import FORMAT, LAYOUT, SNAPSHOT, DocView, encode_doc

NOW = datetime(2026, 3, 10, 12, 0)
P1 = "taoyuan-village"

# Strings that look like the snapshot's own structure, unusual text, nesting.
TRICKY: list[dict[str, Any]] = [
    {"text": 'a line\n"7": {"x": 1},\nend', "n": 1},
    {"text": "}\n},\n", "list": [1, [2, [3]], {"k": None}]},
    {"text": "投诉：电梯 \u2028 \x00 \t", "f": 1.5e-7, "big": 2**70, "neg": -0.0},
    {"lone": "\ud800 half a pair", "ok": True},
    {"": "empty key", "nested": {"a": {"b": {"c": "deep"}}}},
]
TABLES = ["t", 'quote"d', "表格 名", "x: {"]


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, count the documents decoded (`journal.decode_doc`) in the list's one item."""
    count = [0]
    real = journal.decode_doc

    def counting(raw: bytes) -> dict[str, Any]:
        count[0] += 1
        return real(raw)

    monkeypatch.setattr(journal, "decode_doc", counting)
    return count


def _fill(path: Path) -> dict[str, list[dict[str, Any]]]:
    with open_store(path) as s:
        for name in TABLES:
            for doc in TRICKY:
                s.insert(name, doc)
        s.insert("emptied", {"n": 1})
        s.db.table("emptied").truncate()  # a table with no documents left
        s.compact()
        return {name: s.all(name) for name in [*TABLES, "emptied"]}


def test_snapshot_holds_each_document_as_its_compact_json_line(tmp_path: Path) -> None:
    before = _fill(tmp_path)
    raw = (tmp_path / SNAPSHOT).read_bytes()
    header = raw.split(b"\n", 1)[0]
    assert f'"layout": "{LAYOUT}"'.encode() in header
    with open_store(tmp_path) as s:
        state = s.journal.state("t")
        assert state is not None
        for doc_id, stored in state.raw.items():
            text, _ = encode_doc({k: v for k, v in s.get("t", doc_id).items() if k != "id"})
            assert stored == text.encode("utf-8")  # the normal form, byte for byte
            assert b'\n"%d": ' % doc_id + stored in raw  # the very bytes of the snapshot
        assert {name: s.all(name) for name in before} == before
    # still plain JSON a person or another tool can read
    assert json.loads(raw)["tables"]["t"]["4"]["lone"] == "\ud800 half a pair"


def _old_layout(path: Path) -> None:
    """Rewrite the snapshot as the writer before the compact layout did (spaces, no layout)."""
    snap = json.loads((path / SNAPSHOT).read_bytes())
    out = (f'{{"format": "{FORMAT}", "generation": {snap["generation"]}, "seq": '
           f'{snap["seq"]},\n"last_ids": {json.dumps(snap["last_ids"])},\n"tables": {{')
    for t_index, (name, docs) in enumerate(snap["tables"].items()):
        out += ("," if t_index else "") + f"\n{json.dumps(name, ensure_ascii=False)}: {{"
        out += ",".join(f'\n"{i}": {json.dumps(d)}' for i, d in docs.items()) + "\n}"
    body = (out + "\n}").encode()
    (path / SNAPSHOT).write_bytes(
        body + b',\n"checksum": "' + f'{zlib.crc32(body):08x}"\n}}\n'.encode())


def test_snapshot_of_the_older_layout_opens_whole_and_is_rewritten(tmp_path: Path) -> None:
    before = _fill(tmp_path)
    _old_layout(tmp_path)
    assert b'"layout"' not in (tmp_path / SNAPSHOT).read_bytes()
    with open_store(tmp_path) as s:
        assert {name: s.all(name) for name in before} == before
        s.compact()
    assert f'"layout": "{LAYOUT}"'.encode() in (tmp_path / SNAPSHOT).read_bytes()
    with open_store(tmp_path) as s:
        assert {name: s.all(name) for name in before} == before


def _with_checksum(path: Path, body: bytes) -> None:
    (path / SNAPSHOT).write_bytes(
        body + b',\n"checksum": "' + f'{zlib.crc32(body):08x}"\n}}\n'.encode())


@pytest.mark.parametrize("doc", [b'{"n":1', b'{"n":1}}', b'{"n":}', b"[1]", b'{"n":"\xff"}'])
def test_a_broken_document_behind_a_valid_checksum_is_damage(tmp_path: Path, doc: bytes) -> None:
    """Only a deliberate edit can get here (the CRC holds): still StoreDamaged, never a crash."""
    with open_store(tmp_path) as s:
        s.insert("t", {"n": 0})
        s.insert("t", {"n": 2})
        s.compact()
    raw = (tmp_path / SNAPSHOT).read_bytes()
    body = raw[: raw.rindex(b',\n"checksum"')]
    assert b'{"n":0,"rev":1}' in body
    body = body.replace(b'{"n":0,"rev":1}', doc)
    _with_checksum(tmp_path, body)
    # refused at open, or when the document is read
    with pytest.raises(StoreDamaged, match="restore"), open_store(tmp_path) as s:
        s.all("t")


def test_results_never_reach_the_stored_documents(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        doc_id = s.insert("cases", {"status": "open", "property": P1, "rows": [1],
                                    "data": {"k": [1]}, "created_at": "2026-03-01T08:00:00"})
        s.insert("tasks", {"status": "open", "property": P1, "roles": ["front-desk"],
                           "kind": "step", "key": "a", "data": {"k": [1]}})
        s.insert("records", {"property": P1, "form_id": "f", "data": {"k": [1]},
                             "created_at": "2026-03-01T08:00:00"})
        for _ in range(2):  # the second round reads from the decoded-document cache
            s.get("cases", doc_id)["rows"].append("x")
            s.all("cases")[0]["data"]["k"].append("x")
            s.find("cases", status="open")[0]["rows"].append("x")
            s.update("cases", doc_id, {"n": 1}, by="u", at=NOW)["data"]["k"].append("x")
            s.open_tasks(roles=["front-desk"], user=None, properties=[P1],
                         now=NOW).items[0]["data"]["k"].append("x")
            s.search_records(properties=[P1]).items[0]["data"]["k"].append("x")
            s.db.table("cases").search(Query().status == "open")[0]["rows"].append("x")
        assert s.get("cases", doc_id)["rows"] == [1]
        assert s.get("cases", doc_id)["data"] == {"k": [1]}
        assert s.get("tasks", 1)["data"] == {"k": [1]}
        assert s.get("records", 1)["data"] == {"k": [1]}


def test_a_replaced_document_is_never_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DocView, "CACHE_DOCS", 3)  # evict all the time
    with open_store(tmp_path) as s, open_store(tmp_path) as other:
        ids = [s.insert("t", {"n": n, "status": "open"}) for n in range(10)]
        for round_ in range(1, 4):
            for doc_id in ids:
                assert other.get("t", doc_id)["n"] == doc_id - 1 + (round_ - 1) * 100
                s.update("t", doc_id, {"n": doc_id - 1 + round_ * 100}, by="u", at=NOW)
        with pytest.raises(RuntimeError), s.transaction():
            s.update("t", ids[0], {"n": -1}, by="u", at=NOW)
            assert s.get("t", ids[0])["n"] == -1
            raise RuntimeError("roll back")
        assert s.get("t", ids[0])["n"] == 300
        assert [d["n"] for d in other.find("t", status="open")] == [n + 300 for n in range(10)]


def test_a_page_decodes_each_table_once_for_all_its_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents are decoded to build indexes; one pass must build them all, not one each."""
    with open_store(tmp_path) as s:
        for n in range(300):
            s.insert("cases", {"number": f"C{n}", "procedure_id": "repair", "property": P1,
                               "status": "open" if n % 3 else "closed", "data": {},
                               "created_at": (NOW - timedelta(hours=n)).isoformat(),
                               "visits": [], "events": [], "personal": []})
    decoded = _count_decodes(monkeypatch)
    with open_store(tmp_path) as s:
        assert decoded[0] == 0  # opening decodes nothing
        counts = s.case_counts(properties=[P1], now=NOW)
        assert (counts[0].open, counts[0].closed) == (200, 100)
        page = s.search_cases(properties=[P1], status="open", procedures=["repair"])
        assert page.total == 200 and len(page.items) == 50
        # property, status, procedure_id, created_at and the tally: one pass of 300, plus
        # the open cases the dashboard looks at for overdue and the 50 shown
        assert decoded[0] <= 300 + 200 + 50


def test_opening_restores_the_collector_as_it_was(tmp_path: Path) -> None:
    _fill(tmp_path)
    assert gc.isenabled()
    with open_store(tmp_path) as s:
        assert s.count("t") == len(TRICKY)
    assert gc.isenabled()
    gc.disable()
    try:
        with open_store(tmp_path) as s:
            s.find("t", status="x")  # builds indexes (the collector is paused there too)
        assert not gc.isenabled()
    finally:
        gc.enable()


# Indexed values of every kind the indexes tell apart (bool vs int, int vs float, lists...).
INDEXED: list[dict[str, Any]] = [
    {"status": "open", "due_at": "2026-03-10T08:00:00", "kind": "a", "number": 1},
    {"status": "open", "due_at": "2026-03-10T08:00:00+00:00", "kind": ["a", "b"], "number": 1.0},
    {"status": True, "due_at": "2026-03-09", "kind": ["b", ["nested"]], "number": 2},
    {"status": 1, "due_at": 1_700_000_000, "kind": {"obj": 1}, "number": 2**70},
    {"status": None, "due_at": "not a date", "kind": "c"},
    {"due_at": None, "property": "p", "data": {"at": "2026-01-01T00:00:00"}},
    {"status": False, "due_at": 3.5, "assignee_role": "前台", "data": {"at": "2026-02-01"}},
]


def _index_contents(store: Any, table: str) -> dict[str, Any]:
    state = store.journal.state(table)
    idx = state.indexes
    return {
        **{f"eq:{f}": i.buckets for f, i in idx.eq.items() if i in idx._live},
        **{f"ordered:{f}": (i.keys, i._sids, i._skeys) for f, i in idx.ordered.items()
           if i in idx._live},
    }


def test_indexes_read_from_the_snapshot_equal_indexes_built_from_the_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(tmp_path) as s:
        s.ensure_index("t", "data.at", ordered=True)
        for doc in INDEXED * 3:
            s.insert("t", doc)
        s.db.table("t").remove(doc_ids=[2, 9])
        s.compact()
    real = journal.decode_doc  # put back below, before building a fresh index to compare
    decoded = _count_decodes(monkeypatch)
    with open_store(tmp_path) as s:
        s.ensure_index("t", "data.at", ordered=True)
        state = s.journal.state("t")
        assert state is not None
        assert state.indexes.stored() and not state.indexes.built() and decoded[0] == 0
        assert [d["id"] for d in s.find("t", status="open")] == [1, 8, 15, 16]
        assert decoded[0] == 4  # only the documents returned: the index was unpacked
        assert set(_index_contents(s, "t")) == {"eq:status"}  # the others stay packed
        for f in state.indexes.eq:
            state.indexes.eq_index(f, state.docs)
        state.indexes.ordered_index("due_at", state.docs)
        assert decoded[0] == 4 and not state.indexes.stored()
        stored = _index_contents(s, "t")
        monkeypatch.setattr(journal, "decode_doc", real)
        fresh = type(state.indexes)(list(state.indexes.eq), list(state.indexes.ordered))
        fresh.build(state.docs)
        state.indexes = fresh
        built = _index_contents(s, "t")
        # the default fields come from the snapshot; one declared after the open is built
        assert set(stored) == {f"eq:{f}" for f in journal.DEFAULT_EQ_FIELDS} | {
            "ordered:due_at"}
        assert built == {**stored, "ordered:data.at": built["ordered:data.at"]}
        assert s.find("t", due_before="2026-03-10", order_by="id")  # still answers ranges


def test_stored_indexes_follow_the_journal_and_later_writes(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        ids = [s.insert("t", {"status": "open", "due_at": f"2026-03-{d:02d}T08:00:00"})
               for d in range(1, 11)]
        s.compact()
        s.update("t", ids[0], {"status": "done"}, by="u", at=NOW)  # in the journal only
        s.db.table("t").remove(doc_ids=[ids[1]])
    with open_store(tmp_path) as s:
        assert [d["id"] for d in s.find("t", status="open")] == ids[2:]  # unpacks status
        s.update("t", ids[2], {"status": "done", "due_at": None}, by="u", at=NOW)
        s.update("t", ids[9], {"due_at": "2026-01-01T08:00:00"}, by="u", at=NOW)
        s.insert("t", {"status": "open", "due_at": "2026-02-01T08:00:00"})
        s.db.table("t").remove(doc_ids=[ids[3]])
        # due_at is unpacked only now: brought up to date with the journal and every write
        assert [d["id"] for d in s.find("t", due_before="2026-03-05")] == [ids[0], ids[9], 11]
        assert [d["id"] for d in s.find("t", status="open", due_before="2026-03-05")] == [
            ids[9], 11]
        assert s.count("t", status="done") == 2


def test_stored_indexes_that_do_not_read_back_are_rebuilt(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        for n in range(5):
            s.insert("t", {"status": "open" if n % 2 else "done", "n": n})
        s.compact()
    raw = (tmp_path / SNAPSHOT).read_bytes()
    body = raw[: raw.rindex(b',\n"checksum"')]
    at = body.index(b'"status": [')
    wrong = f'"status": [["open", "{pack("q", [1, 999])}"]], "x": ['.encode()
    body = body[:at] + wrong + body[at + 11:]
    _with_checksum(tmp_path, body)  # a valid checksum over a wrong index (id 999 is no doc)
    with open_store(tmp_path) as s:
        assert [d["n"] for d in s.find("t", status="open")] == [1, 3]


@pytest.mark.parametrize(("eq", "ordered"), [((), ()), (("status",), ()), ((), ("due_at",))])
def test_stored_indexes_of_any_declared_fields_read_back(
    tmp_path: Path, eq: tuple[str, ...], ordered: tuple[str, ...]
) -> None:
    def docs(s: Any) -> list[int]:
        return [d["id"] for d in s.find("t", status="open", due_before="2026-03-05")]

    with journal_store(tmp_path, eq, ordered) as s:
        for d in range(1, 9):
            s.insert("t", {"status": "open" if d % 2 else "done",
                           "due_at": f"2026-03-{d:02d}T08:00:00"})
        s.compact()
        before = docs(s)
    with journal_store(tmp_path, eq, ordered) as s:
        state = s.journal.state("t")
        assert state is not None and state.indexes.stored() == bool(eq or ordered)
        assert docs(s) == before == [1, 3]
        assert state.indexes.built() == bool(eq or ordered)


def journal_store(path: Path, eq: tuple[str, ...], ordered: tuple[str, ...]) -> Any:
    from runtime.store.embedded.store import Store

    return Store(path, eq_fields=eq, ordered_fields=ordered)


def test_a_document_id_beyond_64_bits_keeps_its_indexes_unstored(tmp_path: Path) -> None:
    from tinydb.table import Document

    with open_store(tmp_path) as s:
        s.insert("t", {"status": "open"})
        s.db.table("t").insert(Document({"status": "open", "rev": 1}, 2**64))
        s.compact()  # the ids cannot be packed: the snapshot keeps no index for the table
    assert b'"indexes"' not in (tmp_path / SNAPSHOT).read_bytes()
    with open_store(tmp_path) as s:
        assert [d["id"] for d in s.find("t", status="open")] == [1, 2**64]


def test_a_stored_index_of_a_table_that_changed_a_lot_is_built_instead(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        for n in range(100):
            s.insert("t", {"status": "open", "n": n})
        s.compact()
    with open_store(tmp_path) as s:
        state = s.journal.state("t")
        assert state is not None and state.indexes.stored()
        for n in range(1, 101):
            s.update("t", n, {"status": "done" if n % 2 else "open"}, by="u", at=NOW)
        # past a quarter of the table (+64) nothing more is kept: the index will be built
        assert state.docs.changed is None and not state.indexes.stored()
        assert s.count("t", status="open") == 50


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_indexes_answer_like_indexes_built_from_scratch(tmp_path: Path, seed: int) -> None:
    """Random writes before and after a compaction and a reopen: every query answers as on a
    store that never had stored indexes (an in-memory one, fed the same writes)."""
    import random

    from runtime.store import open_memory_store

    rnd = random.Random(seed)
    values: list[Any] = ["open", "done", 1, 1.0, True, False, None, ["open", "x"], {"o": 1}]
    dues: list[Any] = [None, "2026-03-01T08:00:00", "2026-03-02", 1.7e9, "bad", True]

    def doc() -> dict[str, Any]:
        out = {"status": rnd.choice(values), "kind": rnd.choice(values),
               "due_at": rnd.choice(dues)}
        return {k: v for k, v in out.items() if rnd.random() > 0.1}  # sometimes missing

    def write(stores: list[Any], n: int) -> None:
        for _ in range(n):
            ids = [d["id"] for d in stores[0].all("t")]
            action = rnd.random()
            if action < 0.5 or not ids:
                new = doc()
                assert len({s.insert("t", new) for s in stores}) == 1
            elif action < 0.85:
                doc_id, change = rnd.choice(ids), doc()
                for s in stores:
                    s.update("t", doc_id, change, by="u", at=NOW)
            else:
                doc_id = rnd.choice(ids)
                for s in stores:
                    s.delete("t", doc_id)

    def answers(s: Any) -> list[Any]:
        out: list[Any] = []
        for field in ("status", "kind"):
            for value in values[:6]:
                out.append(sorted(d["id"] for d in s.find("t", **{field: value})))
        for bound in ("2026-03-02T00:00:00", 1.8e9):
            out.append(sorted(d["id"] for d in s.find("t", due_before=bound)))
        return out

    memory = open_memory_store()
    with open_store(tmp_path) as disk:
        write([disk, memory], 150)
        disk.compact()
        write([disk, memory], 30)  # in the journal, replayed at the next open
    with open_store(tmp_path) as disk:
        write([disk, memory], 30)  # before any stored index is unpacked
        assert answers(disk) == answers(memory)
        write([disk, memory], 30)  # after: the unpacked indexes are kept in step
        assert answers(disk) == answers(memory)
    memory.close()
