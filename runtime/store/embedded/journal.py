"""Storage engine: a JSON snapshot plus an append-only, checksummed JSON-lines journal.

See the package docstring (runtime/store/__init__.py) for the on-disk format. This module
owns the files, the locks, replay, torn-line detection, undo of failed transactions and
compaction; it knows nothing about records or queries beyond keeping indexes in step.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import os
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from runtime.errors import StoreDamaged, StoreError
from runtime.store.embedded import packing
from runtime.store.embedded.indexes import IndexSet, dump_indexes, trim_heap

log = logging.getLogger(__name__)

FORMAT = "handbook-store/2"
# Snapshots written before the checksum existed; opened as they are, rewritten as FORMAT at
# the next compaction.
LEGACY_FORMATS = ("handbook-store/1",)
SNAPSHOT = "snapshot.json"
LOCK = "lock"
# The number of the last committed transaction, rewritten in place after each journal fsync.
# It lets an open notice a journal that was truncated or deleted (it would otherwise open
# with less data). It is not fsynced: after a power cut it can only lag the durable journal,
# never lead it, so it never raises a false alarm.
COMMITTED = "committed"
_CHECKSUM_SEP = b',\n"checksum": "'
# Snapshots whose header says this hold one document a line as its compact JSON (the normal
# form `encode_doc` makes): `_load` keeps those bytes without decoding them. Snapshots
# without it (older writers) are decoded whole and re-encoded once.
LAYOUT = "compact-lines"
# The snapshot writer hands the file this much at a time.
_WRITE_CHUNK = 1024 * 1024
_RESTORE = "the files are kept untouched — restore from a backup (`handbook restore FILE`)"
_JOURNAL_RE = re.compile(r"^journal-(\d+)\.jsonl$")
_HEADER_RE = re.compile(rb'"generation": (\d+), "seq": (\d+)')

# Fields the runtime filters on (dashboards, inboxes, case views); indexed in every table.
DEFAULT_EQ_FIELDS: tuple[str, ...] = (
    "kind",
    "status",
    "form_id",
    "property",
    "assignee_role",
    "assignee_user",
    "case_id",
    "number",
)
DEFAULT_ORDERED_FIELDS: tuple[str, ...] = ("due_at",)

# A journal this much larger than the snapshot (and at least this big) triggers compaction,
# so compaction work stays proportional to the writes that caused it.
DEFAULT_COMPACT_MIN_BYTES = 8 * 1024 * 1024
# Below this snapshot size a compaction is written inline (it takes milliseconds); above it a
# background thread writes the snapshot from a frozen view so no read or write waits for it.
DEFAULT_BACKGROUND_MIN_BYTES = 1024 * 1024
# A snapshot is flushed to disk in steps of this size while it is written: one fsync of a
# 100 MB file at the end makes the device busy long enough to stall other writers' fsyncs.
SNAPSHOT_SYNC_STEP = 1024 * 1024
# A transaction of at most this many operations is taken out of the in-memory tables while
# its fsync runs, so other threads' reads never wait for the disk (see `_commit`).
HIDE_MAX_OPS = 64

# Test hook: called with the name of each crash-relevant step ("line-half-written",
# "snapshot-written", "journal-copied", "journal-created", "snapshot-renamed",
# "journal-renamed", "dir-synced", "old-journal-removed"). Crash tests set it to SIGKILL
# their own process at that step.
fault_hook: Callable[[str], None] | None = None


def _fault(step: str) -> None:
    if fault_hook is not None:
        fault_hook(step)


def journal_name(generation: int) -> str:
    """File name of the journal that follows snapshot `generation`."""
    return f"journal-{generation:06d}.jsonl"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _text_of(doc: Any) -> str:
    """Compact JSON text of a document (raises TypeError/ValueError on what JSON cannot hold)."""
    text = json.dumps(
        doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_json_default
    )
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(doc, allow_nan=False, separators=(",", ":"), default=_json_default)
    return text


def encode_doc(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """JSON text of a document and the document as it will read back (the normal form).

    Datetimes become ISO text, tuples lists; NaN, sets and other objects are refused.
    Text that cannot be UTF-8 (lone surrogates) is written with \\u escapes so the file stays
    valid UTF-8 JSON and the string still round-trips exactly.
    """
    if not isinstance(doc, Mapping):
        raise StoreError(f"a document must be a mapping, not {type(doc).__name__}")
    try:
        text = _text_of(doc)
    except (TypeError, ValueError, RecursionError) as exc:
        raise StoreError(f"document is not JSON data: {exc}") from exc
    value = json.loads(text)
    return text, value


# The json module's C scanner, called directly: json.loads spends a third of its time on a
# small document detecting the encoding and in Python wrappers.
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def decode_doc(raw: bytes) -> dict[str, Any]:
    """A fresh dict from a stored document's bytes (every call a new, private object)."""
    try:
        text = packing.plain(raw).decode("utf-8")
        doc, end = _scan(text, 0)
    except (ValueError, StopIteration) as exc:  # only via a damaged file with a valid CRC
        raise StoreDamaged(f"a stored document is not JSON ({exc!r}); {_RESTORE}") from exc
    if type(doc) is not dict or end != len(text):
        raise StoreDamaged(f"a stored document is not one JSON object; {_RESTORE}")
    return doc


def _dump_for_file(value: Any) -> str:
    """Readable JSON for the snapshot (Chinese as is), escaping only what UTF-8 cannot hold."""
    text = json.dumps(value, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(value)
    return text


def check_table_name(name: object) -> str:
    """A table name is a short non-empty printable string."""
    if not isinstance(name, str) or not name or len(name) > 200 or not name.isprintable():
        raise StoreError(f"invalid table name {name!r}")
    return name


# Internal operation tuples: ("put", table, id, doc, text) | ("del", table, id) | ("clear", table)
Op = tuple[Any, ...]


def _op_json(op: Op) -> str:
    table = json.dumps(op[1], ensure_ascii=False)
    if op[0] == "put":
        return f'{{"op":"put","t":{table},"id":{op[2]},"doc":{op[4]}}}'
    if op[0] == "del":
        return f'{{"op":"del","t":{table},"id":{op[2]}}}'
    return f'{{"op":"clear","t":{table}}}'


def encode_line(seq: int, ops: Iterable[Op]) -> bytes:
    """One journal line: `{"crc":"xxxxxxxx","seq":N,"ops":[...]}` + newline.

    The CRC-32 covers the bytes of `{"seq":N,"ops":[...]}`, i.e. the line with the crc
    member cut out, so a reader can verify it without re-serialising anything.
    """
    payload = f'{{"seq":{seq},"ops":[{",".join(_op_json(op) for op in ops)}]}}'.encode()
    return b'{"crc":"%08x",' % zlib.crc32(payload) + payload[1:] + b"\n"


def decode_line(raw: bytes) -> dict[str, Any] | None:
    """The parsed line, or None when it is torn or its checksum does not match."""
    if len(raw) < 20 or not raw.startswith(b'{"crc":"') or raw[16:18] != b'",':
        return None
    try:
        crc = int(raw[8:16], 16)
    except ValueError:
        return None
    payload = b"{" + raw[18:]
    if zlib.crc32(payload) != crc:
        return None
    try:
        obj = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("seq"), int):
        return None
    if not isinstance(obj.get("ops"), list):
        return None
    return obj


def _verify_snapshot(path: Path, raw: bytes, snap: dict[str, Any]) -> None:
    """Refuse a snapshot whose bytes do not match the checksum it was written with."""
    at = raw.rfind(_CHECKSUM_SEP)
    stated = snap.get("checksum")
    actual = f"{zlib.crc32(memoryview(raw)[:at]):08x}" if at >= 0 else None  # no copy
    if not isinstance(stated, str) or actual != stated:
        raise StoreDamaged(
            f"{path} does not match its checksum (written {stated!r}, now {actual!r}): it was "
            f"edited or damaged; {_RESTORE}"
        )


