"""Embedded store at volume: compaction stall, open time and memory per document (issue 13).

Measured in one run (see runtime/store/bench_compaction.py): the longest durable write and
read of a probe thread while a compaction is forced, against the same probe's longest and
median with nothing else going on; open time of the documents in a fresh process (first
indexed query apart); VmRSS growth per document.
Goals: stall <= 50 ms at 300k documents; open 100k <= 1 s; RSS <= 1 KB per record at 300k.
Run: `.venv/bin/python benchmarks/bench_compaction.py [--docs N ...] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.store.bench_compaction import run


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line (or JSON line) per size; exit 1 if the stall goal is missed at 300k."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--docs", type=int, nargs="+", default=[100_000, 300_000])
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    missed = False
    for n in args.docs:
        r = run(n)
        if n >= 300_000:
            missed |= r["stall_ms"] > 50
        if args.json:
            print(json.dumps(r, ensure_ascii=False), flush=True)
            continue
        print(
            f"{n:>7} docs ({r['snapshot_mb']} MB): compaction {r['compaction_s']} s, longest "
            f"stall {r['stall_ms']} ms (baseline longest write {r['baseline_write_max_ms']} ms, "
            f"median {r['baseline_write_median_ms']} ms; ratio {r['stall_vs_baseline_write_max']}"
            f"x); open {r['open_s']} s + first query {r['first_query_s']} s "
            f"({r['first_query_found']} documents returned); RSS {r['rss_open_bytes_per_doc']} "
            f"B/doc after the open, {r['rss_query_bytes_per_doc']} after the first query, "
            f"{r['rss_bytes_per_doc']} settled (goals: "
            f"open <= 1 s at 100k, RSS <= 1 KB at 300k); a full gc pass {r['gc_full_ms']} ms",
            flush=True,
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
