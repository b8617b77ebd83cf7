"""`handbook bench store|clocks|import`: measurements printed as one JSON line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `bench` with its `store` and `clocks` sub-commands."""
    p = sub.add_parser("bench", help="measure store and clock speed")
    bsub = p.add_subparsers(dest="bench_command", required=True)

    ps = bsub.add_parser("store", help="insert/query speed of the record store vs SQLite")
    ps.add_argument("--records", type=int, default=10_000)
    ps.add_argument("--json", action="store_true", help="print one JSON line")
    ps.set_defaults(func=_store)

    pc = bsub.add_parser("clocks", help="time to evaluate every clock of N open cases")
    pc.add_argument("--cases", type=int, default=10_000)
    pc.add_argument("--json", action="store_true", help="print one JSON line")
    pc.set_defaults(func=_clocks)
    _register_postgres(bsub)

    pk = bsub.add_parser("compaction", help="embedded store at N documents: open time, RSS per "
                         "document, longest read/write stall during a forced compaction")
    pk.add_argument("--docs", type=int, default=300_000)
    pk.add_argument("--json", action="store_true", help="print one JSON line")
    pk.set_defaults(func=_compaction)

    pv = bsub.add_parser("volume", help="pages, open time, RSS and compaction stall with "
                         "SCALE/2 years of one busy property (scale 10 = five years)")
    pv.add_argument("--scale", type=int, choices=(1, 10, 100), default=10)
    pv.add_argument("--runs", type=int, default=15, help="reruns per page (median)")
    pv.add_argument("--backend", choices=("embedded", "postgresql"), default="embedded",
                    help="postgresql: the same history amid --properties × SCALE/2 years of "
                    "synthetic volume on a throwaway cluster (or --url), pages timed on both")
    pv.add_argument("--properties", type=int, default=50,
                    help="postgresql: synthetic properties beside the demo property")
    pv.add_argument("--url", help="postgresql: an empty database (default: a throwaway cluster)")
    pv.add_argument("--cache", type=Path, default=None,
                    help="keep built histories in DIR and reuse one whose scale, seed, end day "
                    "and hash of generator, engine and rules match (default: always build)")
    pv.add_argument("--json", action="store_true", help="print one JSON line")
    pv.set_defaults(func=_volume)

    pw = bsub.add_parser("worker", help="one worker tick of N open cases across three properties")
    pw.add_argument("--cases", type=int, default=10_000)
    pw.add_argument("--json", action="store_true", help="print one JSON line")
    pw.set_defaults(func=_worker)
    pi = bsub.add_parser("import", help="import accuracy on the handbook corpus "
                         "(benchmarks/import_corpus): exact fragments, characters accounted")
    pi.add_argument("--corpus", help="corpus directory with manifest.yaml")
    pi.add_argument("--check", action="store_true",
                    help="also run `handbook check` on each fragment's drafts (slower)")
    pi.add_argument("--json", action="store_true", help="print one JSON object")
    pi.set_defaults(func=_import)


def _register_postgres(bsub: argparse._SubParsersAction) -> None:
    # issue 14: the PostgreSQL backend's volume benchmark (runtime/store/postgres/bench.py)
    pp = bsub.add_parser("postgres", help="PostgreSQL backend: volume, pages, throughput")
    pp.add_argument("--properties", type=int, default=50)
    pp.add_argument("--years", type=int, default=5)
    pp.add_argument("--url", help="an empty database (default: a throwaway cluster)")
    pp.add_argument("--processes", type=int, default=4)
    pp.add_argument("--sessions", type=int, default=10)
    pp.add_argument("--seconds", type=float, default=10.0)
    pp.add_argument("--demo", type=Path, default=None,
                    help="a `handbook demo-data` directory: copied in first, then the app's "
                    "pages are timed with AppTest on its property amid the volume")
    pp.add_argument("--app-runs", type=int, default=15, help="AppTest reruns per page")
    pp.add_argument("--json", action="store_true", help="print one JSON line")
    pp.set_defaults(func=_postgres)


def _postgres(args: argparse.Namespace) -> int:
    from runtime.store.postgres.bench import run as run_pg_bench

    return _emit(run_pg_bench(args.properties, args.years, url=args.url,
                              procs=args.processes, sessions=args.sessions,
                              seconds=args.seconds, demo=args.demo,
                              app_runs=args.app_runs), args.json)


def _emit(result: dict[str, object], as_json: bool) -> int:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    return 0


def _store(args: argparse.Namespace) -> int:
    from runtime.store.bench import run as run_store_bench

    return _emit(run_store_bench(args.records), args.json)


def _compaction(args: argparse.Namespace) -> int:
    from runtime.store.bench_compaction import run as run_compaction_bench

    return _emit(run_compaction_bench(args.docs), args.json)


def _volume(args: argparse.Namespace) -> int:
    from runtime.ui.bench_volume import run as run_volume_bench
    from runtime.ui.bench_volume import run_postgresql

    # The history is built by `handbook demo-data` in a child process, whose progress bar
    # goes to this process's stderr.
    if args.backend == "postgresql":
        return _emit(run_postgresql(args.scale, properties=args.properties, url=args.url,
                                    runs=args.runs, cache=args.cache), args.json)
    return _emit(run_volume_bench(args.scale, runs=args.runs, cache=args.cache), args.json)


def _clocks(args: argparse.Namespace) -> int:
    from runtime.engine.bench import run as run_clock_bench

    return _emit(run_clock_bench(args.cases), args.json)


def _worker(args: argparse.Namespace) -> int:
    from runtime.worker.bench import run as run_worker_bench

    return _emit(run_worker_bench(args.cases), args.json)
def _import(args: argparse.Namespace) -> int:
    """Per-fragment exact-or-not and corpus totals; exit 1 when the goal is not met."""
    from runtime.importer.bench import CORPUS, run

    result = run(args.corpus or CORPUS, check=args.check)
    totals = result["totals"]
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for row in result["fragments"]:
            mark = "exact" if row["exact"] else "NOT exact"
            print(f"{row['file']:<36} {mark:<9} roles {row['roles']} procedures "
                  f"{row['procedures']} chars {row['placed_or_reported']}/{row['chars']}")
            for diff in row["differences"]:
                print(f"    {diff}")
            for err in row.get("check_errors", []):
                print(f"    check: {err}")
        print(f"exact {totals['exact']}/{totals['fragments']} ({totals['exact_share']:.0%}, "
              f"goal {totals['goal_exact']:.0%}); characters placed or reported "
              f"{totals['placed_or_reported']}/{totals['chars']} "
              f"({totals['accounted_share']:.2%}, goal 100%)")
    return 0 if totals["goal_met"] else 1
