"""Which record store a process uses: PostgreSQL when HANDBOOK_DATABASE_URL is set, else embedded.

The embedded store (a directory `store/` in the data directory) stays the zero-set-up default.
`HANDBOOK_DATABASE_URL=postgresql://user@host/db` switches every process — app, CLI, worker —
to the PostgreSQL backend (`pip install -e '.[postgres]'`), whose schema must be current
(`handbook db upgrade`).
"""

from __future__ import annotations

import os
from pathlib import Path

from runtime.errors import StoreError
from runtime.store.repository import Repository

URL_ENV = "HANDBOOK_DATABASE_URL"


def database_url() -> str | None:
    """The configured PostgreSQL URL, or None for the embedded store."""
    raw = os.environ.get(URL_ENV, "").strip()
    return raw or None


def backend_name() -> str:
    """"postgresql" or "embedded" (what this process will open)."""
    return "postgresql" if database_url() else "embedded"


def open_url(url: str) -> Repository:
    """Open the PostgreSQL store at `url` (a clear StoreError when the extra is missing)."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{URL_ENV} must be a postgresql:// URL, not {url[:30]!r}")
    try:
        from runtime.store.postgres.store import open_pg_store
    except ImportError as exc:
        raise StoreError(
            f"{URL_ENV} is set but psycopg is not installed: pip install -e '.[postgres]' ({exc})"
        ) from None
    return open_pg_store(url)


def open_configured(data_dir: str | os.PathLike[str]) -> Repository:
    """The record store of this process: PostgreSQL if configured, else `<data_dir>/store`."""
    url = database_url()
    if url:
        return open_url(url)
    from runtime.store.embedded.store import open_store

    return open_store(Path(data_dir) / "store")
