"""`handbook worker`: tick clocks, create schedule tasks and deliver notifications."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType


def register(sub: argparse._SubParsersAction) -> None:
    """Add `worker`."""
    p = sub.add_parser("worker", help="background worker: clocks, schedules, notifications")
    p.add_argument("--once", action="store_true", help="one tick, then exit (for cron)")
    p.add_argument("--every", type=float, default=60.0, metavar="SECONDS",
                   help="seconds between ticks (default 60)")
    p.add_argument("--data", type=Path, default=None,
                   help="data directory (default $HANDBOOK_DATA or data/)")
    p.add_argument("--at", default=None, metavar="ISO",
                   help="with --once: tick as if it were this local time (dry runs, tests)")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="with --once: wait this long for the lease another worker holds")
    p.add_argument("--claim-ttl", type=float, default=120.0, metavar="SECONDS",
                   help="how long a delivery claim lasts before another attempt may retake it")
    p.add_argument("--lease-ttl", type=float, default=None, metavar="SECONDS",
                   help="how long the lease lasts unless renewed, i.e. how soon another "
                        "worker takes over from one that died (default max(60, 3 x --every))")
    p.add_argument("--holder", default=None,
                   help="name on the lease (default host:pid); a restarted worker with the "
                        "same name resumes at once instead of waiting for the lease to expire")
    p.add_argument("--trace", action="store_true",
                   help="print each delivery step (used by the crash tests)")
    p.add_argument("--json", action="store_true", help="print each tick as one JSON line")
    p.set_defaults(func=_run)


def _print(res: object, as_json: bool) -> None:
    from dataclasses import asdict

    if res is None:
        print("another worker holds the lease; waiting", flush=True)
        return
    d = asdict(res)  # type: ignore[call-overload]
    if as_json:
        print(json.dumps(d, ensure_ascii=False), flush=True)
    else:
        print(f"tick {d['now']}: {d['cases']} case(s){' (full)' if d['full'] else ''}, "
              f"{d['events']} event(s), {d['schedule_tasks']} schedule task(s), "
              f"{d['queued']} queued, {d['sent']} sent, {d['retried']} retry, "
              f"{d['failed']} failed, {d['ms']} ms", flush=True)
        for e in d["errors"]:
            print(f"  ! {e}", flush=True)


def _run(args: argparse.Namespace) -> int:
    from runtime.engine.state import local
    from runtime.store.backends import open_configured
    from runtime.worker import live
    from runtime.worker.worker import Worker

    if args.every <= 0:
        print("--every must be positive", file=sys.stderr)
        return 2
    if args.lease_ttl is not None and args.lease_ttl <= 0:
        print("--lease-ttl must be positive", file=sys.stderr)
        return 2
    if args.claim_ttl < 0:
        print("--claim-ttl must not be negative", file=sys.stderr)
        return 2
    at = None
    if args.at:
        try:
            at = local(datetime.fromisoformat(args.at))
        except ValueError:
            print(f"--at: not an ISO date-time: {args.at!r}", file=sys.stderr)
            return 2
    data = args.data or live.data_dir()
    data.mkdir(parents=True, exist_ok=True)
    store = open_configured(data)  # PostgreSQL when HANDBOOK_DATABASE_URL is set (issue 14)
    rules = live.LiveRules(data)
    trace = (lambda s: print(f"trace {s}", flush=True)) if args.trace else None
    worker = Worker(live.engine(store, rules), store, data=data, holder=args.holder,
                    every=args.every, claim_ttl=timedelta(seconds=args.claim_ttl), trace=trace,
                    lease_ttl=timedelta(seconds=args.lease_ttl) if args.lease_ttl else None)
    try:
        if args.once:
            deadline = time.monotonic() + max(0.0, args.wait)
            while True:
                res = worker.run_once(at)
                if res is not None or time.monotonic() >= deadline:
                    break
                time.sleep(0.2)
            _print(res, args.json)
            worker.lease.release()
            return 0
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()  # the current tick finishes; then the lease is released

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        print(f"worker {worker.holder}: ticking every {args.every:g} s on {data}", flush=True)
        worker.run(stop, on_tick=lambda r: _print(r, args.json))
        print("worker stopped", flush=True)
        return 0
    finally:
        store.close()
