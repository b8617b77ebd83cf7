"""The PostgreSQL backend of the record store (optional extra: `pip install -e '.[postgres]'`).

Chosen with `HANDBOOK_DATABASE_URL=postgresql://...` (see `runtime.store.open_configured`);
without it the embedded store stays the default. Layout:

    store.py       PgStore: the Repository on JSONB documents (one physical table per table)
    codec.py       JSON text for JSONB (escapes NUL and lone surrogates reversibly)
    schema.py      numbered SQL migrations (migrations/NNNN_name.sql), `handbook db upgrade`
    cluster.py     a throwaway cluster from Debian's binaries (tests, benchmarks)
    copy.py        `handbook db copy` between a data directory and a database, both ways
"""

from __future__ import annotations

URL_ENV = "HANDBOOK_DATABASE_URL"


def is_url(value: str) -> bool:
    """True for a PostgreSQL connection URL (postgresql:// or postgres://)."""
    return value.startswith(("postgresql://", "postgres://"))
