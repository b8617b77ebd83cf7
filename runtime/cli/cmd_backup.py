"""`handbook backup --to FILE` and `handbook restore FILE`: verified copies of the data folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `backup` and `restore`."""
    b = sub.add_parser("backup", help="write a verified backup of the data directory (app may run)")
    b.add_argument("--to", type=Path, required=True, help="the archive to write (.tar.gz)")
    b.add_argument("--data", type=Path, default=None,
                   help="data directory (default: $HANDBOOK_DATA or ./data)")
    b.set_defaults(func=_backup)
    r = sub.add_parser("restore", help="verify a backup and restore it into a data directory")
    r.add_argument("archive", type=Path, help="an archive written by `handbook backup`")
    r.add_argument("--data", type=Path, default=None,
                   help="data directory to restore into (default: $HANDBOOK_DATA or ./data)")
    r.add_argument("--force", action="store_true",
                   help="the data directory is not empty: move it aside and restore")
    r.set_defaults(func=_restore)


def _progress(step: str) -> None:
    print(f"… {step}", file=sys.stderr, flush=True)


def _print(report) -> None:  # type: ignore[no-untyped-def]
    for table, sums in report.tables.items():
        print(f"  {table:<22} {sums['count']:>9}  {sums['sha256'][:16]}")
    print(f"  files: {report.files}")


def _backup(args: argparse.Namespace) -> int:
    from runtime.backup import backup
    from runtime.errors import HandbookError
    from runtime.store.backends import database_url
    from runtime.versions import data_dir

    if database_url():
        # issue 14: the records are in PostgreSQL, not in DATA/store; say so instead of
        # writing a backup that silently lacks them.
        print("note: HANDBOOK_DATABASE_URL is set: this archive holds the data directory "
              "(versions, drafts, attachments) but not the PostgreSQL records; back those up "
              "with pg_dump, or `handbook db copy --from URL --to DIR` first", file=sys.stderr)
    try:
        report = backup(args.data or data_dir(), args.to, progress=_progress)
    except (HandbookError, OSError) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {report.archive} ({report.created_at}), verified:")
    _print(report)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from runtime.backup import restore
    from runtime.errors import HandbookError
    from runtime.versions import data_dir

    target = args.data or data_dir()
    try:
        report = restore(args.archive, target, force=args.force, progress=_progress)
    except (HandbookError, OSError) as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored {report.archive} (backup of {report.created_at}) into {target}; "
          f"every table and file matches the manifest:")
    _print(report)
    return 0
