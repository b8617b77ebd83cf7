"""Records: saved filled forms with full edit history, reasoned voids and retention listing.

A record is never erased: a void is a mark with who, when and why; archiving sets
`archived_at`. Every edit appends one history entry per changed field (path relative to
the record, e.g. `data.unit`, `data.contact.phone`, `status`).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from runtime.errors import ConflictError, FormValidationError, NotFound, StoreError
from runtime.store.embedded.indexes import order_key
from runtime.store.repository import Criteria, Doc, DocId, Repository, iso

RECORDS = "records"
NUMBERS = "record_numbers"
_LOCAL = timezone(timedelta(hours=8))  # naive datetimes are local property time (UTC+8)
# Top-level keys a caller may not set through `extra` (the record owns them).
_OWN = frozenset(
    {
        "id",
        "rev",
        "number",
        "form_id",
        "form_version",
        "ruleset_hash",
        "property",
        "created_by",
        "created_at",
        "data",
        "status",
        "history",
        "voided",
        "archived_at",
        "archived_by",
        "personal",
        "updated_by",
        "updated_at",
    }
)


@dataclass(frozen=True)
class Change:
    """One history entry: who changed which field, from what, to what, when."""

    by: str
    at: str
    field: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        """Stored form (`from`/`to` keys)."""
        return {
            "by": self.by,
            "at": self.at,
            "field": self.field,
            "from": self.before,
            "to": self.after,
        }


@dataclass(frozen=True)
class Void:
    """The void mark: who voided the record, when and why."""

    by: str
    at: str
    reason: str


@dataclass(frozen=True)
class Record:
    """A saved, filled form."""

    id: DocId
    rev: int
    number: str
    form_id: str
    form_version: str
    ruleset_hash: str
    property: str
    created_by: str
    created_at: str
    data: dict[str, Any]
    status: str
    history: tuple[Change, ...] = ()
    voided: Void | None = None
    archived_at: str | None = None
    archived_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @builtins.property
    def is_voided(self) -> bool:
        """True once voided."""
        return self.voided is not None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Record:
        """Build from a stored document."""
        voided = doc.get("voided")
        return cls(
            id=doc["id"],
            rev=doc.get("rev", 1),
            number=doc.get("number", ""),
            form_id=doc.get("form_id", ""),
            form_version=str(doc.get("form_version", "")),
            ruleset_hash=doc.get("ruleset_hash", ""),
            property=doc.get("property", ""),
            created_by=doc.get("created_by", ""),
            created_at=doc.get("created_at", ""),
            data=doc.get("data") or {},
            status=doc.get("status", ""),
            history=tuple(
                Change(h["by"], h["at"], h["field"], h.get("from"), h.get("to"))
                for h in doc.get("history", [])
            ),
            voided=Void(voided["by"], voided["at"], voided["reason"]) if voided else None,
            archived_at=doc.get("archived_at"),
            archived_by=doc.get("archived_by"),
            extra={k: v for k, v in doc.items() if k not in _OWN},
        )


def local_now() -> datetime:
    """Current local property time (naive, UTC+8)."""
    return datetime.now(_LOCAL).replace(tzinfo=None, microsecond=0)


def _stamp(at: datetime | str | None) -> tuple[str, datetime]:
    when = local_now() if at is None else at
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError as exc:
            raise StoreError(f"not an ISO timestamp: {when!r}") from exc
        return when, parsed
    return iso(when), when


def _ensure_indexes(store: Repository) -> None:
    store.ensure_index(RECORDS, "created_at", ordered=True)


def _next_number(store: Repository, form_id: str, prefix: str, year: int, by: str, at: str) -> str:
    """Next record number for (form, year); caller holds a transaction."""
    rows = store.find(NUMBERS, form_id=form_id, year=year)
    if rows:
        row = rows[0]
        seq = int(row["last"]) + 1
        store.update(NUMBERS, row["id"], {"last": seq}, by=by, at=at, expected_rev=row["rev"])
    else:
        seq = 1
        store.insert(NUMBERS, {"form_id": form_id, "year": year, "last": seq})
    return f"{prefix}-{year}-{seq:06d}"


def create_record(
    store: Repository,
    *,
    form_id: str,
    form_version: str,
    ruleset_hash: str,
    property: str,
    created_by: str,
    data: Mapping[str, Any],
    number_prefix: str,
    status: str = "submitted",
    at: datetime | str | None = None,
    extra: Mapping[str, Any] | None = None,
    personal: tuple[str, ...] | list[str] = (),
) -> Record:
    """Save a filled form as a new record with the next number `PREFIX-YYYY-NNNNNN`.

    `extra` holds further top-level fields the runtime queries (case_id, kind, due_at...);
    `personal` the form-spec paths of its personal fields (`phone`, `workers[].id_no`), kept
    with the record so record search matches them only for callers who may see them.
    The number counter and the record are written in one transaction.
    """
    if not isinstance(number_prefix, str) or not number_prefix.strip():
        raise StoreError("a record number prefix is required")
    for name, value in (("form_id", form_id), ("property", property), ("created_by", created_by)):
        if not isinstance(value, str) or not value:
            raise StoreError(f"{name} is required")
    clash = sorted(set(extra or {}) & _OWN)
    if clash:
        raise StoreError(f"extra fields may not set {', '.join(clash)}")
    stamp, when = _stamp(at)
    _ensure_indexes(store)
    with store.transaction():
        number = _next_number(store, form_id, number_prefix.strip(), when.year, created_by, stamp)
        doc = {
            **(extra or {}),
            "number": number,
            "form_id": form_id,
            "form_version": str(form_version),
            "ruleset_hash": ruleset_hash,
            "property": property,
            "created_by": created_by,
            "created_at": stamp,
            "data": dict(data),
            "status": status,
            "history": [],
            "voided": None,
            "archived_at": None,
        }
        if personal:
            doc["personal"] = [str(p) for p in personal]
        record_id = store.insert(RECORDS, doc)
        return Record.from_doc(store.get(RECORDS, record_id))


def get_record(store: Repository, record_id: DocId) -> Record:
    """One record by id (voided ones too); NotFound if absent."""
    return Record.from_doc(store.get(RECORDS, record_id))


def get_record_by_number(store: Repository, number: str) -> Record:
    """One record by its human number; NotFound if absent."""
    rows = store.find(RECORDS, number=number)
    if not rows:
        raise NotFound(f"record {number} does not exist")
    return Record.from_doc(rows[0])


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def diff(before: Any, after: Any, path: str) -> list[tuple[str, Any, Any]]:
    """(path, from, to) per changed leaf; dicts are walked, lists and scalars are leaves."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in list(before) + [k for k in after if k not in before]:
            out += diff(before.get(key), after.get(key), f"{path}.{key}")
        return out
    return [] if _same(before, after) else [(path, before, after)]


