"""`handbook bench clocks`: time to evaluate every clock of N open cases.

Builds N synthetic open cases of the shipped complaint procedure (random walks along its
transitions, a few minutes to a day per step, some sitting in pause steps), then times
`clocks.evaluate` over all of them at one moment. The baseline, measured in the same run, is
a plain loop computing each case's wall-clock deadline (start + limit) and comparing it with
now, i.e. the least any clock evaluation must do.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.engine import calendar as engcal
from runtime.engine.clocks import evaluate
from runtime.engine.state import Case, Visit
from runtime.errors import HandbookError

PROCEDURE = "complaint-handling"


def _handbook(property: str | None) -> m.Handbook:
    try:
        return load(property=property)
    except HandbookError:
        # Benchmarks measure speed: rules mid-edit elsewhere in the tree must not stop them.
        return load(property=property, strict=False)


def synthetic_cases(proc: m.Procedure, n: int, now: datetime, seed: int = 7) -> list[Case]:
    """N open cases at random points of `proc`, started within the 3 days before `now`."""
    rng = random.Random(seed)
    steps = {s.id: s for s in proc.steps}
    out = []
    for i in range(n):
        at = now - timedelta(minutes=rng.randint(10, 3 * 1440))
        visits: list[Visit] = []
        sid = proc.start
        for _ in range(rng.randint(1, 6)):
            step = steps[sid]
            visits.append(Visit(sid, at, step.roles[0] if step.roles else None))
            nxt = [t.to for t in step.next]
            if step.terminal or not nxt:
                break
            leave = at + timedelta(minutes=rng.randint(5, 600))
            if leave >= now:
                break
            visits[-1].left_at, visits[-1].left_by = leave, "complete"
            sid, at = rng.choice(nxt), leave
        last = visits[-1]
        out.append(Case(
            id=f"b{i}", number=f"B-{i:05d}", procedure_id=proc.id,
            procedure_version=proc.meta.version, ruleset_hash="bench", property=None,
            created_at=visits[0].entered_at, updated_at=last.entered_at, step=last.step,
            role=last.role, data={"collective": rng.random() < 0.1, "serious": False},
            visits=visits))
    return out


def run(cases: int, property: str | None = None) -> dict[str, Any]:
    """Evaluate every clock of `cases` open cases; returns counts and timings (ms)."""
    cases = max(1, int(cases))
    hb = _handbook(property)
    proc = hb.procedures[PROCEDURE]
    cal = engcal.for_handbook(hb)
    now = datetime(2026, 6, 17, 10, 0)
    built = synthetic_cases(proc, cases, now)
    # The baseline needs a fixed limit: the first clock measured by a duration.
    within = next((c.within for c in proc.clocks if c.within is not None), None)
    if within is None:
        raise ValueError(f"{proc.id} has no duration clock to measure against")
    cal.add(now, within)  # warm the calendar's year caches outside the timing

    t0 = time.perf_counter()
    states = [s for c in built for s in evaluate(proc, c, cal, now)]
    ms = (time.perf_counter() - t0) * 1000

    limit = within.to_timedelta() if not within.working else timedelta(hours=24)
    t0 = time.perf_counter()
    late = sum(1 for c in built if c.visits[0].entered_at + limit < now)
    base_ms = (time.perf_counter() - t0) * 1000

    return {
        "cases": cases,
        "clocks": len(states),
        "ms": round(ms, 1),
        "us_per_case": round(ms * 1000 / cases, 1),
        "baseline_ms": round(base_ms, 2),
        "ratio": round(ms / base_ms, 1) if base_ms > 0 else None,
        "breached": sum(s.breached for s in states),
        "baseline_late": late,
        "procedure": f"{proc.id} v{proc.meta.version}",
        "property": property,
    }
