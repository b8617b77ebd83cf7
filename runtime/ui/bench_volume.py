"""`handbook bench volume`: page reruns, open time, memory and compaction stall at a history size.

Scale S builds S/2 years of one busy property with `handbook demo-data` (runtime/engine/demo.py;
scale 10 ≈ five years ≈ 11k cases, 100 = fifty years), or with `--cache DIR` copies a history
built earlier under the same key (`history_key`: scale, seed, end day, hash of generator, engine
and rules). Each step runs in its own process (a whole store at scale 100 is gigabytes, and the
app's caches hold one data directory per process) and measures in the same run:
- AppTest median server-side reruns of 我的待办, the case page, 查询记录 and the dashboard for a
  signed-in supervisor, and of an empty one-line script (the baseline), with each ratio;
- the store opened in a fresh process (open time, first indexed query, RSS per document);
- the longest durable write / read of a probe thread during a forced compaction
  (runtime/store/bench_compaction.py), against the same probe with nothing else going on;
- 10 signed-in sessions rerunning 我的待办 together in one process, against one alone:
  throughput ratio, p50/p95, store commits during the reruns (runtime/ui/bench_sessions.py);
- the same documents in SQLite (one JSON column per table): open and count the open tasks.
Goals (issue 13): every page <= 150 ms median at scale 10; stall <= 50 ms; sessions together
>= 1.0x the throughput of one alone.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

GOAL_MS = 150.0
STALL_GOAL_MS = 50.0
PROPERTY = "zhongxing-apartments"
USER = "supervisor.zhongxing"
PASSWORD = "demo1234"  # the documented demo accounts (docs/DEMO_USERS.md)
BASELINE_SCRIPT = "import streamlit as st\nst.title('baseline')\n"
ROOT = Path(__file__).resolve().parents[2]


def _median_ms(rerun: Callable[[], object], runs: int) -> float:
    rerun()  # warm-up: imports, caches, the first build of indexes and tallies
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        rerun()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


END = date(2026, 11, 30)  # a fixed last day keeps a run reproducible (same seed, same history)
SEED = 7
# What a built history depends on besides scale, seed and end day: the generator and the
# engine, forms and record code it drives, and the shipped rules it runs on.
HISTORY_SOURCES = ("runtime/engine", "runtime/forms", "runtime/store/records.py",
                   "runtime/auth.py", "rules", "forms")


def history_key(scale: int) -> str:
    """The cache key of the history `scale` builds: scale, seed, end day, sources' hash."""
    digest = hashlib.sha256()
    for top in HISTORY_SOURCES:
        path = ROOT / top
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(f.relative_to(ROOT).as_posix().encode() + b"\0")
                digest.update(_code_of(f) + b"\0")
    return f"scale{scale}-seed{SEED}-end{END.isoformat()}-{digest.hexdigest()[:16]}"


def _code_of(path: Path) -> bytes:
    """What of a source file shapes a history: Python without comments and docstrings (a
    reworded comment must not cost a 30-minute rebuild at scale 100), other files whole."""
    raw = path.read_bytes()
    if path.suffix != ".py":
        return raw
    try:
        tree = ast.parse(raw)
    except SyntaxError:
        return raw
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            body[:1] = [] if len(body) > 1 else [ast.Pass()]
    return ast.dump(tree).encode()


