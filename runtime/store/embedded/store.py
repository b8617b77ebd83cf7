"""The embedded `Repository`: TinyDB tables on an append-only journal (runtime.store.embedded).

Documents go in as JSON-able mappings and come out as fresh dicts with two extra keys:
`id` (int, assigned by the store, never reused) and `rev` (1 on insert, +1 per update).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from runtime.errors import ConflictError, NotFound, StoreError
from runtime.store.embedded import pages
from runtime.store.embedded.indexes import (
    MISSING,
    OrderedIndex,
    bound_key,
    get_path,
    order_key,
    value_matches,
)
from runtime.store.embedded.journal import (
    DEFAULT_BACKGROUND_MIN_BYTES,
    DEFAULT_COMPACT_MIN_BYTES,
    DEFAULT_EQ_FIELDS,
    DEFAULT_ORDERED_FIELDS,
    DocView,
    TableState,
    check_table_name,
)
from runtime.store.embedded.tiny import JournalDB, JournalTable, clone
from runtime.store.pages import (
    CALLBACK_FORM,
    CASES,
    PAGE_SIZE,
    RECORDS,
    TASKS,
    CaseCounts,
    MonthlyReport,
    Page,
)
from runtime.store.repository import RESERVED, Criteria, Doc, DocId, iso


def _export(doc_id: int, doc: Mapping[str, Any]) -> Doc:
    out: Doc = {"id": doc_id}
    for k, v in doc.items():
        out[k] = clone(v) if type(v) in (dict, list) else v
    return out


def _exported(docs: DocView, doc_id: int) -> Doc:
    """A caller's own copy of one stored document: decoded afresh, nothing shared."""
    out: Doc = {"id": doc_id}
    out.update(docs.fresh(doc_id))
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _text_hit(doc: Mapping[str, Any], needle: str, fields: tuple[str, ...] | None) -> bool:
    roots = [doc] if fields is None else [get_path(doc, f) for f in fields]
    return any(needle in s.casefold() for root in roots for s in _strings(root))


def select(state: TableState | None, c: Criteria) -> list[int]:
    """Ids matching criteria, narrowed by the smallest index answer, in output order."""
    if state is None:
        return []
    docs = state.docs
    idx = state.indexes
    ranges = {f: (bound_key(lo, f), bound_key(hi, f)) for f, (lo, hi) in c.ranges.items()}
    sets: list[set[int]] = []
    todo_eq = dict(c.equals)
    for f, wanted in c.equals.items():
        index = idx.eq_index(f, docs)
        hit = index.lookup(wanted) if index is not None else None
        if hit is not None:
            sets.append(hit)
            del todo_eq[f]
    # One ordered index may answer a range; its cheap size estimate decides the plan.
    ranged: tuple[OrderedIndex, float | None, float | None] | None = None
    todo_ranges = dict(ranges)
    for f, (lo, hi) in ranges.items():
        o_index = idx.ordered_index(f, docs)
        if o_index is not None:
            ranged = (o_index, lo, hi)
            del todo_ranges[f]
            break
    sets.sort(key=len)
    base: Iterable[int]
    if sets and (ranged is None or len(sets[0]) <= ranged[0].estimate(ranged[1], ranged[2])):
        base = sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]
        if ranged is not None:
            keys, lo, hi = ranged[0].keys, ranged[1], ranged[2]
            base = [i for i in base if _in_range(keys.get(i), lo, hi)]
    elif ranged is not None:
        base = ranged[0].range(ranged[1], ranged[2])
        if sets:
            base = [i for i in base if all(i in s for s in sets)]
    else:
        base = docs.keys()

    needle = c.text.casefold() if c.text else None
    if not todo_eq and not todo_ranges and needle is None and c.where is None:
        ids = list(base)  # the indexes answered it all: no document is decoded
    else:
        ids = _filtered(docs, base, todo_eq, todo_ranges, needle, c)
    if c.order_by is None:
        ids.sort(reverse=c.descending)
    else:
        ids.sort(key=lambda i: _order_value(docs[i], c.order_by or ""), reverse=c.descending)
    end = None if c.limit is None else c.offset + c.limit
    return ids[c.offset : end] if c.offset or end is not None else ids


