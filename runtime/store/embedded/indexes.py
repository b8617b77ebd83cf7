"""In-memory indexes over one table: equality (value -> ids) and ordered (datetime/number -> ids).

Indexes are built from the documents in the process that queries them; they are never
written to disk, so the data files stay the only source of truth.
"""

from __future__ import annotations

import base64
import bisect
import ctypes
import gc
import heapq
import logging
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from runtime.errors import StoreError

log = logging.getLogger(__name__)

MISSING: Any = object()

# Naive datetimes are local property time (Asia/Shanghai, UTC+8, no DST) across the runtime;
# aware values are converted to that wall clock so "due before T" compares like with like.
_LOCAL = timezone(timedelta(hours=8))
_EPOCH = datetime(1970, 1, 1)


def get_path(doc: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`data.unit`) or MISSING when any step is absent."""
    if "." not in path:
        return doc.get(path, MISSING)
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def order_key(value: Any) -> float | None:
    """Sort key of a datetime-like value: ISO text, datetime, date or number; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_LOCAL).replace(tzinfo=None)
        return (value - _EPOCH).total_seconds()
    if isinstance(value, date):
        return (datetime(value.year, value.month, value.day) - _EPOCH).total_seconds()
    return None


def bound_key(value: Any, what: str) -> float | None:
    """Sort key of a query bound; a bound that is no datetime or number is a caller error."""
    if value is None:
        return None
    key = order_key(value)
    if key is None:
        raise StoreError(f"{what}: {value!r} is not a date, datetime or number")
    return key


def eq_keys(value: Any) -> list[Any]:
    """Hashable index keys of a stored value; a list yields one key per scalar element."""
    if isinstance(value, list):
        return [k for item in value for k in eq_keys(item) if not isinstance(item, list)]
    if value is None or value is MISSING or isinstance(value, dict):
        return []  # None/missing/objects are answered by scanning, never by the index
    if isinstance(value, bool):
        return [("bool", value)]  # keep True apart from 1 (Python hashes them equal)
    return [value]


def query_key(value: Any) -> Any:
    """The index key a scalar query value looks up, or MISSING when it must be scanned."""
    if value is None or isinstance(value, dict | list):
        return MISSING
    if isinstance(value, bool):
        return ("bool", value)
    try:
        hash(value)
    except TypeError:
        return MISSING
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def value_matches(stored: Any, wanted: Any) -> bool:
    """Equality semantics shared by index lookups and scans.

    A set/tuple/frozenset of wanted values means "any of"; a scalar matches a stored list
    that contains it; None matches null and missing; everything else is plain equality.
    """
    if isinstance(wanted, set | frozenset | tuple):
        return any(value_matches(stored, w) for w in wanted)
    if wanted is None:
        return stored is None or stored is MISSING
    if stored is MISSING:
        return False
    if isinstance(stored, list) and not isinstance(wanted, list):
        return any(not isinstance(x, list) and _same(x, wanted) for x in stored)
    return _same(stored, wanted)


