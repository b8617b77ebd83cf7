"""`handbook db copy`: move every table between a data directory and a database, both ways.

Documents keep their ids and revisions. The destination must be empty (nothing is merged or
overwritten). Afterwards both sides are read back and compared per table: document count
and a content checksum (sha256 over the canonical JSON of every document, by id), so a
copy that lost or changed anything is reported and exits non-zero.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from runtime.errors import StoreError
from runtime.store.checksum import table_checksum
from runtime.store.postgres import is_url

BATCH = 5000


@dataclass(frozen=True)
class TableReport:
    """One table's result: counts and checksums of both sides."""

    table: str
    source_count: int
    dest_count: int
    source_sum: str
    dest_sum: str

    @property
    def ok(self) -> bool:
        """Same count and same content."""
        return self.source_count == self.dest_count and self.source_sum == self.dest_sum


def open_side(spec: str, *, create: bool) -> Any:
    """A store from a URL or a data directory (its `store/` folder)."""
    if is_url(spec):
        from runtime.store.postgres.store import open_pg_store

        return open_pg_store(spec)
    from runtime.store.embedded.store import open_store

    folder = Path(spec)
    store_dir = folder / "store" if (folder / "store").is_dir() or create else folder
    if not create and not (store_dir / "snapshot.json").is_file():
        raise StoreError(f"no embedded store at {store_dir} (expected DATA_DIR/store)")
    return open_store(store_dir)


def _is_pg(store: Any) -> bool:
    return hasattr(store, "scan")


def documents(store: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every document of a table (with id and rev), by id, without loading all at once."""
    if _is_pg(store):
        from runtime.store.postgres.codec import decode

        for doc_id, rev, text in store.scan(table):
            yield {"id": doc_id, **decode(text), "rev": rev}
    else:
        yield from store.all(table)


def checksum(store: Any, table: str) -> tuple[int, str]:
    """(count, sha256) of one table, the same checksum backups record (runtime.store.checksum)."""
    summary = table_checksum(documents(store, table))
    return int(summary["count"]), str(summary["sha256"])


def _last_id(store: Any, table: str) -> int:
    if _is_pg(store):
        return int(store.last_id(table))
    state = store.journal.state(table)
    return int(state.last_id) if state is not None else 0


def _write_batch(dest: Any, table: str, batch: list[dict[str, Any]]) -> None:
    if _is_pg(dest):
        dest.put_raw(table, [(d["id"], d) for d in batch])
        return
    from tinydb.table import Document

    docs = [Document({k: v for k, v in d.items() if k != "id"}, int(d["id"])) for d in batch]
    dest._table(table).insert_multiple(docs)  # keeps ids and revisions, one journal line


class Progress:
    """A one-line progress bar on a terminal (plain lines when not a TTY)."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.done, self.out = max(total, 1), 0, out
        self.tty = out.isatty()
        self.started = time.monotonic()
        self._last = 0.0

    def step(self, n: int, label: str) -> None:
        """Advance by n documents."""
        self.done += n
        now = time.monotonic()
        if not self.tty and now - self._last < 2 and self.done < self.total:
            return
        self._last = now
        frac = self.done / self.total
        bar = "#" * int(frac * 30)
        rate = self.done / max(now - self.started, 1e-6)
        line = f"[{bar:<30}] {self.done}/{self.total} {frac:6.1%} {rate:8.0f} docs/s {label}"
        self.out.write(("\r" + line) if self.tty else line + "\n")
        self.out.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.out.write("\n")


def copy(
    source: Any,
    dest: Any,
    *,
    out: TextIO = sys.stderr,
    on_table: Callable[[str], None] | None = None,
) -> list[TableReport]:
    """Copy every table of `source` into the empty `dest`; returns the per-table comparison."""
    tables = source.tables()
    busy = [t for t in dest.tables() if dest.count(t)]
    if busy:
        raise StoreError(
            f"the destination is not empty ({', '.join(busy[:5])}...); copy only into an empty "
            "store so nothing is merged or overwritten"
        )
    total = sum(source.count(t) for t in tables)
    bar = Progress(total, out)
    for table in tables:
        if on_table is not None:
            on_table(table)
        batch: list[dict[str, Any]] = []
        for doc in documents(source, table):
            batch.append(doc)
            if len(batch) >= BATCH:
                _write_batch(dest, table, batch)
                bar.step(len(batch), table)
                batch = []
        if batch:
            _write_batch(dest, table, batch)
            bar.step(len(batch), table)
        if _is_pg(dest):
            dest.set_last_id(table, _last_id(source, table))
    bar.finish()
    reports = []
    for table in tables:
        n1, s1 = checksum(source, table)
        n2, s2 = checksum(dest, table)
        reports.append(TableReport(table, n1, n2, s1, s2))
    return reports


def format_reports(reports: list[TableReport]) -> str:
    """A readable table of the comparison."""
    width = max([len(r.table) for r in reports] + [5])
    lines = [f"{'table':<{width}}  {'source':>9}  {'copied':>9}  {'checksum (source / copy)':<40}"]
    for r in reports:
        mark = "ok" if r.ok else "DIFFERENT"
        lines.append(
            f"{r.table:<{width}}  {r.source_count:>9}  {r.dest_count:>9}  "
            f"{r.source_sum[:16]} / {r.dest_sum[:16]}  {mark}"
        )
    total_src = sum(r.source_count for r in reports)
    total_dst = sum(r.dest_count for r in reports)
    lines.append(f"{'total':<{width}}  {total_src:>9}  {total_dst:>9}")
    return "\n".join(lines)