def _filtered(docs: Mapping[int, Mapping[str, Any]], base: Iterable[int],
              todo_eq: Mapping[str, Any], todo_ranges: Mapping[str, tuple[Any, Any]],
              needle: str | None, c: Criteria) -> list[int]:
    """The ids of `base` whose documents pass what the indexes could not answer."""
    ids: list[int] = []
    for i in base:
        doc = docs[i]
        if todo_eq and not all(value_matches(get_path(doc, f), w) for f, w in todo_eq.items()):
            continue
        if todo_ranges and not all(
            _in_range(order_key(get_path(doc, f)), lo, hi) for f, (lo, hi) in todo_ranges.items()
        ):
            continue
        if needle is not None and not _text_hit(doc, needle, c.text_fields):
            continue
        if c.where is not None and not c.where(doc):
            continue
        ids.append(i)
    return ids


def _in_range(key: float | None, lo: float | None, hi: float | None) -> bool:
    if key is None:
        return False
    return (lo is None or key >= lo) and (hi is None or key < hi)


def _order_value(doc: Mapping[str, Any], path: str) -> tuple[int, Any]:
    value = get_path(doc, path)
    key = order_key(value)
    if key is not None:
        return (0, key)
    if value is MISSING or value is None:
        return (2, "")  # missing values sort last
    return (1, str(value))


