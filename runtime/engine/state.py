"""The engine's own state objects: cases, their step visits and event log, and tasks.

Plain mutable dataclasses with JSON-ready `to_dict` / `from_dict`, so any repository (memory,
the TinyDB store) can persist them. The pure engine functions never mutate their input: they
copy a case (`Case.copy`) and return the new one with the events and tasks it produced.

All datetimes are naive local property time (Asia/Shanghai has no DST); `local()` converts an
aware datetime at the boundary.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from runtime.errors import EngineError
from runtime.workcal import local  # one definition of "local property time"

CaseStatus = Literal["open", "closed"]
TaskKind = Literal["step", "escalation", "follow-up", "schedule"]
TaskStatus = Literal["open", "done", "cancelled"]

# Event types written to a case log (the app translates them through runtime/i18n/engine.py).
EVENT_TYPES: tuple[str, ...] = (
    "started",
    "entered",
    "step-completed",
    "transferred",
    "returned",
    "commented",
    "record-added",
    "record-updated",
    "clock-warning",
    "clock-breach",
    "escalated",
    "follow-up-created",
    "follow-up-done",
    "closed",
    "migrated",
    "split",  # parallel branches started together (issue 19)
    "branch-waiting",  # a branch reached its join step; others still run (join: all)
    "branch-cancelled",  # join: any — another branch got there first
    "external-event",  # a precondition recorded by another department or role
)


def parse_dt(value: Any) -> datetime:
    """A datetime from ISO text (`2026-03-02 09:00` or `2026-03-02T09:00`) or a datetime."""
    if isinstance(value, datetime):
        return local(value)
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        return datetime(value.year, value.month, value.day)  # a bare date means midnight
    try:
        return local(datetime.fromisoformat(str(value).strip()))
    except ValueError:
        raise EngineError(f"not a date-time: {value!r} (write e.g. 2026-03-02 09:00)") from None


_ATOMS = (str, int, float, bool, type(None), datetime, date, time)


def _clone(value: Any) -> Any:
    """Deep copy of JSON-like data (dicts, lists, atoms); anything else via copy.deepcopy."""
    kind = type(value)
    if kind is dict:
        return {k: _clone(v) for k, v in value.items()}
    if kind is list:
        return [_clone(v) for v in value]
    if kind in _ATOMS:
        return value
    if kind is tuple:
        return tuple(_clone(v) for v in value)
    return copy.deepcopy(value)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt is not None else None


def _dt(value: Any) -> datetime | None:
    return None if value is None else parse_dt(value)


@dataclass
class Event:
    """One entry of a case's log."""

    type: str
    at: datetime
    by: str | None = None  # user id, or None for the engine itself
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"type": self.type, "at": _iso(self.at), "by": self.by, "step": self.step,
                "data": self.data}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        """Inverse of `to_dict`."""
        return cls(d["type"], parse_dt(d["at"]), d.get("by"), d.get("step"),
                   dict(d.get("data") or {}))


@dataclass
class Visit:
    """One stay of a case in a step: clocks are computed from these."""

    step: str
    entered_at: datetime
    role: str | None
    user: str | None = None
    left_at: datetime | None = None
    left_by: Literal["complete", "return", "migrate", "cancel"] | None = None
    due_at: datetime | None = None  # the step task's deadline, fixed on entry
    by: str | None = None  # who completed, returned or migrated it

    @property
    def completed_at(self) -> datetime | None:
        """When the step was completed in this visit (None if left otherwise or still open)."""
        return self.left_at if self.left_by == "complete" else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"step": self.step, "entered_at": _iso(self.entered_at), "role": self.role,
                "user": self.user, "left_at": _iso(self.left_at), "left_by": self.left_by,
                "due_at": _iso(self.due_at), "by": self.by}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Visit:
        """Inverse of `to_dict`."""
        return cls(d["step"], parse_dt(d["entered_at"]), d.get("role"), d.get("user"),
                   _dt(d.get("left_at")), d.get("left_by"), _dt(d.get("due_at")), d.get("by"))


@dataclass
class RecordRef:
    """A record (filled form) linked to a case, e.g. the call-back record."""

    form: str
    record_id: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)  # copy: branch conditions read it

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"form": self.form, "record_id": self.record_id, "at": _iso(self.at),
                "data": self.data}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RecordRef:
        """Inverse of `to_dict`."""
        return cls(d["form"], str(d["record_id"]), parse_dt(d["at"]), dict(d.get("data") or {}))


