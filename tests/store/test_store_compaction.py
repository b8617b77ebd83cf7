"""Background compaction: the snapshot is written from a frozen view while writes go on."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from runtime.errors import StoreDamaged
from runtime.store.embedded.journal import SNAPSHOT, decode_line, encode_line, journal_name
from runtime.store.embedded.store import Store

WAIT = 120  # generous: the machine may be very busy; never a timing assertion


def _journal_seqs(path: Path) -> list[int]:
    seqs = []
    for raw in path.read_bytes().splitlines():
        obj = decode_line(raw)
        assert obj is not None, raw
        seqs.append(obj["seq"])
    return seqs


def test_writes_and_reads_go_on_while_the_snapshot_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(tmp_path, compact_min_bytes=1024, background_min_bytes=0)
    other = Store(tmp_path)  # a second instance must follow the switch without a reload
    real = s.journal._write_snapshot
    started, release = threading.Event(), threading.Event()

    def held(path: Path, generation: int, frozen: object = None) -> int:
        started.set()
        assert release.wait(WAIT)  # the snapshot write is "slow" until the test says so
        return real(path, generation, frozen)  # type: ignore[arg-type]

    monkeypatch.setattr(s.journal, "_write_snapshot", held)
    ids: list[int] = []
    while not started.is_set():
        ids.append(s.insert("t", {"pad": "x" * 100, "n": len(ids)}))
        assert len(ids) < 1000, "no compaction started"
    frozen_seq = json.loads((tmp_path / SNAPSHOT).read_text())["seq"]
    # The compaction is now stuck in its snapshot write: none of this may wait for it.
    for _ in range(20):
        ids.append(s.insert("t", {"pad": "y", "n": len(ids)}))
    assert other.count("t") == len(ids)
    assert s.get("t", ids[-1])["n"] == len(ids) - 1

    loads: list[bool] = []
    monkeypatch.setattr(other.journal, "_load", lambda exclusive: loads.append(exclusive))
    s.journal._compact_min = 1 << 30  # no second compaction: this test follows exactly one
    release.set()
    s.journal.wait_compaction()
    snap = json.loads((tmp_path / SNAPSHOT).read_text())
    assert snap["generation"] == 1 and snap["seq"] > frozen_seq
    # The new journal starts with copies of the lines written during the snapshot write.
    seqs = _journal_seqs(tmp_path / journal_name(1))
    assert seqs == list(range(snap["seq"] + 1, s.journal.sequence + 1))
    assert len(seqs) >= 20
    assert not (tmp_path / journal_name(0)).exists()
    ids.append(s.insert("t", {"n": len(ids)}))
    assert [d["n"] for d in other.all("t")] == list(range(len(ids)))
    assert loads == []  # followed the new journal, skipping the lines it had applied
    assert other.journal._gen == 1
    other.close()
    s.close()
    with Store(tmp_path) as fresh:
        assert [d["id"] for d in fresh.all("t")] == ids


def test_close_waits_for_a_background_compaction(tmp_path: Path) -> None:
    s = Store(tmp_path, compact_min_bytes=1024, background_min_bytes=0)
    for n in range(300):
        s.insert("t", {"pad": "x" * 60, "n": n})
    s.close()
    assert len(list(tmp_path.glob("journal-*"))) == 1
    assert not list(tmp_path.glob("*.tmp"))
    assert json.loads((tmp_path / SNAPSHOT).read_text())["generation"] > 0
    with Store(tmp_path) as again:
        assert again.count("t") == 300


def test_unfinished_compaction_copy_is_dropped(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        for n in range(3):
            s.insert("t", {"n": n})
    # A crash after the new journal was written but before the snapshot rename.
    lines = (tmp_path / journal_name(0)).read_bytes().splitlines(keepends=True)
    (tmp_path / journal_name(1)).write_bytes(b"".join(lines[1:]) + lines[0][:10])
    (tmp_path / f"{SNAPSHOT}.999999999.1.tmp").write_text("half")  # its writer is gone
    with Store(tmp_path) as s:
        assert [d["n"] for d in s.all("t")] == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir() if "journal" in p.name or "tmp" in p.name) \
        == [journal_name(0)]


def test_newer_journal_with_unknown_writes_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        s.insert("t", {"n": 0})
    extra = encode_line(2, [("put", "t", 2, {"n": 1, "rev": 1}, '{"n":1,"rev":1}')])
    (tmp_path / journal_name(1)).write_bytes(extra)
    with pytest.raises(StoreDamaged, match="newer than"):
        Store(tmp_path)
    assert (tmp_path / journal_name(1)).read_bytes() == extra  # kept for repair


def test_bench_compaction_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    from runtime.cli import main

    assert main(["bench", "compaction", "--docs", "300", "--json"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1
    data = json.loads(out)
    assert data["docs"] == 300 and data["probes_during_compaction"] >= 1
    for key in ("open_s", "stall_ms", "rss_bytes_per_doc", "rss_query_bytes_per_doc", "settle_s",
                "baseline_write_max_ms"):
        assert isinstance(data[key], (int, float)) and data[key] >= 0
    longest = max(data["during"]["write_max_ms"], data["during"]["read_max_ms"])
    assert data["stall_ms"] == pytest.approx(longest, abs=0.051)



class _Stop(Exception):
    pass


def test_a_switch_stopped_after_the_snapshot_rename_is_completed_by_another_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.store.embedded import journal

    s = Store(tmp_path, compact_min_bytes=1 << 30)
    other = Store(tmp_path)
    ids = [s.insert("t", {"n": n}) for n in range(5)]
    real = s.journal._write_snapshot

    def slow(path: Path, generation: int, frozen: object = None) -> int:
        ids.append(other.insert("t", {"n": len(ids)}))  # committed after the freeze
        return real(path, generation, frozen)  # type: ignore[arg-type]

    def stop(step: str) -> None:
        if step == "snapshot-renamed":
            raise _Stop(step)

    monkeypatch.setattr(s.journal, "_write_snapshot", slow)
    monkeypatch.setattr(journal, "fault_hook", stop)
    with pytest.raises(_Stop):
        s.compact()
    monkeypatch.setattr(journal, "fault_hook", None)
    # The new snapshot is in place; its journal is not, the old one still holds the tail.
    assert json.loads((tmp_path / SNAPSHOT).read_text())["generation"] == 1
    assert not (tmp_path / journal_name(1)).exists()
    assert (tmp_path / journal_name(0)).exists()
    ids.append(other.insert("t", {"n": len(ids)}))  # the live instance completes the switch
    assert _journal_seqs(tmp_path / journal_name(1))[0] == json.loads(
        (tmp_path / SNAPSHOT).read_text())["seq"] + 1
    ids.append(s.insert("t", {"n": len(ids)}))  # and the one that stopped follows it
    assert [d["n"] for d in s.all("t")] == list(range(len(ids)))
    assert [d["n"] for d in other.all("t")] == list(range(len(ids)))
    other.close()
    s.close()
    with Store(tmp_path) as fresh:
        assert [d["id"] for d in fresh.all("t")] == ids
    assert not list(tmp_path.glob("*.tmp"))


def test_a_second_compaction_waits_for_the_first_switch(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from runtime.store.embedded import journal

    s = Store(tmp_path, compact_min_bytes=1 << 30)
    for n in range(10):
        s.insert("t", {"n": n})
    freezes: list[int] = []
    real_freeze = s.journal._freeze
    copied, release = threading.Event(), threading.Event()

    def freeze() -> journal.Frozen:
        frozen = real_freeze()
        freezes.append(frozen.generation)
        return frozen

    def hold(step: str) -> None:
        if step == "journal-copied" and not copied.is_set():
            copied.set()  # the first compaction wrote its files and goes for the lock next
            assert release.wait(WAIT)

    waits: list[int] = []
    second_waits = threading.Event()

    class Idle(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(1)
            if len(waits) >= 2:
                second_waits.set()
            return super().wait(timeout)

    idle = Idle()
    idle.set()
    monkeypatch.setattr(s.journal, "_idle", idle)
    monkeypatch.setattr(s.journal, "_freeze", freeze)
    monkeypatch.setattr(journal, "fault_hook", hold)
    first = threading.Thread(target=s.compact)
    first.start()
    assert copied.wait(WAIT)
    second = threading.Thread(target=s.compact)
    second.start()
    assert second_waits.wait(WAIT)
    s.insert("t", {"n": 10})  # writes go on meanwhile
    assert freezes == [0]  # the second one did not freeze generation 0 again
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert freezes == [0, 1]
    assert json.loads((tmp_path / SNAPSHOT).read_text())["generation"] == 2
    s.close()
    with Store(tmp_path) as fresh:
        assert fresh.count("t") == 11
