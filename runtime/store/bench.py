"""Store benchmark against SQLite, both measured in the same run on the same documents.

`run(N)` fills our store and an SQLite database (WAL, synchronous=FULL, one JSON column) to
N records, then measures, interleaved so machine noise hits both alike:
- the durable single-record insert at N (median of 200; one transaction + fsync each);
- the dashboard query "open records of a role due before T" at N (median of repeats):
  our indexed query vs SQLite's json_extract scan, both returning decoded documents.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from runtime.store.embedded.store import Store

_STATUSES = ("open", "open", "in_progress", "closed", "closed", "closed", "voided")
_ROLES = tuple(f"role-{i:02d}" for i in range(12))
_FORMS = ("complaint", "repair_request", "help_request", "call_back", "duty_log")
_START = datetime(2026, 1, 1, 8, 0)
_TEXT = "业主反映卫生间天花板渗水，已拍照记录，请工程部上门查看并回复处理结果。"


def _docs(seed: int) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    n = 0
    while True:
        n += 1
        due = _START + timedelta(minutes=rnd.randrange(0, 365 * 24 * 60))
        yield {
            "kind": "task",
            "form_id": rnd.choice(_FORMS),
            "property": f"P{rnd.randrange(1, 6)}",
            "status": rnd.choice(_STATUSES),
            "assignee_role": rnd.choice(_ROLES),
            "assignee_user": f"u{rnd.randrange(1, 80):03d}",
            "due_at": due.isoformat(timespec="seconds"),
            "created_at": (due - timedelta(hours=24)).isoformat(timespec="seconds"),
            "data": {"unit": f"{rnd.randrange(1, 20)}-{rnd.randrange(101, 3305)}", "text": _TEXT},
            "seq": n,
        }


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000.0


def run(records: int, *, inserts: int = 200, queries: int = 15) -> dict[str, Any]:
    """Measure insert and dashboard-query latency at `records` documents vs SQLite."""
    if records < 1:
        raise ValueError("records must be at least 1")
    tmp = Path(tempfile.mkdtemp(prefix="handbook-bench-"))
    store: Store | None = None
    conn: sqlite3.Connection | None = None
    try:
        store = Store(tmp / "store")
        conn = sqlite3.connect(tmp / "bench.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")

        source = _docs(seed=records)
        fill_t0 = time.perf_counter()
        chunk = 2000
        left = records
        while left:
            batch = [next(source) for _ in range(min(chunk, left))]
            left -= len(batch)
            store.insert_many("records", batch)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO records (doc) VALUES (?)",
                [(json.dumps({**d, "rev": 1}, ensure_ascii=False),) for d in batch],
            )
            conn.execute("COMMIT")
        store.compact()  # steady state: a snapshot plus a short journal
        fill_s = time.perf_counter() - fill_t0

        ours_ins: list[float] = []
        sql_ins: list[float] = []
        for _ in range(inserts):
            doc = next(source)
            text = json.dumps({**doc, "rev": 1}, ensure_ascii=False)
            ours_ins.append(_timed(lambda d=doc: store.insert("records", d)))  # type: ignore[misc]

            def sql_insert(t: str = text) -> None:
                assert conn is not None
                conn.execute("BEGIN")
                conn.execute("INSERT INTO records (doc) VALUES (?)", (t,))
                conn.execute("COMMIT")

            sql_ins.append(_timed(sql_insert))

        role, before = _ROLES[3], (_START + timedelta(days=120)).isoformat(timespec="seconds")
        sql = (
            "SELECT id, doc FROM records WHERE json_extract(doc, '$.status') = ? "
            "AND json_extract(doc, '$.assignee_role') = ? AND json_extract(doc, '$.due_at') < ?"
        )
        found: dict[str, int] = {}

        def ours_query() -> None:
            assert store is not None
            found["ours"] = len(
                store.find("records", status="open", assignee_role=role, due_before=before)
            )

        def sql_query() -> None:
            assert conn is not None
            rows = conn.execute(sql, ("open", role, before)).fetchall()
            found["sqlite"] = len([{"id": i, **json.loads(d)} for i, d in rows])

        ours_q: list[float] = []
        sql_q: list[float] = []
        for _ in range(queries):
            ours_q.append(_timed(ours_query))
            sql_q.append(_timed(sql_query))
        if found["ours"] != found["sqlite"]:
            raise RuntimeError(f"query results differ: {found}")

        insert_ms, sqlite_insert_ms = statistics.median(ours_ins), statistics.median(sql_ins)
        query_ms, sqlite_query_ms = statistics.median(ours_q), statistics.median(sql_q)
        return {
            "records": records,
            "insert_ms": round(insert_ms, 4),
            "sqlite_insert_ms": round(sqlite_insert_ms, 4),
            "insert_ratio": round(insert_ms / sqlite_insert_ms, 3),
            "insert_p95_ms": round(sorted(ours_ins)[int(len(ours_ins) * 0.95) - 1], 4),
            "sqlite_insert_p95_ms": round(sorted(sql_ins)[int(len(sql_ins) * 0.95) - 1], 4),
            "query_ms": round(query_ms, 4),
            "sqlite_query_ms": round(sqlite_query_ms, 4),
            "query_ratio": round(query_ms / sqlite_query_ms, 3),
            "query_rows": found["ours"],
            "fill_s": round(fill_s, 2),
        }
    finally:
        if store is not None:
            store.close()
        if conn is not None:
            conn.close()
        shutil.rmtree(tmp, ignore_errors=True)