def _writable(doc: Doc) -> None:
    if doc.get("voided"):
        v = doc["voided"]
        raise ConflictError(f"record {doc.get('number')} was voided by {v['by']} at {v['at']}")
    if doc.get("archived_at"):
        raise ConflictError(f"record {doc.get('number')} is archived ({doc['archived_at']})")


def _save(
    store: Repository,
    doc: Doc,
    changes: dict[str, Any],
    entries: list[Change],
    by: str,
    at: str,
    expected_rev: int | None,
) -> Record:
    changes["history"] = list(doc.get("history", [])) + [e.as_dict() for e in entries]
    rev = doc["rev"] if expected_rev is None else expected_rev
    return Record.from_doc(
        store.update(RECORDS, doc["id"], changes, by=by, at=at, expected_rev=rev)
    )


def edit_record(
    store: Repository,
    record_id: DocId,
    changes: Mapping[str, Any],
    *,
    by: str,
    at: datetime | str | None = None,
    expected_rev: int | None = None,
) -> Record:
    """Change data fields (top-level keys of `data`), recording one history entry per leaf.

    `expected_rev` is the revision the user's form was loaded from; if someone saved in
    between, ConflictError. Without it, the read-then-write here is still checked.
    """
    stamp, _ = _stamp(at)
    doc = store.get(RECORDS, record_id)
    _writable(doc)
    new_data = {**doc["data"], **changes}
    entries = [
        Change(by, stamp, path, old, new) for path, old, new in diff(doc["data"], new_data, "data")
    ]
    if not entries:
        return Record.from_doc(doc)
    return _save(store, doc, {"data": new_data}, entries, by, stamp, expected_rev)


def set_record_status(
    store: Repository,
    record_id: DocId,
    status: str,
    *,
    by: str,
    at: datetime | str | None = None,
    expected_rev: int | None = None,
) -> Record:
    """Change the record status (history field `status`)."""
    stamp, _ = _stamp(at)
    doc = store.get(RECORDS, record_id)
    _writable(doc)
    if doc.get("status") == status:
        return Record.from_doc(doc)
    entry = Change(by, stamp, "status", doc.get("status"), status)
    return _save(store, doc, {"status": status}, [entry], by, stamp, expected_rev)


def void_record(
    store: Repository,
    record_id: DocId,
    *,
    by: str,
    reason: str,
    at: datetime | str | None = None,
    expected_rev: int | None = None,
) -> Record:
    """Mark a record void (never erased); a non-empty reason is required."""
    if not isinstance(reason, str) or not reason.strip():
        raise FormValidationError({"reason": "a reason is required to void a record"})
    stamp, _ = _stamp(at)
    doc = store.get(RECORDS, record_id)
    if doc.get("voided"):
        _writable(doc)
    mark = {"by": by, "at": stamp, "reason": reason.strip()}
    entry = Change(by, stamp, "voided", None, mark)
    return _save(store, doc, {"voided": mark}, [entry], by, stamp, expected_rev)


