"""Record store vs SQLite (WAL, synchronous=FULL) at 1k, 10k and 100k records.

Both are measured in the same run on the same documents (see runtime/store/bench.py):
the durable single-record insert and the dashboard query "open records of a role due
before T". Goal (issue 4): insert_ratio <= 2 and query_ratio <= 1 at 100,000 records.
Run: `.venv/bin/python benchmarks/bench_store.py [--records N ...] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.store.bench import run


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line (or JSON line) per size; exit 1 if the 100k goal is missed."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    missed = False
    for n in args.records:
        r = run(n)
        if n >= 100_000:
            missed |= r["insert_ratio"] > 2 or r["query_ratio"] > 1
        if args.json:
            print(json.dumps(r, ensure_ascii=False), flush=True)
            continue
        print(
            f"{n:>7} records: insert {r['insert_ms']} ms vs SQLite {r['sqlite_insert_ms']} ms "
            f"(ratio {r['insert_ratio']}x); dashboard query {r['query_ms']} ms vs SQLite "
            f"json_extract {r['sqlite_query_ms']} ms (ratio {r['query_ratio']}x, "
            f"{r['query_rows']} rows)",
            flush=True,
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
