"""Case clocks: evaluate every clock of 10,000 open complaint cases at one moment.

Compared with a baseline measured in the same run: a plain loop computing each case's
wall-clock deadline (start + 24 h) and comparing it with now. Also times the same cases on
the Zhongxing view (more clocks per case, from its overlay) and a working-time variant.
Run: `.venv/bin/python benchmarks/bench_clocks.py [--cases N] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.engine.bench import run


def main(argv: Sequence[str] | None = None) -> int:
    """Print the clock benchmark (one JSON line per view with --json)."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    for prop in (None, "zhongxing-apartments"):
        try:
            r = run(args.cases, property=prop)
        except Exception as exc:  # a property missing from the rules: report, keep going
            print(f"{prop}: skipped ({exc})")
            continue
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
        else:
            print(f"{prop or 'company'}: {r['cases']} cases, {r['clocks']} clocks in "
                  f"{r['ms']} ms ({r['us_per_case']} µs/case); baseline plain deadline loop "
                  f"{r['baseline_ms']} ms; ratio {r['ratio']}x; {r['breached']} breached")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
