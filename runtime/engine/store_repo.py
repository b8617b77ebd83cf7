"""`CaseRepository` on the record store (runtime.store): cases, tasks and records durably.

Tables: `cases` (one document per case; the store's id is the case id), `tasks` (keyed by
the engine's deterministic `key`, so re-running the scheduler never duplicates) and
`case_numbers` (one counter per number prefix and year). Records go through
`runtime.store.records.create_record` with the case id in `case_id`.

Case documents also carry what the page queries index (runtime/store/pages.py): `due_at`
(the current step's deadline), `breached` (a clock ever breached) and `personal` (the
personal fields of the case form, once the engine has bound the rules with `bind_rules`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from runtime.compiler import model as m
from runtime.engine.state import Case, Task
from runtime.errors import NotFound
from runtime.notify import outbox
from runtime.notify.plan import Person
from runtime.store import Criteria, Repository
from runtime.store.pages import PAGE_SIZE, Page
from runtime.store.records import create_record, edit_record

CASES = "cases"
TASKS = "tasks"
NUMBERS = "case_numbers"
USERS = "users"
_ENGINE = "engine"  # `by` of bookkeeping writes the engine makes on its own


def doc_time(at: datetime | None) -> str | None:
    """Stored ISO text of an engine time (None stays None)."""
    return at.isoformat(timespec="seconds") if at is not None else None


def _stamp(at: datetime | None = None) -> str:
    return (at or datetime.now()).isoformat(timespec="seconds")


def personal_paths(form: m.Form | None) -> tuple[str, ...]:
    """Form-spec paths of a form's personal fields, nested rows included (`workers[].id_no`):
    the one definition of runtime.masking, which every exit masks by."""
    if form is None:
        return ()
    from runtime.masking import personal_paths as paths

    return tuple(sorted(paths(form)))


class StoreRepository:
    """Cases and tasks as documents of a `runtime.store.Repository`."""

    def __init__(self, store: Repository) -> None:
        self.store = store
        self._handbook_for: Callable[[str | None], m.Handbook] | None = None
        store.ensure_index(TASKS, "key")
        store.ensure_index(CASES, "procedure_id")
        store.ensure_index(CASES, "next_check_at", ordered=True)
        outbox.prepare(store)

    def bind_rules(self, handbook_for: Callable[[str | None], m.Handbook]) -> None:
        """Let saved cases name their personal fields (kept out of the general search)."""
        self._handbook_for = handbook_for

    def _case_personal(self, case: Case) -> list[str]:
        if self._handbook_for is None:
            return []
        hb = self._handbook_for(case.property)
        proc = hb.procedures.get(case.procedure_id)
        return list(personal_paths(hb.forms.get(proc.form or "") if proc else None))

    # ---------------------------------------------------------------- cases

    def new_case_id(self, prefix: str, year: int) -> tuple[str, str]:
        """Reserve an id (a placeholder document) and the next number, in one transaction."""
        with self.store.transaction():
            rows = self.store.find(NUMBERS, prefix=prefix, year=year)
            if rows:
                seq = int(rows[0]["last"]) + 1
                self.store.update(NUMBERS, rows[0]["id"], {"last": seq}, by=_ENGINE,
                                  at=_stamp(), expected_rev=rows[0]["rev"])
            else:
                seq = 1
                self.store.insert(NUMBERS, {"prefix": prefix, "year": year, "last": seq})
            number = f"{prefix}-{year}-{seq:04d}"
            doc_id = self.store.insert(CASES, {"number": number, "status": "reserved"})
        return str(doc_id), number

    @staticmethod
    def _case(doc: Mapping[str, Any]) -> Case:
        return Case.from_dict({**doc, "id": str(doc["id"]), "rev": doc["rev"]})

    def _doc_id(self, case_id: str) -> int:
        try:
            return int(case_id)
        except ValueError:
            raise NotFound(f"no case {case_id!r}") from None

    def get_case(self, case_id: str) -> Case:
        """One case (NotFound when absent or only reserved)."""
        doc = self.store.get(CASES, self._doc_id(case_id))
        if doc.get("status") == "reserved":
            raise NotFound(f"case {case_id} was never started")
        return self._case(doc)

    def save_case(self, case: Case, expected_rev: int | None = None) -> Case:
        """Write every field of the case; ConflictError when `expected_rev` is stale."""
        doc = case.to_dict()
        doc.pop("id")
        doc.pop("rev")
        visit = case.current_visit
        doc["due_at"] = doc_time(visit.due_at) if case.status == "open" and visit else None
        doc["breached"] = any(e.type == "clock-breach" for e in case.events)
        doc["personal"] = self._case_personal(case)
        saved = self.store.update(CASES, self._doc_id(case.id), doc, by=_ENGINE,
                                  at=_stamp(case.updated_at), expected_rev=expected_rev)
        return self._case(saved)

    def find_cases(self, *, property: str | None = None, status: str | None = None,
                   procedure_id: str | None = None) -> list[Case]:
        """Matching cases (reserved placeholders excluded)."""
        equals: dict[str, Any] = {k: v for k, v in (
            ("property", property), ("status", status), ("procedure_id", procedure_id))
            if v is not None}
        if status is None:
            equals["status"] = {"open", "closed"}
        return [self._case(d) for d in self.store.find(CASES, **equals)]

    # ---------------------------------------------------------------- tasks

    @staticmethod
    def _task_doc(t: Task) -> dict[str, Any]:
        doc = t.to_dict()
        # Denormalised for the store's indexes (assignee_role / assignee_user are indexed).
        doc["assignee_role"] = t.role
        doc["assignee_user"] = t.user
        return doc

    def put_tasks(self, tasks: Sequence[Task], *, only_new: bool = False) -> int:
        """Insert by key, or update (unless `only_new`); one transaction."""
        added = 0
        with self.store.transaction():
            for t in tasks:
                rows = self.store.find(TASKS, key=t.key)
                if rows:
                    if not only_new:
                        self.store.update(TASKS, rows[0]["id"], self._task_doc(t), by=_ENGINE,
                                          at=_stamp(t.done_at or t.created_at))
                    continue
                self.store.insert(TASKS, self._task_doc(t))
                added += 1
        return added

    def get_task(self, key: str) -> Task:
        """One task by key."""
        rows = self.store.find(TASKS, key=key)
        if not rows:
            raise NotFound(f"no task {key!r}")
        return Task.from_dict(rows[0])

    def find_tasks(self, *, property: str | None = None, roles: Iterable[str] | None = None,
                   user: str | None = None, status: str | None = None,
                   kind: str | None = None, case_id: str | None = None) -> list[Task]:
        """Matching tasks: indexed fields filter in the store, roles and user here."""
        from runtime.engine.repo import task_matches

        equals = {k: v for k, v in (("property", property), ("status", status),
                                    ("kind", kind), ("case_id", case_id)) if v is not None}
        wanted = None if roles is None else tuple(roles)
        out = []
        for d in self.store.find(TASKS, **equals):
            t = Task.from_dict(d)
            if task_matches(t, roles=wanted, user=user):
                out.append(t)
        return out

    def open_tasks(self, *, roles: Collection[str], user: str | None,
                   properties: Collection[str | None], now: datetime,
                   soon: timedelta = timedelta(hours=4), kind: str | None = None,
                   offset: int = 0, limit: int | None = PAGE_SIZE) -> tuple[list[Task], Page]:
        """我的待办 from the store's page query: the tasks of the page and the page itself."""
        page = self.store.open_tasks(roles=roles, user=user, properties=properties, now=now,
                                     soon=soon, kind=kind, offset=offset, limit=limit)
        return [Task.from_dict(d) for d in page.items], page

    # ---------------------------------------------------------------- records

    def add_record(self, form: m.Form, data: Mapping[str, Any], *, case: Case,
                   ruleset_hash: str, at: datetime, by: str | None) -> str:
        """A record of `form` through the record store, linked by `case_id`."""
        rec = create_record(
            self.store, form_id=form.id, form_version=form.meta.version,
            ruleset_hash=ruleset_hash, property=case.property or "company",
            created_by=by or _ENGINE, data=data, number_prefix=form.number_prefix, at=at,
            extra={"case_id": case.id}, personal=personal_paths(form))
        return str(rec.id)

    def update_record(self, record_id: str, changes: Mapping[str, Any], *, at: datetime,
                      by: str | None) -> None:
        """Edit the record's data through the record store (history kept there)."""
        edit_record(self.store, int(record_id), changes, by=by or _ENGINE, at=at)

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """The store's transaction: one journal line, all or nothing."""
        return self.store.transaction()

    # ---------------------------------------------------------------- worker and notify

    def due_cases(self, before: datetime, *, property: str | None = None) -> list[Case]:
        """Open cases whose next check has come: a range query on the ordered index, so a
        tick decodes only them."""
        equals: dict[str, Any] = {"status": "open"}
        if property is not None:
            equals["property"] = property
        docs = self.store.query(CASES, Criteria(
            equals=equals, ranges={"next_check_at": (None, _stamp(before))}))
        return [self._case(d) for d in docs]

    def unindexed_cases(self) -> int:
        """Open cases without a next check (saved before the index): they need a full tick."""
        return self.store.count(CASES, Criteria(equals={"status": "open",
                                                        "next_check_at": None}))

    @staticmethod
    def _person(doc: Mapping[str, Any]) -> Person:
        lang = doc.get("lang")
        return Person(str(doc["username"]), doc.get("email") or None,
                      lang if lang in ("zh", "en") else "zh",
                      tuple(str(r) for r in doc.get("roles") or ()))

    def people(self, property: str | None, role: str) -> list[Person]:
        """Active users of the property holding the role, else company-level holders."""
        docs = [d for d in self.store.all(USERS)
                if d.get("active", True) and role in (d.get("roles") or ())]
        here = [self._person(d) for d in docs if (d.get("property") or None) == property]
        if here or property is None:
            return here
        return [self._person(d) for d in docs if not d.get("property")]

    def person(self, username: str) -> Person | None:
        """One active user."""
        rows = self.store.find(USERS, username=username)
        if not rows or not rows[0].get("active", True):
            return None
        return self._person(rows[0])

    def add_notifications(self, entries: Sequence[Mapping[str, Any]]) -> int:
        """Outbox entries into the same store (so inside the caller's transaction)."""
        return outbox.write(self.store, entries)
