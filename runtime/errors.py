"""One error hierarchy for the whole runtime; messages are built from fields."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

KeyPath = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """Render a key path as `steps[2].role` (ints become indexes, other keys dotted)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


class HandbookError(Exception):
    """Base of every error the runtime raises on purpose."""


@dataclass(frozen=True)
class RuleError:
    """One problem in one rule file, located by file, line, column and key path."""

    file: str
    line: int
    col: int
    code: str
    message: str
    path: KeyPath = ()
    severity: str = "error"  # "error" blocks publishing; "warning" does not
    hint: str = ""  # how to fix a common slip (full-width colon, tab, ...), when recognised

    @property
    def key_path(self) -> str:
        """The key path as text, e.g. `steps[2].role`."""
        return format_path(self.path)

    def cli_line(self) -> str:
        """`path:line:col: CODE message (key.path)` — the `handbook check` text format."""
        suffix = f" ({self.key_path})" if self.path else ""
        hint = f" — hint: {self.hint}" if self.hint else ""
        return f"{self.file}:{self.line}:{self.col}: {self.code} {self.message}{suffix}{hint}"

    def human(self) -> str:
        """`file, line N: key.path: message` — the form shown to administrators in the app."""
        where = f"{self.key_path}: " if self.path else ""
        hint = f" — hint: {self.hint}" if self.hint else ""
        return f"{self.file}, line {self.line}: {where}{self.message}{hint}"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, used by `handbook check --format json`."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "message": self.message,
            "path": self.key_path,
            "severity": self.severity,
            "hint": self.hint,
        }


@dataclass
class RuleErrors(HandbookError):
    """A rule set failed: carries every problem found in one run, not just the first."""

    errors: list[RuleError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(e.cli_line() for e in self.errors) or "no errors"

    @classmethod
    def of(cls, errors: Iterable[RuleError]) -> RuleErrors:
        """Build from any iterable of errors."""
        return cls(list(errors))


class FormValidationError(HandbookError):
    """Form data failed validation: `errors` maps a field path to one message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class StoreError(HandbookError):
    """The record store could not complete an operation (lock, corrupt journal, missing id)."""


class StoreDamaged(StoreError):
    """The store's files are damaged or inconsistent; it refuses to open rather than lose data."""


class StoreUnavailable(StoreError):
    """The database server cannot be reached (restart, network); retrying later works."""


class NotFound(StoreError):
    """A record, case or task id does not exist."""


class ConflictError(HandbookError):
    """Someone else changed the same thing first (edit conflict, stale version)."""


class PermissionDenied(HandbookError):
    """The current user may not do this."""


class EngineError(HandbookError):
    """A case operation is not allowed in the case's current state."""


class CaseBlocked(EngineError):
    """A case operation refused for a reason the person working the case can act on.

    `key` names the UI text (`staff.blocked.<key>`) and `params` fill it, so the app shows
    the reason in the user's language instead of the engine's English message.
    """

    def __init__(self, message: str, key: str, **params: str) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class StaleBase(ConflictError):
    """A publish or draft was based on a version that is no longer live."""

    def __init__(self, base: int, live: int, since: Sequence[Any] = ()) -> None:
        self.base, self.live, self.since = base, live, tuple(since)
        super().__init__(
            f"based on version {base}, but version {live} is live now "
            f"({len(self.since)} publish(es) meanwhile): rebase the draft onto version {live}")


class LimitExceeded(HandbookError):
    """A rule expression or print template went over one of its evaluation limits.

    `limit` names the limit (output, range, iterations, size, time, memory, recursion,
    forbidden); `where` names the rule and field when the caller knows them.
    """

    def __init__(self, limit: str, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.limit = limit
        self.detail = message
        self.where = where

    def at(self, where: str) -> LimitExceeded:
        """The same breach, located at `where` (a rule and field)."""
        return LimitExceeded(self.limit, self.detail, where)
