"""Embedded store at volume: open time, memory per document, and the stall compaction causes.

`run(N)` fills a store with N documents shaped like the bench's tasks (runtime/store/bench.py),
compacts it, then measures, all in the same run:
- open time of those N documents in a fresh process, and the first indexed query apart (the
  open documents of one table, each returned as a dict: `first_query_found` of them);
- memory: the fresh process's VmRSS growth per document, counted over every table —
  `rss_open_bytes_per_doc` right after the open, `rss_query_bytes_per_doc` after the first
  query too (its results already dropped), `rss_bytes_per_doc` once the open's background
  work is done (large documents held deflated, `settle_s` after the query); the heap is
  trimmed before the first reading, as the open trims it after loading;
- `gc_full_ms`: one full collection of the cyclic garbage collector after that, the pause
  every thread would see whenever Python runs one;
- the stall: a probe thread writes one document (durable) and reads one, over and over,
  first with nothing else going on (the baseline: median and longest) and then while another
  thread forces a compaction; the longest read and write during the compaction is the stall
  (issue 13 goal: <= 50 ms at 300k documents).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from runtime.store.bench import _docs
from runtime.store.embedded.store import Store

_OPEN = r"""
import gc, json, sys, time
from runtime.store.embedded.indexes import trim_heap
from runtime.store.embedded.store import Store

def rss_kb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

gc.collect()
trim_heap()  # the open trims the heap too: start from a trimmed one, or it is credited
before = rss_kb()
t0 = time.perf_counter()
store = Store(sys.argv[1])
opened = time.perf_counter() - t0
after_open = rss_kb()
t1 = time.perf_counter()
found = len(store.find(sys.argv[2], status="open"))
first_query = time.perf_counter() - t1
after_query = rss_kb()
t3 = time.perf_counter()
store.settle()  # large documents deflated in the background after the open
settle = time.perf_counter() - t3
after_settle = rss_kb()
t2 = time.perf_counter()
gc.collect()
gc_full = time.perf_counter() - t2
docs = sum(store.count(t) for t in store.tables())
print(json.dumps({"open_s": opened, "first_query_s": first_query, "found": found,
                  "rss_open_kb": after_open - before, "rss_query_kb": after_query - before,
                  "rss_kb": after_settle - before, "settle_s": settle,
                  "gc_full_s": gc_full, "count": docs}))
"""


def _fill(path: Path, docs: int) -> None:
    store = Store(path)
    try:
        source = _docs(seed=docs)
        left = docs
        while left:
            batch = [next(source) for _ in range(min(5000, left))]
            left -= len(batch)
            store.insert_many("records", batch)  # one journal line + fsync per batch
    finally:
        store.close()


def _open_in_child(path: Path, table: str) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _OPEN, str(path), table], capture_output=True,
                         text=True, check=True, cwd=root)
    return dict(json.loads(out.stdout))


class _Probe:
    """Times one durable write and one read at a time until stopped."""

    def __init__(self, store: Store, table: str, doc_id: int) -> None:
        self.store, self.table, self.doc_id = store, table, doc_id
        self.writes: list[float] = []
        self.reads: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        """Probe until `stop` is set."""
        n = 0
        while not self.stop.is_set():
            n += 1
            t0 = time.perf_counter()
            self.store.insert("probe", {"n": n, "status": "open"})
            t1 = time.perf_counter()
            self.store.get(self.table, self.doc_id)
            t2 = time.perf_counter()
            self.writes.append((t1 - t0) * 1000)
            self.reads.append((t2 - t1) * 1000)


def _probe_while(store: Store, table: str, action: Any, seconds: float | None = None
                 ) -> dict[str, float]:
    probe = _Probe(store, table, store.all(table)[0]["id"] if store.count(table) else 0)
    thread = threading.Thread(target=probe.run, name="probe")
    thread.start()
    t0 = time.perf_counter()
    if action is None:
        time.sleep(seconds or 1.0)
    else:
        action()
    took = time.perf_counter() - t0
    probe.stop.set()
    thread.join()
    return {
        "seconds": round(took, 3),
        "writes": len(probe.writes),
        "write_median_ms": round(statistics.median(probe.writes), 3) if probe.writes else 0.0,
        "write_max_ms": round(max(probe.writes, default=0.0), 3),
        "read_median_ms": round(statistics.median(probe.reads), 3) if probe.reads else 0.0,
        "read_max_ms": round(max(probe.reads, default=0.0), 3),
    }


def measure_store(path: Path, table: str = "records") -> dict[str, Any]:
    """Open time, RSS per document and compaction stall of the store at `path` (it gets written).

    `table` is the one the probe reads and the first query asks for its open documents.
    """
    with Store(path) as store:
        store.compact()  # open a snapshot and a short journal, as after a quiet night
    opened = _open_in_child(path, table)
    snapshot_mb = (path / "snapshot.json").stat().st_size / 1e6
    store = Store(path)
    try:
        baseline = _probe_while(store, table, None, seconds=2.0)
        during = _probe_while(store, table, store.compact)
    finally:
        store.close()
    stall = max(during["write_max_ms"], during["read_max_ms"])
    return {
        "docs": opened["count"],
        "snapshot_mb": round(snapshot_mb, 1),
        "open_s": round(opened["open_s"], 3),
        "first_query_s": round(opened["first_query_s"], 3),
        "rss_bytes_per_doc": round(opened["rss_kb"] * 1024 / max(opened["count"], 1)),
        "rss_open_bytes_per_doc": round(opened["rss_open_kb"] * 1024 / max(opened["count"], 1)),
        "rss_query_bytes_per_doc": round(opened["rss_query_kb"] * 1024 / max(opened["count"], 1)),
        "settle_s": round(opened["settle_s"], 3),
        "first_query_found": opened["found"],
        "gc_full_ms": round(opened["gc_full_s"] * 1000, 1),
        "compaction_s": during["seconds"],
        "stall_ms": round(stall, 1),
        "probes_during_compaction": during["writes"],
        "baseline_write_median_ms": baseline["write_median_ms"],
        "baseline_write_max_ms": baseline["write_max_ms"],
        "baseline_read_max_ms": baseline["read_max_ms"],
        "stall_vs_baseline_write_max": round(stall / max(baseline["write_max_ms"], 1e-6), 2),
        "during": during,
    }


def run(docs: int) -> dict[str, Any]:
    """Fill a store with `docs` documents, then `measure_store` it."""
    if docs < 1:
        raise ValueError("docs must be at least 1")
    tmp = Path(tempfile.mkdtemp(prefix="handbook-bench-compaction-"))
    try:
        path = tmp / "store"
        t0 = time.perf_counter()
        _fill(path, docs)
        fill_s = time.perf_counter() - t0
        result = measure_store(path)
        if result["docs"] != docs:
            raise RuntimeError(f"opened {result['docs']} documents, wrote {docs}")
        return {"docs": docs, "fill_s": round(fill_s, 2), **result}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