class EqIndex:
    """value -> set of ids for one field path."""

    __slots__ = ("buckets", "field")

    def __init__(self, field: str) -> None:
        self.field = field
        self.buckets: dict[Any, set[int]] = {}

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Index one document."""
        for key in eq_keys(get_path(doc, self.field)):
            bucket = self.buckets.get(key)
            if bucket is None:
                self.buckets[key] = {doc_id}
            else:
                bucket.add(doc_id)

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Forget one document (as it was when indexed)."""
        for key in eq_keys(get_path(doc, self.field)):
            bucket = self.buckets.get(key)
            if bucket is not None:
                bucket.discard(doc_id)
                if not bucket:
                    del self.buckets[key]

    def start(self) -> None:
        """Forget everything: a build follows."""
        self.buckets = {}

    def feed(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Index a batch of documents during a build: a tight loop for plain scalars."""
        buckets = self.buckets
        field, simple = self.field, "." not in self.field
        for doc_id, doc in docs.items():
            value = doc.get(field) if simple else get_path(doc, field)
            kind = type(value)
            if kind is str or kind is int or kind is float:  # the common case, no list made
                bucket = buckets.get(value)
                if bucket is None:
                    buckets[value] = {doc_id}
                else:
                    bucket.add(doc_id)
                continue
            if value is None or value is MISSING:
                continue
            for key in eq_keys(value):
                bucket = buckets.get(key)
                if bucket is None:
                    buckets[key] = {doc_id}
                else:
                    bucket.add(doc_id)

    def finish(self) -> None:
        """The build is complete."""

    def dump(self, encode: Callable[[Any], str]) -> Iterator[str]:
        """The index as JSON text in pieces: [[value, ids], ...] (booleans as themselves; ids
        packed by `pack`), a bucket at a time (a compaction thread writes it alongside
        other threads' work: no single step may hold the GIL for long)."""
        yield "["
        for n, (key, ids) in enumerate(self.buckets.items()):
            yield f'{"," if n else ""}[{encode(key[1] if type(key) is tuple else key)},'
            yield f'"{pack("q", list(ids))}"]'
        yield "]"

    def take(self, data: Any, ids_of: Callable[[Iterable[int]], Iterable[int]]) -> None:
        """Become the index `dump` wrote (raises TypeError/ValueError on anything else).

        `ids_of` maps the ids read to the table's own int objects (shared, not copied).
        """
        buckets: dict[Any, set[int]] = {}
        for key, packed in data:
            kind = type(key)
            if kind is bool:
                key = ("bool", key)
            elif kind is not str and kind is not int and kind is not float:
                raise TypeError(f"index key {key!r}")
            ids = unpack("q", packed)
            if not ids:
                raise ValueError("an empty bucket")
            buckets[key] = set(ids_of(ids))
        self.buckets = buckets

    def lookup(self, wanted: Any) -> set[int] | None:
        """Ids whose value matches `wanted`, or None when the index cannot answer it."""
        values = wanted if isinstance(wanted, set | frozenset | tuple) else (wanted,)
        out: set[int] = set()
        for value in values:
            key = query_key(value)
            if key is MISSING:
                return None
            bucket = self.buckets.get(key)
            if bucket:
                out = out | bucket if out else set(bucket)
        return out


class OrderedIndex:
    """Range index on a datetime/number field: id -> key, plus a sorted view for bisecting.

    Writes stay O(1): new keys go to a small unsorted `recent` map and removals only count
    as stale; a range query merges them into the sorted arrays once they grow large.
    """

    __slots__ = ("_recent", "_sids", "_skeys", "_stale", "field", "keys")

    MERGE_AT = 2048

    def __init__(self, field: str) -> None:
        self.field = field
        self.keys: dict[int, float] = {}
        self._skeys: list[float] = []
        self._sids: list[int] = []
        self._recent: dict[int, float] = {}
        self._stale = 0  # removed/changed entries still present in the sorted arrays

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Index one document."""
        key = order_key(get_path(doc, self.field))
        if key is not None:
            self.keys[doc_id] = key
            self._recent[doc_id] = key

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Forget one document."""
        if self.keys.pop(doc_id, None) is None:
            return
        if self._recent.pop(doc_id, None) is None:
            self._stale += 1

    def start(self) -> None:
        """Forget everything: a build follows."""
        self.keys = {}
        self._recent = {}
        self._stale = 0

    def feed(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Index a batch of documents during a build."""
        keys, field, simple = self.keys, self.field, "." not in self.field
        for doc_id, doc in docs.items():
            value = doc.get(field, MISSING) if simple else get_path(doc, field)
            if value is MISSING or value is None:
                continue
            key = order_key(value)
            if key is not None:
                keys[doc_id] = key

    def finish(self) -> None:
        """Sort what was fed (by key, ties by id; twice as fast as sorting (key, id) pairs)."""
        keys = self.keys
        self._sids = sorted(sorted(keys), key=keys.__getitem__)  # stable: ties stay by id
        self._skeys = list(map(keys.__getitem__, self._sids))

    def dump(self, encode: Callable[[Any], str]) -> Iterator[str]:
        """The index fed since `start` as JSON text in pieces: [ids, keys] packed by `pack`,
        sorted by key, ties by id (sorted a slice at a time, then merged: no long hold of
        the GIL)."""
        keys = self.keys
        ids = sorted(keys)  # nearly sorted already: one quick pass
        step = 16384
        runs = [sorted(ids[a:a + step], key=keys.__getitem__) for a in range(0, len(ids), step)]
        # heapq.merge is stable across runs in order, and the runs hold ascending ids
        sids = list(heapq.merge(*runs, key=keys.__getitem__)) if len(runs) > 1 else (
            runs[0] if runs else [])
        yield f'["{pack("q", sids)}",'
        yield f'"{pack("d", [keys[i] for i in sids])}"]'

    def take(self, data: Any, ids_of: Callable[[Iterable[int]], Iterable[int]]) -> None:
        """Become the index `dump` wrote (raises TypeError/ValueError on anything else)."""
        packed_ids, packed_keys = data
        sids = list(ids_of(unpack("q", packed_ids)))
        skeys = unpack("d", packed_keys).tolist()
        keys = dict(zip(sids, skeys, strict=True))  # ValueError when the lengths differ
        if len(keys) != len(sids):
            raise ValueError("an id twice in an ordered index")
        self.keys, self._sids, self._skeys = keys, sids, skeys
        self._recent = {}
        self._stale = 0

    def _merge(self) -> None:
        if self._stale:
            keys = self.keys
            pairs = [
                (k, i)
                for k, i in zip(self._skeys, self._sids, strict=True)
                if keys.get(i) == k and i not in self._recent
            ]
        else:
            pairs = list(zip(self._skeys, self._sids, strict=True))
        pairs.extend((k, i) for i, k in self._recent.items())
        pairs.sort()  # timsort: two sorted-ish runs, close to linear
        self._skeys = [k for k, _ in pairs]
        self._sids = [i for _, i in pairs]
        self._recent = {}
        self._stale = 0

    def estimate(self, lo: float | None, hi: float | None) -> int:
        """Upper bound of the number of ids in [lo, hi) (cheap; for query planning)."""
        if len(self._recent) > self.MERGE_AT or self._stale > self.MERGE_AT:
            self._merge()
        a = 0 if lo is None else bisect.bisect_left(self._skeys, lo)
        b = len(self._skeys) if hi is None else bisect.bisect_left(self._skeys, hi)
        return b - a + len(self._recent)

    def range(self, lo: float | None, hi: float | None) -> list[int]:
        """Ids with lo <= key < hi (None = unbounded), in no particular order."""
        if len(self._recent) > self.MERGE_AT or self._stale > self.MERGE_AT:
            self._merge()
        skeys = self._skeys
        a = 0 if lo is None else bisect.bisect_left(skeys, lo)
        b = len(skeys) if hi is None else bisect.bisect_left(skeys, hi)
        if self._stale:
            keys, recent = self.keys, self._recent
            ids = [
                i
                for k, i in zip(skeys[a:b], self._sids[a:b], strict=True)
                if keys.get(i) == k and i not in recent
            ]
        else:
            ids = self._sids[a:b]
        ids.extend(
            i for i, k in self._recent.items() if (lo is None or k >= lo) and (hi is None or k < hi)
        )
        return ids

    def descending(self) -> Iterator[int]:
        """Ids from the highest key down (ties: higher id first); lazily, for paging.

        A merge replaces the arrays rather than mutating them, so a write during the
        iteration cannot disturb it (the caller holds the read lock anyway).
        """
        if self._recent or self._stale:
            self._merge()
        sids = self._sids
        for pos in range(len(sids) - 1, -1, -1):
            yield sids[pos]


_trim: Callable[[int], int] | None = None


def trim_heap() -> None:
    """Hand the C heap's free pages back to the OS (glibc; elsewhere nothing happens).

    Loading and index building free many large temporary buffers (the snapshot's text,
    decoded batches, outgrown set tables); glibc keeps such holes in its heap, which shows
    as resident memory the process will not use again (15-20% of it after an open).
    """
    global _trim
    if _trim is None:
        try:
            _trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _trim = lambda pad: 0  # noqa: E731 - not glibc: nothing to hand back
    _trim(0)


def pack(code: str, values: list[Any]) -> str:
    """Numbers as base64 of little-endian machine values (`code`: array typecode "q" or "d").

    Stored indexes hold millions of ids: as JSON numbers, reading them back would make (and
    free) a Python object each, leaving memory fragmented; packed, they read back in C.
    """
    arr = array(code, values)
    if sys.byteorder == "big":
        arr.byteswap()
    return base64.b64encode(arr.tobytes()).decode("ascii")


def unpack(code: str, text: Any) -> array[Any]:
    """The numbers `pack` wrote (ValueError/TypeError on anything else)."""
    if type(text) is not str:
        raise TypeError("packed numbers must be text")
    arr = array(code)
    arr.frombytes(base64.b64decode(text, validate=True))
    if sys.byteorder == "big":
        arr.byteswap()
    return arr


def dump_indexes(docs: Mapping[int, Mapping[str, Any]], eq_fields: Iterable[str],
                 ordered_fields: Iterable[str], encode: Callable[[Any], str]) -> Iterator[str]:
    """Build these indexes over `docs` and yield them as JSON text in pieces, as
    `IndexSet.take` reads them: {"eq": {field: ...}, "ordered": {field: ...}}.

    For a snapshot written in the background: one decoding pass, and no step that holds
    the GIL for long (no big sort or encode in one C call).
    """
    indexes: list[EqIndex | OrderedIndex] = [EqIndex(f) for f in eq_fields]
    n_eq = len(indexes)
    indexes += [OrderedIndex(f) for f in ordered_fields]
    for index in indexes:
        index.start()
    for chunk in _chunks(docs):
        for index in indexes:
            index.feed(chunk)
        time.sleep(0)  # let a waiting reader or writer have the GIL now, not in 5 ms
    yield '{"eq": {'
    for n, index in enumerate(indexes):
        if n == n_eq:
            yield '}, "ordered": {'
        yield f'{", " if n not in (0, n_eq) else ""}{encode(index.field)}: '
        yield from index.dump(encode)
    yield '}}' if n_eq < len(indexes) else '}, "ordered": {}}'



class Derived(Protocol):
    """An index computed from whole documents (text, tallies), kept in step like the others."""

    field: None

    def start(self) -> None:
        """Forget everything: a build follows."""

    def feed(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Index a batch of documents during a build."""

    def finish(self) -> None:
        """The build is complete."""

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Index one document."""

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Forget one document (as it was when indexed)."""


Index = EqIndex | OrderedIndex | Derived

def _chunks(docs: Mapping[int, Mapping[str, Any]]) -> Iterable[Mapping[int, Mapping[str, Any]]]:
    """The documents a few at a time (a table's are held encoded: decoding them all at once
    would briefly need the memory the encoding saves)."""
    chunks = getattr(docs, "chunks", None)
    return chunks() if chunks is not None else (docs,)


class IndexSet:
    """All indexes of one table. They are built on the first query that needs one, then kept
    in step.

    Lazy building keeps opening a large store cheap: an index nobody queries in this
    process costs nothing, neither at open nor on writes. Every build decodes the whole
    table, so one build makes every declared index still missing in the same pass (the
    default fields, `add_field`s and `plan`ned derived indexes): a page's first visit
    decodes each of its tables once, not once per index.
    """

    __slots__ = ("_live", "_planned", "_stored", "derived", "eq", "ordered")

    def __init__(self, eq_fields: Iterable[str], ordered_fields: Iterable[str]) -> None:
        self.eq = {f: EqIndex(f) for f in eq_fields}
        self.ordered = {f: OrderedIndex(f) for f in ordered_fields}
        self.derived: dict[str, Derived] = {}
        self._planned: dict[str, Derived] = {}  # derived indexes to build with the next build
        self._live: list[Index] = []  # the built ones
        # Indexes read from the snapshot and not needed yet: their packed form (a tenth of
        # the memory of the sets), turned into an index on its first query.
        self._stored: dict[EqIndex | OrderedIndex, Any] = {}

    def built(self) -> bool:
        """True once any index is built (writes must then keep them in step)."""
        return bool(self._live)

    def stored(self) -> bool:
        """True while some index read from the snapshot waits for its first query."""
        return bool(self._stored)

    def take(self, data: Any) -> None:
        """Keep the indexes `dump` wrote for fields declared here (the others are ignored),
        packed until their first query (`DocView.changed` must record every change meanwhile).

        Raises TypeError/ValueError/AttributeError on data `dump` cannot have written.
        """
        for kind, declared in (("eq", self.eq), ("ordered", self.ordered)):
            for field, dumped in data.get(kind, {}).items():
                index = declared.get(field)
                if index is not None and index not in self._live:
                    self._stored[index] = dumped

    def _adopt(self, index: EqIndex | OrderedIndex, docs: Any) -> None:
        """Unpack a stored index and bring it up to date with the changes since the open."""
        dumped = self._stored.pop(index)
        changed = docs.changed if docs.changed is not None else {}
        if len(changed) > len(docs) // 4 + 64:
            self._stored = {}  # changed too much: a decoding pass is cheaper than fixing
            docs.changed = None
            return
        try:
            # The ids read are fresh int objects; the table's own ones are shared instead (one
            # int per document, not one per document and index). Ids deleted since: their own.
            own: dict[int, int] = {i: i for i in docs.raw}
            index.take(dumped, lambda ids: map(own.get, ids, ids))
            for doc_id, old, new in docs.changes():
                if old is not None:
                    index.remove(doc_id, old)
                if new is not None:
                    index.add(doc_id, new)
            held = index.keys.keys() if isinstance(index, OrderedIndex) else set().union(
                *index.buckets.values())
            if not held <= docs.raw.keys():
                raise ValueError("a stored index names documents the table does not hold")
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            log.warning("ignoring a stored index of %r: %s", index.field, exc)
            index.start()  # built by the next pass instead
            return
        finally:
            if not self._stored:
                docs.changed = None  # nothing stored is left to bring up to date
        self._live.append(index)

    def build(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Build every declared index that is not built yet, in one pass over the documents."""
        self._build(docs)

    def _build(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Build every declared index that is not built yet, in one pass over the documents."""
        live, stored = self._live, self._stored
        pending: list[Index] = [i for i in self.eq.values() if i not in live and i not in stored]
        pending += [i for i in self.ordered.values() if i not in live and i not in stored]
        pending += self._planned.values()
        for index in pending:
            index.start()
        # Decoding makes many short-lived dicts without cycles: the collector's passes over
        # them would only slow the build down.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for chunk in _chunks(docs):
                for index in pending:
                    index.feed(chunk)
        finally:
            if collecting:
                gc.enable()
        for index in pending:
            index.finish()
        trim_heap()
        self.derived.update(self._planned)
        self._planned = {}
        live.extend(pending)

    def plan(self, name: str, factory: Callable[[], Any]) -> None:
        """Declare the derived index `name`: built with the next build (or on its first use)."""
        if name not in self.derived and name not in self._planned:
            self._planned[name] = factory()

    def derived_index(self, name: str, factory: Callable[[], Any],
                      docs: Mapping[int, Mapping[str, Any]]) -> Any:
        """The derived index `name` (made by `factory` and built now on first use)."""
        index = self.derived.get(name)
        if index is None:
            self.plan(name, factory)
            self._build(docs)
            index = self.derived[name]
        return index

    def eq_index(self, field: str, docs: Mapping[int, Mapping[str, Any]]) -> EqIndex | None:
        """The equality index on `field` (built now if needed), or None if not indexed."""
        index = self.eq.get(field)
        if index is not None and index not in self._live:
            if index in self._stored:
                self._adopt(index, docs)
            if index not in self._live:
                self._build(docs)
        return index

    def ordered_index(
        self, field: str, docs: Mapping[int, Mapping[str, Any]]
    ) -> OrderedIndex | None:
        """The range index on `field` (built now if needed), or None if not indexed."""
        index = self.ordered.get(field)
        if index is not None and index not in self._live:
            if index in self._stored:
                self._adopt(index, docs)
            if index not in self._live:
                self._build(docs)
        return index

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Index a new document."""
        for index in self._live:
            index.add(doc_id, doc)

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Unindex a document about to be deleted."""
        for index in self._live:
            index.remove(doc_id, doc)

    def reset(self) -> None:
        """Forget every built index (the documents were replaced wholesale)."""
        self._live = []
        self.derived = {}
        self._planned = {}
        self._stored = {}

    def replace(self, doc_id: int, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """Re-index a changed document, touching only indexes whose field changed."""
        for index in self._live:
            if index.field is None:  # derived from the whole document
                index.remove(doc_id, old)
                index.add(doc_id, new)
                continue
            a, b = get_path(old, index.field), get_path(new, index.field)
            if type(a) is not type(b) or a != b:
                index.remove(doc_id, old)
                index.add(doc_id, new)

    def add_field(self, field: str, ordered: bool) -> None:
        """Declare one more index (built with the next build, or on its first query)."""
        if ordered:
            self.ordered.setdefault(field, OrderedIndex(field))
        else:
            self.eq.setdefault(field, EqIndex(field))