@dataclass
class Case:
    """A running instance of a procedure in one property, pinned to the version it started on."""

    id: str
    number: str
    procedure_id: str
    procedure_version: str
    ruleset_hash: str
    property: str | None
    created_at: datetime
    updated_at: datetime
    status: CaseStatus = "open"
    step: str | None = None  # the current step (None once closed)
    role: str | None = None  # the role the current step is assigned to
    user: str | None = None  # optional person the step is assigned to
    data: dict[str, Any] = field(default_factory=dict)
    visits: list[Visit] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    records: list[RecordRef] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)  # keys of warnings/breaches already raised
    closed_at: datetime | None = None
    rev: int = 0  # repository revision, for optimistic concurrency
    # When a tick could next fire something (escalation.next_check): the worker's index of
    # open cases, so one tick decodes only the cases that are due, not every open case.
    next_check_at: datetime | None = None

    def copy(self) -> Case:
        """A deep copy the pure functions can change freely."""
        # Every engine operation copies its case, and an old case holds years of log entries:
        # a structure-aware copy is several times cheaper than copy.deepcopy's memo walk.
        return dataclasses.replace(
            self,
            data=_clone(self.data),
            visits=[dataclasses.replace(v) for v in self.visits],
            events=[dataclasses.replace(e, data=_clone(e.data)) for e in self.events],
            records=[dataclasses.replace(r, data=_clone(r.data)) for r in self.records],
            fired=list(self.fired),
        )

    def has_record(self, form: str) -> bool:
        """True when a record of `form` is linked to this case."""
        return any(r.form == form for r in self.records)

    def record_time(self, form: str) -> datetime | None:
        """When the first record of `form` was linked, or None."""
        times = [r.at for r in self.records if r.form == form]
        return min(times) if times else None

    @builtins.property  # the `property` field shadows the builtin inside this class
    def current_visit(self) -> Visit | None:
        """The open visit of the current step."""
        last = self.visits[-1] if self.visits else None
        if last is not None and last.left_at is None and self.step in (None, last.step):
            return last
        index = self.open_visit(self.step) if self.step else None
        return self.visits[index] if index is not None else None

    def open_visit(self, step: str | None) -> int | None:
        """Index of the open visit of `step` (several steps are open in parallel branches)."""
        for i in range(len(self.visits) - 1, -1, -1):
            v = self.visits[i]
            if v.left_at is None and v.step == step:
                return i
        return None

    @builtins.property
    def open_steps(self) -> list[str]:
        """Every step the case is in now, in the order they were entered (one, or several
        while parallel branches run)."""
        return [v.step for v in self.visits if v.left_at is None]

    def has_event(self, event: str) -> bool:
        """True when an external event (a precondition) was recorded on the case."""
        return any(e.type == "external-event" and e.data.get("event") == event
                   for e in self.events)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what repositories persist)."""
        return {
            "id": self.id, "number": self.number, "procedure_id": self.procedure_id,
            "procedure_version": self.procedure_version, "ruleset_hash": self.ruleset_hash,
            "property": self.property, "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at), "status": self.status, "step": self.step,
            "role": self.role, "user": self.user, "data": self.data,
            "visits": [v.to_dict() for v in self.visits],
            "events": [e.to_dict() for e in self.events],
            "records": [r.to_dict() for r in self.records],
            "fired": list(self.fired), "closed_at": _iso(self.closed_at), "rev": self.rev,
            "next_check_at": _iso(self.next_check_at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Case:
        """Inverse of `to_dict`."""
        return cls(
            id=str(d["id"]), number=str(d["number"]), procedure_id=d["procedure_id"],
            procedure_version=str(d["procedure_version"]), ruleset_hash=d.get("ruleset_hash", ""),
            property=d.get("property"), created_at=parse_dt(d["created_at"]),
            updated_at=parse_dt(d["updated_at"]), status=d.get("status", "open"),
            step=d.get("step"), role=d.get("role"), user=d.get("user"),
            data=dict(d.get("data") or {}),
            visits=[Visit.from_dict(v) for v in d.get("visits") or []],
            events=[Event.from_dict(e) for e in d.get("events") or []],
            records=[RecordRef.from_dict(r) for r in d.get("records") or []],
            fired=list(d.get("fired") or []), closed_at=_dt(d.get("closed_at")),
            rev=int(d.get("rev") or 0), next_check_at=_dt(d.get("next_check_at")),
        )


@dataclass
class Task:
    """An entry of a "my tasks" list: a step to do, an escalation, a call-back, a routine job."""

    key: str  # deterministic: creating the same task twice is a no-op
    kind: TaskKind
    title: str
    roles: tuple[str, ...]  # the first is the owner; any of them sees the task
    property: str | None
    created_at: datetime
    due_at: datetime | None = None
    user: str | None = None
    case_id: str | None = None
    source: str | None = None  # step id, clock id, follow-up id or schedule/item id
    form: str | None = None  # record expected from this task (call-back record...)
    status: TaskStatus = "open"
    done_at: datetime | None = None
    done_by: str | None = None
    note: str | None = None

    @builtins.property  # the `property` field shadows the builtin inside this class
    def role(self) -> str | None:
        """The owning role."""
        return self.roles[0] if self.roles else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key, "kind": self.kind, "title": self.title, "roles": list(self.roles),
            "property": self.property, "created_at": _iso(self.created_at),
            "due_at": _iso(self.due_at), "user": self.user, "case_id": self.case_id,
            "source": self.source, "form": self.form, "status": self.status,
            "done_at": _iso(self.done_at), "done_by": self.done_by, "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Task:
        """Inverse of `to_dict`."""
        return cls(
            key=d["key"], kind=d["kind"], title=d.get("title", ""),
            roles=tuple(d.get("roles") or ()), property=d.get("property"),
            created_at=parse_dt(d["created_at"]), due_at=_dt(d.get("due_at")),
            user=d.get("user"), case_id=d.get("case_id"), source=d.get("source"),
            form=d.get("form"), status=d.get("status", "open"), done_at=_dt(d.get("done_at")),
            done_by=d.get("done_by"), note=d.get("note"),
        )


@dataclass
class Outcome:
    """What a pure engine function produced: the new case, new log events, new/changed tasks."""

    case: Case
    events: list[Event] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    def log(self, event: Event) -> Event:
        """Append an event to both the case log and this outcome."""
        self.case.events.append(event)
        self.events.append(event)
        return event
