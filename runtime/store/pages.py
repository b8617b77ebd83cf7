"""What the page queries return, and the pure rules every backend derives them by.

The page queries (`Repository.open_tasks`, `search_cases`, `search_records`, `case_counts`,
`monthly_report`) read three tables whose documents the engine and the record store write:

- `tasks`: `key`, `kind` (step | escalation | follow-up | schedule), `roles` (list, the first
  owns the task), `property`, `user` (None = anyone of the roles), `status` (open | done |
  cancelled), `due_at` (ISO local time or None), `case_id`, `title`, ...
- `cases`: `number`, `procedure_id`, `property`, `status` (open | closed | reserved: a
  number handed out, never started), `step`, `role`, `user`, `created_at`, `closed_at`,
  `data` (the case form), `visits`, `events`, and written by the engine's repository for the
  indexes: `due_at` (deadline of the current step), `breached` (a clock ever breached),
  `personal` (paths of personal fields in `data`).
- `records`: `number`, `form_id`, `property`, `created_at`, `data`, `voided`, `personal`.

The functions here are the one definition of the derived values (deadline, breach, search
text with personal values apart), so the embedded indexes and the SQL backend agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

CASES = "cases"
TASKS = "tasks"
RECORDS = "records"
PAGE_SIZE = 50
SATISFIED = frozenset({"very-satisfied", "satisfied"})
CALLBACK_FORM = "callback-record"

# What `search_cases` returns per case: enough for a list line, never the log or the data.
CASE_SUMMARY_KEYS: tuple[str, ...] = (
    "id", "number", "procedure_id", "property", "status", "step", "role", "user",
    "created_at", "closed_at", "due_at", "breached",
)
# Urgency buckets of `open_tasks(...).counts`.
URGENCIES: tuple[str, ...] = ("overdue", "due_soon", "due", "none")
_SEP = "\x1f"  # between field values in a search text, so a match never spans two fields

Doc = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of a listing: the documents shown, how many match in all, and breakdowns."""

    items: tuple[Doc, ...]
    total: int
    offset: int = 0
    limit: int | None = PAGE_SIZE
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        """True when matches follow this page."""
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class CaseCounts:
    """Cases of one (property, procedure): total, open, overdue (open and past the current
    step's deadline), breached (a clock ever breached) and closed."""

    property: str | None
    procedure: str
    total: int = 0
    open: int = 0
    overdue: int = 0
    breached: int = 0
    closed: int = 0


