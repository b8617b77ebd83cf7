"""The one safe expression language for every condition in the rules.

Conditions (form visibility and requiredness, step branches, clock and follow-up conditions)
are Jinja2 expressions compiled once in an immutable sandbox, so a rule author can write
`category == 'engineering' and not explained_on_site` but never reach Python internals.
Names are extracted at load time so that a condition naming a missing field is a load error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from runtime.errors import HandbookError

# Names every condition may use besides form fields.
CONTEXT_NAMES: frozenset[str] = frozenset(
    {"now", "today", "weekday", "hour", "property", "user", "roles", "case", "true", "false",
     "none", "True", "False", "None", "weekday_of", "hour_of", "is_weekend"}
)


class ExpressionError(HandbookError):
    """A condition does not parse, or names something that does not exist."""


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def weekday_of(value: Any) -> int | None:
    """ISO weekday (1 = Monday … 7 = Sunday) of a date or date-time field; None when empty."""
    moment = _moment(value)
    return moment.isoweekday() if moment else None


def hour_of(value: Any) -> int | None:
    """Hour of day of a date-time field; None when empty."""
    moment = _moment(value)
    return moment.hour if moment else None


def is_weekend(value: Any) -> bool:
    """Saturday or Sunday (calendar weekend; make-up working days are the engine's concern)."""
    day = weekday_of(value)
    return day is not None and day >= 6


FUNCTIONS = {"weekday_of": weekday_of, "hour_of": hour_of, "is_weekend": is_weekend}


@functools.lru_cache(maxsize=1)
def _env() -> ImmutableSandboxedEnvironment:
    # Undefined names evaluate falsy instead of raising, so a field left empty never crashes.
    env = ImmutableSandboxedEnvironment(autoescape=False)
    env.globals.update(FUNCTIONS)
    return env


def _names_of(source: str) -> frozenset[str]:
    env = _env()
    ast = env.parse("{{ (" + source + ") }}")
    names = set(meta.find_undeclared_variables(ast))
    # Filters and tests are fine; only variable names are checked against fields.
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load":
            names.add(node.name)
    return frozenset(names)


@dataclass(frozen=True)
class Condition:
    """A compiled condition: `source` text, the names it reads, and its evaluator."""

    source: str
    names: frozenset[str]
    _fn: Callable[..., Any] = field(repr=False, compare=False, hash=False)

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        """True when the condition holds; a failing evaluation (e.g. None > 3) is False."""
        try:
            return bool(self._fn(**context))
        except Exception:  # a rule must never crash a page: wrong types simply don't match
            return False

    def __str__(self) -> str:
        return self.source


@functools.lru_cache(maxsize=4096)
def compile_condition(source: str) -> Condition:
    """Compile a condition once (cached by text); ExpressionError on bad syntax."""
    text = str(source).strip()
    if not text:
        raise ExpressionError("empty condition")
    if "{{" in text or "{%" in text:
        raise ExpressionError("write the bare expression, without {{ }} or {% %}")
    try:
        fn = _env().compile_expression(text, undefined_to_none=True)
        names = _names_of(text)
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"syntax error in condition {text!r}: {exc.message}") from exc
    return Condition(source=text, names=names, _fn=fn)


def unknown_names(cond: Condition, known: Iterable[str]) -> list[str]:
    """Names in `cond` that are neither in `known` nor context names, sorted."""
    allowed = set(known) | CONTEXT_NAMES
    return sorted(n for n in cond.names if n not in allowed)
