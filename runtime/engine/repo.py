"""Where cases, tasks and linked records live: a small protocol and an in-memory implementation.

The engine service depends on `CaseRepository` only; `runtime.engine.store_repo` implements it
on the record store (TinyDB journal), `MemoryRepository` serves tests and scenario dry runs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from runtime.compiler import model as m
from runtime.engine.state import Case, Task
from runtime.errors import ConflictError, NotFound
from runtime.notify.plan import Person
from runtime.store.pages import PAGE_SIZE, URGENCIES, Page, task_visible, urgency


@runtime_checkable
class CaseRepository(Protocol):
    """Persistence the engine service needs."""

    def new_case_id(self, prefix: str, year: int) -> tuple[str, str]:
        """A fresh case id and its human number (`TS-2026-0001`), never handed out twice."""
        ...

    def get_case(self, case_id: str) -> Case:
        """One case; NotFound when absent."""
        ...

    def save_case(self, case: Case, expected_rev: int | None = None) -> Case:
        """Insert or update a case; ConflictError when `expected_rev` is stale. Returns it
        with its new `rev`."""
        ...

    def find_cases(self, *, property: str | None = None, status: str | None = None,
                   procedure_id: str | None = None) -> list[Case]:
        """Cases matching every given filter (None: any)."""
        ...

    def put_tasks(self, tasks: Sequence[Task], *, only_new: bool = False) -> int:
        """Insert tasks by key, or update existing ones (not with `only_new`); returns how many
        were inserted."""
        ...

    def get_task(self, key: str) -> Task:
        """One task by key; NotFound when absent."""
        ...

    def find_tasks(self, *, property: str | None = None, roles: Iterable[str] | None = None,
                   user: str | None = None, status: str | None = None,
                   kind: str | None = None, case_id: str | None = None) -> list[Task]:
        """Tasks matching every given filter; `roles` matches a task owned by any of them."""
        ...

    def open_tasks(self, *, roles: Collection[str], user: str | None,
                   properties: Collection[str | None], now: datetime,
                   soon: timedelta = timedelta(hours=4), kind: str | None = None,
                   offset: int = 0, limit: int | None = PAGE_SIZE) -> tuple[list[Task], Page]:
        """我的待办 (see runtime.store.Repository.open_tasks): the page's tasks and the page."""
        ...

    def add_record(self, form: m.Form, data: Mapping[str, Any], *, case: Case,
                   ruleset_hash: str, at: datetime, by: str | None) -> str:
        """Store a filled form (a record) linked to `case` and return its id."""
        ...

    def update_record(self, record_id: str, changes: Mapping[str, Any], *, at: datetime,
                      by: str | None) -> None:
        """Change data fields of a record (its history keeps the old values)."""
        ...

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """All writes inside happen together or not at all (best effort for memory)."""
        ...

    def due_cases(self, before: datetime, *, property: str | None = None) -> list[Case]:
        """Open cases whose `next_check_at` is before `before` (the worker's tick index)."""
        ...

    def people(self, property: str | None, role: str) -> list[Person]:
        """Active users holding `role` at `property` (else company-level holders)."""
        ...

    def person(self, username: str) -> Person | None:
        """One active user as a notification recipient."""
        ...

    def add_notifications(self, entries: Sequence[Mapping[str, Any]]) -> int:
        """Write outbox entries whose key is new (inside the caller's transaction)."""
        ...


def task_matches(t: Task, *, property: str | None = None, roles: Iterable[str] | None = None,
                 user: str | None = None, status: str | None = None, kind: str | None = None,
                 case_id: str | None = None) -> bool:
    """The filter shared by repositories: every given criterion must hold."""
    if property is not None and t.property != property:
        return False
    if roles is not None and not set(roles) & set(t.roles):
        return False
    if user is not None and t.user not in (None, user):
        return False
    if status is not None and t.status != status:
        return False
    if kind is not None and t.kind != kind:
        return False
    return case_id is None or t.case_id == case_id


