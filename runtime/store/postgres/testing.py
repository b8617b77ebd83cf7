"""Test support: one throwaway cluster per test session, one fresh database per test.

`tests/conftest.py` turns these into fixtures. Without the server binaries (or psycopg) the
PostgreSQL-backed tests skip with a message saying what to install — except under CI
(CI=true), where a missing backend is a failure, so CI can never silently skip them.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import StoreError
from runtime.store.postgres.cluster import Cluster, find_bin_dir, start_cluster

TEMPLATE = "hb_template"
_counter = itertools.count(1)
_lock = threading.Lock()


def in_ci() -> bool:
    """True when running under CI (CI=true/1/yes), where skipping is not allowed."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]', or make test)"
    if find_bin_dir() is None:
        return (
            "PostgreSQL server binaries not found (/usr/lib/postgresql/15/bin); "
            "install them with: apt-get install postgresql postgresql-contrib"
        )
    return None


@dataclass
class TestCluster:
    """The session's cluster plus a migrated template database to clone per test."""

    cluster: Cluster

    def new_database(self) -> str:
        """A fresh, migrated database; returns its URL."""
        import psycopg

        with _lock:
            name = f"hb_t{os.getpid()}_{next(_counter)}"
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.cluster.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by new_database (closing whatever is still connected)."""
        from urllib.parse import urlsplit

        import psycopg

        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        """Stop the server and delete its files."""
        self.cluster.remove()


def start_test_cluster(*, fsync: bool = False) -> TestCluster:
    """Start a cluster and prepare the template database (migrations applied)."""
    import psycopg

    from runtime.store.postgres import schema

    cluster = start_cluster(fsync=fsync)
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with psycopg.connect(cluster.url(TEMPLATE), autocommit=True) as conn:
            schema.upgrade(conn)
    except BaseException:
        cluster.remove()
        raise
    return TestCluster(cluster)


def data_url_dir(tmp: Path) -> Path:
    """A data directory for app/CLI tests on PostgreSQL (versions and drafts live there)."""
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp


__all__ = ["StoreError", "TestCluster", "in_ci", "start_test_cluster", "unavailable_reason"]