def _parse_lines(raw: bytes) -> tuple[dict[str, Any], dict[str, dict[int, bytes]]] | None:
    """Header and tables (id -> document bytes) of a `LAYOUT` snapshot, without decoding them.

    None when the file is not laid out exactly as `_write_snapshot` writes it; the caller
    then decodes it whole. The caller has checked the CRC, so the bytes are the writer's.
    """
    nl1 = raw.find(b"\n")
    nl2 = raw.find(b"\n", nl1 + 1)
    nl3 = raw.find(b"\n", nl2 + 1)
    if min(nl1, nl2, nl3) < 0 or raw[nl2 + 1:nl3] != b'"tables": {':
        return None
    head = raw[:nl2].rstrip(b",")
    if not head.endswith(b"}"):  # the last_ids object closes the second line
        return None
    try:
        header = json.loads(head + b"}")
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("layout") != LAYOUT:
        return None
    end = raw.rfind(_CHECKSUM_SEP)
    tables: dict[str, dict[int, bytes]] = {}
    docs: dict[int, bytes] | None = None
    pos = nl3 + 1
    while True:
        nl = raw.find(b"\n", pos)
        if nl < 0:
            return None
        if raw[pos] == 0x7D:  # "}": the end of a table, or of all tables
            if docs is None:
                return _with_indexes(raw, pos + 1, end, header, tables)
            docs = None
        elif docs is None:  # '"name": {' opens a table
            if not raw.startswith(b": {", nl - 3):
                return None
            try:
                name = json.loads(raw[pos:nl - 3])
            except ValueError:
                return None
            if not isinstance(name, str) or name in tables:
                return None
            docs = tables[name] = {}
        else:  # '"id": {...}' with a comma when another document follows
            colon = raw.find(b'": {', pos, nl)
            stop = nl - 1 if raw[nl - 1] == 0x2C else nl
            if colon < 0 or raw[pos] != 0x22 or raw[stop - 1] != 0x7D:
                return None
            try:
                doc_id = int(raw[pos + 1:colon])
            except ValueError:
                return None
            docs[doc_id] = raw[colon + 3:stop]
        pos = nl + 1


_INDEXES = b',\n"indexes": '


def _with_indexes(raw: bytes, pos: int, end: int, header: dict[str, Any],
                  tables: dict[str, dict[int, bytes]],
                  ) -> tuple[dict[str, Any], dict[str, dict[int, bytes]]] | None:
    """Header (with the snapshot's indexes, if any, under "indexes") and tables; None when
    what follows the tables is not what `_write_snapshot` writes there."""
    if pos == end:
        return header, tables
    if not raw.startswith(_INDEXES, pos):
        return None
    try:
        indexes = json.loads(raw[pos + len(_INDEXES):end])
    except ValueError:
        return None
    if not isinstance(indexes, dict):
        return None
    header["indexes"] = indexes
    return header, tables


def _stated_checksum(raw: bytes) -> Any:
    """The checksum a snapshot states in its last member (None when it has none)."""
    at = raw.rfind(_CHECKSUM_SEP)
    if at < 0:
        return None
    try:
        return json.loads(b"{" + raw[at + 2:]).get("checksum")
    except (ValueError, AttributeError):
        return None


def _stored_bytes(doc: Any) -> bytes:
    """The bytes a table holds for one decoded document (its compact JSON)."""
    if type(doc) is not dict:
        raise TypeError(f"a document is a {type(doc).__name__}, not an object")
    return _text_of(doc).encode("utf-8")


