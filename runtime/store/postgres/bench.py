"""`handbook bench postgres`: volume, page-query latency, throughput and durable inserts.

Everything runs in one go on a throwaway cluster started with fsync on (or on --url), so the
ratios printed compare figures measured in the same run:

- volume: N properties x Y years of cases, records and tasks in the shapes the engine and
  the record store write (runtime/store/pages.py), loaded through the `db copy` path
  (COPY, derived page columns included): 400 cases per property-year, 10 records and 3
  tasks per case, the last 30 days' cases still open.
- pages: median and p95 of each page query (我的待办, case search by text, record search
  by text, dashboard counts, monthly report) against the baseline of a trivial query
  (`SELECT 1`) on the same pool.
- throughput: page queries per second of P processes x S sessions (threads) vs 1 process x
  S sessions, for the same wall time.
- durable insert: median latency of one committed insert on PostgreSQL (synchronous_commit
  on) vs the embedded store (fdatasync per commit) vs a bare write + fdatasync of one line.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

CASES_PER_YEAR = 400
RECORDS_PER_CASE = 10
TASKS_PER_CASE = 3
PROCEDURES = ("complaint-handling", "repair-order", "household-service", "inquiry")
FORMS = ("complaint-register", "repair-order", "callback-record", "inspection-log",
         "visit-log", "handover-record", "patrol-log", "meter-reading", "notice", "survey")
ROLES = ("front-desk", "customer-assistant", "duty-officer", "supervisor")
WORDS = ("楼上漏水", "电梯异响", "噪音扰民", "门禁故障", "停车纠纷", "绿化修剪", "垃圾清运",
         "水压不足", "外墙渗水", "宠物扰民", "路灯不亮", "快递丢失")
END = datetime(2026, 11, 30, 18, 0)
ROOT = Path(__file__).resolve().parents[3]


def _property_ids(n: int) -> list[str]:
    return [f"p{i:03d}" for i in range(n)]


def synth(properties: int, years: int, seed: int = 14, first: dict[str, int] | None = None
          ) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(table, id, document) of the synthetic volume, ids per table after `first` (else 0)."""
    rng = random.Random(seed)
    ids = {"cases": 0, "records": 0, "tasks": 0, **(first or {})}
    start = END - timedelta(days=365 * years)
    open_from = END - timedelta(days=30)
    span = (END - start).total_seconds()
    for prop in _property_ids(properties):
        n_cases = CASES_PER_YEAR * years
        for c in range(n_cases):
            created = start + timedelta(seconds=span * (c + rng.random()) / n_cases)
            proc = PROCEDURES[c % len(PROCEDURES)]
            is_open = created >= open_from
            due = created + timedelta(hours=rng.choice((2, 4, 24, 72)))
            breached = rng.random() < 0.08
            word = rng.choice(WORDS)
            unit = f"{rng.randint(1, 30)}-{rng.randint(1, 28):02d}{rng.randint(1, 4):02d}"
            ids["cases"] += 1
            case_id = ids["cases"]
            data = {"unit": unit, "content": f"{unit}{word}", "complainant": f"业主{c % 97}",
                    "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
                    "kind": "suggestion" if c % 9 == 0 else "complaint",
                    "channel": rng.choice(("phone", "visit", "wechat")),
                    "responsibility": rng.choice(("engineering", "security", "cleaning"))}
            yield "cases", case_id, {
                "number": f"{prop.upper()}-{created.year}-{c + 1:05d}", "procedure_id": proc,
                "procedure_version": "1.0.0", "ruleset_hash": "bench", "property": prop,
                "status": "open" if is_open else "closed", "step": "handle" if is_open else None,
                "role": ROLES[c % len(ROLES)], "user": None,
                "created_at": created.isoformat(timespec="seconds"),
                "updated_at": created.isoformat(timespec="seconds"),
                "closed_at": None if is_open else (due - timedelta(hours=1)).isoformat(
                    timespec="seconds"),
                "data": data,
                "visits": [{"step": "handle", "entered_at": created.isoformat(), "role": "x",
                            "left_at": None if is_open else due.isoformat(),
                            "due_at": due.isoformat()}],
                "events": [{"type": "started", "at": created.isoformat()}]
                + ([{"type": "clock-breach", "at": due.isoformat()}] if breached else []),
                "records": [], "fired": [], "due_at": due.isoformat() if is_open else None,
                "breached": breached, "personal": ["phone", "complainant"], "rev": 5,
            }
            for t in range(TASKS_PER_CASE):
                ids["tasks"] += 1
                last = t == TASKS_PER_CASE - 1
                kind = "follow-up" if last else "step"
                task_due = due + timedelta(days=t)
                yield "tasks", ids["tasks"], {
                    "key": f"{case_id}:{t}", "kind": kind, "title": word,
                    "roles": [ROLES[(c + t) % len(ROLES)]], "property": prop,
                    "user": None, "case_id": str(case_id),
                    "status": "open" if (is_open and last) else "done",
                    "due_at": task_due.isoformat(timespec="seconds"),
                    "created_at": created.isoformat(timespec="seconds"),
                    "assignee_role": ROLES[(c + t) % len(ROLES)], "assignee_user": None,
                    "rev": 2,
                }
            for r in range(RECORDS_PER_CASE):
                ids["records"] += 1
                form = FORMS[r]
                at = created + timedelta(minutes=17 * r)
                rdata: dict[str, Any] = {"unit": unit, "summary": f"{word}{r}",
                                         "handled_by": f"员工{r}", "phone": data["phone"]}
                if form == "callback-record":
                    rdata["satisfaction"] = rng.choice(("very-satisfied", "satisfied",
                                                        "neutral", "dissatisfied"))
                    rdata["visited_at"] = (at + timedelta(days=2)).isoformat(timespec="seconds")
                yield "records", ids["records"], {
                    "number": f"R{form[:2].upper()}-{at.year}-{ids['records']:07d}",
                    "form_id": form, "form_version": "1.0.0", "ruleset_hash": "bench",
                    "property": prop, "created_by": "bench",
                    "created_at": at.isoformat(timespec="seconds"), "data": rdata,
                    "status": "submitted", "history": [], "voided": None, "archived_at": None,
                    "personal": ["phone"], "case_id": str(case_id), "rev": 1,
                }


