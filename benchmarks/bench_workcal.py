"""Working-calendar speed: 100k working-time `add()` calls and 10k clock evaluations.

Both are compared with a baseline measured in the same run: the same number of plain
`datetime + timedelta` additions. Run: `.venv/bin/python benchmarks/bench_workcal.py [--json]`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time as _time
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.compiler.timeexpr import Duration, parse_duration
from runtime.workcal import WorkCalendar

DURATIONS = [
    "15 working minutes",
    "30 working minutes",
    "4 working hours",
    "7.5 working hours",
    "1 working day",
    "2 working days",
    "5 working days",
]


def _starts(n: int, rng: random.Random) -> list[datetime]:
    # Spread over 2024-2026 (years with official China data) and all hours, weekends included.
    base = datetime(2024, 1, 1)
    span = int((datetime(2026, 10, 31) - base).total_seconds())
    return [base + timedelta(seconds=rng.randrange(span)) for _ in range(n)]


def run(n_add: int = 100_000, n_clocks: int = 10_000, seed: int = 7) -> dict[str, float]:
    """Measure and return timings in milliseconds plus ratios against the baseline."""
    rng = random.Random(seed)
    starts = _starts(n_add, rng)
    durations: list[Duration] = [parse_duration(t) for t in DURATIONS]
    picks = [durations[i % len(durations)] for i in range(n_add)]
    deltas = [timedelta(minutes=15 * (1 + i % 8)) for i in range(n_add)]

    t0 = _time.perf_counter()
    cal = WorkCalendar(working_hours=[(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))])
    for year in (2024, 2025, 2026):  # load the package data once, outside the timed loops
        cal.is_working_day(datetime(year, 6, 1))
    setup_ms = (_time.perf_counter() - t0) * 1000

    t0 = _time.perf_counter()
    base_out = [s + d for s, d in zip(starts, deltas, strict=True)]
    baseline_ms = (_time.perf_counter() - t0) * 1000

    t0 = _time.perf_counter()
    add = cal.add
    add_out = [add(s, d) for s, d in zip(starts, picks, strict=True)]
    add_ms = (_time.perf_counter() - t0) * 1000
    assert len(add_out) == len(base_out) == n_add

    # 10k open cases: each clock = working minutes elapsed since its start, minus one pause.
    now = datetime(2026, 11, 20, 10, 0)
    cases = []
    for s in starts[:n_clocks]:
        pause_start = s + timedelta(hours=rng.randrange(1, 48))
        cases.append((s, [(pause_start, pause_start + timedelta(hours=rng.randrange(1, 24)))]))
    t0 = _time.perf_counter()
    elapsed = cal.elapsed
    total = 0.0
    for s, pauses in cases:
        total += elapsed(s, now, True, pauses)
    clocks_ms = (_time.perf_counter() - t0) * 1000
    t0 = _time.perf_counter()
    for s, _ in cases:
        _ = now - s
    clocks_base_ms = (_time.perf_counter() - t0) * 1000
    assert total > 0

    return {
        "setup_ms": round(setup_ms, 2),
        "adds": n_add,
        "add_ms": round(add_ms, 2),
        "baseline_ms": round(baseline_ms, 2),
        "add_ratio": round(add_ms / baseline_ms, 1),
        "clocks": n_clocks,
        "clocks_ms": round(clocks_ms, 2),
        "clocks_baseline_ms": round(clocks_base_ms, 2),
        "clocks_ratio": round(clocks_ms / clocks_base_ms, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the measurements as text or as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--adds", type=int, default=100_000)
    parser.add_argument("--clocks", type=int, default=10_000)
    args = parser.parse_args(argv)
    r = run(args.adds, args.clocks)
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"workcal: calendar setup (package data 2024-2026): {r['setup_ms']:.1f} ms")
    print(
        f"workcal: {r['adds']} working-time add(): {r['add_ms']:.1f} ms; baseline "
        f"{r['adds']} datetime+timedelta: {r['baseline_ms']:.1f} ms; ratio {r['add_ratio']}x"
    )
    print(
        f"workcal: {r['clocks']} clocks elapsed(working, 1 pause): {r['clocks_ms']:.1f} ms; "
        f"baseline {r['clocks']} datetime subtractions: {r['clocks_baseline_ms']:.2f} ms; "
        f"ratio {r['clocks_ratio']}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