def fsync_dir(path: Path) -> None:
    """fsync a directory so renames and new file names in it are durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_sync_data: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


def _write_fd(fd: int, data: bytes) -> None:
    """Write all of `data` (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _valid_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(seq, line with its newline) of each valid journal line, up to the first bad one."""
    pos = 0
    while (nl := data.find(b"\n", pos)) >= 0:
        obj = decode_line(data[pos:nl])
        if obj is None:
            return
        yield obj["seq"], data[pos : nl + 1]
        pos = nl + 1


class DocView(Mapping[int, dict[str, Any]]):
    """A table's documents as dicts, decoded from their stored bytes on access.

    Documents are held as their compact JSON bytes (the normal form, the very bytes of the
    snapshot): bytes cost a fraction of the decoded dicts and the cyclic garbage collector
    never walks them. A small bounded cache keeps recently read documents decoded; each
    entry remembers the bytes object it came from, so a replaced document can never be
    served stale, even to a reader racing the write. Decoded documents are shared by the
    store's own readers and must not be mutated; `fresh` gives a private copy.
    """

    __slots__ = ("_cache", "_cached_bytes", "changed", "raw")

    CACHE_DOCS = 2048
    CACHE_BYTES = 2 * 1024 * 1024  # of encoded JSON; decoded dicts take a few times that

    def __init__(self, raw: dict[int, bytes] | None = None) -> None:
        self.raw: dict[int, bytes] = {} if raw is None else raw
        self._cache: OrderedDict[int, tuple[bytes, dict[str, Any]]] = OrderedDict()
        self._cached_bytes = 0
        # While indexes read from the snapshot wait for their first query: each id changed
        # since, with its bytes as the snapshot had them (None: not there), so such an index
        # can be brought up to date when it is unpacked (IndexSet._adopt).
        self.changed: dict[int, bytes | None] | None = None

    def changes(self) -> Iterator[tuple[int, dict[str, Any] | None, dict[str, Any] | None]]:
        """(id, document as the snapshot had it, document now) of each id in `changed`."""
        for doc_id, old in list((self.changed or {}).items()):
            new = self.raw.get(doc_id)
            yield (doc_id, None if old is None else decode_doc(old),
                   None if new is None else decode_doc(new))

    def __getitem__(self, doc_id: int) -> dict[str, Any]:
        raw = self.raw[doc_id]
        hit = self._cache.get(doc_id)
        if hit is not None and hit[0] is raw:
            return hit[1]
        doc = decode_doc(raw)
        self.remember(doc_id, raw, doc)
        return doc

    def get(self, doc_id: int, default: Any = None) -> Any:
        """The decoded document, or `default` when there is none."""
        try:
            return self[doc_id]
        except KeyError:
            return default

    def fresh(self, doc_id: int) -> dict[str, Any]:
        """A private decoded copy the caller may change (KeyError when absent)."""
        return decode_doc(self.raw[doc_id])

    def remember(self, doc_id: int, raw: bytes, doc: dict[str, Any]) -> None:
        """Cache `doc` as the decoded form of `raw` (evicting the oldest entries)."""
        cache = self._cache
        old = cache.pop(doc_id, None)
        if old is not None:
            self._cached_bytes -= len(old[0])
        while cache and (len(cache) >= self.CACHE_DOCS
                         or self._cached_bytes + len(raw) > self.CACHE_BYTES):
            try:
                self._cached_bytes -= len(cache.popitem(last=False)[1][0])
            except KeyError:  # another thread emptied it first
                break
        if len(raw) <= self.CACHE_BYTES // 8:  # one huge document must not flush the rest
            cache[doc_id] = (raw, doc)
            self._cached_bytes += len(raw)

    def forget(self, doc_id: int) -> None:
        """Drop the cached decoded form of one document (it was replaced or deleted)."""
        old = self._cache.pop(doc_id, None)
        if old is not None:
            self._cached_bytes -= len(old[0])

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.raw

    def __iter__(self) -> Iterator[int]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def keys(self) -> KeysView[int]:
        """The ids (no decoding)."""
        return self.raw.keys()

    def items(self) -> Iterator[tuple[int, dict[str, Any]]]:  # type: ignore[override]
        """(id, decoded document) of every document, decoded one by one and not cached."""
        for doc_id, raw in list(self.raw.items()):  # one C-level copy: safe against writers
            yield doc_id, decode_doc(raw)

    def values(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        """Every document decoded (not cached)."""
        for _, doc in self.items():
            yield doc

    def chunks(self, size: int = 256 * 1024) -> Iterator[dict[int, dict[str, Any]]]:
        """Every document decoded, about `size` bytes of JSON at a time (index building: one
        pass, and only one chunk of decoded documents alive at any time)."""
        chunk: dict[int, dict[str, Any]] = {}
        held = 0
        stored = self.raw
        # The ids only (no 300k tuples for the collector to walk): one C-level copy, safe
        # against writers; an id deleted meanwhile is skipped.
        for doc_id in list(stored):
            raw = stored.get(doc_id)
            if raw is None:
                continue
            chunk[doc_id] = decode_doc(raw)
            held += len(raw)
            if held >= size:
                yield chunk
                chunk, held = {}, 0
        if chunk:
            yield chunk


class TableState:
    """Documents of one table (id -> JSON bytes, read through `docs`), its highest id, indexes."""

    __slots__ = ("docs", "indexes", "last_id", "raw", "version", "watch")

    def __init__(self, eq_fields: Iterable[str], ordered_fields: Iterable[str]) -> None:
        self.docs = DocView()
        self.raw = self.docs.raw  # id -> compact JSON bytes: the table's only copy of the data
        self.last_id = 0
        self.indexes = IndexSet(eq_fields, ordered_fields)
        self.version = 0  # bumped on every change; lets TinyDB's query cache notice replays
        # While a compaction writes this table: each changed id's bytes as they were when the
        # state was frozen (None: it did not exist), recorded before the first change.
        self.watch: dict[int, bytes | None] | None = None

    def load(self, raw: dict[int, bytes]) -> None:
        """Take a freshly read table wholesale (open/reload; no index is built yet)."""
        self.docs = DocView(raw)
        self.raw = raw

    def put(self, doc_id: int, doc: dict[str, Any], raw: bytes | None = None) -> None:
        """Insert or replace one document; `raw` is its compact JSON (encoded when not given).

        `doc` must be a private object in normal form (as `encode_doc` returns it): it is
        kept as the cached decoded form.
        """
        if raw is None:
            raw = _text_of(doc).encode("utf-8")
        raw = packing.deflate(raw)  # a large document is held deflated (see packing)
        old_raw = self.raw.get(doc_id)
        watch = self.watch
        if watch is not None and doc_id not in watch:
            watch[doc_id] = old_raw
        changed = self.docs.changed
        if changed is not None and doc_id not in changed:
            self._record_change(changed, doc_id, old_raw)
        indexes = self.indexes
        old = self.docs[doc_id] if old_raw is not None and indexes.built() else None
        self.raw[doc_id] = raw
        self.docs.remember(doc_id, raw, doc)
        if old_raw is None:
            indexes.add(doc_id, doc)
        elif old is not None:
            indexes.replace(doc_id, old, doc)
        self.last_id = max(self.last_id, doc_id)
        self.version += 1

    def _record_change(self, changed: dict[int, bytes | None], doc_id: int,
                       old_raw: bytes | None) -> None:
        """Keep the snapshot's bytes of a document changed while stored indexes wait; once
        too much changed, drop those indexes instead (kept bytes stay a fraction of the
        table, and a decoding pass becomes cheaper than bringing them up to date)."""
        if len(changed) >= len(self.raw) // 4 + 64:
            self.indexes.drop_stored()
            self.docs.changed = None
            return
        changed[doc_id] = old_raw

    def delete(self, doc_id: int) -> None:
        """Remove one document if present."""
        watch = self.watch
        old_raw = self.raw.get(doc_id)
        if watch is not None and doc_id not in watch:
            watch[doc_id] = old_raw
        changed = self.docs.changed
        if changed is not None and doc_id not in changed:
            self._record_change(changed, doc_id, old_raw)
        if old_raw is not None:
            old = self.docs[doc_id] if self.indexes.built() else None
            del self.raw[doc_id]
            self.docs.forget(doc_id)
            if old is not None:
                self.indexes.remove(doc_id, old)
        self.version += 1


_UNSEEN = object()


class Frozen:
    """The state at one committed transaction, for writing a snapshot without any lock.

    Freezing copies nothing (copying 300k ids under the lock would itself be a stall): each
    table records the old bytes of every id it changes from now on (`TableState.watch`),
    and stored bytes are never mutated (every put stores a fresh object), so live bytes
    plus those old ones are the frozen state however the tables change meanwhile.
    """

    __slots__ = ("generation", "last_ids", "offset", "seq", "tables")

    def __init__(self, generation: int, seq: int, offset: int,
                 tables: Mapping[str, TableState]) -> None:
        self.generation = generation
        self.seq = seq
        self.offset = offset  # journal bytes the view holds; later lines go to the next journal
        self.last_ids = {n: ts.last_id for n, ts in sorted(tables.items())}
        self.tables = dict(sorted(tables.items()))
        for ts in self.tables.values():
            ts.watch = {}

    def release(self) -> None:
        """Stop recording old documents (the snapshot is written or abandoned)."""
        for ts in self.tables.values():
            ts.watch = None

    def items(self, name: str) -> Iterator[tuple[int, bytes]]:
        """(id, compact JSON bytes) of table `name` as frozen, while other threads change it.

        Safe without the lock because a writer records the old bytes in `watch` before it
        changes `raw`: reading `raw` first and `watch` second can never see the new document
        with no old one recorded. Ids come in insertion order (ascending for new ids).
        """
        ts = self.tables[name]
        watch = ts.watch
        assert watch is not None
        live = ts.raw
        keys = list(live)  # one C-level copy: atomic with respect to other threads
        for doc_id in keys:
            raw = live.get(doc_id)
            old = watch.get(doc_id, _UNSEEN)
            if old is not _UNSEEN:
                raw = old  # type: ignore[assignment]
            if raw is not None:
                yield doc_id, packing.plain(raw)
        # Ids deleted after the freeze but before `keys` was taken are only in `watch`.
        listed = set(keys)
        for doc_id, old in list(watch.items()):
            if old is not None and doc_id not in listed:
                yield doc_id, packing.plain(old)


def _tmp_owner(name: str) -> int | None:
    """The process id in a compaction temp file name (`snapshot.json.<pid>.<n>.tmp`,
    `journal-<G>.jsonl.<pid>.<n>.tmp`)."""
    parts = name.split(".")
    return int(parts[2]) if len(parts) == 5 and parts[2].isdigit() else None


def process_alive(pid: int) -> bool:
    """True while process `pid` exists (someone else's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class JournalStorage(Storage):
    """TinyDB storage whose writes are per-document journal lines, not whole-file rewrites.

    `path=None` gives a purely in-memory store with identical semantics (for tests).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES,
        background_min_bytes: int = DEFAULT_BACKGROUND_MIN_BYTES,
        eq_fields: Iterable[str] = DEFAULT_EQ_FIELDS,
        ordered_fields: Iterable[str] = DEFAULT_ORDERED_FIELDS,
    ) -> None:
        self._dir = Path(path) if path is not None else None
        self._compact_min = compact_min_bytes
        self._background_min = background_min_bytes
        self._eq_default = tuple(eq_fields)
        self._ordered_default = tuple(ordered_fields)
        self._extra_eq: dict[str, set[str]] = {}
        self._extra_ordered: dict[str, set[str]] = {}
        # The writer lock: one transaction (or compaction switch) at a time, held through the
        # fsync, and always taken before `_view`.
        self._mutex = threading.RLock()
        # The readers' lock: held while the in-memory tables are read or changed; a writer
        # holds it for its transaction's body but not while it waits for the disk.
        self._view = threading.RLock()
        self._owner: int | None = None  # the thread whose transaction is open
        self._reads = threading.local()  # per thread: how deep in read_lock()
        self._writing_end: int | None = None  # journal size once our line in flight is written
        self._pid = os.getpid()
        self._closed = False
        self._packer: threading.Thread | None = None  # deflates large documents after a load
        self._depth = 0
        self._pending: list[Op] = []
        self._undo: list[tuple[Any, ...]] = []
        self._reserved: dict[str, int] = {}
        self._tables: dict[str, TableState] = {}
        self._gen = 0
        self._seq = 0
        self._jfd: int | None = None
        self._offset = 0  # end of the last applied journal line
        self._seen_size = -1  # journal size at the last look (skip work when unchanged)
        self._snap_sig: tuple[int, int, int] | None = None
        self._snapshot_bytes = 0
        self._lock_fd = -1
        self._mark_fd = -1
        self._retry_at = 0
        self._compactor: threading.Thread | None = None  # the background compaction, if any
        self._frozen: Frozen | None = None  # the state a running compaction writes
        # Set while no compaction runs (from its freeze to the end of its switch): a second one
        # must not freeze the same generation while the first waits for its switch.
        self._idle = threading.Event()
        self._idle.set()
        self._tmp_count = 0
        self._snapshot_path = str(self._dir / SNAPSHOT) if self._dir is not None else ""
        if self._dir is not None:
            self._open_files()

    # ----------------------------------------------------------------- files and locks
    def _p(self, name: str) -> Path:
        assert self._dir is not None
        return self._dir / name

    def _open_files(self) -> None:
        assert self._dir is not None
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self._p(LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot open store at {self._dir}: {exc}") from exc
        with self._mutex:
            self._flock(fcntl.LOCK_EX)
            try:
                if not self._p(SNAPSHOT).exists():
                    if any(_JOURNAL_RE.match(p.name) for p in self._dir.iterdir()):
                        raise StoreDamaged(
                            f"{self._p(SNAPSHOT)} is missing but journals exist; refusing to "
                            "start an empty store over them"
                        )
                    self._write_snapshot(self._p(SNAPSHOT + ".tmp"), 0)
                    os.replace(self._p(SNAPSHOT + ".tmp"), self._p(SNAPSHOT))
                    fsync_dir(self._dir)
                self._load(exclusive=True)
                self._remove_stale_files()
            except BaseException:
                self._funlock()
                self.close()  # don't leak descriptors when the files refuse to open
                raise
            self._funlock()

    def _flock(self, mode: int) -> None:
        try:
            fcntl.flock(self._lock_fd, mode)
        except OSError as exc:
            raise StoreError(f"cannot lock {self._p(LOCK)}: {exc}") from exc

    def _funlock(self) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _check_usable(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")
        if self._pid != os.getpid():
            # A forked child shares the parent's lock description; give it its own files and
            # rebuild its state from disk (the parent may have been mid-transaction).
            self._pid = os.getpid()
            self._mutex = threading.RLock()
            self._view = threading.RLock()
            self._owner, self._reads, self._writing_end = None, threading.local(), None
            self._depth = 0
            self._pending, self._undo, self._reserved = [], [], {}
            self._compactor = None  # the parent's thread did not come along
            self._packer = None
            if self._frozen is not None:
                self._thaw(self._frozen)
            self._idle.set()
            if self._dir is not None:
                self._lock_fd = os.open(self._p(LOCK), os.O_RDWR | os.O_CREAT, 0o644)
                self._mark_fd = -1
                self._jfd = None
                self._snap_sig = None

    def _snapshot_sig(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._snapshot_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _open_journal(self, create: bool) -> None:
        path = self._p(journal_name(self._gen))
        flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
        try:
            existed = path.exists()
            self._jfd = os.open(path, flags, 0o644)
        except FileNotFoundError:
            self._jfd = None
            return
        if create and not existed:
            assert self._dir is not None
            fsync_dir(self._dir)  # the new file's name must be durable before lines go in it

    # ----------------------------------------------------------------- loading and replay
    def _new_table(self, name: str) -> TableState:
        eq = self._eq_default + tuple(sorted(self._extra_eq.get(name, ())))
        ordered = self._ordered_default + tuple(sorted(self._extra_ordered.get(name, ())))
        return TableState(eq, ordered)

    def _load(self, exclusive: bool) -> None:
        """Read snapshot + journal from scratch (open, or another process compacted twice)."""
        # Replay and the old layout decode many dicts at once: the collector's passes over
        # them (they have no cycles) would double the time, so it waits until the end.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._load_files(exclusive)
        finally:
            if collecting:
                gc.enable()
        # What was just loaded lives long and holds no cycles (the documents are bytes,
        # which the collector never looks at; the index sets are): leave it out of every
        # later full collection, each of which would otherwise walk all of it holding the
        # GIL (50 ms at 300k documents).
        gc.freeze()
        trim_heap()
        self._start_packing()

    # ----------------------------------------------------------------- large documents
    def _start_packing(self) -> None:
        """Deflate the large documents just loaded, in a background thread (see `packing`).

        Not during the load: deflating five years of cases takes about as long again as the
        open itself, and zlib lets other threads run meanwhile.
        """
        tables = self._tables
        if not any(len(ts.raw) for ts in tables.values()):
            return
        worker = threading.Thread(target=self._pack, args=(tables,), name="store-packing",
                                  daemon=True)
        self._packer = worker
        worker.start()

    def wait_packing(self) -> None:
        """Wait until the large documents of the last load are held deflated."""
        worker = self._packer
        if worker is not None and worker is not threading.current_thread():
            worker.join()

    def _pack(self, tables: dict[str, TableState]) -> None:
        try:
            if not packing.sealed():
                packing.seal(self._samples(tables))
            if packing.sealed():
                for ts in list(tables.values()):
                    if not self._pack_table(tables, ts):
                        return
                trim_heap()  # the plain bytes freed leave holes in the C heap
        except Exception as exc:  # memory only: the documents stay as they were, correct
            log.warning("store: holding large documents deflated stopped: %s", exc)

    @staticmethod
    def _samples(tables: Mapping[str, TableState], count: int = 64) -> list[bytes]:
        """Large documents spread over the tables, to learn the dictionary from."""
        big = [held for ts in tables.values() for held in list(ts.raw.values())
               if len(held) >= packing.MIN_BYTES]
        step = max(1, len(big) // count)
        return big[::step][:count]

    def _pack_table(self, tables: dict[str, TableState], ts: TableState) -> bool:
        """Deflate one table's large documents a batch at a time (False: stopped early).

        Deflating happens outside every lock; each batch is swapped in under the readers'
        lock, and only where the document is still the one deflated (a writer may have
        replaced it meanwhile; its new bytes were deflated by `TableState.put`). The swap
        changes no content, so it bumps no version and records nothing for a compaction.
        """
        held_of = ts.raw
        ids = [doc_id for doc_id, held in list(held_of.items())
               if len(held) >= packing.MIN_BYTES and not packing.is_deflated(held)]
        for start in range(0, len(ids), 128):
            if self._closed or self._tables is not tables:
                return False  # closed, or reloaded: that load packs its own tables
            done = []
            for doc_id in ids[start:start + 128]:
                held = held_of.get(doc_id)
                if held is not None:
                    small = packing.deflate(held)
                    if small is not held:
                        done.append((doc_id, held, small))
            with self._view:
                for doc_id, held, small in done:
                    if held_of.get(doc_id) is held:
                        held_of[doc_id] = small
        return True

    def _load_files(self, exclusive: bool) -> None:
        self._finish_switch(exclusive)
        path = self._p(SNAPSHOT)
        sig = self._snapshot_sig()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise StoreDamaged(f"cannot read snapshot {path}: {exc}; {_RESTORE}") from exc
        parsed = _parse_lines(raw) if raw.startswith(b'{"format": "' + FORMAT.encode()) else None
        if parsed is not None:
            snap, docs_of = parsed
            snap["checksum"] = _stated_checksum(raw)
            _verify_snapshot(path, raw, snap)
        else:
            try:
                snap = json.loads(raw)
            except ValueError as exc:
                raise StoreDamaged(f"cannot read snapshot {path}: {exc}; {_RESTORE}") from exc
            if not isinstance(snap, dict) or snap.get("format") not in (FORMAT, *LEGACY_FORMATS):
                raise StoreDamaged(f"{path} is not a {FORMAT} snapshot; {_RESTORE}")
            if snap["format"] == FORMAT:
                _verify_snapshot(path, raw, snap)
            docs_of = None
        tables: dict[str, TableState] = {}
        try:
            last_ids = snap.get("last_ids", {})
            if docs_of is None:  # written by an older version: decode it whole, encode each
                docs_of = {
                    name: {int(key): _stored_bytes(doc) for key, doc in docs.items()}
                    for name, docs in snap.get("tables", {}).items()
                }
            indexes = snap.get("indexes", {}) if parsed is not None else {}
            for name, stored in docs_of.items():
                ts = self._new_table(name)
                ts.load(stored)
                ts.last_id = max(max(stored, default=0), int(last_ids.get(name, 0)))
                if name in indexes:
                    self._take_indexes(ts, name, indexes[name])
                tables[name] = ts
            generation, seq = int(snap["generation"]), int(snap["seq"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreDamaged(f"{path} is malformed ({type(exc).__name__}: {exc}); "
                             f"{_RESTORE}") from exc
        snapshot_size = len(raw)
        del raw, snap  # the file's bytes: free them before replaying the journal
        self._tables = tables
        self._gen = generation
        self._seq = seq
        self._snap_sig = sig
        self._snapshot_bytes = snapshot_size
        if self._jfd is not None:
            os.close(self._jfd)
        self._jfd = None
        self._offset = 0
        self._seen_size = -1
        # Not created yet: a journal that is missing must be reported, not replaced.
        self._open_journal(create=False)
        self._drain()
        committed = self._read_mark()
        if committed is not None and self._seq < committed:
            journal = self._p(journal_name(self._gen))
            what = "ends" if journal.exists() else "is missing, so the store ends"
            raise StoreDamaged(
                f"{journal} {what} at transaction {self._seq}, but {committed} were committed: "
                f"the journal was truncated or deleted; {_RESTORE}"
            )
        if exclusive and self._jfd is None:
            self._open_journal(create=True)

    def _take_indexes(self, ts: TableState, name: str, dumped: Any) -> None:
        """Adopt the indexes the snapshot's writer built (no decoding at open); indexes are
        derived data, so ones that do not read back are dropped and built when needed."""
        try:
            ts.indexes.take(dumped)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            log.warning("ignoring the stored indexes of table %r: %s", name, exc)
            ts.indexes = self._new_table(name).indexes
        if ts.indexes.stored():
            ts.docs.changed = {}  # from now on (the journal's replay too) every change counts

    def _read_mark(self) -> int | None:
        """The last committed transaction number on record (None: no or unreadable record)."""
        try:
            text = self._p(COMMITTED).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self._p(COMMITTED)}: {exc}") from exc
        try:
            return int(text.strip() or b"x")
        except ValueError:
            # A record lost in a power cut (empty or zero-filled): nothing to compare with.
            log.warning("ignoring unreadable %s", self._p(COMMITTED))
            return None

    def _write_mark(self) -> None:
        try:
            if self._mark_fd < 0:
                self._mark_fd = os.open(self._p(COMMITTED), os.O_RDWR | os.O_CREAT, 0o644)
            os.pwrite(self._mark_fd, f"{self._seq:020d}\n".encode(), 0)
        except OSError as exc:  # the write is durable; a stale record only weakens the check
            log.warning("cannot update %s: %s", self._p(COMMITTED), exc)

    def _drain(self) -> None:
        """Apply complete, valid journal lines past our offset (other processes' writes)."""
        if self._jfd is None:
            self._open_journal(create=False)
            if self._jfd is None:
                return
        size = os.fstat(self._jfd).st_size
        if size == self._seen_size:
            return
        self._seen_size = size
        if size < self._offset:
            raise StoreDamaged(
                f"{self._p(journal_name(self._gen))} shrank to {size} bytes while it was open "
                f"(it held {self._offset}); {_RESTORE}"
            )
        if size == self._offset:
            return
        data = os.pread(self._jfd, size - self._offset, self._offset)
        pos = 0
        while True:
            nl = data.find(b"\n", pos)
            if nl < 0:
                break  # an unfinished last line: torn by a crash, never acknowledged
            obj = decode_line(data[pos:nl])
            if obj is None:
                self._check_torn_tail(data, nl + 1, self._offset + pos)
                break
            if obj["seq"] != self._seq + 1:
                raise StoreDamaged(
                    f"{self._p(journal_name(self._gen))}: line at byte {self._offset + pos} has "
                    f"seq {obj['seq']}, expected {self._seq + 1}; the journal is out of order"
                )
            try:
                self._replay(obj["ops"])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # CRC-valid but not an operation we wrote: damage, never a raw traceback
                raise StoreDamaged(
                    f"{self._p(journal_name(self._gen))}: malformed operation in line at byte "
                    f"{self._offset + pos} ({type(exc).__name__}: {exc}); {_RESTORE}"
                ) from exc
            self._seq = obj["seq"]
            pos = nl + 1
        self._offset += pos

    def _check_torn_tail(self, data: bytes, after: int, at: int) -> None:
        """A bad line is a torn tail only if no valid line follows it; else it is corruption."""
        pos = after
        while True:
            nl = data.find(b"\n", pos)
            if nl < 0:
                return
            if decode_line(data[pos:nl]) is not None:
                raise StoreDamaged(
                    f"{self._p(journal_name(self._gen))}: damaged line at byte {at} followed by "
                    "valid lines; the files are kept untouched for repair"
                )
            pos = nl + 1

    def _replay(self, ops: list[Any]) -> None:
        for op in ops:
            kind, name = op.get("op"), op.get("t")
            if kind == "put":
                doc = op["doc"]
                if type(doc) is not dict:
                    raise TypeError(f"document is a {type(doc).__name__}, not an object")
                self._table(name).put(int(op["id"]), doc)
            elif kind == "del":
                self._table(name).delete(int(op["id"]))
            elif kind == "clear":
                old = self._table(name)
                fresh = self._new_table(name)
                fresh.last_id = old.last_id
                self._tables[name] = fresh
            else:
                raise StoreError(f"unknown journal operation {kind!r}")

    def _table(self, name: str) -> TableState:
        ts = self._tables.get(name)
        if ts is None:
            ts = self._tables[name] = self._new_table(name)
        return ts

    def _changed_on_disk(self) -> bool:
        """Did another process write or compact since we last looked (caller holds _view)?"""
        if self._snap_sig is None or self._snapshot_sig() != self._snap_sig:
            return True
        if self._jfd is None:
            return self._p(journal_name(self._gen)).exists()
        try:
            size = os.fstat(self._jfd).st_size
        except OSError:
            return True  # look again under the locks
        # The line this process is fsyncing right now is no one else's write.
        return size != self._seen_size and size != self._writing_end

    def _sync(self, exclusive: bool) -> None:
        """Catch up with other processes; caller holds the file lock."""
        if self._snap_sig is None:
            self._load(exclusive)
        while True:
            self._drain()
            sig = self._snapshot_sig()
            if sig == self._snap_sig:
                break
            self._finish_switch(exclusive)
            header = self._read_header()
            if header is not None and header[0] > self._gen and header[1] <= self._seq:
                # Another process compacted a state we already hold (its new journal starts
                # with copies of the lines we applied after it): switch journals, skip those.
                offset = self._offset_after(header[0], header[1])
                if offset is not None:
                    if self._jfd is not None:
                        os.close(self._jfd)
                    self._jfd = None
                    self._gen, self._offset, self._seen_size = header[0], offset, -1
                    self._snap_sig = sig
                    self._snapshot_bytes = sig[1] if sig else 0
                    continue
            self._load(exclusive)
            break
        if exclusive:
            if self._jfd is None:
                self._open_journal(create=True)
            assert self._jfd is not None
            if self._seen_size > self._offset:
                # Torn tail of a writer that died holding the lock: cut it before appending.
                os.ftruncate(self._jfd, self._offset)
                self._seen_size = self._offset

    def _offset_after(self, generation: int, snap_seq: int) -> int | None:
        """Byte offset in journal `generation` just past our last applied line (None: not there)."""
        if snap_seq == self._seq:
            return 0
        try:
            data = self._p(journal_name(generation)).read_bytes()
        except OSError:
            return None
        pos = 0
        want = snap_seq + 1
        while want <= self._seq:
            nl = data.find(b"\n", pos)
            obj = decode_line(data[pos:nl]) if nl >= 0 else None
            if obj is None or obj["seq"] != want:
                return None
            pos, want = nl + 1, want + 1
        return pos

    def _read_header(self) -> tuple[int, int] | None:
        try:
            with open(self._p(SNAPSHOT), "rb") as fh:
                first = fh.readline(4096)
        except OSError:
            return None
        m = _HEADER_RE.search(first)
        return (int(m[1]), int(m[2])) if m else None

    # ----------------------------------------------------------------- locking API
    @contextlib.contextmanager
    def read_lock(self) -> Iterator[None]:
        """Read the committed state, first catching up with other processes; never waits for
        this process's writer, only for the moment it takes to apply a commit in memory.

        Another thread's transaction is invisible until its fsync returned (see `_commit`);
        inside this thread's own transaction its changes are visible at once.
        """
        self._check_usable()
        depth = self._read_depth()
        if depth == 0 and self._dir is not None and self._owner != threading.get_ident():
            with self._view:
                changed = self._changed_on_disk()
            if changed:
                # Another process wrote or compacted: catch up under the file lock, after any
                # transaction of this process (the writer lock orders the two).
                with self._mutex:
                    self._flock(fcntl.LOCK_SH)
                    try:
                        with self._view:
                            self._sync(exclusive=False)
                    finally:
                        self._funlock()
        with self._view:
            self._reads.depth = depth + 1
            try:
                yield
            finally:
                self._reads.depth = depth

    def _read_depth(self) -> int:
        depth: int = getattr(self._reads, "depth", 0)
        return depth

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """A nestable transaction: exclusive locks; one journal line + fsync at the outer exit.

        Changes made inside are visible to this thread at once and to other threads once
        they are durable; an exception rolls back the changes made inside the failing block
        (savepoint semantics when nested).
        """
        self._check_usable()
        me = threading.get_ident()
        if self._owner != me and self._read_depth():
            # The writer lock is taken before the readers' lock everywhere else: waiting for
            # it while holding a read could deadlock with another thread's transaction.
            raise StoreError("cannot start a transaction inside a read (read_lock)")
        with self._mutex:
            outer = self._depth == 0
            if outer:
                self._begin()
                self._owner = me
                self._pending, self._undo, self._reserved = [], [], {}
            mark = (len(self._undo), len(self._pending))
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self._rollback_to(mark)
                if outer:
                    self._reserved = {}
                    self._end()
                raise
            self._depth -= 1
            if not outer:
                return
            try:
                if self._pending:
                    self._commit(self._pending)
            except BaseException:
                self._rollback_to((0, 0))
                self._reserved = {}
                self._end()
                raise
            self._pending, self._undo, self._reserved = [], [], {}
            self._owner = None
            self._view.release()
            try:
                self._maybe_compact()
            except OSError as exc:  # the write is durable already; compaction retries later
                log.warning("store compaction failed: %s", exc)
            finally:
                self._funlock_if_file()

    def _begin(self) -> None:
        """Outer transaction start (caller holds the mutex): file lock, readers' lock, catch up."""
        if self._dir is not None:
            self._flock(fcntl.LOCK_EX)
        self._view.acquire()
        try:
            if self._dir is not None:
                self._sync(exclusive=True)
        except BaseException:
            self._view.release()
            self._funlock_if_file()
            raise

    def _end(self) -> None:
        """Outer transaction end without a commit (rolled back); the mutex is released after."""
        self._owner = None
        self._view.release()
        self._funlock_if_file()

    @contextlib.contextmanager
    def _switch_lock(self) -> Iterator[None]:
        """The writer's locks for a compaction switch: file work, so readers are not held off
        (the switch takes the readers' lock only to swap the journal in memory)."""
        with self._mutex:
            self._flock(fcntl.LOCK_EX)
            try:
                with self._view:
                    self._sync(exclusive=True)
                yield
            finally:
                self._funlock()

    def _funlock_if_file(self) -> None:
        if self._dir is not None:
            self._funlock()

    def in_transaction(self) -> bool:
        """True inside write_lock() on this thread."""
        return self._owner == threading.get_ident()

    # ----------------------------------------------------------------- writes
    def stage(self, ops: list[Op]) -> None:
        """Apply operations now (undoable) and queue them for the enclosing transaction."""
        if self._owner != threading.get_ident():
            raise StoreError("stage() needs write_lock()")
        for op in ops:
            name = op[1]
            ts = self._tables.get(name)
            if ts is None:
                self._undo.append(("table", name, None))
            if op[0] == "clear":
                if ts is not None:
                    self._undo.append(("table", name, ts))
            else:
                old = ts.docs.get(op[2]) if ts is not None else None
                self._undo.append(("doc", name, op[2], old, ts.last_id if ts else 0))
            self._apply(op)
            self._pending.append(op)

    def _apply(self, op: Op) -> None:
        """Apply one operation to the in-memory tables (caller holds the readers' lock)."""
        name = op[1]
        if op[0] == "clear":
            fresh = self._new_table(name)
            old = self._tables.get(name)
            fresh.last_id = old.last_id if old is not None else 0
            self._tables[name] = fresh
        elif op[0] == "put":
            self._table(name).put(op[2], op[3], op[4].encode("utf-8"))
        else:
            self._table(name).delete(op[2])

    def _unapply(self, undo_len: int) -> None:
        """Undo staged operations back to `undo_len` undo entries (newest first)."""
        while len(self._undo) > undo_len:
            entry = self._undo.pop()
            if entry[0] == "table":
                if entry[2] is None:
                    self._tables.pop(entry[1], None)
                else:
                    self._tables[entry[1]] = entry[2]
            else:
                _, name, doc_id, old, last_id = entry
                ts = self._table(name)
                if old is None:
                    ts.delete(doc_id)
                else:
                    ts.put(doc_id, old)
                ts.last_id = last_id

    def _rollback_to(self, mark: tuple[int, int]) -> None:
        undo_len, pending_len = mark
        self._unapply(undo_len)
        del self._pending[pending_len:]

    def _commit(self, ops: list[Op]) -> None:
        """Make staged `ops` durable (caller holds every lock, the readers' one exactly once).

        A small transaction is taken back out of the in-memory tables while its line is
        written and fsynced, with the readers' lock released: other threads go on reading the
        committed state meanwhile instead of waiting for the disk, and never see a change
        that could still fail. Once durable it is applied again. A big one (bulk loads) keeps
        the lock instead: replaying it would cost more than the wait.
        """
        seq = self._seq + 1
        line = encode_line(seq, ops)
        if self._dir is None:
            self._seq = seq
            return
        assert self._jfd is not None
        hide = len(ops) <= HIDE_MAX_OPS
        if hide:
            ops = list(ops)
            self._unapply(0)
            self._writing_end = self._offset + len(line)  # our own line: no catch-up needed
            self._view.release()
        try:
            try:
                if fault_hook is not None and len(line) > 1:
                    os.write(self._jfd, line[: len(line) // 2])
                    _fault("line-half-written")
                    self._write_all(line[len(line) // 2 :])
                else:
                    self._write_all(line)
                _sync_data(self._jfd)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._jfd, self._offset)
                raise StoreError(
                    f"write to {self._p(journal_name(self._gen))} failed: {exc}") from exc
        finally:
            if hide:
                self._view.acquire()
                self._writing_end = None
        self._offset += len(line)
        self._seen_size = self._offset
        self._seq = seq
        self._write_mark()
        if hide:
            try:
                for op in ops:
                    self._apply(op)
            except BaseException:
                # Durable but only partly back in memory (it applied once, so this is out of
                # memory or worse): the next look reloads everything from the files.
                self._snap_sig = None
                raise

    def _write_all(self, data: bytes) -> None:
        assert self._jfd is not None
        _write_fd(self._jfd, data)

    def next_id(self, name: str) -> int:
        """A fresh id for `name` (caller holds write_lock; ids are never reused)."""
        ts = self._tables.get(name)
        last = max(ts.last_id if ts else 0, self._reserved.get(name, 0))
        self._reserved[name] = last + 1
        return last + 1

    # ----------------------------------------------------------------- compaction
    def compact(self) -> None:
        """Write a fresh snapshot and start a journal of later writes; returns when done.

        The snapshot is written from a frozen view outside the locks, so other threads and
        processes keep reading and writing meanwhile; only the switch takes the writer lock.
        """
        if self._dir is None:
            return
        if self._owner == threading.get_ident():
            # The switch needs the writer lock this thread holds: waiting would deadlock.
            raise StoreError("compact() cannot run inside a transaction")
        while True:
            self._idle.wait()  # one compaction at a time: a frozen view owns the tables' watch
            with self.write_lock():
                if self._idle.is_set():
                    frozen = self._freeze()
                    break
        self._compact_from(frozen)

    def wait_compaction(self) -> None:
        """Wait until a background compaction started by this process has finished."""
        # A finishing compaction may start the next one (the journal outgrew the new snapshot
        # meanwhile); it sets `_compactor` before it ends, so join until none is left.
        while (worker := self._compactor) is not None and worker is not threading.current_thread():
            worker.join()

    def _maybe_compact(self) -> None:
        """Start a compaction when the journal outgrew the snapshot (caller holds write_lock)."""
        if self._dir is None or not self._idle.is_set():
            return
        if self._offset <= max(self._compact_min, self._snapshot_bytes, self._retry_at):
            return
        # If this attempt fails (disk full...), wait for more journal before trying again
        # rather than rewriting the whole snapshot on every write.
        self._retry_at = self._offset + self._compact_min
        frozen = self._freeze()
        if self._snapshot_bytes < self._background_min:
            self._compact_from(frozen, locked=True)  # small: milliseconds, done on return
            return
        worker = threading.Thread(
            target=self._compact_background, args=(frozen,), name="store-compaction", daemon=True
        )
        self._compactor = worker
        worker.start()

    def _compact_background(self, frozen: Frozen) -> None:
        try:
            self._compact_from(frozen)
        except (OSError, StoreError) as exc:  # every write is durable already; retried later
            log.warning("store compaction failed: %s", exc)
        finally:
            if self._compactor is threading.current_thread():
                self._compactor = None

    def _freeze(self) -> Frozen:
        """The current committed state (caller holds write_lock, nothing staged, none running)."""
        assert self._frozen is None and self._idle.is_set()
        self._frozen = Frozen(self._gen, self._seq, self._offset, self._tables)
        self._idle.clear()
        return self._frozen

    def _thaw(self, frozen: Frozen) -> None:
        frozen.release()
        self._frozen = None

    def _compact_from(self, frozen: Frozen, *, locked: bool = False) -> None:
        """Write `frozen` as the next snapshot, then switch to it under the writer lock.

        `locked`: the caller holds the writer lock already (a small inline compaction).

        Without any lock: the new snapshot under a temp name, then the journal lines committed
        since the freeze copied into a private temp journal, both fsynced. Under the lock only
        the few lines committed since that copy are appended (`_switch`), so the lock is held
        for one data sync, two renames and one directory fsync.
        """
        assert self._dir is not None
        self._tmp_count += 1
        n, pid, new_gen = self._tmp_count, os.getpid(), frozen.generation + 1
        # Both end in .tmp, so backups leave them out (runtime/backup.py); the journal's name
        # is private because journal-<G+1> may already be another process's live journal.
        tmp = self._p(f"{SNAPSHOT}.{pid}.{n}.tmp")
        tmp_journal = self._p(f"{journal_name(new_gen)}.{pid}.{n}.tmp")
        journal_fd: int | None = None
        adopted = False
        deferred: list[int] = []  # closed once the lock is released (see _switch)
        try:
            try:
                size = self._write_snapshot(tmp, new_gen, frozen)
            finally:
                self._thaw(frozen)
            _fault("snapshot-written")
            journal_fd, copied = self._copy_tail(frozen, tmp_journal)
            _fault("journal-copied")
            if locked:
                adopted = self._switch(frozen, tmp, size, tmp_journal, journal_fd, copied,
                                       deferred)
                return
            with self._switch_lock():
                if self._gen != frozen.generation:
                    return  # another process compacted meanwhile; ours is out of date
                adopted = self._switch(frozen, tmp, size, tmp_journal, journal_fd, copied,
                                       deferred)
        finally:
            for fd in deferred:
                with contextlib.suppress(OSError):
                    os.close(fd)  # frees the old snapshot's and journal's disk blocks
            if journal_fd is not None and not adopted:
                os.close(journal_fd)
            for path in (tmp, tmp_journal):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            self._idle.set()

    def _copy_tail(self, frozen: Frozen, path: Path) -> tuple[int, bytes]:
        """Copy the lines committed since the freeze into a new private journal, fsynced (no lock).

        `_offset` only ever moves to the end of a line that was fsynced, so the bytes before
        it are final; whatever is read here is checked against the journal under the lock.
        """
        end = self._offset if self._gen == frozen.generation else frozen.offset
        try:
            fd = os.open(self._p(journal_name(frozen.generation)), os.O_RDONLY)
        except FileNotFoundError:
            copied = b""  # another process compacted and removed it; the switch will see that
        else:
            try:
                copied = os.pread(fd, max(0, end - frozen.offset), frozen.offset)
            finally:
                os.close(fd)
        new_fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_fd(new_fd, copied)
            os.fsync(new_fd)
        except BaseException:
            os.close(new_fd)
            raise
        return new_fd, copied

    def _switch(self, frozen: Frozen, tmp: Path, size: int, tmp_journal: Path, journal_fd: int,
                copied: bytes, deferred: list[int]) -> bool:
        """Make the written snapshot current (caller holds write_lock); True: journal_fd adopted.

        Order on disk: append to the temp journal the lines committed since it was copied
        (data sync); rename the snapshot; rename the temp journal to journal-<G+1>; one
        directory fsync; only then remove the old journal. Until that removal the old journal
        holds every committed line, so a crash (or a power cut that kept only the snapshot's
        rename) leaves what `_finish_switch` completes on the next look; a kept journal rename
        without the snapshot's is a redundant copy (`_check_redundant`).

        The old snapshot and journal stay open (`deferred`, closed by the caller after the
        lock): dropping the last reference to a 100 MB file frees its blocks, which took
        30 ms inside the rename when nothing held it open.
        """
        assert self._dir is not None and self._jfd is not None
        new_gen = frozen.generation + 1
        tail = os.pread(self._jfd, self._offset - frozen.offset, frozen.offset)
        if tail.startswith(copied):
            extra = tail[len(copied):]
        else:  # the copy does not match the journal (it was reloaded meanwhile): start over
            os.ftruncate(journal_fd, 0)
            extra = tail
        if extra:
            _write_fd(journal_fd, extra)
            _sync_data(journal_fd)
        _fault("journal-created")
        with contextlib.suppress(FileNotFoundError):
            deferred.append(os.open(self._p(SNAPSHOT), os.O_RDONLY))
        os.replace(tmp, self._p(SNAPSHOT))
        _fault("snapshot-renamed")
        os.replace(tmp_journal, self._p(journal_name(new_gen)))
        _fault("journal-renamed")
        fsync_dir(self._dir)
        _fault("dir-synced")
        # From here the new snapshot and journal hold every write; the old journal is redundant.
        old_fd, old_gen = self._jfd, self._gen
        with self._view:  # readers compare these with the files (_changed_on_disk)
            self._gen, self._jfd = new_gen, journal_fd
            self._offset = self._seen_size = len(tail)
            self._snap_sig = self._snapshot_sig()
        deferred.append(old_fd)
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._p(journal_name(old_gen)))
        _fault("old-journal-removed")
        self._snapshot_bytes = size
        self._retry_at = 0
        return True

    def _finish_switch(self, exclusive: bool) -> None:
        """Complete a switch that stopped between the snapshot's rename and the journal's.

        Then the snapshot is generation G+1 while journal-<G+1> is missing (or short), and
        the old journal-<G> still holds every line committed after the snapshot's seq: those
        are appended to journal-<G+1>. Caller holds the file lock (shared is upgraded).
        """
        assert self._dir is not None
        header = self._read_header()
        if header is None or header[0] == 0:
            return
        generation, snap_seq = header
        try:
            old = self._p(journal_name(generation - 1)).read_bytes()
        except FileNotFoundError:
            return  # the usual case: the switch finished
        wanted = [(seq, raw) for seq, raw in _valid_lines(old) if seq > snap_seq]
        if not wanted:
            return
        path = self._p(journal_name(generation))
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b""
        have = [seq for seq, _raw in _valid_lines(data)]
        end = sum(len(raw) for _seq, raw in _valid_lines(data))
        last = have[-1] if have else snap_seq
        missing = [raw for seq, raw in wanted if seq > last]
        if not missing:
            return
        if have != list(range(snap_seq + 1, last + 1)) or b"\n" in data[end:] \
                or wanted[0][0] > last + 1:
            raise StoreDamaged(
                f"{path} and {journal_name(generation - 1)} do not continue each other after "
                f"an interrupted compaction; {_RESTORE}"
            )
        if not exclusive:
            self._flock(fcntl.LOCK_EX)  # converted, not atomic: look again under it
            try:
                self._finish_switch(exclusive=True)
            finally:
                self._flock(fcntl.LOCK_SH)
            return
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, end)  # an unfinished last line, never acknowledged
            _write_fd(fd, b"".join(missing))
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(self._dir)
        log.warning("completed an interrupted compaction: copied %d lines into %s",
                    len(missing), path)

    def _write_snapshot(self, path: Path, generation: int, frozen: Frozen | None = None) -> int:
        """Write a state (default: the empty store) as readable JSON, one document a line; fsync.

        Each document is its compact JSON bytes exactly as held in memory (`LAYOUT`), so
        `_load` takes a line's bytes as they are instead of decoding the whole file.

        The last member is a CRC-32 of every byte before it, so an edited or damaged
        snapshot is refused on open instead of silently changing the data.
        """
        written = 0
        synced = 0
        crc = 0
        seq = frozen.seq if frozen is not None else self._seq
        last_ids = frozen.last_ids if frozen is not None else {}
        with open(path, "wb") as fh:

            def out(text: str) -> None:
                out_bytes(text.encode("utf-8"))

            def out_bytes(data: bytes) -> None:
                nonlocal written, crc, synced
                written += len(data)
                crc = zlib.crc32(data, crc)
                fh.write(data)
                if written - synced >= SNAPSHOT_SYNC_STEP:
                    fh.flush()
                    _sync_data(fh.fileno())
                    synced = written

            out(f'{{"format": "{FORMAT}", "generation": {generation}, "seq": {seq}, '
                f'"layout": "{LAYOUT}",\n')
            out(f'"last_ids": {_dump_for_file(last_ids)},\n"tables": {{')
            indexes: list[tuple[str, list[str]]] = []  # (table, its indexes' JSON pieces)
            for t_index, name in enumerate(frozen.tables if frozen is not None else ()):
                assert frozen is not None
                out(("," if t_index else "") + f"\n{_dump_for_file(name)}: {{")
                stored = dict(frozen.items(name))
                # The stored bytes are copied as they are: no re-encoding, little GIL time.
                buf: list[bytes] = []
                size = 0
                sep = b'\n"%d": '
                for doc_id, raw in stored.items():
                    buf.append(sep % doc_id)
                    buf.append(raw)
                    size += len(raw) + 12
                    sep = b',\n"%d": '
                    if size >= _WRITE_CHUNK:
                        out_bytes(b"".join(buf))
                        buf, size = [], 0
                out_bytes(b"".join(buf))
                out("\n}")
                pieces = self._index_json(stored)
                if pieces:
                    indexes.append((name, pieces))
            out("\n}")
            for t_index, (name, pieces) in enumerate(indexes):
                out((',\n"indexes": {' if t_index == 0 else ",") + f"\n{_dump_for_file(name)}: ")
                for piece in pieces:
                    out(piece)
            if indexes:
                out("\n}")
            tail = _CHECKSUM_SEP + f'{crc:08x}"\n}}\n'.encode()
            fh.write(tail)
            written += len(tail)
            fh.flush()
            os.fsync(fh.fileno())
        return written

    def _index_json(self, stored: dict[int, bytes]) -> list[str]:
        """The default equality and range indexes of one frozen table as JSON, for the snapshot.

        Built here from the frozen documents (in the compaction's thread, off the locks), so
        an open takes them as they are instead of decoding every document on its first query.
        Only the default fields: a process declares its other indexes after it has opened.
        """
        # The sets built here are dropped at the end: the collector walking them meanwhile
        # (it would, holding the GIL for tens of ms) could free nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return list(dump_indexes(DocView(stored), self._eq_default, self._ordered_default,
                                     _dump_for_file))
        except OverflowError:  # an id beyond 64 bits (a caller's own Document id): none kept
            return []
        finally:
            if collecting:
                gc.enable()

    def _remove_stale_files(self) -> None:
        assert self._dir is not None
        for p in self._dir.iterdir():
            m = _JOURNAL_RE.match(p.name)
            if m and int(m[1]) < self._gen:
                p.unlink()  # already folded into the snapshot
            elif m and int(m[1]) > self._gen:
                self._check_redundant(p)
                p.unlink()
            elif p.name.startswith((SNAPSHOT + ".", "journal-")) and p.name.endswith(".tmp"):
                owner = _tmp_owner(p.name)
                if owner is None or not process_alive(owner):  # a live process may be writing it
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()

    def _check_redundant(self, path: Path) -> None:
        """A journal newer than the snapshot is an unfinished compaction's copy of lines we hold.

        New journals are appended to only after their snapshot's rename is durable, so its
        lines must all be ones just replayed; anything else means the files were mixed up.
        """
        data = path.read_bytes()
        pos = 0
        while (nl := data.find(b"\n", pos)) >= 0:
            obj = decode_line(data[pos:nl])
            if obj is not None and obj["seq"] > self._seq:
                raise StoreDamaged(
                    f"{path} is newer than {SNAPSHOT} and holds transaction {obj['seq']} "
                    f"beyond it; the files are inconsistent; {_RESTORE}"
                )
            pos = nl + 1

    # ----------------------------------------------------------------- reads
    def state(self, name: str) -> TableState | None:
        """The live state of one table (caller holds read_lock or write_lock)."""
        return self._tables.get(name)

    def table_names(self) -> list[str]:
        """Names of every table ever written."""
        return sorted(self._tables)

    def ensure_index(self, name: str, field: str, ordered: bool) -> None:
        """Index `field` of table `name` from now on (in this process)."""
        with self._view:
            extra = self._extra_ordered if ordered else self._extra_eq
            extra.setdefault(name, set()).add(field)
            ts = self._tables.get(name)
            if ts is not None:
                ts.indexes.add_field(field, ordered)

    @property
    def sequence(self) -> int:
        """Number of committed transactions (journal lines ever written)."""
        return self._seq

    @property
    def directory(self) -> Path | None:
        """The database directory (None for an in-memory store)."""
        return self._dir

    # ----------------------------------------------------------------- TinyDB Storage API
    def read(self) -> dict[str, dict[str, Any]] | None:
        """TinyDB view of all tables (live; do not mutate)."""
        with self.read_lock():
            return {
                name: {str(i): d for i, d in ts.docs.items()} for name, ts in self._tables.items()
            }

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Whole-database rewrites are exactly what this engine exists to avoid."""
        raise StoreError("JournalStorage writes per document; use table operations")

    def close(self) -> None:
        """Release file handles (after a running compaction); further use raises StoreError."""
        if self._pid == os.getpid():
            self.wait_compaction()
        with self._mutex, self._view:
            if self._closed:
                return
            self._closed = True
            for fd in (self._jfd, self._lock_fd, self._mark_fd):
                if fd is not None and fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._jfd = None
            self._lock_fd = -1
            self._mark_fd = -1
        if self._pid == os.getpid():
            self.wait_packing()  # it stops at its next batch, seeing the store closed
