"""`handbook bench worker`: one worker tick over N open cases across three properties.

Builds N synthetic open complaint cases (random walks, `runtime.engine.bench`) spread over
the three shipped properties, in an in-memory store with the same read path as the file
store, and lets a first full tick fire what is already overdue and index every case's next
check. Then it times one worker tick a minute later — the due index decides which cases are
decoded and ticked — and, as the baseline in the same run, the same tick without the index
(every open case decoded and every clock evaluated: what `Engine.tick` did before).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from runtime.compiler import model as m
from runtime.engine.bench import PROCEDURE, _handbook, synthetic_cases
from runtime.engine.service import Engine
from runtime.engine.store_repo import CASES, StoreRepository
from runtime.notify import deliver as delivery
from runtime.store import open_memory_store
from runtime.worker.worker import Worker

PROPERTIES = ("taoyuan-village", "zhongxing-apartments", "lihu-camphor-garden")


def run(cases: int) -> dict[str, Any]:
    """Time one indexed tick and one full tick of `cases` open cases; counts and ms."""
    cases = max(3, int(cases))
    views: dict[str | None, m.Handbook] = {None: _handbook(None)}
    for pid in PROPERTIES:
        views[pid] = _handbook(pid)
    now = datetime(2026, 6, 17, 10, 0)
    store = open_memory_store()
    docs = []
    per = cases // len(PROPERTIES)
    for k, pid in enumerate(PROPERTIES):
        hb = views[pid]
        proc = hb.procedures[PROCEDURE]
        n = per if k < len(PROPERTIES) - 1 else cases - per * (len(PROPERTIES) - 1)
        for c in synthetic_cases(proc, n, now, seed=7 + k):
            c.property, c.ruleset_hash = pid, hb.content_hash
            d = c.to_dict()
            d.pop("id")
            d.pop("rev")
            docs.append(d)
    store.insert_many(CASES, docs)

    def handbook_for(pid: str | None) -> m.Handbook:
        return views.get(pid) or views[None]

    engine = Engine(StoreRepository(store), handbook_for)
    worker = Worker(engine, store, holder="bench")
    t0 = time.perf_counter()
    first = worker.tick(now)  # fires the backlog, indexes next checks, plans schedules
    sweep_ms = (time.perf_counter() - t0) * 1000

    drained = 0
    while True:  # deliver the backlog's notifications, so the ticks below time the tick
        stats = delivery.deliver(store, now, holder="bench", limit=5000)
        if not stats.sent + stats.failed + stats.retried:
            break
        drained += stats.sent + stats.failed + stats.retried

    # Ten minutes later (a worker catching up after a pause): the cases whose warning or
    # deadline fell in those minutes are due.
    at = now + timedelta(minutes=10)
    worker._last_sweep = now  # the next tick is a due-index tick
    t0 = time.perf_counter()
    indexed = worker.tick(at)
    ms = (time.perf_counter() - t0) * 1000

    worker._last_sweep = None  # the baseline: a full tick of every open case
    t0 = time.perf_counter()
    full = worker.tick(at + timedelta(minutes=1))
    base_ms = (time.perf_counter() - t0) * 1000
    store.close()
    return {
        "cases": cases,
        "properties": len(PROPERTIES),
        "ms": round(ms, 1),
        "ticked": indexed.cases,
        "events": indexed.events,
        "delivered": indexed.sent + indexed.failed,
        "baseline_ms": round(base_ms, 1),
        "baseline_ticked": full.cases,
        "ratio": round(base_ms / ms, 1) if ms > 0 else None,
        "first_sweep_ms": round(sweep_ms, 1),
        "first_sweep_events": first.events,
        "first_sweep_notifications": drained + first.sent + first.failed,
        "store": "memory",
        "procedure": PROCEDURE,
    }