class MemoryRepository:
    """Cases and tasks in dicts: for tests, scenarios and benchmarks."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.tasks: dict[str, Task] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.notifications: dict[str, dict[str, Any]] = {}  # the outbox, by key
        self.users: list[Person] = []
        self.user_roles: dict[str, tuple[str | None, tuple[str, ...]]] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.RLock()

    def new_case_id(self, prefix: str, year: int) -> tuple[str, str]:
        """Sequential ids; numbers count per prefix and year."""
        with self._lock:
            n = self._counters.get("case", 0) + 1
            self._counters["case"] = n
            seq_key = f"{prefix}-{year}"
            seq = self._counters.get(seq_key, 0) + 1
            self._counters[seq_key] = seq
        return f"c{n}", f"{prefix}-{year}-{seq:04d}"

    def get_case(self, case_id: str) -> Case:
        """A copy of the stored case."""
        try:
            return self.cases[case_id].copy()
        except KeyError:
            raise NotFound(f"no case {case_id!r}") from None

    def save_case(self, case: Case, expected_rev: int | None = None) -> Case:
        """Store a copy with rev + 1."""
        with self._lock:
            old = self.cases.get(case.id)
            current = old.rev if old is not None else 0
            if expected_rev is not None and expected_rev != current:
                raise ConflictError(f"case {case.number} was changed by someone else "
                                    f"(revision {current}, expected {expected_rev})")
            saved = case.copy()
            saved.rev = current + 1
            self.cases[case.id] = saved
            return saved.copy()

    def find_cases(self, *, property: str | None = None, status: str | None = None,
                   procedure_id: str | None = None) -> list[Case]:
        """Copies of matching cases, oldest first."""
        return [c.copy() for c in self.cases.values()
                if (property is None or c.property == property)
                and (status is None or c.status == status)
                and (procedure_id is None or c.procedure_id == procedure_id)]

    def put_tasks(self, tasks: Sequence[Task], *, only_new: bool = False) -> int:
        """Upsert by key."""
        added = 0
        with self._lock:
            for t in tasks:
                if t.key in self.tasks:
                    if not only_new:
                        self.tasks[t.key] = Task.from_dict(t.to_dict())
                    continue
                self.tasks[t.key] = Task.from_dict(t.to_dict())
                added += 1
        return added

    def get_task(self, key: str) -> Task:
        """A copy of one task."""
        try:
            return Task.from_dict(self.tasks[key].to_dict())
        except KeyError:
            raise NotFound(f"no task {key!r}") from None

    def find_tasks(self, *, property: str | None = None, roles: Iterable[str] | None = None,
                   user: str | None = None, status: str | None = None,
                   kind: str | None = None, case_id: str | None = None) -> list[Task]:
        """Copies of matching tasks, in insertion order."""
        roles = None if roles is None else tuple(roles)
        return [Task.from_dict(t.to_dict()) for t in self.tasks.values()
                if task_matches(t, property=property, roles=roles, user=user, status=status,
                                kind=kind, case_id=case_id)]

    def open_tasks(self, *, roles: Collection[str], user: str | None,
                   properties: Collection[str | None], now: datetime,
                   soon: timedelta = timedelta(hours=4), kind: str | None = None,
                   offset: int = 0, limit: int | None = PAGE_SIZE) -> tuple[list[Task], Page]:
        """The store's open_tasks semantics over the dicts (tests, scenarios)."""
        wanted, props, soon_s = frozenset(roles), set(properties), soon.total_seconds()
        counts = dict.fromkeys(URGENCIES, 0)
        found = []
        for t in self.tasks.values():
            doc = t.to_dict()
            if (t.property in props and (kind is None or t.kind == kind)
                    and task_visible(doc, wanted, user)):
                counts[urgency(doc["due_at"], now, soon_s)] += 1
                found.append(t)
        found.sort(key=lambda t: (t.due_at is None, t.due_at or now, t.key))
        end = None if limit is None else offset + limit
        shown = [Task.from_dict(t.to_dict()) for t in found[offset:end]]
        page = Page(tuple(t.to_dict() for t in shown), len(found), offset, limit, counts)
        return shown, page

    def add_record(self, form: m.Form, data: Mapping[str, Any], *, case: Case,
                   ruleset_hash: str, at: datetime, by: str | None) -> str:
        """Keep the record in memory."""
        with self._lock:
            rid = f"r{len(self.records) + 1}"
            self.records[rid] = {"form": form.id, "data": dict(data), "case_id": case.id,
                                 "at": at.isoformat(), "by": by, "ruleset_hash": ruleset_hash}
        return rid

    def update_record(self, record_id: str, changes: Mapping[str, Any], *, at: datetime,
                      by: str | None) -> None:
        """Merge changes into a kept record."""
        with self._lock:
            try:
                rec = self.records[record_id]
            except KeyError:
                raise NotFound(f"no record {record_id!r}") from None
            rec["data"] = {**rec["data"], **changes}
            rec["updated_at"], rec["updated_by"] = at.isoformat(), by

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Holds the lock; memory writes are not rolled back (tests only)."""
        with self._lock:
            yield

    def due_cases(self, before: datetime, *, property: str | None = None) -> list[Case]:
        """Open cases due a tick (never indexed ones count as due)."""
        return [c.copy() for c in self.cases.values() if c.status == "open"
                and (property is None or c.property == property)
                and (c.next_check_at is None or c.next_check_at < before)]

    def add_user(self, person: Person, property: str | None, roles: Iterable[str]) -> None:
        """A recipient for scenario and test runs."""
        self.users.append(person)
        self.user_roles[person.username] = (property, tuple(roles))

    def people(self, property: str | None, role: str) -> list[Person]:
        """Holders of a role at the property, else company-level holders."""
        def holders(where: str | None) -> list[Person]:
            return [p for p in self.users if role in self.user_roles[p.username][1]
                    and self.user_roles[p.username][0] == where]
        return holders(property) or (holders(None) if property is not None else [])

    def person(self, username: str) -> Person | None:
        """A known recipient."""
        return next((p for p in self.users if p.username == username), None)

    def add_notifications(self, entries: Sequence[Mapping[str, Any]]) -> int:
        """Keep new entries by key."""
        added = 0
        with self._lock:
            for e in entries:
                if e["key"] not in self.notifications:
                    self.notifications[e["key"]] = dict(e)
                    added += 1
        return added
