"""Journal engine: durability format, torn lines, corruption, rollback, cross-instance sync."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query

from runtime.errors import StoreDamaged, StoreError
from runtime.store import Store, open_store
from runtime.store.embedded.journal import (
    COMMITTED,
    FORMAT,
    SNAPSHOT,
    decode_line,
    encode_line,
    journal_name,
)


def _journal(path: Path) -> Path:
    [j] = sorted(path.glob("journal-*.jsonl"))
    return j


def _lines(path: Path) -> list[dict[str, object]]:
    out = []
    for raw in _journal(path).read_bytes().splitlines():
        obj = decode_line(raw)
        assert obj is not None, raw
        out.append(obj)
    return out


def test_insert_is_one_checksummed_readable_line(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        s.insert("records", {"summary": "漏水", "status": "open"})
    text = _journal(tmp_path).read_text(encoding="utf-8")
    assert "漏水" in text  # ensure_ascii=False: Chinese stays readable
    [line] = _lines(tmp_path)
    assert line["seq"] == 1
    assert line["ops"] == [
        {
            "op": "put",
            "t": "records",
            "id": 1,
            "doc": {"summary": "漏水", "status": "open", "rev": 1},
        }
    ]


def test_decode_rejects_flipped_byte() -> None:
    line = encode_line(3, [("del", "t", 9)]).rstrip(b"\n")
    assert decode_line(line) == {"seq": 3, "ops": [{"op": "del", "t": "t", "id": 9}]}
    damaged = line.replace(b'"id":9', b'"id":8')
    assert decode_line(damaged) is None
    assert decode_line(line[:-3]) is None


@pytest.mark.parametrize(
    "tail",
    [
        b'{"crc":"0000',  # cut inside the checksum
        b'{"crc":"12345678","seq":2,"ops":[{"op":"put"',  # cut mid-line, no newline
        b'{"crc":"12345678","seq":2,"ops":[]}\n',  # complete line, wrong checksum
        b"\x00\x00\x00\x00",  # zero-filled block after a power cut
    ],
)
def test_torn_tail_is_ignored_then_cut(tmp_path: Path, tail: bytes) -> None:
    with open_store(tmp_path) as s:
        first = s.insert("t", {"n": 1})
    with open(_journal(tmp_path), "ab") as fh:
        fh.write(tail)
    with open_store(tmp_path) as s:
        assert [d["n"] for d in s.all("t")] == [1]
        second = s.insert("t", {"n": 2})
        assert second == first + 1
    assert [line["seq"] for line in _lines(tmp_path)] == [1, 2]
    with open_store(tmp_path) as s:
        assert [d["n"] for d in s.all("t")] == [1, 2]


def test_damaged_middle_line_refuses_to_open_and_keeps_files(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        for n in range(3):
            s.insert("t", {"n": n})
    path = _journal(tmp_path)
    raw = path.read_bytes().split(b"\n")
    raw[1] = raw[1].replace(b'"n":1', b'"n":7')
    path.write_bytes(b"\n".join(raw))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="damaged line"):
        open_store(tmp_path)
    assert path.read_bytes() == before


def test_out_of_order_line_refuses_to_open(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        s.insert("t", {"n": 1})
    with open(_journal(tmp_path), "ab") as fh:
        fh.write(encode_line(5, [("del", "t", 1)]))
    with pytest.raises(StoreError, match="out of order"):
        open_store(tmp_path)


@pytest.mark.parametrize(
    "ops",
    [
        '[{"op":"put","t":"t","id":"abc","doc":{"n":1}}]',
        '[{"op":"del","t":"t"}]',
        '[{"op":"put","t":"t","id":[1],"doc":{}}]',
        '["put"]',
    ],
    ids=["non-numeric-id", "missing-id", "list-id", "op-not-object"],
)
def test_crc_valid_malformed_line_is_a_store_error(tmp_path: Path, ops: str) -> None:
    with open_store(tmp_path) as s:
        s.insert("t", {"n": 1})
    payload = f'{{"seq":2,"ops":{ops}}}'.encode()
    line = b'{"crc":"%08x",' % zlib.crc32(payload) + payload[1:] + b"\n"
    assert decode_line(line.rstrip(b"\n")) is not None  # the CRC really is valid
    path = _journal(tmp_path)
    with open(path, "ab") as fh:
        fh.write(line)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"malformed operation.*handbook restore"):
        open_store(tmp_path)
    assert path.read_bytes() == before


def test_missing_snapshot_with_journal_is_not_silently_emptied(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        s.insert("t", {"n": 1})
    (tmp_path / SNAPSHOT).unlink()
    with pytest.raises(StoreError, match="missing"):
        open_store(tmp_path)


def _fifty_records(path: Path, *, compact_after: int | None = None) -> None:
    with open_store(path) as s:
        for n in range(50):
            s.insert("t", {"n": n, "text": "投诉"})
            if compact_after == n:
                s.compact()


def _edit_a_digit(path: Path) -> None:
    snap = path / SNAPSHOT
    raw = snap.read_bytes()
    at = raw.index(b'"n":7,')  # documents are stored as compact JSON
    snap.write_bytes(raw[:at] + b'"n":8,' + raw[at + len(b'"n":7,'):])


def _cut_journal_in_half(path: Path) -> None:
    journal = _journal(path)
    data = journal.read_bytes()
    ends = [i + 1 for i, b in enumerate(data) if b == ord("\n")]
    journal.write_bytes(data[: ends[len(ends) // 2 - 1]])  # a clean line boundary: no torn tail


def _cut_journal_mid_line(path: Path) -> None:
    journal = _journal(path)
    data = journal.read_bytes()
    journal.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("damage", "compact_after", "message"),
    [
        (_edit_a_digit, 49, r"snapshot\.json does not match its checksum.*handbook restore"),
        (_cut_journal_in_half, None, r"journal-0+\.jsonl ends at transaction 25, but 50 were"),
        (_cut_journal_mid_line, None, r"truncated or deleted.*handbook restore"),
        (lambda p: _journal(p).unlink(), None, r"journal-0+\.jsonl is missing.*but 50 were"),
        (lambda p: _journal(p).unlink(), 24, r"journal-0+1\.jsonl is missing.*at transaction 25"),
    ],
    ids=["snapshot-digit-edited", "journal-cut-at-50%", "journal-cut-mid-line",
         "journal-deleted", "journal-deleted-after-compaction"],
)
def test_damaged_store_files_refuse_to_open(
    tmp_path: Path, damage: Any, compact_after: int | None, message: str
) -> None:
    """The issue-17 damage cases: each refuses to open, never opens with less or changed data."""
    _fifty_records(tmp_path, compact_after=compact_after)
    damage(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(StoreDamaged, match=message):
        open_store(tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # refused without touching the evidence


def test_undamaged_store_with_every_file_opens_whole(tmp_path: Path) -> None:
    _fifty_records(tmp_path, compact_after=24)
    with open_store(tmp_path) as s:
        assert [d["n"] for d in s.all("t")] == list(range(50))
    assert (tmp_path / COMMITTED).read_text().strip() == "50".zfill(20)


def test_legacy_snapshot_without_checksum_opens_and_is_upgraded(tmp_path: Path) -> None:
    _fifty_records(tmp_path, compact_after=49)
    raw = (tmp_path / SNAPSHOT).read_bytes()
    legacy = raw[: raw.rindex(b',\n"checksum"')] + b"\n}\n"
    legacy = legacy.replace(FORMAT.encode(), b"handbook-store/1", 1)
    (tmp_path / SNAPSHOT).write_bytes(legacy)
    with open_store(tmp_path) as s:
        assert s.count("t") == 50
        s.compact()
    assert json.loads((tmp_path / SNAPSHOT).read_bytes())["format"] == FORMAT


@pytest.mark.parametrize("record", [b"", b"\x00" * 21])
def test_commit_record_lost_in_a_power_cut_is_ignored(tmp_path: Path, record: bytes) -> None:
    """The record is not fsynced: empty or zero-filled after a power cut it is no evidence."""
    _fifty_records(tmp_path)
    (tmp_path / COMMITTED).write_bytes(record)
    with open_store(tmp_path) as s:
        assert s.count("t") == 50
        s.insert("t", {"n": 50})
    assert int((tmp_path / COMMITTED).read_text()) == 51


def test_journal_shrinking_under_an_open_store_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path) as s, open_store(tmp_path) as other:
        for n in range(4):
            s.insert("t", {"n": n})
        assert other.count("t") == 4
        _journal(tmp_path).write_bytes(b"")
        with pytest.raises(StoreError, match=r"shrank to 0 bytes.*handbook restore"):
            other.count("t")


def test_compaction_writes_readable_snapshot_and_fresh_journal(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        ids = [s.insert("records", {"n": n, "text": "报修"}) for n in range(5)]
        s.update("records", ids[0], {"n": 100}, by="u1", at="2026-03-01T09:00:00")
        s.db.table("records").remove(doc_ids=[ids[4]])
        s.compact()
        assert _journal(tmp_path).name == journal_name(1)
        assert _journal(tmp_path).stat().st_size == 0
        s.insert("records", {"n": 5})
    snap = json.loads((tmp_path / SNAPSHOT).read_text(encoding="utf-8"))
    assert snap["generation"] == 1
    assert snap["last_ids"] == {"records": 5}
    assert snap["tables"]["records"]["1"]["n"] == 100
    assert "报修" in (tmp_path / SNAPSHOT).read_text(encoding="utf-8")
    with open_store(tmp_path) as s:
        assert [d["id"] for d in s.all("records")] == [1, 2, 3, 4, 6]  # id 5 never reused


def test_auto_compaction(tmp_path: Path) -> None:
    with Store(tmp_path, compact_min_bytes=2048) as s:
        for n in range(200):
            s.insert("t", {"n": n, "pad": "x" * 50})
        gen = json.loads((tmp_path / SNAPSHOT).read_text())["generation"]
        assert gen > 3
    assert len(list(tmp_path.glob("journal-*"))) == 1
    with open_store(tmp_path) as s:
        assert s.count("t") == 200


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        keep = s.insert("t", {"n": 0})
        with pytest.raises(RuntimeError), s.transaction():
            s.insert("t", {"n": 1})
            s.update("t", keep, {"n": 99}, by="u", at="2026-01-01T00:00:00")
            raise RuntimeError("boom")
        assert s.all("t") == [{"id": keep, "n": 0, "rev": 1}]
        assert s.insert("t", {"n": 2}) == keep + 1  # the rolled-back id is free again
    assert [line["seq"] for line in _lines(tmp_path)] == [1, 2]


def test_nested_failure_rolls_back_to_savepoint(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        with s.transaction():
            s.insert("t", {"n": 1})
            try:
                with s.transaction():
                    s.insert("t", {"n": 2})
                    raise ValueError("inner")
            except ValueError:
                pass
            s.insert("t", {"n": 3})
        assert [d["n"] for d in s.all("t")] == [1, 3]
    assert len(_lines(tmp_path)) == 1  # one transaction, one line
    with open_store(tmp_path) as s:
        assert [d["n"] for d in s.all("t")] == [1, 3]


def test_two_instances_see_each_other_and_never_collide(tmp_path: Path) -> None:
    a, b = open_store(tmp_path), open_store(tmp_path)
    try:
        ids = []
        for n in range(10):
            ids.append((a if n % 2 else b).insert("t", {"n": n}))
        assert ids == list(range(1, 11))
        assert b.count("t") == a.count("t") == 10
        a.update("t", 1, {"n": -1}, by="a", at="2026-01-01T00:00:00")
        assert b.get("t", 1)["n"] == -1
        a.compact()
        b.insert("t", {"n": 10})  # b switches to the new journal, no reload needed
        assert a.get("t", 11)["n"] == 10
        a.compact()
        a.insert("t", {"n": 11})
        a.compact()  # two compactions while b was idle: b reloads the snapshot
        assert [d["n"] for d in b.find("t")][-2:] == [10, 11]
        assert b.insert("t", {"n": 12}) == 13
    finally:
        a.close()
        b.close()


def test_tinydb_api_is_journaled(tmp_path: Path) -> None:
    q = Query()
    with open_store(tmp_path) as s:
        t = s.db.table("cases")
        t.insert({"status": "open", "n": 1})
        t.insert_multiple([{"status": "open", "n": 2}, {"status": "closed", "n": 3}])
        t.update({"status": "closed"}, q.n == 2)
        t.upsert({"status": "new", "n": 4}, q.n == 4)
        t.remove(q.n == 1)
        assert sorted(d["n"] for d in t.search(q.status == "closed")) == [2, 3]
        s.db.table("scratch").insert({"x": 1})
        s.db.table("scratch").truncate()
    with open_store(tmp_path) as s:
        t = s.db.table("cases")
        assert sorted((d["n"], d["status"]) for d in t.all()) == [
            (2, "closed"),
            (3, "closed"),
            (4, "new"),
        ]
        assert len(s.db.table("scratch")) == 0
        assert t.get(doc_id=2)["n"] == 2  # type: ignore[index]
        assert t.count(q.status == "closed") == 2


def test_closed_store_refuses_use(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.insert("t", {"n": 1})


def test_forked_child_writes_through_its_own_lock(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.insert("t", {"n": 0})
    pid = os.fork()
    if pid == 0:  # child: the inherited instance must reopen its files, then write
        code = 1
        try:
            s.insert("t", {"n": 1})
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [d["n"] for d in s.all("t")] == [0, 1]
    assert s.insert("t", {"n": 2}) == 3
    s.close()


def test_tinydb_results_are_copies(tmp_path: Path) -> None:
    with open_store(tmp_path) as s:
        t = s.db.table("t")
        t.insert({"rows": [1], "n": 1})
        t.search(Query().n == 1)[0]["rows"].append(2)
        t.get(doc_id=1)["rows"].append(3)  # type: ignore[index]
        next(iter(t))["rows"].append(4)
        assert s.get("t", 1)["rows"] == [1]


def test_failed_compaction_keeps_the_write_and_backs_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(tmp_path, compact_min_bytes=1024)
    attempts = []

    def broken(path: Path, generation: int, frozen: object = None) -> int:
        attempts.append(generation)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(s.journal, "_write_snapshot", broken)
    ids = [s.insert("t", {"pad": "x" * 100, "n": n}) for n in range(40)]
    assert 1 <= len(attempts) < 10  # retried only after more journal, not on every write
    s.close()
    with open_store(tmp_path) as again:
        assert [d["id"] for d in again.all("t")] == ids


def test_journal_cut_at_every_byte_reopens_to_a_committed_prefix(tmp_path: Path) -> None:
    """Whatever byte a crash stops at, reopening yields exactly the lines completed before it."""
    src = tmp_path / "src"
    states: list[list[dict[str, object]]] = []
    with open_store(src) as s:
        states.append(s.all("t"))
        for n in range(6):
            if n % 3 == 2:
                s.update("t", 1, {"n": n, "text": "改" * n}, by="u", at="2026-01-01T00:00:00")
            else:
                s.insert_many("t", [{"n": n, "text": "报修" * n}] * (n + 1))
            states.append(s.all("t"))
    journal = _journal(src).read_bytes()
    ends = [i + 1 for i, b in enumerate(journal) if b == ord("\n")]
    assert len(ends) == 6
    work = tmp_path / "work"
    work.mkdir()
    (work / SNAPSHOT).write_bytes((src / SNAPSHOT).read_bytes())
    for cut in range(len(journal) + 1):
        (work / _journal(src).name).write_bytes(journal[:cut])
        complete = sum(1 for end in ends if end <= cut)
        with open_store(work) as s:
            assert s.all("t") == states[complete], cut
