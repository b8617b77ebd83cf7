"""The repository interface every caller uses (embedded store today, PostgreSQL next).

Callers depend on `Repository` only: `runtime.store.embedded` (TinyDB on a journal) and
`runtime.store.postgres` implement it, and one contract suite (tests/store/contract/) runs
against both.
Documents go in as JSON-able mappings and come out as fresh dicts with two extra keys:
`id` (int, assigned by the store, never reused) and `rev` (1 on insert, +1 per update).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from runtime.errors import StoreError
from runtime.store.pages import CALLBACK_FORM, PAGE_SIZE, CaseCounts, MonthlyReport, Page

DocId = int
Doc = dict[str, Any]
RESERVED = ("id", "rev")


@dataclass(frozen=True)
class Criteria:
    """A query: equality filters, half-open ranges, text search, predicate, order and paging.

    - equals: field path -> value; a set/tuple/frozenset means "any of"; None means
      null-or-missing; a scalar also matches a list field containing it.
    - ranges: field path -> (from, before): from <= value < before, either side None;
      datetimes compare as local property time, ISO text and datetime objects alike.
    - text: case-insensitive substring in any string under `text_fields` (all when None).
    - where: any predicate over the stored document, e.g. a TinyDB `Query()` expression.
    """

    equals: Mapping[str, Any] = field(default_factory=dict)
    ranges: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    text: str | None = None
    text_fields: tuple[str, ...] | None = None
    where: Callable[[Mapping[str, Any]], bool] | None = None
    order_by: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int | None = None


@runtime_checkable
class Repository(Protocol):
    """What the runtime needs from a record store (TinyDB journal today, a server DB later)."""

    def insert(self, table: str, doc: Mapping[str, Any]) -> DocId:
        """Store a new document durably; returns its id."""
        ...

    def insert_many(self, table: str, docs: Iterable[Mapping[str, Any]]) -> list[DocId]:
        """Store several documents atomically (all or none)."""
        ...

    def get(self, table: str, doc_id: DocId) -> Doc:
        """One document; raises NotFound."""
        ...

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
        """Set top-level fields; ConflictError when `expected_rev` is stale."""
        ...

    def delete(self, table: str, doc_id: DocId, *, expected_rev: int | None = None) -> None:
        """Erase a scratch document (drafts, sessions). Records are voided, never deleted."""
        ...

    def find(self, table: str, /, *, due_before: Any = None, **equals: Any) -> list[Doc]:
        """Documents whose fields equal the keywords (and due_at < due_before)."""
        ...

    def query(self, table: str, criteria: Criteria) -> list[Doc]:
        """Documents matching full criteria."""
        ...

    def count(self, table: str, criteria: Criteria | None = None, /, **equals: Any) -> int:
        """How many documents match."""
        ...

    def all(self, table: str) -> list[Doc]:
        """Every document of a table, by id."""
        ...

    def ensure_index(self, table: str, field: str, *, ordered: bool = False) -> None:
        """Make queries on `field` fast (ordered=True for range queries)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes: all become durable together or none do."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...

    # -- page queries: what the app's pages read (docs: runtime/store/pages.py) -----------
    # Each is answered from indexes or incrementally kept aggregates, so its cost grows with
    # the open work and the page shown, not with the history. `properties` restricts every
    # answer to what the caller may see (a collection of property ids; None = the company).

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
        """我的待办: open tasks of `properties` owned by any of `roles` and unassigned or
        assigned to `user` (and of `kind`), by due_at (none last) then key.

        `total` counts every match; `counts` has the URGENCIES buckets over every match:
        overdue (due_at < now), due_soon (within `soon`), due (later), none (no deadline).
        Items are task documents.
        """
        ...

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
        """Cases (never `reserved` placeholders) of `properties`, newest first.

        `text`: case-insensitive substring of the number, 房号, a name or any text or number
        in the case data; values of personal fields match only with `personal=True` (the
        caller may see personal data). Items are case summaries (CASE_SUMMARY_KEYS).
        """
        ...

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
        """查询记录: records of `properties` (and `form_id`), newest first, voided ones only
        with `include_voided`; `text` as in search_cases (personal fields, nested rows
        included, only with `personal=True`). Items are record documents (mask them with
        runtime.auth before showing)."""
        ...

    def case_counts(
        self,
        *,
        properties: Collection[str | None],
        now: datetime,
        month: date | None = None,
    ) -> list[CaseCounts]:
        """Dashboard: per (property, procedure) total / open / overdue / breached / closed
        cases (of those created in `month` when given), sorted by property then procedure."""
        ...

    def monthly_report(
        self,
        *,
        properties: Collection[str | None],
        month: date,
        procedures: Collection[str],
        callback_form: str = CALLBACK_FORM,
    ) -> MonthlyReport:
        """客户投诉工作月报 of `month`: cases of `procedures` created in the month (kind,
        channel, responsibility, validity, closed, breached, per day); follow-up tasks of
        those procedures' cases due in the month (call-backs due / done); `callback_form`
        records whose `data.visited_at` (else created_at) is in the month (rated, satisfied).
        """
        ...


def iso(at: datetime | date | str) -> str:
    """ISO text of a timestamp argument."""
    if isinstance(at, datetime | date):
        return at.isoformat()
    if isinstance(at, str) and at:
        return at
    raise StoreError(f"not a timestamp: {at!r}")


