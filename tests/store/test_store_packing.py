"""Large documents held deflated in memory (runtime/store/embedded/packing.py).

Only memory holds the deflated form: what is read back, journalled and written to the
snapshot is the plain JSON. These tests pin that, and that the background pass after an
open never puts back an old document over a newer write.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.store import open_store
from runtime.store.embedded import packing
from runtime.store.embedded.journal import SNAPSHOT

NOW = datetime(2026, 3, 10, 12, 0)


def _case(n: int) -> dict[str, Any]:
    """A case-like document of a few KB: a history of steps, as real cases carry."""
    return {"number": f"TS-{n:05d}", "status": "open" if n % 3 else "closed",
            "history": [{"step": f"step-{k}", "by": "前台客服",
                         "note": f"回访业主 {n} 第{k}次，已处理完毕",
                         "at": f"2026-03-{k % 28 + 1:02d}T10:{k % 60:02d}"} for k in range(30)]}


@pytest.fixture
def sealed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dictionary for this test only (the process's own is chosen once, by the first store)."""
    monkeypatch.setattr(packing, "_dictionary", None)
    packing.seal(packing.plain(b) for b in [str(_case(n)).encode() for n in range(20)])
    assert packing.sealed()


def test_deflate_round_trips_and_leaves_small_documents_plain(sealed: None) -> None:
    big = str(_case(1)).encode()
    small = b'{"n":1}'
    held = packing.deflate(big)
    assert packing.is_deflated(held) and len(held) < len(big) // 3
    assert packing.plain(held) == big
    assert packing.deflate(small) is small and packing.plain(small) is small
    assert packing.deflate(held) is held  # never twice


def test_no_dictionary_until_there_is_enough_to_learn_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packing, "_dictionary", None)
    packing.seal([b'{"n":1}'])
    assert not packing.sealed()
    big = str(_case(1)).encode()
    assert packing.deflate(big) is big


def test_open_deflates_large_documents_and_reads_and_files_stay_plain(
        tmp_path: Path, sealed: None) -> None:
    with open_store(tmp_path) as s:
        ids = [s.insert("cases", _case(n)) for n in range(200)]
        s.insert("tasks", {"n": 1, "status": "open"})
        s.compact()
        before = {d["id"]: d for d in s.all("cases")}
    with open_store(tmp_path) as s:
        s.settle()
        state = s.journal.state("cases")
        assert state is not None
        assert all(packing.is_deflated(state.raw[i]) for i in ids)
        assert not any(packing.is_deflated(b) for b in s.journal.state("tasks").raw.values())
        assert {d["id"]: d for d in s.all("cases")} == before
        assert [d["id"] for d in s.find("cases", status="closed")] == [
            i for i in ids if before[i]["status"] == "closed"]
        s.update("cases", ids[0], {"status": "closed"}, by="test", at=NOW)
        assert packing.is_deflated(state.raw[ids[0]])  # a write is held deflated at once
        s.compact()
    snapshot = (tmp_path / SNAPSHOT).read_bytes()
    assert b"\x00" not in snapshot  # the snapshot is the plain JSON, readable as ever
    assert "回访业主 199 第29次".encode() in snapshot
    for journal_file in tmp_path.glob("journal-*.jsonl"):
        assert b"\x00" not in journal_file.read_bytes()
    with open_store(tmp_path) as s:
        assert s.get("cases", ids[0])["status"] == "closed"
        assert s.get("cases", ids[1]) == before[ids[1]]


def test_the_background_pass_never_puts_back_a_replaced_document(
        tmp_path: Path, sealed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(tmp_path) as s:
        first = s.insert("cases", _case(1))
        for n in range(2, 40):
            s.insert("cases", _case(n))
        s.compact()
    store = open_store(tmp_path)
    try:
        store.settle()  # the open's own pass is done: now run one by hand, racing a write
        state = store.journal.state("cases")
        assert state is not None
        for doc_id in list(state.raw):
            state.raw[doc_id] = packing.plain(state.raw[doc_id])
        real = packing.deflate
        raced = []

        def deflate_while_written(raw: bytes) -> bytes:
            out = real(raw)
            if not raced:  # the first document is replaced after it was deflated, before the swap
                raced.append(True)
                store.update("cases", first, {"status": "replaced"}, by="test", at=NOW)
            return out

        monkeypatch.setattr(packing, "deflate", deflate_while_written)
        assert store.journal._pack_table(store.journal._tables, state)
        monkeypatch.setattr(packing, "deflate", real)
        assert raced and store.get("cases", first)["status"] == "replaced"
        assert all(packing.is_deflated(state.raw[i]) for i in state.raw if i != first)
    finally:
        store.close()
    with open_store(tmp_path) as s:
        assert s.get("cases", first)["status"] == "replaced"