@dataclass
class MonthlyReport:
    """客户投诉工作月报: the month's complaints, how they were handled, call-backs."""

    month: date
    total: int = 0
    complaints: int = 0
    suggestions: int = 0
    closed: int = 0
    on_time: int = 0
    breached: int = 0
    by_day: dict[int, int] = field(default_factory=dict)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_responsibility: Counter[str] = field(default_factory=Counter)
    by_validity: Counter[str] = field(default_factory=Counter)
    callbacks_due: int = 0
    callbacks_done: int = 0
    rated: int = 0
    satisfied: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def handling_rate(self) -> float | None:
        """Closed / all (投诉处理率), percent."""
        return self._rate(self.closed, self.total)

    @property
    def on_time_rate(self) -> float | None:
        """Complaints with no breached clock, percent."""
        return self._rate(self.on_time, self.total)

    @property
    def callback_rate(self) -> float | None:
        """Call-backs done / due, percent."""
        return self._rate(self.callbacks_done, self.callbacks_due)

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied or very satisfied / rated call-backs, percent."""
        return self._rate(self.satisfied, self.rated)

    def add_case(self, doc: Mapping[str, Any]) -> None:
        """Count one case created in the month."""
        self.total += 1
        data = doc.get("data") or {}
        kind = data.get("kind")
        self.complaints += kind != "suggestion"
        self.suggestions += kind == "suggestion"
        self.closed += doc.get("status") == "closed"
        breached = case_breached(doc)
        self.breached += breached
        self.on_time += not breached
        created = parse_time(doc.get("created_at"))
        if created is not None:
            self.by_day[created.day] = self.by_day.get(created.day, 0) + 1
        for counter, name in ((self.by_channel, "channel"),
                              (self.by_responsibility, "responsibility"),
                              (self.by_validity, "validity")):
            value = data.get(name)
            if value:
                counter[str(value)] += 1

    def add_callback_task(self, doc: Mapping[str, Any]) -> None:
        """Count one follow-up task due in the month."""
        self.callbacks_due += 1
        self.callbacks_done += doc.get("status") == "done"

    def add_callback_record(self, doc: Mapping[str, Any]) -> None:
        """Count one call-back record of the month (rated ones only)."""
        satisfaction = (doc.get("data") or {}).get("satisfaction")
        if satisfaction:
            self.rated += 1
            self.satisfied += satisfaction in SATISFIED


@dataclass(frozen=True)
class CaseLine:
    """One case in a list (a `search_cases` summary), with its times parsed."""

    id: str
    number: str
    procedure_id: str
    property: str | None
    status: str
    step: str | None
    role: str | None
    created_at: datetime
    due_at: datetime | None = None
    breached: bool = False

    @classmethod
    def from_summary(cls, doc: Mapping[str, Any]) -> CaseLine:
        """Build from a summary document (CASE_SUMMARY_KEYS)."""
        return cls(id=str(doc["id"]), number=str(doc.get("number") or ""),
                   procedure_id=str(doc.get("procedure_id") or ""),
                   property=doc.get("property"), status=str(doc.get("status") or ""),
                   step=doc.get("step"), role=doc.get("role"),
                   created_at=parse_time(doc.get("created_at")) or datetime.min,
                   due_at=parse_time(doc.get("due_at")), breached=bool(doc.get("breached")))


def parse_time(value: Any) -> datetime | None:
    """A naive datetime from stored ISO text (or a datetime/date); None when it is not one."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def in_month(value: Any, month: date) -> bool:
    """Whether a timestamp falls in the calendar month of `month`."""
    moment = parse_time(value)
    return moment is not None and (moment.year, moment.month) == (month.year, month.month)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first moment of the month, first moment of the next month)."""
    start = datetime(month.year, month.month, 1)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, end


def callback_month(doc: Mapping[str, Any]) -> Any:
    """The moment a call-back record counts in: its `visited_at`, else when it was saved."""
    return (doc.get("data") or {}).get("visited_at") or doc.get("created_at")


def case_due_at(doc: Mapping[str, Any]) -> str | None:
    """Deadline of the current step of an open case (the engine also stores it as `due_at`)."""
    if doc.get("status") != "open":
        return None
    if "due_at" in doc:
        value = doc["due_at"]
        return value if isinstance(value, str) else None
    visits = doc.get("visits") or []
    last = visits[-1] if visits else None
    if isinstance(last, Mapping) and last.get("left_at") is None:
        due = last.get("due_at")
        return due if isinstance(due, str) else None
    return None


def case_breached(doc: Mapping[str, Any]) -> bool:
    """A clock of the case breached at some point (stored as `breached` by the engine)."""
    value = doc.get("breached")
    if isinstance(value, bool):
        return value
    return any(isinstance(e, Mapping) and e.get("type") == "clock-breach"
               for e in doc.get("events") or [])


def is_overdue(doc: Mapping[str, Any], now: datetime) -> bool:
    """Open, and the current step's deadline has passed at `now`."""
    due = parse_time(case_due_at(doc))
    return due is not None and due < now


def case_summary(doc: Mapping[str, Any]) -> Doc:
    """The keys of CASE_SUMMARY_KEYS (derived `due_at` / `breached` when not stored)."""
    out = {k: doc.get(k) for k in CASE_SUMMARY_KEYS}
    out["due_at"] = case_due_at(doc)
    out["breached"] = case_breached(doc)
    return out


def urgency(due_at: Any, now: datetime, soon_s: float) -> str:
    """Bucket of an open task: overdue, due_soon (within `soon_s` seconds), due, none."""
    due = parse_time(due_at)
    if due is None:
        return "none"
    if due < now:
        return "overdue"
    return "due_soon" if (due - now).total_seconds() <= soon_s else "due"


def task_visible(doc: Mapping[str, Any], roles: frozenset[str], user: str | None) -> bool:
    """An open task one of `roles` owns, unassigned or assigned to `user`."""
    if doc.get("status") != "open":
        return False
    if not roles.intersection(doc.get("roles") or ()):
        return False
    assigned = doc.get("user")
    return assigned is None or assigned == user


def _is_personal(path: str, personal: frozenset[str]) -> bool:
    if path in personal:
        return True
    # A personal group or row list hides everything under it.
    return any(path.startswith(p + ".") or path.startswith(p + "[]") for p in personal)


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value:
            yield path, value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield path, str(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, f"{path}[]")


def search_texts(doc: Mapping[str, Any]) -> tuple[str, str]:
    """(general, personal) search text of a case or record, casefolded.

    General: the number and every text or number in `data` outside the personal paths;
    personal: the values under `personal` (form-spec paths: `phone`, `workers[].id_no`,
    `contact.phone`). Personal values are matched only for callers who may see them, so a
    search can never reveal a masked phone number by finding it.
    """
    personal = frozenset(str(p) for p in doc.get("personal") or ())
    general: list[str] = [str(doc.get("number") or "")]
    private: list[str] = []
    for path, text in _walk(doc.get("data") or {}, ""):
        (private if personal and _is_personal(path, personal) else general).append(text)
    return _SEP.join(general).casefold(), _SEP.join(private).casefold()


def needle_of(text: str | None) -> str | None:
    """The casefolded search needle (None when there is nothing to search for)."""
    if text is None:
        return None
    folded = text.strip().casefold()
    return folded or None