class Store:
    """The record store: TinyDB tables on an append-only journal, thread- and process-safe."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES,
        background_min_bytes: int = DEFAULT_BACKGROUND_MIN_BYTES,
        eq_fields: Iterable[str] = DEFAULT_EQ_FIELDS,
        ordered_fields: Iterable[str] = DEFAULT_ORDERED_FIELDS,
    ) -> None:
        self.db = JournalDB(
            path,
            compact_min_bytes=compact_min_bytes,
            background_min_bytes=background_min_bytes,
            eq_fields=eq_fields,
            ordered_fields=ordered_fields,
        )
        self.journal = self.db.journal

    # -- helpers ---------------------------------------------------------------------
    def _table(self, table: str) -> JournalTable:
        t = self.db.table(check_table_name(table))
        assert isinstance(t, JournalTable)
        return t

    @staticmethod
    def _fresh(doc: Mapping[str, Any]) -> Doc:
        if not isinstance(doc, Mapping):
            raise StoreError(f"a document must be a mapping, not {type(doc).__name__}")
        bad = [k for k in RESERVED if k in doc]
        if bad:
            raise StoreError(f"{', '.join(bad)} is assigned by the store, not the caller")
        return {**doc, "rev": 1}

    # -- writes ----------------------------------------------------------------------
    def insert(self, table: str, doc: Mapping[str, Any]) -> DocId:
        """Store a new document durably (fsync'ed before returning); returns its id."""
        return self._table(table).insert(self._fresh(doc))

    def insert_many(self, table: str, docs: Iterable[Mapping[str, Any]]) -> list[DocId]:
        """Store several documents as one journal line: all or none."""
        return self._table(table).insert_multiple([self._fresh(d) for d in docs])

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
        """Set top-level fields; bumps `rev`, stamps updated_by/updated_at.

        With `expected_rev`, raises ConflictError if someone saved the document since the
        caller read it (optimistic concurrency; the check and the write are atomic).
        """
        if not isinstance(changes, Mapping):
            raise StoreError(f"changes must be a mapping, not {type(changes).__name__}")
        bad = [k for k in RESERVED if k in changes]
        if bad:
            raise StoreError(f"{', '.join(bad)} cannot be changed")
        t = self._table(table)
        stamp = iso(at)
        with self.journal.write_lock():
            state = self.journal.state(table)
            current = state.docs.get(doc_id) if state is not None else None
            if current is None:
                raise NotFound(f"{table} {doc_id} does not exist")
            rev = current.get("rev", 0)
            if expected_rev is not None and rev != expected_rev:
                raise ConflictError(
                    f"{table} {doc_id} was changed by {current.get('updated_by', 'someone')} "
                    f"(revision {rev}, you edited revision {expected_rev})"
                )

            def apply(doc: MutableMapping[str, Any]) -> None:
                doc.update(changes)
                doc["rev"] = rev + 1
                doc["updated_by"] = by
                doc["updated_at"] = stamp

            t.update(apply, doc_ids=[doc_id])
            return _exported(self.journal.state(table).docs, doc_id)  # type: ignore[union-attr]

    def delete(self, table: str, doc_id: DocId, *, expected_rev: int | None = None) -> None:
        """Erase a scratch document (drafts, sessions). Records are voided, never deleted."""
        t = self._table(table)
        with self.journal.write_lock():
            current = self.get(table, doc_id)
            if expected_rev is not None and current["rev"] != expected_rev:
                raise ConflictError(f"{table} {doc_id} changed since revision {expected_rev}")
            t.remove(doc_ids=[doc_id])

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside become durable together as one journal line, or not at all."""
        return self.journal.write_lock()

    # -- reads -----------------------------------------------------------------------
    def get(self, table: str, doc_id: DocId) -> Doc:
        """One document as a fresh dict; raises NotFound."""
        with self.journal.read_lock():
            state = self.journal.state(table)
            if state is None or doc_id not in state.docs:
                raise NotFound(f"{table} {doc_id} does not exist")
            return _exported(state.docs, doc_id)

    def query(self, table: str, criteria: Criteria) -> list[Doc]:
        """Documents matching the criteria, as fresh dicts."""
        with self.journal.read_lock():
            state = self.journal.state(table)
            ids = select(state, criteria)
            if not ids:
                return []
            docs = state.docs  # type: ignore[union-attr]
            return [_exported(docs, i) for i in ids]

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
        with self.journal.read_lock():
            state = self.journal.state(table)
            if not c.equals and not c.ranges and c.text is None and c.where is None:
                return len(state.docs) if state is not None else 0
            return len(select(state, c))

    def all(self, table: str) -> list[Doc]:
        """Every document of a table, by id."""
        return self.query(table, Criteria())

    def tables(self) -> list[str]:
        """Names of the tables that have ever been written."""
        return sorted(self.db.tables())

    def ensure_index(self, table: str, field: str, *, ordered: bool = False) -> None:
        """Index a field for this process (equality, or ordered for range queries)."""
        self.journal.ensure_index(check_table_name(table), field, ordered)

    # -- page queries (Repository; semantics in runtime/store/pages.py) ----------------
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
        """我的待办 from the open tasks only (see Repository.open_tasks)."""
        with self.journal.read_lock():
            return pages.open_tasks(
                self.journal.state(TASKS), _export, roles=roles, user=user,
                properties=properties, now=now, soon=soon, kind=kind, offset=offset,
                limit=limit)

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
        """Cases newest first, by indexes and the text index (see Repository.search_cases)."""
        with self.journal.read_lock():
            return pages.search_cases(
                self.journal.state(CASES), properties=properties, text=text, status=status,
                procedures=procedures, personal=personal, offset=offset, limit=limit)

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
        """Records newest first (see Repository.search_records)."""
        with self.journal.read_lock():
            return pages.search_records(
                self.journal.state(RECORDS), _export, properties=properties, text=text,
                form_id=form_id, include_voided=include_voided, personal=personal,
                offset=offset, limit=limit)

    def case_counts(
        self,
        *,
        properties: Collection[str | None],
        now: datetime,
        month: date | None = None,
    ) -> list[CaseCounts]:
        """Dashboard counts from kept tallies (see Repository.case_counts)."""
        with self.journal.read_lock():
            return pages.case_counts(self.journal.state(CASES), properties=properties,
                                     now=now, month=month)

    def monthly_report(
        self,
        *,
        properties: Collection[str | None],
        month: date,
        procedures: Collection[str],
        callback_form: str = CALLBACK_FORM,
    ) -> MonthlyReport:
        """The month's report from the month's documents only (see Repository)."""
        with self.journal.read_lock():
            j = self.journal
            return pages.monthly_report(
                j.state(CASES), j.state(TASKS), j.state(RECORDS), properties=properties,
                month=month, procedures=procedures, callback_form=callback_form)

    # -- maintenance -----------------------------------------------------------------
    def compact(self) -> None:
        """Fold the journal into a fresh snapshot now (it also happens automatically)."""
        self.journal.compact()

    def settle(self) -> None:
        """Wait for the background work of the open (large documents held deflated)."""
        self.journal.wait_packing()

    def close(self) -> None:
        """Release files; the store cannot be used afterwards."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str | os.PathLike[str], **kwargs: Any) -> Store:
    """Open (creating if needed) the store in directory `path`.

    Each call loads the data; open once per process and share the instance (it is
    thread-safe), e.g. with Streamlit's st.cache_resource.
    """
    return Store(Path(path), **kwargs)


def open_memory_store(**kwargs: Any) -> Store:
    """A store with the same behaviour that lives only in memory (tests, previews)."""
    return Store(None, **kwargs)
