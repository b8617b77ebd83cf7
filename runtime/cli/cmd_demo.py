"""`handbook demo-data`: years of realistic history for one property (runtime/engine/demo.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `demo-data`."""
    p = sub.add_parser(
        "demo-data",
        help="build years of cases, records and tasks for a property through the engine",
        description="Start and work cases step by step on their historical dates, with "
        "records, tasks, clocks and call-backs, as the app would have (mix: docs/DEMO_DATA.md). "
        "Writes to DATA/store, or to HANDBOOK_DATABASE_URL when set.")
    p.add_argument("--years", type=float, default=1.0, help="years of history (default 1)")
    p.add_argument("--property", required=True, help="property id, e.g. zhongxing-apartments")
    p.add_argument("--data", type=Path, required=True, help="data directory (store in DATA/store)")
    p.add_argument("--end", type=date.fromisoformat, default=None,
                   help="last day of the history, YYYY-MM-DD (default: yesterday)")
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    p.add_argument("--rules", type=Path, default=None,
                   help="rules directory (default: the version live in DATA, as the app uses)")
    p.add_argument("--forms", type=Path, default=None, help="forms directory")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from runtime.engine.demo import generate, progress_bar
    from runtime.store.backends import open_configured
    from runtime.versions import current_tree

    rules, forms = args.rules, args.forms
    if rules is None:
        # The rules the app will run on this data (the shipped rules become version 1), so
        # every case is pinned to a version the app can find.
        rules, live_forms, _number = current_tree(args.data)
        forms = forms or live_forms
    store = open_configured(args.data)
    t0 = time.perf_counter()
    try:
        report = generate(store, args.property, years=args.years, end=args.end, seed=args.seed,
                          rules=rules, forms=forms, progress=progress_bar(sys.stderr))
    finally:
        store.close()
    summary = {**report.as_dict(), "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"{summary['property']} {summary['start']} … {summary['end']}: "
              f"{summary['cases']} cases ({summary['open_cases']} open, {summary['late']} late), "
              f"{summary['steps']} steps, {summary['records']} records "
              f"in {summary['seconds']} s")
        for pid, n in summary["by_procedure"].items():
            print(f"  {pid}: {n}")
    return 0