def load(store: Any, properties: int, years: int, out: Any = sys.stderr,
         first: dict[str, int] | None = None) -> dict[str, Any]:
    """Load the volume through the copy path (ids after `first`); returns counts and time."""
    from runtime.store.postgres.copy import Progress

    total = properties * years * CASES_PER_YEAR * (1 + RECORDS_PER_CASE + TASKS_PER_CASE)
    bar = Progress(total, out)
    batches: dict[str, list[tuple[int, dict[str, Any]]]] = {"cases": [], "records": [],
                                                            "tasks": []}
    counts = dict.fromkeys(batches, 0)
    started = time.perf_counter()
    first = first or {}
    for table, doc_id, doc in synth(properties, years, first=first):
        batch = batches[table]
        batch.append((doc_id, doc))
        if len(batch) >= 5000:
            store.put_raw(table, batch)
            counts[table] += len(batch)
            bar.step(len(batch), table)
            batch.clear()
    for table, batch in batches.items():
        if batch:
            store.put_raw(table, batch)
            counts[table] += len(batch)
            bar.step(len(batch), table)
        store.set_last_id(table, first.get(table, 0) + counts[table])
    bar.finish()
    with store._conn() as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    seconds = time.perf_counter() - started
    return {**counts, "load_seconds": round(seconds, 1),
            "docs_per_second": round(sum(counts.values()) / seconds)}


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm: plans and caches, as a page's second rerun
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def page_calls(store: Any, properties: int, first_case: int = 0
               ) -> dict[str, Callable[[], Any]]:
    """The page queries a session issues, for one property (its cases after `first_case`)."""
    prop = _property_ids(properties)[properties // 2]
    now = END
    month = date(2026, 10, 1)
    return {
        "task_list": lambda: store.open_tasks(roles=("front-desk", "supervisor"), user=None,
                                              properties=[prop], now=now),
        "case_search": lambda: store.search_cases(properties=[prop], text="电梯异响"),
        "case_list": lambda: store.search_cases(properties=[prop]),
        "record_search": lambda: store.search_records(properties=[prop], text="门禁故障"),
        "record_search_2char": lambda: store.search_records(properties=[prop], text="漏水"),
        "dashboard": lambda: store.case_counts(properties=[prop], now=now),
        "monthly_report": lambda: store.monthly_report(properties=[prop], month=month,
                                                       procedures=PROCEDURES),
        "case_page": lambda: store.get("cases",
                                             first_case + 1 + properties // 2 * CASES_PER_YEAR),
    }


def measure_pages(store: Any, properties: int, n: int = 15, first_case: int = 0
                  ) -> dict[str, Any]:
    """Median / p95 ms per page query and the SELECT 1 baseline."""
    base = _timed(lambda: store._read("SELECT 1"), n)
    out: dict[str, Any] = {"baseline_select1_ms": round(statistics.median(base), 2)}
    for name, fn in page_calls(store, properties, first_case).items():
        ms = _timed(fn, n)
        ms.sort()
        out[name] = {"median_ms": round(statistics.median(ms), 1),
                     "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1)}
    return out


def _worker(url: str, properties: int, sessions: int, seconds: float, w: int,
            first_case: int) -> None:
    from runtime.store.postgres.store import open_pg_store

    store = open_pg_store(url, max_size=sessions)
    calls = list(page_calls(store, properties, first_case).values())
    done = [0] * sessions
    stop = time.monotonic() + seconds

    def session(i: int) -> None:
        k = i
        while time.monotonic() < stop:
            calls[k % len(calls)]()
            k += 1
            done[i] += 1

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    os.write(w, f"{sum(done)}\n".encode())


def throughput(url: str, properties: int, procs: int, sessions: int, seconds: float,
               first_case: int = 0) -> float:
    """Page queries per second of `procs` processes with `sessions` threads each."""
    pipes = []
    for _ in range(procs):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                _worker(url, properties, sessions, seconds, w, first_case)
            finally:
                os._exit(0)
        os.close(w)
        pipes.append((pid, r))
    total = 0
    for pid, r in pipes:
        with os.fdopen(r) as fh:
            total += int(fh.read().strip() or 0)
        os.waitpid(pid, 0)
    return total / seconds


def durable_inserts(url: str, n: int = 200) -> dict[str, Any]:
    """Median ms of one durable insert: PostgreSQL, the embedded store, one bare fdatasync."""
    from runtime.store.embedded.store import open_store
    from runtime.store.postgres.store import open_pg_store

    doc = {"kind": "bench", "data": {"summary": "楼上漏水" * 10}}
    pg = open_pg_store(url)
    pg_ms = _timed(lambda: pg.insert("bench_inserts", doc), n)
    pg.close()
    with tempfile.TemporaryDirectory(dir=os.environ.get("HANDBOOK_BENCH_DIR")) as tmp:
        emb = open_store(Path(tmp) / "store")
        emb_ms = _timed(lambda: emb.insert("bench_inserts", doc), n)
        emb.close()
        fd = os.open(Path(tmp) / "raw", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        line = (json.dumps(doc, ensure_ascii=False) + "\n").encode()

        def raw() -> None:
            os.write(fd, line)
            os.fdatasync(fd)

        raw_ms = _timed(raw, n)
        os.close(fd)
    med = {k: statistics.median(v) for k, v in
           (("postgresql", pg_ms), ("embedded", emb_ms), ("fdatasync", raw_ms))}
    return {
        "postgresql_ms": round(med["postgresql"], 3),
        "embedded_ms": round(med["embedded"], 3),
        "one_fdatasync_ms": round(med["fdatasync"], 3),
        "postgresql_vs_embedded": round(med["postgresql"] / med["embedded"], 2),
        "postgresql_vs_fdatasync": round(med["postgresql"] / med["fdatasync"], 2),
    }


APP_PAGES = ("tasks", "case", "search", "dashboard")
APP_GOAL_MS = 150.0
BASELINE_SCRIPT = "import streamlit as st\nst.title('baseline')\n"
DEMO_PASSWORD = "demo1234"  # the documented demo accounts (docs/DEMO_USERS.md)


def load_demo(store: Any, demo: Path, out: Any = sys.stderr) -> dict[str, Any]:
    """Copy a `handbook demo-data` directory's store into the empty database (db copy)."""
    from runtime.store.postgres.copy import copy, open_side

    source = open_side(str(demo), create=False)
    started = time.perf_counter()
    try:
        reports = copy(source, store, out=out)
    finally:
        source.close()
    bad = [r.table for r in reports if not r.ok]
    if bad:
        raise RuntimeError(f"db copy of {demo} differs in {', '.join(bad)}")
    return {"tables": {r.table: r.dest_count for r in reports},
            "copy_seconds": round(time.perf_counter() - started, 1)}


def _demo_property(store: Any) -> tuple[str, str, str]:
    """(property, worker, manager): the demo property with most open tasks, the demo account
    of it whose roles own most of them, and one that sees its dashboard."""
    open_roles: dict[tuple[str, str], int] = {}
    for task in store.find("tasks", status="open"):
        for role in task.get("roles") or ():
            key = (str(task.get("property")), str(role))
            open_roles[key] = open_roles.get(key, 0) + 1
    users = [u for u in store.all("users") if u.get("demo") and u.get("property")]
    if not users:
        raise RuntimeError("the demo data has no demo accounts (run handbook demo-data)")

    def load_of(u: dict[str, Any]) -> int:
        return sum(open_roles.get((u["property"], r), 0) for r in u.get("roles", ()))

    worker = max(users, key=lambda u: (load_of(u), u["username"]))
    prop = str(worker["property"])
    managers = [u["username"] for u in users if u["property"] == prop
                and str(u["username"]).startswith(("supervisor.", "admin."))]
    return prop, str(worker["username"]), sorted(managers)[-1] if managers else str(
        worker["username"])


def app_pages(url: str | None, demo: Path, runs: int = 15) -> dict[str, Any]:
    """AppTest median reruns of 我的待办, the case page, 查询 and the dashboard.

    On the database `url`, or with `url=None` on a copy of the demo directory's own embedded
    store (the same property's data without the synthetic volume). Run last in the process:
    AppTest starts threads; the environment is put back afterwards.
    """
    import logging
    import shutil

    from runtime.store.postgres.copy import open_side

    store = open_side(url or str(demo), create=False)
    try:
        prop, worker, manager = _demo_property(store)
        open_cases = [c["id"] for c in store.find("cases", property=prop, status="open")]
    finally:
        store.close()
    data = Path(tempfile.mkdtemp(prefix="handbook-bench-pg-app-"))
    # on PostgreSQL the directory holds only versions and drafts: the app reads the database
    skip = shutil.ignore_patterns("store") if url else None
    shutil.copytree(demo, data, dirs_exist_ok=True, ignore=skip)
    saved = {k: os.environ.get(k) for k in ("HANDBOOK_DATA", "HANDBOOK_DATABASE_URL",
                                            "HANDBOOK_DEMO", "HANDBOOK_PBKDF2_ITERATIONS")}
    os.environ.update(HANDBOOK_DATA=str(data), HANDBOOK_DEMO="1")
    os.environ.setdefault("HANDBOOK_PBKDF2_ITERATIONS", "1000")
    if url:
        os.environ["HANDBOOK_DATABASE_URL"] = url
    else:
        os.environ.pop("HANDBOOK_DATABASE_URL", None)
    # outside `streamlit run` every cached call warns "missing ScriptRunContext": expected
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())
    from streamlit.testing.v1 import AppTest

    from runtime.ui.casework import CASE_KEY

    def signed_in(page: str, user: str, **state: Any) -> Any:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        at.text_input(key="login_username").input(user)
        at.text_input(key="login_password").input(DEMO_PASSWORD)
        at.button[0].click().run()
        for key, value in state.items():
            at.session_state[key] = value
        at.session_state["_goto"] = page
        at.run()
        if at.exception:
            raise RuntimeError(f"page {page}: {at.exception}")
        return at

    def median(at: Any) -> float:
        return round(statistics.median(_timed(at.run, runs)), 1)

    try:
        out: dict[str, Any] = {"property": prop, "user": worker, "dashboard_user": manager,
                               "runs": runs}
        out["baseline_ms"] = median(AppTest.from_string(BASELINE_SCRIPT, default_timeout=120))
        tasks = signed_in("tasks", worker)
        out["tasks_shown"] = sum(1 for m in tasks.markdown if "-badge[" in str(m.value))
        out["tasks_ms"] = median(tasks)
        case_state = {CASE_KEY: open_cases[0]} if open_cases else {}
        out["case_ms"] = median(signed_in("case", worker, **case_state))
        out["search_ms"] = median(signed_in("search", worker))
        out["dashboard_ms"] = median(signed_in("dashboard", manager))
        for page in APP_PAGES:
            out[f"{page}_ratio"] = round(out[f"{page}_ms"] / max(out["baseline_ms"], 0.1), 1)
        out["goal_ms"] = APP_GOAL_MS
        out["pages_within_goal"] = all(out[f"{p}_ms"] <= APP_GOAL_MS for p in APP_PAGES)
        return out
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(data, ignore_errors=True)


def run(properties: int, years: int, *, url: str | None = None, procs: int = 4,
        sessions: int = 10, seconds: float = 10.0, demo: Path | None = None,
        app_runs: int = 15) -> dict[str, Any]:
    """The whole benchmark; starts (and removes) a throwaway cluster unless `url` is given.

    With `demo` (a `handbook demo-data` directory) its store is copied in first and the app's
    pages are measured with AppTest on that property amid the synthetic volume.
    """
    from runtime.store.postgres.testing import start_test_cluster

    cluster = None
    if url is None:
        cluster = start_test_cluster(fsync=True)
        url = cluster.new_database()
    from runtime.store.postgres.store import open_pg_store

    try:
        result: dict[str, Any] = {"backend": "postgresql", "properties": properties,
                                  "years": years}
        store = open_pg_store(url)
        first: dict[str, int] = {}
        if demo is not None:
            result["demo"] = load_demo(store, demo)
            first = {t: store.last_id(t) for t in ("cases", "records", "tasks")}
        result["volume"] = load(store, properties, years, first=first)
        first_case = first.get("cases", 0)
        result["pages"] = measure_pages(store, properties, first_case=first_case)
        store.close()
        one = throughput(url, properties, 1, sessions, seconds, first_case)
        many = throughput(url, properties, procs, sessions, seconds, first_case)
        result["throughput"] = {
            "one_process_qps": round(one, 1), f"{procs}_processes_qps": round(many, 1),
            "ratio": round(many / one, 2) if one else None, "sessions_per_process": sessions,
            "cpus": os.cpu_count(),
        }
        result["durable_insert"] = durable_inserts(url)
        if demo is not None:
            pg_pages = app_pages(url, demo, app_runs)
            emb_pages = app_pages(None, demo, app_runs)
            for page in APP_PAGES:
                pg_pages[f"{page}_vs_embedded"] = round(
                    pg_pages[f"{page}_ms"] / max(emb_pages[f"{page}_ms"], 0.1), 2)
            result["app_pages"] = pg_pages
            result["app_pages_embedded_same_demo"] = emb_pages
        return result
    finally:
        if cluster is not None:
            cluster.close()
