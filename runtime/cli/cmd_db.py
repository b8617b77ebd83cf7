"""`handbook db upgrade|status|copy`: the PostgreSQL backend's schema and moving data."""

from __future__ import annotations

import argparse
import sys

from runtime.errors import HandbookError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `db` with `upgrade`, `status` and `copy`."""
    p = sub.add_parser("db", help="PostgreSQL backend: schema upgrade, status, copy data")
    dsub = p.add_subparsers(dest="db_command", required=True)

    pu = dsub.add_parser("upgrade", help="apply missing schema migrations (idempotent)")
    pu.add_argument("--url", help="postgresql:// URL (default: $HANDBOOK_DATABASE_URL)")
    pu.set_defaults(func=_upgrade)

    ps = dsub.add_parser("status", help="schema version and tables of a database")
    ps.add_argument("--url", help="postgresql:// URL (default: $HANDBOOK_DATABASE_URL)")
    ps.set_defaults(func=_status)

    pc = dsub.add_parser(
        "copy",
        help="copy every table between a data directory and a database (either way)",
        description="FROM and TO are each a data directory (its store/ folder) or a "
        "postgresql:// URL. The destination must be empty; counts and checksums of both "
        "sides are printed and compared.",
    )
    pc.add_argument("--from", dest="source", required=True, help="DATA_DIR or URL")
    pc.add_argument("--to", dest="dest", required=True, help="DATA_DIR or URL")
    pc.set_defaults(func=_copy)


def _url(args: argparse.Namespace) -> str | None:
    from runtime.store.backends import database_url

    url = args.url or database_url()
    if not url:
        print("error: give --url or set HANDBOOK_DATABASE_URL", file=sys.stderr)
    return url


def _connect(url: str) -> object:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def _upgrade(args: argparse.Namespace) -> int:
    url = _url(args)
    if not url:
        return 2
    try:
        import psycopg

        from runtime.store.postgres import schema
        from runtime.store.postgres.store import redact

        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            before = schema.current_version(conn)
            applied = schema.upgrade(conn)
            after = schema.current_version(conn)
    except (HandbookError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # psycopg errors: connection refused, permissions
        print(f"error: cannot upgrade {redact(url)}: {exc}", file=sys.stderr)
        return 1
    if applied:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied)
        print(f"schema {before} -> {after}: applied {names}")
    else:
        print(f"schema is current (version {after}); nothing to do")
    return 0


def _status(args: argparse.Namespace) -> int:
    url = _url(args)
    if not url:
        return 2
    try:
        from runtime.store.postgres import schema
        from runtime.store.postgres.store import open_pg_store, redact

        with _connect(url) as conn:  # type: ignore[attr-defined]
            have = schema.current_version(conn)
        need = schema.latest_version()
        print(f"database: {redact(url)}\nschema: {have} (this Handbook needs {need})")
        if have != need:
            return 1
        with open_pg_store(url) as store:
            for t in store.tables():
                print(f"  {t}: {store.count(t)}")
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _copy(args: argparse.Namespace) -> int:
    from runtime.store.postgres.copy import copy, format_reports, open_side

    try:
        source = open_side(args.source, create=False)
        try:
            dest = open_side(args.dest, create=True)
            try:
                reports = copy(source, dest, on_table=lambda t: None)
            finally:
                dest.close()
        finally:
            source.close()
    except HandbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_reports(reports))
    bad = [r.table for r in reports if not r.ok]
    if bad:
        print(f"error: {len(bad)} table(s) differ after the copy: {', '.join(bad)}",
              file=sys.stderr)
        return 1
    print(f"copied {len(reports)} table(s); counts and checksums match")
    return 0
