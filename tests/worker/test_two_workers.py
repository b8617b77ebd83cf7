"""Two workers on one data directory: the lease lets one work, each breach is escalated and
notified once; when the working one is SIGKILLed the other takes over after the lease expires.

Runs the real `handbook worker` loop on the wall clock: the cases are started 25 hours ago.
Waits are on conditions in the store and in the workers' output, with generous deadlines.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from runtime.store import Store
from runtime.worker import lease
from tests.conftest import Backend
from tests.notify.servers import Hook, Mailbox
from tests.worker import helpers as h

CASES = 6
PER_CASE = 5  # breach: inbox + e-mail to the clerk; escalated: inbox + e-mail + robot, boss
DEADLINE = 240.0


def _wait(what: str, cond: Callable[[], bool], procs: list[subprocess.Popen[str]]) -> None:
    """Poll `cond` until it holds; fail at the deadline or when a worker died."""
    end = time.monotonic() + DEADLINE
    while not cond():
        for p in procs:
            assert p.poll() is None, f"a worker exited ({p.returncode}) while waiting: {what}"
        assert time.monotonic() < end, f"timed out waiting: {what}"
        time.sleep(0.2)  # polling interval only; the condition decides


def _start(store: Store, root: Path, n: int, tag: str) -> list[str]:
    eng = h.engine(store, root)
    start = lease.wall_now() - timedelta(hours=25)
    return [eng.start_case("complaint", None, {"content": f"{tag} {i}"},
                           start + timedelta(seconds=i)).id for i in range(n)]


def _all_sent(store: Store, n: int) -> Callable[[], bool]:
    def cond() -> bool:
        return (store.count("outbox") == n
                and store.count("outbox", status="sent") == n)
    return cond


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[tuple[subprocess.Popen[str], IO[str], Path]]]:
    """Started workers (process, stdout file, its path); killed at the end if still alive."""
    started: list[tuple[subprocess.Popen[str], IO[str], Path]] = []
    yield started
    for proc, out, _ in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
        out.close()


@pytest.mark.slow
def test_two_workers_notify_each_breach_once_and_take_over(
        make_tree: Any, tmp_path: Path, smtp_server: Mailbox, webhook_server: Hook,
        workers: list[tuple[subprocess.Popen[str], IO[str], Path]], backend: Backend) -> None:
    root, data, store, _ = h.prepared(make_tree, tmp_path, backend)
    first = _start(store, root, CASES, "first")
    env = h.worker_env(root, data, {
        "HANDBOOK_SMTP_HOST": "127.0.0.1", "HANDBOOK_SMTP_PORT": str(smtp_server.port),
        "HB_TEST_WECOM": webhook_server.url, **h.backend_env(backend)})
    for name in ("A", "B"):
        path = tmp_path / f"worker-{name}.out"
        out = path.open("w", encoding="utf-8")
        proc = subprocess.Popen(h.worker_cmd("--every", "0.5", "--lease-ttl", "5", "--holder",
                                             name), env=env, cwd=h.ROOT, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
        workers.append((proc, out, path))
    procs = [w[0] for w in workers]

    def waited() -> bool:
        return any("another worker holds the lease" in w[2].read_text(encoding="utf-8")
                   for w in workers)

    _wait("first breaches delivered", _all_sent(store, CASES * PER_CASE), procs)
    _wait("the other worker waiting for the lease", waited, procs)
    mails_before = Counter(smtp_server.keys())
    # Both ran at once, yet every e-mail went out exactly once (only the holder delivers).
    assert len(mails_before) == 2 * CASES and set(mails_before.values()) == {1}

    # The working one dies without releasing the lease; new breaches come due.
    doc = lease.current(store)
    assert doc is not None and doc["holder"] in ("A", "B")
    holder = {"A": 0, "B": 1}[doc["holder"]]
    survivor = workers[1 - holder][0]
    workers[holder][0].kill()
    workers[holder][0].wait(timeout=60)
    second = _start(store, root, CASES, "second")
    _wait("the survivor took over and delivered",
          _all_sent(store, 2 * CASES * PER_CASE), [survivor])
    taken = lease.current(store)
    assert taken is not None and taken["holder"] == "BA"[holder]

    # A graceful stop: the current tick ends, the lease is released, exit 0.
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(timeout=DEADLINE) == 0
    out = workers[1 - holder][2].read_text(encoding="utf-8")
    assert "worker stopped" in out
    released = lease.current(store)
    assert released is not None and released["expires_at"] == lease.NEVER

    for cid in first + second:
        case = h.engine(store, root).get_case(cid)
        types = [e.type for e in case.events]
        assert types.count("clock-breach") == 1 and types.count("escalated") == 1, types
    assert len(store.find("tasks", kind="escalation")) == 2 * CASES
    rows = Counter(r["key"] for r in store.all("inbox"))
    assert len(rows) == 2 * CASES * 2 and set(rows.values()) == {1}
    mails = Counter(smtp_server.keys())
    assert set(mails) == {e["key"] for e in store.all("outbox") if e["channel"] == "email"}
    assert len(set(webhook_server.keys())) == 2 * CASES
    store.close()
