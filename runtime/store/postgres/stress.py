"""Reliability drivers for the PostgreSQL backend: many writers, and kill -9 mid-transaction.

Run as `python -m runtime.store.postgres.stress writers URL ...` or `... crash URL ...`; each
prints one JSON line. The supervisor never opens a connection itself and forks its workers,
so a trial costs a fork, not an interpreter start.

- writers: P processes x T threads each create R records of one form (numbers allocated in
  the record's transaction) and increment one shared counter document R times with
  compare-and-swap retries. Afterwards: exact record count, numbers 1..N without duplicate or
  gap, and the counter equals P*T*R (no lost update).
- crash: N trials; each forks a writer that creates records in transactions, printing "B n"
  inside the transaction (before COMMIT) and "A n" once create_record returned. The
  supervisor SIGKILLs it at the k-th B (mid-transaction) or the k-th A. Afterwards every
  acknowledged number is present and all numbers are unique and gapless.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
from typing import Any

FORM = "stress-form"
COUNTER = "stress_counter"


def _store(url: str) -> Any:
    from runtime.store.postgres.store import open_pg_store

    return open_pg_store(url, max_size=8)


def _create(store: Any, n_hint: str) -> str:
    from runtime.store.records import create_record

    rec = create_record(
        store, form_id=FORM, form_version="1", ruleset_hash="stress", property="p1",
        created_by=n_hint, data={"summary": "压力测试"}, number_prefix="ST",
        at="2026-06-01T09:00:00",
    )
    return rec.number


def _bump(store: Any, counter_id: int, who: str) -> int:
    """Increment the counter with CAS; returns how many conflicts were retried."""
    from runtime.errors import ConflictError

    retries = 0
    while True:
        doc = store.get(COUNTER, counter_id)
        try:
            store.update(COUNTER, counter_id, {"n": doc["n"] + 1}, by=who,
                         at="2026-06-01T09:00:00", expected_rev=doc["rev"])
            return retries
        except ConflictError:
            retries += 1


def _writer_process(url: str, threads: int, per_thread: int, counter_id: int, tag: str) -> None:
    store = _store(url)
    errors: list[str] = []
    conflicts = [0]

    def work(t: int) -> None:
        try:
            for _ in range(per_thread):
                _create(store, f"{tag}-{t}")
                conflicts[0] += _bump(store, counter_id, f"{tag}-{t}")
        except Exception as exc:  # reported to the supervisor, which fails the run
            errors.append(repr(exc))

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    store.close()
    print(json.dumps({"errors": errors, "conflicts": conflicts[0]}), flush=True)


def writers(url: str, procs: int, threads: int, per_thread: int) -> dict[str, Any]:
    """Run the many-writers check; returns its figures and verdict."""
    setup = _store(url)
    counter_id = setup.insert(COUNTER, {"n": 0})
    setup.close()
    children: list[tuple[int, int]] = []
    for p in range(procs):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(r)
            os.dup2(w, 1)
            code = 0
            try:
                _writer_process(url, threads, per_thread, counter_id, f"p{p}")
            except BaseException:
                code = 1
            os._exit(code)
        os.close(w)
        children.append((pid, r))
    reports: list[dict[str, Any]] = []
    for pid, r in children:
        with os.fdopen(r) as fh:
            text = fh.read()
        os.waitpid(pid, 0)
        reports.append(json.loads(text.strip().splitlines()[-1]) if text.strip() else
                       {"errors": ["no report"], "conflicts": 0})
    check = _store(url)
    from runtime.store.records import list_records

    numbers = sorted(int(r.number.rsplit("-", 1)[1]) for r in list_records(check, form_id=FORM))
    counter = check.get(COUNTER, counter_id)["n"]
    check.close()
    expected = procs * threads * per_thread
    return {
        "processes": procs,
        "threads": threads,
        "records_expected": expected,
        "records": len(numbers),
        "duplicates": len(numbers) - len(set(numbers)),
        "gapless": numbers == list(range(1, expected + 1)),
        "counter": counter,
        "counter_conflicts_retried": sum(r["conflicts"] for r in reports),
        "errors": [e for r in reports for e in r["errors"]],
        "ok": numbers == list(range(1, expected + 1)) and counter == expected
        and not any(r["errors"] for r in reports),
    }


def _crash_child(url: str, w: int) -> None:
    from runtime.store.records import create_record

    store = _store(url)
    out = os.fdopen(w, "w", buffering=1)
    n = 0
    while True:
        n += 1
        with store.transaction():
            rec = create_record(
                store, form_id=FORM, form_version="1", ruleset_hash="crash", property="p1",
                created_by="crash", data={"i": n}, number_prefix="ST", at="2026-06-01T09:00:00",
            )
            store.insert("crash_side", {"number": rec.number})
            out.write(f"B {rec.number}\n")
        out.write(f"A {rec.number}\n")


def crash(url: str, trials: int, seed: int = 14) -> dict[str, Any]:
    """Run kill -9 trials; returns figures and verdict."""
    rng = random.Random(seed)
    acked: set[str] = set()
    mid_tx = 0
    for _ in range(trials):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                _crash_child(url, w)
            finally:
                os._exit(1)
        os.close(w)
        k = rng.randint(1, 4)
        at_b = rng.random() < 0.7
        seen = 0
        with os.fdopen(r) as fh:
            for line in fh:
                kind, number = line.split()
                if kind == "A":
                    acked.add(number)
                if kind == ("B" if at_b else "A"):
                    seen += 1
                    if seen >= k:
                        os.kill(pid, signal.SIGKILL)
                        mid_tx += at_b
                        break
        os.waitpid(pid, 0)
    check = _store(url)
    from runtime.store.records import list_records

    numbers = [r.number for r in list_records(check, form_id=FORM)]
    side = {d["number"] for d in check.all("crash_side")}
    check.close()
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    return {
        "trials": trials,
        "killed_mid_transaction": mid_tx,
        "acknowledged": len(acked),
        "stored": len(numbers),
        "acknowledged_missing": sorted(acked - set(numbers)),
        "duplicates": len(seqs) - len(set(seqs)),
        "gapless": seqs == list(range(1, len(seqs) + 1)),
        "half_transactions": sorted(set(numbers) ^ side),  # record without its side row
        "ok": acked <= set(numbers) and seqs == list(range(1, len(seqs) + 1))
        and set(numbers) == side,
    }


def main(argv: list[str]) -> int:
    """`stress writers URL P T R` | `stress crash URL N`."""
    if len(argv) >= 2 and argv[0] == "writers":
        procs, threads, per = (int(x) for x in (argv[2:5] + ["4", "4", "25"][len(argv) - 2:]))
        result = writers(argv[1], procs, threads, per)
    elif len(argv) >= 2 and argv[0] == "crash":
        result = crash(argv[1], int(argv[2]) if len(argv) > 2 else 50)
    else:
        print(main.__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
