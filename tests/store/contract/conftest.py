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


@pytest.fixture(params=sorted(BACKENDS))
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """An empty repository of each registered backend."""
    with BACKENDS[request.param](tmp_path) as r:
        yield r
