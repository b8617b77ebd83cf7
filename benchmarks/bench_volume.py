"""Five years of a busy property: pages, open time, RSS and compaction stall by history size.

Runs `handbook bench volume --scale S --json` once per scale, each in its own process (see
runtime/ui/bench_volume.py): AppTest median reruns of 我的待办, the case page, 查询记录 and the
dashboard against an empty-script baseline of the same run, the store's open time and RSS per
document, the longest read/write stall during a forced compaction, 10 sessions rerunning
我的待办 together against one alone, the same data in SQLite.
Goals (issue 13): each page <= 150 ms median at scale 10; stall <= 50 ms; 100x the history
costs <= 2x the page time (open work is the same at every scale); 10 sessions together reach
at least the throughput of one alone.
Run: `.venv/bin/python benchmarks/bench_volume.py [--scales 1 10 100] [--cache DIR] [--json]`
(--cache keeps each built history and reuses it while generator, engine and rules are unchanged).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("tasks", "case", "search", "dashboard")


def main(argv: Sequence[str] | None = None) -> int:
    """Print a line (or JSON line) per scale; exit 1 if a scale-10 goal is missed."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--cache", default=None,
                   help="reuse histories kept here (handbook bench volume --cache)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    missed = False
    results = []
    for scale in args.scales:
        out = subprocess.run(
            [sys.executable, "-m", "runtime.cli", "bench", "volume", "--scale", str(scale),
             "--runs", str(args.runs), "--json",
             *(["--cache", args.cache] if args.cache else [])],
            cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            print(f"scale {scale} failed: {out.stderr.strip()[-2000:]}", flush=True)
            missed = True
            continue
        r = json.loads(out.stdout.splitlines()[-1])
        results.append(r)
        if scale == 10:
            missed |= not (r["pages_within_goal"] and r["stall_within_goal"]
                           and r["sessions_within_goal"])
        if args.json:
            print(json.dumps(r, ensure_ascii=False), flush=True)
            continue
        pages = ", ".join(f"{page} {r[page + '_ms']} ms ({r[page + '_ratio']}x)" for page in PAGES)
        print(f"scale {scale}: {r['cases']} cases, {r['records']} records, {r['docs']} docs "
              f"({r['snapshot_mb']} MB, built in {r['build_s']} s); baseline {r['baseline_ms']} ms;"
              f" {pages}; open {r['open_s']} s, RSS {r['rss_open_bytes_per_doc']} B/doc after "
              f"it, {r['rss_query_bytes_per_doc']} after a first query, "
              f"{r['rss_bytes_per_doc']} settled; compaction "
              f"stall {r['stall_ms']} ms (baseline longest write {r['baseline_write_max_ms']} ms);"
              f" {r['sessions']} sessions together {r['sessions_throughput_ratio']}x the "
              f"throughput of one alone (p50/p95 {r['together_p50_ms']}/{r['together_p95_ms']} "
              f"ms, alone {r['alone_p50_ms']}/{r['alone_p95_ms']} ms);"
              f" SQLite open+query {r['sqlite_open_query_s']} s", flush=True)
    if len(results) > 1 and not args.json:
        small, big = results[0], results[-1]
        growth = ", ".join(f"{page} {big[page + '_ms'] / small[page + '_ms']:.2f}x"
                           for page in PAGES)
        print(f"scale {big['scale']} vs {small['scale']} (goal <= 2x at 100x): {growth}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
