"""Shared state of one import: coverage of the source, the registry, drafts and notes.

Coverage is the importer's promise that nothing is silently dropped: every character of the
source is either placed (it went into a draft), layout (spaces, bullets, punctuation between
items), or reported as unplaced with its position and a reason.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from runtime.importer.forms import FormRefs
from runtime.importer.naming import Registry
from runtime.importer.segment import LAYOUT_CHARS

NOT_RECOGNISED = "not recognised"


@dataclass(frozen=True)
class Position:
    """1-based line and column of a character offset."""

    line: int
    col: int


class LineIndex:
    """Offset → line:col, by binary search over line starts."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def at(self, offset: int) -> Position:
        """The line and column of `offset`."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return Position(i + 1, offset - self.starts[i] + 1)


@dataclass(frozen=True)
class Passage:
    """A span of the source the importer reports: unplaced text, or a note on placed text."""

    start: int
    end: int
    line: int
    col: int
    text: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and the app."""
        return {"start": self.start, "end": self.end, "line": self.line, "col": self.col,
                "text": self.text, "reason": self.reason}

    def excerpt(self, width: int = 60) -> str:
        """The text on one line, shortened to `width` characters."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= width else flat[: width - 1] + "…"


class Coverage:
    """Which characters of the source went into a draft, and why the others did not."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.placed = bytearray(len(text))
        self.reason_of = [0] * len(text)
        self.reasons = [NOT_RECOGNISED]
        self.lines = LineIndex(text)

    def place(self, start: int, end: int) -> None:
        """Mark text[start:end] as placed in a draft."""
        start, end = max(0, start), min(len(self.text), end)
        if end > start:
            self.placed[start:end] = b"\x01" * (end - start)

    def unplace(self, start: int, end: int, reason: str) -> None:
        """Mark text[start:end] as not placed, with a reason (overrides an earlier place)."""
        start, end = max(0, start), min(len(self.text), end)
        if end <= start:
            return
        self.placed[start:end] = b"\x00" * (end - start)
        self.explain(start, end, reason)

    def explain(self, start: int, end: int, reason: str) -> None:
        """Say why text[start:end] is not placed (only where it stays unplaced)."""
        if reason not in self.reasons:
            self.reasons.append(reason)
        idx = self.reasons.index(reason)
        for i in range(max(0, start), min(len(self.text), end)):
            self.reason_of[i] = idx

    def unplaced(self) -> list[Passage]:
        """Maximal runs of unplaced characters with one reason, ignoring runs of pure layout."""
        out: list[Passage] = []
        n = len(self.text)
        i = 0
        while i < n:
            if self.placed[i]:
                i += 1
                continue
            j = i
            while j < n and not self.placed[j] and self.reason_of[j] == self.reason_of[i]:
                j += 1
            chunk = self.text[i:j]
            if any(ch not in LAYOUT_CHARS for ch in chunk):
                # Trim layout at both ends so positions point at the words themselves.
                a, b = i, j
                while a < b and self.text[a] in LAYOUT_CHARS:
                    a += 1
                while b > a and self.text[b - 1] in LAYOUT_CHARS:
                    b -= 1
                pos = self.lines.at(a)
                out.append(Passage(a, b, pos.line, pos.col, self.text[a:b],
                                   self.reasons[self.reason_of[i]]))
            i = j
        return out

    def counts(self) -> dict[str, int]:
        """Characters placed, layout and unplaced (layout counted only where not placed)."""
        placed = sum(self.placed)
        layout = sum(1 for i, ch in enumerate(self.text) if not self.placed[i]
                     and ch in LAYOUT_CHARS)
        return {"chars": len(self.text), "placed": placed, "layout": layout,
                "unplaced": len(self.text) - placed - layout}


@dataclass
class Document:
    """One draft rule: its kind, id and body (without the header, added by the writer)."""

    kind: str
    id: str
    title: str
    body: dict[str, Any]
    comments: list[str] = field(default_factory=list)  # written as # lines under the header
    # drafted-by / reviewed-by / approved-by from the source's 编制/审核/批准 (None = pending)
    control: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Context:
    """Everything the extractors share during one import."""

    text: str  # the text recognisers read: Simplified, noise blanked (same offsets as source)
    registry: Registry
    property: str | None = None
    source: str = ""  # the text as written (default: `text`); coverage and notes quote it
    coverage: Coverage = field(init=False)
    forms: FormRefs = field(init=False)
    documents: list[Document] = field(default_factory=list)
    notes: list[Passage] = field(default_factory=list)
    created_roles: dict[str, str] = field(default_factory=dict)  # id → title of stand-in roles
    # Where each placed span went: {start, end, kind, id, path} (for a side-by-side preview).
    placements: list[dict[str, Any]] = field(default_factory=list)

    # 编制 / 审核 / 批准 as the source states them (None: the line is there but empty).
    document_control: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.source = self.source or self.text
        self.coverage = Coverage(self.source)
        self.forms = FormRefs(self.registry, {})

    def place(self, start: int, end: int, kind: str, rule_id: str | None, path: str) -> None:
        """Mark text[start:end] as placed in rule `kind`/`rule_id` at key `path`."""
        self.coverage.place(start, end)
        if end > start:
            pos = self.coverage.lines.at(start)
            self.placements.append({"start": start, "end": end, "line": pos.line,
                                    "col": pos.col, "kind": kind, "id": rule_id, "path": path})

    def settle(self, since: int, rule_id: str) -> None:
        """Give the placements recorded since index `since` their rule id (known only now)."""
        for p in self.placements[since:]:
            if p["id"] is None:
                p["id"] = rule_id

    def note(self, start: int, end: int, message: str) -> None:
        """Record an assumption or warning about placed text (shown, never fatal)."""
        pos = self.coverage.lines.at(start)
        self.notes.append(Passage(start, end, pos.line, pos.col, self.source[start:end],
                                  message))

    def role_ref(self, name: str, start: int, end: int, why: str) -> str:
        """The id of the role `name`: an imported or existing role, else a new draft role."""
        found = self.registry.find_role(name)
        if found:
            return found
        rid = self.registry.allocate("role", name, "role")
        self.registry.new_roles[name] = rid
        self.created_roles[rid] = name
        self.note(start, end, f"role {name!r} is not defined here: drafted as {rid} ({why})")
        return rid
