"""Reliability on PostgreSQL: many writers, kill -9 mid-transaction, a server restart."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from runtime.errors import StoreUnavailable
from runtime.store.postgres.store import open_pg_store


def _stress(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "runtime.store.postgres.stress", *args],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert proc.stdout.strip(), proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == (0 if result["ok"] else 1)
    return result


def test_four_processes_of_four_threads_lose_nothing(pg_url: str) -> None:
    r = _stress("writers", pg_url, "4", "4", "20")
    assert r["errors"] == []
    assert r["records"] == r["records_expected"] == 320
    assert r["duplicates"] == 0 and r["gapless"]
    assert r["counter"] == 320  # every compare-and-swap increment landed exactly once
    assert r["ok"]


@pytest.mark.slow
def test_kill_9_mid_transaction_loses_nothing_acknowledged(pg_url: str) -> None:
    r = _stress("crash", pg_url, "50")
    assert r["trials"] == 50 and r["killed_mid_transaction"] > 0
    assert r["acknowledged_missing"] == []
    assert r["duplicates"] == 0 and r["gapless"]
    assert r["half_transactions"] == []  # record and its side row commit together or not at all
    assert r["ok"]


def test_server_restart_mid_session_is_a_clear_error_then_recovers(pg_cluster: Any,
                                                                   pg_url: str) -> None:
    store = open_pg_store(pg_url, timeout=3)
    try:
        store.insert("t", {"n": 1})
        with pytest.raises(StoreUnavailable, match=r"unavailable.*not saved"), store.transaction():
            store.insert("t", {"n": 2})
            pg_cluster.cluster.restart()  # cuts the connection holding the open transaction
            store.insert("t", {"n": 3})
        # no restart of the application: the pool replaces the dead connections
        assert [d["n"] for d in store.all("t")] == [1]
        store.insert("t", {"n": 4})
        pg_cluster.cluster.stop()
        try:
            with pytest.raises(StoreUnavailable, match="try again"):
                store.insert("t", {"n": 5})
            with pytest.raises(StoreUnavailable):
                store.count("t")
        finally:
            pg_cluster.cluster.start()
        assert [d["n"] for d in store.all("t")] == [1, 4]
    finally:
        store.close()


def test_a_long_outage_does_not_outlast_the_server(pg_cluster: Any, pg_url: str) -> None:
    """After a long outage the pool backs off; the first request once the server is back works."""
    store = open_pg_store(pg_url, timeout=1)
    try:
        store.insert("t_outage", {"n": 1})
        pg_cluster.cluster.stop()
        try:
            # Enough failed requests that psycopg_pool's doubling back-off (1, 2, 4, 8 s …)
            # would put its next reconnect attempt well after the server is back.
            deadline = time.monotonic() + 10
            failures = 0
            while time.monotonic() < deadline:
                with pytest.raises(StoreUnavailable):
                    store.count("t_outage")
                failures += 1
            assert failures >= 3
        finally:
            pg_cluster.cluster.start()
        assert store.count("t_outage") == 1
        store.insert("t_outage", {"n": 2})
        with store.transaction():
            store.insert("t_outage", {"n": 3})
        assert sorted(d["n"] for d in store.all("t_outage")) == [1, 2, 3]
    finally:
        store.close()