def archive_record(
    store: Repository, record_id: DocId, *, by: str, at: datetime | str | None = None
) -> Record:
    """Mark a record archived (kept, read-only from now on); archiving twice is a no-op."""
    stamp, _ = _stamp(at)
    doc = store.get(RECORDS, record_id)
    if doc.get("archived_at"):
        return Record.from_doc(doc)
    entry = Change(by, stamp, "archived_at", None, stamp)
    changes = {"archived_at": stamp, "archived_by": by}
    return _save(store, doc, changes, [entry], by, stamp, None)


def _not_voided(doc: Mapping[str, Any]) -> bool:
    return not doc.get("voided")


def list_records(
    store: Repository,
    *,
    form_id: str | None = None,
    property: str | None = None,
    status: str | set[str] | None = None,
    include_voided: bool = False,
    created_from: datetime | str | None = None,
    created_before: datetime | str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
    **equals: Any,
) -> list[Record]:
    """Records matching the filters (voided ones only with include_voided), by creation."""
    _ensure_indexes(store)
    wanted = dict(equals)
    for key, value in (("form_id", form_id), ("property", property), ("status", status)):
        if value is not None:
            wanted[key] = frozenset(value) if isinstance(value, set) else value
    ranges = {}
    if created_from is not None or created_before is not None:
        ranges["created_at"] = (created_from, created_before)
    criteria = Criteria(
        wanted,
        ranges,
        where=None if include_voided else _not_voided,
        order_by="created_at",
        descending=newest_first,
        limit=limit,
    )
    return [Record.from_doc(d) for d in store.query(RECORDS, criteria)]


def retention_cutoff(now: datetime | str, keep: timedelta | int | float) -> datetime:
    """Records created before this moment are past a retention of `keep` (days or timedelta)."""
    _, when = _stamp(now)
    if when.tzinfo is not None:
        when = when.astimezone(_LOCAL).replace(tzinfo=None)
    if isinstance(keep, bool) or not isinstance(keep, timedelta | int | float):
        raise StoreError(f"retention must be days or a timedelta, not {keep!r}")
    span = keep if isinstance(keep, timedelta) else timedelta(days=keep)
    if span < timedelta(0):
        raise StoreError(f"retention cannot be negative: {keep!r}")
    return when - span


def records_due_for_archive(
    store: Repository,
    now: datetime | str,
    retention_by_form: Mapping[str, timedelta | int | float],
) -> list[Record]:
    """Unarchived records (voided included) past their form's retention period, oldest first.

    Forms without a retention entry are kept indefinitely and never listed. Nothing is
    removed: the caller archives what it decides to with `archive_record`.
    """
    _ensure_indexes(store)
    out: list[Record] = []
    for form_id, keep in retention_by_form.items():
        cutoff = retention_cutoff(now, keep)
        criteria = Criteria(
            {"form_id": form_id, "archived_at": None},
            {"created_at": (None, cutoff)},
        )
        out += [Record.from_doc(d) for d in store.query(RECORDS, criteria)]
    out.sort(key=lambda r: (order_key(r.created_at) or 0.0, r.id))
    return out


def search_records(
    store: Repository,
    text: str,
    *,
    form_id: str | None = None,
    property: str | None = None,
    include_voided: bool = False,
    limit: int | None = 100,
) -> list[Record]:
    """Records whose number or any text in their data contains `text` (case-insensitive)."""
    needle = text.strip()
    if not needle:
        return []
    wanted: dict[str, Any] = {}
    if form_id is not None:
        wanted["form_id"] = form_id
    if property is not None:
        wanted["property"] = property
    folded = needle.casefold()

    def hit(doc: Mapping[str, Any]) -> bool:
        if not include_voided and doc.get("voided"):
            return False
        return folded in str(doc.get("number", "")).casefold() or _in_data(doc.get("data"), folded)

    criteria = Criteria(wanted, where=hit, order_by="created_at", descending=True, limit=limit)
    return [Record.from_doc(d) for d in store.query(RECORDS, criteria)]


def _in_data(value: Any, folded: str) -> bool:
    if isinstance(value, str):
        return folded in value.casefold()
    if isinstance(value, dict):
        return any(_in_data(v, folded) for v in value.values())
    if isinstance(value, list):
        return any(_in_data(v, folded) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return folded in str(value)
    return False


__all__ = [
    "Change",
    "Record",
    "Void",
    "archive_record",
    "create_record",
    "edit_record",
    "get_record",
    "get_record_by_number",
    "list_records",
    "records_due_for_archive",
    "search_records",
    "set_record_status",
    "void_record",
]
