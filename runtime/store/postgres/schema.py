"""Schema migrations: numbered plain SQL files in this package, applied in order, recorded.

Plain SQL rather than Alembic: the schema is a handful of tables and functions (documents are
JSONB, so record shapes never need a migration), there is no ORM whose models Alembic would
diff, and a reviewer or DBA reads exactly the SQL the server runs. `hb_schema` records each
applied file with its checksum; `upgrade()` applies the missing ones under an advisory lock,
one transaction per file, so running it twice (or from two machines at once) is harmless.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from runtime.errors import StoreError

_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
MIGRATE_LOCK = 0x48424D47  # advisory lock key "HBMG": one upgrader at a time


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file text (an applied file must never change)."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def migrations() -> list[Migration]:
    """Every migration shipped in the package, by version."""
    out = []
    folder = resources.files("runtime.store.postgres") / "migrations"
    for entry in folder.iterdir():
        m = _FILE_RE.match(entry.name)
        if m:
            out.append(Migration(int(m[1]), m[2], entry.read_text(encoding="utf-8")))
    out.sort(key=lambda m: m.version)
    versions = [m.version for m in out]
    if versions != list(range(1, len(out) + 1)):
        raise StoreError(f"migration files are not numbered 1..N without gaps: {versions}")
    return out


def latest_version() -> int:
    """The schema version this code needs."""
    return len(migrations())


_CREATE = """
CREATE TABLE IF NOT EXISTS hb_schema (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


def current_version(conn: Any) -> int:
    """The highest applied migration (0 for an empty database)."""
    row = conn.execute("SELECT to_regclass('hb_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    got = conn.execute("SELECT coalesce(max(version), 0) FROM hb_schema").fetchone()
    return int(got[0]) if got else 0


def upgrade(conn: Any) -> list[Migration]:
    """Apply every missing migration (idempotent); returns the ones applied now.

    `conn` must be in autocommit mode; each file runs in its own transaction.
    """
    applied_now: list[Migration] = []
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        conn.execute(_CREATE)
        rows = conn.execute("SELECT version, checksum FROM hb_schema").fetchall()
        done = {int(v): c for v, c in rows}
        for mig in migrations():
            if mig.version in done:
                if done[mig.version] != mig.checksum:
                    raise StoreError(
                        f"migration {mig.version:04d}_{mig.name}.sql differs from the one applied "
                        "to this database; applied migrations must never be edited"
                    )
                continue
            with conn.transaction():
                conn.execute(mig.sql)
                conn.execute(
                    "INSERT INTO hb_schema (version, name, checksum) VALUES (%s, %s, %s)",
                    (mig.version, mig.name, mig.checksum),
                )
            applied_now.append(mig)
        from runtime.store.postgres.pages import backfill

        backfill(conn)  # derived page columns of older rows (a no-op when all are current)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
    return applied_now


def require_current(conn: Any, where: str) -> None:
    """Refuse to run on a database whose schema is older (or newer) than this code."""
    have, need = current_version(conn), latest_version()
    if have < need:
        what = "has no Handbook schema" if have == 0 else f"has schema version {have}"
        raise StoreError(
            f"the database {where} {what}; this version of Handbook needs schema {need}. "
            f"Run: handbook db upgrade --url '{where}'"
        )
    if have > need:
        raise StoreError(
            f"the database {where} has schema version {have}, newer than this Handbook "
            f"(needs {need}); upgrade the application before using this database"
        )