def _build(data: Path, years: float) -> dict[str, Any]:
    """`handbook demo-data` into `data` in a child process (its memory is gone afterwards)."""
    # Always the embedded store in DATA/store, whatever HANDBOOK_DATABASE_URL says: the
    # embedded run measures it and the PostgreSQL run copies it in.
    env = {k: v for k, v in os.environ.items() if k != "HANDBOOK_DATABASE_URL"}
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "demo-data", "--years", str(years),
         "--property", PROPERTY, "--data", str(data), "--end", END.isoformat(),
         "--seed", str(SEED), "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # progress bar: our stderr
    if out.returncode:
        raise RuntimeError(f"demo-data failed with exit code {out.returncode}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report.pop("seconds", None)
    return {**report, "build_s": round(time.perf_counter() - t0, 1)}


def _drop_abandoned(cache: Path) -> None:
    """Remove half-built entries whose building process is gone (killed, machine restarted)."""
    from runtime.store.embedded.journal import process_alive

    for partial in cache.glob("*.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)


def _history(scale: int, data: Path, cache: Path | None) -> dict[str, Any]:
    """The history of `scale` in `data`: built now, or copied from `cache` when it holds the
    same key (a finished build only: an entry is renamed into place after its build)."""
    if cache is None:
        return {**_build(data, scale / 2), "history": "built"}
    key = history_key(scale)
    entry = cache / key
    if not (entry / "build.json").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        _drop_abandoned(cache)
        partial = cache / f"{key}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            report = _build(partial / "data", scale / 2)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        (partial / "build.json").write_text(json.dumps(report, ensure_ascii=False))
        try:
            partial.rename(entry)
        except OSError:  # another run finished the same key first: use theirs
            shutil.rmtree(partial, ignore_errors=True)
        state = "built"
    else:
        state = "cached"
    report = json.loads((entry / "build.json").read_text())
    t0 = time.perf_counter()
    # The measurements write (sign-ins, probe documents, a compaction): on a copy, so the
    # cached history stays exactly as it was built.
    shutil.copytree(entry / "data", data)
    return {**report, "history": state, "history_key": key,
            "copy_s": round(time.perf_counter() - t0, 1)}


def _busiest_user(store: Any) -> str:
    """The property's demo account whose roles hold the most open tasks (我的待办 has work)."""
    open_roles: dict[str, int] = {}
    for task in store.find("tasks", property=PROPERTY, status="open"):
        role = task.get("assignee_role")
        open_roles[role] = open_roles.get(role, 0) + 1
    users = [u for u in store.find("users", property=PROPERTY) if u.get("demo")]
    best = max(users, key=lambda u: (sum(open_roles.get(r, 0) for r in u.get("roles", ())),
                                     u["username"]), default=None)
    return str(best["username"]) if best else USER


def _app_env(data: Path) -> None:
    """This process serves the app on `data` (AppTest runs the real app.py)."""
    os.environ["HANDBOOK_DATA"] = str(data)
    # Run as a demo (as `make run` does): demo accounts keep the published password instead
    # of being sent to the choose-your-own-password page first.
    os.environ.setdefault("HANDBOOK_DEMO", "1")
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())


def _signed_in(page: str, user: str) -> Any:
    """An AppTest of app.py signed in as `user` (demo password) and showing `page`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
    at.text_input(key="login_username").input(user)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    at.session_state["_goto"] = page
    at.run()
    if at.exception:
        raise RuntimeError(f"page {page}: {at.exception}")
    return at


def _pages(data: Path, runs: int) -> dict[str, Any]:
    _app_env(data)
    from runtime.ui import context as ctx
    from runtime.ui.casework import CASE_KEY

    worker = _busiest_user(ctx.store())

    def signed_in(page: str, user: str = worker) -> Any:
        return _signed_in(page, user)

    out: dict[str, Any] = {"page_user": worker, "dashboard_user": USER}
    from streamlit.testing.v1 import AppTest

    baseline = AppTest.from_string(BASELINE_SCRIPT, default_timeout=120)
    out["baseline_ms"] = round(_median_ms(baseline.run, runs), 1)
    t0 = time.perf_counter()
    first = signed_in("tasks")
    out["first_visit_s"] = round(time.perf_counter() - t0, 2)
    out["tasks_ms"] = round(_median_ms(first.run, runs), 1)
    out["tasks_shown"] = sum(1 for m in first.markdown if "-badge[" in str(m.value))
    case_at = signed_in("case")
    open_cases = ctx.store().find("cases", property=PROPERTY, status="open")
    if open_cases:
        case_at.session_state[CASE_KEY] = open_cases[0]["id"]
        case_at.run()
    out["case_ms"] = round(_median_ms(case_at.run, runs), 1)
    search_at = signed_in("search")
    out["search_ms"] = round(_median_ms(search_at.run, runs), 1)
    dash_at = signed_in("dashboard", USER)
    out["dashboard_ms"] = round(_median_ms(dash_at.run, runs), 1)
    for page in ("tasks", "case", "search", "dashboard"):
        out[f"{page}_ratio"] = round(out[f"{page}_ms"] / out["baseline_ms"], 1)
    out["pages_within_goal"] = all(out[f"{p}_ms"] <= GOAL_MS
                                   for p in ("tasks", "case", "search", "dashboard"))
    return out


def _sessions(data: Path, reruns: int) -> dict[str, Any]:
    """10 sessions rerunning 我的待办 together against one alone (runtime/ui/bench_sessions.py)."""
    _app_env(data)
    from runtime.ui import bench_sessions
    from runtime.ui import context as ctx

    store = ctx.store()
    worker = _busiest_user(store)
    journal = getattr(store, "journal", None)  # the embedded store's commit counter
    return bench_sessions.measure(
        lambda: _signed_in("tasks", worker),
        lambda: int(journal.sequence) if journal is not None else 0, reruns=reruns,
        write=lambda: store.insert("bench_writes", {"by": "bench", "status": "done"}))


def _sqlite(store_dir: Path, into: Path) -> dict[str, Any]:
    """The same documents in SQLite: load once, then time open + count of open tasks."""
    from runtime.store.embedded.store import Store

    conn = sqlite3.connect(into, isolation_level=None)
    with Store(store_dir) as store:
        conn.execute("BEGIN")
        for table in store.tables():
            name = '"' + table.replace('"', '""') + '"'
            conn.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
            conn.executemany(f"INSERT INTO {name} VALUES (?, ?)",
                             [(d["id"], json.dumps(d, ensure_ascii=False))
                              for d in store.all(table)])
        conn.execute("COMMIT")
    conn.close()
    t0 = time.perf_counter()
    conn = sqlite3.connect(into)
    (n,) = conn.execute("SELECT count(*) FROM tasks WHERE json_extract(doc, '$.status') = "
                        "'open'").fetchone()
    took = time.perf_counter() - t0
    conn.close()
    return {"sqlite_open_query_s": round(took, 3), "sqlite_open_tasks": n,
            "sqlite_mb": round(into.stat().st_size / 1e6, 1)}


@contextlib.contextmanager
def _scratch(scale: int, prefix: str) -> Iterator[Path]:
    """A temporary data directory for one run (removed afterwards); cheap demo passwords."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("HANDBOOK_PBKDF2_ITERATIONS", "1000")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_MARK = "BENCH-VOLUME-RESULT "


def _phase(name: str, data: str, arg: str) -> dict[str, Any]:
    """One measurement of a run, in the process `_child` starts (see there)."""
    from runtime.store.bench_compaction import measure_store

    path = Path(data)
    if name == "pages":
        return _pages(path, int(arg))
    if name == "sessions":
        return _sessions(path, int(arg))
    if name == "store":
        return measure_store(path / "store", table="tasks")
    if name == "sqlite":
        return _sqlite(path / "store", Path(arg))
    raise ValueError(f"unknown phase {name!r}")


def _child(name: str, data: Path, arg: str) -> dict[str, Any]:
    """`_phase` in a fresh process: each phase opens the whole store (gigabytes at scale
    100), and what a process freed is not given back to the system, so phases in one
    process would add up; the app's caches also hold one data directory per process."""
    code = ("import json, sys\nfrom runtime.ui import bench_volume as b\n"
            "r = b._phase(*sys.argv[1:])\nprint('\\n' + b._MARK + json.dumps(r), flush=True)\n")
    out = subprocess.run([sys.executable, "-c", code, name, str(data), arg], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
    found = [line for line in out.stdout.splitlines() if line.startswith(_MARK)]
    if out.returncode or not found:
        raise RuntimeError(f"bench volume: the {name} phase failed (exit {out.returncode})")
    return dict(json.loads(found[-1][len(_MARK):]))


def run(scale: int, *, runs: int = 15, cache: Path | None = None) -> dict[str, Any]:
    """Build scale/2 years of one property (or copy it from `cache`) and measure pages, store
    and SQLite at that size."""
    with _scratch(scale, "handbook-bench-volume-") as tmp:
        data = tmp / "data"
        result: dict[str, Any] = {"scale": scale, "years": scale / 2}
        result.update(_history(scale, data, cache))
        result.update(_child("pages", data, str(runs)))
        result.update(_child("sessions", data, str(max(3, runs // 2))))
        result.update(_child("store", data, ""))
        result.update(_child("sqlite", data, str(tmp / "same.sqlite")))
        result["stall_within_goal"] = result["stall_ms"] <= STALL_GOAL_MS
        return result


def run_postgresql(scale: int, *, properties: int = 50, url: str | None = None, runs: int = 15,
                   cache: Path | None = None) -> dict[str, Any]:
    """The same demo history on PostgreSQL, amid `properties` × scale/2 years of synthetic volume.

    The history is built (or copied from `cache`) exactly as for the embedded run, then
    `handbook bench postgres --demo` copies it in beside the synthetic properties and times
    the same pages there and on the embedded store in one run (issue 14).
    """
    from runtime.store.postgres.bench import run as run_pg_bench

    with _scratch(scale, "handbook-bench-volume-pg-") as tmp:
        data = tmp / "data"
        result: dict[str, Any] = {"scale": scale, "years": scale / 2, "backend": "postgresql",
                                  **_history(scale, data, cache)}
        result.update(run_pg_bench(properties, max(1, round(scale / 2)), url=url, demo=data,
                                   app_runs=runs))
        return result
