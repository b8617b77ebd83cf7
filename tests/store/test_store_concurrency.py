"""8 threads and 2 processes inserting and updating one store at once: exact counts, sound files."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from runtime.errors import ConflictError
from runtime.store.embedded.journal import decode_line
from runtime.store.embedded.store import Store
from runtime.store.records import create_record, list_records

INSERTS = 100
INCREMENTS = 20
WORKER = r"""
import sys
from runtime.errors import ConflictError
from runtime.store.embedded.store import Store

path, name, inserts, increments = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = Store(path, compact_min_bytes=16384)
for i in range(inserts):
    doc_id = store.insert("items", {"worker": name, "i": i, "status": "open"})
    store.update("items", doc_id, {"status": "done"}, by=name, at="2026-01-01T00:00:00")
    if i < increments:
        while True:
            counter = store.get("counters", 1)
            try:
                store.update("counters", 1, {"n": counter["n"] + 1}, by=name,
                             at="2026-01-01T00:00:00", expected_rev=counter["rev"])
                break
            except ConflictError:
                pass
store.close()
"""


def _work(store: Store, name: str, errors: list[BaseException]) -> None:
    try:
        for i in range(INSERTS):
            doc_id = store.insert("items", {"worker": name, "i": i, "status": "open"})
            store.update("items", doc_id, {"status": "done"}, by=name, at="2026-01-01T00:00:00")
            if i < INCREMENTS:
                while True:
                    counter = store.get("counters", 1)
                    try:
                        store.update(
                            "counters",
                            1,
                            {"n": counter["n"] + 1},
                            by=name,
                            at="2026-01-01T00:00:00",
                            expected_rev=counter["rev"],
                        )
                        break
                    except ConflictError:
                        pass
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def _check(store: Store, workers: list[str]) -> None:
    items = store.all("items")
    assert len(items) == len(workers) * INSERTS
    assert len({d["id"] for d in items}) == len(items)
    for name in workers:
        mine = sorted(d["i"] for d in items if d["worker"] == name)
        assert mine == list(range(INSERTS)), name
    assert store.count("items", status="done") == len(items)
    assert store.get("counters", 1)["n"] == len(workers) * INCREMENTS


def test_threads_and_processes_together(tmp_path: Path) -> None:
    store = Store(tmp_path, compact_min_bytes=16384)  # small: compactions happen mid-run
    store.insert("counters", {"n": 0})
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(tmp_path),
                f"proc{n}",
                str(INSERTS),
                str(INCREMENTS),
            ],
            stderr=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        for n in range(2)
    ]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_work, args=(store, f"thread{n}", errors)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    assert not errors, errors
    workers = [f"thread{n}" for n in range(8)] + ["proc0", "proc1"]
    _check(store, workers)  # the long-lived instance caught up with both processes
    store.close()

    with Store(tmp_path) as fresh:  # and a fresh open reads the same from disk
        _check(fresh, workers)
    snapshot = json.loads((tmp_path / "snapshot.json").read_text(encoding="utf-8"))
    assert snapshot["generation"] > 0  # compaction ran while others were writing
    [journal] = list(tmp_path.glob("journal-*.jsonl"))
    for raw in journal.read_bytes().splitlines():
        assert decode_line(raw) is not None


NUMBERING_WORKER = r"""
import sys
from runtime.store.embedded.store import Store
from runtime.store.records import create_record

store = Store(sys.argv[1])
for i in range(int(sys.argv[2])):
    create_record(store, form_id="complaint", form_version="1", ruleset_hash="h", property="P1",
                  created_by="proc", data={"i": i}, number_prefix="TS", at="2026-04-01T08:00:00")
store.close()
"""


def test_record_numbers_stay_unique_and_gapless_under_contention(tmp_path: Path) -> None:
    per_worker = 25
    proc = subprocess.Popen(
        [sys.executable, "-c", NUMBERING_WORKER, str(tmp_path), str(per_worker)],
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    store = Store(tmp_path)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for i in range(per_worker):
                create_record(
                    store,
                    form_id="complaint",
                    form_version="1",
                    ruleset_hash="h",
                    property="P1",
                    created_by=name,
                    data={"i": i},
                    number_prefix="TS",
                    at="2026-04-01T08:00:00",
                )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert not errors, errors
    numbers = sorted(r.number for r in list_records(store))
    assert numbers == [f"TS-2026-{n:06d}" for n in range(1, 5 * per_worker + 1)]
    store.close()
