"""`PgStore`: the `Repository` on PostgreSQL (psycopg 3, a connection pool, JSONB documents).

Same semantics as the embedded store (runtime/store/repository.py):

- Every repository table is one physical table `(id bigint identity, rev integer, body jsonb)`,
  created on the first write and registered in `hb_tables`. Ids are never reused (identity).
- Single writes commit on their own (autocommit; durable once the call returns when the
  server runs with synchronous_commit=on, its default).
- `transaction()` is one server transaction (nested blocks are savepoints). Like the embedded
  store, whose writers are serialised by one lock file, write transactions are serialised by
  one transaction-scoped advisory lock: a read-check-write inside a transaction (the record
  number counter, "insert the task unless its key exists") can never interleave with another,
  so numbers stay unique and gapless and nothing deadlocks. Reads outside a transaction never
  wait for it (MVCC) — that is what lets many processes serve pages at once.
- Optimistic concurrency is enforced in SQL: `UPDATE ... WHERE id = $1 AND rev = $2`; of two
  processes updating from the same revision, exactly one wins.
- Equality filters on the default fields are answered by one GIN index on `hb_keys(body)`,
  ranges by btree indexes on `hb_order_key(body->'field')` (due_at, created_at, and any field
  given to `ensure_index(..., ordered=True)`); a `where` predicate is evaluated here.
- A lost connection (server restart, network) is replaced by the pool; the failing call raises
  StoreError saying the database is unavailable and nothing was saved, the next call works
  again once the server is back — no application restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from runtime.errors import ConflictError, NotFound, StoreError, StoreUnavailable
from runtime.store.embedded.indexes import bound_key
from runtime.store.embedded.journal import DEFAULT_EQ_FIELDS, check_table_name
from runtime.store.embedded.store import _order_value, _text_hit
from runtime.store.pages import CALLBACK_FORM, PAGE_SIZE, CaseCounts, MonthlyReport, Page
from runtime.store.postgres import pages, schema
from runtime.store.postgres.codec import (
    _escape_str,
    _unescape_str,
    decode,
    dumps_value,
    encode,
    top_keys,
)
from runtime.store.repository import RESERVED, Criteria, Doc, DocId, iso

WRITE_LOCK = 0x48425752  # advisory lock key "HBWR": one write transaction at a time
DDL_LOCK = 0x48424444  # "HBDD": table/index creation
DEFAULT_ORDERED = ("due_at", "created_at")
_EQ = frozenset(DEFAULT_EQ_FIELDS)
_LIKE_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f\uf8ff]')


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<database url>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, user + host + port, parts.path, parts.query, ""))


def _lit(text: str) -> str:
    """A SQL string literal (standard_conforming_strings: only quotes need doubling)."""
    if "\x00" in text:
        raise StoreError("a field name cannot contain NUL")
    return "'" + text.replace("'", "''") + "'"


def _path_sql(path: str) -> str:
    parts = [_escape_str(p) for p in path.split(".")]
    if len(parts) == 1:
        return f"(body -> {_lit(parts[0])})"
    return "(body #> ARRAY[" + ",".join(_lit(p) for p in parts) + "]::text[])"


class PgStore:
    """The record store on a PostgreSQL database (thread-safe; one per process)."""

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 0,
        max_size: int = 10,
        timeout: float = 5.0,
        check_schema: bool = True,
    ) -> None:
        self.url = url
        self.where = redact(url)
        self._timeout = timeout
        self._min_size = min_size
        self._max_size = max_size
        self._local = threading.local()
        self._rels: dict[str, str] = {}
        self._extra: dict[str, set[tuple[str, bool]]] = {}
        self._made: set[tuple[str, str, bool]] = set()
        self._meta = threading.Lock()
        self._closed = False
        try:
            self._pool = self._new_pool()
            self._pool.open(wait=True, timeout=timeout)
        except (PoolTimeout, psycopg.Error) as exc:
            raise StoreUnavailable(
                f"cannot connect to the database {self.where}: {exc}; is the server running "
                "and HANDBOOK_DATABASE_URL right?"
            ) from None
        try:
            # A direct first connection: its error says why (no server, bad password), where
            # the pool would only report a timeout.
            with psycopg.connect(url, autocommit=True, connect_timeout=int(timeout) or 1) as c:
                if check_schema:
                    schema.require_current(c, self.where)
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreUnavailable(
                f"cannot connect to the database {self.where}: {str(exc).strip()}; is the server "
                "running and HANDBOOK_DATABASE_URL right?"
            ) from None
        except BaseException:
            self._pool.close()
            raise

    # ------------------------------------------------------------------ connections
    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(
            f"the database {self.where} is unavailable ({str(exc).strip() or type(exc).__name__})"
            "; the last action was not saved — try again in a moment"
        )

    def _new_pool(self) -> ConnectionPool:
        """A closed pool of autocommit connections (the caller opens it)."""
        return ConnectionPool(
            self.url,
            min_size=self._min_size,
            max_size=self._max_size,
            kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,
            timeout=self._timeout,
            name="handbook",
            open=False,
        )

    def _getconn(self) -> tuple[ConnectionPool, psycopg.Connection[Any]]:
        """A pooled connection and the pool it must go back to.

        After an outage psycopg_pool retries with a doubling back-off, so a server that is back
        could stay "unavailable" for minutes. When the pool times out but a direct connection
        works, the server is back: the pool is replaced and the request tried once more.
        """
        pool = self._pool
        try:
            return pool, pool.getconn(timeout=self._timeout)
        except PoolTimeout as exc:
            if not self._server_answers():
                raise self._unavailable(exc) from None
            pool = self._renew_pool(pool)
            try:
                return pool, pool.getconn(timeout=self._timeout)
            except PoolTimeout as again:
                raise self._unavailable(again) from None

    def _server_answers(self) -> bool:
        try:
            with self._ddl() as c:  # a direct connection, outside the pool
                c.execute("SELECT 1")
            return True
        except (StoreUnavailable, psycopg.Error):
            return False

    def _renew_pool(self, stale: ConnectionPool) -> ConnectionPool:
        """Swap `stale` for a fresh open pool (once, however many threads noticed)."""
        with self._meta:
            if self._pool is stale and not self._closed:
                fresh = self._new_pool()
                fresh.open(wait=False)
                self._pool = fresh
                # Connections other threads still hold go back to the stale pool, which closes
                # them; closing it here must not wait for them.
                threading.Thread(target=stale.close, daemon=True).start()
            return self._pool

    @contextlib.contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        """The thread's transaction connection, or a pooled autocommit one."""
        if self._closed:
            raise StoreError("the store is closed")
        tx = getattr(self._local, "conn", None)
        if tx is not None:
            try:
                yield tx
            except psycopg.Error as exc:
                raise self._translate(exc) from None
            return
        try:
            pool, conn = self._getconn()
        except psycopg.Error as exc:
            raise self._translate(exc) from None
        try:
            with conn:
                yield conn
        except psycopg.Error as exc:
            raise self._translate(exc) from None
        finally:
            pool.putconn(conn)

    def _translate(self, exc: Exception) -> StoreError:
        """A lost connection is StoreUnavailable (retry later); anything else a StoreError."""
        state = getattr(exc, "sqlstate", None)
        lost = isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) and (
            state is None or state[:2] in ("08", "57")
        )
        if isinstance(exc, PoolTimeout) or lost:
            return self._unavailable(exc)
        return StoreError(f"database error: {str(exc).strip()}")

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read; outside a transaction one retry on a fresh connection (restarts)."""
        args = list(params)
        in_tx = getattr(self._local, "conn", None) is not None
        for attempt in (0, 1):
            try:
                with self._conn() as conn:
                    return conn.execute(sql, args).fetchall()
            except StoreUnavailable:
                if in_tx or attempt:
                    raise
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nested blocks: savepoints)."""
        tx = getattr(self._local, "conn", None)
        if tx is not None:
            with self._conn() as conn, conn.transaction():
                yield
            return
        if self._closed:
            raise StoreError("the store is closed")
        try:
            pool, conn = self._getconn()
        except psycopg.OperationalError as exc:
            raise self._unavailable(exc) from None
        try:
            try:
                txn = conn.transaction()
                txn.__enter__()
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            except psycopg.Error as exc:
                raise self._unavailable(exc) from None
            self._local.conn = conn
            try:
                yield
            except BaseException as exc:
                self._local.conn = None
                with contextlib.suppress(psycopg.Error):
                    txn.__exit__(type(exc), exc, exc.__traceback__)
                raise
            self._local.conn = None
            try:
                txn.__exit__(None, None, None)  # COMMIT
            except psycopg.Error as exc:
                raise self._translate(exc) from None
        finally:
            self._local.conn = None
            pool.putconn(conn)

    def in_transaction(self) -> bool:
        """True inside transaction() on this thread."""
        return getattr(self._local, "conn", None) is not None

    # ------------------------------------------------------------------ tables
    def _rel(self, table: str, *, create: bool) -> str | None:
        """Physical table of a repository table (created when `create`), None if absent."""
        check_table_name(table)
        rel = self._rels.get(table)
        if rel is not None:
            return rel
        rows = self._read("SELECT relname FROM hb_tables WHERE name = %s", (table,))
        if rows:
            rel = str(rows[0][0])
        elif not create:
            return None
        else:
            rel = self._create_table(table)
        with self._meta:
            self._rels[table] = rel
        self._ensure_extra(table, rel)
        return rel

    def _writable(self, table: str) -> str:
        """The physical table to write to (created on first use)."""
        rel = self._rel(table, create=True)
        assert rel is not None
        return rel

    def _ddl(self) -> psycopg.Connection[Any]:
        # A separate connection: table creation must commit on its own even when the caller's
        # transaction later rolls back, and must not wait for the write lock that caller holds.
        try:
            # connect_timeout 0 would mean "wait forever": at least a second.
            return psycopg.connect(self.url, autocommit=True,
                                   connect_timeout=max(1, int(self._timeout)))
        except psycopg.Error as exc:
            raise self._unavailable(exc) from None

    def _create_table(self, table: str) -> str:
        if "\x00" in table:
            raise StoreError(f"invalid table name {table!r}")
        slug = re.sub(r"[^a-z0-9]+", "_", table.lower()).strip("_")[:30] or "t"
        rel = f"hb_{slug}_{hashlib.md5(table.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        with self._ddl() as conn:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
                    row = conn.execute(
                        "SELECT relname FROM hb_tables WHERE name = %s", (table,)
                    ).fetchone()
                    if row:
                        return str(row[0])
                    conn.execute(
                        f"CREATE TABLE {rel} (id bigint GENERATED BY DEFAULT AS IDENTITY "
                        "PRIMARY KEY, rev integer NOT NULL DEFAULT 1, body jsonb NOT NULL)"
                    )
                    conn.execute(
                        f"CREATE INDEX {rel}_keys ON {rel} USING gin (hb_keys(body) jsonb_path_ops)"
                    )
                    for f in DEFAULT_ORDERED:
                        conn.execute(
                            f"CREATE INDEX {rel}_o_{f} ON {rel} (hb_order_key(body -> {_lit(f)}))"
                        )
                    conn.execute("SELECT hb_add_page_columns(%s, %s)", (rel, table))
                    conn.execute(
                        "INSERT INTO hb_tables (name, relname) VALUES (%s, %s)", (table, rel)
                    )
            except psycopg.OperationalError as exc:
                raise self._unavailable(exc) from None
            except psycopg.Error as exc:
                raise StoreError(f"cannot create table {table!r}: {exc}") from None
        return rel

    def ensure_index(self, table: str, field: str, *, ordered: bool = False) -> None:
        """Make queries on `field` use an index (created in the database once)."""
        check_table_name(table)
        if not isinstance(field, str) or not field:
            raise StoreError(f"invalid field {field!r}")
        if (ordered and field in DEFAULT_ORDERED) or (not ordered and field in _EQ):
            return
        with self._meta:
            self._extra.setdefault(table, set()).add((field, ordered))
        rel = self._rels.get(table) or self._rel(table, create=False)
        if rel is not None:
            self._ensure_extra(table, rel)

    def _ensure_extra(self, table: str, rel: str) -> None:
        for field, ordered in sorted(self._extra.get(table, ())):
            if (rel, field, ordered) in self._made:
                continue
            digest = hashlib.md5(f"{field}/{ordered}".encode("utf-8", "surrogatepass"))
            name = f"{rel}_x{digest.hexdigest()[:8]}"
            expr = _path_sql(field)
            ddl = (
                f"CREATE INDEX IF NOT EXISTS {name} ON {rel} (hb_order_key({expr}))"
                if ordered
                else f"CREATE INDEX IF NOT EXISTS {name} ON {rel} USING gin ({expr} jsonb_path_ops)"
            )
            exists = self._read("SELECT to_regclass(%s) IS NOT NULL", (name,))
            if not exists[0][0]:
                with self._ddl() as conn:
                    try:
                        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
                        conn.execute(ddl)
                    except psycopg.Error as exc:
                        raise StoreError(f"cannot index {table}.{field}: {exc}") from None
            with self._meta:
                self._made.add((rel, field, ordered))

    def tables(self) -> list[str]:
        """Names of the tables that have ever been written."""
        return [str(r[0]) for r in self._read("SELECT name FROM hb_tables ORDER BY name")]

    # ------------------------------------------------------------------ writes
    @staticmethod
    def _fresh(table: str, doc: Mapping[str, Any]) -> tuple[Any, ...]:
        """INSERT parameters: the body text, then the page columns (tables that have them)."""
        if not isinstance(doc, Mapping):
            raise StoreError(f"a document must be a mapping, not {type(doc).__name__}")
        bad = [k for k in RESERVED if k in doc]
        if bad:
            raise StoreError(f"{', '.join(bad)} is assigned by the store, not the caller")
        text, value = encode(doc)
        derived = pages.derive(table, value)
        return (text,) if derived is None else (text, *derived)

    @staticmethod
    def _insert_sql(rel: str, table: str) -> str:
        if table not in pages.PAGE_TABLES:
            return f"INSERT INTO {rel} (body) VALUES (%s::jsonb) RETURNING id"
        cols = ", ".join(pages.COLUMNS)
        marks = ", ".join(["%s"] * len(pages.COLUMNS))
        return f"INSERT INTO {rel} (body, {cols}) VALUES (%s::jsonb, {marks}) RETURNING id"

    def insert(self, table: str, doc: Mapping[str, Any]) -> DocId:
        """Store a new document durably; returns its id."""
        params = self._fresh(table, doc)
        rel = self._writable(table)
        with self._conn() as conn:
            row = conn.execute(self._insert_sql(rel, table), params).fetchone()
        assert row is not None
        return int(row[0])

    def insert_many(self, table: str, docs: Iterable[Mapping[str, Any]]) -> list[DocId]:
        """Store several documents atomically (all or none)."""
        rows = [self._fresh(table, d) for d in docs]
        if not rows:
            return []
        rel = self._writable(table)
        with self._conn() as conn, conn.transaction():
            cur = conn.cursor()
            cur.executemany(self._insert_sql(rel, table), rows, returning=True)
            ids: list[int] = []
            while True:
                row = cur.fetchone()
                if row is not None:
                    ids.append(int(row[0]))
                if not cur.nextset():
                    break
        return ids

    def update(
        self,
        table: str,
        doc_id: DocId,
        changes: Mapping[str, Any],
        *,
        by: str,
        at: datetime | str,
        expected_rev: int | None = None,
    ) -> Doc:
        """Set top-level fields (bumps rev, stamps updated_by/at); CAS on `expected_rev` in SQL."""
        if not isinstance(changes, Mapping):
            raise StoreError(f"changes must be a mapping, not {type(changes).__name__}")
        bad = [k for k in RESERVED if k in changes]
        if bad:
            raise StoreError(f"{', '.join(bad)} cannot be changed")
        stamp = iso(at)
        merged = {**changes, "updated_by": by, "updated_at": stamp}
        text, _ = encode(merged, top_order=False)
        rel = self._rel(table, create=False)
        if rel is None:
            raise NotFound(f"{table} {doc_id} does not exist")
        cas = "" if expected_rev is None else " AND rev = %s"
        params: list[Any] = [text, top_keys(merged), int(doc_id)]
        params += [] if expected_rev is None else [expected_rev]
        paged = table in pages.PAGE_TABLES
        with self._conn() as conn, (
            conn.transaction() if paged and not self.in_transaction()
            else contextlib.nullcontext()
        ):
            row = conn.execute(
                f"UPDATE {rel} SET body = hb_merge(body, %s::jsonb, %s::text[]), rev = rev + 1 "
                f"WHERE id = %s{cas} RETURNING id, rev, body::text",
                params,
            ).fetchone()
            if row is None:
                self._refuse(conn, rel, table, doc_id, expected_rev)
            assert row is not None
            out = self._export(row)
            if paged:
                # the page columns follow the whole document, in the same transaction
                body = {k: v for k, v in out.items() if k not in RESERVED}
                derived = pages.derive(table, body)
                assert derived is not None
                sets = ", ".join(f"{c} = %s" for c in pages.COLUMNS)
                conn.execute(f"UPDATE {rel} SET {sets} WHERE id = %s", (*derived, out["id"]))
        return out

    @staticmethod
    def _refuse(
        conn: psycopg.Connection[Any], rel: str, table: str, doc_id: DocId, expected: int | None
    ) -> None:
        cur = conn.execute(
            f"SELECT rev, body ->> 'updated_by' FROM {rel} WHERE id = %s", (int(doc_id),)
        ).fetchone()
        if cur is None:
            raise NotFound(f"{table} {doc_id} does not exist")
        who = _unescape_str(cur[1]) if cur[1] is not None else "someone"
        raise ConflictError(
            f"{table} {doc_id} was changed by {who} "
            f"(revision {cur[0]}, you edited revision {expected})"
        )

    def delete(self, table: str, doc_id: DocId, *, expected_rev: int | None = None) -> None:
        """Erase a scratch document (drafts, sessions). Records are voided, never deleted."""
        rel = self._rel(table, create=False)
        if rel is None:
            raise NotFound(f"{table} {doc_id} does not exist")
        cas = "" if expected_rev is None else " AND rev = %s"
        params: list[Any] = [int(doc_id)] + ([] if expected_rev is None else [expected_rev])
        with self._conn() as conn:
            row = conn.execute(f"DELETE FROM {rel} WHERE id = %s{cas} RETURNING id", params)
            if row.fetchone() is None:
                exists = conn.execute(f"SELECT 1 FROM {rel} WHERE id = %s", (int(doc_id),))
                if exists.fetchone() is None:
                    raise NotFound(f"{table} {doc_id} does not exist")
                raise ConflictError(f"{table} {doc_id} changed since revision {expected_rev}")

    # ------------------------------------------------------------------ reads
    @staticmethod
    def _export(row: tuple[Any, ...]) -> Doc:
        body = decode(row[2])
        return {"id": int(row[0]), **body, "rev": int(row[1])}

    def get(self, table: str, doc_id: DocId) -> Doc:
        """One document as a fresh dict; raises NotFound."""
        rel = self._rel(table, create=False)
        rows = (
            self._read(f"SELECT id, rev, body::text FROM {rel} WHERE id = %s", (int(doc_id),))
            if rel is not None and isinstance(doc_id, int)
            else []
        )
        if not rows:
            raise NotFound(f"{table} {doc_id} does not exist")
        return self._export(rows[0])

    def query(self, table: str, criteria: Criteria) -> list[Doc]:
        """Documents matching the criteria, as fresh dicts."""
        rel = self._rel(table, create=False)
        if rel is None:
            self._plan(criteria, [])  # bad bounds still raise, as in the embedded store
            return []
        params: list[Any] = []
        cond, python_side = self._plan(criteria, params)
        c = criteria
        if not python_side:
            order = self._order_sql(c)
            page = ""
            if c.offset:
                page += " OFFSET %s"
                params.append(int(c.offset))
            if c.limit is not None:
                page += " LIMIT %s"
                params.append(int(c.limit))
            rows = self._read(
                f"SELECT id, rev, body::text FROM {rel} WHERE {cond} ORDER BY {order}{page}",
                params,
            )
            return [self._export(r) for r in rows]
        rows = self._read(f"SELECT id, rev, body::text FROM {rel} WHERE {cond} ORDER BY id", params)
        docs = [d for d in (self._export(r) for r in rows) if self._python_ok(d, c)]
        if c.order_by is None:
            if c.descending:
                docs.reverse()
        else:
            path = c.order_by
            docs.sort(key=lambda d: _order_value(_body(d), path), reverse=c.descending)
        end = None if c.limit is None else c.offset + c.limit
        return docs[c.offset : end]

    @staticmethod
    def _python_ok(doc: Doc, c: Criteria) -> bool:
        body = _body(doc)
        if c.text and not _text_hit(body, c.text.casefold(), c.text_fields):
            return False
        return c.where is None or bool(c.where(body))

    def _plan(self, c: Criteria, params: list[Any]) -> tuple[str, bool]:
        """SQL condition for the criteria; True when Python must finish the filtering."""
        parts: list[str] = []
        for f, wanted in c.equals.items():
            parts.append(_eq_sql(f, wanted, params))
        for f, (lo, hi) in c.ranges.items():
            klo, khi = bound_key(lo, f), bound_key(hi, f)
            key = f"hb_order_key({_path_sql(f)})"
            if klo is None and khi is None:
                parts.append(f"{key} IS NOT NULL")
            if klo is not None:
                parts.append(f"{key} >= %s")
                params.append(klo)
            if khi is not None:
                parts.append(f"{key} < %s")
                params.append(khi)
        python_side = c.where is not None
        if c.text:
            python_side = True
            needle = c.text.casefold()
            if needle == c.text.lower().casefold() and not _LIKE_UNSAFE.search(needle):
                # A superset prefilter: JSON text of the fields, lower-cased; Python rechecks.
                pattern = "%" + re.sub(r"([%_\\])", r"\\\1", needle) + "%"
                roots = (
                    ["body"] if c.text_fields is None else [_path_sql(f) for f in c.text_fields]
                )
                likes = [f"lower(({r})::text) LIKE %s" for r in roots]
                params.extend([pattern] * len(likes))
                parts.append("(" + " OR ".join(likes) + ")")
        return (" AND ".join(parts) or "TRUE"), python_side

    @staticmethod
    def _order_sql(c: Criteria) -> str:
        if c.order_by is None:
            return "id DESC" if c.descending else "id"
        v = _path_sql(c.order_by)
        d = " DESC" if c.descending else ""
        rank = f"(CASE WHEN hb_order_key({v}) IS NOT NULL THEN 0 WHEN {v} IS NULL OR {v} = 'null'::jsonb THEN 2 ELSE 1 END)"  # noqa: E501
        # Python sorts the rest by str(value): booleans read True/False there
        # (only values without an order key: equal keys keep id order, as Python's stable sort)
        txt = (
            f"(CASE WHEN hb_order_key({v}) IS NOT NULL THEN NULL "
            f"WHEN jsonb_typeof({v}) = 'boolean' THEN initcap({v} #>> '{{}}') "
            f"ELSE {v} #>> '{{}}' END)"
        )
        return f"{rank}{d}, hb_order_key({v}){d}, {txt} COLLATE \"C\"{d}, id"

    def find(
        self,
        table: str,
        /,
        *,
        due_before: Any = None,
        order_by: str | None = None,
        limit: int | None = None,
        **equals: Any,
    ) -> list[Doc]:
        """Documents whose fields equal the keywords, optionally with due_at < due_before."""
        ranges = {"due_at": (None, due_before)} if due_before is not None else {}
        return self.query(table, Criteria(equals, ranges, order_by=order_by, limit=limit))

    def count(self, table: str, criteria: Criteria | None = None, /, **equals: Any) -> int:
        """How many documents match (criteria and/or equality keywords)."""
        c = criteria or Criteria()
        if equals:
            c = Criteria({**c.equals, **equals}, c.ranges, c.text, c.text_fields, c.where)
        rel = self._rel(table, create=False)
        if rel is None:
            self._plan(c, [])
            return 0
        params: list[Any] = []
        cond, python_side = self._plan(c, params)
        if python_side:
            plain = Criteria(c.equals, c.ranges, c.text, c.text_fields, c.where)
            total = len(self.query(table, plain))
        else:
            total = int(self._read(f"SELECT count(*) FROM {rel} WHERE {cond}", params)[0][0])
        if not c.equals and not c.ranges and c.text is None and c.where is None:
            return total  # the embedded store counts the whole table here, paging or not
        # otherwise, like the embedded store, paging in the criteria applies to the count
        total = max(0, total - c.offset)
        return total if c.limit is None else min(total, c.limit)

    def all(self, table: str) -> list[Doc]:
        """Every document of a table, by id."""
        return self.query(table, Criteria())

    # ------------------------------------------------------------------ page queries
    # Semantics: runtime/store/repository.py; SQL and derived columns: postgres/pages.py.

    def open_tasks(
        self,
        *,
        roles: Collection[str],
        user: str | None,
        properties: Collection[str | None],
        now: datetime,
        soon: timedelta = timedelta(hours=4),
        kind: str | None = None,
        offset: int = 0,
        limit: int | None = PAGE_SIZE,
    ) -> Page:
        """我的待办: open tasks of the roles in the properties, most urgent first."""
        return pages.open_tasks(self, roles=roles, user=user, properties=properties, now=now,
                                soon=soon, kind=kind, offset=offset, limit=limit)

    def search_cases(
        self,
        *,
        properties: Collection[str | None],
        text: str | None = None,
        status: str | None = None,
        procedures: Collection[str] | None = None,
        personal: bool = False,
        offset: int = 0,
        limit: int | None = PAGE_SIZE,
    ) -> Page:
        """Cases newest first (trigram-indexed text search)."""
        return pages.search_cases(self, properties=properties, text=text, status=status,
                                  procedures=procedures, personal=personal, offset=offset,
                                  limit=limit)

    def search_records(
        self,
        *,
        properties: Collection[str | None],
        text: str | None = None,
        form_id: str | None = None,
        include_voided: bool = False,
        personal: bool = False,
        offset: int = 0,
        limit: int | None = PAGE_SIZE,
    ) -> Page:
        """Records newest first (trigram-indexed text search)."""
        return pages.search_records(self, properties=properties, text=text, form_id=form_id,
                                    include_voided=include_voided, personal=personal,
                                    offset=offset, limit=limit)

    def case_counts(
        self, *, properties: Collection[str | None], now: datetime, month: date | None = None
    ) -> list[CaseCounts]:
        """Dashboard counts per property and procedure (one GROUP BY)."""
        return pages.case_counts(self, properties=properties, now=now, month=month)

    def monthly_report(
        self,
        *,
        properties: Collection[str | None],
        month: date,
        procedures: Collection[str],
        callback_form: str = CALLBACK_FORM,
    ) -> MonthlyReport:
        """客户投诉工作月报 of a month from that month's rows only."""
        return pages.monthly_report(self, properties=properties, month=month,
                                    procedures=procedures, callback_form=callback_form)

    # ------------------------------------------------------------------ bulk (db copy)
    def scan(self, table: str, batch: int = 2000) -> Iterator[tuple[int, int, str]]:
        """(id, rev, JSON body text as stored) of every document, by id, in batches."""
        rel = self._rel(table, create=False)
        if rel is None:
            return
        last = 0
        while True:
            rows = self._read(
                f"SELECT id, rev, body::text FROM {rel} WHERE id > %s ORDER BY id LIMIT %s",
                (last, batch),
            )
            if not rows:
                return
            for r in rows:
                yield int(r[0]), int(r[1]), str(r[2])
            last = int(rows[-1][0])

    def put_raw(self, table: str, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
        """Insert documents with their own ids and revisions (copying a database); one commit."""
        rel = self._rel(table, create=True)
        n = 0
        paged = table in pages.PAGE_TABLES
        cols = "id, rev, body" + (", " + ", ".join(pages.COLUMNS) if paged else "")
        copy = f"COPY {rel} ({cols}) FROM STDIN"
        with self._conn() as conn, conn.transaction(), conn.cursor().copy(copy) as cp:
            for doc_id, doc in rows:
                body = {k: v for k, v in doc.items() if k not in RESERVED}
                text, value = encode(body)
                derived = pages.derive(table, value) if paged else None
                cp.write_row((int(doc_id), int(doc.get("rev", 1)), text, *(derived or ())))
                n += 1
        return n

    def last_id(self, table: str) -> int:
        """The highest id ever handed out in `table` (0 when none)."""
        rel = self._rel(table, create=False)
        if rel is None:
            return 0
        # pg_sequences has no is_called; pg_sequence_last_value is NULL until the first
        # nextval/setval, which is exactly "no id handed out yet"
        rows = self._read(
            f"SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('{rel}', 'id')), 0),"
            f" (SELECT coalesce(max(id), 0) FROM {rel})"
        )
        seq, top = rows[0]
        return max(int(top), int(seq))

    def set_last_id(self, table: str, last: int) -> None:
        """Make new ids start after `last` (ids are never reused)."""
        rel = self._rel(table, create=True)
        if last > 0:
            self._read(f"SELECT setval(pg_get_serial_sequence('{rel}', 'id'), %s)", (int(last),))

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the pool; the store cannot be used afterwards."""
        with self._meta:  # not while _renew_pool swaps pools: the fresh one would leak
            if self._closed:
                return
            self._closed = True
        self._pool.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _body(doc: Doc) -> Doc:
    return doc  # the exported document is what predicates see (id and rev included)


def _eq_sql(path: str, wanted: Any, params: list[Any]) -> str:
    """Equality with the embedded store's semantics (runtime.store.indexes.value_matches)."""
    if isinstance(wanted, set | frozenset | tuple):
        parts = [_eq_sql(path, w, params) for w in wanted]
        return "(" + " OR ".join(parts) + ")" if parts else "FALSE"
    expr = _path_sql(path)
    if wanted is None:
        return f"coalesce({expr}, 'null'::jsonb) = 'null'::jsonb"
    try:
        text = dumps_value(wanted)
    except (TypeError, ValueError):
        return "FALSE"  # not JSON data (a datetime object, NaN): stored documents never equal it
    if isinstance(wanted, dict | list):
        params.append(text)
        return f"{expr} = %s::jsonb"
    if path in _EQ:
        # one GIN index (hb_keys); a list field contains the value: {"f": [v]}
        key = _escape_str(path)
        params.append(dumps_value({key: wanted}))
        params.append(dumps_value({key: [wanted]}))
        return "(hb_keys(body) @> %s::jsonb OR hb_keys(body) @> %s::jsonb)"
    params.append(text)
    return f"{expr} @> %s::jsonb"  # scalar @> scalar is equality; an array contains it


def open_pg_store(url: str, **kwargs: Any) -> PgStore:
    """Open the store on the database at `url` (its schema must be current)."""
    return PgStore(url, **kwargs)
