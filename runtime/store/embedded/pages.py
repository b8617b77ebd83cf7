"""The page queries on the embedded store's in-memory tables: indexes, never a full decode.

Each function takes the live `TableState`s (the caller holds the read lock) and answers
from the equality / range indexes plus three derived indexes kept in step with every write:
`TextIndex` (search text, personal values apart), `CaseTally` (per property and procedure
counts) and `FlagIndex` (voided records). Costs grow with the open work, the month asked
for, or the matches shown — not with the whole history. Semantics: runtime/store/pages.py.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from runtime.store.embedded.indexes import MISSING, EqIndex, OrderedIndex, order_key, query_key
from runtime.store.embedded.journal import TableState
from runtime.store.pages import (
    URGENCIES,
    CaseCounts,
    Doc,
    MonthlyReport,
    Page,
    callback_month,
    case_breached,
    case_summary,
    in_month,
    is_overdue,
    month_bounds,
    needle_of,
    search_texts,
    task_visible,
    urgency,
)

Export = Callable[[int, Mapping[str, Any]], Doc]
_RS = "\x1e"  # between documents in a text blob (never in a needle: control chars are cut)
_EMPTY: frozenset[int] = frozenset()


class TextIndex:
    """Search text per document, general and personal apart, scanned as two big strings.

    A scan is one `str.find` loop in C over the blob of all texts; documents changed since
    the blob was built are looked at one by one until enough changed to rebuild it.
    """

    field = None

    def __init__(self) -> None:
        self.texts: dict[int, tuple[str, str]] = {}
        self._ids: list[int] = []
        self._starts: list[int] = []
        self._pstarts: list[int] = []
        self._blob = ""
        self._pblob = ""
        self._dirty: set[int] = set()
        self._built = False

    def start(self) -> None:
        """Forget everything: a build follows."""
        self.texts = {}
        self._dirty = set()
        self._built = False

    def feed(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Index a batch of documents during a build."""
        texts = self.texts
        for i, d in docs.items():
            texts[i] = search_texts(d)

    def finish(self) -> None:
        """The build is complete (the blobs are made on the first search)."""

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Index one document."""
        self.texts[doc_id] = search_texts(doc)
        self._dirty.add(doc_id)

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Forget one document."""
        self.texts.pop(doc_id, None)
        self._dirty.add(doc_id)

    def _rebuild(self) -> None:
        self._ids = list(self.texts)
        self._starts, self._pstarts = [], []
        general, private = [], []
        pos = ppos = 0
        for i in self._ids:
            g, p = self.texts[i]
            self._starts.append(pos)
            self._pstarts.append(ppos)
            general.append(g)
            private.append(p)
            pos += len(g) + 1
            ppos += len(p) + 1
        self._blob = _RS.join(general)
        self._pblob = _RS.join(private)
        self._dirty = set()
        self._built = True

    def _scan(self, blob: str, starts: list[int], needle: str, out: set[int]) -> None:
        ids = self._ids
        pos = blob.find(needle)
        while pos >= 0:
            k = bisect.bisect_right(starts, pos) - 1
            out.add(ids[k])
            nxt = starts[k + 1] if k + 1 < len(starts) else len(blob)
            pos = blob.find(needle, nxt)

    def matching(self, needle: str, personal: bool) -> set[int]:
        """Ids whose general text (and personal text, with `personal`) contains `needle`."""
        needle = "".join(ch for ch in needle if ch >= " ")
        if not needle:
            return set(self.texts)
        if not self._built or len(self._dirty) > max(2048, len(self.texts) // 8):
            self._rebuild()
        hits: set[int] = set()
        self._scan(self._blob, self._starts, needle, hits)
        if personal:
            self._scan(self._pblob, self._pstarts, needle, hits)
        if self._dirty:
            hits -= self._dirty
            for i in self._dirty:
                pair = self.texts.get(i)
                if pair is not None and (needle in pair[0] or (personal and needle in pair[1])):
                    hits.add(i)
        return hits


class CaseTally:
    """(property, procedure) -> [total, open, closed, breached] over started cases."""

    field = None

    def __init__(self) -> None:
        self.rows: dict[tuple[Any, str], list[int]] = {}

    def _apply(self, doc: Mapping[str, Any], sign: int) -> None:
        status = doc.get("status")
        if status not in ("open", "closed"):
            return  # reserved numbers are not cases yet
        key = (doc.get("property"), str(doc.get("procedure_id") or ""))
        row = self.rows.setdefault(key, [0, 0, 0, 0])
        row[0] += sign
        row[1 if status == "open" else 2] += sign
        row[3] += sign * case_breached(doc)
        if not any(row):
            del self.rows[key]

    def start(self) -> None:
        """Forget everything: a build follows."""
        self.rows = {}

    def feed(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Count a batch of cases during a build."""
        for doc in docs.values():
            self._apply(doc, 1)

    def finish(self) -> None:
        """The build is complete."""

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Count one case."""
        self._apply(doc, 1)

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Uncount one case."""
        self._apply(doc, -1)


class FlagIndex:
    """The ids of documents for which a predicate holds (e.g. voided records)."""

    field = None

    def __init__(self, predicate: Callable[[Mapping[str, Any]], bool]) -> None:
        self.predicate = predicate
        self.ids: set[int] = set()

    def start(self) -> None:
        """Forget everything: a build follows."""
        self.ids = set()

    def feed(self, docs: Mapping[int, Mapping[str, Any]]) -> None:
        """Flag a batch of documents during a build."""
        self.ids.update(i for i, d in docs.items() if self.predicate(d))

    def finish(self) -> None:
        """The build is complete."""

    def add(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Flag one document."""
        if self.predicate(doc):
            self.ids.add(doc_id)

    def remove(self, doc_id: int, doc: Mapping[str, Any]) -> None:
        """Unflag one document."""
        self.ids.discard(doc_id)


def _voided(doc: Mapping[str, Any]) -> bool:
    return bool(doc.get("voided"))


# ---------------------------------------------------------------------------- helpers


def _prepare_cases(state: TableState) -> None:
    """Declare every index the case pages use, so their first build is one pass."""
    state.indexes.add_field("procedure_id", False)
    state.indexes.add_field("created_at", True)
    state.indexes.plan("tally", CaseTally)


def _prepare_records(state: TableState) -> None:
    """Declare every index the record pages use, so their first build is one pass."""
    state.indexes.add_field("created_at", True)
    state.indexes.add_field("data.visited_at", True)
    state.indexes.plan("voided", _voided_index)


def _voided_index() -> FlagIndex:
    return FlagIndex(_voided)


def _eq(state: TableState, field: str) -> EqIndex:
    state.indexes.add_field(field, False)
    index = state.indexes.eq_index(field, state.docs)
    assert index is not None
    return index


def _ordered(state: TableState, field: str) -> OrderedIndex:
    state.indexes.add_field(field, True)
    index = state.indexes.ordered_index(field, state.docs)
    assert index is not None
    return index


def _ids_with(state: TableState, field: str, values: Iterable[Any]) -> set[int]:
    """Ids whose `field` is any of `values` (None: null or missing, scanned)."""
    index = _eq(state, field)
    out: set[int] = set()
    for value in values:
        if value is None:
            out.update(i for i, d in state.docs.items() if d.get(field) is None)
            continue
        key = query_key(value)
        bucket = index.buckets.get(key) if key is not MISSING else None
        if bucket:
            out |= bucket
    return out


def _bucket(state: TableState, field: str, value: Any) -> set[int] | frozenset[int]:
    """The live id set of one indexed value (read-only!), without copying it."""
    key = query_key(value)
    return (_eq(state, field).buckets.get(key) if key is not MISSING else None) or _EMPTY


def _newest_first(state: TableState, ids: set[int], offset: int, limit: int | None,
                  ) -> list[int]:
    """A page of `ids` by created_at, newest first (ties: higher id first)."""
    order = _ordered(state, "created_at")
    want = None if limit is None else offset + limit
    if want is not None and len(ids) > 4 * want:
        # Dense matches: walk the ordered index from the newest down until the page is full.
        page: list[int] = []
        for i in order.descending():
            if i in ids:
                page.append(i)
                if len(page) >= want:
                    break
        if len(page) < want:  # documents without created_at come last, by id
            page += sorted((i for i in ids if i not in order.keys), reverse=True)
        return page[offset:want]
    keys = order.keys
    ranked = sorted(ids, key=lambda i: (keys.get(i, float("-inf")), i), reverse=True)
    return ranked[offset:want]


def _range(state: TableState, field: str, lo: datetime, hi: datetime) -> list[int]:
    return _ordered(state, field).range(order_key(lo), order_key(hi))


# ---------------------------------------------------------------------------- queries


def open_tasks(state: TableState | None, export: Export, *, roles: Collection[str],
               user: str | None, properties: Collection[str | None], now: datetime,
               soon: timedelta, kind: str | None, offset: int, limit: int | None) -> Page:
    """See Repository.open_tasks: scans the open tasks only (the `status` index)."""
    counts = dict.fromkeys(URGENCIES, 0)
    if state is None:
        return Page((), 0, offset, limit, counts)
    wanted_roles, props = frozenset(roles), set(properties)
    docs = state.docs
    soon_s = soon.total_seconds()
    found: list[tuple[float, str, int]] = []
    for i in _bucket(state, "status", "open"):
        doc = docs[i]
        if doc.get("property") not in props or (kind is not None and doc.get("kind") != kind):
            continue
        if not task_visible(doc, wanted_roles, user):
            continue
        due = doc.get("due_at")
        counts[urgency(due, now, soon_s)] += 1
        key = order_key(due) if due is not None else None
        found.append((float("inf") if key is None else key, str(doc.get("key") or ""), i))
    found.sort()
    end = None if limit is None else offset + limit
    items = tuple(export(i, docs[i]) for _, _, i in found[offset:end])
    return Page(items, len(found), offset, limit, counts)


def _text_hits(state: TableState, text: str | None, personal: bool) -> set[int] | None:
    needle = needle_of(text)
    if needle is None:
        return None
    index = state.indexes.derived_index("text", TextIndex, state.docs)
    hits: set[int] = index.matching(needle, personal)
    return hits


def search_cases(state: TableState | None, *, properties: Collection[str | None],
                 text: str | None, status: str | None, procedures: Collection[str] | None,
                 personal: bool, offset: int, limit: int | None) -> Page:
    """See Repository.search_cases."""
    if state is None:
        return Page((), 0, offset, limit)
    _prepare_cases(state)
    ids = _ids_with(state, "property", set(properties))
    # Reserved numbers are placeholders, never cases to show.
    statuses: tuple[str, ...] = (("open", "closed") if status is None
                                 else () if status == "reserved" else (status,))
    ids &= _ids_with(state, "status", statuses)
    if procedures is not None:
        ids &= _ids_with(state, "procedure_id", set(procedures))
    hits = _text_hits(state, text, personal)
    if hits is not None:
        ids &= hits
    page = _newest_first(state, ids, offset, limit)
    items = tuple(case_summary({**state.docs[i], "id": i}) for i in page)
    return Page(items, len(ids), offset, limit)


def search_records(state: TableState | None, export: Export, *,
                   properties: Collection[str | None], text: str | None,
                   form_id: str | None, include_voided: bool, personal: bool, offset: int,
                   limit: int | None) -> Page:
    """See Repository.search_records."""
    if state is None:
        return Page((), 0, offset, limit)
    _prepare_records(state)
    ids = _ids_with(state, "property", set(properties))
    if form_id is not None:
        ids &= _bucket(state, "form_id", form_id)
    if not include_voided:
        ids -= state.indexes.derived_index("voided", _voided_index, state.docs).ids
    hits = _text_hits(state, text, personal)
    if hits is not None:
        ids &= hits
    page = _newest_first(state, ids, offset, limit)
    return Page(tuple(export(i, state.docs[i]) for i in page), len(ids), offset, limit)


def case_counts(state: TableState | None, *, properties: Collection[str | None],
                now: datetime, month: date | None) -> list[CaseCounts]:
    """See Repository.case_counts: tallies kept in step, overdue from the open cases only."""
    if state is None:
        return []
    _prepare_cases(state)
    props = set(properties)
    rows: dict[tuple[Any, str], list[int]] = {}
    overdue: dict[tuple[Any, str], int] = {}
    docs = state.docs
    if month is None:
        tally: CaseTally = state.indexes.derived_index("tally", CaseTally, docs)
        rows = {k: list(v) for k, v in tally.rows.items() if k[0] in props}
        for i in _bucket(state, "status", "open"):
            doc = docs[i]
            if doc.get("property") in props and is_overdue(doc, now):
                key = (doc.get("property"), str(doc.get("procedure_id") or ""))
                overdue[key] = overdue.get(key, 0) + 1
    else:
        lo, hi = month_bounds(month)
        for i in _range(state, "created_at", lo, hi):
            doc = docs[i]
            status = doc.get("status")
            if doc.get("property") not in props or status not in ("open", "closed"):
                continue
            key = (doc.get("property"), str(doc.get("procedure_id") or ""))
            row = rows.setdefault(key, [0, 0, 0, 0])
            row[0] += 1
            row[1 if status == "open" else 2] += 1
            row[3] += case_breached(doc)
            if status == "open" and is_overdue(doc, now):
                overdue[key] = overdue.get(key, 0) + 1
    out = [CaseCounts(p, proc, total=r[0], open=r[1], overdue=overdue.get((p, proc), 0),
                      breached=r[3], closed=r[2]) for (p, proc), r in rows.items()]
    return sorted(out, key=lambda c: (c.property or "", c.procedure))


def monthly_report(cases: TableState | None, tasks: TableState | None,
                   records: TableState | None, *, properties: Collection[str | None],
                   month: date, procedures: Collection[str], callback_form: str,
                   ) -> MonthlyReport:
    """See Repository.monthly_report: only the month's cases, tasks and records are read."""
    rep = MonthlyReport(month)
    props, procs = set(properties), set(procedures)
    lo, hi = month_bounds(month)
    if cases is not None:
        _prepare_cases(cases)
    if records is not None:
        _prepare_records(records)
    if cases is not None:
        for i in sorted(_range(cases, "created_at", lo, hi)):
            doc = cases.docs[i]
            if (doc.get("property") in props and doc.get("procedure_id") in procs
                    and doc.get("status") in ("open", "closed")):
                rep.add_case(doc)
    if tasks is not None:
        for i in _range(tasks, "due_at", lo, hi):
            doc = tasks.docs[i]
            if doc.get("kind") != "follow-up" or doc.get("property") not in props:
                continue
            case = _case_of(cases, doc.get("case_id"))
            if case is not None and case.get("procedure_id") in procs:
                rep.add_callback_task(doc)
    if records is not None:
        # A call-back counts in the month of its visit, else of its saving: both indexed.
        seen = set(_range(records, "created_at", lo, hi))
        seen.update(_range(records, "data.visited_at", lo, hi))
        form_ids = _bucket(records, "form_id", callback_form)
        for i in seen & form_ids:
            doc = records.docs[i]
            if (doc.get("property") in props and not doc.get("voided")
                    and in_month(callback_month(doc), month)):
                rep.add_callback_record(doc)
    return rep


def _case_of(cases: TableState | None, case_id: Any) -> Mapping[str, Any] | None:
    if cases is None or case_id is None:
        return None
    try:
        return cases.docs.get(int(case_id))
    except (TypeError, ValueError):
        return None
