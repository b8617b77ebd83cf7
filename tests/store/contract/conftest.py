"""One repository contract, every backend: the `repo` fixture yields each in turn.

A backend registers a factory in BACKENDS: a context manager yielding an empty, open
`Repository` and cleaning up after it (the PostgreSQL backend adds its throwaway cluster
here). Tests in this folder use only the `Repository` protocol.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.store import Repository, open_memory_store, open_store


@contextlib.contextmanager
def _embedded_disk(tmp: Path) -> Iterator[Repository]:
    store = open_store(tmp / "store")
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def _embedded_memory(tmp: Path) -> Iterator[Repository]:
    store = open_memory_store()
    try:
        yield store
    finally:
        store.close()


BACKENDS: dict[str, Callable[[Path], contextlib.AbstractContextManager[Any]]] = {
    "embedded-disk": _embedded_disk,
    "embedded-memory": _embedded_memory,
}


PG = "postgresql"  # a fresh database of the session's throwaway cluster (tests/conftest.py)


@pytest.fixture(params=[*sorted(BACKENDS), PG])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """An empty repository of each registered backend."""
    if request.param == PG:
        from runtime.store.postgres.store import open_pg_store

        store = open_pg_store(request.getfixturevalue("pg_url"))
        try:
            yield store
        finally:
            store.close()
        return
    with BACKENDS[request.param](tmp_path) as r:
        yield r
